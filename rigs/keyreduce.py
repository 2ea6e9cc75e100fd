"""Key reduction against an error budget, with Blender's own Bezier curve model.

Keys are written as Bezier with auto-clamped handles, so reduction must judge the curve Blender will
actually evaluate: `auto_clamped_handles` follows Blender's handle rule for F-curves (average slope,
0.39 x interval, flat at extremes and at the ends, no overshoot) and `evaluate` solves the cubic.
"""
import numpy as np

_K = 2.5614


def auto_clamped_handles(x, y):
    """Left/right handles ((n,2) each) for keys (x (n,), y (n,)) like Blender's HD_AUTO_ANIM."""
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    n = len(x)
    if n == 1:
        return np.array([[x[0] - 1, y[0]]]), np.array([[x[0] + 1, y[0]]])
    px = np.concatenate([[2 * x[0] - x[1]], x[:-1]])
    py = np.concatenate([[2 * y[0] - y[1]], y[:-1]])
    nx = np.concatenate([x[1:], [2 * x[-1] - x[-2]]])
    ny = np.concatenate([y[1:], [2 * y[-1] - y[-2]]])
    da_x, da_y = x - px, y - py
    db_x, db_y = nx - x, ny - y
    len_a = np.where(da_x == 0, 1.0, da_x)
    len_b = np.where(db_x == 0, 1.0, db_x)
    tx = db_x / len_b + da_x / len_a
    ty = db_y / len_b + da_y / len_a
    ln = tx * _K
    la = np.minimum(len_a, 5 * len_b) / ln
    lb = np.minimum(len_b, 5 * len_a) / ln
    hl = np.stack([x - tx * la, y - ty * la], -1)
    hr = np.stack([x + tx * lb, y + ty * lb], -1)
    inner = np.zeros(n, bool)
    inner[1:-1] = True
    yd1 = py - y
    yd2 = ny - y
    extreme = inner & (((yd1 <= 0) & (yd2 <= 0)) | ((yd1 >= 0) & (yd2 >= 0)))
    lviol = extreme.copy()
    rviol = extreme.copy()
    hl[extreme, 1] = y[extreme]
    hr[extreme, 1] = y[extreme]
    mono = inner & ~extreme
    # left handle must not pass the previous key's value, right handle the next key's
    up = mono & (yd1 <= 0)
    dn = mono & (yd1 > 0)
    c = up & (py > hl[:, 1])
    hl[c, 1] = py[c]
    lviol |= c
    c = dn & (py < hl[:, 1])
    hl[c, 1] = py[c]
    lviol |= c
    up2 = mono & (yd2 <= 0)
    dn2 = mono & (yd2 > 0)
    c = up2 & (ny > hr[:, 1])
    hr[c, 1] = ny[c]
    rviol |= c
    c = dn2 & (ny < hr[:, 1])
    hr[c, 1] = ny[c]
    rviol |= c
    fix = (lviol | rviol) & ~extreme
    h1x = hl[:, 0] - x
    h2x = x - hr[:, 0]
    a = fix & lviol
    hr[a, 1] = y[a] + ((y[a] - hl[a, 1]) / h1x[a]) * h2x[a]
    b = fix & ~lviol
    hl[b, 1] = y[b] + ((y[b] - hr[b, 1]) / h2x[b]) * h1x[b]
    # first and last keys are flat (constant extrapolation)
    for i in (0, n - 1):
        hl[i, 1] = hr[i, 1] = y[i]
    return hl, hr


def evaluate(kx, ky, frames, handles=None):
    """Values of the Bezier F-curve through keys (kx, ky) at `frames` (any shape of channels on axis 1)."""
    kx = np.asarray(kx, float)
    ky = np.asarray(ky, float)
    frames = np.asarray(frames, float)
    if ky.ndim == 1:
        return evaluate(kx, ky[:, None], frames, handles)[:, 0]
    out = np.empty((len(frames), ky.shape[1]))
    if len(kx) == 1:
        out[:] = ky[0]
        return out
    seg = np.clip(np.searchsorted(kx, frames, side="right") - 1, 0, len(kx) - 2)
    for c in range(ky.shape[1]):
        hl, hr = handles[c] if handles is not None else auto_clamped_handles(kx, ky[:, c])
        x0, y0 = kx[seg], ky[seg, c]
        x1, y1 = hr[seg, 0], hr[seg, 1]
        x2, y2 = hl[seg + 1, 0], hl[seg + 1, 1]
        x3, y3 = kx[seg + 1], ky[seg + 1, c]
        lo = np.zeros_like(frames)
        hi = np.ones_like(frames)
        for _ in range(40):  # x(t) is monotonic: bisection is exact enough and vectorised
            t = (lo + hi) * 0.5
            mt = 1 - t
            xt = mt ** 3 * x0 + 3 * mt ** 2 * t * x1 + 3 * mt * t ** 2 * x2 + t ** 3 * x3
            big = xt > frames
            hi = np.where(big, t, hi)
            lo = np.where(big, lo, t)
        t = (lo + hi) * 0.5
        mt = 1 - t
        val = mt ** 3 * y0 + 3 * mt ** 2 * t * y1 + 3 * mt * t ** 2 * y2 + t ** 3 * y3
        val = np.where(frames <= kx[0], ky[0, c], val)
        out[:, c] = np.where(frames >= kx[-1], ky[-1, c], val)
    return out


def hold_bounds(values, rel=2e-3):
    """First and last frame of every run where all channels stand still (a hold between strokes).

    Signing is strokes between holds; auto-clamped keys at the hold ends are flat, which is exactly
    the shape of a minimum-jerk stroke, so these seeds leave little for the greedy pass to add.
    """
    v = np.asarray(values, float)
    if len(v) < 3:
        return np.arange(len(v))
    rng = np.maximum(np.ptp(v, axis=0), 1e-9)
    speed = np.abs(np.diff(v, axis=0) / rng).max(axis=1)
    still = speed < rel * max(speed.max(), 1e-12)
    edges = np.flatnonzero(np.diff(still.astype(np.int8)))
    out = set()
    for e in edges:           # transition between moving and still at diff index e -> frames e+1
        out.add(int(e + 1))
    return np.array(sorted(out), dtype=int)


def reduce_keys(values, error_fn, tol, fixed=(), max_rounds=60):
    """Key indices (sorted) so the Bezier through them keeps error_fn(reconstruction) <= tol.

    values: (T, C) channel samples on integer frames 0..T-1. error_fn maps a (T, C) reconstruction
    to per-frame errors (T,). Each round adds the worst frame of every interval that breaks the budget.
    """
    values = np.asarray(values, float)
    T = len(values)
    if T <= 2:
        return np.arange(T)
    frames = np.arange(T, dtype=float)
    keys = set(int(f) for f in fixed if 0 <= f < T) | {0, T - 1} | set(hold_bounds(values).tolist())
    for _ in range(max_rounds):
        k = np.array(sorted(keys))
        rec = evaluate(k.astype(float), values[k], frames)
        err = error_fn(rec)
        err[k] = 0.0
        if err.max() <= tol:
            break
        seg = np.searchsorted(k, frames, side="right") - 1
        bad = err > tol
        added = False
        for s in np.unique(seg[bad]):
            m = np.where(seg == s, err, -1.0)
            worst = int(m.argmax())
            a, b = k[s], k[min(s + 1, len(k) - 1)]
            # the worst frame hugging a key means a slope problem: split the interval instead
            if b - a > 3 and min(worst - a, b - worst) < 0.25 * (b - a):
                worst = (a + b) // 2
            keys.add(worst)
            added = True
        if not added:
            break
    return np.array(sorted(keys))
