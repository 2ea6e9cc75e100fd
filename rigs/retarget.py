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


def plan_keys(track: PoseTrack, rig: RigData, profile: Profile, tolerance: float = 0.003,
              finger_tolerance: float = 0.002, chunk: int = CHUNK) -> KeyPlan:
    """Solve the rig for the track and choose sparse keys within the error budget (metres).

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
        for g, keys, vals, chans, err in _reduce_window(win, sol, tolerance, finger_tolerance):
            plan.max_error[g] = max(plan.max_error.get(g, 0.0), err)
            o = 0
            for c in chans:
                for i in range(c.values.shape[1]):
                    parts.setdefault((c.bone, c.path, i, g), []).append((keys + a, vals[:, o + i]))
                o += c.values.shape[1]
    for key in list(parts):
        bone, path, i, g = key
        chunks = parts.pop(key)     # freed as it is joined: a long text never holds its keys twice
        if g.startswith("props"):   # switches (IK/FK) are keyed once, at the start
            chunks = chunks[:1]
        plan.curves.append(CurveKeys(bone, path, i, np.concatenate([f for f, _ in chunks]),
                                     np.concatenate([v for _, v in chunks]), g))
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


def _reduce_window(track, sol, tolerance, finger_tolerance):
    """Per key-reduction group of one solved window: (group, key frames, key values, channels, max error)."""
    T = track.n_frames
    fixed = sorted({s.start for s in track.segments} | {max(s.end - 1, 0) for s in track.segments})
    groups = {}
    for ch in sol.channels:
        groups.setdefault(ch.group, []).append(ch)
    frames = np.arange(T, dtype=float)
    todo = []
    for g, chans in groups.items():
        values = np.concatenate([c.values for c in chans], axis=1)
        if g.startswith("props"):
            todo.append((g, chans, values, None, None))
            continue
        slices = []
        o = 0
        for c in chans:
            slices.append((c, slice(o, o + c.values.shape[1])))
            o += c.values.shape[1]
        fn = sol.error_fns[g]

        def err(rec, slices=slices, fn=fn):
            # error functions judge rotations as quaternions: Euler channels are converted back first
            return fn({(("rotation_quaternion", c.bone) if c.path == "rotation_euler" else (c.path, c.bone)):
                       (euler_to_quat(rec[:, s], c.order) if c.path == "rotation_euler" else rec[:, s])
                       for c, s in slices})

        tol = finger_tolerance if g.startswith("fingers") else tolerance
        todo.append((g, chans, values, err, tol))
    # every group reduced in lock step (the same keys as one by one, fewer passes)
    work = [t for t in todo if t[3] is not None]
    keys = keyreduce.reduce_keys_many([(values, err, tol, fixed) for _g, _c, values, err, tol in work])
    recs = keyreduce.evaluate_many(keys, [t[2] for t in work], frames)
    done = {t[0]: (k, rec) for t, k, rec in zip(work, keys, recs)}
    for g, chans, values, err, _tol in todo:
        if err is None:
            yield g, np.array([0]), values[:1], chans, 0.0
        else:
            k, rec = done[g]
            yield g, k, values[k], chans, float(err(rec).max())
