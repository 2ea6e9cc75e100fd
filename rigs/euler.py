"""Euler angles in Blender's conventions, for bones the user keys in an Euler rotation mode. Pure numpy.

Blender's order 'XYZ' applies X first: R = Rz(z) @ Ry(y) @ Rx(x); angles are stored per axis (x, y, z)
whatever the order. Conversions are vectorised over frames; `quat_to_euler` keeps the angles continuous
(no 2 pi jumps), so the keys interpolate the way the user's own Euler keys do.
"""
from __future__ import annotations

import numpy as np

from ..inference.transforms import matrix_to_quat, quat_to_matrix

ORDERS = ("XYZ", "XZY", "YXZ", "YZX", "ZXY", "ZYX")
_AXIS = {"X": 0, "Y": 1, "Z": 2}


def _axis_rot(axis: int, angle: np.ndarray) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    R = np.zeros(angle.shape + (3, 3))
    i, j = [(1, 2), (2, 0), (0, 1)][axis]
    R[..., axis, axis] = 1.0
    R[..., i, i] = c
    R[..., j, j] = c
    R[..., i, j] = -s
    R[..., j, i] = s
    return R


def euler_to_matrix(euler: np.ndarray, order: str = "XYZ") -> np.ndarray:
    """(..., 3) angles (x, y, z) -> (..., 3, 3) rotation matrices."""
    e = np.asarray(euler, float)
    a, b, c = (_AXIS[ch] for ch in order)
    return _axis_rot(c, e[..., c]) @ _axis_rot(b, e[..., b]) @ _axis_rot(a, e[..., a])


def matrix_to_euler(m: np.ndarray, order: str = "XYZ") -> np.ndarray:
    """(..., 3, 3) rotations -> (..., 3) angles (x, y, z), middle angle in [-pi/2, pi/2]."""
    m = np.asarray(m, float)
    i, j, k = (_AXIS[ch] for ch in order)
    parity = order in ("XZY", "YXZ", "ZYX")       # odd permutations of XYZ
    # Blender's mat3_normalized_to_eulO, with its column-major mat[a][b] read as m[..., b, a]
    cy = np.hypot(m[..., i, i], m[..., j, i])
    out = np.empty(m.shape[:-2] + (3,))
    ok = cy > 16 * np.finfo(np.float32).eps
    sgn = -1.0 if parity else 1.0
    out[..., i] = np.where(ok, np.arctan2(sgn * m[..., k, j], m[..., k, k]),
                           np.arctan2(-sgn * m[..., j, k], m[..., j, j]))
    out[..., j] = np.arctan2(-sgn * m[..., k, i], cy)
    out[..., k] = np.where(ok, np.arctan2(sgn * m[..., j, i], m[..., i, i]), 0.0)
    return out


def quat_to_euler(q: np.ndarray, order: str = "XYZ", continuous: bool = True) -> np.ndarray:
    """(T, 4) quaternions (w, x, y, z) -> (T, 3) Euler angles, unwrapped along T when continuous."""
    e = matrix_to_euler(quat_to_matrix(np.asarray(q, float)), order)
    return np.unwrap(e, axis=0) if continuous and e.ndim == 2 and len(e) > 1 else e


def euler_to_quat(e: np.ndarray, order: str = "XYZ") -> np.ndarray:
    return matrix_to_quat(euler_to_matrix(e, order))
