"""Measure what the rig really does after evaluation: deform-hand position and palm vs the solver's targets.

Used by tests and benchmarks, so accuracy claims are read off Blender's depsgraph, not off our own math.
"""
import numpy as np


def hand_errors(scene, obj, targets, n_frames, hand_bone="DEF-hand.{}", frame_start=None, frames=None):
    """Per-frame wrist error (m) and palm angle error (deg) for both hands: arrays (frames, 2)."""
    start = scene.frame_start if frame_start is None else frame_start
    idx = range(n_frames) if frames is None else frames
    pos, ang = [], []
    for f in idx:
        scene.frame_set(start + f)
        prow, arow = [], []
        for side in "LR":
            tg = targets[side]
            pb = obj.pose.bones[hand_bone.format(side)]
            m = obj.matrix_world @ pb.matrix
            prow.append(np.linalg.norm(np.array(m.translation) - (np.array(obj.matrix_world) @ np.r_[tg["wrist"][f], 1])[:3]))
            R = np.array(pb.matrix)[:3, :3]
            R = R / np.linalg.norm(R, axis=0)
            c = np.clip((np.trace(R.T @ tg["hand_rot"][f]) - 1) / 2, -1, 1)
            arow.append(np.degrees(np.arccos(c)))
        pos.append(prow)
        ang.append(arow)
    return np.array(pos), np.array(ang)


def count_keys(action):
    """Total keyframe points over every F-curve of every slot in a (layered) action."""
    n = 0
    for layer in action.layers:
        for strip in layer.strips:
            for cb in strip.channelbags:
                n += sum(len(fc.keyframe_points) for fc in cb.fcurves)
    return n
