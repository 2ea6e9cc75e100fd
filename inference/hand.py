"""Canonical hand: 21 joints (MediaPipe order) from per-joint flexion/abduction angles.

Hand frame (right hand): origin at the wrist, +y toward the middle-finger knuckle, +z out of the palm
(the direction the palm faces), +x = y cross z, which is the thumb side. The left hand mirrors x.
A handshape is a 21-number articulation vector (degrees): for index, middle, ring, pinky
[mcp flex, pip flex, dip flex, spread] and for the thumb [spread, lift, oppose, mcp flex, ip flex].
Angles interpolate well, so transitions between handshapes are done in this space.
"""
from dataclasses import dataclass

import numpy as np

from .transforms import normalize, rotate

FINGERS = ("index", "middle", "ring", "pinky")
N_PARAMS = 21
THUMB = slice(16, 21)

# MediaPipe hand landmark indices
WRIST = 0
THUMB_TIP = 4
TIPS = {"thumb": 4, "index": 8, "middle": 12, "ring": 16, "pinky": 20}
MCP = {"index": 5, "middle": 9, "ring": 13, "pinky": 17}
JOINT_NAMES = (
    ["wrist"]
    + [f"thumb_{j}" for j in ("cmc", "mcp", "ip", "tip")]
    + [f"{f}_{j}" for f in FINGERS for j in ("mcp", "pip", "dip", "tip")]
)

# Adult proportions (metres) for a ~1.75 m person; scaled per rig by hand length.
_MCP_POS = np.array([[0.024, 0.088, 0.0], [0.002, 0.092, 0.0], [-0.018, 0.087, 0.0], [-0.036, 0.078, 0.0]])
_SEG_LEN = np.array([[0.042, 0.025, 0.021], [0.046, 0.028, 0.022], [0.043, 0.027, 0.021], [0.034, 0.020, 0.019]])
_THUMB_CMC = np.array([0.020, 0.024, 0.006])
_THUMB_LEN = np.array([0.043, 0.032, 0.026])
HAND_LENGTH = 0.092 + 0.046 + 0.028 + 0.022  # wrist to middle fingertip, extended
PALM_THICKNESS = 0.025
FINGER_THICKNESS = 0.015
# m a hand's joints keep beyond the skin's own radius, so a hand that touches is not yet inside
SKIN_CLEARANCE = 0.004

# the palm's edges beside the wrist and along the pinky side (hand frame, right hand, metres at scale 1; as thin as a
# finger there): the
# heel of the hand is wider than the joints' lines, so collision with a character's skin samples it too
PALM_EDGES = np.array([[0.028, 0.015, 0.0], [-0.030, 0.015, 0.0], [-0.040, 0.050, 0.0], [0.030, 0.050, 0.0]])



@dataclass(frozen=True)
class HandGeometry:
    """A character's own hand, where the canonical proportions would put contacts off its skin: hand frame,
    right-hand convention, metres divided by the body's hand_scale (so `joints_local`'s scale still applies).

    mcp: (4, 3) knuckles of index..pinky; seg: (4, 3) phalanx lengths, the last one to the fingertip's skin;
    thumb_cmc: (3,) the thumb's base; thumb_len: (3,) its lengths, the last to its tip's skin.
    rigid: (21, 3) joints of a hand that cannot bend (a rig without finger bones: the mesh keeps its modelled
    fingers whatever the sign asks), used instead of any articulation.
    heel: (3,) the heel of the hand's palm-side skin as the mesh models it: a MakeHuman heel stands 24 mm in
    front of the wrist joint (the canonical palm is 12.5 mm thick each side), so a palm laid on the chest presses
    it in first.
    radius: (15,) the skin's distance from each finger bone's line as the mesh models it (thumb's three bones,
    then index .. pinky's; NaN where unmeasured): MakeHuman's thumb ball stands 18 mm off the thumb's metacarpal,
    where the canonical margin keeps a finger's 7 mm.
    frame: (3, 3) a rigid hand's own axes at rest (columns x, y, z, the rig's canonical space, this side's
    convention): the mesh's fingers along y, its palm facing z. Without finger bones the bones only guess the
    hand's axes from the forearm (the CMU skeleton's mesh hand is 21-38 degrees off that guess), and a sign's palm
    orientation is the mesh's, so the rig's hand is turned by this frame; `rigid` is given in it."""
    mcp: np.ndarray
    seg: np.ndarray
    thumb_cmc: np.ndarray
    thumb_len: np.ndarray
    rigid: np.ndarray = None
    heel: np.ndarray = None
    radius: np.ndarray = None
    frame: np.ndarray = None

    @classmethod
    def canonical(cls):
        return cls(_MCP_POS.copy(), _SEG_LEN.copy(), _THUMB_CMC.copy(), _THUMB_LEN.copy())


