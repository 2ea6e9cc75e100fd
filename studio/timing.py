"""Fit signing into subtitle cue windows and stitch per-cue pose tracks into one track. No bpy.

Each cue is synthesised on its own (it starts and ends at the rest pose), so cues are independent:
one cue can be re-fitted without touching the others, and the gaps between them are exact rest holds.
"""
from dataclasses import dataclass, field, replace

import numpy as np

from ..inference.synthesis import minjerk
from ..inference.track import PoseTrack
from ..inference.transforms import slerp_matrices
from .subtitles import timecode  # noqa: F401  (used as timing.timecode)

RATE_LIMITS = (0.7, 2.5)   # with the signs/s cap (studio.interpret) keeping it readable


def fit_rate(measure, window, lo=RATE_LIMITS[0], hi=RATE_LIMITS[1], tries=8, refine=5):
    """Signing rate in [lo, hi] whose length `measure(rate)` (frames) best fills `window` frames.

    Returns (rate, frames, fits). The synthesiser's lead-in and holds do not scale with the rate and
    lengths are whole frames, so the length is not n(1)/rate: step up from the measured length, then
    bisect back toward the slowest rate that still fits (never faster than needed by more than ~1 %).
    """
    if window <= 0:
        raise ValueError("window must be positive")
    n1 = measure(1.0)
    rate = float(np.clip(n1 / window, lo, hi))
    n = n1 if rate == 1.0 else measure(rate)
    slow = 1.0 if n1 > window and rate > 1.0 else None   # fastest rate known not to fit
    for _ in range(tries):
        if n <= window or rate >= hi:
            break
        slow = rate
        rate = float(min(hi, rate * max(n / window, 1.0 + 1e-3) * 1.01))
        n = measure(rate)
    if n > window and rate < hi:                  # the steps ran out: the fastest allowed decides
        slow, rate = rate, hi
        n = measure(rate)
    if n <= window and slow is not None:
        for _ in range(refine):                   # slowest fitting rate in (slow, rate]
            if rate - slow < 0.01 * rate:
                break
            mid = 0.5 * (slow + rate)
            m = measure(mid)
            if m <= window:
                rate, n = mid, m
            else:
                slow = mid
    return rate, n, n <= window


def seconds_to_frame(t, fps):
    return int(round(t * fps))




@dataclass
class Placement:
    """Where one cue's signing lands (frames are offsets from the scene's start frame = time 0)."""
    cue: object
    items: list
    track: object = None
    rate: float = 1.0
    start: int = 0
    frames: int = 0
    window: int = 0
    plan: object = None     # KeyPlan (a solve group's, see SignJob._solve_group)
    key: object = None      # cache key of this cue's placement
    status: str = "ok"      # ok | lagging (behind, within the lag) | condensed | overrun | skipped | empty | error
    delay: int = 0          # frames later than the cue's start
    message: str = ""
    error: str = ""         # why the cue produced no signing (the bare message, for a single text)
    dropped: list = field(default_factory=list)   # glosses condensation left out (reported, reviewable)

    @property
    def end(self):
        return self.start + self.frames


def ease_to_rest(track, n_ease):
    """Blend the track's final hold into its own first frame (the rest pose) over n_ease frames.

    The synthesiser's last transition stops one step short of rest; easing the static tail makes every
    track end exactly where the next one starts, so stitched tracks are continuous.
    """
    T = track.n_frames
    k = int(min(max(n_ease, 1), T - 1))
    w = minjerk(np.linspace(0.0, 1.0, k + 1)[1:])
    a = slice(T - k, T)
    out = {}
    for name in ("wrist", "hand_params", "elbow", "head", "brows"):
        arr = getattr(track, name).copy()
        first = arr[0]
        ww = w.reshape((k,) + (1,) * (arr.ndim - 1))
        arr[a] = arr[a] * (1 - ww) + first * ww
        out[name] = arr
    palm = track.palm.copy()
    for h in range(palm.shape[1]):
        palm[a, h] = slerp_matrices(palm[a, h], np.repeat(palm[:1, h], k, 0), w)
    out["palm"] = palm
    out["face"] = {}
    for n, v in track.face.items():
        v = v.copy()
        v[a] = v[a] * (1 - w) + v[0] * w
        out["face"][n] = v
    return replace(track, **out, segments=list(track.segments))


