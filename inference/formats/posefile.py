"""`.pose` files (pose-format, MediaPipe Holistic layout) to and from JointTracks.

Written: POSE_LANDMARKS (33; legs masked), optional FACE_LANDMARKS (468, all masked: we have no face
mesh), LEFT_HAND_LANDMARKS and RIGHT_HAND_LANDMARKS (21 each), in pixels of a 1024 x 1024 front view:
x to the image right (the signer's left), y down, z smaller toward the camera (MediaPipe's convention),
z in the same pixel scale as x. Read: that layout or pose-format's OpenPose layout (pose_keypoints_2d +
hand_*_keypoints_2d); the first person is used.
"""
import io
import os

import numpy as np

from ..errors import DataError
from .files import read_bytes
from .joints import HEAD_POINTS, SIDE_INDEX, JointTrack

try:  # optional at run time: the add-on only needs it for .pose files
    from pose_format import Pose
    from pose_format.numpy.pose_body import NumPyPoseBody
    from pose_format.pose_header import PoseHeader, PoseHeaderComponent, PoseHeaderDimensions
except ImportError:  # pragma: no cover - reported when used
    Pose = None

MP_BODY = ("NOSE", "LEFT_EYE_INNER", "LEFT_EYE", "LEFT_EYE_OUTER", "RIGHT_EYE_INNER", "RIGHT_EYE",
           "RIGHT_EYE_OUTER", "LEFT_EAR", "RIGHT_EAR", "MOUTH_LEFT", "MOUTH_RIGHT", "LEFT_SHOULDER",
           "RIGHT_SHOULDER", "LEFT_ELBOW", "RIGHT_ELBOW", "LEFT_WRIST", "RIGHT_WRIST", "LEFT_PINKY",
           "RIGHT_PINKY", "LEFT_INDEX", "RIGHT_INDEX", "LEFT_THUMB", "RIGHT_THUMB", "LEFT_HIP", "RIGHT_HIP",
           "LEFT_KNEE", "RIGHT_KNEE", "LEFT_ANKLE", "RIGHT_ANKLE", "LEFT_HEEL", "RIGHT_HEEL", "LEFT_FOOT_INDEX",
           "RIGHT_FOOT_INDEX")
MP_BODY_LIMBS = ((0, 1), (1, 2), (2, 3), (3, 7), (0, 4), (4, 5), (5, 6), (6, 8), (9, 10), (11, 12), (11, 13),
                 (13, 15), (15, 17), (15, 19), (15, 21), (17, 19), (12, 14), (14, 16), (16, 18), (16, 20),
                 (16, 22), (18, 20), (11, 23), (12, 24), (23, 24), (23, 25), (24, 26), (25, 27), (26, 28),
                 (27, 29), (28, 30), (29, 31), (30, 32), (27, 31), (28, 32))
MP_HAND = ("WRIST", "THUMB_CMC", "THUMB_MCP", "THUMB_IP", "THUMB_TIP", "INDEX_FINGER_MCP", "INDEX_FINGER_PIP",
           "INDEX_FINGER_DIP", "INDEX_FINGER_TIP", "MIDDLE_FINGER_MCP", "MIDDLE_FINGER_PIP", "MIDDLE_FINGER_DIP",
           "MIDDLE_FINGER_TIP", "RING_FINGER_MCP", "RING_FINGER_PIP", "RING_FINGER_DIP", "RING_FINGER_TIP",
           "PINKY_MCP", "PINKY_PIP", "PINKY_DIP", "PINKY_TIP")
MP_HAND_LIMBS = ((0, 1), (1, 2), (2, 3), (3, 4), (0, 5), (5, 6), (6, 7), (7, 8), (5, 9), (9, 10), (10, 11),
                 (11, 12), (9, 13), (13, 14), (14, 15), (15, 16), (13, 17), (0, 17), (17, 18), (18, 19), (19, 20))
N_FACE = 468
SIZE = 1024
PX_PER_M = 800.0
# canonical (x left, y back, z up) -> image (x right = signer's left, y down, z toward camera negative)
TO_IMAGE = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])

# our 8 body joints in MediaPipe / OpenPose point names (neck: mid-shoulder in MediaPipe)
_MP_INDEX = {"nose": 0, "shoulder_L": 11, "shoulder_R": 12, "elbow_L": 13, "elbow_R": 14, "wrist_L": 15,
             "wrist_R": 16}
