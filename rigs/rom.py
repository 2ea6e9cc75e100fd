"""Human ranges of motion of the arm and hand, the joint angles they limit, and the elbow choice that keeps
an arm inside them. Pure numpy.

Published normal active ranges (degrees), adults:
- American Academy of Orthopaedic Surgeons (AAOS), "Joint Motion: Method of Measuring and Recording" (1965)
  and Greene & Heckman, "The Clinical Measurement of Joint Motion", AAOS 1994: elbow flexion 0-150, forearm
  pronation 80, supination 80, wrist flexion 80, extension 70, radial deviation 20, ulnar deviation 30,
  finger MCP flexion 90 (hyperextension 45), PIP 100, DIP 90, thumb MCP 50, IP 80.
- Norkin & White, "Measurement of Joint Motion: A Guide to Goniometry" (5th ed., 2016), tables of normal
  values: elbow 0-140/150, pronation 0-75/80, supination 0-80/85, wrist flexion 0-80, extension 0-70,
  radial deviation 0-20, ulnar deviation 0-30.
- Soucie et al., "Range of motion measurements: reference values and a database for comparison studies",
  Haemophilia 17 (2011) 500-507 (674 healthy subjects 2-69 y): elbow flexion about 140-150, forearm
  pronation about 75-85 and supination about 80-90, wrist flexion about 70-80 and extension about 65-75.
We use the AAOS values, elbow 145 (between AAOS 150 and Norkin & White 140/Soucie's adult means).

Angles are measured from joint positions only (shoulder, elbow and wrist points and the palm frame from
the knuckles), so any bone roll or bone direction of an imported rig measures the same:
- elbow flexion: angle between upper arm (shoulder -> elbow) and forearm (elbow -> wrist), 0 = straight;
- pronation (+) / supination (-): the palm normal turned about the forearm from the neutral position, in
  which the palm faces along the elbow's hinge axis toward the body's midline (thumb up with the forearm
  forward and the upper arm hanging);
- wrist flexion (+, toward the palm) / extension (-) and radial (+, toward the thumb) / ulnar (-)
  deviation: the hand axis (wrist -> middle knuckle) against the forearm axis, in the palm's frame.
"""
import numpy as np

from ..inference import hand as chand
from ..inference.transforms import axis_angle_matrix, normalize, rotation_between

# degrees; (low, high) of the signed angles defined above
ELBOW_FLEXION = (0.0, 145.0)
PRONATION = (-80.0, 80.0)       # -supination .. +pronation
WRIST_FLEXION = (-70.0, 80.0)   # -extension .. +flexion
WRIST_DEVIATION = (-30.0, 20.0)  # -ulnar .. +radial
# finger and thumb flexion: one table with the synthesiser (inference/hand.py), so both bend the same hand
FINGER_MCP, FINGER_PIP, FINGER_DIP = chand.FINGER_MCP, chand.FINGER_PIP, chand.FINGER_DIP
THUMB_MCP, THUMB_IP = chand.THUMB_MCP, chand.THUMB_IP

LIMITS = {"elbow": ELBOW_FLEXION, "pronation": PRONATION, "wrist_flexion": WRIST_FLEXION,
          "wrist_deviation": WRIST_DEVIATION}


def hinge_axis(S, E, W, bend=None):
    """Unit elbow hinge axis u x f (upper arm x forearm); for a straight arm from `bend` (the direction the
    elbow would move when it bends, perpendicular to the arm), else a horizontal fallback."""
    u = E - S
    f = W - E
    h = np.cross(u, f)
    n = np.linalg.norm(h, axis=-1, keepdims=True)
    scale = np.linalg.norm(u, axis=-1, keepdims=True) * np.linalg.norm(f, axis=-1, keepdims=True)
    if bend is None:
        bend = np.cross(normalize(W - S), np.array([0.0, 0.0, 1.0]))
    alt = np.cross(bend, normalize(W - S))
    ok = n > 0.02 * np.maximum(scale, 1e-12)
    return normalize(np.where(ok, h, alt))


