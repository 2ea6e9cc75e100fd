"""The add-on checks its own result: after the keys are written, the rig is evaluated by Blender (its
constraints, drivers, IK and all) and each deform hand is compared with the solver's target.

A constraint that pulls a hand away, a locked channel, a driver or a mapping onto the wrong bone shows up
here as a warning naming the bone and the distance, instead of a success message.
"""
from dataclasses import dataclass, field

import numpy as np

from ..rigs.blender_io import bound_meshes

LIMIT = 0.01          # metres: beyond this a hand is reported
ALL_FRAMES = 120      # texts up to this many frames (5 s at 24 fps) are checked on every frame
SAMPLES = 60          # longer ones on about twice this many (their arm key frames, then an even spread)


@dataclass
class Check:
    frames: list = field(default_factory=list)     # track frames evaluated
    worst: dict = field(default_factory=dict)      # side -> (metres, track frame, bone)
    warnings: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.warnings


def check_frames(plan, n_frames):
    """Which frames to evaluate: all of a short text; of a long one its key frames and an even spread."""
    if n_frames <= ALL_FRAMES:
        return list(range(n_frames))
    keys = sorted({int(f) for c in plan.curves if c.group.startswith("arm") for f in c.frames})
    step = max(1, n_frames // SAMPLES)
    spread = set(range(0, n_frames, step)) | {n_frames - 1}
    if len(keys) > SAMPLES:
        keys = keys[:: max(1, len(keys) // SAMPLES)]
    return sorted(spread | set(keys))


class _light_meshes:
    """While checking, meshes the armature deforms are not evaluated (bones are all we read): their
    Armature modifiers are hidden from the viewport and shown again afterwards."""

    def __init__(self, obj):
        self.mods = [m for ob in bound_meshes(obj) for m in ob.modifiers
                     if m.type == "ARMATURE" and m.object == obj and m.show_viewport]

    def __enter__(self):
        for m in self.mods:
            m.show_viewport = False

    def __exit__(self, *exc):
        for m in self.mods:
            m.show_viewport = True


def check_hands(obj, scene, plan, profile, frame_start, unit, limit=LIMIT, frames=None):
    """Evaluate `obj` on the chosen frames and compare each deform hand with its target (plan.targets,
    armature space; `unit` metres per armature unit). The scene's current frame is restored."""
    n = plan.n_frames
    idx = check_frames(plan, n) if frames is None else list(frames)
    out = Check(frames=idx)
    bones = {}
    for side in ("L", "R"):
        name = profile.deform_hand(side)
        if side in plan.targets and name in obj.pose.bones:
            bones[side] = obj.pose.bones[name]
    if not bones or not idx:
        return out
    keep = scene.frame_current
    err = {side: np.zeros(len(idx)) for side in bones}
    try:
        with _light_meshes(obj):
            for i, f in enumerate(idx):
                scene.frame_set(frame_start + f)
                for side, pb in bones.items():
                    d = np.array(pb.head) - plan.targets[side]["wrist"][f]
                    err[side][i] = float(np.linalg.norm(d)) * unit
    finally:
        scene.frame_set(keep)
    names = {"L": "left", "R": "right"}
    for side, e in err.items():
        k = int(e.argmax())
        out.worst[side] = (float(e[k]), idx[k], bones[side].name)
        bad = int((e > limit).sum())
        if bad:
            out.warnings.append(
                f"Self-check: the {names[side]} hand ('{bones[side].name}') ends up {e[k] * 100:.1f} cm from its "
                f"target at frame {frame_start + idx[k]} ({bad} of {len(idx)} checked frames beyond "
                f"{limit * 100:.0f} cm). Something on the rig overrides the keys (a constraint, driver, locked or "
                "limited channel) or the bone mapping is wrong: check the Bone Mapping panel and the bone's "
                "constraints.")
    return out


def deform_arm_chain(obj, hand, upper):
    """Deform bones from the upper arm down to the hand ([upper, ..., hand]) and the '*twist*' bones that
    hang from that chain: [(parent, child)] pairs of adjacent deform bones along the arm."""
    bones = obj.data.bones
    top = np.array(bones[upper].head_local)
    size = max(float(np.linalg.norm(np.array(bones[hand].head_local) - top)), 1e-9)
    chain = [hand]
    b = bones[hand].parent
    while b is not None and len(chain) < 8:   # up to the upper arm (or the deform bone at its head)
        chain.append(b.name)
        if b.name == upper or np.linalg.norm(np.array(b.head_local) - top) < 0.01 * size:
            break
        b = b.parent
    chain = chain[::-1]
    deform = [n for n in chain if bones[n].use_deform]
    pairs = list(zip(deform[:-1], deform[1:]))
    for n in chain:
        for c in bones[n].children:
            if c.name not in chain and c.use_deform and "twist" in c.name.lower():
                pairs.append((n, c.name))
    return pairs


def twist_angles(obj, pairs, axes):
    """Twist (degrees) of each child against its parent about the child's limb axis, relative to rest.

    axes: child -> unit limb direction in armature space at rest (joint to next joint, taken from joint
    positions, never from the bone's own Y axis). Reads the evaluated pose of the current frame."""
    out = {}
    for p, c in pairs:
        P, C = obj.pose.bones[p], obj.pose.bones[c]
        rel_pose = np.array(P.matrix)[:3, :3]
        rel_pose = np.linalg.inv(rel_pose) @ np.array(C.matrix)[:3, :3]
        rel_rest = np.linalg.inv(np.array(P.bone.matrix_local)[:3, :3]) @ np.array(C.bone.matrix_local)[:3, :3]
        # the child's change against rest, in the child's rest frame
        L = np.linalg.inv(rel_rest) @ rel_pose
        L = L / np.linalg.norm(L, axis=0)
        a = np.linalg.inv(np.array(C.bone.matrix_local)[:3, :3]) @ axes[c]
        a = a / np.linalg.norm(a)
        w = np.sqrt(max(1.0 + np.trace(L), 1e-12)) / 2.0
        v = np.array([L[2, 1] - L[1, 2], L[0, 2] - L[2, 0], L[1, 0] - L[0, 1]]) / (4.0 * w)
        ang = abs(np.degrees(2.0 * np.arctan2(float(v @ a), w)))
        out[(p, c)] = min(ang, 360.0 - ang)
    return out


def rest_axes(obj, pairs, wrist_to, hand):
    """Limb direction at rest for each child of `pairs` from joint positions: a bone of the chain toward
    the next chain bone's head (the hand toward `wrist_to`, a point such as the middle knuckle), a twist
    bone along its parent's limb."""
    bones = obj.data.bones
    chain = {p: c for p, c in pairs if "twist" not in c.lower() or c == hand}

    def head(n):
        return np.array(bones[n].head_local)

    def limb(n):
        d = (np.asarray(wrist_to, float) if n == hand or n not in chain else head(chain[n])) - head(n)
        return d / max(np.linalg.norm(d), 1e-12)
    return {c: (limb(p) if c not in chain.values() else limb(c)) for p, c in pairs}
