"""Synthesis: gloss items -> PoseTrack on a body model.

Each sign becomes a short trajectory per hand (start posture from its phonology, then its movements),
signs are joined by minimum-jerk transitions, the idle hand rests, and non-manual channels follow the
gloss marks. Everything is vectorised over frames; the only loop is over signs.
"""
import unicodedata
from dataclasses import dataclass

import numpy as np

from . import hand
from .body import BodyModel
from .errors import SignLLMError
from .gloss import LIGATURES
from .kinematics import two_bone_ik
from .nonmanual import Span, nonmanual_channels
from .track import HAND_SIDES, PoseTrack, Segment
from .transforms import axis_angle_matrix, frame_from_y_z, normalize, slerp_matrices


def spellable(letters, alphabet):
    """The letters of a word a manual alphabet can sign: its own letters, spelled-out ligatures (ß -> SS)
    and base letters of accented ones (É -> E); letters of other scripts are left out."""
    out = []
    for ch in letters.upper():
        for c in LIGATURES.get(ch, ch) if ch not in alphabet else ch:
            if c in alphabet:
                out.append(c)
            else:
                base = unicodedata.normalize("NFKD", c)[:1]
                if base in alphabet:
                    out.append(base)
    return "".join(out)


def minjerk(t):
    t = np.clip(t, 0.0, 1.0)
    return t * t * t * (10 - 15 * t + 6 * t * t)


def _finger_wiggle(t, rep):
    """Finger-base flexion offsets (n, 21) that ripple across the four fingers, fading in and out over t."""
    osc = np.sin(2 * np.pi * (2.0 * max(rep, 2) * t[:, None] + np.arange(4)[None] * 0.25))
    wig = np.zeros((len(t), 21))
    wig[:, [0, 4, 8, 12]] = 22 * osc * np.sin(np.pi * t)[:, None]
    return wig


REST_POSES = ("SIDES", "FRONT")
DEFAULT_REST_POSE = "FRONT"   # the one place the rest/idle posture's default is set (in the interpreter frame)


@dataclass
class Settings:
    fps: float = 24.0
    speed: float = 1.0            # 1 = citation pace; 2 = twice as fast
    dominant: str = "R"           # 'L' for a left-handed signer (mirrors everything)
    letter_hold: float = 0.22     # seconds a fingerspelled letter is held at speed 1
    letter_transition: float = 0.10
    lexicalised_hold: float = 0.12  # letters of a lexicalised spelling (#JOB) run together faster
    repeat_step: float = 0.10     # sideways step between repetitions of a plural sign (units of W)
    pause: float = 0.35           # at sentence punctuation
    final_hold: float = 0.3
    lead_in: float = 0.25
    running: float = 0.55         # share of its citation duration a sign takes inside a phrase
    min_sign: float = 0.3         # seconds: no sign is shorter (at speed 1), so it stays readable
    peak_accel: float = 15.0      # m/s^2 and rad/s: limits a shortened sign's movement may not exceed
    peak_turn: float = 12.0
    peak_speed: float = 2.8       # m/s: transitions never move a wrist faster (human signing peaks ~2-3)
    coarticulation: float = 0.15  # how far a neutral-space sign's location leans toward the previous sign
    rest_pose: str = DEFAULT_REST_POSE  # start, end and idle arm: 'SIDES' (hanging) or 'FRONT' (hands at the waist)
    mouthing: bool = False        # English mouthing of the words as visemes where a sign has no mouth morpheme
    locus_radius: float = 2.5     # loci a..e: this many shoulder widths in front of the chest, at neutral height
    locus_angles: tuple = (("a", 40.0), ("b", -40.0), ("c", 70.0), ("d", -70.0), ("e", 15.0))  # deg to the dominant side


@dataclass
class Posture:
    pos: np.ndarray      # wrist (3,)
    rot: np.ndarray      # (3, 3)
    params: np.ndarray   # (21,)


@dataclass
class Chunk:
    """Frames of one hand: positions (n,3), rotations (n,3,3), articulation (n,21)."""
    pos: np.ndarray
    rot: np.ndarray
    params: np.ndarray

    @classmethod
    def hold(cls, p, n):
        return cls(np.repeat(p.pos[None], n, 0), np.repeat(p.rot[None], n, 0), np.repeat(p.params[None], n, 0))

    def first(self):
        return Posture(self.pos[0], self.rot[0], self.params[0])

    def last(self):
        return Posture(self.pos[-1], self.rot[-1], self.params[-1])

    def __len__(self):
        return len(self.pos)


CROSS_DEPTH = 0.045   # metres the other hand of a crossed mirror sign stays behind the dominant hand
COMPOUND_TRANSITION = 0.12   # seconds between the parts of a compound (BEDROOM = BED + ROOM), at speed 1


def _other(side):
    return "L" if side == "R" else "R"


# finger bones (joint pairs of inference/hand.py) whose middles are collision points too; a tip bone's middle has
# its base joint's thickness
_FINGER_BONES = tuple(np.array(x) for x in zip(*[(k, k + 1) for base in (1, 5, 9, 13, 17) for k in range(base, base + 3)]))
_IS_TIP = np.isin(np.arange(21), list(hand.TIPS.values()))
_EASE = np.exp(-0.5 * (np.arange(-4, 5) / 1.5) ** 2)
_EASE /= _EASE.sum()


def _eased(push):
    """(T, 3) per-frame pushes blurred over +-4 frames, never below the frame's own push: a wrist pushed out
    of something moves smoothly and still clears it on every frame."""
    pad = np.pad(push, ((4, 4), (0, 0)), mode="edge")
    smooth = np.stack([np.convolve(pad[:, c], _EASE, mode="valid") for c in range(3)], -1)
    return np.where(np.linalg.norm(smooth, axis=-1, keepdims=True) > np.linalg.norm(push, axis=-1, keepdims=True),
                    smooth, push)


