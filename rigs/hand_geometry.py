"""The character's own hand for contact: knuckles and phalanges from its finger bones, fingertips from its skin.
Pure numpy.

The canonical hand (inference/hand.py) has adult proportions; a rig's palm, fingers and the mesh's fingertips
beyond the last bone differ by a centimetre or more, which is a centimetre off the lips in EAT's flat O. The
solver swings each finger bone onto the canonical segment's direction, so a hand model with the rig's own
knuckles and lengths (the last one to the mesh's fingertip) puts every joint, and so every contact surface,
where the rig's hand really is. A rig without finger bones cannot bend its mesh's fingers at all: its hand is
measured as the mesh models it (`rigid`).
"""
import numpy as np

from ..inference import hand as chand
from ..inference.transforms import normalize

FINGERS4 = ("index", "middle", "ring", "pinky")
_MIRROR = np.array([-1.0, 1.0, 1.0])


def _local(points, wrist, frame, side, scale):
    """Points into the hand frame (right-hand convention: x mirrored for a left hand), divided by scale."""
    q = (np.asarray(points, float) - wrist) @ frame
    return (q * _MIRROR if side == "L" else q) / scale


def from_chains(wrist, frame, heads, ends, side, scale, tip_points=None, bone_points=None):
    """HandGeometry of a hand whose five fingers have three bones each.

    heads: finger -> (3, 3) the bones' heads (rest, the rig's canonical space); ends: finger -> (3,) where the
    last bone ends by the bones alone (rigs.solve._finger_end); frame: the rig's hand frame (columns x, y, z);
    tip_points: finger -> (N, 3) skin points the last bone drives most. With them the last phalanx reaches the
    skin's farthest point along the finger (the fingertip's skin, as the canonical tip joint is); a mesh
    whose finger is implausibly short or long there (a glove, a prop) leaves the bone length.
    bone_points: finger -> three (N, 3) skin point clouds, the ones each bone drives most: the skin's radius
    around each bone (HandGeometry.radius)."""
    mcp, seg = np.zeros((4, 3)), np.zeros((4, 3))
    radius = np.full(15, np.nan)
    thumb_cmc, thumb_len = None, None
    for fi, f in enumerate(("thumb",) + FINGERS4):
        h = _local(heads[f], wrist, frame, side, scale)
        e = _local(ends[f][None], wrist, frame, side, scale)[0]
        lens = [float(np.linalg.norm(h[1] - h[0])), float(np.linalg.norm(h[2] - h[1])),
                float(np.linalg.norm(e - h[2]))]
        pts = (tip_points or {}).get(f)
        if pts is not None and len(pts) >= 4 and lens[2] > 1e-9:
            d = (e - h[2]) / lens[2]
            reach = float(((_local(pts, wrist, frame, side, scale) - h[2]) @ d).max())
            if 0.5 * lens[2] < reach < 2.5 * lens[2]:
                lens[2] = reach
        ends_k = np.concatenate([h[1:], e[None]])
        for k, cloud in enumerate((bone_points or {}).get(f) or ()):
            radius[3 * fi + k] = _bone_radius(_local(cloud, wrist, frame, side, scale), h[k], ends_k[k])
        if f == "thumb":
            thumb_cmc, thumb_len = h[0], np.array(lens)
        else:
            i = FINGERS4.index(f)
            mcp[i], seg[i] = h[0], lens
    return chand.HandGeometry(mcp, seg, thumb_cmc, thumb_len,
                              radius=None if np.isnan(radius).all() else radius)


def _bone_radius(q, a, b, least=8):
    """The skin's distance from the bone a -> b: the 90th percentile over the points beside its middle half
    (hand frame; NaN for fewer than `least`): the thick side (the thumb's ball, a finger's pad) is what reaches
    the body first."""
    ab = b - a
    t = (q - a) @ ab / max(float(ab @ ab), 1e-12)
    sel = (t > 0.25) & (t < 0.75)
    if sel.sum() < least:
        return np.nan
    return float(np.percentile(np.linalg.norm(q[sel] - a - np.outer(t[sel], ab), axis=-1), 90))


def heel_point(points, wrist, frame, side, scale, knuckles):
    """HandGeometry.heel from the skin points of the hand and forearm (rest, canonical space): the palm side's
    skin over the heel, between the wrist and a quarter of the way to the knuckles (`knuckles` (4, 3): index
    .. pinky), across the middle half of the knuckles' span (not the thumb's ball): the median position of
    its outermost tenth. None for fewer than 10 points there or a heel implausibly thin or thick."""
    q = _local(points, wrist, frame, side, scale)
    k = _local(np.asarray(knuckles, float), wrist, frame, side, scale)
    xs, length = np.sort(k[:, 0]), float(k[:, 1].mean())
    mid, half = 0.5 * (xs[0] + xs[-1]), 0.25 * (xs[-1] - xs[0])
    sel = (q[:, 2] > 0) & (q[:, 1] > 0) & (q[:, 1] < 0.25 * length) & (np.abs(q[:, 0] - mid) < half)
    if sel.sum() < 10:
        return None
    h = q[sel]
    top = h[h[:, 2] >= np.percentile(h[:, 2], 90)]
    p = np.median(top, axis=0)
    if not 0.5 * chand.PALM_THICKNESS < p[2] < 2.0 * chand.PALM_THICKNESS:
        return None
    return p


