"""JointTrack: a plain joint sequence (upper body + both hands), the meeting point of every research format.

Axes are the canonical body frame of inference/body.py: +x toward the signer's left, -y forward (toward
the viewer), +z up; units are metres after `normalised()` places the shoulders like the canonical body.
Importers return a JointTrack; `fit.joints_to_track` turns it into a real PoseTrack for retargeting;
`from_pose_track` goes the other way for export and metrics.
"""
from dataclasses import dataclass, field

import numpy as np

from ..body import BodyModel
from ..errors import DataError
from ..transforms import axis_angle_matrix

# OpenPose BODY_25 / COCO order of the first 8 body joints (also the Progressive-Transformers layout).
BODY_NAMES = ("nose", "neck", "shoulder_R", "elbow_R", "wrist_R", "shoulder_L", "elbow_L", "wrist_L")
NOSE, NECK, SHOULDER_R, ELBOW_R, WRIST_R, SHOULDER_L, ELBOW_L, WRIST_L = range(8)
SIDE_INDEX = {"L": (SHOULDER_L, ELBOW_L, WRIST_L), "R": (SHOULDER_R, ELBOW_R, WRIST_R)}

# Head-local landmark offsets (left, forward, up) in head heights, from the head base; used to draw a nose
# and MediaPipe face-ish landmarks for a generated track.
HEAD_POINTS = {
    "nose": (0.0, 0.50, 0.35),
    "left_eye_inner": (0.08, 0.44, 0.48), "left_eye": (0.16, 0.42, 0.48), "left_eye_outer": (0.24, 0.38, 0.48),
    "right_eye_inner": (-0.08, 0.44, 0.48), "right_eye": (-0.16, 0.42, 0.48),
    "right_eye_outer": (-0.24, 0.38, 0.48),
    "left_ear": (0.38, 0.0, 0.40), "right_ear": (-0.38, 0.0, 0.40),
    "mouth_left": (0.12, 0.44, 0.18), "mouth_right": (-0.12, 0.44, 0.18),
}

# Limbs for drawing (indices into body 0..7, then 8 + 21*h + k for hand h joint k).
HAND_BONES = ((0, 1), (1, 2), (2, 3), (3, 4), (0, 5), (5, 6), (6, 7), (7, 8), (0, 9), (9, 10), (10, 11),
              (11, 12), (0, 13), (13, 14), (14, 15), (15, 16), (0, 17), (17, 18), (18, 19), (19, 20),
              (5, 9), (9, 13), (13, 17))
BODY_BONES = ((NOSE, NECK), (NECK, SHOULDER_R), (SHOULDER_R, ELBOW_R), (NECK, SHOULDER_L),
              (SHOULDER_L, ELBOW_L), (ELBOW_R, 8 + 21), (ELBOW_L, 8))


def all_bones():
    """Limbs over the flat 50-joint layout (body 8, left hand 21, right hand 21)."""
    bones = list(BODY_BONES)
    for h in range(2):
        bones += [(8 + 21 * h + a, 8 + 21 * h + b) for a, b in HAND_BONES]
    return bones


