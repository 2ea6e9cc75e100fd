"""The character's own skin as a body model: surfaces fitted to a skinned mesh at rest. Pure numpy.

A rig's bones say where the joints are, not where the skin is: a contact sign aimed at proportional points
sinks into a broad chest or floats off a thin one, and a salute meant for the side of the forehead lands in
the face. Here the body is measured from the mesh the armature deforms (vertices in canonical space, per-bone
weights), each vertex assigned to the bone that drives it most:

* head (head and neck bones): a star-shaped surface around the head's centre, radius per (elevation, azimuth);
* torso (spine, chest, clavicles, hips), thighs: star-shaped tubes along their axes, radius per (height, angle);
* arms: capsule radii of upper arms and forearms (they move, so they are posed per frame by whoever uses them);
* face landmarks from the head's midline profile: nose tip, chin, mouth, eyes, forehead, top.

Bones are told apart by where the vertices they drive lie relative to the skeleton's joints, never by name,
so any rig (Rigify DEF-*, Mixamo, Unreal, MakeHuman, FBX/glTF imports with odd bone axes) is fitted the same way.
Queries (signed depth, skin points of named places) are bilinear grid look-ups, vectorised over any number of
points: synthesis calls them on every frame of a long text.
"""
from dataclasses import dataclass, field

import numpy as np

# locations.json places head locations in head heights H above the head joint; these are the heights of the
# proportional model's landmarks (its neck base sits 0.618 H under the head joint), matched to the mesh's own
_HEAD_MODEL_U = {"neck_base": -0.618, "chin": -0.12, "mouth": 0.18, "nose": 0.40, "eyes": 0.58, "forehead": 0.78,
                 "top": 1.02}
# head anthropometry used to place landmarks that have no sharp feature (fractions of nose-tip-to-chin height;
# Farkas 1994 adult means: subnasale-stomion ~22 mm, pronasale ~15 mm above subnasale, endocanthion ~36 mm
# above pronasale, forehead centre ~45 mm above the eyes, for a ~85 mm nose-tip-to-gnathion height)
_MOUTH_BELOW_NOSE = 0.43
_EYES_ABOVE_NOSE = 0.42
_FOREHEAD_ABOVE_EYES = 0.40
_EYE_HALF_SPACING = 0.032     # metres at an adult 0.39 m shoulder width (interpupillary ~63 mm)
FOREARM_AT = np.linspace(0.0, 1.0, 6)   # where along the forearm its radius is measured
_CLEARANCE = 0.015            # metres: a 'near' (non-touching) head location stays at least this far off the skin


def _fill(grid, wrap_axis=1, rounds=200):
    """Fill NaN cells with the mean of their known neighbours (wrapping along `wrap_axis`), repeatedly."""
    g = grid.copy()
    for _ in range(rounds):
        nan = np.isnan(g)
        if not nan.any():
            break
        acc = np.zeros_like(g)
        cnt = np.zeros_like(g)
        for axis, shift in ((0, 1), (0, -1), (1, 1), (1, -1)):
            if axis == wrap_axis:
                s = np.roll(g, shift, axis)
            else:
                s = np.full_like(g, np.nan)
                if shift == 1:
                    s[1:] = g[:-1]
                else:
                    s[:-1] = g[1:]
            ok = ~np.isnan(s)
            acc[ok] += s[ok]
            cnt[ok] += 1
        new = nan & (cnt > 0)
        if not new.any():
            break
        g[new] = acc[new] / cnt[new]
    return g


def _bilinear(grid, u, v):
    """Sample grid (nu, nv) at fractional cell coordinates u (clamped) and v (wrapping)."""
    nu, nv = grid.shape
    u = np.clip(u, 0.0, nu - 1.0)
    i0 = np.clip(np.floor(u).astype(int), 0, nu - 1)
    i1 = np.minimum(i0 + 1, nu - 1)
    fu = u - i0
    v = np.mod(v, nv)
    j0 = np.floor(v).astype(int) % nv
    j1 = (j0 + 1) % nv
    fv = v - np.floor(v)
    return ((grid[i0, j0] * (1 - fv) + grid[i0, j1] * fv) * (1 - fu)
            + (grid[i1, j0] * (1 - fv) + grid[i1, j1] * fv) * fu)


