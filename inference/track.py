"""PoseTrack: the synthesis output on the canonical skeleton, the only thing rigs/ consumes."""
from dataclasses import dataclass, field

import numpy as np

from . import hand
from .body import BodyModel

HAND_SIDES = ("L", "R")  # axis 1 of every per-hand array: 0 = left hand, 1 = right hand


@dataclass
class Segment:
    """One gloss on the timeline (frames are track indices, end exclusive)."""
    gloss: str
    kind: str           # 'sign', 'spell', 'pause'
    start: int
    end: int
    words: str = ""
    span: tuple = (0, 0)
    source: str = "lexicon"
    review: bool = False


@dataclass
class PoseTrack:
    fps: float
    body: BodyModel
    wrist: np.ndarray          # (T, 2, 3)
    palm: np.ndarray           # (T, 2, 3, 3) columns: x (thumb side for R), y (fingers), z (palm normal)
    hand_params: np.ndarray    # (T, 2, 21) articulation angles (degrees)
    elbow: np.ndarray          # (T, 2, 3)
    head: np.ndarray           # (T, 3) pitch (+ = nod down), yaw (+ = turn to the left), roll; radians
    brows: np.ndarray          # (T,) -1 lowered .. +1 raised
    segments: list = field(default_factory=list)
    hand_scale: float = 1.0

    @property
    def n_frames(self):
        return self.wrist.shape[0]

    def hand_joints(self):
        """(T, 2, 21, 3) world positions of the 21 hand joints of both hands."""
        out = np.empty(self.hand_params.shape[:2] + (21, 3))
        for h, side in enumerate(HAND_SIDES):
            local = hand.joints_local(self.hand_params[:, h], self.hand_scale, side)
            out[:, h] = self.wrist[:, h, None, :] + np.einsum("tij,tkj->tki", self.palm[:, h], local)
        return out

    def check(self):
        """Raise ValueError on NaN/inf or a wrist out of reach (a synthesis bug, never user input)."""
        for name in ("wrist", "palm", "hand_params", "elbow", "head", "brows"):
            if not np.all(np.isfinite(getattr(self, name))):
                raise ValueError(f"pose track has non-finite {name}")
        for h, side in enumerate(HAND_SIDES):
            a, b = self.body.arm_lengths(side)
            d = np.linalg.norm(self.wrist[:, h] - self.body.joints[f"shoulder_{side}"], axis=-1)
            if np.any(d > a + b + 1e-6):
                raise ValueError(f"{side} wrist out of reach by {float(d.max() - a - b):.4f} m")