_OP_NAMES = ("Nose", "Neck", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow", "LWrist")


def _need_pose_format():
    if Pose is None:
        raise DataError("Reading or writing .pose files needs the 'pose-format' package (pip install pose-format).")


def _components(face=True):
    hand_colors = [(255, 0, 0)] * len(MP_HAND_LIMBS)
    comps = [PoseHeaderComponent("POSE_LANDMARKS", list(MP_BODY), [tuple(l) for l in MP_BODY_LIMBS],
                                 [(255, 0, 0)], "XYZC")]
    if face:
        comps.append(PoseHeaderComponent("FACE_LANDMARKS", [str(i) for i in range(N_FACE)], [], [(128, 0, 0)],
                                         "XYZC"))
    for name in ("LEFT_HAND_LANDMARKS", "RIGHT_HAND_LANDMARKS"):
        comps.append(PoseHeaderComponent(name, list(MP_HAND), [tuple(l) for l in MP_HAND_LIMBS], hand_colors,
                                         "XYZC"))
    return comps


def joints_to_pose(jt, face=True, extra=None):
    """A pose_format Pose (holistic layout, pixels) from a JointTrack in metres (canonical axes).

    extra: optional dict name -> (T, 3) canonical positions for other POSE_LANDMARKS points (eyes, ears,
    hips...); points not given are masked (confidence 0).
    """
    _need_pose_format()
    T = jt.n_frames
    n_pts = 33 + (N_FACE if face else 0) + 42
    data = np.zeros((T, 1, n_pts, 3), np.float32)
    conf = np.zeros((T, 1, n_pts), np.float32)
    ok = jt.body_valid[:, [1, 2, 5]].all(1)
    origin = jt.body[ok, 1].mean(0) if ok.any() else np.zeros(3)

    def px(p):
        q = np.einsum("ij,...j->...i", TO_IMAGE, p - origin) * PX_PER_M
        return q + np.array([SIZE / 2, SIZE * 0.4, 0.0])

    for name, idx in _MP_INDEX.items():
        k = {"nose": 0, "shoulder_R": 2, "elbow_R": 3, "wrist_R": 4, "shoulder_L": 5, "elbow_L": 6,
             "wrist_L": 7}[name]
        data[:, 0, idx] = px(jt.body[:, k])
        conf[:, 0, idx] = jt.body_valid[:, k]
    for h, side in enumerate(("LEFT", "RIGHT")):
        for hand_k, name in ((17, "PINKY"), (5, "INDEX"), (2, "THUMB")):
            idx = MP_BODY.index(f"{side}_{name}")
            data[:, 0, idx] = px(jt.hands[:, h, hand_k])
            conf[:, 0, idx] = jt.hand_valid[:, h, hand_k]
    for name, pos in (extra or {}).items():
        idx = MP_BODY.index(name)
        data[:, 0, idx] = px(np.asarray(pos, float))
        conf[:, 0, idx] = 1.0
    base = 33 + (N_FACE if face else 0)
    for h in range(2):
        data[:, 0, base + 21 * h: base + 21 * (h + 1)] = px(jt.hands[:, h])
        conf[:, 0, base + 21 * h: base + 21 * (h + 1)] = jt.hand_valid[:, h]
    header = PoseHeader(0.2, PoseHeaderDimensions(SIZE, SIZE, SIZE), _components(face))
    return Pose(header, NumPyPoseBody(fps=float(jt.fps), data=data, confidence=conf))


def save_pose(path, jt, face=True, extra=None):
    pose = joints_to_pose(jt, face, extra)
    with open(path, "wb") as f:
        pose.write(f)
    return path


def track_extras(track):
    """Eyes, ears, mouth and hips of a PoseTrack as POSE_LANDMARKS extras (canonical axes)."""
    from .joints import _canonical_matrix, head_points
    body = track.body
    names = [n for n in HEAD_POINTS if n != "nose"]
    pts = head_points(body, track.head, names)
    M = _canonical_matrix(body)
    out = {n.upper(): np.einsum("ij,tj->ti", M, pts[:, i]) for i, n in enumerate(names)}
    pelvis = body.joints["pelvis"]
    for side, sgn in (("LEFT", 1.0), ("RIGHT", -1.0)):
        hip = pelvis + sgn * 0.45 * body.W * body.left
        out[f"{side}_HIP"] = np.broadcast_to(M @ hip, (track.n_frames, 3)).copy()
    return out


def read_pose(path):
    """pose_format Pose from a file, with clear messages for missing, empty or corrupt files."""
    _need_pose_format()
    raw = read_bytes(path, ".pose file")
    try:
        from pose_format.pose_header import PoseHeaderCache
        PoseHeaderCache.clear_cache()
    except (ImportError, AttributeError):
        pass
    try:
        pose = Pose.read(io.BytesIO(raw))
        data = np.ma.getdata(pose.body.data)
        _ = np.asarray(pose.body.confidence)
    except Exception as exc:  # the reader raises struct/ValueError/IndexError/UnicodeDecodeError on bad bytes
        raise DataError(f"{os.path.basename(path)} is not a readable .pose file (truncated or corrupt: "
                        f"{type(exc).__name__}).") from None
    if data.ndim != 4 or data.shape[0] == 0:
        raise DataError(f"{os.path.basename(path)} holds no frames.")
    if data.shape[1] == 0:
        raise DataError(f"{os.path.basename(path)} holds no person.")
    return pose


def _component_slices(header):
    out = {}
    o = 0
    for c in header.components:
        out[c.name] = (o, c)
        o += len(c.points)
    return out


def pose_to_joints(pose, name="", source="pose", person=0):
    """JointTrack (canonical axes, file units) from a Holistic or OpenPose-layout Pose."""
    data = np.ma.getdata(pose.body.data)[:, person].astype(float)
    conf = np.asarray(pose.body.confidence)[:, person].astype(float)
    mask = np.ma.getmaskarray(pose.body.data)[:, person].any(-1)
    seen = (conf > 0) & ~mask & np.isfinite(data).all(-1)
    T, _, D = data.shape
    if D < 2:
        raise DataError("The .pose file has fewer than 2 coordinates per point.")
    if D == 2:
        data = np.concatenate([data, np.zeros(data.shape[:-1] + (1,))], -1)
    data = data[..., :3]
    comps = _component_slices(pose.header)
    B = np.zeros((T, 8, 3))
    Bv = np.zeros((T, 8), bool)
    Hd = np.zeros((T, 2, 21, 3))
    Hv = np.zeros((T, 2, 21), bool)
    if "POSE_LANDMARKS" in comps:
        o, c = comps["POSE_LANDMARKS"]
        idx = {p: i for i, p in enumerate(c.points)}
        names = {"nose": "NOSE", "shoulder_L": "LEFT_SHOULDER", "shoulder_R": "RIGHT_SHOULDER",
                 "elbow_L": "LEFT_ELBOW", "elbow_R": "RIGHT_ELBOW", "wrist_L": "LEFT_WRIST",
                 "wrist_R": "RIGHT_WRIST"}
        order = ("nose", "neck", "shoulder_R", "elbow_R", "wrist_R", "shoulder_L", "elbow_L", "wrist_L")
        for k, nm in enumerate(order):
            if nm == "neck":
                continue
            if names[nm] not in idx:
                raise DataError(f"POSE_LANDMARKS lacks {names[nm]}: not a MediaPipe Holistic layout.")
            B[:, k] = data[:, o + idx[names[nm]]]
            Bv[:, k] = seen[:, o + idx[names[nm]]]
        B[:, 1] = (B[:, 2] + B[:, 5]) * 0.5
        Bv[:, 1] = Bv[:, 2] & Bv[:, 5]
        hands = ("LEFT_HAND_LANDMARKS", "RIGHT_HAND_LANDMARKS")
    elif "pose_keypoints_2d" in comps:
        o, c = comps["pose_keypoints_2d"]
        idx = {p: i for i, p in enumerate(c.points)}
        for k, nm in enumerate(_OP_NAMES):
            if nm not in idx:
                raise DataError(f"pose_keypoints_2d lacks {nm}: not an OpenPose layout.")
            B[:, k] = data[:, o + idx[nm]]
            Bv[:, k] = seen[:, o + idx[nm]]
        hands = ("hand_left_keypoints_2d", "hand_right_keypoints_2d")
    else:
        raise DataError("The .pose file has neither a MediaPipe Holistic (POSE_LANDMARKS) nor an OpenPose "
                        f"(pose_keypoints_2d) body; its components are: "
                        f"{', '.join(c.name for c in pose.header.components)}.")
    for h, cname in enumerate(hands):
        if cname in comps:
            o, c = comps[cname]
            if len(c.points) != 21:
                raise DataError(f"{cname} has {len(c.points)} points, expected 21.")
            Hd[:, h] = data[:, o:o + 21]
            Hv[:, h] = seen[:, o:o + 21]
    # image (x right, y down, z toward camera negative) -> canonical
    M = TO_IMAGE.T
    B = np.einsum("ij,...j->...i", M, B)
    Hd = np.einsum("ij,...j->...i", M, Hd)
    fps = float(pose.body.fps) if pose.body.fps and pose.body.fps > 0 else 25.0
    jt = JointTrack(fps, B, Hd, Bv, Hv, name=name, source=source)
    if not jt.body_valid.any() and not jt.hand_valid.any():
        raise DataError("The .pose file has no visible body or hand point in any frame.")
    return jt


def load_pose(path, person=0):
    pose = read_pose(path)
    if person >= pose.body.data.shape[1]:
        raise DataError(f"The .pose file has {pose.body.data.shape[1]} people; person {person + 1} is not there.")
    return pose_to_joints(pose, os.path.splitext(os.path.basename(path))[0], "pose", person)


__all__ = ["MP_BODY", "MP_HAND", "SIDE_INDEX", "joints_to_pose", "load_pose", "pose_to_joints", "read_pose",
           "save_pose", "track_extras"]