@dataclass
class Tube:
    """Star-shaped tube: skin radius per (position along a -> b, angle about the axis)."""
    a: np.ndarray
    b: np.ndarray
    e1: np.ndarray            # angle 0 direction (perpendicular to the axis)
    radius: np.ndarray        # (nt, ntheta)

    @classmethod
    def fit(cls, pts, a, b, ref, nt=24, ntheta=36):
        a, b = np.asarray(a, float), np.asarray(b, float)
        ax = (b - a) / np.linalg.norm(b - a)
        e1 = ref - (ref @ ax) * ax
        e1 /= np.linalg.norm(e1)
        tube = cls(a, b, e1, np.zeros((nt, ntheta)))
        t, r, th = tube._coords(pts)
        ok = (t >= 0) & (t <= 1)
        grid = np.full((nt, ntheta), np.nan)
        ti = np.clip((t[ok] * nt).astype(int), 0, nt - 1)
        hi = np.clip((th[ok] / (2 * np.pi) * ntheta).astype(int), 0, ntheta - 1)
        flat = np.full(nt * ntheta, -np.inf)
        np.maximum.at(flat, ti * ntheta + hi, r[ok])
        grid = np.where(np.isfinite(flat), flat, np.nan).reshape(nt, ntheta)
        tube.radius = _fill(grid)
        return tube

    def _coords(self, P):
        ax = self.b - self.a
        L = float(np.linalg.norm(ax))
        ax = ax / L
        e2 = np.cross(ax, self.e1)
        q = P - self.a
        along = q @ ax
        v = q - along[..., None] * ax
        r = np.linalg.norm(v, axis=-1)
        th = np.mod(np.arctan2(v @ e2, v @ self.e1), 2 * np.pi)
        return along / L, r, th

    def depth(self, P):
        """(depth inside the skin (m; negative outside), outward normal) per point."""
        t, r, th = self._coords(P)
        nt, nth = self.radius.shape
        R = _bilinear(self.radius, t * nt - 0.5, th / (2 * np.pi) * nth - 0.5)
        ax = (self.b - self.a) / np.linalg.norm(self.b - self.a)
        q = P - self.a
        v = q - (q @ ax)[..., None] * ax
        n = v / np.maximum(r, 1e-9)[..., None]
        L = float(np.linalg.norm(self.b - self.a))
        outside_ends = np.maximum(-t, t - 1) * L        # > 0 beyond either end
        d = np.where(outside_ends > 0, np.minimum(R - r, -outside_ends), R - r)
        return d, n


@dataclass
class Ball:
    """Star-shaped closed surface: skin radius per (elevation, azimuth) around a centre."""
    centre: np.ndarray
    frame: np.ndarray         # rows: left, forward, up
    radius: np.ndarray        # (nel, naz)

    @classmethod
    def fit(cls, pts, centre, frame, nel=24, naz=36):
        ball = cls(np.asarray(centre, float), np.asarray(frame, float), np.zeros((nel, naz)))
        r, el, az = ball._coords(pts)
        ei = np.clip(((el + np.pi / 2) / np.pi * nel).astype(int), 0, nel - 1)
        ai = np.clip((az / (2 * np.pi) * naz).astype(int), 0, naz - 1)
        flat = np.full(nel * naz, -np.inf)
        np.maximum.at(flat, ei * naz + ai, r)
        grid = np.where(np.isfinite(flat), flat, np.nan).reshape(nel, naz)
        ball.radius = _fill(grid)
        return ball

    def _coords(self, P):
        v = (P - self.centre) @ self.frame.T
        r = np.linalg.norm(v, axis=-1)
        el = np.arcsin(np.clip(v[..., 2] / np.maximum(r, 1e-12), -1, 1))
        az = np.mod(np.arctan2(v[..., 1], v[..., 0]), 2 * np.pi)
        return r, el, az

    def depth(self, P):
        r, el, az = self._coords(P)
        nel, naz = self.radius.shape
        R = _bilinear(self.radius, (el + np.pi / 2) / np.pi * nel - 0.5, az / (2 * np.pi) * naz - 0.5)
        n = (P - self.centre) / np.maximum(r, 1e-9)[..., None]
        return R - r, n


