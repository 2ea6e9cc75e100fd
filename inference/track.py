"""PoseTrack: the synthesis output on the canonical skeleton, the only thing rigs/ consumes."""
from dataclasses import dataclass, field, replace

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
    label: str = ""     # the item as the editable gloss writes it (IX-a, a-GIVE-b); gloss stays the lexicon key


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
    face: dict = field(default_factory=dict)   # ARKit face channel name -> (T,) in [0, 1] (inference/nonmanual.py)
    # (T, 2, 3) hand-frame point each hand touches the body with (0 = the wrist): where a rig's wrist cannot take
    # the palm's orientation, the solver turns the hand about this point, so the touch stays on the skin
    contact: np.ndarray = None

    @property
    def n_frames(self):
        return self.wrist.shape[0]

    def hand_joints(self):
        """(T, 2, 21, 3) world positions of the 21 hand joints of both hands."""
        out = np.empty(self.hand_params.shape[:2] + (21, 3))
        for h, side in enumerate(HAND_SIDES):
            local = hand.joints_local(self.hand_params[:, h], self.hand_scale, side, _geometry(self.body, side))
            out[:, h] = self.wrist[:, h, None, :] + np.einsum("tij,tkj->tki", self.palm[:, h], local)
        return out

    def check(self):
        """Raise ValueError on NaN/inf or a wrist out of reach (a synthesis bug, never user input)."""
        for name in ("wrist", "palm", "hand_params", "elbow", "head", "brows"):
            if not np.all(np.isfinite(getattr(self, name))):
                raise ValueError(f"pose track has non-finite {name}")
        for name, v in self.face.items():
            if v.shape != (self.n_frames,) or not np.all(np.isfinite(v)) or v.min() < 0 or v.max() > 1:
                raise ValueError(f"face channel {name} is not (T,) values in [0, 1]")
        for h, side in enumerate(HAND_SIDES):
            a, b = self.body.arm_lengths(side)
            d = np.linalg.norm(self.wrist[:, h] - self.body.joints[f"shoulder_{side}"], axis=-1)
            if np.any(d > a + b + 1e-6):
                raise ValueError(f"{side} wrist out of reach by {float(d.max() - a - b):.4f} m")


def window(track, a, b):
    """Frames [a, b) of a track as a track of its own (segments clipped and shifted), for chunked solving."""
    segs = [replace(s, start=max(s.start, a) - a, end=min(s.end, b) - a)
            for s in track.segments if s.end > a and s.start < b]
    return PoseTrack(track.fps, track.body, track.wrist[a:b], track.palm[a:b], track.hand_params[a:b],
                     track.elbow[a:b], track.head[a:b], track.brows[a:b], segs, track.hand_scale,
                     {k: v[a:b] for k, v in track.face.items()},
                     None if track.contact is None else track.contact[a:b])


def still_cuts(track, chunk):
    """Frame indices where a long track can be cut for chunked work: the pose does not change across the
    cut (a hold), so curves keyed on each side meet with flat handles exactly as one curve would.
    Cuts are about `chunk` frames apart; a track shorter than 1.5 chunks is not cut."""
    T = track.n_frames
    if T < 1.5 * chunk:
        return [0, T]
    parts = [track.wrist, track.palm, track.hand_params * 1e-3, track.elbow, track.head, track.brows[:, None]]
    parts += [v[:, None] for v in track.face.values()]
    d = np.zeros(T - 1)
    for p in parts:
        d = np.maximum(d, np.abs(np.diff(p, axis=0)).reshape(T - 1, -1).max(axis=1))
    still = np.flatnonzero(d < 1e-9) + 1     # frame i+1 repeats frame i: cut before i+1
    cuts = [0]
    while True:
        lo, target = cuts[-1] + chunk // 2, cuts[-1] + chunk
        cand = still[(still >= lo) & (still <= T - chunk // 2)]
        if T - cuts[-1] < 1.5 * chunk or len(cand) == 0:
            break
        cuts.append(int(cand[np.argmin(np.abs(cand - target))]))
    return cuts + [T]


def _geometry(body, side):
    """The body's own hand on `side` (a body model without one, or an older one: the canonical hand)."""
    get = getattr(body, "hand_geometry", None)
    return get(side) if get is not None else None
