"""Key reduction against an error budget, with Blender's own Bezier curve model.

Keys are written as Bezier with auto-clamped handles, so reduction must judge the curve Blender will
actually evaluate: `auto_clamped_handles` follows Blender's handle rule for F-curves (average slope,
0.39 x interval, flat at extremes and at the ends, no overshoot) and `evaluate` solves the cubic.
"""
import numpy as np

_K = 2.5614


def _handles(x, Y):
    """Auto-clamped handles for keys x (n,) and values Y (n, C): (hlx (n,), hly (n,C), hrx (n,), hry (n,C)).

    Handle x positions depend only on key spacing, so every channel keyed on the same frames shares them.
    """
    return _curves_handles(x, Y, *_ends(len(x)))


def _ends(n):
    first = np.zeros(n, bool)
    last = np.zeros(n, bool)
    first[0] = last[-1] = True
    return first, last


def _curves_handles(x, Y, first, last):
    """`_handles` of several curves laid end to end: `first` / `last` (n,) mark each curve's end keys."""
    n = len(x)
    if n == 1:
        return x - 1, Y.copy(), x + 1, Y.copy()
    px = np.concatenate([[x[0]], x[:-1]])
    nx = np.concatenate([x[1:], [x[-1]]])
    py = np.concatenate([Y[:1], Y[:-1]])
    ny = np.concatenate([Y[1:], Y[-1:]])
    return _key_handles(px, py, x, Y, nx, ny, first, last)


def _key_handles(px, py, x, Y, nx, ny, first, last):
    """Handles of keys (x (m,), Y (m,C)) from their previous (px, py) and next (nx, ny) keys; `first` /
    `last` (m,) mark a key with no previous / next one (its neighbour there is ignored): Blender's rule.

    Keys need not belong to one curve, so key reduction can ask for the handles a key would get with
    another neighbour (a key between them removed) without rebuilding the curve."""
    px = np.where(first, 2 * x - nx, px)
    nx = np.where(last, 2 * x - px, nx)
    f, l_ = first[:, None], last[:, None]
    py = np.where(f, 2 * Y - ny, py)
    ny = np.where(l_, 2 * Y - py, ny)
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
    inner = ~(f | l_)
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
    hly = np.where(f | l_, Y, hly)
    hry = np.where(f | l_, Y, hry)
    return hlx, hly, hrx, hry


def auto_clamped_handles(x, y):
    """Left/right handles ((n,2) each) for keys (x (n,), y (n,)) like Blender's HD_AUTO_ANIM."""
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    hlx, hly, hrx, hry = _handles(x, y[:, None])
    return np.stack([hlx, hly[:, 0]], -1), np.stack([hrx, hry[:, 0]], -1)


def _bezier_t(x0, x1, x2, x3, frames):
    """Bezier parameter t where x(t) = frames on segments with control x's (x0, x1, x2, x3): x(t) is a
    monotonic cubic, so Newton's method from the linear guess converges in a few steps (5 steps: within
    1e-10 of the exact t on random key spacings)."""
    c1 = 3 * (x1 - x0)
    c2 = 3 * (x0 - 2 * x1 + x2)
    c3 = x3 - x0 + 3 * (x1 - x2)
    t = np.clip((frames - x0) / np.maximum(x3 - x0, 1e-12), 0.0, 1.0)
    for _ in range(5):
        f = ((c3 * t + c2) * t + c1) * t + x0 - frames
        df = (3 * c3 * t + 2 * c2) * t + c1
        t = np.clip(t - f / np.where(np.abs(df) > 1e-12, df, 1e-12), 0.0, 1.0)
    return t


def _bezier(y0, y1, y2, y3, t):
    t = t[:, None]
    mt = 1 - t
    return mt ** 3 * y0 + 3 * mt ** 2 * t * y1 + 3 * mt * t ** 2 * y2 + t ** 3 * y3


