"""Stage pipeline for one rig: solve -> key reduction -> a KeyPlan of sparse keys. Pure numpy."""
from __future__ import annotations

import dataclasses
import time
from typing import TYPE_CHECKING

import numpy as np

from . import keyreduce
from ..inference.track import still_cuts, window
from .euler import ORDERS, euler_to_quat, quat_to_euler
from .keyplan import CurveKeys, KeyPlan  # noqa: F401  (part of this module's API)
from .solve import solve

if TYPE_CHECKING:
    from ..inference.track import PoseTrack
    from .profiles import Profile
    from .rigdata import RigData


CHUNK = 2000   # frames solved and reduced at a time: memory stays flat and reduction linear in length
THIN = 0.5      # thinning keeps half the budget: the keyed hands and fingertips stay as close as before (memory.md)


def plan_keys(track: PoseTrack, rig: RigData, profile: Profile, tolerance: float = 0.003,
              finger_tolerance: float = 0.002, chunk: int = CHUNK, thin: bool = True) -> KeyPlan:
    """Solve the rig for the track and choose sparse keys within the error budget (metres).

    `thin=False` skips the pass that drops keys a curve's neighbours already serve (`_thin_columns`): the
    same error budget with a few more keys, at a third of the cost (a live edit's short window).

    Long tracks are worked in windows cut at holds (see `still_cuts`), each solved and reduced alone;
    quaternion signs are carried across cuts so the joined curves stay continuous.
    """
    t0 = time.perf_counter()
    cuts = still_cuts(track, chunk)
    plan = KeyPlan(n_frames=track.n_frames)
    parts = {}            # (bone, path, index, group) -> [(frames, values)]
    last_quat = {}        # (bone, path) -> last quaternion of the previous window
    targets = {}
    solve_s = 0.0
    for a, b in zip(cuts[:-1], cuts[1:]):
        win = window(track, a, b) if (a, b) != (0, track.n_frames) else track
        t = time.perf_counter()
        sol = solve(win, rig, profile)
        solve_s += time.perf_counter() - t
        for w in sol.warnings:
            if w not in plan.warnings:
                plan.warnings.append(w)
        for side, tg in sol.targets.items():
            for k, v in tg.items():
                targets.setdefault(side, {}).setdefault(k, []).append(v)
        for k, ch in enumerate(sol.channels):
            if ch.path == "rotation_quaternion":
                prev = last_quat.get((ch.bone, ch.path))
                if prev is not None and float(prev @ ch.values[0]) < 0:
                    ch.values = -ch.values
                last_quat[(ch.bone, ch.path)] = ch.values[-1]
                order = _euler_order(rig, ch.bone)
                if order:      # the user keys this bone in Euler: key it in its own mode and order
                    e = quat_to_euler(ch.values, order)
                    prev_e = last_quat.get((ch.bone, "euler"))
                    if prev_e is not None:   # continuous across windows too
                        e += 2 * np.pi * np.round((prev_e - e[0]) / (2 * np.pi))
                    last_quat[(ch.bone, "euler")] = e[-1]
                    # a new channel: the solver's error functions may read the quaternion one later
                    eul = dataclasses.replace(ch, path="rotation_euler", values=e)
                    eul.order = order
                    sol.channels[k] = eul
        for g, curves, err in _reduce_window(win, sol, tolerance, finger_tolerance, thin):
            plan.max_error[g] = max(plan.max_error.get(g, 0.0), err)
            for c, i, keys, vals in curves:
                parts.setdefault((c.bone, c.path, i, g), []).append((keys + a, vals))
    for key in list(parts):
        bone, path, i, g = key
        chunks = parts.pop(key)     # freed as it is joined: a long text never holds its keys twice
        if g.startswith("props"):   # switches (IK/FK) are keyed once, at the start
            chunks = chunks[:1]
        # int32 frames and float32 values: what Blender stores, at half the memory a long text holds
        plan.curves.append(CurveKeys(bone, path, i, np.concatenate([f for f, _ in chunks]).astype(np.int32),
                                     np.concatenate([v for _, v in chunks]).astype(np.float32), g))
    plan.targets = {side: {k: np.concatenate(v) if np.ndim(v[0]) else v[0] for k, v in tg.items()}
                    for side, tg in targets.items()}
    total = time.perf_counter() - t0
    plan.timings = {"solve": solve_s, "reduce": total - solve_s}
    return plan


