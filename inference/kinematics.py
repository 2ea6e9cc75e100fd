"""Analytic two-bone IK, vectorised over frames (shared by synthesis and the rig solver)."""
import numpy as np

from .transforms import normalize


def two_bone_ik(root, target, len_a, len_b, pole, max_reach=0.999):
    """Middle joint positions for chains root -> mid -> end reaching `target`.

    root, target, pole: (..., 3); pole is a direction (or point minus root) the middle joint bends toward.
    Returns (mid, end): end equals target unless it was out of reach (then clamped on the line).
    """
    root = np.asarray(root, float)
    target = np.asarray(target, float)
    v = target - root
    dist = np.linalg.norm(v, axis=-1, keepdims=True)
    reach = (len_a + len_b) * max_reach
    lo = abs(len_a - len_b) * 1.001 + 1e-6
    d = np.clip(dist, lo, reach)
    axis = v / np.maximum(dist, 1e-9)
    end = root + axis * d
    along = (len_a ** 2 - len_b ** 2 + d ** 2) / (2 * d)
    h = np.sqrt(np.maximum(len_a ** 2 - along ** 2, 0.0))
    p = np.asarray(pole, float)
    perp = p - np.sum(p * axis, -1, keepdims=True) * axis
    fallback = np.cross(axis, np.array([0.0, 0.0, 1.0]))
    bad = np.linalg.norm(perp, axis=-1, keepdims=True) < 1e-6
    perp = normalize(np.where(bad, fallback, perp))
    mid = root + axis * along + perp * h
    return mid, end