@dataclass
class SkinBody:
    """Body surfaces of one character in canonical space (metres), plus the places signs touch."""
    head: Ball
    torso: Tube
    thighs: list
    arm_radius: dict                         # 'upper_L', 'fore_L', ... -> capsule radius (m)
    landmarks: dict                          # 'nose', 'chin', 'mouth', 'eyes_L', ... -> point
    head_heights: dict                       # landmark -> height above the head joint (m)
    margin: float = 0.0                      # joint centres count as inside this far out of the skin
    counts: dict = field(default_factory=dict)
    joint_margin: np.ndarray = None          # (21,) per hand joint: tips are on the skin, knuckles a radius in
    forearm: dict = field(default_factory=dict)   # 'L', 'R' -> skin radius (m) at FOREARM_AT along elbow -> wrist
    triangles: np.ndarray = None             # (K, 3, 3) the head's, neck's and torso's rest mesh: exact skin points
    neck: Tube = None                        # the neck between the torso's top and the head (NECKTIE's fingers)
    _snaps: dict = field(default_factory=dict, repr=False, compare=False)   # (point, normal) -> skin point

    def forearm_radius(self, side, s):
        """The forearm's skin radius at fractions `s` along elbow -> wrist: measured on the mesh (a forearm is
        ~40 mm thick below the elbow, ~22 at the wrist), else the median capsule radius thinning to the wrist."""
        s = np.asarray(s, float)
        prof = self.forearm.get(side)
        if prof is not None:
            return np.interp(s, FOREARM_AT, prof)
        r = self.arm_radius.get(f"fore_{side}", 0.0)
        return r * (1.0 - 0.25 * s)

    def regions(self):
        return [self.head, self.torso] + ([self.neck] if self.neck is not None else []) + list(self.thighs)

    def depth(self, points):
        """(depth (m, > 0 inside the skin, < 0 outside), outward normal) of the union of body surfaces."""
        P = np.asarray(points, float)
        best = np.full(P.shape[:-1], -np.inf)
        normal = np.zeros(P.shape)
        for reg in self.regions():
            d, n = reg.depth(P)
            take = d > best
            best = np.where(take, d, best)
            normal = np.where(take[..., None], n, normal)
        return best, normal

    def penetration(self, points, normals=False, margin=None):
        """Like BodyModel.penetration: depth (>= 0) of points that are bone centres (hand joints), so the skin
        counts as `margin` (per point, broadcast) further out: a finger's radius plus a little, so touching is
        not inside. Default: per joint for (..., 21, 3) hand joints, else one finger's radius."""
        P = np.asarray(points, float)
        d, n = self.depth(P)
        if margin is None:
            margin = self.margin
            if P.ndim >= 2 and P.shape[-2] == 21 and self.joint_margin is not None:   # a hand's 21 joints
                margin = self.joint_margin
        d = np.maximum(d + margin, 0.0)
        return (d, n) if normals else d

    def snap(self, point, normal, reach=0.25):
        """The skin point on the line through `point` along `normal`: its outermost crossing of the body
        within `reach`; where the line misses, the point moved along the surface normal onto the skin."""
        p = np.asarray(point, float)
        n = np.asarray(normal, float)
        key = (p.tobytes(), n.tobytes(), reach)
        hit = self._snaps.get(key)
        if hit is None:
            hit = self._snaps[key] = self._snap(p, n, reach)
        return hit.copy()

    def _snap(self, p, n, reach):
        s = np.linspace(reach, -reach, int(2 * reach / 0.002) + 1)
        pts = p + s[:, None] * n
        d, _ = self.depth(pts)
        inside = np.flatnonzero(d > 0)
        if len(inside) and inside[0] > 0:
            k = inside[0]
            d0, d1 = d[k - 1], d[k]             # outside, inside
            f = d0 / (d0 - d1)
            q = pts[k - 1] + f * (pts[k] - pts[k - 1])
        else:
            dd, nn = self.depth(p[None])
            q = p + dd[0] * nn[0]
        return self._on_mesh(q, n)

    def _on_mesh(self, q, n, window=0.012):
        """`q` (a skin point of the fitted surfaces, which take the outermost vertex of each grid cell and so
        float a few mm off a hollow such as the breastbone) moved along `n` onto the rest mesh itself: the
        outermost crossing of that line with the mesh's triangles within `window` of `q`; `q` when none."""
        T = self.triangles
        if T is None or not len(T):
            return q
        a, e1, e2 = T[:, 0], T[:, 1] - T[:, 0], T[:, 2] - T[:, 0]
        o = q + n * window
        near = np.linalg.norm(np.cross(T.mean(axis=1) - o, n), axis=-1) < 0.05   # centroids near the line
        a, e1, e2 = a[near], e1[near], e2[near]
        h = np.cross(-n, e2)                      # Moller-Trumbore, ray o - t n
        det = np.einsum("ki,ki->k", e1, h)
        ok = np.abs(det) > 1e-12
        inv = 1.0 / np.where(ok, det, 1.0)
        s = o - a
        u = np.einsum("ki,ki->k", s, h) * inv
        qq = np.cross(s, e1)
        v = (qq @ -n) * inv
        t = np.einsum("ki,ki->k", e2, qq) * inv
        hit = ok & (u >= 0) & (v >= 0) & (u + v <= 1) & (t >= 0) & (t <= 2 * window)
        if not hit.any():
            return q
        return o - n * float(t[hit].min())

    def head_height(self, u_model, H):
        """A head location's height above the head joint (m): the proportional model's height (in head heights
        H) mapped piecewise-linearly through the landmarks measured on this head."""
        keys = [k for k in sorted(_HEAD_MODEL_U, key=_HEAD_MODEL_U.get) if k in self.head_heights]
        xs = np.array([_HEAD_MODEL_U[k] for k in keys])
        ys = np.array([self.head_heights[k] for k in keys])
        if u_model <= xs[0]:
            slope = (ys[1] - ys[0]) / (xs[1] - xs[0])
            return float(ys[0] + (u_model - xs[0]) * slope)
        if u_model >= xs[-1]:
            return float(ys[-1] + (u_model - xs[-1]) * H)
        return float(np.interp(u_model, xs, ys))

    def place(self, spec, side, point, normal, body):
        """Skin point for a location of locations.json (`point`, `normal`: its proportional placement).

        Head locations are moved to this head's own landmark heights, then every surface location is put
        on the skin along its normal; a 'near' head location (eyes) is kept off the skin. Locations in
        space (neutral, spelling) are left alone."""
        p = np.asarray(point, float).copy()
        head = spec["anchor"] == "head_base"
        if head:
            base = body.joints["head_base"]
            up = body.up
            p = p + up * (self.head_height(spec["u"], body.H) - (p - base) @ up)
        if spec.get("surface", False):
            return self.snap(p, normal)
        if head:
            d, _ = self.depth(p[None])
            if d[0] > -_CLEARANCE:
                return self.snap(p, normal) + normal * _CLEARANCE
        return p


