"""Retarget solver: a PoseTrack onto a rig's bones, as per-frame local channels. Pure numpy.

Arms: analytic two-bone IK with the pole from the synthesised elbow; the wrist's twist is moved into
the forearm (swing/twist split). Hands: the palm frame through the rig's own hand frame, so any bone
roll works. Fingers: each bone swung (no roll added) onto the synthesised segment direction.
Local values come from desired armature-space matrices via each bone's rest and parent pose.
"""
from dataclasses import dataclass, field, replace

import numpy as np

from ..inference import hand as chand
from ..inference.body import BodyModel
from ..inference.kinematics import two_bone_ik
from ..inference.track import HAND_SIDES
from ..inference.transforms import (axis_angle_matrix, cross, matrix_to_quat, normalize, quat_continuous,
                                    rotation_between)
from . import rom
from .restcache import RestData, rest_data
from .profiles import FINGERS

_CHAIN_JOINTS = {"thumb": (1, 2, 3, 4), "index": (5, 6, 7, 8), "middle": (9, 10, 11, 12),
                 "ring": (13, 14, 15, 16), "pinky": (17, 18, 19, 20)}


@dataclass
class Channel:
    bone: str
    path: str            # 'rotation_quaternion', 'location' or '["prop"]'
    values: np.ndarray   # (T, k)
    group: str           # key-reduction group


@dataclass
class Solution:
    channels: list = field(default_factory=list)
    error_fns: dict = field(default_factory=dict)   # group -> f(dict path->(T,k) reconstructed) -> (T,)
    targets: dict = field(default_factory=dict)     # side -> {'wrist': (T,3), 'hand_rot': (T,3,3)}
    warnings: list = field(default_factory=list)


def _m4(rot, pos):
    """(..., 4, 4) transforms from rotations (..., 3, 3) and positions (..., 3)."""
    m = np.zeros(np.broadcast_shapes(rot.shape[:-2], np.shape(pos)[:-1]) + (4, 4))
    m[..., :3, :3] = rot
    m[..., :3, 3] = pos
    m[..., 3, 3] = 1.0
    return m


def _shoulder_points(rig, profile):
    """(left, right) shoulder points at rest: the upper arms' heads, or for a half-body avatar (no arms)
    the hands' heads, which only serve to tell left from right here."""
    part = "hand" if profile.mode == "floating" else "upper_arm"
    return rig[profile.measure(part, "L")].head, rig[profile.measure(part, "R")].head


def canonical(rig, profile):
    """The rig in canonical space: its own up (hips -> head) and left (right -> left shoulder), metres.

    Any object rotation, bone rest frame or unit scale (Mixamo FBX: 0.01 with 100-unit bones) reduces to
    this; rotation channels are unchanged by it and location channels are scaled back in `solve`.
    """
    up = rig[profile.measure("head")].head - rig[profile.measure("hips")].head
    sl, sr = _shoulder_points(rig, profile)
    left = normalize(sl - sr)
    up = normalize(up - (up @ left) * left)
    back = np.cross(up, left)  # -forward
    axes = np.stack([left, back, up])
    unit = float(rig.world_scale) if rig.world_scale > 0 else 1.0
    # implausible sizes (a 180-unit character at scale 1): fall back to an adult shoulder width
    W = float(np.linalg.norm(sl - sr)) * unit
    if profile.mode == "floating":   # no shoulders: the hips-to-head length of an adult instead
        W = _HALF_BODY_W * float(np.linalg.norm(rig[profile.measure("head")].head
                                                - rig[profile.measure("hips")].head)) * unit
    if not 0.08 < W < 2.0:
        unit = 0.39 / max(W / unit, 1e-9)
    return rig.transformed(axes, unit)


_HALF_BODY_W = 0.39 / 0.771   # shoulder width per hips-to-head length (the default body)


def _virtual_arms(rig, profile, j):
    """Shoulders, elbows and wrists of an adult body for a half-body avatar (arms hanging), scaled by its
    hips-to-head length: the synthesis places hands relative to them; no arm bone is keyed."""
    head = rig[profile.measure("head")].head
    hips = rig[profile.measure("hips")].head
    W = _HALF_BODY_W * float(np.linalg.norm(head - hips))
    neck = profile.measure("neck")
    base = rig[neck].head if neck and neck in rig else head - np.array([0.0, 0.0, 0.12 * W])
    for side, sgn in (("L", 1.0), ("R", -1.0)):
        s = base + np.array([sgn * 0.5 * W, 0.0, -0.19 * W])
        j[f"shoulder_{side}"] = s
        j[f"elbow_{side}"] = s - np.array([0.0, 0.0, 0.74 * W])
        j[f"wrist_{side}"] = s - np.array([0.0, 0.0, 1.415 * W])


def measure_body(rig, profile):
    """BodyModel (canonical space, rest pose) from the rig's own bones."""
    j = {}
    if profile.mode == "floating":
        _virtual_arms(rig, profile, j)
    else:
        for side in HAND_SIDES:
            j[f"shoulder_{side}"] = rig[profile.measure("upper_arm", side)].head
            j[f"elbow_{side}"] = rig[profile.measure("forearm", side)].head
            j[f"wrist_{side}"] = rig[profile.measure("hand", side)].head
    W = float(np.linalg.norm(j["shoulder_L"] - j["shoulder_R"]))
    head = rig[profile.measure("head")]
    j["head_base"] = head.head
    top = profile.bone("head_top")
    if top and top in rig:
        j["head_top"] = rig[top].head
    else:
        j["head_top"] = head.tail
    H = float(np.linalg.norm(j["head_top"] - j["head_base"]))
    if not 0.3 * W < H < 0.9 * W:  # short head bones (game rigs): an adult head height for this width
        j["head_top"] = head.head + np.array([0.0, 0.0, 1.0]) * 0.51 * W
    j["neck_base"] = _neck_base(rig, profile.measure("neck"), head.head, j, W)
    j["pelvis"] = rig[profile.measure("hips")].head
    mid = profile.fingers("R", "finger_measure")["middle"]
    scale = 1.0
    if mid and all(b and b in rig for b in mid):
        tip = _finger_end(rig, profile, "middle", "R", mid)
        scale = float(np.linalg.norm(tip - rig[profile.measure("hand", "R")].head) / chand.HAND_LENGTH)
    return BodyModel(j, hand_scale=scale)


def _neck_base(rig, neck, head_base, j, W):
    """Where the neck leaves the trunk. A neck bone that starts below the shoulders is an upper-chest segment
    (MakeHuman's Rigify skeleton splits the spine so: spine.004 runs 1250 -> 1406 mm, the shoulders at 1341), and
    its end is the neck's base."""
    if not (neck and neck in rig):
        return head_base - np.array([0, 0, 0.12 * W])
    b = rig[neck]
    shoulders = 0.5 * (j["shoulder_L"][2] + j["shoulder_R"][2])
    if b.head[2] < shoulders < b.tail[2] < head_base[2] - 0.1 * W:     # not a neck reaching the head
        return np.asarray(b.tail, float)
    return np.asarray(b.head, float)