def _euler_order(rig, bone):
    """The bone's Euler order when the user animates it in an Euler mode (else None: quaternion keys)."""
    b = rig.bones.get(bone) if hasattr(rig, "bones") else None
    mode = getattr(b, "rotation_mode", "QUATERNION")
    return mode if mode in ORDERS else None


def _reduce_window(track, sol, tolerance, finger_tolerance, thin=True):
    """Per key-reduction group of one solved window: (group, [(channel, column, key frames, key values)],
    max error of the keyed curves).

    A group whose error function says how it splits (rigs/solve._split) is reduced one (path, bone) at a
    time: each bone's rotation and location get keys of their own, and each curve then drops the keys
    its bone needs but it does not (a quaternion component that stays put, a finger that holds while
    another moves). Sign boundaries are keys where the channels move (an animator finds each sign's
    start) and left out inside holds, where the curve is flat anyway.
    """
    T = track.n_frames
    fixed = np.array(sorted({s.start for s in track.segments} | {max(s.end - 1, 0) for s in track.segments}),
                     dtype=int)
    fixed = fixed[(fixed >= 0) & (fixed < T)]
    groups = {}
    for ch in sol.channels:
        groups.setdefault(ch.group, []).append(ch)
    state = {}         # group -> its parts still to key and what the keyed ones left
    for g, chans in groups.items():
        if not g.startswith("props"):
            fn = sol.error_fns[g]
            state[g] = {"fn": fn, "tol": finger_tolerance if g.startswith("fingers") else tolerance,
                        "rec": {_ekey(c): _as_quat(c, c.values) for c in chans},
                        "spent": np.zeros(T),   # a sum's error so far: the parts already keyed
                        "todo": list(_parts(chans, fn)), "done": []}
    pending = []       # parts of 'max' groups: their columns are thinned together at the end
    # rounds: a 'sum' group keys one part a round (the next part's budget is what the last one left);
    # every other group's parts are independent and key in the first round. Each round's parts are
    # reduced in lock step (keyreduce.reduce_keys_many) and thinned together.
    while any(st["todo"] for st in state.values()):
        fresh, sums = [], []
        for st in state.values():
            fn = st["fn"]
            split = getattr(fn, "combine", None) == "sum" and st["todo"][:1] and st["todo"][0][2] is not None
            take, st["todo"] = (st["todo"][:1], st["todo"][1:]) if split else (st["todo"], [])
            for chs, share, term in take:
                part = _Part(chs, _part_error(fn, chs, term, st["rec"], st["spent"]), st["tol"] * share, fixed)
                st["done"].append(part)
                fresh.append(part)
                if term is None:
                    continue
                (sums if fn.combine == "sum" else pending).append((st, part, term))
        keys = keyreduce.reduce_keys_many([(p.values, p.err, p.tol, p.moving) for p in fresh])
        curves = keyreduce.evaluate_many(keys, [p.values for p in fresh], np.arange(T, dtype=float))
        for p, k, cur in zip(fresh, keys, curves):
            p.keyed(k, cur)
        if thin:
            _thin_columns([p for _st, p, _t in sums])   # a sum part's final curves before the next one's budget
        for st, part, term in sums:
            st["spent"] = st["spent"] + term(_as_quat(part.chans[0], part.cur), None)
            for c, a_, b_ in _columns(part.chans):
                st["rec"][_ekey(c)] = _as_quat(c, part.cur[:, a_:b_])
    if thin:
        _thin_columns([p for _st, p, _t in pending])
    done = {g: st["done"] for g, st in state.items()}
    for g, chans in groups.items():
        if g.startswith("props"):
            yield g, [(c, i, np.array([0]), c.values[:1, i]) for c in chans for i in range(c.values.shape[1])], 0.0
            continue
        out = []
        rec = {}
        for part in done[g]:
            for c, a, b in _columns(part.chans):
                out += [(c, i, part.per[a + i], c.values[part.per[a + i], i]) for i in range(b - a)]
                rec[_ekey(c)] = _as_quat(c, part.cur[:, a:b])
        yield g, out, float(sol.error_fns[g](rec).max())