def arm_angles(S, E, W, palm, side, bend=None):
    """Signed joint angles (degrees) of one arm over frames: elbow flexion, pronation, wrist flexion and
    deviation. S, E, W: (..., 3) shoulder, elbow, wrist; palm: (..., 3, 3) canonical hand frame (columns
    x: thumb side for the right hand, y: fingers, z: palm normal)."""
    u = normalize(E - S)
    f = normalize(W - E)
    elbow = np.degrees(np.arccos(np.clip(np.sum(u * f, -1), -1, 1)))
    h = hinge_axis(S, E, W, bend)
    neutral = h if side == "L" else -h
    y = palm[..., :, 1]
    D = rotation_between(y, f) @ palm           # the palm frame with a straight wrist (twist about f kept)
    xd, zd = D[..., :, 0], D[..., :, 2]
    n_perp = normalize(neutral - np.sum(neutral * f, -1, keepdims=True) * f)
    raw = np.degrees(np.arctan2(np.sum(np.cross(n_perp, zd) * f, -1), np.sum(n_perp * zd, -1)))
    pron = raw if side == "L" else -raw
    vy, vx, vz = np.sum(y * f, -1), np.sum(y * xd, -1), np.sum(y * zd, -1)
    flex = np.degrees(np.arctan2(vz, vy))
    dev = np.degrees(np.arctan2(vx if side == "R" else -vx, vy))
    return {"elbow": elbow, "pronation": pron, "wrist_flexion": flex, "wrist_deviation": dev}


def excess(angles, margin=0.0):
    """Degrees by which each angle leaves its range (shrunk by `margin`), summed in squares: (...,)."""
    out = 0.0
    for k, (lo, hi) in LIMITS.items():
        a = angles[k]
        out = out + np.maximum(lo + margin - a, 0.0) ** 2 + np.maximum(a - (hi - margin), 0.0) ** 2
    return out


def violations(angles, tol=0.5):
    """{angle name: (frames outside, worst degrees outside)} for angles beyond their ranges."""
    out = {}
    for k, (lo, hi) in LIMITS.items():
        a = np.asarray(angles[k])
        over = np.maximum(lo - a, a - hi)
        bad = over > tol
        if np.any(bad):
            out[k] = (int(bad.sum()), float(over.max()))
    return out


FOREARM_SAMPLES = np.linspace(0.0, 0.85, 6)   # elbow .. just behind the wrist (a contact sign's wrist may bend)


def forearm_penetration(body, E, W, side, allow=0.002):
    """How deep (m, >= 0) the forearm from elbow E to wrist W (..., 3) lies in the body. On a character's
    own skin (`body.skin`): the forearm's skin (its radius measured along it on the mesh), sampled from the
    elbow to just behind the wrist (`allow`: skin resting on skin is not inside); on a proportional body only
    the elbow point (the body there is a rough box)."""
    skin = getattr(body, "skin", None)
    if skin is None or f"fore_{side}" not in skin.arm_radius:
        return body.penetration(E)
    s = FOREARM_SAMPLES
    pts = E[..., None, :] + s[:, None] * (W - E)[..., None, :]
    d, _ = skin.depth(pts)
    return np.maximum(d + skin.forearm_radius(side, s) - allow, 0.0).max(-1)