# -- fitting ---------------------------------------------------------------------------------------

def _seg_dist(P, a, b):
    ab = b - a
    t = np.clip(((P - a) @ ab) / max(float(ab @ ab), 1e-12), 0.0, 1.0)
    return np.linalg.norm(P - (a + t[..., None] * ab), axis=-1)


def _segments(body):
    """Named skeleton segments (a, b, scale) that vertex clouds are assigned to."""
    j = body.joints
    W, H = body.W, body.H
    up, left = body.up, body.left
    segs = {
        "head": (j["head_base"], j["head_top"], max(0.45 * H, 0.3 * W)),
        "neck": (j["neck_base"], j["head_base"], 0.25 * W),
        "torso": (j["pelvis"], j["neck_base"], 0.40 * W),
    }
    for side, sgn in (("L", 1.0), ("R", -1.0)):
        s, e, w = (j[f"{k}_{side}"] for k in ("shoulder", "elbow", "wrist"))
        fore = w - e
        hand_len = 0.19 * getattr(body, "hand_scale", 1.0)
        segs[f"upper_{side}"] = (s, e, 0.15 * W)
        segs[f"fore_{side}"] = (e, w, 0.13 * W)
        segs[f"hand_{side}"] = (w, w + fore / np.linalg.norm(fore) * hand_len, 0.13 * W)
        hip = j["pelvis"] + sgn * 0.25 * W * left - 0.15 * W * up
        segs[f"leg_{side}"] = (hip, hip - 1.2 * W * up, 0.30 * W)
    return segs


