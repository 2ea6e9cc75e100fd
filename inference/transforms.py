"""Small vectorised rotation helpers (numpy only; shared by synthesis and the rig solver)."""
import numpy as np


def normalize(v, axis=-1, eps=1e-12):
    v = np.asarray(v, dtype=float)
    n = np.sqrt(np.add.reduce(v * v, axis=axis, keepdims=True))   # np.linalg.norm's own sum, minus its checks
    return v / np.maximum(n, eps)


def cross(a, b):
    """np.cross of float (..., 3) vectors, the same products in the same order without its axis handling
    (the solver calls it thousands of times per edit, on a few dozen frames)."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    out = np.empty(np.broadcast_shapes(a.shape, b.shape))
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    np.subtract(a1 * b2, a2 * b1, out=out[..., 0])
    np.subtract(a2 * b0, a0 * b2, out=out[..., 1])
    np.subtract(a0 * b1, a1 * b0, out=out[..., 2])
    return out


def axis_angle_matrix(axis, angle):
    """Rotation matrices for axes (...,3) and angles (...) in radians (Rodrigues)."""
    axis = normalize(axis)
    angle = np.asarray(angle, dtype=float)
    x, y, z = axis[..., 0], axis[..., 1], axis[..., 2]
    c, s = np.cos(angle), np.sin(angle)
    C = 1.0 - c
    m = np.empty(np.broadcast(x, angle).shape + (3, 3))
    m[..., 0, 0] = c + x * x * C
    m[..., 0, 1] = x * y * C - z * s
    m[..., 0, 2] = x * z * C + y * s
    m[..., 1, 0] = y * x * C + z * s
    m[..., 1, 1] = c + y * y * C
    m[..., 1, 2] = y * z * C - x * s
    m[..., 2, 0] = z * x * C - y * s
    m[..., 2, 1] = z * y * C + x * s
    m[..., 2, 2] = c + z * z * C
    return m


def rotate(axis, angle, v):
    """Rotate vectors v about axis by angle (all broadcastable)."""
    return np.einsum("...ij,...j->...i", axis_angle_matrix(axis, angle), v)


def frame_from_y_z(y, z):
    """Orthonormal frame (columns x, y, z) with z exact and y made orthogonal to it."""
    z = normalize(z)
    y = np.asarray(y, dtype=float)
    y = normalize(y - np.sum(y * z, axis=-1, keepdims=True) * z)
    x = cross(y, z)
    return np.stack([x, y, z], axis=-1)


def rotation_between(a, b):
    """Minimal rotation matrices taking unit vectors a to b (...,3)."""
    a = normalize(a)
    b = normalize(b)
    v = cross(a, b)
    c = np.sum(a * b, axis=-1)
    s = np.sqrt(np.add.reduce(v * v, axis=-1))
    # antiparallel: pick any perpendicular axis
    perp = cross(a, np.array([1.0, 0.0, 0.0]))
    bad = np.sqrt(np.add.reduce(perp * perp, axis=-1)) < 1e-6
    perp = np.where(bad[..., None], cross(a, np.array([0.0, 1.0, 0.0])), perp)
    axis = np.where((s < 1e-9)[..., None], perp, v)
    return axis_angle_matrix(axis, np.arctan2(s, c))


def matrix_to_quat(m):
    """Rotation matrices (...,3,3) to unit quaternions (...,4) as w, x, y, z."""
    m = np.asarray(m, dtype=float)
    shape = m.shape[:-2]
    m = m.reshape(-1, 3, 3)
    q = np.empty((m.shape[0], 4))
    tr = m[:, 0, 0] + m[:, 1, 1] + m[:, 2, 2]
    cases = np.stack([tr, m[:, 0, 0], m[:, 1, 1], m[:, 2, 2]], axis=1).argmax(axis=1)
    for case in range(4):
        idx = cases == case
        if not idx.any():
            continue
        r = m[idx]
        if case == 0:
            s = np.sqrt(1.0 + r[:, 0, 0] + r[:, 1, 1] + r[:, 2, 2]) * 2
            q[idx] = np.stack([0.25 * s, (r[:, 2, 1] - r[:, 1, 2]) / s,
                               (r[:, 0, 2] - r[:, 2, 0]) / s, (r[:, 1, 0] - r[:, 0, 1]) / s], 1)
        elif case == 1:
            s = np.sqrt(1.0 + r[:, 0, 0] - r[:, 1, 1] - r[:, 2, 2]) * 2
            q[idx] = np.stack([(r[:, 2, 1] - r[:, 1, 2]) / s, 0.25 * s,
                               (r[:, 0, 1] + r[:, 1, 0]) / s, (r[:, 0, 2] + r[:, 2, 0]) / s], 1)
        elif case == 2:
            s = np.sqrt(1.0 + r[:, 1, 1] - r[:, 0, 0] - r[:, 2, 2]) * 2
            q[idx] = np.stack([(r[:, 0, 2] - r[:, 2, 0]) / s, (r[:, 0, 1] + r[:, 1, 0]) / s,
                               0.25 * s, (r[:, 1, 2] + r[:, 2, 1]) / s], 1)
        else:
            s = np.sqrt(1.0 + r[:, 2, 2] - r[:, 0, 0] - r[:, 1, 1]) * 2
            q[idx] = np.stack([(r[:, 1, 0] - r[:, 0, 1]) / s, (r[:, 0, 2] + r[:, 2, 0]) / s,
                               (r[:, 1, 2] + r[:, 2, 1]) / s, 0.25 * s], 1)
    q = normalize(q)
    return q.reshape(shape + (4,))


def quat_to_matrix(q):
    q = normalize(np.asarray(q, dtype=float))
    w, x, y, z = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    m = np.empty(q.shape[:-1] + (3, 3))
    m[..., 0, 0] = 1 - 2 * (y * y + z * z)
    m[..., 0, 1] = 2 * (x * y - z * w)
    m[..., 0, 2] = 2 * (x * z + y * w)
    m[..., 1, 0] = 2 * (x * y + z * w)
    m[..., 1, 1] = 1 - 2 * (x * x + z * z)
    m[..., 1, 2] = 2 * (y * z - x * w)
    m[..., 2, 0] = 2 * (x * z - y * w)
    m[..., 2, 1] = 2 * (y * z + x * w)
    m[..., 2, 2] = 1 - 2 * (x * x + y * y)
    return m


def quat_continuous(q, axis=0):
    """Flip signs along `axis` so consecutive quaternions stay in one hemisphere (no flips)."""
    q = np.moveaxis(np.asarray(q, dtype=float), axis, 0)
    if q.shape[0] < 2:
        return np.moveaxis(q.copy(), 0, axis)
    d = np.sum(q[1:] * q[:-1], axis=-1)
    sign = np.cumprod(np.where(d < 0, -1.0, 1.0), axis=0)
    out = q.copy()
    out[1:] *= sign[..., None]
    return np.moveaxis(out, 0, axis)


def slerp_matrices(r0, r1, t):
    """Rotation matrices interpolated from r0 to r1 with weights t (...)."""
    rel = np.einsum("...ji,...jk->...ik", r0, r1)  # r0^T r1
    q = matrix_to_quat(rel)
    q = np.where((q[..., :1] < 0), -q, q)
    angle = 2 * np.arctan2(np.linalg.norm(q[..., 1:], axis=-1), q[..., 0])
    axis = q[..., 1:]
    t = np.asarray(t, dtype=float)
    step = axis_angle_matrix(axis, angle * t)
    return np.einsum("...ij,...jk->...ik", r0, step)


def angle_between_matrices(r0, r1):
    """Geodesic angle (radians) between rotation matrices."""
    rel = np.einsum("...ji,...jk->...ik", r0, r1)
    tr = np.clip((np.trace(rel, axis1=-2, axis2=-1) - 1) / 2, -1.0, 1.0)
    return np.arccos(tr)