def rigid_from_mesh(points, wrist, frame, side, scale):
    """HandGeometry of a hand that cannot bend (no finger bones): its 21 joints where the mesh models them.
    `frame` is the rig's bone-derived hand frame, without knuckles only a guess from the forearm (the mesh's
    fingers may point well off its y axis); the points are read in it and the mesh's own axes found from them.
    None for too few points.

    The mesh hand's own axes are found first (y from the wrist toward the fingertips, the farthest skin; x across
    the fingers, their widest spread, toward the thumb, which sticks out on its side; z = x cross y): the four
    fingertips are the four peaks of the skin's reach across the fingers, the thumb tip the skin point farthest to
    the thumb side below them; knuckles and the thumb's base at the canonical places scaled to this hand's length,
    joints between them on the straight line (the mesh's fingers do not bend). The joints are given in the mesh
    hand's frame (HandGeometry.frame), so a sign's palm orientation turns the mesh's palm."""
    q = _local(points, wrist, frame, side, scale)
    if len(q) < 50:
        return None
    r = np.linalg.norm(q, axis=-1)
    length = float(r.max())
    y = normalize(q[r > 0.85 * length].mean(axis=0))
    along = q @ y
    fing = q[along > 0.5 * along.max()]
    flat = fing - np.outer(fing @ y, y)
    _, _, vt = np.linalg.svd(flat - flat.mean(axis=0), full_matrices=False)
    across = normalize(vt[0] - (vt[0] @ y) * y)
    low = q[(along > 0.15 * along.max()) & (along < 0.6 * along.max())]
    s = low @ across
    if len(s) and s.max() + s.min() < 0:        # the thumb's side is the one that reaches farther
        across = -across
    z = normalize(np.cross(across, y))
    x = np.cross(y, z)
    F = np.stack([x, y, z], -1)                  # the mesh hand's axes in the (mirrored) bone-derived frame
    m = q @ F                                    # points in the mesh's hand frame
    L = float(m[:, 1].max())
    k = L / chand.HAND_LENGTH
    joints = np.zeros((21, 3))
    palm_z = float(np.median(m[(m[:, 1] > 0.3 * L) & (m[:, 1] < 0.55 * L), 2]))
    for i, tip in enumerate(_fingertips(m[m[:, 1] > 0.7 * L], k)):
        base = np.array([tip[0], chand._MCP_POS[i, 1] * k, palm_z])
        cum = np.cumsum(chand._SEG_LEN[i]) / chand._SEG_LEN[i].sum()
        joints[5 + 4 * i] = base
        joints[6 + 4 * i: 9 + 4 * i] = base + cum[:, None] * (tip - base)
    below = m[m[:, 1] < 0.7 * L]
    ttip = below[below[:, 0].argmax()]
    cmc = chand._THUMB_CMC * k
    cum = np.cumsum(chand._THUMB_LEN) / chand._THUMB_LEN.sum()
    joints[1] = cmc
    joints[2:5] = cmc + cum[:, None] * (ttip - cmc)
    g = chand.HandGeometry.canonical()
    # m = q @ F, q the mirrored bone-frame coordinates: the mesh frame in the rig's space (for a left hand the
    # mirror on both sides keeps it a rotation with joints_local's mirrored x)
    own = frame @ F if side == "R" else frame @ (_MIRROR[:, None] * F * _MIRROR)
    return chand.HandGeometry(g.mcp, g.seg, g.thumb_cmc, g.thumb_len, rigid=joints, frame=own)


def _fingertips(band, k):
    """Index..pinky tips (4, 3) of the fingers' far ends (points in the hand frame): the four highest peaks of
    the skin's reach along y across x, at least half a finger's spacing apart (fingers that touch have no gap
    between them, but each has its own tip)."""
    width = 0.002 * k
    cells = np.floor((band[:, 0] - band[:, 0].min()) / width).astype(int)
    n = int(cells.max()) + 1
    best = np.full(n, -1)
    for c in range(n):
        sel = np.flatnonzero(cells == c)
        if len(sel):
            best[c] = sel[band[sel, 1].argmax()]
    reach = np.where(best >= 0, band[np.maximum(best, 0), 1], -np.inf)
    tips = []
    gap = int(round(0.010 * k / width))
    for _ in range(4):
        c = int(reach.argmax())
        if not np.isfinite(reach[c]):
            break
        tips.append(band[best[c]])
        reach[max(0, c - gap):c + gap + 1] = -np.inf
    while len(tips) < 4:                    # a mitten: the missing tips beside the ones found
        tips.append(tips[-1] - np.array([0.018 * k, 0.0, 0.0]))
    return np.array(sorted(tips, key=lambda t: -t[0]))