# Flexion ranges (degrees) of the joints a handshape bends, AAOS (Greene & Heckman 1994; the sources are cited in
# rigs/rom.py, which limits the arm with the same tables): finger MCP 90 (hyperextension 45), PIP 100, DIP 90,
# thumb MCP 50, IP 80. The thumb's carpometacarpal angles (spread, lift, oppose) are not limited here.
FINGER_MCP = (-45.0, 90.0)
FINGER_PIP = (0.0, 100.0)
FINGER_DIP = (0.0, 90.0)
THUMB_MCP = (0.0, 50.0)
THUMB_IP = (0.0, 80.0)
_LO = np.array([*(FINGER_MCP[0], FINGER_PIP[0], FINGER_DIP[0], -np.inf) * 4, -np.inf, -np.inf, -np.inf,
                THUMB_MCP[0], THUMB_IP[0]])
_HI = np.array([*(FINGER_MCP[1], FINGER_PIP[1], FINGER_DIP[1], np.inf) * 4, np.inf, np.inf, np.inf,
                THUMB_MCP[1], THUMB_IP[1]])


def clamp_params(params):
    """Articulation (..., 21 degrees) with finger MCP, PIP, DIP and thumb MCP, IP flexion clamped into their
    ranges; returns (params, number of values changed). The synthesiser and the rig solver both use it, so
    contact and collision are computed on the hand the rig shows."""
    p = np.asarray(params, float)
    q = np.clip(p, _LO, _HI)
    return q, int(np.count_nonzero(np.abs(q - p) > 1e-9))


def out_of_range(params):
    """Names of the joints of one articulation vector (21 degrees) outside the ranges above (data checks)."""
    p = np.asarray(params, float)
    names = [f"{f} {j}" for f in FINGERS for j in ("MCP", "PIP", "DIP", "spread")] + \
        ["thumb spread", "thumb lift", "thumb oppose", "thumb MCP", "thumb IP"]
    return [f"{names[i]} {p[i]:g} (range {_LO[i]:g}..{_HI[i]:g})" for i in np.flatnonzero((p < _LO - 1e-6) | (p > _HI + 1e-6))]


_X = np.array([1.0, 0.0, 0.0])
_Y = np.array([0.0, 1.0, 0.0])
_Z = np.array([0.0, 0.0, 1.0])