@dataclass
class JointTrack:
    """Joint positions per frame. hands axis 1: 0 = left hand, 1 = right hand (as in PoseTrack)."""
    fps: float
    body: np.ndarray            # (T, 8, 3) BODY_NAMES
    hands: np.ndarray           # (T, 2, 21, 3) MediaPipe hand order
    body_valid: np.ndarray = None   # (T, 8) bool
    hand_valid: np.ndarray = None   # (T, 2, 21) bool
    name: str = ""
    source: str = ""
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        self.body = np.asarray(self.body, float)
        self.hands = np.asarray(self.hands, float)
        T = self.body.shape[0]
        if self.body.shape != (T, 8, 3) or self.hands.shape != (T, 2, 21, 3):
            raise DataError(f"joint arrays have shapes {self.body.shape} and {self.hands.shape}; "
                            "expected (T, 8, 3) and (T, 2, 21, 3)")
        if self.body_valid is None:
            self.body_valid = np.isfinite(self.body).all(-1)
        if self.hand_valid is None:
            self.hand_valid = np.isfinite(self.hands).all(-1)
        self.body_valid = np.asarray(self.body_valid, bool) & np.isfinite(self.body).all(-1)
        self.hand_valid = np.asarray(self.hand_valid, bool) & np.isfinite(self.hands).all(-1)
        self.body = np.where(self.body_valid[..., None], self.body, 0.0)
        self.hands = np.where(self.hand_valid[..., None], self.hands, 0.0)

    @property
    def n_frames(self):
        return self.body.shape[0]

    @property
    def duration(self):
        return self.n_frames / self.fps

    def flat(self):
        """(T, 50, 3) in the Progressive-Transformers order (body 8, left hand 21, right hand 21)."""
        return np.concatenate([self.body, self.hands.reshape(self.n_frames, 42, 3)], axis=1)

    def flat_valid(self):
        return np.concatenate([self.body_valid, self.hand_valid.reshape(self.n_frames, 42)], axis=1)

    def wrists(self):
        """(T, 2, 3) wrist per hand: the hand's own wrist joint where seen, else the body's wrist."""
        out = self.hands[:, :, 0].copy()
        for h, side in enumerate("LR"):
            body_w = self.body[:, SIDE_INDEX[side][2]]
            use_body = ~self.hand_valid[:, h, 0] & self.body_valid[:, SIDE_INDEX[side][2]]
            out[use_body, h] = body_w[use_body]
        return out

    def shoulder_width(self):
        """Median shoulder width over frames where both shoulders are seen."""
        ok = self.body_valid[:, SHOULDER_L] & self.body_valid[:, SHOULDER_R]
        if not ok.any():
            raise DataError("The pose has no frame with both shoulders: it cannot be scaled to a body.")
        w = np.linalg.norm(self.body[ok, SHOULDER_L] - self.body[ok, SHOULDER_R], axis=-1)
        w = float(np.median(w))
        if not w > 1e-9:
            raise DataError("The shoulders coincide in every frame: the file holds no usable body.")
        return w

    def transformed(self, matrix=None, scale=1.0, offset=(0.0, 0.0, 0.0)):
        """A copy with p -> scale * matrix @ p + offset applied to every joint."""
        m = np.eye(3) if matrix is None else np.asarray(matrix, float)
        off = np.asarray(offset, float)

        def tf(p):
            return scale * np.einsum("ij,...j->...i", m, p) + off

        return JointTrack(self.fps, tf(self.body), tf(self.hands), self.body_valid.copy(), self.hand_valid.copy(),
                          self.name, self.source, dict(self.meta))

    def normalised(self, body=None):
        """Scaled so the median shoulder width is the body's and the mean shoulder midpoint is its chest."""
        body = body or BodyModel.default()
        s = body.W / self.shoulder_width()
        ok = self.body_valid[:, SHOULDER_L] & self.body_valid[:, SHOULDER_R]
        mid = ((self.body[ok, SHOULDER_L] + self.body[ok, SHOULDER_R]) * 0.5).mean(0)
        return self.transformed(scale=s, offset=body.joints["chest"] - s * mid)

    def stretched(self, factor):
        """The same motion played `factor` times slower (more frames at the same fps)."""
        out = self.resampled(max(1, int(round(self.n_frames * factor))))
        out.fps = self.fps
        return out

    def resampled(self, n_frames):
        """Linear resampling to n_frames over the same duration (fps changes accordingly)."""
        T = self.n_frames
        n = int(n_frames)
        if n < 1:
            raise ValueError("n_frames must be >= 1")
        x = np.linspace(0.0, T - 1, n)
        i0 = np.clip(np.floor(x).astype(int), 0, T - 1)
        i1 = np.clip(i0 + 1, 0, T - 1)
        w = (x - i0)
        def lerp(a):
            ww = w.reshape((-1,) + (1,) * (a.ndim - 1))
            return a[i0] * (1 - ww) + a[i1] * ww
        fps = self.fps * n / T
        return JointTrack(fps, lerp(self.body), lerp(self.hands), self.body_valid[i0] & self.body_valid[i1],
                          self.hand_valid[i0] & self.hand_valid[i1], self.name, self.source, dict(self.meta))


def _canonical_matrix(body):
    """Rotation from a body's armature axes to the canonical ones (+x left, +y back, +z up)."""
    return np.stack([body.left, -body.forward, body.up], axis=0)


def head_rotation(body, head):
    """(T, 3, 3) head rotation in the body's axes from PoseTrack.head (pitch, yaw; roll about forward)."""
    pitch = axis_angle_matrix(body.left[None], head[:, 0])     # + = nod down, as rigs/solve.py
    yaw = axis_angle_matrix(body.up[None], head[:, 1])
    roll = axis_angle_matrix(body.forward[None], head[:, 2])
    return pitch @ yaw @ roll


def head_points(body, head, names=("nose",)):
    """(T, len(names), 3) head landmarks for a PoseTrack's body and head channel (body axes)."""
    R = head_rotation(body, np.asarray(head, float))
    base = body.joints["head_base"]
    H = body.H
    local = np.array([HEAD_POINTS[n][0] * body.left + HEAD_POINTS[n][1] * body.forward + HEAD_POINTS[n][2] * body.up
                      for n in names]) * H
    return base + np.einsum("tij,kj->tki", R, local)