def measure_hands(rig, profile, scale, vertices=None, weights=None, hand_points=None, palm_points=None):
    """{side: inference.hand.HandGeometry}: each hand as the rig has it (rigs/hand_geometry.py), for a rig that
    deforms a mesh (signllm_blender/skin.py; a rig without one keeps the canonical hand scaled by hand_scale). With
    the mesh (vertices (N, 3) canonical rest, weights (N, G) over rig.bones) the fingertips reach its skin; a hand
    without any finger bone is measured rigid from `hand_points` ({side: (M, 3)} its mesh points) when given,
    else left canonical. A hand with only some finger bones is left canonical too. `palm_points` ({side: (M, 3)},
    the hand's and forearm's mesh points) give the heel of the hand's skin (HandGeometry.heel)."""
    from . import hand_geometry
    names = list(rig.bones)
    dom = np.asarray(weights).argmax(axis=1) if weights is not None else None
    out = {}
    for side in HAND_SIDES:
        fm = profile.fingers(side, "finger_measure")
        wrist = rig[profile.measure("hand", side)].head
        frame = hand_frame_rest(rig, profile, side)
        full = all(len(fm[f]) == 3 and all(b and b in rig for b in fm[f]) for f in FINGERS)
        if full:
            heads = {f: np.stack([rig[b].head for b in fm[f]]) for f in FINGERS}
            ends = {f: _finger_end(rig, profile, f, side, fm[f]) for f in FINGERS}
            tips = bones = None
            if dom is not None:
                V = np.asarray(vertices, float)
                bones = {f: [V[dom == names.index(b)] for b in fm[f]] for f in FINGERS}
                tips = {f: bones[f][-1] for f in FINGERS}
            g = hand_geometry.from_chains(wrist, frame, heads, ends, side, scale, tips, bones)
            if palm_points and side in palm_points:
                knuckles = [heads[f][0] for f in FINGERS if f != "thumb"]
                heel = hand_geometry.heel_point(palm_points[side], wrist, frame, side, scale, knuckles)
                g = g if heel is None else replace(g, heel=heel)
            out[side] = g
        elif not any(b and b in rig for f in FINGERS for b in fm[f]) and hand_points and side in hand_points:
            g = hand_geometry.rigid_from_mesh(hand_points[side], wrist, frame, side, scale)
            if g is not None:
                out[side] = g
    return out


def _finger_end(rig, profile, finger, side, chain):
    """Rest position of the fingertip: the tip bone's head, else the last bone's end (see _last_end)."""
    t = profile.tip(finger, side)
    if t and t in rig:
        return rig[t].head
    return _last_end(rig, chain, len(chain) - 1)


def _last_end(rig, chain, k):
    """Where the last bone of a chain ends at rest, from joint heads only: the previous segment continued
    with 0.8 of its length (distal phalanges are shorter). A leaf bone's tail is never used: importers
    invent it (glTF gives leaves their own length and axis, default FBX imports point Unreal tails sideways),
    and a glTF Mixamo fingertip tail measured a 14x hand. A one-bone chain falls back to its tail."""
    b = rig[chain[k]]
    if k == 0 or not chain[k - 1] or chain[k - 1] not in rig:
        return b.tail
    prev = b.head - rig[chain[k - 1]].head
    if float(np.linalg.norm(prev)) < 1e-9:
        return b.tail
    return b.head + prev * 0.8


def _hand_off(rest, rig, profile, side, body):
    """Rotation from the canonical hand frame to the hand bone's rest orientation: the bones' hand frame, or the
    mesh hand's own for a rigid hand (HandGeometry.frame)."""
    hd = rig[profile.measure("hand", side)]
    own = getattr(body.hands.get(side), "frame", None)
    if own is not None:
        return np.asarray(own, float).T @ hd.rest[:3, :3]
    return rest.value(("hand_off", side), lambda: hand_frame_rest(rig, profile, side).T @ hd.rest[:3, :3])


def hand_frame_rest(rig, profile, side):
    """The rig's hand frame at rest (columns x, y, z as in inference/hand.py) from its finger bones.

    Knuckles give the hand axis and the across-palm direction; with fewer than two of them the arm's
    direction is the hand axis and the palm is taken to face down (T-pose) or down along the arm (A-pose).
    """
    fm = profile.fingers(side, "finger_measure")
    wrist = rig[profile.measure("hand", side)].head
    knuckles = [rig[fm[f][0]].head for f in ("index", "middle", "ring", "pinky")
                if fm[f] and fm[f][0] and fm[f][0] in rig]
    if len(knuckles) >= 2:
        y = normalize(np.mean(knuckles, axis=0) - wrist)
        across = knuckles[0] - knuckles[-1]
        x = across if side == "R" else -across
        z = normalize(np.cross(x, y))
    else:
        y = normalize(wrist - rig[profile.measure("forearm", side)].head)
        down = np.array([0.0, 0.0, -1.0])
        z = normalize(down - (down @ y) * y)
    x = np.cross(y, z)
    return np.stack([x, y, z], -1)


class _Poses:
    """Desired armature-space pose matrices per bone over frames, with rigid propagation."""

    def __init__(self, rig, T, rest=None):
        self.rig = rig
        self.T = T
        self.known = {}
        self.rest = rest if rest is not None else RestData(rig, None)

    def set(self, name, m):
        self.known[name] = m

    def of(self, name):
        """Pose of `name` over frames: known, or carried rigidly by its nearest known ancestor."""
        if name in self.known:
            return self.known[name]
        b = self.rig[name]
        anc = b.parent
        while anc is not None and anc not in self.known:
            anc = self.rig[anc].parent
        if anc is None:
            return np.broadcast_to(b.pose, (self.T, 4, 4))
        return self.known[anc] @ self.rest.relative(anc, name, "pose")

    def basis(self, name):
        """Pose of `name` if its own local transform were identity (parent pose x rest offset)."""
        b = self.rig[name]
        if b.parent is None:
            return np.broadcast_to(b.rest, (self.T, 4, 4))
        return self.of(b.parent) @ self.rest.offset(name)

    def local(self, name, desired):
        """Local (basis) matrices that give `desired`; records it as known.

        For bones without local location the translation column is returned in the parent's axes,
        which is what Blender reads from their location channels.
        """
        self.known[name] = desired
        L = _inv(self.basis(name)) @ desired
        b = self.rig[name]
        if not b.local_location and b.parent is not None:
            off = self.rest.offset(name)[:3, :3]
            L = L.copy()
            L[:, :3, 3] = L[:, :3, 3] @ off.T
        return L

    def local_many(self, names, desired, basis):
        """`local` for bones none of which is an ancestor of another: desired and basis (n, T, 4, 4)."""
        for name, d in zip(names, desired):
            self.known[name] = d
        L = _inv_many(basis) @ desired
        for i, name in enumerate(names):
            b = self.rig[name]
            if not b.local_location and b.parent is not None:
                L[i, :, :3, 3] = L[i, :, :3, 3] @ self.rest.offset(name)[:3, :3].T
        return L


_I3 = np.eye(3)
_I3_TOL = 1e-6 + 1e-5 * _I3
_W = np.array([0.0, 0.0, 0.0, 1.0])
_W_TOL = 1e-8 + 1e-5 * _W