def joints_local(params, scale=1.0, side="R", geometry=None):
    """Joint positions (..., 21, 3) in the hand frame for articulation vectors (..., 21) in degrees;
    `geometry` (HandGeometry): a character's own hand instead of the canonical proportions."""
    p = np.radians(np.asarray(params, dtype=float))
    batch = p.shape[:-1]
    g = geometry
    if g is not None and g.rigid is not None:
        out = np.broadcast_to(np.asarray(g.rigid, float), batch + (21, 3)).copy()
        if side == "L":
            out[..., 0] *= -1.0
        return out * scale
    mcp_pos, seg_len = (_MCP_POS, _SEG_LEN) if g is None else (np.asarray(g.mcp, float), np.asarray(g.seg, float))
    out = np.zeros(batch + (21, 3))
    for i in range(4):
        mcp, pip, dip, spread = (p[..., 4 * i + k] for k in range(4))
        d0 = np.stack([np.sin(spread), np.cos(spread), np.zeros_like(spread)], -1)
        axis = np.cross(d0, _Z)
        base = mcp_pos[i] * np.ones(batch + (3,))
        pts = [base]
        acc = np.zeros_like(mcp)
        for seg, ang in enumerate((mcp, pip, dip)):
            acc = acc + ang
            pts.append(pts[-1] + seg_len[i, seg] * rotate(axis, acc, d0))
        out[..., 5 + 4 * i: 9 + 4 * i, :] = np.stack(pts, -2)
    out[..., 1:5, :] = _thumb_chain(p[..., THUMB]) if g is None else \
        _thumb_chain(p[..., THUMB], np.asarray(g.thumb_cmc, float), np.asarray(g.thumb_len, float))
    if side == "L":
        out[..., 0] *= -1.0
    return out * scale


def _thumb_chain(t, cmc=_THUMB_CMC, lengths=_THUMB_LEN):
    spread, lift, oppose, mcp, ip = (t[..., k] for k in range(5))
    u = np.stack([np.sin(spread), np.cos(spread), np.zeros_like(spread)], -1)
    m = u * np.cos(lift)[..., None] + _Z * np.sin(lift)[..., None]
    z_perp = normalize(_Z - np.sum(_Z * m, -1, keepdims=True) * m)
    k = rotate(m, oppose, z_perp)
    p0 = cmc * np.ones(m.shape)
    p1 = p0 + lengths[0] * m
    p2 = p1 + lengths[1] * rotate(k, mcp, m)
    p3 = p2 + lengths[2] * rotate(k, mcp + ip, m)
    return np.stack([p0, p1, p2, p3], -2)


def surface_point(joints, name):
    """A named contact surface of a posed hand (hand frame, metres, right-hand convention).

    Points are pushed from the bone centre line to the skin so "contact" means skin touching skin.
    """
    j = joints
    if name in ("palm", "palm_center"):
        c = (j[..., 0, :] + j[..., 9, :]) * 0.5
        return c + _Z * PALM_THICKNESS * 0.5
    if name == "back":
        c = (j[..., 0, :] + j[..., 9, :]) * 0.5
        return c - _Z * PALM_THICKNESS * 0.5
    if name == "wrist":
        return j[..., 0, :]
    if name == "fingertips":
        return j[..., 12, :]
    if name.endswith("_tip") and name[:-4] in TIPS:
        return j[..., TIPS[name[:-4]], :]
    if name.endswith("_pad") and name[:-4] in TIPS:
        i = TIPS[name[:-4]]
        return (j[..., i, :] + j[..., i - 1, :]) * 0.5 + _Z * FINGER_THICKNESS * 0.5
    if name == "index_side":
        return j[..., 5, :] + _X * FINGER_THICKNESS * 0.5
    if name == "pinky_side":
        return (j[..., 17, :] + j[..., 0, :]) * 0.5 - _X * PALM_THICKNESS * 0.4
    if name == "knuckles":
        return j[..., 9, :] - _Z * FINGER_THICKNESS * 0.5
    if name == "fist":   # the palm side of a closed hand: the curled middle finger's middle knuckle (A on the chest)
        return j[..., 10, :] + _Z * FINGER_THICKNESS * 0.5
    raise KeyError(name)


# the side of the palm plane each flat surface of surface_point lies on: +1 the palm's (+Z), -1 the back's
SURFACE_SIDE = {"palm": 1.0, "fist": 1.0, "back": -1.0, "knuckles": -1.0}

SURFACES = ("palm", "back", "wrist", "fingertips", "index_side", "pinky_side", "knuckles", "fist",
            *(f"{f}_tip" for f in TIPS), *(f"{f}_pad" for f in TIPS))


