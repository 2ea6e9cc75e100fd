"""Live editing: changing one sign re-signs only its neighbourhood. No bpy.

A sign's motion depends on its neighbours only: the transition into it, coarticulation toward the previous
sign (15 % of the distance, so an influence fades within two signs), whether the next item is a pause
(phrase-final length) and whether the next sign needs the idle hand. So an edit re-synthesises a window of
items around the change, from the end of the last sign it cannot affect to the start of the first sign after
it, splices those frames into the existing track (everything later moves by the change in length), solves
and key-reduces only the spliced frames, and splices those keys into the existing plan. The full pipeline
stays the reference: tests compare a live edit with a full regeneration.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np

from ..inference.gloss import GlossItem
from ..inference.synthesis import Chunk, Posture, Synthesizer
from ..inference.track import HAND_SIDES, PoseTrack, window
from ..rigs.keyplan import CurveKeys, KeyPlan
from . import timing

CONTEXT = 3           # the window ends this many items after the first unchanged one
_ARRAYS = ("wrist", "palm", "hand_params", "elbow", "head", "brows")


class NotLocal(Exception):
    """The edit cannot be spliced (a different number of segments, a new channel): regenerate in full."""


@dataclass
class LiveState:
    """What a live edit needs of the last signing (kept by the service for a short single-chunk text)."""
    items: list
    track: PoseTrack
    plan: KeyPlan
    synth: Synthesizer
    rig: object
    profile: object
    tolerance: float
    finger_tolerance: float
    ease_frames: int
    timings: dict = field(default_factory=dict)   # seconds per stage of the last edit (bench/pipeline.py)


def memoise_signs(synth: Synthesizer) -> Synthesizer:
    """Keep each sign's citation chunks between edits (most signs of a window did not change); callers
    get copies, since synthesis shifts them in place."""
    orig = synth.sign_chunks
    memo = {}

    def sign_chunks(entry, duration=None):
        key = (id(entry), duration)
        hit = memo.get(key)
        if hit is None:
            if len(memo) > 4000:
                memo.clear()
            hit = memo[key] = orig(entry, duration)
        return {side: Chunk(c.pos.copy(), c.rot.copy(), c.params.copy()) for side, c in hit.items()}

    synth.sign_chunks = sign_chunks
    return synth


def _same(a: GlossItem, b: GlossItem) -> bool:
    return (a.gloss, a.kind, a.letters, a.duration, tuple(a.marks), a.extra.get("repeat"), a.extra.get("lexicalised")) \
        == (b.gloss, b.kind, b.letters, b.duration, tuple(b.marks), b.extra.get("repeat"), b.extra.get("lexicalised"))


def changed_span(old: list, new: list) -> tuple[int, int, int]:
    """(p, s_old_end, s_new_end): items [p, end) changed; the common prefix is p long, the suffix the rest."""
    p = 0
    while p < min(len(old), len(new)) and _same(old[p], new[p]):
        p += 1
    s = 0
    while s < min(len(old), len(new)) - p and _same(old[len(old) - 1 - s], new[len(new) - 1 - s]):
        s += 1
    return p, len(old) - s, len(new) - s


def _cat(parts):
    out = {name: np.concatenate([getattr(t, name)[a:b] for t, a, b in parts]) for name in _ARRAYS}
    if any(t.contact is not None for t, _, _ in parts):     # touching points (inference/track.py), 0 where absent
        out["contact"] = np.concatenate([t.contact[a:b] if t.contact is not None else np.zeros((b - a, 2, 3))
                                         for t, a, b in parts])
    return out


def splice_track(state: LiveState, new: list) -> tuple[PoseTrack, int, int, int]:
    """The track for `new` items, re-synthesising only the neighbourhood of the change.

    Returns (track, A, B, E): frames [A, B) of the new track are new, frames from B on are the old track's
    frames from E on (shifted by B - E)."""
    old, tr = state.items, state.track
    if len(tr.segments) != len(old):
        raise NotLocal("segments do not match items")
    p, b_old, b_new = changed_span(old, new)
    if p == len(old) == len(new):
        return tr, 0, 0, 0
    # from item p-1 (its length and idle hand depend on the changed item) to two items past the change
    # (the transition into b+1 and the idle hand there depend on b+2); the hands start where they were
    lo = max(0, p - 1)
    hi = min(len(new), b_new + CONTEXT + 1)
    if lo > 0:
        f = tr.segments[lo - 1].end - 1
        start = {side: Posture(tr.wrist[f, h].copy(), tr.palm[f, h].copy(), tr.hand_params[f, h].copy())
                 for h, side in enumerate(HAND_SIDES)}
        win = state.synth.synthesize(new[lo:hi], start=start, after_sign=old[lo - 1].kind == "sign")
        A = tr.segments[lo - 1].end
        wa = max(1, int(round(state.synth.s.lead_in * state.synth.s.fps)))   # after the window's lead-in hold
    else:
        win = state.synth.synthesize(new[lo:hi])
        A, wa = 0, 0
    if len(win.segments) != hi - lo:
        raise NotLocal("an item produced no segment")
    k0 = lo - 1
    # splice end: the start of the second item after the change (the first leans toward the changed
    # one's end, coarticulation), or the very end
    k1 = b_new + 2
    if k1 < len(new):
        if k1 >= hi:
            raise NotLocal("window too short")
        E, wb = tr.segments[b_old + 2].start, win.segments[k1 - lo].start
    else:
        if hi != len(new):
            raise NotLocal("window too short")
        E, wb = tr.n_frames, win.n_frames
    B = A + (wb - wa)
    arrays = _cat([(tr, 0, A), (win, wa, wb), (tr, E, tr.n_frames)])
    shift_w, shift_o = A - wa, B - E
    segs = [s for s in tr.segments[:max(k0 + 1, 0)]]
    segs += [replace(s, start=s.start + shift_w, end=s.end + shift_w)
             for s in win.segments[max(k0 + 1, 0) - lo:(k1 if k1 < len(new) else len(new)) - lo]]
    if k1 < len(new):
        segs += [replace(s, start=s.start + shift_o, end=s.end + shift_o) for s in tr.segments[b_old + 2:]]
    segs = [replace(s) for s in segs]
    out = PoseTrack(tr.fps, tr.body, arrays["wrist"], arrays["palm"], arrays["hand_params"], arrays["elbow"],
                    arrays["head"], arrays["brows"], segs, tr.hand_scale, contact=arrays.get("contact"))
    if k1 >= len(new):      # the new ending eases into the rest pose, as the job does for a whole text
        out = timing.ease_to_rest(out, state.ease_frames)
    return out, A, B, E


def splice_plan(state: LiveState, track: PoseTrack, A: int, B: int, E: int, planner) -> KeyPlan:
    """Keys for the new track: the old plan's keys before A and from E on (shifted), new keys on [A, B)."""
    old = state.plan
    if B <= A:
        part = KeyPlan(n_frames=0)
    else:
        # the edited window unthinned: the same error budget, a few more keys, under the 50 ms an edit may take
        part = planner(window(track, A, B), state.rig, state.profile, state.tolerance, state.finger_tolerance,
                       thin=False)
    shift = B - E
    new = {(c.bone, c.path, c.index): c for c in part.curves}
    by_key = {}
    for o in old.curves:
        by_key.setdefault((o.bone, o.path, o.index), o)
    flip = {}
    for bone in {c.bone for c in part.curves if c.path == "rotation_quaternion"}:
        olds = [by_key.get((bone, "rotation_quaternion", i)) for i in range(4)]
        news = [new.get((bone, "rotation_quaternion", i)) for i in range(4)]
        if all(o is not None and len(o.frames) and o.frames[0] < A for o in olds) and all(m is not None for m in news):
            q_old = np.array([o.values[o.frames.searchsorted(A) - 1] for o in olds])   # the last key before A
            q_new = np.array([m.values[0] for m in news])
            flip[bone] = -1.0 if float(q_old @ q_new) < 0 else 1.0
    curves = []
    for c in old.curves:
        k = (c.bone, c.path, c.index)
        if c.group.startswith("props"):     # switches are keyed once, at the start
            new.pop(k, None)
            curves.append(c)
            continue
        # key frames are ascending: the keys before A and those from E on are a head and a tail
        ia, ie = c.frames.searchsorted(A), c.frames.searchsorted(E)
        n = new.pop(k, None)
        if n is None and B > A:
            # a channel the re-signed frames do not move (no head motion there): held at its neutral value,
            # as timing.merge_plans does for a cue that does not key it
            n = CurveKeys(c.bone, c.path, c.index, np.array([0, max(B - A - 1, 0)]),
                          np.full(2, float(c.values[0])), c.group)
        if n is None:
            frames = (c.frames[:ia], c.frames[ie:] + shift)
            values = (c.values[:ia], c.values[ie:])
        else:
            v = n.values
            if c.path == "rotation_quaternion" and flip.get(c.bone, 1.0) < 0:
                v = -v     # keep the quaternion on the old curve's side: the 4 components flip together
            frames = (c.frames[:ia], n.frames + A, c.frames[ie:] + shift)
            values = (c.values[:ia], v, c.values[ie:])
        curves.append(CurveKeys(c.bone, c.path, c.index, np.concatenate(frames), np.concatenate(values), c.group))
    if new:
        raise NotLocal(f"new channels {sorted(new)[:2]}")
    warnings = list(dict.fromkeys(list(old.warnings) + list(part.warnings)))
    max_error = dict(old.max_error)
    for g, e in part.max_error.items():
        max_error[g] = max(max_error.get(g, 0.0), e)
    return KeyPlan(curves, warnings, track.n_frames, max_error, {}, dict(part.timings))