class Synthesizer:
    def __init__(self, phonology, lexicon, alphabet, body=None, settings=None):
        self.ph = phonology
        self.lex = lexicon
        self.alphabet = alphabet or {}
        self.body = body or BodyModel.default()
        self.s = settings or Settings()
        self.dom = self.s.dominant
        self.nd = _other(self.dom)
        self.scale = self.body.hand_scale
        # human speed limits are in metres for the default body: a rig of another size (a 2x character, an FBX
        # in centimetres) moves proportionally, so timing depends on the text and speed, never on rig size
        self.size = max(self.body.W, 1e-9) / BodyModel.default().W
        self._points = {}
        self._shapes = {}
        self._pivots = None
        self._thumb_contacts = dict(phonology.contact_pairs())
        rest_params = 0.55 * phonology.handshape("C") + 0.45 * phonology.handshape("open B")
        self.rest = {side: self.rest_posture(side, rest_params) for side in HAND_SIDES}
        # where an idle hand waits while the other signs on it (STOMACH's palm on a hand resting at the belly)
        self.aside = {side: self.rest_posture(side, rest_params, "SIDES") for side in HAND_SIDES}

    # -- postures ------------------------------------------------------------------------------
    def rest_posture(self, side, params, mode=None):
        """The relaxed arm at the start, the end and while a hand idles, built from the arm's own lengths so
        the wrist is nearly straight (hand in line with the forearm, palm toward the body, pronation near
        neutral) and the elbow is where a relaxed elbow is.

        'SIDES': upper arm hanging a little out from the body, elbow bent about 15 degrees, the hand beside
        the thigh (not on it). 'FRONT': elbows by the sides bent about 50 degrees, hands loosely in front of
        the belly at waist height, fingers toward each other, palms in and a little up.
        """
        mode = (mode or self.s.rest_pose or DEFAULT_REST_POSE).upper()
        if mode not in REST_POSES:
            raise SignLLMError(f"Unknown rest pose {self.s.rest_pose!r}: use one of {', '.join(REST_POSES)}.")
        b = self.body
        up, fwd, out = b.up, b.forward, b.side_vec(side)
        S = b.joints[f"shoulder_{side}"]
        la, lb = b.arm_lengths(side)
        if mode == "SIDES":
            u_dir = normalize(-up + 0.20 * out + 0.06 * fwd)
            f_dir = normalize(-up + 0.10 * out + 0.28 * fwd)
            palm_to = -out - 0.30 * fwd
        else:
            u_dir = normalize(-up + 0.22 * fwd + 0.12 * out)
            f_dir = normalize(0.75 * fwd - 0.50 * up - 0.45 * out)
            palm_to = -out - 0.25 * up
        pos = S + la * u_dir + lb * f_dir
        y = f_dir
        z = normalize(palm_to - (palm_to @ y) * y)
        rot = np.stack([np.cross(y, z), y, z], -1)
        # clear of the torso (a heavier body model): step forward until no hand joint is inside it
        for _ in range(8):
            joints = pos + hand.joints_local(params, self.scale, side, self.body.hand_geometry(side)) @ rot.T
            if self.body.penetration(joints).max() <= 0.0:
                break
            pos = pos + 0.02 * b.W * fwd
        return Posture(pos, rot, np.asarray(params, float))

    def dir_vec(self, word, side):
        d = self.ph.direction(word)
        return normalize(self.body.vec(d[0], d[1], d[2], side))

    def frame(self, palm, fingers, side):
        return frame_from_y_z(self.dir_vec(fingers, side), self.dir_vec(palm, side))

    def local_point(self, params, surface, side):
        """Hand-frame offset (metres, scaled) of a surface of a posed hand on `side` (cached: the same
        handshapes come back sign after sign)."""
        params = np.asarray(params, float)
        key = (params.tobytes(), surface, side) if params.ndim == 1 else None
        hit = self._points.get(key) if key else None
        if hit is not None:
            return hit.copy()
        p = self._local_point(params, surface, side)
        if key and len(self._points) < 20000:
            self._points[key] = p
        return p.copy()

    def _local_point(self, params, surface, side):
        # skin thickness (hand.PALM_THICKNESS...) is in metres for the default hand: work at that size and
        # scale the point, so a hand twice the size is also twice as thick (contacts scale with the rig)
        s0 = BodyModel.default().hand_scale
        j = hand.joints_local(params, s0, "R", self.body.hand_geometry(side))
        p = (hand.surface_point(j, surface) if surface else (j[0] + j[9]) * 0.5) * (self.scale / s0)
        if side == "L":
            p = p * np.array([-1.0, 1.0, 1.0])
        return p

    def location(self, loc, side, base=None):
        """(point, outward normal) of a body location or of a place on the base hand."""
        if loc in self.ph.hand_locations:
            if base is None:
                raise SignLLMError(f"location {loc} needs a base hand")
            surf = self.ph.hand_locations[loc]
            if surf == "forearm":
                return self._forearm_point(base)
            pt = base.pos + base.rot @ self.local_point(base.params, surf, self.nd)
            z = base.rot[:, 2]
            normal = {"palm": z, "back": -z}.get(surf, normalize(pt - base.pos))
            return pt, normal
        spec = self.ph.locations.get(loc)
        if spec is None:
            raise SignLLMError(f"unknown location {loc}")
        return self.body.location(spec, side)

    def handshape(self, name, side):
        """A handshape's articulation on `side`: the inventory's, with a thumb that touches a fingertip (O, F,
        flat O) solved again on the character's own hand, so the rig's thumb meets its fingertip where the track
        puts it (the solver bends a rig's thumb onto its fingertip; a thumb solved on the canonical hand ends
        5-15 mm elsewhere, BOY's in the forehead)."""
        key = (name, side)
        hit = self._shapes.get(key)
        if hit is None:
            hit = self.ph.handshape(name)
            g = self.body.hand_geometry(side)
            hit = hand.thumb_on_geometry(hit, g)
            tip = self._thumb_contacts.get(self.ph.canonical(name))
            if g is not None and g.rigid is None and tip is not None:
                hit = hand.solve_thumb_contact(hit, tip, target_offset=hand.FINGER_THICKNESS * 0.8, geometry=g)
            self._shapes[key] = hit
        return hit.copy()

    def _posture(self, spec, side, base=None, params=None):
        if params is None:
            params = self.handshape(spec["hs"], side)
        rot = self.frame(spec["palm"], spec["fingers"], side)
        point, normal = self.location(spec["loc"], side, base)
        contact = spec.get("contact")
        pos = point - rot @ self.local_point(params, contact, side)
        pos = pos + normal * float(spec.get("near", 0.0)) * self.size   # kept off the location (metres on the default body)
        return Posture(pos, rot, np.asarray(params, float))

    # -- movements -----------------------------------------------------------------------------
    def _apply_moves(self, start, moves, n, side, spec, base):
        pos = np.repeat(start.pos[None], n, 0)
        rot = np.repeat(start.rot[None], n, 0)
        params = np.repeat(start.params[None], n, 0)
        if not moves or n < 2:
            return Chunk(pos, rot, params)
        weights = np.array([max(1.0, 0.6 * m.get("repeat", 1)) for m in moves])
        bounds = np.concatenate([[0.0], np.cumsum(weights) / weights.sum()])
        u = np.linspace(0.0, 1.0, n)
        W = self.body.W
        cur = Posture(start.pos.copy(), start.rot.copy(), start.params.copy())
        _, normal = self.location(spec["loc"], side, base)
        for k, m in enumerate(moves):
            t = np.clip((u - bounds[k]) / max(bounds[k + 1] - bounds[k], 1e-9), 0.0, 1.0)
            sl = u >= bounds[k] - 1e-9
            rep = int(m.get("repeat", 1))
            size = self.ph.sizes.get(m.get("size", "m"), 0.25) * W
            typ = m["type"]
            disp = np.zeros((n, 3))
            drot = None
            if typ in ("straight", "arc", "zigzag", "brush"):
                dvec = self.dir_vec(m.get("dir", "forward"), side)
                if rep > 1:  # back and forth, ending at the far end
                    ph = t * (2 * rep - 1)
                    s = minjerk(np.abs(((ph + 1) % 2) - 1))
                else:
                    s = minjerk(t)
                disp = s[:, None] * size * dvec
                if typ == "arc":
                    bend = self.dir_vec(m.get("bend", "up"), side)
                    disp += (np.sin(np.pi * s) * 0.3 * size)[:, None] * bend
                elif typ == "zigzag":
                    perp = normalize(np.cross(dvec, cur.rot[:, 2]) + 1e-9)
                    tri = 1 - np.abs(((s * 3) % 1) * 2 - 1)
                    disp += (tri * 0.25 * size * np.sin(np.pi * s).clip(0, 1) ** 0.2)[:, None] * perp
                elif typ == "brush":
                    disp += (s ** 2 * 0.05 * W)[:, None] * normal
                if "roll" in m:   # forearm roll during the path (a spiral rise, a twisting exit), not after it
                    axis = cur.rot[:, 1] * (1.0 if side == "R" else -1.0)
                    ang = np.radians(float(m["roll"])) * minjerk(t)
                    drot = np.einsum("tij,jk->tik", axis_angle_matrix(axis[None], ang), cur.rot)
            elif typ == "circle":
                plane = m.get("plane", "frontal")
                out, up, fwd = (self.dir_vec(w, side) for w in ("out", "up", "forward"))
                a, b = {"frontal": (up, out), "sagittal": (up, fwd), "horizontal": (fwd, out)}[plane]
                if m.get("dir", "cw") == "ccw":
                    b = -b
                r = size * 0.5
                ang = 2 * np.pi * rep * minjerk(t)
                disp = r * ((np.cos(ang) - 1)[:, None] * a + np.sin(ang)[:, None] * b)
            elif typ == "tap":
                amp = 0.06 * W if "size" not in m else size * 0.25
                disp = (amp * (1 - np.cos(2 * np.pi * rep * t)) / 2)[:, None] * normal
            elif typ == "shake":
                dvec = self.dir_vec(m.get("dir", "out"), side)
                amp = 0.05 * W if "size" not in m else size * 0.3
                disp = (amp * np.sin(2 * np.pi * max(rep, 2) * t) * np.sin(np.pi * t))[:, None] * dvec
            elif typ == "to":
                tgt_spec = dict(spec, loc=m["loc"])
                if "contact" in m:
                    tgt_spec["contact"] = m["contact"]
                elif m["loc"] in self.ph.locations and not self.ph.locations[m["loc"]].get("surface", False):
                    tgt_spec.pop("contact", None)
                point, tgt_normal = self.location(tgt_spec["loc"], side, base)
                c = tgt_spec.get("contact")
                tgt = point - cur.rot @ self.local_point(cur.params, c, side)
                disp = minjerk(t)[:, None] * (tgt - cur.pos)
                if c and spec.get("contact") and not spec.get("near"):
                    disp += self._over_skin(cur, disp, t, c, side, normal + tgt_normal)
            elif typ == "change":
                target_rot = self.frame(m.get("palm") or spec["palm"], m.get("fingers") or spec["fingers"], side)
                if "palm" in m or "fingers" in m:
                    drot = slerp_matrices(np.repeat(cur.rot[None], n, 0), np.repeat(target_rot[None], n, 0), minjerk(t))
                if "hs" in m:
                    new_params = self.handshape(m["hs"], side)
                    blend = minjerk(t if rep == 1 else np.abs(((t * (2 * rep - 1) + 1) % 2) - 1))
                    params[sl] = (cur.params + blend[:, None] * (new_params - cur.params))[sl]
            elif typ in ("twist", "nod"):
                ang = np.radians(float(m.get("angle", 60 if typ == "twist" else 30)))
                if typ == "twist":
                    axis = cur.rot[:, 1] * (1.0 if side == "R" else -1.0)
                    s = minjerk(t) if rep == 1 else np.sin(np.pi * rep * t) ** 2
                else:   # +x of the hand frame on both sides: + bends toward the palm for either hand
                    axis = cur.rot[:, 0]
                    s = np.sin(np.pi * rep * t) ** 2 if rep > 1 else minjerk(t)
                drot = np.einsum("tij,jk->tik", axis_angle_matrix(axis[None], ang * s), cur.rot)
            elif typ == "wiggle":
                params[sl] = (params + _finger_wiggle(t, rep))[sl]
            pos[sl] = cur.pos + disp[sl]
            if drot is not None:
                rot[sl] = drot[sl]
            else:
                rot[sl] = cur.rot
            if typ not in ("change", "wiggle"):
                params[sl] = cur.params
                if m.get("wiggle"):   # fingers wiggle while the hand travels (FINGERSPELL)
                    params[sl] = (params + _finger_wiggle(t, rep))[sl]
            cur = Posture(pos[-1].copy(), rot[-1].copy(), params[-1].copy())
        return Chunk(pos, rot, params)

    def _over_skin(self, cur, disp, t, surface, side, normal):
        """Lift for a move from one touch to another (HOME's cheek to jaw, DEAF's): the straight line between
        two points on a convex skin cuts under it (HOME's fingertips 5.9 mm into the cheek half-way), and the
        hand leaves the skin between touches, so the path arcs out along the two places' mean normal by what
        the touching surface would sink, plus a finger's half-thickness for the skin around that point."""
        pts = cur.pos + disp + cur.rot @ self.local_point(cur.params, surface, side)
        depth = np.asarray(self.body.penetration(pts), float).reshape(len(pts))
        if depth.max() <= 0.0:
            return np.zeros_like(disp)
        s = minjerk(t)
        bump = np.sin(np.pi * s)
        depth = np.maximum(depth - ((1.0 - s) * depth[0] + s * depth[-1]), 0.0)   # the touches stay as they are
        lift = 1.2 * depth + bump * 0.5 * hand.FINGER_THICKNESS * self.scale   # 1.2: the mean normal is not the skin's
        return lift[:, None] * normalize(normal)[None]

    def _mirror(self, chunk):
        """Reflect a chunk across the body's midline (the other hand doing the same)."""
        c = self.body.joints["chest"]
        n = self.body.left
        M = np.eye(3) - 2 * np.outer(n, n)
        pos = (chunk.pos - c) @ M.T + c
        rot = np.einsum("ij,tjk,kl->til", M, chunk.rot, np.diag([-1.0, 1.0, 1.0]))
        return Chunk(pos, rot, chunk.params.copy())

    # -- signing space -------------------------------------------------------------------------
    def locus_point(self, name):
        """Where a locus is in neutral space: '1' just in front of the signer's chest, '2' the addressee
        (straight ahead), 'a'.. 'e' on an arc in front at the angles of Settings.locus_angles."""
        b = self.body
        chest = b.joints["chest"]
        neutral, _ = self.location("neutral", self.dom)
        origin = chest + b.up * float((neutral - chest) @ b.up)
        r = self.s.locus_radius * b.W
        if name == "1":
            return origin + b.forward * 0.25 * b.W
        ang = 0.0 if name == "2" else dict(self.s.locus_angles).get(name)
        if ang is None:
            raise SignLLMError(f"Unknown locus {name!r}; use 1, 2 or a-e.")
        a = np.radians(ang)
        return origin + r * (np.cos(a) * b.forward + np.sin(a) * b.side_vec(self.dom))

    def _yaw(self, angle):
        return axis_angle_matrix(self.body.up[None], np.array([angle]))[0]

    def _horizontal(self, v):
        return v - self.body.up * float(v @ self.body.up)

    def _signed_yaw(self, a, b):
        """Angle (radians) about the up axis from horizontal a to horizontal b."""
        a, b = normalize(self._horizontal(a)), normalize(self._horizontal(b))
        return float(np.arctan2(np.cross(a, b) @ self.body.up, a @ b))

    def _point_at(self, chunks, locus):
        """IX-a: turn the pointing hand about the wrist so the index finger points at the locus."""
        c = chunks.get(self.dom)
        if c is None or not len(c):
            return
        target = self.locus_point(locus)
        lateral = self._horizontal(target - c.pos[0]) @ self.body.side_vec(self.dom)
        if lateral < 0:   # a locus on the other side: the hand moves toward the midline to point there
            c.pos = c.pos + 0.35 * lateral * self.body.side_vec(self.dom)
        p0 = c.pos[0]
        f0 = normalize(c.rot[0][:, 1])
        d = normalize(target - p0)
        axis = np.cross(f0, d)
        sn = np.linalg.norm(axis)
        ang = float(np.arctan2(sn, f0 @ d))
        if sn < 1e-9:
            return
        R = axis_angle_matrix((axis / sn)[None], np.array([ang]))[0]
        c.pos = p0 + (c.pos - p0) @ R.T
        c.rot = np.einsum("ij,tjk->tik", R, c.rot)

    def _agree(self, chunks, src, dst):
        """a-GIVE-b: the sign's path runs from the subject's locus toward the object's. The citation form is
        1-VERB-2; its path (projected on its own direction) is laid along src -> dst, its start moved toward
        src, and the hands turned about the vertical toward the path (at most 120 degrees)."""
        F, T, L1, L2 = (self.locus_point(x) for x in (src, dst, "1", "2"))
        W = self.body.W
        direction = normalize(T - F)
        dom = chunks.get(self.dom)
        if dom is not None and len(dom) > 1:
            v = dom.pos[-1] - dom.pos[0]
            if np.linalg.norm(v) > 0.05 * W and normalize(v) @ direction > np.cos(np.radians(30)):
                return   # the citation path already runs that way (1-GIVE-2)
        shift = normalize(self._horizontal(F - L1)) * 0.3 * W if src != "1" else np.zeros(3)
        yaw = self._signed_yaw(L2 - L1, T - F)
        if abs(yaw) > np.radians(120):
            yaw = np.radians(120) * (1.0 if self._signed_yaw(self.body.forward, -self.body.side_vec(self.dom)) > 0
                                     else -1.0)
        R = self._yaw(yaw)
        for side, c in chunks.items():
            n = len(c)
            if n < 2:
                continue
            p0 = c.pos[0].copy()
            rel = c.pos - p0
            v = rel[-1]
            length = float(np.linalg.norm(v))
            if length > 0.05 * W:
                s = (rel @ v) / (length * length)
                resid = rel - s[:, None] * v
            else:   # a sign held in place: it still travels toward the object
                s = minjerk(np.linspace(0.0, 1.0, n))
                resid = rel
            length = max(length, 0.35 * W)
            c.pos = p0 + shift + s[:, None] * (direction * length) + resid @ R.T
            c.rot = np.einsum("ij,tjk->tik", R, c.rot)

    def _place(self, chunks, item):
        """Honour the loci an item carries (IX-a; a-GIVE-b)."""
        extra = item.extra
        if extra.get("locus"):
            self._point_at(chunks, extra["locus"])
        elif extra.get("from") and extra.get("to"):
            self._agree(chunks, extra["from"], extra["to"])

    @staticmethod
    def _carried(base, dom):
        """The base hand doing the dominant hand's movement with it (both hands travel and turn together:
        CONTINUE, SHOW, FOLLOW, ANSWER): the same displacement, and the same turn about its own wrist."""
        rel = np.einsum("tij,kj->tik", dom.rot, dom.rot[0])           # rotation since the first frame
        pos = base.pos[0] + (dom.pos - dom.pos[0])
        rot = np.einsum("tij,jk->tik", rel, base.rot[0])
        return Chunk(pos, rot, base.params.copy())

    # -- signs ---------------------------------------------------------------------------------
    def sign_chunks(self, entry, duration=None):
        """{side: Chunk} for one lexicon entry (sides not in the dict are idle)."""
        if entry.get("parts"):
            return self.compound_chunks(entry, duration)
        dur = float(duration if duration is not None else entry.get("duration", 0.5)) / self.s.speed
        n = max(2, int(round(dur * self.s.fps)))
        spec = entry["dom"]
        base = None
        out = {}
        sym = entry.get("sym") if entry.get("hands", 1) == 2 else None
        if sym == "base":
            base = self._posture(entry["base"], self.nd)
            out[self.nd] = Chunk.hold(base, n)
        start = self._posture(spec, self.dom, base)
        dom = self._apply_moves(start, entry.get("move", []), n, self.dom, spec, base)
        if getattr(self.body, "skin", None) is not None and spec.get("contact") and spec["loc"] in self.ph.locations:
            # on a character's own skin (the proportional body has no pivot against collisions): into human range
            # about the contact point, then out of the body about it
            dom = self._pivot_clear(self._natural_turn(dom, spec["contact"], self.dom), spec["contact"], self.dom)
        out[self.dom] = dom
        if sym == "base" and entry.get("base_follows"):
            out[self.nd] = self._carried(out[self.nd], dom)
        if sym == "parallel":
            mir = self._mirror(dom)
            out[self.nd] = Chunk(mir.pos[0] + (dom.pos - dom.pos[0]), mir.rot, mir.params)
        if sym in ("mirror", "alt"):
            mir = self._mirror(dom)
            if entry.get("cross"):   # crossed start (SAFE, FREE): the other hand passes just behind the dominant one
                mir = Chunk(mir.pos - self.body.forward * CROSS_DEPTH * self.size, mir.rot, mir.params)
            if sym == "alt":
                period = max(1, max([m.get("repeat", 1) for m in entry.get("move", [])] or [1]))
                shift = max(1, int(round(n / (2 * period))))
                idx = np.clip(np.arange(n) - shift, 0, n - 1)
                mir = Chunk(mir.pos[idx], mir.rot[idx], mir.params[idx])
            out[self.nd] = mir
        return out

    def _relaxed_pole(self, side):
        """The elbow direction of a relaxed arm: down, out and back (the solver's preference)."""
        return -self.body.up + 0.45 * self.body.side_vec(side) - 0.25 * self.body.forward

    def _arm_angles(self, pos, rot, side):
        """(angles, clamped palms, changed) of a hand path with the elbow the rig solver would choose (rigs/rom.py:
        the elbow on its swivel circle that keeps pronation and the wrist inside human ranges of motion)."""
        from ..rigs import rom      # pure numpy; the solver turns what no elbow can give about the wrist
        a, b = self.body.arm_lengths(side)
        S = np.broadcast_to(self.body.joints[f"shoulder_{side}"], pos.shape)
        pref, _ = two_bone_ik(S, pos, a, b, self._relaxed_pole(side))
        E, ang = rom.choose_elbows(S, pos, a, b, rot, side, pref, self.body)
        mid, end = two_bone_ik(S, pos, a, b, E - S)
        bend = normalize(mid - (S + end) * 0.5)
        new, changed = rom.clamp_palm(S, mid, end, rot, side, ang, bend, margin=self._ROM_MARGIN)
        return ang, new, changed

    def _unnatural(self, pos, rot, side):
        """Degrees the solver would turn this hand path (its worst frame) to bring it into human ranges."""
        _, new, changed = self._arm_angles(pos, rot, side)
        if not changed.any():
            return 0.0
        cos = (np.einsum("tij,tij->t", new[changed], rot[changed]) - 1) / 2
        return float(np.degrees(np.arccos(np.clip(cos, -1, 1))).max())

    _ROM_MARGIN = 6.0      # degrees inside the ranges: the solver's own elbow choice over the whole text differs a little

    def _natural_turn(self, chunk, surface, side, rounds=4):
        """A contact sign whose lexicon orientation no elbow can give within human ranges of motion (THINK's
        index at the temple with the palm back and fingers in-up needs 130 degrees of supination): the rig
        solver would turn the hand about its wrist into range and the touch would be lost by 3-15 cm. Here the
        hand turns about its contact point instead, by one rotation for the whole sign (the nearest natural
        orientation, averaged over the sign's frames), so the contact point's path is kept."""
        local = np.stack([self.local_point(p, surface, side) for p in chunk.params])          # (T, 3)
        c = chunk.pos + np.einsum("tij,tj->ti", chunk.rot, local)                               # contact points
        pos, rot = chunk.pos, chunk.rot
        turned = False
        for _ in range(rounds):
            _, new, changed = self._arm_angles(pos, rot, side)
            if not changed.any():
                break
            D = np.einsum("tij,tkj->tik", new[changed], rot[changed]).mean(0)
            u, _, vt = np.linalg.svd(D)
            R = u @ np.diag([1.0, 1.0, np.linalg.det(u @ vt)]) @ vt
            pos = c + np.einsum("ij,tj->ti", R, pos - c)
            rot = np.einsum("ij,tjk->tik", R, rot)
            turned = True
        return Chunk(pos, rot, chunk.params) if turned else chunk

    def compound_chunks(self, entry, duration=None):
        """{side: Chunk} of a compound (BED + ROOM = BEDROOM, BOY + FRIEND = BOYFRIEND): its parts, each signed as
        its own entry, one after the other in the compound's duration, joined by a short transition. The parts
        share the time in proportion to their own durations, so a compound is shorter than its parts said apart.
        A hand one part does not use waits where the next part that uses it starts (the other hand comes up
        during a one-handed first part), or stays where the last part that used it ended."""
        parts = [self.lex.get(g) for g in entry["parts"]]
        if any(p is None for p in parts):
            raise SignLLMError(f"compound {entry.get('gloss')}: no sign for part(s) "
                               f"{', '.join(g for g, p in zip(entry['parts'], parts) if p is None)}")
        total = float(duration if duration is not None else entry.get("duration", 0.5))
        gaps = COMPOUND_TRANSITION * (len(parts) - 1)
        own = np.array([float(p.get("duration", 0.5)) for p in parts])
        durs = own * max(total - gaps, 0.25 * len(parts)) / own.sum()
        chunks = [self.sign_chunks(p, d) for p, d in zip(parts, durs)]
        lengths = [max(len(c) for c in cc.values()) for cc in chunks]
        n_tr = max(1, int(round(COMPOUND_TRANSITION / self.s.speed * self.s.fps)))
        out = {}
        for side in set().union(*chunks):
            filled = []
            for k, cc in enumerate(chunks):
                if side in cc:
                    filled.append(cc[side])
                    continue
                later = next((c[side] for c in chunks[k + 1:] if side in c), None)
                filled.append(Chunk.hold(later.first() if later is not None else filled[-1].last(), lengths[k]))
            pieces = [filled[0]]
            for a, b in zip(filled, filled[1:]):
                pieces += [self._transition(a.last(), b.first(), n_tr), b]
            out[side] = Chunk(np.concatenate([c.pos for c in pieces]), np.concatenate([c.rot for c in pieces]),
                              np.concatenate([c.params for c in pieces]))
        return out

    def _two_handed(self, entry):
        """Whether a sign (or any part of a compound) uses both hands."""
        if entry.get("parts"):
            return any(self._two_handed(self.lex.get(g) or {}) for g in entry["parts"])
        return entry.get("hands", 1) == 2

    def _touches_body(self, entry):
        """Whether a sign (or any part of a compound) starts in contact with the body."""
        if entry.get("parts"):
            return any(self._touches_body(self.lex.get(g) or {}) for g in entry["parts"])
        dom = entry.get("dom") or {}
        return bool(dom.get("contact")) and dom.get("loc") in self.ph.locations

    _PIVOTS = np.radians([12.0, -12.0, 25.0, -25.0, 40.0, -40.0, 55.0, -55.0])

    def _pivot_candidates(self):
        """The tilts _pivot_clear tries (the body's axes do not change: made once): none, about one body axis,
        and about two at once (GIRL's thumb on the jaw: one axis cleared the knuckles only by a turn the arm
        cannot give)."""
        if self._pivots is None:
            body = self.body
            axes = (body.left, body.up, body.forward)
            single = [axis_angle_matrix(ax, a) for ax in axes for a in self._PIVOTS]
            pairs = [axis_angle_matrix(axes[i], a) @ axis_angle_matrix(axes[j], b) for i in range(3)
                     for j in range(i + 1, 3) for a in self._PIVOTS[:6] for b in self._PIVOTS[:6]]
            self._pivots = [np.eye(3)] + single + pairs
        return self._pivots

    def _pivot_clear(self, chunk, surface, side):
        """A contact sign on the character's own skin: where the handshape and orientation the lexicon gives
        would put other parts of the hand into the body (knuckles into the jaw while the fingertip touches the
        cheek), the hand turns about its contact point, by the smallest tilt that keeps it out; the contact
        point's path is unchanged, so the touch stays where it was. One tilt for the whole sign."""
        body = self.body
        local = np.stack([self.local_point(p, surface, side) for p in chunk.params])          # (T, 3)
        c = chunk.pos + np.einsum("tij,tj->ti", chunk.rot, local)                               # contact points
        pts, margin = self._hand_points(chunk.pos, chunk.rot, chunk.params, side)
        keep = np.r_[0:21, 21 + len(_FINGER_BONES[0]):len(margin) - 2]   # joints and palm edges: the forearm is
        pts, margin = pts[:, keep], margin[keep].copy()                  # the elbow's business here
        margin[0] = margin[9]                            # and the wrist bends
        rel = pts - c[:, None]                                                                  # from the contact
        cands = self._pivot_candidates()
        base_pen = np.maximum(body.penetration(c[:, None] + rel, margin=margin) - 0.004, 0.0).max()
        best, best_cost = None, np.inf
        if base_pen > 0.001:    # every tilt at once: (K, T, P, 3)
            R_all = np.stack(cands[1:])
            moved = c[None, :, None] + np.einsum("tpj,kij->ktpi", rel, R_all)
            pens = np.concatenate([[base_pen], np.maximum(body.penetration(moved, margin=margin) - 0.004,
                                                          0.0).max(axis=(1, 2))])
        for k, R in enumerate(cands if base_pen > 0.001 else ()):
            pen = pens[k]
            angle = float(np.arccos(np.clip((np.trace(R) - 1) / 2, -1, 1)))
            cost = pen + 0.01 * angle
            if cost >= best_cost:
                continue
            # a tilt the arm cannot give (the solver would turn the hand back about the wrist): 1 mm a degree
            cost += 0.001 * self._unnatural(c + (chunk.pos - c) @ R.T, np.einsum("ij,tjk->tik", R, chunk.rot), side)
            if cost < best_cost:
                best, best_cost = R, cost
        pos, rot = chunk.pos, chunk.rot
        if best is not None and best_cost < base_pen:
            pos = c + (chunk.pos - c) @ best.T
            rot = np.einsum("ij,tjk->tik", best, chunk.rot)
        # a movement between two places on the skin follows the skin, not the chord under it
        d, n = body.skin.depth(c)
        pos = pos + np.maximum(d, 0.0)[:, None] * n
        return Chunk(pos, rot, chunk.params)

    def letter_chunks(self, letters, lexicalised=False):
        """Dominant-hand chunks for a fingerspelled word, one per letter.

        Letters are held at the spelling place (beside the dominant shoulder, in front of the chest),
        drifting slightly outward as the word goes on; a doubled letter (the second L of ANNA's N N)
        slides sideways instead of being re-formed in place. Holds come from Settings (letter_hold,
        lexicalised_hold), so the pace can be tuned.
        """
        chunks = []
        unit = self.body.W / 0.39
        drift = self.dir_vec("out", self.dom) * 0.012 * unit
        hold = self.s.lexicalised_hold if lexicalised else self.s.letter_hold
        prev = None
        for i, ch in enumerate(spellable(letters, self.alphabet)):   # ß -> SS, É -> E, other scripts left out
            spec = dict(self.alphabet[ch])
            spec.setdefault("loc", "spelling")
            moves = list(spec.pop("move", []))
            double = prev == ch
            if double and not moves:
                moves = [{"type": "straight", "dir": "out", "size": "xs"}]
            entry = {"gloss": ch, "dom": spec, "move": moves,
                     "duration": hold + (0.15 if moves else 0.0)}
            c = self.sign_chunks(entry)[self.dom]
            off = drift * min(i, 8)
            if double and chunks:
                off = chunks[-1][1].pos[-1] - c.pos[0]  # start where the first of the pair ended
            c.pos = c.pos + off
            chunks.append((ch, c))
            prev = ch
        return chunks

    # -- timeline ------------------------------------------------------------------------------
    def _transition(self, a, b, n):
        t = minjerk(np.linspace(0, 1, n + 2)[1:-1])
        dist = np.linalg.norm(b.pos - a.pos)
        bulge = (np.sin(np.pi * t) * 0.25 * dist)[:, None] * self.body.forward
        pos = a.pos + t[:, None] * (b.pos - a.pos) + bulge
        rot = slerp_matrices(np.repeat(a.rot[None], n, 0), np.repeat(b.rot[None], n, 0), t)
        params = a.params + t[:, None] * (b.params - a.params)
        return Chunk(pos, rot, params)

    def _transition_frames(self, pairs, base_time=None):
        dn = max((np.linalg.norm(b.pos - a.pos) for a, b in pairs), default=0.0) / max(self.body.W, 1e-6)
        rot = max((np.degrees(np.arccos(np.clip((np.trace(a.rot.T @ b.rot) - 1) / 2, -1, 1))) for a, b in pairs), default=0.0)
        secs = base_time if base_time is not None else float(np.clip(0.06 + 0.12 * dn + rot / 1500.0, 0.1, 0.35))
        # a minimum-jerk path peaks at 1.875x its mean speed (plus the bulge): keep the wrist under peak_speed
        dist = max((np.linalg.norm(b.pos - a.pos) for a, b in pairs), default=0.0)
        secs = max(secs, 1.875 * 1.15 * dist / (self.s.peak_speed * self.size))
        return max(1, int(round(secs / self.s.speed * self.s.fps)))

    def synthesize(self, items, start=None, after_sign=False):
        """PoseTrack of the items. start: {side: Posture} the hands begin in (default: rest) and after_sign
        (the item before was a sign), so a live edit can re-synthesise from the middle of a text."""
        fps = self.s.fps
        chunks = {side: [] for side in HAND_SIDES}
        cur = dict(start) if start is not None else dict(self.rest)
        segments = []
        touching = []      # frame spans of signs that touch the body
        pressing = set()   # those whose surface touches the skin itself (not kept 'near' it)
        marks = []
        frame = 0

        def append(side_chunks, n):
            nonlocal frame
            for side in HAND_SIDES:
                ch = side_chunks.get(side) or Chunk.hold(cur[side], n)
                chunks[side].append(ch)
                cur[side] = ch.last()
            frame += n

        def move_to(targets, base_time=None):
            pairs = [(cur[s], targets[s]) for s in HAND_SIDES]
            n = self._transition_frames(pairs, base_time)
            append({s: self._transition(cur[s], targets[s], n) for s in HAND_SIDES}, n)

        append({}, max(1, int(round(self.s.lead_in * fps))))
        prev_sign = bool(after_sign)
        for k, item in enumerate(items):
            if item.kind != "sign":
                prev_sign = False
            if item.kind == "pause":
                start = frame
                pause = self.s.pause if getattr(item, "duration", None) is None else item.duration
                append({}, max(1, int(round(pause / self.s.speed * fps))))
                segments.append(Segment(item.gloss, "pause", start, frame, item.words, item.span, "pause"))
                continue
            lexicalised = bool(item.extra.get("lexicalised")) and item.gloss not in (self.lex or {})
            if item.kind == "spell" or lexicalised:
                letters = self.letter_chunks(item.letters, lexicalised)
                if not letters:
                    continue
                start = None
                for i, (ch, c) in enumerate(letters):
                    tgt = dict(cur)
                    tgt[self.dom] = c.first()
                    if self.nd not in tgt or np.linalg.norm(cur[self.nd].pos - self.rest[self.nd].pos) > 1e-6:
                        tgt[self.nd] = self.rest[self.nd]
                    move_to(tgt, None if i == 0 else self.s.letter_transition)
                    if start is None:
                        start = frame
                    append({self.dom: c}, len(c))
                segments.append(Segment(item.gloss, "spell", start, frame, item.words, item.span,
                                        "fingerspelling", True))
                marks.append((start, frame, item.marks, item, k))
                continue
            entry = self.lex.get(item.gloss) if self.lex is not None else None
            if entry is None:
                raise SignLLMError(f"No sign for gloss {item.gloss!r}")
            duration = getattr(item, "duration", None)
            start = None
            reps = max(1, int(item.extra.get("repeat", 1) or 1))
            step = self.dir_vec("out", self.dom) * self.s.repeat_step * self.body.W
            for r in range(reps):  # plural by repetition: the sign again, a step to the dominant side
                sc = self.sign_chunks(entry, duration)
                if duration is None and not self._phrase_final(items, k):   # running signing: holds shortened
                    sc = self._running(entry, sc)
                self._place(sc, item)
                if r == 0 and prev_sign and not entry.get("parts") and entry.get("hands", 1) == 1 \
                        and not entry["dom"].get("contact"):
                    self._coarticulate(sc[self.dom], cur[self.dom])
                shift = step * (r - (reps - 1) / 2.0)
                for c in sc.values():
                    c.pos = c.pos + shift
                tgt = {s: (sc[s].first() if s in sc else self._idle_target(items, k, s, cur[s], sc)) for s in HAND_SIDES}
                move_to(tgt, None if r == 0 else self.s.letter_transition * 1.5)
                if start is None:
                    start = frame
                append(sc, max(len(c) for c in sc.values()))
            if self._touches_body(entry):
                # the touching surface of a sign that starts on the body (a compound's parts: none, the wrist)
                touching.append((start, frame, (entry.get("dom") or {}).get("contact") if not entry.get("parts")
                                 else None))
                if not float((entry.get("dom") or {}).get("near", 0.0) or 0.0):
                    pressing.add((start, frame))     # 'near': kept off the skin, never pressed into it
            segments.append(Segment(item.gloss, "sign", start, frame, item.words, item.span, "lexicon",
                                    bool(entry.get("review", False)), item.text))
            marks.append((start, frame, item.marks, item, k))
            prev_sign = True
        append({}, max(1, int(round(self.s.final_hold * fps))))
        move_to(self.rest)
        n_end = max(1, int(round(0.2 * fps)))   # the transition stops a frame short: end exactly at rest
        append({s: Chunk.hold(self.rest[s], n_end) for s in HAND_SIDES}, n_end)

        wrist = np.stack([np.concatenate([c.pos for c in chunks[s]]) for s in HAND_SIDES], 1)
        palm = np.stack([np.concatenate([c.rot for c in chunks[s]]) for s in HAND_SIDES], 1)
        params = np.stack([np.concatenate([c.params for c in chunks[s]]) for s in HAND_SIDES], 1)
        params = hand.clamp_params(params)[0]     # the hand the rig can show (HamNoSys or user shapes)
        self._touching = np.zeros(len(wrist), bool)
        # hand-frame point of the touching surface, its press radius, 1 for a whole surface (palm, back)
        self._touch_at = np.full((len(wrist), 5), np.nan)
        h_dom = HAND_SIDES.index(self.dom)
        self._pressing = np.zeros(len(wrist), bool)     # frames of a sign that presses (not kept 'near')
        for a, b, surface in touching:
            self._touching[a:b] = True
            self._pressing[a:b] = (a, b) in pressing
            if surface and b > a and (a, b) in pressing:
                shapes, which = np.unique(params[a:b, h_dom], axis=0, return_inverse=True)   # mostly one held
                pts = np.stack([self.local_point(q, surface, self.dom) for q in shapes])    # shape: cached
                self._touch_at[a:b, :3] = pts[which.reshape(-1)]
                self._touch_at[a:b, 3] = self.PRESS_RADIUS.get(surface, self.PRESS_RADIUS[None]) * self.size
                self._touch_at[a:b, 4] = float(surface in self.PRESS_RADIUS)
        wrist = self._clamp_reach(self._keep_out_of_body(wrist, palm, params))
        elbow = self._elbows(wrist)
        moved = self._clear_other_arm(wrist, palm, params, elbow, segments)
        if moved is not None:    # around the arm, and still out of the body
            wrist = self._clamp_reach(self._keep_out_of_body(moved, palm, params))
            elbow = self._elbows(wrist)
        self._touching = self._touch_at = self._pressing = None
        head, brows, face = self._nonmanuals(len(wrist), marks, segments, wrist)
        track = PoseTrack(fps, self.body, wrist, palm, params, elbow, head, brows, segments, self.scale, face,
                          self._contact_points(len(wrist), params, touching))
        track.check()
        return track

    def _contact_points(self, n, params, touching):
        """(n, 2, 3) hand-frame point the dominant hand touches with during contact signs, eased to the wrist
        (0) over 0.15 s on either side, so a solver turning the hand about it moves the wrist smoothly."""
        h = HAND_SIDES.index(self.dom)
        pts = np.zeros((n, 3))
        weight = np.zeros(n)
        win = max(1, int(round(0.15 * self.s.fps)))
        ramp = minjerk(np.arange(1, win + 1) / (win + 1.0))
        for a, b, surface in touching:
            if b <= a or not surface:
                continue
            pts[a:b] = [self.local_point(params[t, h], surface, self.dom) for t in range(a, b)]
            weight[a:b] = 1.0
            for idx, w, ref in ((np.arange(a - win, a), ramp, pts[a]), (np.arange(b, b + win), ramp[::-1], pts[b - 1])):
                ok = (idx >= 0) & (idx < n)
                idx, w = idx[ok], w[ok]
                take = w > weight[idx]
                pts[idx[take]] = ref
                weight[idx[take]] = w[take]
        out = np.zeros((n, 2, 3))
        out[:, h] = weight[:, None] * pts
        return out

    def _running(self, entry, citation):
        """A sign inside a phrase, shortened toward `running` x its citation length, but never below
        `min_sign` seconds and never so much that its movement outruns human limits: peak wrist speed,
        acceleration (fast repeated taps) and turning speed (twists) at the current signing speed."""
        fps = self.s.fps
        sp = self.s.speed
        f = self.s.running
        for c in citation.values():
            if len(c) < 3:
                continue
            v = np.linalg.norm(np.diff(c.pos, axis=0), axis=-1) * fps
            acc = np.linalg.norm(np.diff(c.pos, 2, axis=0), axis=-1) * fps * fps
            cosang = (np.einsum("tij,tij->t", c.rot[1:], c.rot[:-1]) - 1) / 2
            w = np.arccos(np.clip(cosang, -1, 1)) * fps
            f = max(f, v.max() / (self.s.peak_speed * self.size * sp),
                    np.sqrt(acc.max() / (self.s.peak_accel * self.size * sp * sp)),
                    w.max() / (self.s.peak_turn * sp))
        cit = float(entry.get("duration", 0.5))
        f = max(f, self.s.min_sign / cit)
        if f > 0.97:
            return citation
        return self.sign_chunks(entry, cit * f)

    @staticmethod
    def _phrase_final(items, k):
        """The last sign before a pause or the end keeps its full (citation) length: phrase-final lengthening."""
        return k + 1 >= len(items) or items[k + 1].kind == "pause"

    def _idle_target(self, items, k, side, current, chunks=None):
        """Where a hand the sign does not use goes: it stays up if the next sign needs it, else it rests, or
        waits at the side where the sign's hand would come onto it at rest (`chunks`: the sign's)."""
        nxt = next((it for it in items[k + 1:k + 2] if it.kind == "sign"), None)
        entry = self.lex.get(nxt.gloss) if nxt is not None and self.lex is not None else None
        if entry is not None and self._two_handed(entry) and \
                np.linalg.norm(current.pos - self.rest[side].pos) > 1e-6:
            return current
        o = HAND_SIDES[1 - HAND_SIDES.index(side)]
        if o in (chunks or {}) and self._hands_meet(chunks[o], o, self.rest[side], side):
            return self.aside[side]
        return self.rest[side]

    def _hands_meet(self, chunk, chunk_side, posture, side, gap=0.02):
        """Whether the moving hand's joints (`chunk` on `chunk_side`) come within `gap` of a hand held in
        `posture` on `side` (a finger's thickness apart at the joints' centres), or pass behind it as the
        viewer sees them (Mixamo's idle hand, 9 cm in front of the belly, hid STOMACH's palm)."""
        moving = self._hand_points(chunk.pos, chunk.rot, chunk.params, chunk_side)[0][:, :21]
        held = self._hand_points(posture.pos[None], posture.rot[None], posture.params[None], side)[0][0, :21]
        diff = moving[:, :, None] - held[None, None]
        lim = gap + hand.FINGER_THICKNESS * self.scale
        ahead = diff @ self.body.forward                  # > 0: the moving joint is nearer the viewer
        across = np.linalg.norm(diff - ahead[..., None] * self.body.forward, axis=-1)
        return bool(((np.linalg.norm(diff, axis=-1) < lim) | ((across < lim) & (ahead < 0))).any())

    def _coarticulate(self, chunk, prev):
        """Lean a neutral-space sign a little toward where the previous sign ended (assimilation)."""
        shift = self.s.coarticulation * (prev.pos - chunk.pos[0])
        lim = 0.06 * self.body.W
        n = np.linalg.norm(shift)
        if n > lim:
            shift *= lim / n
        chunk.pos += shift

    def _keep_out_of_body(self, wrist, palm, params, allow=0.008, rounds=4):
        """Hands never pass into the body: where a hand joint sinks deeper than its skin (`allow` during a
        contact sign), the wrist is pushed out along the body's normal, smoothed over a few frames so nothing
        pops."""
        out = wrist.copy()
        T = len(out)
        body = self.body
        reach = hand.HAND_LENGTH * self.scale * 1.3
        # on a character's skin a frame is pushed to allow/4 deep (joint margins: the hand's skin on the body's)
        # once it is deeper than that, or to allow/2 once deeper than `allow` during a contact sign, frame by
        # frame (a joint's margin is the skin's thickness around it, not its shape: GIRL's thumb 4 mm in by the
        # joints arrived 6-9 mm in by the mesh's vertices); on the proportional body (no margins) every frame
        # deeper than allow/2 once any is deeper than `allow`
        skin = getattr(body, "skin", None) is not None
        for h, side in enumerate(HAND_SIDES):
            # only frames whose wrist is within a hand's length of the body can touch it
            fwd = (out[:, h] - body.joints["chest"]) @ body.forward
            head_c = body.joints["head_base"] + 0.45 * body.H * body.up
            near = (fwd < 0.26 * body.W + reach) | (np.linalg.norm(out[:, h] - head_c, axis=-1) < 0.6 * body.H + reach)
            sel = np.flatnonzero(near)
            if len(sel) == 0:
                continue
            touching = self._touching[sel] if getattr(self, "_touching", None) is not None and side == self.dom else None
            touch_at = self._touch_at[sel] if touching is not None else None
            trigger = np.full(len(sel), allow * 0.25 + 1e-4 if skin else allow)
            target = np.full(len(sel), allow * (0.25 if skin else 0.5))
            if touching is not None:
                # a sign whose surface presses on the skin; one kept 'near' it (BOY's thumb 1.5 cm off the
                # forehead) presses nothing: its thumb ball went 8.7 mm into the forehead under this allowance
                press = touching & self._pressing[sel]
                trigger[press] = allow
                target[press] = allow * 0.5
            for _ in range(rounds):
                d_sel, n_sel = self._deepest(out[sel, h], palm[sel, h], params[sel, h], side, touching, touch_at)
                over = d_sel > trigger
                if not over.any():
                    break
                if not skin:
                    over = d_sel > allow * 0.5
                d = np.zeros(T)
                d[sel] = np.where(over, d_sel - target, 0.0)
                nn = np.zeros((T, 3))
                nn[sel] = n_sel
                out[:, h] += _eased(np.where(d > 0, d, 0.0)[:, None] * nn)
        return out

    def _clear_other_arm(self, wrist, palm, params, elbow, segments, rounds=3):
        """On a character's skin, between signs (a sign's own two-handed form is the lexicon's), the dominant
        hand goes around the other forearm, not through it (back to rest across an idle arm): where one of its
        points is inside the forearm's skin (a capsule elbow -> wrist of the measured radius), the wrist is pushed
        out of it, smoothed over a few frames. The wrists pushed, or None when nothing was in the way."""
        skin = getattr(self.body, "skin", None)
        if skin is None or skin.arm_radius.get(f"fore_{self.nd}") is None:
            return None
        h, o = HAND_SIDES.index(self.dom), HAND_SIDES.index(self.nd)
        free = np.ones(len(wrist), bool)
        for sg in segments:
            free[sg.start:sg.end] = False
        sel = np.flatnonzero(free)
        if not len(sel):
            return None
        a, b = elbow[sel, o], wrist[sel, o]
        out = wrist.copy()
        pushed = False
        for _ in range(rounds):
            pts, margin = self._hand_points(out[sel, h], palm[sel, h], params[sel, h], self.dom)
            pts, margin = pts[:, :-2], margin[:-2]          # the hand, not the forearm behind it
            ab = b - a
            t = np.clip(np.einsum("tki,ti->tk", pts - a[:, None], ab) / np.maximum(np.einsum("ti,ti->t", ab, ab),
                                                                                   1e-12)[:, None], 0.0, 1.0)
            foot = a[:, None] + t[..., None] * ab[:, None]
            away = pts - foot
            dist = np.linalg.norm(away, axis=-1)
            depth = skin.forearm_radius(self.nd, t) + margin - dist
            depth = np.where((t > 0.05) & (t < 0.95), depth, 0.0)
            k = depth.argmax(axis=1)
            ii = np.arange(len(k))
            d = depth[ii, k]
            if d.max() <= 0.002:
                break
            n = away[ii, k] / np.maximum(dist[ii, k], 1e-9)[:, None]
            push = np.zeros_like(out[:, h])
            push[sel] = np.maximum(d, 0.0)[:, None] * n
            out[:, h] += _eased(push) * free[:, None]      # signs keep their own form
            pushed = True
        return out if pushed else None

    def _hand_points(self, wrists, palms, params, side):
        """(points (T, K, 3), per-point margin or None): the 21 joints; on a character's skin also the middle of
        each finger bone (a finger lying along the face sinks between its joints first), the palm's edges (the
        heel of the hand is wider than the joints' lines) and, last, the forearm's end behind the wrist."""
        local = hand.joints_local(params, self.scale, side, self.body.hand_geometry(side))
        skin = getattr(self.body, "skin", None)
        margin = None
        if skin is not None:
            a, b = _FINGER_BONES
            jm = skin.joint_margin
            mids = 0.5 * (local[..., a, :] + local[..., b, :])
            g = self.body.hand_geometry(side)
            heel = np.zeros((0, 3)) if g is None or g.heel is None else np.asarray(g.heel, float)[None]
            edges = np.concatenate([hand.PALM_EDGES, heel, [[0.0, -0.03, 0.0], [0.0, -0.06, 0.0]]])
            edges = edges * self.scale * (np.array([-1.0, 1.0, 1.0]) if side == "L" else 1.0)
            fore = 0.8 * skin.arm_radius.get(f"fore_{side}", 0.5 * hand.PALM_THICKNESS) + hand.SKIN_CLEARANCE
            # the heel is a skin point (a tip's margin), the edges bone-centre lines (a finger's)
            mid = np.where(_IS_TIP[b], jm[a], jm[b])
            if g is not None and g.radius is not None:    # the mesh's own thickness where it is thicker
                mid = np.fmax(mid, g.radius * self.scale + hand.SKIN_CLEARANCE)
            margin = np.concatenate([jm, mid, np.full(len(hand.PALM_EDGES), jm[6]),
                                     np.full(len(heel), jm[hand.TIPS["index"]]), [fore, fore]])
            local = np.concatenate([local, mids, np.broadcast_to(edges, local.shape[:-2] + edges.shape)], axis=-2)
        return wrists[:, None, :] + np.einsum("tij,tkj->tki", palms, local), margin

    # m (default body) around a touching surface's point where the hand's skin may press into the body's: a
    # palm or the back of the hand touches with its whole surface (to the knuckles), a tip or side with a spot
    PRESS_RADIUS = {None: 0.03, "palm": 0.045, "back": 0.045}

    def _deepest(self, wrists, palms, params, side, touching=None, touch_at=None, block=2048):
        """Per frame, the deepest hand joint's depth inside the body and its way out (blocks of frames,
        so a long text's collision test needs little memory). `touching`: frames of a body-contact sign,
        where the forearm is left to the elbow (_forearm_clear). `touch_at`: on those frames the hand-frame
        point of the touching surface and its PRESS_RADIUS (NaN: none); the hand's skin within that radius
        presses into the body as skin does at a contact (the heel of the thumb and the knuckles of a flat palm
        on the chest), so it does not hold the touching surface off. The wrist keeps its own thickness there:
        counted as a palm's, HOME's wrist went 8 mm into Rigify's shoulder as the fingertips touched the cheek."""
        depth = np.empty(len(wrists))
        normal = np.empty((len(wrists), 3))
        for a, b in ((a, a + block) for a in range(0, len(wrists), block)):
            joints, margin = self._hand_points(wrists[a:b], palms[a:b], params[a:b], side)
            d, n = self.body.penetration(joints, normals=True, margin=margin)
            if margin is not None and touching is not None:
                t = touching[a:b]
                free = np.zeros(d.shape, bool)
                free[t, -2:] = True
                # the fingers' bone middles: their joints and the press decide (a flat hand along the chest)
                free[t, 22:21 + len(_FINGER_BONES[0])] = True
                if touch_at is not None:
                    at = wrists[a:b] + np.einsum("tij,tj->ti", palms[a:b], touch_at[a:b, :3])
                    # a whole surface (palm, back) presses wherever a point's skin reaches the radius; a spot (a
                    # tip, a side) only where the skin that would be inside, a margin in from the point, is
                    # within it: BOY's thumb ball, 4 cm from the thumb's tip, went 8.7 mm into the forehead
                    reach = np.linalg.norm(joints - at[:, None], axis=-1) - margin
                    inner = np.linalg.norm(joints - n * margin[:, None] - at[:, None], axis=-1)
                    near = np.where(touch_at[a:b, 4:5] > 0, reach, inner) < touch_at[a:b, 3:4]
                    free |= t[:, None] & near & ~np.isnan(at[:, :1])
                d = np.where(free, 0.0, d)
            k = d.argmax(axis=1)
            ii = np.arange(len(k))
            depth[a:b] = d[ii, k]
            normal[a:b] = n[ii, k]
        return depth, normal

    def _clamp_reach(self, wrist):
        out = wrist.copy()
        for h, side in enumerate(HAND_SIDES):
            a, b = self.body.arm_lengths(side)
            s = self.body.joints[f"shoulder_{side}"]
            v = out[:, h] - s
            d = np.linalg.norm(v, axis=-1, keepdims=True)
            lim = 0.985 * (a + b)
            out[:, h] = s + v * np.minimum(1.0, lim / np.maximum(d, 1e-9))
        return out

    def _elbow_pole(self, side):
        return -self.body.up + 0.45 * self.body.side_vec(side) - 0.25 * self.body.forward   # relaxed: down, out, back

    FOREARM_AT = 0.45        # base_forearm: this share of the way from the base wrist to its elbow
    FOREARM_RADIUS = 0.03    # metres from the forearm's centre line to its skin (default body)

    def _forearm_point(self, base):
        """(point, outward normal) of `base_forearm`: the middle of the base forearm, on the side the back of the
        base hand faces (its top for a palm-down arm: COUNTRY, ARM, POOR). The elbow is placed as the solver
        places it (`_elbows`: the same arm lengths and pole), so the point lies on the forearm that is drawn."""
        a, b = self.body.arm_lengths(self.nd)
        elbow, _ = two_bone_ik(self.body.joints[f"shoulder_{self.nd}"], base.pos[None], a, b, self._elbow_pole(self.nd))
        axis = elbow[0] - base.pos
        centre = base.pos + self.FOREARM_AT * axis
        d = normalize(axis)
        back = -base.rot[:, 2]
        normal = normalize(back - (back @ d) * d)
        return centre + normal * self.FOREARM_RADIUS * self.size, normal

    def _elbows(self, wrist):
        out = np.empty_like(wrist)
        for h, side in enumerate(HAND_SIDES):
            a, b = self.body.arm_lengths(side)
            pole = self._elbow_pole(side)
            mid, _ = two_bone_ik(self.body.joints[f"shoulder_{side}"], wrist[:, h], a, b, pole)
            if getattr(self.body, "skin", None) is not None:
                mid = self._forearm_clear(side, wrist[:, h], mid, a, b)
            out[:, h] = mid
        return out

    def _forearm_clear(self, side, wrist, mid, a, b, steps=7, clear=0.002):
        """On a character's own skin the forearm must stay out of the body too (a palm on the chest pulls the
        forearm into it): where it would sink in, the elbow swings outward and forward (the elbow is the
        solver's pole), by the smallest of a few steps that clears it, eased over neighbouring frames."""
        skin = self.body.skin
        if skin.arm_radius.get(f"fore_{side}") is None:
            return mid
        shoulder = self.body.joints[f"shoulder_{side}"]
        s = np.linspace(0.15, 0.95, 7)[:, None, None]
        radius = skin.forearm_radius(side, s[:, :, 0])       # the forearm thins toward the wrist

        def depth(m):
            pts = m[None] + s * (wrist - m)[None]            # (7, T, 3) along the forearm
            return (skin.depth(pts)[0] + radius).max(axis=0)

        up, out_, fwd = self.body.up, self.body.side_vec(side), self.body.forward
        angles = np.radians(np.linspace(24.0, 84.0, steps))
        cands, depths = [mid], [depth(mid)]
        for ang in angles[1:]:
            pole = -up * np.cos(ang) + out_ * np.sin(ang) + 0.3 * fwd * (1 + ang)
            m, _ = two_bone_ik(shoulder, wrist, a, b, pole)
            cands.append(m)
            depths.append(depth(m))
        D = np.stack(depths)                                  # (steps, T)
        ok = D <= clear
        k = np.where(ok.any(axis=0), ok.argmax(axis=0), D.argmin(axis=0)).astype(float)
        if not k.any():
            return mid
        win = max(1, int(round(0.15 * self.s.fps)))
        pad = np.pad(k, win, mode="edge")
        k = np.max(np.stack([pad[i:i + len(k)] for i in range(2 * win + 1)]), axis=0)   # clear early, stay late
        kernel = np.exp(-0.5 * (np.arange(-win, win + 1) / (win / 2.0)) ** 2)
        k = np.convolve(np.pad(k, win, mode="edge"), kernel / kernel.sum(), mode="valid")
        ang = np.interp(k, np.arange(steps), angles)[:, None]
        pole = -up * np.cos(ang) + out_ * np.sin(ang) + 0.3 * fwd * (1 + ang)
        m, _ = two_bone_ik(shoulder, wrist, a, b, pole)
        return m

    def _nonmanuals(self, n, marks, segments=(), wrist=None):
        """Head, brows and face channels from the gloss marks, lexicon and hands (inference/nonmanual.py)."""
        spans = [Span(a, b, item, k) for a, b, _, item, k in marks]
        return nonmanual_channels(n, self.s.fps, spans, segments, wrist, self.body, self.dom, self.lex,
                                  self.s.mouthing, getattr(self, "locus_point", None))