def _inv(M):
    """Inverse of (..., 4, 4) transforms: the cheap rigid formula when they are rigid (the usual case)."""
    R = M[..., :3, :3]
    Rt = np.swapaxes(R, -1, -2)
    # np.allclose(Rt @ R, I, atol=1e-6) and np.allclose(M[..., 3, :], [0, 0, 0, 1]), without its overhead
    if not (np.abs(Rt @ R - _I3) <= _I3_TOL).all() or not (np.abs(M[..., 3, :] - _W) <= _W_TOL).all():
        return np.linalg.inv(M)
    out = np.zeros(M.shape)
    out[..., :3, :3] = Rt
    out[..., :3, 3] = -(Rt @ M[..., :3, 3, None])[..., 0]
    out[..., 3, 3] = 1.0
    return out


def _inv_many(M):
    """`_inv` of each of (n, T, 4, 4) at once when all are rigid, else one by one (the same values)."""
    R = M[..., :3, :3]
    Rt = np.swapaxes(R, -1, -2)
    rigid = (np.abs(Rt @ R - _I3) <= _I3_TOL).all(axis=(1, 2, 3)) & (np.abs(M[..., 3, :] - _W) <= _W_TOL).all(axis=(1, 2))
    if not rigid.all():
        return np.stack([_inv(m) for m in M])
    out = np.zeros(M.shape)
    out[..., :3, :3] = Rt
    out[..., :3, 3] = -(Rt @ M[..., :3, 3, None])[..., 0]
    out[..., 3, 3] = 1.0
    return out


def _quat_channel(mats):
    return quat_continuous(matrix_to_quat(mats[:, :3, :3]))


def _hinge(u, f, fallback):
    h = cross(u, f)
    bad = np.linalg.norm(h, axis=-1) < 1e-6
    return normalize(np.where(bad[..., None], fallback, h))


def _twist_about(R, axis):
    """Signed angle (radians) of the twist part of rotations R (T,3,3) about unit axes (T,3)."""
    q = matrix_to_quat(R)
    q = q * np.where(q[:, :1] < 0, -1.0, 1.0)      # the short way round: (-pi, pi]
    return 2.0 * np.arctan2(np.sum(q[:, 1:] * axis, -1), q[:, 0])


def _twist_shares(rig, fa_n, hd_n, elbow, wrist):
    """Share of the forearm's roll each bone of the forearm carries: {bone: 0..1}, the hand 1.

    A bone carries the roll of the point halfway along its span between elbow (0) and wrist (1): bones
    between the forearm and the hand (MakeHuman lowerarm02, split forearms) and twist bones hanging from
    them (Unreal lowerarm_twist_01, any '*twist*' child) share it, so no joint carries a candy wrapper.
    """
    axis = wrist - elbow
    L2 = max(float(axis @ axis), 1e-12)

    def t(name):
        return float(np.clip((rig[name].head - elbow) @ axis / L2, 0.0, 1.0))
    path = []
    p = rig[hd_n].parent
    while p is not None and p != fa_n and len(path) < 4:
        path.append(p)
        p = rig[p].parent
    path = path[::-1] if p == fa_n else []
    chain = [fa_n] + path
    twists = [n for n, b in rig.bones.items() if b.parent in chain and n not in chain and n != hd_n
              and "twist" in n.lower()]
    starts = sorted([t(n) for n in path + twists])
    shares = {}
    ends = {}
    for i, n in enumerate(chain):
        ends[n] = t(chain[i + 1]) if i + 1 < len(chain) else 1.0
    first = starts[0] if starts else 1.0
    shares[fa_n] = 0.5 * first
    for n in path:
        shares[n] = 0.5 * (t(n) + ends[n])
    for n in twists:
        shares[n] = 0.5 * (t(n) + 1.0)
    shares[hd_n] = 1.0
    return shares


def _split_forearm_swing(rig, fa_n, hd_n, shares, R_fa, f, tau, mid, end):
    """(T, 3, 3) small swing of the forearm that puts the wrist back on its target when the forearm is split
    into bones off one line (MakeHuman lowerarm02 lies 4.7 mm off the lowerarm01 -> wrist line): each piece
    rolls by its own share of the twist about the elbow -> wrist axis, which carries an off-line piece, and
    the wrist, sideways (up to 3.5 mm on that skeleton); identity for a forearm in one piece."""
    path = []
    p = rig[hd_n].parent
    while p is not None and p != fa_n and len(path) < 4:
        path.append(p)
        p = rig[p].parent
    if p != fa_n or not path:
        return np.broadcast_to(np.eye(3), R_fa.shape)
    chain = [fa_n] + path[::-1] + [hd_n]
    R0 = axis_angle_matrix(f, -tau * shares[fa_n]) @ R_fa @ rig[fa_n].rest[:3, :3].T   # rest -> posed, no roll
    wrist = mid.copy()
    for k, n in enumerate(chain[:-1]):
        v = rig[chain[k + 1]].head - rig[n].head
        wrist = wrist + (axis_angle_matrix(f, tau * shares.get(n, shares[fa_n])) @ (R0 @ v)[..., None])[..., 0]
    return rotation_between(wrist - mid, end - mid)