def _segment_params(kx, hlx, hrx, frames, seg=None):
    """Segment index and Bezier parameter t of every frame (`seg`: the segments, when already known)."""
    if seg is None:
        seg = np.clip(np.searchsorted(kx, frames, side="right") - 1, 0, len(kx) - 2)
    return seg, _bezier_t(kx[seg], hrx[seg], hlx[seg + 1], kx[seg + 1], frames)


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
    val = _bezier(ky[seg], hry[seg], hly[seg + 1], ky[seg + 1], t)
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
    first = np.zeros(len(kx), bool)
    last = np.zeros(len(kx), bool)
    first[firsts] = last[lasts] = True
    hlx, hly, hrx, hry = _curves_handles(kx, ky, first, last)
    G = len(keys)
    F = np.tile(np.asarray(frames, float), G)
    # each frame's segment within its own curve: a search over the keys laid end to end, T + 1 apart
    stride = float(T + 1)
    gi = np.repeat(np.arange(G), T)
    seg = np.searchsorted(kx + np.repeat(np.arange(G) * stride, n), F + gi * stride, side="right") - 1
    seg = np.clip(seg, firsts[gi], lasts[gi] - 1)
    seg, t = _segment_params(kx, hlx, hrx, F, seg)
    val = _bezier(ky[seg], hry[seg], hly[seg + 1], ky[seg + 1], t)
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


