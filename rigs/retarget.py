"""Stage pipeline for one rig: solve -> key reduction -> a KeyPlan of sparse keys. Pure numpy."""
from dataclasses import dataclass, field

import numpy as np

from . import keyreduce
from .solve import solve


@dataclass
class CurveKeys:
    bone: str
    path: str
    index: int
    frames: np.ndarray   # key frames (track indices)
    values: np.ndarray
    group: str


@dataclass
class KeyPlan:
    curves: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    n_frames: int = 0
    max_error: dict = field(default_factory=dict)   # group -> metres (at the hand / fingertips)
    targets: dict = field(default_factory=dict)

    @property
    def n_keys(self):
        return int(sum(len(c.frames) for c in self.curves))


def plan_keys(track, rig, profile, tolerance=0.003, finger_tolerance=0.002):
    """Solve the rig for the track and choose sparse keys within the error budget (metres)."""
    sol = solve(track, rig, profile)
    T = track.n_frames
    fixed = sorted({s.start for s in track.segments} | {max(s.end - 1, 0) for s in track.segments})
    plan = KeyPlan(warnings=list(sol.warnings), n_frames=T, targets=sol.targets)
    groups = {}
    for ch in sol.channels:
        groups.setdefault(ch.group, []).append(ch)
    frames = np.arange(T, dtype=float)
    for g, chans in groups.items():
        if g.startswith("props"):
            for ch in chans:
                plan.curves.append(CurveKeys(ch.bone, ch.path, 0, np.array([0]), ch.values[:1, 0], g))
            continue
        values = np.concatenate([c.values for c in chans], axis=1)
        slices = []
        o = 0
        for c in chans:
            slices.append((c, slice(o, o + c.values.shape[1])))
            o += c.values.shape[1]
        fn = sol.error_fns[g]

        def err(rec, slices=slices, fn=fn):
            return fn({(c.path, c.bone): rec[:, s] for c, s in slices})

        tol = finger_tolerance if g.startswith("fingers") else tolerance
        keys = keyreduce.reduce_keys(values, err, tol, fixed=fixed)
        rec = keyreduce.evaluate(keys.astype(float), values[keys], frames)
        plan.max_error[g] = float(err(rec).max())
        for c, s in slices:
            for i in range(s.start, s.stop):
                plan.curves.append(CurveKeys(c.bone, c.path, i - s.start, keys, values[keys, i], g))
    return plan