def solve(track, rig, profile):
    """Channels for every keyed bone of `profile` that reproduce `track` on `rig`."""
    T = track.n_frames
    sol = Solution()
    rest = rest_data(rig, profile)
    loose = rest.value(("loose",), lambda: _loose_bones(rig, profile))   # helpers nothing drives (FK: followed)
    poses = _Poses(rig, T, rest)
    body = track.body
    params, _ = rom.clamp_hand_params(track.hand_params)   # fingers inside their ranges of motion
    fingerless = []

    def hand_joints(h, side, palm):
        local = chand.joints_local(params[:, h], track.hand_scale, side, body.hands.get(side))
        return track.wrist[:, h, None, :] + np.einsum("tij,tkj->tki", palm, local)
    for h, side in enumerate(HAND_SIDES):
        measured = body.hands.get(side) is not None      # the track's hand is this rig's own (its mesh)
        if profile.mode == "floating":
            _solve_floating_hand(sol, poses, rig, profile, track, h, side)
            if _solve_fingers(sol, poses, rig, profile, side, hand_joints(h, side, track.palm[:, h]), measured=measured):
                fingerless.append(side)
            continue
        ua_n, fa_n, hd_n = (profile.measure(p, side) for p in ("upper_arm", "forearm", "hand"))
        ua, fa, hd = rig[ua_n], rig[fa_n], rig[hd_n]
        # FK: the shoulder where the rig's current (unkeyed) spine and clavicle put it
        S = poses.basis(ua_n)[0, :3, 3].copy() if profile.mode == "fk" else ua.head
        a = float(np.linalg.norm(fa.head - ua.head))
        b = float(np.linalg.norm(hd.head - fa.head))
        # the elbow on its swivel circle that keeps pronation and the wrist inside human ranges; what no
        # elbow can give is clamped (the hand turns toward the nearest reachable orientation) and reported
        E, ang = rom.choose_elbows(np.broadcast_to(S, (T, 3)), track.wrist[:, h], a, b, track.palm[:, h], side,
                                   track.elbow[:, h], body)
        wrist = track.wrist[:, h]
        local = chand.joints_local(params[:, h], track.hand_scale, side, body.hands.get(side))
        signing = np.zeros(T, bool)
        for sg in track.segments:
            if sg.kind == "sign":
                signing[sg.start:sg.end] = True
        # frames where the track names the hand's touching point (track.contact): turned about it below
        pivot = None if track.contact is None else track.contact[:, h]
        on = np.zeros(T, bool) if pivot is None else np.linalg.norm(pivot, axis=-1) > 1e-9
        for rnd in range(4):
            mid, end = two_bone_ik(S, wrist, a, b, E - S)
            bend = normalize(mid - (S + end) * 0.5)
            if rnd:
                ang = rom.arm_angles(np.broadcast_to(S, (T, 3)), mid, end, track.palm[:, h], side, bend)
            palm, clamped = rom.clamp_palm(np.broadcast_to(S, (T, 3)), mid, end, track.palm[:, h], side, ang,
                                           bend)
            # a hand turned into range must not turn into the body (a salute's fingers into the forehead): the
            # wrist moves out instead, and the arm is solved again
            push = rom.turned_into_body(body, end, track.palm[:, h], palm, clamped & ~on, local, track.wrist[:, h],
                                        signing) if rnd < 3 else None
            if push is None:
                break
            wrist = end + push
        if (clamped & on).any():
            E, ang, mid, end, palm, clamped = _turn_about_contact(
                track, h, side, S, a, b, body, pivot, (E, ang, mid, end, palm, clamped), wrist)
            E, ang, mid, end, palm, clamped = _arrive_out_of_body(
                track, h, side, S, a, b, body, local, signing, clamped & on, (E, ang, mid, end, palm, clamped))
        if clamped.any():
            worst = rom.violations(ang)
            what = ", ".join(f"{k.replace('_', ' ')} {v[1]:.0f} deg" for k, v in worst.items())
            signs = [sg.gloss for sg in track.segments if sg.kind != "pause" and clamped[sg.start:sg.end].any()]
            where = f" in {', '.join(dict.fromkeys(signs))}" if signs else ""
            sol.warnings.append(f"{'Left' if side == 'L' else 'Right'} hand{where}: the target needs a joint beyond "
                                f"human range ({what} past the limit on {int(clamped.sum())} frames); the hand was "
                                "turned to the nearest natural pose")
        R_hand = palm @ _hand_off(rest, rig, profile, side, body)
        sol.targets[side] = {"wrist": end, "hand_rot": R_hand, "hand_bone": hd_n, "elbow": mid}
        grp = f"arm{side}"
        hand_len = chand.HAND_LENGTH * track.hand_scale
        if profile.mode == "fk":
            # limb axes from joint positions (shoulder -> elbow -> wrist), never from a bone's own axes
            u0 = normalize(fa.head - ua.head)
            f0 = normalize(hd.head - fa.head)
            h0 = _hinge(u0, f0, cross(u0, body.forward))
            u = normalize(mid - S)
            f = normalize(end - mid)
            hh = rom.hinge_axis(np.broadcast_to(S, (T, 3)), mid, end, bend)
            B0u = np.stack([u0, h0, cross(u0, h0)], -1)
            Bu = np.stack([u, hh, cross(u, hh)], -1)
            R_ua = Bu @ B0u.T @ ua.rest[:3, :3]
            B0f = np.stack([f0, h0, cross(f0, h0)], -1)
            Bf = np.stack([f, hh, cross(f, hh)], -1)
            R_fa = Bf @ B0f.T @ fa.rest[:3, :3]
            # the forearm's roll: the twist about the real forearm axis (elbow -> wrist) between the hand
            # the swung forearm would carry and the target hand, shared along the forearm (see _twist_shares)
            R_carry = R_fa @ (fa.rest[:3, :3].T @ hd.rest[:3, :3])
            tau = _twist_about(R_hand @ np.swapaxes(R_carry, -1, -2), f)
            shares = rest.value(("twist", fa_n, hd_n), lambda: _twist_shares(rig, fa_n, hd_n, fa.head, hd.head))
            R_fa = axis_angle_matrix(f, tau * shares[fa_n]) @ R_fa
            R_fa = _split_forearm_swing(rig, fa_n, hd_n, shares, R_fa, f, tau, mid, end) @ R_fa
            L = poses.local(ua_n, _m4(R_ua, np.broadcast_to(S, (T, 3))))
            sol.channels.append(Channel(ua_n, "rotation_quaternion", _quat_channel(L), grp))
            L = poses.local(fa_n, _m4(R_fa, mid))
            sol.channels.append(Channel(fa_n, "rotation_quaternion", _quat_channel(L), grp))
            R_fa0 = axis_angle_matrix(f, -tau * shares[fa_n]) @ R_fa   # the forearm without its roll
            for tw, c in shares.items():
                if tw in (fa_n, hd_n):
                    continue
                R_tw = axis_angle_matrix(f, tau * c) @ R_fa0 @ (fa.rest[:3, :3].T @ rig[tw].rest[:3, :3])
                L = poses.local(tw, _m4(R_tw, poses.of(tw)[:, :3, 3]))
                sol.channels.append(Channel(tw, "rotation_quaternion", _quat_channel(L), grp))
            L = poses.local(hd_n, _m4(R_hand, end))
            sol.channels.append(Channel(hd_n, "rotation_quaternion", _quat_channel(L), grp))
            levers = {ua_n: a + b + hand_len, fa_n: b + hand_len, hd_n: hand_len}
            levers.update({tw: hand_len for tw in shares if tw not in levers})
            sol.error_fns[grp] = _fk_error(levers, {c.bone: c.values for c in sol.channels if c.group == grp})
            _follow_loose_bones(sol, poses, rig, loose, side, (ua_n, fa_n, hd_n), b)
        else:
            M_hand = _m4(R_hand, end)
            poses.set(hd_n, M_hand)
            dh = profile.deform_hand(side)
            if dh and dh in rig and dh != hd_n:
                poses.set(dh, M_hand @ rest.relative(hd_n, dh))
            ik_n = profile.ik("hand", side)
            M_ctrl = M_hand @ rest.relative(hd_n, ik_n)
            L = poses.local(ik_n, M_ctrl)
            sol.channels.append(Channel(ik_n, "location", L[:, :3, 3].copy(), grp))
            sol.channels.append(Channel(ik_n, "rotation_quaternion", _quat_channel(L), grp))
            pole_n = profile.ik("pole", side)
            away = normalize(mid - (S + end) * 0.5)
            pole_pos = mid + away * (a + b) * 0.6
            Mp = _m4(np.broadcast_to(rig[pole_n].rest[:3, :3], (T, 3, 3)), pole_pos)
            Lp = poses.local(pole_n, Mp)
            sol.channels.append(Channel(pole_n, "location", Lp[:, :3, 3].copy(), grp))
            sw = profile.ik("switch", side)
            for prop, val in (profile.spec["ik"].get("props", {}) if sw else {}).items():
                sol.channels.append(Channel(sw, f'["{prop}"]', np.full((T, 1), float(val)), f"props{side}"))
            sol.error_fns[grp] = _ik_error(ik_n, pole_n, hand_len, (a + b),
                                           {c.path + c.bone: c for c in sol.channels if c.group == grp},
                                           rig.unit if rig.axes is not None else 1.0)
            # IK keys controls, not the deform bones a loose helper would follow (as FK's do): say so
            stuck = _loose_at_joints(rig, loose, (ua_n, fa_n, hd_n), b)
            if stuck:
                sol.warnings.append(
                    f"{'Left' if side == 'L' else 'Right'} arm: the deform bone(s) "
                    f"{', '.join(n for n, _ in stuck)} have no parent and no constraint, so nothing moves them "
                    "and the skin around the shoulder, elbow or wrist stretches as the arm bends; regenerate the "
                    "rig (Add Signing Character now adds their constraints) or sign with the FK mapping")
        # the fingers follow the hand as turned into range
        if _solve_fingers(sol, poses, rig, profile, side, hand_joints(h, side, palm), measured=measured):
            fingerless.append(side)
    if fingerless:
        rigid = all(getattr(body.hands.get(s), "rigid", None) is not None for s in fingerless)
        sol.warnings.append(
            "The rig has no finger bones (finger bones missing on the "
            + " hand and the ".join(fingerless) + " hand): its hands keep the shape they are modelled in, "
            "fingers straight where a sign bends them" + ("; contacts and collision use that shape" if rigid else ""))
    _solve_head(sol, poses, rig, profile, track)
    from .face_bones import solve_face_bones   # here: face_bones uses this module's helpers
    solve_face_bones(sol, poses, rig, profile, track)
    if rig.axes is not None:  # back to the armature's own units and axes
        for ch in sol.channels:
            if ch.path == "location":
                ch.values = ch.values / rig.unit
        for side, tg in sol.targets.items():
            tg["wrist"] = rig.to_armature(tg["wrist"])
            if "elbow" in tg:
                tg["elbow"] = rig.to_armature(tg["elbow"])
            tg["hand_rot"] = rig.rot_to_armature(tg["hand_rot"])
    return sol