def from_pose_track(track, name=""):
    """JointTrack of a PoseTrack (canonical axes; positions as in the track's own body)."""
    body = track.body
    T = track.n_frames
    j = body.joints
    B = np.empty((T, 8, 3))
    B[:, NOSE] = head_points(body, track.head)[:, 0]
    B[:, NECK] = j["chest"]
    for h, side in enumerate("LR"):
        s, e, w = SIDE_INDEX[side]
        B[:, s] = j[f"shoulder_{side}"]
        B[:, e] = track.elbow[:, h]
        B[:, w] = track.wrist[:, h]
    hands = track.hand_joints()
    M = _canonical_matrix(body)
    B = np.einsum("ij,...j->...i", M, B)
    hands = np.einsum("ij,...j->...i", M, hands)
    jt = JointTrack(track.fps, B, hands, name=name, source="generated")
    jt.meta["head"] = np.asarray(track.head, float).copy()
    return jt


def as_joint_track(obj):
    """Accept a JointTrack or a PoseTrack."""
    if isinstance(obj, JointTrack):
        return obj
    if hasattr(obj, "hand_joints") and hasattr(obj, "body"):
        return from_pose_track(obj)
    raise TypeError(f"expected a JointTrack or PoseTrack, got {type(obj).__name__}")


def interpolate_missing(values, valid):
    """Fill invalid frames (axis 0) by linear interpolation per joint; edges hold the nearest valid value.

    values (T, ..., 3), valid (T, ...). Joints never seen stay as they are (and invalid).
    """
    v = values.copy()
    T = v.shape[0]
    flat_v = v.reshape(T, -1, 3)
    flat_ok = valid.reshape(T, -1)
    t = np.arange(T)
    for k in range(flat_ok.shape[1]):
        ok = flat_ok[:, k]
        if ok.all() or not ok.any():
            continue
        for c in range(3):
            flat_v[:, k, c] = np.interp(t, t[ok], flat_v[ok, k, c])
    return flat_v.reshape(values.shape)


def lift_depth(jt, body=None, min_depth_ratio=0.02, elbow_forward=1.0):
    """Give flat (2-D) arms a depth from foreshortening: hands of a signer are in front of the body.

    With d = the drawn length of a bone and L its length (the longest drawn length over the sequence,
    at least the body's proportion), the bone leaves the image plane by sqrt(L^2 - d^2), toward the viewer.
    Used when the arm joints have (almost) no depth, as in OpenPose 2-D and most MediaPipe videos.
    Hands keep their drawn shape and move with the lifted wrist.
    """
    body = body or BodyModel.default()
    W = jt.shoulder_width()
    B = jt.body.copy()
    H = jt.hands.copy()
    arms = np.concatenate([B[:, 2:8], H[:, :, 0]], axis=1)
    depth = np.ptp(arms[..., 1][np.concatenate([jt.body_valid[:, 2:8], jt.hand_valid[:, :, 0]], 1)]) \
        if jt.body_valid[:, 2:8].any() else 0.0
    if depth > min_depth_ratio * W:
        return jt
    wr = jt.wrists()
    for h, side in enumerate("LR"):
        s_i, e_i, w_i = SIDE_INDEX[side]
        a0, b0 = body.arm_lengths(side)
        ok = jt.body_valid[:, [s_i, e_i]].all(1)
        d_ua = np.linalg.norm(B[:, e_i] - B[:, s_i], axis=-1)
        d_fa = np.linalg.norm(wr[:, h] - B[:, e_i], axis=-1)
        L_ua = max(np.max(d_ua[ok], initial=0.0), a0 / body.W * W)
        L_fa = max(np.max(d_fa[ok], initial=0.0), b0 / body.W * W)
        z_e = np.sqrt(np.maximum(L_ua ** 2 - d_ua ** 2, 0.0)) * elbow_forward
        z_w = z_e + np.sqrt(np.maximum(L_fa ** 2 - d_fa ** 2, 0.0))
        fwd = np.array([0.0, -1.0, 0.0])
        B[:, e_i] += z_e[:, None] * fwd
        B[:, w_i] += z_w[:, None] * fwd
        H[:, h] += z_w[:, None, None] * fwd
    out = JointTrack(jt.fps, B, H, jt.body_valid.copy(), jt.hand_valid.copy(), jt.name, jt.source, dict(jt.meta))
    out.meta["depth_lifted"] = True
    return out
