"""Key reduction against an error budget, with Blender's own Bezier curve model.

Keys are written as Bezier with auto-clamped handles, so reduction must judge the curve Blender will
actually evaluate: `auto_clamped_handles` follows Blender's handle rule for F-curves (average slope,
0.39 x interval, flat at extremes and at the ends, no overshoot) and `evaluate` solves the cubic.
"""
import numpy as np

_K = 2.5614


def _handles(x, Y, firsts=None, lasts=None):
    """Auto-clamped handles for keys x (n,) and values Y (n, C): (hlx (n,), hly (n,C), hrx (n,), hry (n,C)).

    Handle x positions depend only on key spacing, so every channel keyed on the same frames shares them.
    `firsts`/`lasts`: indices of the first and last keys of several curves laid end to end (each of at least
    two keys), whose handles are each curve's own, as if computed alone.
    """
    n = len(x)
    if n == 1:
        return x - 1, Y.copy(), x + 1, Y.copy()
    if firsts is None:
        firsts, lasts = np.array([0]), np.array([n - 1])
    px = np.concatenate([[0.0], x[:-1]])
    nx = np.concatenate([x[1:], [0.0]])
    py = np.concatenate([Y[:1], Y[:-1]])
    ny = np.concatenate([Y[1:], Y[-1:]])
    px[firsts] = 2 * x[firsts] - x[firsts + 1]
    nx[lasts] = 2 * x[lasts] - x[lasts - 1]
    py[firsts] = 2 * Y[firsts] - Y[firsts + 1]
    ny[lasts] = 2 * Y[lasts] - Y[lasts - 1]
    da_x, db_x = x - px, nx - x
    len_a = np.where(da_x == 0, 1.0, da_x)
    len_b = np.where(db_x == 0, 1.0, db_x)
    tx = db_x / len_b + da_x / len_a
    ty = (ny - Y) / len_b[:, None] + (Y - py) / len_a[:, None]
    ln = tx * _K
    la = np.minimum(len_a, 5 * len_b) / ln
    lb = np.minimum(len_b, 5 * len_a) / ln
    hlx, hrx = x - tx * la, x + tx * lb
    hly = Y - ty * la[:, None]
    hry = Y + ty * lb[:, None]
    inner = np.ones((n, 1), bool)
    inner[firsts] = False
    inner[lasts] = False
    yd1 = py - Y
    yd2 = ny - Y
    extreme = inner & (((yd1 <= 0) & (yd2 <= 0)) | ((yd1 >= 0) & (yd2 >= 0)))
    hly = np.where(extreme, Y, hly)
    hry = np.where(extreme, Y, hry)
    mono = inner & ~extreme
    # left handle must not pass the previous key's value, right handle the next key's
    lviol = mono & (((yd1 <= 0) & (py > hly)) | ((yd1 > 0) & (py < hly)))
    hly = np.where(lviol, py, hly)
    rviol = mono & (((yd2 <= 0) & (ny > hry)) | ((yd2 > 0) & (ny < hry)))
    hry = np.where(rviol, ny, hry)
    h1x = (hlx - x)[:, None]
    h2x = (x - hrx)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        new_r = Y + ((Y - hly) / h1x) * h2x
        new_l = Y + ((Y - hry) / h2x) * h1x
    hry = np.where(lviol, new_r, hry)
    hly = np.where(rviol & ~lviol, new_l, hly)
    # first and last keys are flat (constant extrapolation)
    ends = np.concatenate([firsts, lasts])
    hly[ends] = Y[ends]
    hry[ends] = Y[ends]
    return hlx, hly, hrx, hry


def auto_clamped_handles(x, y):
    """Left/right handles ((n,2) each) for keys (x (n,), y (n,)) like Blender's HD_AUTO_ANIM."""
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    hlx, hly, hrx, hry = _handles(x, y[:, None])
    return np.stack([hlx, hly[:, 0]], -1), np.stack([hrx, hry[:, 0]], -1)


def _segment_params(kx, hlx, hrx, frames, seg=None):
    """Segment index and Bezier parameter t of every frame: x(t) is a monotonic cubic, so Newton's
    method from the linear guess converges in a few steps (checked against bisection to 1e-9)."""
    if seg is None:
        seg = np.clip(np.searchsorted(kx, frames, side="right") - 1, 0, len(kx) - 2)
    x0, x1, x2, x3 = kx[seg], hrx[seg], hlx[seg + 1], kx[seg + 1]
    # x(t) as a cubic polynomial c3 t^3 + c2 t^2 + c1 t + x0
    c1 = 3 * (x1 - x0)
    c2 = 3 * (x0 - 2 * x1 + x2)
    c3 = x3 - x0 + 3 * (x1 - x2)
    t = np.clip((frames - x0) / np.maximum(x3 - x0, 1e-12), 0.0, 1.0)
    for _ in range(8):
        f = ((c3 * t + c2) * t + c1) * t + x0 - frames
        df = (3 * c3 * t + 2 * c2) * t + c1
        t = np.clip(t - f / np.where(np.abs(df) > 1e-12, df, 1e-12), 0.0, 1.0)
    return seg, t