def choose_elbows(S, Wr, a, b, palm, side, pref, body=None, n=36, smooth=2.5, pref_weight=20.0,
                  comfort=150.0):
    """Elbow positions (T, 3) on each frame's swivel circle that keep pronation and the wrist inside their
    ranges, close to the preferred elbow `pref` (T, 3) and smooth over time (costs blurred over neighbouring
    frames, the best of `n` swivel angles per frame, refined and smoothed; local in time, no path over the
    whole text). The arm keeps its shoulder and wrist: only the elbow moves.

    Returns (elbow, angles at the chosen elbows).
    """
    T = len(Wr)
    v = Wr - S
    d = np.clip(np.linalg.norm(v, axis=-1, keepdims=True), abs(a - b) * 1.001 + 1e-6, (a + b) * 0.999)
    axis = normalize(v)
    along = (a * a - b * b + d * d) / (2 * d)
    r = np.sqrt(np.maximum(a * a - along * along, 0.0))
    C = S + axis * along
    p_pref = pref - S
    p_pref = p_pref - np.sum(p_pref * axis, -1, keepdims=True) * axis
    fallback = np.cross(axis, np.array([0.0, 0.0, 1.0]))
    e1 = normalize(np.where(np.linalg.norm(p_pref, axis=-1, keepdims=True) > 1e-6, p_pref, fallback))
    e2 = np.cross(axis, e1)
    phi = np.linspace(-np.pi, np.pi, n, endpoint=False)
    dirs = np.cos(phi)[None, :, None] * e1[:, None] + np.sin(phi)[None, :, None] * e2[:, None]   # (T, n, 3)
    E = C[:, None] + r[:, None] * dirs
    Wn = np.broadcast_to(Wr[:, None], E.shape)
    Sn = np.broadcast_to(S[:, None] if np.ndim(S) == 2 else S, E.shape)
    P = np.broadcast_to(palm[:, None], (T, n, 3, 3))
    bend = dirs
    ang = arm_angles(Sn, E, Wn, P, side, bend)
    ex = excess(ang, margin=5.0)
    ex = np.where(ex > 400.0, 400.0 + 40.0 * (np.sqrt(ex) - 20.0), ex)   # squares up to 20 deg, then linear
    cost = (ex + pref_weight * np.degrees(phi)[None] ** 2 / 90.0 ** 2 * 10.0
            + comfort * sum((ang[k] / (0.5 * (hi - lo))) ** 2 for k, (lo, hi) in LIMITS.items() if k != "elbow"))
    if body is not None:   # an elbow inside the torso is no option; one above the shoulder looks strained
        pen = forearm_penetration(body, E, Wn, side)
        cost = cost + 1e6 * (pen / max(body.W, 1e-6)) ** 2 + 2e4 * pen / max(body.W, 1e-6)
        rise = ((E - Sn) @ body.up) / max(a, 1e-9)          # 0: elbow at shoulder height, 1: straight up
        cost = cost + 6000.0 * np.maximum(rise, 0.0) ** 2 + 300.0 * np.maximum(rise + 0.3, 0.0) ** 2
        # nor one swung in front of the chest (toward the midline past the shoulder)
        out = body.left if side == "L" else -body.left
        inward = -((E - Sn) @ out) / max(a, 1e-9)
        cost = cost + 3000.0 * np.maximum(inward - 0.1, 0.0) ** 2
    # local in time (a frame's elbow depends only on the frames around it, so a text solved whole or one
    # subtitle cue at a time gives the same elbows): the costs blurred over neighbouring frames, then the
    # best swivel per frame
    if smooth > 0 and T > 2:
        rad = int(3 * smooth)
        ker = np.exp(-0.5 * (np.arange(-rad, rad + 1) / smooth) ** 2)
        ker /= ker.sum()
        pad = np.pad(cost, ((rad, rad), (0, 0)), mode="edge")
        cost = np.stack([np.convolve(pad[:, j], ker, mode="valid") for j in range(n)], -1)
    k = cost.argmin(-1)
    # sub-step refinement, continuous in the costs: a soft minimum over the 7 swivel angles around the best
    i = np.arange(T)
    win = np.arange(-3, 4)
    cw = cost[i[:, None], (k[:, None] + win[None]) % n]
    w = np.exp(-(cw - cw.min(-1, keepdims=True)) / 10.0)
    off = (w * win[None]).sum(-1) / w.sum(-1)
    ang_sel = np.unwrap(phi[k] + off * (2 * np.pi / n))
    if smooth > 0 and T > 2:
        rad = int(3 * smooth)
        ker = np.exp(-0.5 * (np.arange(-rad, rad + 1) / smooth) ** 2)
        ker /= ker.sum()
        pad = np.pad(ang_sel, rad, mode="edge")
        ang_sel = np.convolve(pad, ker, mode="valid")
    dirs_sel = np.cos(ang_sel)[:, None] * e1 + np.sin(ang_sel)[:, None] * e2
    elbow = C + r * dirs_sel
    return elbow, arm_angles(S, elbow, Wr, palm, side, dirs_sel)