def _loose_bones(rig, profile):
    """Deform bones without a parent or a constraint that no role maps: helpers that lost what drove them.
    MPFB's Rigify elbow and shoulder helpers are moved by constraints; an FBX or glTF export keeps the bones and
    the skin weighted to them but not the constraints, so after import they stay where the arm was at rest and
    the skin between them and the arm tears as it moves (edges 13.7x their rest length at a bent elbow)."""
    mapped = {v for v in profile.mapping.values() if v}
    parents = {bn.parent for bn in rig.bones.values()}
    # a leaf only (a root with children carries them: a prop's or a bust rig's), keyed in its own axes
    return [n for n, bn in rig.bones.items() if bn.parent is None and bn.deform and not bn.constrained
            and n not in mapped and n not in parents and bn.local_location]


def _loose_at_joints(rig, loose, arm, forearm_len):
    """[(bone, k)]: the `loose` bones whose head is at joint k of `arm` (0 shoulder, 1 elbow, 2 wrist), within a
    tenth of the forearm's length."""
    joints = [rig[n].head for n in arm]
    out = []
    for n in loose:
        d = [float(np.linalg.norm(rig[n].head - j)) for j in joints]
        k = int(np.argmin(d))
        if d[k] <= 0.1 * forearm_len:
            out.append((n, k))
    return out


def _follow_loose_bones(sol, poses, rig, loose, side, arm, forearm_len):
    """Key each of the `loose` bones (_loose_bones) at one of this arm's joints to follow the bones that meet there,
    blended equally, as MPFB's constraints do: at the shoulder the upper arm and the unkeyed shoulder (its helper
    copies the upper arm at influence 0.5), at the elbow the upper arm and the forearm (an Armature constraint
    with both at weight 1), at the wrist the forearm and the hand."""
    ua_n, fa_n, hd_n = arm
    meet = ((None, ua_n), (ua_n, fa_n), (fa_n, hd_n))
    grp, refs = f"loose{side}", {}
    for n, k in _loose_at_joints(rig, loose, arm, forearm_len):
        bn = rig[n]
        moves = [np.broadcast_to(np.eye(4), (poses.T, 4, 4)) if x is None else        # rest -> posed, armature
                 poses.of(x) @ _inv(rig[x].rest[None]) for x in meet[k]]
        head = np.mean([(M[:, :3, :3] @ bn.head) + M[:, :3, 3] for M in moves], axis=0)
        R = np.sum([M[:, :3, :3] for M in moves], axis=0)
        U, _, Vt = np.linalg.svd(R)                   # the nearest rotation to their mean
        fix = np.sign(np.linalg.det(U @ Vt))
        U[:, :, 2] *= fix[:, None]
        L = poses.local(n, _m4(U @ Vt @ bn.rest[:3, :3], head))
        loc = Channel(n, "location", L[:, :3, 3].copy(), grp)
        rot = Channel(n, "rotation_quaternion", _quat_channel(L), grp)
        sol.channels += [loc, rot]
        refs[n] = (loc, rot)
    if refs:
        sol.error_fns[grp] = _loose_error(refs, bn_len=forearm_len, unit=rig.unit if rig.axes is not None else 1.0)


def _loose_error(refs, bn_len, unit=1.0):
    """Skin error (m) of the loose bones' keys: how far each head moves, and its rotation at a lever of a
    sixth of the forearm (the helpers' skin lies that close)."""
    lever = bn_len / 6.0
    terms = {}
    for n, (loc, rot) in refs.items():
        terms[("location", n)] = _distance_part(loc, unit)
        terms[("rotation_quaternion", n)] = _angle_part(rot.values, lever)

    def err(rec):
        return np.max([f(rec[k]) for k, f in terms.items()], axis=0)
    _split(err, "max", terms)
    return err


def _turn_about_contact(track, h, side, S, a, b, body, pivot, first, wrist0=None, rounds=6, pad=16):
    """A hand turned into the wrist's range while it touches the body turns about the touching point
    (`pivot`, hand frame, from track.contact), not the wrist: the wrist moves until that point is where the
    track put it (EAT's fingertips on the lips). Moving the wrist changes the arm and so the range the hand is
    turned into, so the wrist is corrected a few times; each touching span keeps the round that brings its
    point closest (the first, unmoved one where the corrections do not converge: an arm at its limits).
    `wrist0`: the wrists `first` was solved for (default the track's; frames off contact keep them).
    Only the touching spans are solved again, each with `pad` frames either side (more than the elbow choice's
    smoothing reaches, so a span's frames come out as if the whole text were solved; the rest keep `first`)."""
    T = track.n_frames
    base = track.wrist[:, h] if wrist0 is None else wrist0
    windows = []
    for s0, s1 in _spans(np.linalg.norm(pivot, axis=-1) > 1e-9):
        w0, w1 = max(0, s0 - pad), min(T, s1 + pad)
        if windows and w0 <= windows[-1][1]:
            windows[-1][1] = w1
        else:
            windows.append([w0, w1])
    out = tuple(x.copy() if k != 1 else {key: v.copy() for key, v in x.items()} for k, x in enumerate(first))
    for w0, w1 in windows:
        sl = slice(w0, w1)
        part = _turn_window(track.wrist[sl, h], track.palm[sl, h], track.elbow[sl, h], track.hand_scale, side, S,
                            a, b, body, pivot[sl], tuple(x[sl] if k != 1 else {key: v[sl] for key, v in x.items()}
                                                         for k, x in enumerate(first)), base[sl], rounds)
        for k, x in enumerate(part):
            if k == 1:
                for key, v in x.items():
                    out[1][key][sl] = v
            else:
                out[k][sl] = x
    return out