def evaluate(kx, ky, frames, handles=None):
    """Values of the Bezier F-curves through keys (kx, ky) at `frames`; ky (n,) or (n, channels).

    `handles`: optional (hlx, hly, hrx, hry) from `_handles`, to skip recomputing them.
    """
    kx = np.asarray(kx, float)
    ky = np.asarray(ky, float)
    frames = np.asarray(frames, float)
    if ky.ndim == 1:
        return evaluate(kx, ky[:, None], frames, handles)[:, 0]
    if len(kx) == 1:
        return np.repeat(ky[:1], len(frames), axis=0)
    hlx, hly, hrx, hry = handles if handles is not None else _handles(kx, ky)
    seg, t = _segment_params(kx, hlx, hrx, frames)
    t = t[:, None]
    mt = 1 - t
    val = (mt ** 3 * ky[seg] + 3 * mt ** 2 * t * hry[seg] + 3 * mt * t ** 2 * hly[seg + 1]
           + t ** 3 * ky[seg + 1])
    val = np.where((frames <= kx[0])[:, None], ky[:1], val)
    return np.where((frames >= kx[-1])[:, None], ky[-1:], val)


def evaluate_many(keys, values, frames):
    """`evaluate` of several curves at once, each (key indices (n_g,) into frames, values (T, C_g)) on the
    same integer frames (T,): [(T, C_g)], the same numbers as one by one, in one pass per channel count (a
    live edit reduces a dozen groups of a short window, where the fixed cost of each pass dominated)."""
    out = [None] * len(keys)
    by_width = {}
    for i, v in enumerate(values):
        by_width.setdefault(v.shape[1], []).append(i)
    for idx in by_width.values():
        for i, rec in zip(idx, _evaluate_block([keys[i] for i in idx], [values[i] for i in idx], frames)):
            out[i] = rec
    return out


def _evaluate_block(keys, values, frames):
    """`evaluate_many` of curves with as many channels each."""
    T = len(frames)
    n = np.array([len(k) for k in keys])
    if len(keys) == 1 or n.min() < 2:
        return [evaluate(k.astype(float), v[k], frames) for k, v in zip(keys, values)]
    off = np.concatenate([[0], np.cumsum(n)[:-1]])
    kx = np.concatenate(keys).astype(float)
    ky = np.concatenate([v[k] for k, v in zip(keys, values)])
    firsts, lasts = off, off + n - 1
    hlx, hly, hrx, hry = _handles(kx, ky, firsts, lasts)
    G = len(keys)
    F = np.tile(np.asarray(frames, float), G)
    # each frame's segment within its own curve: a search over the keys laid end to end, T + 1 apart
    stride = float(T + 1)
    gi = np.repeat(np.arange(G), T)
    seg = np.searchsorted(kx + np.repeat(np.arange(G) * stride, n), F + gi * stride, side="right") - 1
    seg = np.clip(seg, firsts[gi], lasts[gi] - 1)
    seg, t = _segment_params(kx, hlx, hrx, F, seg)
    t = t[:, None]
    mt = 1 - t
    val = (mt ** 3 * ky[seg] + 3 * mt ** 2 * t * hry[seg] + 3 * mt * t ** 2 * hly[seg + 1]
           + t ** 3 * ky[seg + 1])
    val = np.where((F <= kx[firsts][gi])[:, None], ky[firsts][gi], val)
    val = np.where((F >= kx[lasts][gi])[:, None], ky[lasts][gi], val)
    return [val[g * T:(g + 1) * T] for g in range(G)]


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


def reduce_keys_many(problems, max_rounds=60):
    """`reduce_keys` of several curves on the same frames, [(values (T, C), error_fn, tol, fixed)], in
    lock step: each round evaluates every unfinished one in one pass (`evaluate_many`). The keys are
    those `reduce_keys` chooses for each alone."""
    out = [None] * len(problems)
    todo = []
    frames = None
    for i, (values, error_fn, tol, fixed) in enumerate(problems):
        values = np.asarray(values, float)
        T = len(values)
        if T <= 2:
            out[i] = np.arange(T)
            continue
        frames = np.arange(T, dtype=float)
        keys = set(int(f) for f in fixed if 0 <= f < T) | {0, T - 1} | set(hold_bounds(values).tolist())
        todo.append((i, values, error_fn, tol, keys))
    if len({len(p[1]) for p in todo}) > 1:
        raise ValueError("reduce_keys_many: the curves must share their frames")
    for _ in range(max_rounds):
        if not todo:
            break
        ks = [np.array(sorted(p[4])) for p in todo]
        recs = evaluate_many(ks, [p[1] for p in todo], frames)
        left = []
        for (i, values, error_fn, tol, keys), k, rec in zip(todo, ks, recs):
            err = error_fn(rec)
            err[k] = 0.0
            if err.max() <= tol or not _add_keys(keys, k, err, tol, frames):
                out[i] = np.array(sorted(keys))
            else:
                left.append((i, values, error_fn, tol, keys))
        todo = left
    for i, _v, _f, _t, keys in todo:
        out[i] = np.array(sorted(keys))
    return out


def _add_keys(keys, k, err, tol, frames):
    """One round of `reduce_keys`: the worst frame of every interval over budget joins `keys`."""
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
    return added


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
        if err.max() <= tol or not _add_keys(keys, k, err, tol, frames):
            break
    return np.array(sorted(keys))