def clamp_palm(S, E, W, palm, side, angles, bend=None, margin=2.0):
    """The palm frames with pronation and wrist angles clamped into their ranges, `margin` degrees inside
    them so that key reduction's small error stays in range too (frames inside them are returned
    unchanged), and a (T,) bool of the frames that changed."""
    f = normalize(W - E)
    h = hinge_axis(S, E, W, bend)
    neutral = h if side == "L" else -h
    n_perp = normalize(neutral - np.sum(neutral * f, -1, keepdims=True) * f)
    clip = {k: np.clip(angles[k], LIMITS[k][0] + margin, LIMITS[k][1] - margin)
            for k in ("pronation", "wrist_flexion", "wrist_deviation")}
    changed = np.zeros(len(f), bool)
    for k in clip:
        changed |= np.abs(clip[k] - angles[k]) > 1e-6
    if not changed.any():
        return palm, changed
    sgn = 1.0 if side == "L" else -1.0
    z = axis_angle_matrix(f, np.radians(sgn * clip["pronation"])) @ n_perp[..., None]
    z = z[..., 0]
    x = np.cross(f, z)
    D = np.stack([x, f, z], -1)
    sx = 1.0 if side == "R" else -1.0
    v = normalize(np.stack([sx * np.tan(np.radians(clip["wrist_deviation"])), np.ones(len(f)),
                            np.tan(np.radians(clip["wrist_flexion"]))], -1))
    y = (D @ v[..., None])[..., 0]
    new = rotation_between(f, y) @ D
    return np.where(changed[:, None, None], new, palm), changed


def turned_into_body(body, W, target, palm, changed, local, W_target=None, signing=None, allow=0.002, clear=0.012,
                     touch=0.004, window=3):
    """(T, 3) shift of the wrist for a hand turned into its range (target -> palm, about the wrist), or None
    where none is needed. Only on a body with skin (the proportional body is too rough for it):
    - a hand in space that the turn took into the skin (a salute's fingers into the forehead) moves out by
      the depth its joints gained, along the way out;
    - a hand that touches the body (the target within `touch` of the skin: a contact sign) keeps its
      touching point where the target had it (the hand turns about its contact, not its wrist: THANK-YOU's
      fingertips stay at the chin).
    Eased over neighbouring frames. W: (T, 3) wrists now, W_target: where the target hand's wrist is (default
    W), local: (T, 21, 3) hand joints in the hand frame, signing: (T,) frames of a sign (default all)."""
    if getattr(body, "skin", None) is None or not np.any(changed):
        return None
    idx = np.flatnonzero(changed)
    i = np.arange(len(idx))
    Wt = W if W_target is None else W_target
    Jt = Wt[idx, None, :] + np.einsum("tij,tkj->tki", target[idx], local[idx])
    Jc = W[idx, None, :] + np.einsum("tij,tkj->tki", palm[idx], local[idx])
    jm = body.skin.joint_margin
    touching = body.penetration(Jt, margin=jm + touch).max(-1) > 0.0
    if signing is not None:     # (T,) bool, frames of a sign: a hand arriving in a transition is still in space
        touching &= np.asarray(signing, bool)[idx]
    # in space: the rig's own fingers are not the canonical hand's (up to 1.5 cm longer), so a turned hand
    # stays `clear` further out than the joints alone need
    base = body.penetration(Jt, margin=jm + clear).max(-1)
    d, n = body.penetration(Jc, normals=True, margin=jm + clear)
    k = d.argmax(-1)
    extra = d[i, k] - base
    out = np.where((extra > allow)[:, None], extra[:, None] * n[i, k], 0.0)
    # touching: the joint nearest the skin in the target stays where it was
    near = (body.skin.depth(Jt)[0] + jm).argmax(-1)
    out = np.where(touching[:, None], Jt[i, near] - Jc[i, near], out)
    if np.linalg.norm(out, axis=-1).max() <= allow:
        return None
    push = np.zeros((len(W), 3))
    push[idx] = out
    ker = np.exp(-0.5 * (np.arange(-window, window + 1) / (window / 2.0)) ** 2)
    ker /= ker.sum()
    pad = np.pad(push, ((window, window), (0, 0)), mode="edge")
    return np.stack([np.convolve(pad[:, c], ker, mode="valid") for c in range(3)], -1)


def clamp_hand_params(params):
    """Handshape articulation (..., 21 degrees, inference/hand.py order) with finger MCP, PIP, DIP and thumb
    MCP, IP flexion clamped into their ranges; returns (params, number of values changed)."""
    return chand.clamp_params(params)