def _arrive_out_of_body(track, h, side, S, a, b, body, local, signing, turned, solved):
    """A hand arriving at a touch eases its turn onto the touching point over the last frames before the sign
    (track.contact), so where the wrist's range turns it, it turns about a point between the wrist and the
    surface that will touch, and its fingers can swing into the body the frame before they land (Mixamo's
    HELLO: a fingertip 8.7 mm in the head beside the temple). On those frames the hand is still in space: it
    moves out by the depth the turn gave it (rom.turned_into_body), the arm is solved again there, and every
    other frame keeps what it had."""
    _, _, _, end, palm, _ = solved
    push = rom.turned_into_body(body, end, track.palm[:, h], palm, turned & ~signing, local, track.wrist[:, h],
                                signing=np.zeros(len(end), bool))
    if push is None:
        return solved
    push[signing] = 0.0      # eased over neighbouring frames: never into the sign's own, which touch where they should
    moved = np.linalg.norm(push, axis=-1) > 1e-9
    again = _arm_to(S, end + push, a, b, track.palm[:, h], side, track.elbow[:, h], body)
    return tuple({k: np.where(moved, x[k], y[k]) for k in y} if isinstance(y, dict)
                 else np.where(moved.reshape((-1,) + (1,) * (y.ndim - 1)), x, y) for x, y in zip(again, solved))


def _arm_to(S, goal, a, b, hand_palm, side, elbow, body):
    """(elbow, angles, mid, end, palm, clamped) of an arm reaching `goal` (T, 3): the elbow on its swivel circle
    that keeps the joints in range, two-bone IK, and the hand turned into range where none can."""
    Sb = np.broadcast_to(S, goal.shape)
    E, ang = rom.choose_elbows(Sb, goal, a, b, hand_palm, side, elbow, body)
    mid, end = two_bone_ik(S, goal, a, b, E - S)
    bend = normalize(mid - (S + end) * 0.5)
    palm, clamped = rom.clamp_palm(Sb, mid, end, hand_palm, side, ang, bend)
    return E, ang, mid, end, palm, clamped