def unchanged(old: KeyPlan, new: KeyPlan) -> frozenset:
    """(bone, path, index) of the curves whose keys an edit left exactly as they were: not rewritten."""
    before = {(c.bone, c.path, c.index): c for c in old.curves}
    out = set()
    for c in new.curves:
        o = before.get((c.bone, c.path, c.index))
        if o is not None and (o is c or (np.array_equal(o.frames, c.frames) and np.array_equal(o.values, c.values))):
            out.add((c.bone, c.path, c.index))
    return frozenset(out)


def edit(state: LiveState, new: list, planner) -> tuple[PoseTrack, KeyPlan]:
    """Re-sign after an edit of the item list; the state is updated. Raises NotLocal when a full
    regeneration is needed instead."""
    t0 = time.perf_counter()
    track, A, B, E = splice_track(state, new)
    t1 = time.perf_counter()
    plan = state.plan if track is state.track else splice_plan(state, track, A, B, E, planner)
    t2 = time.perf_counter()
    part = {} if plan is state.plan else plan.timings
    state.timings = {"synthesis": t1 - t0, "solve": part.get("solve", 0.0), "reduce": part.get("reduce", 0.0),
                     "window_frames": B - A}
    state.timings["splice"] = t2 - t1 - state.timings["solve"] - state.timings["reduce"]
    state.items, state.track, state.plan = list(new), track, plan
    return track, plan