def stitch(placements, total=None):
    """One PoseTrack from placed per-cue tracks; gaps hold the rest pose. Segments are shifted."""
    placed = [p for p in placements if p.track is not None]
    if not placed:
        raise ValueError("nothing to stitch")
    ref = placed[0].track
    T = max(p.end for p in placed)
    T = max(T, int(total or 0))
    arrays = {}
    for name in ("wrist", "palm", "hand_params", "elbow", "head", "brows"):
        src = getattr(ref, name)
        arrays[name] = np.repeat(src[:1], T, axis=0)
    segments = []
    for p in sorted(placed, key=lambda p: p.start):
        tr = p.track
        s = slice(p.start, p.start + tr.n_frames)
        for name in arrays:
            arrays[name][s] = getattr(tr, name)
        for seg in tr.segments:
            segments.append(replace(seg, start=seg.start + p.start, end=seg.end + p.start))
    face = {}
    for p in placed:     # face channels: zero (rest) outside the cues that move them
        for n, v in p.track.face.items():
            face.setdefault(n, np.zeros(T))[p.start:p.start + p.track.n_frames] = v
    contact = None       # touching points: the wrist (0) outside the cues' contact signs
    for p in placed:
        if p.track.contact is not None:
            if contact is None:
                contact = np.zeros((T,) + p.track.contact.shape[1:])
            contact[p.start:p.start + p.track.n_frames] = p.track.contact
    out = PoseTrack(ref.fps, ref.body, arrays["wrist"], arrays["palm"], arrays["hand_params"],
                    arrays["elbow"], arrays["head"], arrays["brows"], segments, ref.hand_scale, face, contact)
    return out


def merge_plans(placements, n_frames):
    """One KeyPlan from per-cue plans, keys shifted to each cue's start.

    Correct because every cue track begins and ends at the exact rest pose: the last key of one cue and
    the first of the next hold the same values, so the Bezier between them (flat, auto-clamped) stays at
    rest through the gap. A channel a cue does not key (the head, when the cue has no question or
    negation) is held at its neutral value, the value other cues start from. Returns None when nothing
    was planned.
    """
    from ..rigs.keyplan import CurveKeys, KeyPlan
    placed = [p for p in placements if p.plan is not None]
    if not placed:
        return None
    order, proto = [], {}
    for p in placed:
        for c in p.plan.curves:
            k = (c.bone, c.path, c.index)
            if k not in proto:
                order.append(k)
                proto[k] = c
    # quaternions: each cue's solution picks its own sign; keep every rotation on the sign of the previous
    # cue, or the keys across the rest gap would interpolate through the opposite hemisphere (a spin)
    flip = {}
    last = {}
    for j, p in enumerate(placed):
        quats = {}
        for c in p.plan.curves:
            if c.path == "rotation_quaternion" and len(c.values):
                quats.setdefault(c.bone, {})[c.index] = c
        for bone, comp in quats.items():
            if len(comp) != 4:
                continue
            first = np.array([comp[i].values[0] for i in range(4)])
            end = np.array([comp[i].values[-1] for i in range(4)])
            sign = -1.0 if bone in last and float(last[bone] @ first) < 0 else 1.0
            flip[(j, bone)] = sign
            last[bone] = end * sign
    curves = []
    for k in order:
        c0 = proto[k]
        if c0.group.startswith("props"):
            curves.append(c0)
            continue
        neutral = float(c0.values[0])
        frames, values = [], []
        for j, p in enumerate(placed):
            c = next((c for c in p.plan.curves if (c.bone, c.path, c.index) == k), None)
            if c is None:
                frames.append(np.array([0, max(p.frames - 1, 0)]) + p.start)
                values.append(np.full(2, neutral))
            else:
                frames.append(c.frames + p.start)
                sign = flip.get((j, c.bone), 1.0) if c.path == "rotation_quaternion" else 1.0
                values.append(c.values * sign)
        curves.append(CurveKeys(c0.bone, c0.path, c0.index, np.concatenate(frames), np.concatenate(values), c0.group))
    warnings = list(dict.fromkeys(w for p in placed for w in p.plan.warnings))
    max_error = {}
    for p in placed:
        for g, e in p.plan.max_error.items():
            max_error[g] = max(max_error.get(g, 0.0), e)
    first = placed[0].plan
    targets = {}
    for side, t0 in first.targets.items():
        tg = {}
        for name, arr in t0.items():
            if not isinstance(arr, np.ndarray):
                tg[name] = arr
                continue
            out = np.repeat(arr[:1], n_frames, axis=0)
            for p in placed:
                a = p.plan.targets[side][name]
                out[p.start:p.start + len(a)] = a
            tg[name] = out
        targets[side] = tg
    return KeyPlan(curves, warnings, n_frames, max_error, targets)