def _spans(on):
    """(start, end) of each run of True frames."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], np.asarray(on).astype(int), [0]])))
    return list(zip(edges[::2], edges[1::2]))


def _turn_window(wrist, hand_palm, elbow, hand_scale, side, S, a, b, body, pivot, first, base, rounds, tol=5e-4):
    """_turn_about_contact on a window of frames (arrays of the window). A span within `tol` of its point
    stops there (what a span gets never depends on the other spans: the rounds after it settled do not count
    for it); the rounds stop when every span has settled."""
    T = len(wrist)
    touch = wrist + np.einsum("tij,tj->ti", hand_palm, pivot)
    on = np.linalg.norm(pivot, axis=-1) > 1e-9
    cap = 0.5 * chand.HAND_LENGTH * hand_scale

    def miss(end, palm):
        return np.where(on, np.linalg.norm(touch - end - np.einsum("tij,tj->ti", palm, pivot), axis=-1), 0.0)

    spans = _spans(on)
    done = np.zeros(T, bool)      # spans whose point is where the track put it: later rounds do not count for them

    def settle(e):
        for s0, s1 in spans:
            if e[s0:s1].max() < tol:
                done[s0:s1] = True
        return not all(done[s0] for s0, _ in spans)

    rounds_out = [first]
    errs = [miss(first[3], first[4])]
    more = settle(errs[0])
    goal = base.copy()
    for _ in range(rounds if more else 0):
        E, ang, mid, end, palm, clamped = rounds_out[-1]
        d = np.where(on[:, None], touch - end - np.einsum("tij,tj->ti", palm, pivot), 0.0)   # every round: a
        # span's result must not depend on other spans (a live edit solves a window of the text)
        shift = goal + d - base
        n = np.linalg.norm(shift, axis=-1, keepdims=True)
        goal = base + shift * np.minimum(1.0, cap / np.maximum(n, 1e-12))
        arm = _arm_to(S, goal, a, b, hand_palm, side, elbow, body)
        rounds_out.append(arm)
        _, _, _, end, palm, _ = arm
        e = miss(end, palm)
        errs.append(np.where(done, np.inf, e))
        if not settle(e):
            break
    pick = np.zeros(T, int)
    for s0, s1 in spans:
        pick[s0:s1] = int(np.argmin([e[s0:s1].mean() for e in errs]))
    out = []
    for k in range(6):
        parts = [r[k] for r in rounds_out]
        if k == 1:    # ang: a dict of (T,) arrays
            out.append({key: np.choose(pick, [p[key] for p in parts]) for key in parts[0]})
        else:
            stack = np.stack(parts)
            out.append(stack[pick, np.arange(T)])
    return tuple(out)


def _solve_floating_hand(sol, poses, rig, profile, track, h, side):
    """A hand without an arm (half-body avatar): placed and oriented directly, location + rotation keys."""
    hd_n = profile.measure("hand", side)
    R_hand = track.palm[:, h] @ _hand_off(poses.rest, rig, profile, side, track.body)
    end = track.wrist[:, h]
    sol.targets[side] = {"wrist": end, "hand_rot": R_hand, "hand_bone": hd_n}
    grp = f"arm{side}"
    L = poses.local(hd_n, _m4(R_hand, end))
    c_loc = Channel(hd_n, "location", L[:, :3, 3].copy(), grp)
    c_rot = Channel(hd_n, "rotation_quaternion", _quat_channel(L), grp)
    sol.channels += [c_loc, c_rot]
    hand_len = chand.HAND_LENGTH * track.hand_scale

    def err(rec, hd_n=hd_n, c_loc=c_loc, c_rot=c_rot):
        # the channel's values as keyed (armature units after `solve` scales locations back): metres here
        e_loc = np.linalg.norm(rec[("location", hd_n)] - c_loc.values, axis=-1) * (rig.unit if rig.axes is not None else 1.0)
        return e_loc + _quat_angle(c_rot.values, rec[("rotation_quaternion", hd_n)]) * hand_len
    _split(err, "sum", {("location", hd_n): _distance_part(c_loc, rig.unit if rig.axes is not None else 1.0),
                        ("rotation_quaternion", hd_n): _angle_part(c_rot.values, hand_len)},
           {("location", hd_n): 0.6, ("rotation_quaternion", hd_n): 1.0})
    sol.error_fns[grp] = err


def _finger_geometry(rig, profile, side, f, chain, k):
    """(d_local, end_local): unit direction to the next joint and that joint's point, in bone k's rest axes."""
    name = chain[k]
    b = rig[name]
    nxt = chain[k + 1] if k + 1 < len(chain) else profile.tip(f, side)
    if nxt and nxt in rig and np.linalg.norm(rig[nxt].head - b.head) > 1e-9:
        end = b.rest[:3, :3].T @ (rig[nxt].head - b.head)
    else:
        end = b.rest[:3, :3].T @ (_last_end(rig, chain, k) - b.head)
    return normalize(end), end


def _levels(rig, names):
    """Groups of indices into `names` that can be solved together, in order: a bone comes after every
    earlier-listed bone it descends from. One bone a group when a bone descends from a later one."""
    pos = {n: i for i, n in enumerate(names)}
    level = []
    for i, n in enumerate(names):
        lv = 0
        a = rig[n].parent
        while a is not None:
            j = pos.get(a)
            if j is not None:
                if j >= i:
                    return [[k] for k in range(len(names))]
                lv = max(lv, level[j] + 1)
            a = rig[a].parent if a in rig else None
        level.append(lv)
    if len(pos) != len(names):
        return [[k] for k in range(len(names))]
    return [[i for i in range(len(names)) if level[i] == lv] for lv in sorted(set(level))]


def _solve_fingers(sol, poses, rig, profile, side, J, contact=(0.035, 0.02), measured=False):
    """Each finger bone swung onto its segment of the synthesised hand; then the thumb is bent (two-bone
    IK on its last two bones) so that where the canonical thumb tip touches a fingertip (O, F, flat-O),
    the rig's thumb tip touches the rig's fingertip too, whatever the rig's finger proportions.
    True when the hand has no finger bones at all (nothing keyed, the caller warns)."""
    grp = f"fingers{side}"
    chains = profile.fingers(side)
    found = {}
    missing = []
    tips = {}

    def geometry(f, chain, k):
        return poses.rest.value(("finger", side, f, tuple(chain), k),
                                lambda: _finger_geometry(rig, profile, side, f, chain, k))

    def swing(name, d_local, target):
        B = poses.basis(name)
        R = rotation_between(B[:, :3, :3] @ d_local, target) @ B[:, :3, :3]
        return poses.local(name, _m4(R, B[:, :3, 3]))

    thumb_ok = all(n and n in rig for n in chains["thumb"]) and len(chains["thumb"]) == 3
    complete = [f for f in FINGERS[1:] if chains[f] and all(n and n in rig for n in chains[f])]
    jobs = []        # (finger, k, bone) in the order the bones are swung
    for f in FINGERS[1:] + ("thumb",):
        for k, name in enumerate(chains[f]):
            if not name or name not in rig:
                missing.append(name or f"{f}.{k + 1}")
            elif not (f == "thumb" and k > 0 and thumb_ok and complete):   # the thumb is bent below, once
                jobs.append((f, k, name))                                   # the fingertips are known
    # bones of one level (the k-th bone of every finger) are swung together: the same values as one by one
    levels = poses.rest.value(("finger_levels", tuple(jobs)), lambda: _levels(rig, [n for _, _, n in jobs]))
    for level in levels:
        names = [jobs[i][2] for i in level]
        geo = [geometry(jobs[i][0], chains[jobs[i][0]], jobs[i][1]) for i in level]
        B = np.stack([poses.basis(n) for n in names])
        a = np.stack([B[j, :, :3, :3] @ g[0] for j, g in enumerate(geo)])
        cur = [_CHAIN_JOINTS[jobs[i][0]][jobs[i][1]] for i in level]
        target = normalize(np.moveaxis(J[:, [c + 1 for c in cur]] - J[:, cur], 1, 0))
        R = rotation_between(a, target) @ B[..., :3, :3]
        L = poses.local_many(names, _m4(R, B[..., :3, 3]), B)
        for j, name in enumerate(names):
            found[name] = L[j]
    found = {n: found[n] for _, _, n in jobs}      # the channels in the order they were always listed

    def last_end(f, chain):
        """The last phalanx's end in its bone's axes. Where the track's hand was measured on this rig (`measured`:
        HandGeometry, the last phalanx reaching its tip's skin) it is the track's own length, not the bone-only
        guess of _last_end: the thumb bent to a shorter guess put its middle joint 12 mm off the track's and
        the MakeHuman thumb 9 mm into the forehead in BOY."""
        end = geometry(f, chain, len(chain) - 1)[1]
        if not measured:
            return end
        j = _CHAIN_JOINTS[f]
        return normalize(end) * float(np.median(np.linalg.norm(J[:, j[3]] - J[:, j[2]], axis=-1)))

    for f in complete:
        M = poses.of(chains[f][-1])
        tips[f] = M[:, :3, :3] @ last_end(f, chains[f]) + M[:, :3, 3]
    if thumb_ok and tips:
        t1, t2, t3 = chains["thumb"]
        _, e2 = geometry("thumb", chains["thumb"], 1)
        a, b = float(np.linalg.norm(e2)), float(np.linalg.norm(last_end("thumb", chains["thumb"])))
        root = poses.basis(t2)[:, :3, 3]
        # the plain swing result: where the thumb tip would go without contact
        mid0 = root + a * normalize(J[:, 3] - J[:, 2])
        end0 = mid0 + b * normalize(J[:, 4] - J[:, 3])
        names = [f for f in tips]
        d_can = np.stack([np.linalg.norm(J[:, 4] - J[:, _CHAIN_JOINTS[f][3]], axis=-1) for f in names], -1)
        best = np.argmin(d_can, -1)
        T = J.shape[0]
        rig_tip = np.stack([tips[f] for f in names], 1)[np.arange(T), best]
        can_tip = J[np.arange(T), np.array([_CHAIN_JOINTS[f][3] for f in names])[best]]
        scale = max(float(np.linalg.norm(J[0, 9] - J[0, 0])) / 0.092, 1e-6)
        lo, hi = contact[1] * scale, contact[0] * scale
        w = np.clip((hi - d_can[np.arange(T), best]) / (hi - lo), 0, 1)
        w = w * w * (3 - 2 * w)
        goal = end0 + w[:, None] * (rig_tip + (J[:, 4] - can_tip) - end0)
        # a short thumb: turn the metacarpal toward the goal just enough to bring it within reach
        h1 = poses.basis(t1)[:, :3, 3]
        L1 = np.linalg.norm(root - h1, axis=-1, keepdims=True)
        d1, dg = normalize(root - h1), normalize(goal - h1)
        steps = np.linspace(0.0, 1.0, 21)
        cand = h1[None] + L1[None] * normalize((1 - steps[:, None, None]) * d1[None] + steps[:, None, None] * dg[None])
        ok = np.linalg.norm(goal[None] - cand, axis=-1) <= 0.98 * (a + b)
        need = np.linalg.norm(goal - root, axis=-1) > 0.999 * (a + b)
        pick = np.where(need, np.where(ok.any(0), ok.argmax(0), len(steps) - 1), 0)
        if np.any(pick):
            new_dir = normalize(cand[pick, np.arange(T)] - h1)
            found[t1] = swing(t1, geometry("thumb", chains["thumb"], 0)[0], new_dir)
            root = poses.basis(t2)[:, :3, 3]
        mid, end = two_bone_ik(root, goal, a, b, mid0 - root)
        L2 = swing(t2, geometry("thumb", chains["thumb"], 1)[0], normalize(mid - root))
        L3 = swing(t3, geometry("thumb", chains["thumb"], 2)[0], normalize(end - mid))
        found[t2], found[t3] = L2, L3
        # fingers the thumb could not reach (a short rig thumb) curl the rest of the way to meet it
        for f in names:
            chain = chains[f]
            jf = _CHAIN_JOINTS[f]
            d_f = np.linalg.norm(J[:, 4] - J[:, jf[3]], axis=-1)
            wf = np.clip((hi - d_f) / (hi - lo), 0, 1)
            wf = wf * wf * (3 - 2 * wf)
            want = end + (J[:, jf[3]] - J[:, 4])
            miss = np.linalg.norm(want - tips[f], axis=-1) * wf
            if miss.max() < 0.002 * scale:  # within 2 mm: leave the finger as swung
                continue
            _, g2 = geometry(f, chain, 1)
            _, g3 = geometry(f, chain, 2)
            fa, fb = float(np.linalg.norm(g2)), float(np.linalg.norm(g3))
            froot = poses.basis(chain[1])[:, :3, 3]
            M2 = poses.of(chain[1])
            fmid0 = M2[:, :3, :3] @ g2 + M2[:, :3, 3]
            fgoal = tips[f] + wf[:, None] * (want - tips[f])
            fmid, fend = two_bone_ik(froot, fgoal, fa, fb, fmid0 - froot)
            found[chain[1]] = swing(chain[1], normalize(g2), normalize(fmid - froot))
            found[chain[2]] = swing(chain[2], normalize(g3), normalize(fend - fmid))
    # one key-reduction group per finger: each finger keeps only the keys its own motion needs
    finger_of = {n: f for f in FINGERS for n in chains[f] if n}
    per = {}
    quats = np.ascontiguousarray(quat_continuous(matrix_to_quat(np.stack(list(found.values()))[..., :3, :3]), axis=1)) \
        if found else []
    for name, q in zip(found, quats):
        g = f"{grp}.{finger_of[name]}"
        sol.channels.append(Channel(name, "rotation_quaternion", q, g))
        per.setdefault(g, {})[name] = q
    if missing and not found and len(missing) == sum(len(c) for c in chains.values()):
        return True     # no finger bones at all: solve() tells the user once for both hands
    if missing:
        sol.warnings.append(f"{len(missing)} finger bones missing on the {side} hand ({missing[0]}, ...): "
                            "those fingers are not animated")
    for g, refs in per.items():
        sol.error_fns[g] = _angle_error(refs, 0.04)
    return False


def _solve_head(sol, poses, rig, profile, track):
    """Nods and shakes: pitch/yaw shared between neck (40 %) and head (60 %), or all on the head."""
    if not np.any(track.head):
        return
    head = profile.bone("head")
    if not head or head not in rig:
        sol.warnings.append("no head bone: head movements skipped")
        return
    neck = profile.bone("neck")
    parts = [(neck, 0.4), (head, 0.6)] if neck and neck in rig and rig[head].parent == neck else [(head, 1.0)]
    body = track.body
    refs = {}
    for name, share in parts:
        pitch = axis_angle_matrix(body.left[None], track.head[:, 0] * share)  # + pitch = nod down (chin in)
        yaw = axis_angle_matrix(body.up[None], track.head[:, 1] * share)
        roll = axis_angle_matrix(body.forward[None], track.head[:, 2] * share)  # + = toward the right shoulder
        base = poses.of(name)  # the head as carried by the neck solved just before: it adds its share
        R = pitch @ yaw @ roll @ base[:, :3, :3]
        L = poses.local(name, _m4(R, base[:, :3, 3]))
        q = _quat_channel(L)
        sol.channels.append(Channel(name, "rotation_quaternion", q, "head"))
        refs[name] = q
    sol.error_fns["head"] = _angle_error(refs, 0.15)


def _quat_angle(q_ref, q_rec):
    q_rec = normalize(q_rec)
    d = np.abs(np.sum(normalize(q_ref) * q_rec, -1)).clip(0, 1)
    return 2 * np.arccos(d)


def _fk_error(levers, refs):
    def err(rec):
        e = 0.0
        for bone, lever in levers.items():
            e = e + _quat_angle(refs[bone], rec[("rotation_quaternion", bone)]) * lever
        return e
    # a sum over the arm: each bone reduced in turn with an equal share of the budget
    _split(err, "sum", {("rotation_quaternion", b): _angle_part(refs[b], lever) for b, lever in levers.items()},
           {("rotation_quaternion", b): (k + 1) / len(levers) for k, b in enumerate(levers)})
    return err


def _ik_error(ik_n, pole_n, hand_len, arm_len, refs, unit=1.0):
    """Hand error (m) of reconstructed IK control channels; `refs` are the Channels themselves, read when
    the error is asked for (their locations are in armature units by then: `unit` metres each)."""
    def err(rec):
        e_loc = np.linalg.norm(rec[("location", ik_n)] - refs["location" + ik_n].values, axis=-1) * unit
        e_rot = _quat_angle(refs["rotation_quaternion" + ik_n].values, rec[("rotation_quaternion", ik_n)]) * hand_len
        e_pole = np.linalg.norm(rec[("location", pole_n)] - refs["location" + pole_n].values, axis=-1) * 0.1 * unit
        return e_loc + e_rot + e_pole
    # a sum: the hand's position keeps 60 % of the budget, its rotation 35 %, the pole (an elbow 1 cm off
    # counts 1 mm) what is left at each frame (measured: the fewest keys, docs/notes/memory.md)
    _split(err, "sum", {("location", ik_n): _distance_part(refs["location" + ik_n], unit),
                        ("rotation_quaternion", ik_n): _angle_part(refs["rotation_quaternion" + ik_n].values, hand_len),
                        ("location", pole_n): _distance_part(refs["location" + pole_n], 0.1 * unit)},
           {("location", ik_n): 0.6, ("rotation_quaternion", ik_n): 0.95, ("location", pole_n): 1.0})
    return err


def _angle_error(refs, lever):
    def err(rec):
        e = 0.0
        for bone, q in refs.items():
            e = np.maximum(e, _quat_angle(q, rec[("rotation_quaternion", bone)]) * lever)
        return e
    _split(err, "max", {("rotation_quaternion", bone): _angle_part(q, lever) for bone, q in refs.items()})
    return err


def _split(err, combine, terms, shares=None):
    """Say how a group's error function splits, so key reduction can key each bone on its own
    (rigs/retarget._parts): `terms` maps (path, bone) to that channel's error f(values (m,k), frames (m,)
    or None -> all); `combine` is 'max' (every bone may use the whole budget) or 'sum' (each term, in
    order, gets a cumulative share of the budget, the last one the rest)."""
    err.terms, err.combine, err.shares = terms, combine, shares or {}


def _angle_part(q_ref, lever):
    """One bone's rotation error (m at the lever), f(rec (m,4), frames): the angle whatever the sign."""
    qn = normalize(q_ref)

    def f(rec, idx=None):
        ref = qn if idx is None else qn[idx]
        n = np.sqrt(np.einsum("ij,ij->i", rec, rec))
        d = np.abs(np.einsum("ij,ij->i", ref, rec)) / np.maximum(n, 1e-12)
        return 2 * np.arccos(np.minimum(d, 1.0)) * lever
    return f


def _distance_part(channel, scale=1.0):
    """One location's error (m), f(rec (m,3), frames): `channel`'s values read when asked (in armature
    units by then, `scale` metres each)."""
    def f(rec, idx=None):
        v = channel.values
        d = rec - (v if idx is None else v[idx])
        return np.sqrt(np.einsum("ij,ij->i", d, d)) * scale
    return f