def thumb_on_geometry(params, geometry):
    """Articulation with the thumb's lift changed so its tip stands as high over the palm plane on a
    character's own hand (`geometry`) as on the canonical one, for a thumb beside the hand (its canonical tip
    within PALM_THICKNESS of the plane, the index straight at its base: B, 5, L; a thumb on or across curled
    fingers, as A's beside the fist or S's, lies where the character's own fingers put it). The
    authored angles describe the canonical hand; a MakeHuman thumb's base sits 9 mm further palm-ward, so the
    same lift stood B's thumb, meant to lie beside the index, 10 mm proud of the palm, holding a flat palm
    12 mm off the chest."""
    p = np.array(params, dtype=float)
    g = geometry
    if g is None or g.rigid is not None:
        return p
    want = joints_local(p)[THUMB_TIP, 2]
    if want > PALM_THICKNESS or p[0] > 45.0:
        return p
    lift = THUMB.start + 1

    def height(angle):
        q = p.copy()
        q[lift] = angle
        return joints_local(q, geometry=g)[THUMB_TIP, 2] - want

    lo, hi = p[lift] - 45.0, p[lift] + 45.0
    if height(lo) > 0.0 or height(hi) < 0.0:
        return p
    for _ in range(40):      # the tip's height rises with the lift over this span: bisection
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if height(mid) < 0.0 else (lo, mid)
    p[lift] = 0.5 * (lo + hi)
    return p


def solve_thumb_contact(params, target_joint, target_offset=0.0, iters=100, geometry=None):
    """Adjust the thumb angles so the thumb tip touches `target_joint` (index into the 21 joints).

    Handshapes such as O, F, 8 and baby O need real contact; authored angles only get close, so
    the thumb is solved (Levenberg-Marquardt on 5 angles, staying near the authored ones, MCP and IP
    inside their ranges) at load time, and again on a character's own hand (`geometry`), whose finger
    and thumb lengths put the fingertip elsewhere. The tip centres end `target_offset` apart, i.e. skin on skin.
    """
    p = np.array(params, dtype=float)
    g = geometry if geometry is not None and geometry.rigid is None else None
    target = joints_local(p, geometry=g)[target_joint]
    cmc, lengths = (_THUMB_CMC, _THUMB_LEN) if g is None else (np.asarray(g.thumb_cmc, float),
                                                               np.asarray(g.thumb_len, float))
    lo = np.array([-40.0, -20.0, -30.0, THUMB_MCP[0], THUMB_IP[0]])
    hi = np.array([90.0, 90.0, 130.0, THUMB_MCP[1], THUMB_IP[1]])
    prior = p[THUMB].copy()
    t = np.clip(prior, lo, hi)

    def residual(tt):
        tip = _thumb_chain(np.radians(tt), cmc, lengths)[3]
        d = tip - target
        n = np.linalg.norm(d)
        return d - d / max(n, 1e-9) * target_offset

    r = residual(t)
    lam = 1e-3
    w_prior = 2e-5  # metres per degree: keep close to the authored pose where contact allows
    for _ in range(iters):
        if np.linalg.norm(r) < 1e-4:
            break
        J = np.zeros((3, 5))
        for k in range(5):
            q = t.copy()
            q[k] += 0.25
            J[:, k] = (residual(q) - r) / 0.25
        A = J.T @ J + w_prior ** 2 * np.eye(5)
        g = J.T @ r + w_prior ** 2 * (t - prior)
        step = np.linalg.solve(A + lam * np.diag(np.diag(A)), g)
        cand = np.clip(t - step, lo, hi)
        rc = residual(cand)
        if np.linalg.norm(rc) < np.linalg.norm(r):
            t, r, lam = cand, rc, lam * 0.3
        else:
            lam *= 10.0
    p[THUMB] = t
    return p
