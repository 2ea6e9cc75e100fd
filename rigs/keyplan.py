"""The key plan: sparse keys per F-curve, what the solver plans and rigs/blender_io.py writes. Plain data,
shared by rigs/ and studio/ (which must not import the solver itself)."""
from dataclasses import dataclass, field

import numpy as np


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
    timings: dict = field(default_factory=dict)     # seconds: solve, reduce

    @property
    def n_keys(self):
        return int(sum(len(c.frames) for c in self.curves))