def label_vertices(vertices, weights, body):
    """Per vertex the body segment ('head', 'torso', 'upper_L', 'hand_R', 'leg_L', ...) of the bone that
    drives it most, segments told apart by where each bone's vertex cloud lies (never by bone names)."""
    V = np.asarray(vertices, float)
    Wt = np.asarray(weights, float)
    dom = Wt.argmax(axis=1)
    has = Wt.max(axis=1) > 0
    segs = _segments(body)
    names = list(segs)
    labels = np.full(len(V), "", dtype=object)
    j = body.joints
    above_neck = [n in ("head", "neck") for n in names]
    for g in np.unique(dom[has]):
        sel = has & (dom == g)
        c = V[sel].mean(axis=0)
        score = np.array([float(_seg_dist(c, a, b)) / sc for a, b, sc in segs.values()])
        # the neck's base splits head (face bones: jaw, lips, eyes) from torso, whatever their distances
        high = float((c - j["neck_base"]) @ body.up) > 0
        score[np.array(above_neck) != high] *= 3.0
        labels[sel] = names[int(np.argmin(score))]
    return labels


def fit_skin_body(vertices, weights, body, margin=None, landmark_points=None, triangles=None):
    """SkinBody of a mesh at rest: vertices (N, 3) and bone weights (N, G) in the canonical space of
    `body` (an inference.body.BodyModel measured from the same rig's bones). None when the mesh does not
    cover a head and a torso (a prop, or a mesh bound to only a few bones).

    `landmark_points` (N,) bool: the points the face landmarks are picked from (the mesh's own vertices, not
    face centres: an importer that triangulates, as glTF does, moves face centres and with them the eyes'
    landmark by 1.6 cm); default all.
    `triangles` (K, 3) vertex indices of the mesh's faces: skin points are put on them exactly."""
    from ..inference import hand as chand
    V = np.asarray(vertices, float)
    labels = label_vertices(V, weights, body)
    counts = {k: int((labels == k).sum()) for k in set(labels.tolist()) if k}
    j = body.joints
    up, fwd, left = body.up, body.forward, body.left
    frame = np.stack([left, fwd, up])
    W = body.W
    unit = W / 0.39
    head_pts = V[(labels == "head") | ((labels == "neck") & ((V - j["neck_base"]) @ up > 0))]
    torso_pts = V[labels == "torso"]
    if len(head_pts) < 50 or len(torso_pts) < 50:
        return None
    # head: star surface around the centroid of the head bone's vertices
    core = V[labels == "head"] if counts.get("head", 0) >= 50 else head_pts
    centre = core.mean(axis=0)
    head = Ball.fit(head_pts, centre, frame, nel=36, naz=48)
    # torso: from its lowest vertex to the neck's base, axis pelvis -> neck base
    ax = j["neck_base"] - j["pelvis"]
    ax = ax / np.linalg.norm(ax)
    h = (torso_pts - j["pelvis"]) @ ax
    top = float((j["neck_base"] - j["pelvis"]) @ ax) + 0.01 * unit
    a = j["pelvis"] + ax * float(np.percentile(h, 0.5))
    b = j["pelvis"] + ax * top
    torso = Tube.fit(torso_pts, a, b, left, nt=48, ntheta=48)
    # neck: the head's star surface does not reach below the jaw and the torso ends at the neck's base, so a
    # hand at the throat would be inside neither; a tube from under the torso's top to the head's joint
    neck_pts = V[labels == "neck"]
    neck = None
    if len(neck_pts) >= 30:
        nb, hb = j["neck_base"], j["head_base"]
        neck = Tube.fit(neck_pts, nb - (hb - nb) * 0.3, hb, left, nt=12, ntheta=36)
    thighs = []
    for side in ("L", "R"):
        lp = V[labels == f"leg_{side}"]
        lp = lp[(lp - j["pelvis"]) @ up > -0.5 * unit]      # the thigh's upper part: where resting hands are
        if len(lp) < 30:
            continue
        c = lp.mean(axis=0)
        _, _, vt = np.linalg.svd(lp - c, full_matrices=False)
        d = vt[0] * np.sign(vt[0] @ up)
        s = (lp - c) @ d
        thighs.append(Tube.fit(lp, c + d * s.min(), c + d * s.max(), left, nt=12, ntheta=24))
    arm_radius = {}
    for side in ("L", "R"):
        for seg, (ka, kb) in (("upper", ("shoulder", "elbow")), ("fore", ("elbow", "wrist"))):
            pts = V[labels == f"{seg}_{side}"]
            if len(pts):
                arm_radius[f"{seg}_{side}"] = float(np.median(_seg_dist(pts, j[f"{ka}_{side}"], j[f"{kb}_{side}"])))
    forearm = {}
    for side in ("L", "R"):   # the forearm's thickness along it (90th percentile of the skin's distance per slice)
        e, w = j[f"elbow_{side}"], j[f"wrist_{side}"]
        pts = V[labels == f"fore_{side}"]
        ew = w - e
        t = (pts - e) @ ew / max(float(ew @ ew), 1e-12)
        dist = np.linalg.norm(pts - e - t[:, None] * ew, axis=-1)
        prof = []
        for at in FOREARM_AT:
            sel = np.abs(t - at) < 0.1
            prof.append(float(np.percentile(dist[sel], 90)) if sel.sum() >= 8 else np.nan)
        prof = np.array(prof)
        if np.isfinite(prof).sum() >= 2:
            ok = np.isfinite(prof)
            forearm[side] = np.interp(FOREARM_AT, FOREARM_AT[ok], prof[ok])
    for side in ("L", "R"):   # the wrist's own thickness: the mesh's wrist is not centred on its joint
        e, w = j[f"elbow_{side}"], j[f"wrist_{side}"]
        ax = (w - e) / np.linalg.norm(w - e)
        pts = V[(labels == f"fore_{side}") | (labels == f"hand_{side}")]
        along = (pts - w) @ ax
        ring = pts[np.abs(along) < 0.01 * unit]
        if len(ring) >= 8:
            radial = ring - w - np.outer((ring - w) @ ax, ax)
            arm_radius[f"wrist_{side}"] = float(np.median(np.linalg.norm(radial, axis=-1)))
    lm = np.ones(len(V), bool) if landmark_points is None else np.asarray(landmark_points, bool)
    face_pts = V[lm & (labels == "head")] if counts.get("head", 0) >= 50 else \
        V[lm & ((labels == "head") | ((labels == "neck") & ((V - j["neck_base"]) @ up > 0)))]
    landmarks, heights = _face_landmarks(face_pts, body, head, unit)
    scale = getattr(body, "hand_scale", 1.0)
    if margin is None:
        margin = 0.5 * chand.FINGER_THICKNESS * scale + chand.SKIN_CLEARANCE
    # a joint is a bone centre: the skin around it is a finger's (palm's) radius out, a tip joint is the skin
    jm = np.full(21, 0.5 * chand.FINGER_THICKNESS * scale)
    jm[[0, 1, 5, 9, 13, 17]] = 0.5 * chand.PALM_THICKNESS * scale
    wrists = [arm_radius[k] for k in ("wrist_L", "wrist_R") if k in arm_radius]
    if wrists:
        jm[0] = max(jm[0], max(wrists))
    jm[list(chand.TIPS.values())] = 0.0
    tri = None
    if triangles is not None and len(triangles):
        trisel = np.isin(labels, ("head", "neck", "torso"))
        idx = np.asarray(triangles)
        tri = V[idx[trisel[idx].all(axis=1)]]
    return SkinBody(head, torso, thighs, arm_radius, landmarks, heights, float(margin), counts,
                    jm + chand.SKIN_CLEARANCE, forearm, tri, neck)