def _add_keys(keys, k, err, tol, frames):
    """One round of `reduce_keys`: the worst frame of every interval over budget joins `keys`
    (False when none is over budget)."""
    seg = np.searchsorted(k, frames, side="right") - 1
    # the worst frame of every interval (the first of equal ones), for the intervals over budget
    order = np.lexsort((-err, seg))
    so = seg[order]
    head = order[np.concatenate(([True], so[1:] != so[:-1]))]
    worst = head[err[head] > tol]
    if not len(worst):
        return False
    s_ = seg[worst]
    a, b = k[s_], k[np.minimum(s_ + 1, len(k) - 1)]
    # the worst frame hugging a key means a slope problem: split the interval instead
    hug = (b - a > 3) & (np.minimum(worst - a, b - worst) < 0.25 * (b - a))
    keys.update(np.where(hug, (a + b) // 2, worst).tolist())
    return True


def still_frames(values, rel=2e-3):
    """(T,) True on frames where every channel stands still on both sides (inside a hold), as
    `hold_bounds` judges it: a key there repeats its neighbours and the curve is flat through it."""
    v = np.asarray(values, float)
    T = len(v)
    out = np.zeros(T, bool)
    if T < 3:
        return out
    rng = np.maximum(np.ptp(v, axis=0), 1e-9)
    speed = np.abs(np.diff(v, axis=0) / rng).max(axis=1)
    still = speed < rel * max(speed.max(), 1e-12)
    out[1:-1] = still[:-1] & still[1:]
    return out


def _without_one(kx, Y, idx, first, last):
    """The curve near each key idx (m,) if that key alone were removed: (frames (M,), values (M, C), owner
    (M,) = which candidate) over the span it changes, from key idx-2 to key idx+2 (within its curve:
    `first` / `last` mark curve ends, see `_curves_handles`). Removal changes the handles of keys idx-1
    and idx+1 only; every candidate is computed at once. Candidates are never a curve's end key."""
    hlx, hly, hrx, hry = _curves_handles(kx, Y, first, last)
    a, b = idx - 1, idx + 1
    fa, lb = first[a], last[b]
    ap, bn = np.where(fa, a, a - 1), np.where(lb, b, b + 1)
    # key a with neighbours (a-1, b), key b with neighbours (a, b+1): both in one call
    no = np.zeros(len(idx), bool)
    c = np.concatenate
    H = _key_handles(c((kx[ap], kx[a])), c((Y[ap], Y[a])), c((kx[a], kx[b])), c((Y[a], Y[b])),
                     c((kx[b], kx[bn])), c((Y[b], Y[bn])), c((fa, no)), c((no, lb)))
    m = len(idx)
    Ahlx, Bhlx = H[0][:m], H[0][m:]
    Ahly, Bhly = H[1][:m], H[1][m:]
    Ahrx, Bhrx = H[2][:m], H[2][m:]
    Ahry, Bhry = H[3][:m], H[3][m:]
    # three segments per candidate: (a-1 -> a), (a -> b), (b -> b+1); the outer ones absent at curve ends
    owner = np.repeat(np.arange(m), 3)
    x0 = np.stack([kx[ap], kx[a], kx[b]], 1).ravel()
    x3 = np.stack([kx[a], kx[b], kx[bn]], 1).ravel()
    x1 = np.stack([hrx[ap], Ahrx, Bhrx], 1).ravel()
    x2 = np.stack([Ahlx, Bhlx, hlx[bn]], 1).ravel()
    y0 = np.stack([Y[ap], Y[a], Y[b]], 1).reshape(3 * m, -1)
    y3 = np.stack([Y[a], Y[b], Y[bn]], 1).reshape(3 * m, -1)
    y1 = np.stack([hry[ap], Ahry, Bhry], 1).reshape(3 * m, -1)
    y2 = np.stack([Ahly, Bhly, hly[bn]], 1).reshape(3 * m, -1)
    L = (x3 - x0).astype(int) + 1
    L[x3 <= x0] = 0                    # an absent outer segment
    seg = np.repeat(np.arange(3 * m), L)
    start = np.cumsum(L) - L
    f = x0[seg] + (np.arange(len(seg)) - start[seg])
    t = _bezier_t(x0[seg], x1[seg], x2[seg], x3[seg], f)
    return f.astype(int), _bezier(y0[seg], y1[seg], y2[seg], y3[seg], t), owner[seg]


def thin_keys(values, keys, error_fn, tol, protect=(), max_passes=8):
    """Drop keys the budget does not need (one curve; see `thin_many`). values (T, C)."""
    return thin_many([(values, keys, error_fn, tol, protect)], max_passes)[0]


def thin_many(curves, max_passes=8):
    """Drop keys the budget does not need, for independent curves at once: [(values (T, C), keys,
    error_fn, tol, protect)] -> [keys]. The greedy pass of `reduce_keys` seeds every hold's ends and adds
    keys one interval at a time, and keys shared by several curves serve the one that needs them; this
    leaves keys whose neighbours alone keep the error in budget.

    Each pass computes, for every key still worth trying, the error over the span its removal changes
    (key-2 to key+2; `_without_one`), then removes keys that keep it <= tol, at least four keys apart (so
    their spans only touch at keys, where the curve is exact). A key is tried again only after a neighbour
    went. error_fn(rec, idx) gives the errors of curve values `rec` (M, C) at frames `idx` (M,), repeats
    allowed. `protect`ed frames and both ends stay. The curves are laid end to end, so a pass over all of
    them costs about what one curve's does.
    """
    if not curves:
        return []
    kx, ky, cid, prot = [], [], [], []
    off = 0
    offsets = []
    for c, (values, keys, _fn, _tol, protect) in enumerate(curves):
        values = np.asarray(values, float)
        T = len(values)
        keys = np.asarray(keys, dtype=int)
        pr = np.zeros(T, bool)
        pr[[0, T - 1]] = True
        p = np.asarray([int(f) for f in protect if 0 <= f < T], dtype=int)
        pr[p] = True
        kx.append(keys + off)
        ky.append(values[keys])
        cid.append(np.full(len(keys), c))
        prot.append(pr[keys] | (keys == keys[0]) | (keys == keys[-1]))
        offsets.append(off)
        off += T + 2
    kx, ky, cid, prot = np.concatenate(kx), np.concatenate(ky), np.concatenate(cid), np.concatenate(prot)
    offsets = np.array(offsets)
    cand = ~prot
    tols = np.array([c[3] for c in curves], float)
    for _ in range(max_passes):
        n = len(kx)
        idx = np.flatnonzero(cand)
        if not len(idx):
            break
        step = cid[1:] != cid[:-1]
        first = np.concatenate(([True], step))
        last = np.concatenate((step, [True]))
        f, rec, owner = _without_one(kx.astype(float), ky, idx, first, last)
        which = cid[idx][owner]         # non-decreasing: candidates come in key order
        err = np.empty(len(f))
        starts = np.flatnonzero(np.concatenate(([True], which[1:] != which[:-1])))
        cs, bounds = which[starts], np.append(starts, len(which))
        for c, a, b in zip(cs.tolist(), bounds[:-1], bounds[1:]):   # each curve's own error function
            err[a:b] = curves[c][2](rec[a:b], f[a:b] - offsets[c])
        worst = np.full(len(idx), -np.inf)
        np.maximum.at(worst, owner, err)
        cand[:] = False
        ok = idx[worst <= tols[cid[idx]]]
        if not len(ok):
            break
        gone = []
        last_i = -4
        for i in ok.tolist():      # greedily, four keys apart
            if i - last_i >= 4:
                gone.append(i)
                last_i = i
            else:
                cand[i] = True     # in budget alone: tried again next pass
        gone = np.array(gone)
        near = (gone[:, None] + np.array([-2, -1, 1, 2])[None]).ravel()
        cand[near[(near >= 0) & (near < n)]] = True
        keep = np.ones(n, bool)
        keep[gone] = False
        kx, ky, cid, prot, cand = kx[keep], ky[keep], cid[keep], prot[keep], cand[keep]
        cand &= ~prot
    return [kx[cid == c] - offsets[c] for c in range(len(curves))]