def _columns(chans):
    """(channel, first column, end column) of channels laid side by side."""
    o = 0
    for c in chans:
        k = c.values.shape[1]
        yield c, o, o + k
        o += k


class _Part:
    """One part of a group (a bone's rotation or location, or a whole group): its columns reduced
    together against err(rec, frames or None); `per` holds each column's key frames, `cur` the curves."""

    def __init__(self, chans, err, tol, fixed):
        self.chans, self.err, self.tol = chans, err, tol
        self.values = np.concatenate([c.values for c in chans], axis=1)
        self.moving = fixed[~keyreduce.still_frames(self.values)[fixed]]
        # a hold's ends stay: a still channel (a jaw at rest between mouthings) stays exactly still
        self.holds = keyreduce.hold_bounds(self.values)

    def keyed(self, keys, cur):
        """The part's keys (sorted frames) and the curves through them, (T, C)."""
        T = len(self.values)
        self.keys, self.cur = keys, cur
        # a column that never changes keeps its two end keys
        self.const = np.ptp(self.values, axis=0) <= 1e-7
        self.per = [np.array([0, T - 1]) if k else keys for k in self.const]
        for j in np.flatnonzero(self.const):
            self.cur[:, j] = self.values[0, j]


def _part_error(fn, chans, term, rec, spent):
    """err(curves (m, C), frames (m,) or None) of one part: the group's error with these channels
    replaced (an error function that does not split), or the part's own term (plus, in a sum, what the
    parts keyed before it spent)."""
    if term is None:
        def err(r, idx=None):
            d = dict(rec)
            for c, a, b in _columns(chans):
                d[_ekey(c)] = _as_quat(c, r[:, a:b])
            return fn(d)
    elif fn.combine == "sum":
        def err(r, idx=None, c=chans[0], before=spent.copy()):
            return term(_as_quat(c, r), idx) + (before if idx is None else before[idx])
    else:
        def err(r, idx=None, c=chans[0]):
            return term(_as_quat(c, r), idx)
    return err


def _thin_columns(parts):
    """Each column of each part drops the keys only its part's other columns needed (parts with an error
    that answers for any frames): column by column, all parts at once (keyreduce.thin_many)."""
    for j in range(max((p.values.shape[1] for p in parts), default=0)):
        todo = [p for p in parts if j < p.values.shape[1] and not p.const[j]]

        def err_j(r, idx, p):
            full = p.cur[idx]
            full[:, j] = r[:, 0]
            return p.err(full, idx)
        items = [(p.values[:, j:j + 1], p.keys, lambda r, idx, p=p: err_j(r, idx, p), p.tol * THIN,
                  np.concatenate((p.moving, p.holds)))
                 for p in todo]
        for p, kj in zip(todo, keyreduce.thin_many(items)):
            if len(kj) != len(p.keys):
                p.cur[:, j] = keyreduce.evaluate(kj.astype(float), p.values[kj, j], np.arange(len(p.values), dtype=float))
            p.per[j] = kj


def _ekey(c):
    """The key an error function reads a channel under: rotations as quaternions, also Euler ones."""
    return ("rotation_quaternion", c.bone) if c.path == "rotation_euler" else (c.path, c.bone)


def _as_quat(c, v):
    return euler_to_quat(v, c.order) if c.path == "rotation_euler" else v


def _parts(chans, fn):
    """[(channels, budget share, own error term or None)] in reduction order (see rigs/solve._split):
    one part per (path, bone) when the error function names a term for each, else the group whole."""
    by = {}
    for c in chans:
        by.setdefault(_ekey(c), []).append(c)
    terms = getattr(fn, "terms", None)
    if not terms or any(k not in terms or len(v) != 1 for k, v in by.items()):
        return [(chans, 1.0, None)]
    if fn.combine != "sum":
        return [(p, 1.0, terms[k]) for k, p in by.items()]
    order = sorted(by, key=lambda k: fn.shares.get(k, 1.0))
    out = [(by[k], min(float(fn.shares.get(k, 1.0)), 1.0), terms[k]) for k in order]
    out[-1] = (out[-1][0], 1.0, out[-1][2])
    return out