def _face_landmarks(pts, body, head, unit):
    """Nose tip, chin, mouth, eyes, forehead and top of the head from the midline profile of the head's
    vertices (points and heights above the head joint)."""
    j = body.joints
    up, fwd, left = body.up, body.forward, body.left
    base = j["head_base"]
    rel = pts - base
    x, f, u = rel @ left, rel @ fwd, rel @ up
    cx = float(head.centre @ left - base @ left)
    H = body.H
    out, hts = {}, {}
    band = 0.012 * unit
    mid = np.abs(x - cx) < band
    while mid.sum() < 20 and band < 0.05 * unit:
        band *= 1.6
        mid = np.abs(x - cx) < band
    top_u = float(u.max())
    hts["top"] = top_u
    face = mid & (u > -0.4 * H) & (u < 0.9 * H)
    if face.sum() < 5:
        return out, hts
    k = np.flatnonzero(face)[np.argmax(f[face])]
    nose_u, nose_f = float(u[k]), float(f[k])
    chin_zone = mid & (u < nose_u) & (f > nose_f - 0.05 * unit)
    menton_u = float(u[chin_zone].min()) if chin_zone.any() else nose_u - 0.085 * unit
    span = max(nose_u - menton_u, 0.04 * unit)

    def front(height, xc=cx, width=band):
        """The most forward skin point at a height (on the midline, or at lateral position xc)."""
        sel = (np.abs(x - xc) < width) & (np.abs(u - height) < 0.01 * unit)
        if not sel.any():
            sel = (np.abs(x - xc) < 2 * width) & (np.abs(u - height) < 0.02 * unit)
        if not sel.any():
            return None
        i = np.flatnonzero(sel)[np.argmax(f[sel])]
        return pts[i]

    chin_sel = mid & (u >= menton_u) & (u <= menton_u + 0.3 * span)
    if chin_sel.any():
        i = np.flatnonzero(chin_sel)[np.argmax(f[chin_sel])]
        out["chin"], hts["chin"] = pts[i], float(u[i])
    out["nose"], hts["nose"] = pts[k], nose_u
    mouth_u = nose_u - _MOUTH_BELOW_NOSE * span
    eyes_u = nose_u + _EYES_ABOVE_NOSE * span
    forehead_u = eyes_u + _FOREHEAD_ABOVE_EYES * (top_u - eyes_u)
    for name, height in (("mouth", mouth_u), ("forehead", forehead_u)):
        p = front(height)
        if p is not None:
            out[name], hts[name] = p, height
    hts["eyes"] = eyes_u
    for side, sgn in (("L", 1.0), ("R", -1.0)):
        p = front(eyes_u, cx + sgn * _EYE_HALF_SPACING * unit, 0.008 * unit)
        if p is not None:
            out[f"eyes_{side}"] = p
    hts["neck_base"] = float((j["neck_base"] - base) @ up)
    return out, hts
