"""OpenPose / DWPose JSON keypoints (BODY_25 or COCO-18 body + 21-point hands) to a JointTrack.

Input: one `*_keypoints.json` frame, a folder of them (frame order from the number before `_keypoints`,
else the file name), or one JSON file holding a list of such frames. Each frame is OpenPose's
{"people": [{"pose_keypoints_2d": [x, y, c, ...], "hand_left_keypoints_2d": [...], ...}]}; `*_3d` keys
(x, y, z, c) are used when present. DWPose's OpenPose-style output (coordinates 0..1) reads the same.
Image axes: x right (the signer's left when facing the camera), y down; 2-D depth is 0 (see lift_depth).
"""
import json
import os
import re

import numpy as np

from ..errors import DataError
from .files import read_bytes
from .joints import JointTrack

_FRAME_NO = re.compile(r"(\d+)_keypoints\.json$")
# canonical (x left, y back, z up) <- image (x right, y down, z away from camera)
FROM_IMAGE = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])
MAX_FILES = 100_000


def _load_json(path):
    raw = read_bytes(path, "JSON file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(f"{os.path.basename(path)} is not UTF-8 text: not an OpenPose JSON file.") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{os.path.basename(path)} is not valid JSON (line {exc.lineno}: {exc.msg}); "
                        "the file may be truncated.") from None


def _frame_files(folder):
    names = [n for n in os.listdir(folder) if n.lower().endswith(".json")]
    if not names:
        raise DataError(f"The folder {folder} holds no .json keypoint files.")
    if len(names) > MAX_FILES:
        raise DataError(f"The folder holds {len(names):,} JSON files; the limit is {MAX_FILES:,}.")

    def key(n):
        m = _FRAME_NO.search(n)
        return (0, int(m.group(1)), n) if m else (1, 0, n)

    return [os.path.join(folder, n) for n in sorted(names, key=key)]


def _points(person, base, n_expected=None, where=""):
    """(n, 3) xyz and (n,) confidence of one keypoint list (3-D key preferred)."""
    for key, dim in ((base + "_3d", 4), (base + "_2d", 3)):
        v = person.get(key)
        if v:
            try:
                a = np.asarray(v, dtype=float).ravel()
            except (TypeError, ValueError):
                raise DataError(f"{where}: {key} holds something other than numbers.") from None
            if a.size % dim:
                raise DataError(f"{where}: {key} has {a.size} numbers, not a multiple of {dim}.")
            a = a.reshape(-1, dim)
            xyz = np.zeros((a.shape[0], 3))
            xyz[:, :dim - 1] = a[:, :dim - 1]
            return xyz, a[:, -1]
    return None, None


def frames_to_joints(frames, fps=25.0, name="", person=0):
    """JointTrack from a list of OpenPose frame dicts (image axes mapped to the canonical frame)."""
    T = len(frames)
    if T == 0:
        raise DataError("No frames in the OpenPose data.")
    B = np.zeros((T, 8, 3))
    Bv = np.zeros((T, 8), bool)
    Hd = np.zeros((T, 2, 21, 3))
    Hv = np.zeros((T, 2, 21), bool)
    layout = None
    for t, fr in enumerate(frames):
        where = f"frame {t + 1}"
        if not isinstance(fr, dict) or "people" not in fr:
            raise DataError(f"{where}: not an OpenPose frame (no 'people' list).")
        people = fr["people"]
        if not isinstance(people, list):
            raise DataError(f"{where}: 'people' is not a list.")
        if len(people) <= person:
            continue  # nobody detected in this frame
        p = people[person]
        if not isinstance(p, dict):
            raise DataError(f"{where}: a person entry is not an object.")
        xyz, c = _points(p, "pose_keypoints", where=where)
        if xyz is not None:
            n = xyz.shape[0]
            if n not in (18, 25, 135):
                raise DataError(f"{where}: the body has {n} keypoints; BODY_25 (25) or COCO (18) expected.")
            layout = {18: "COCO-18", 25: "BODY_25", 135: "BODY_135"}[n]
            B[t] = xyz[:8]
            Bv[t] = c[:8] > 0
        for h, side in enumerate(("left", "right")):
            xyz, c = _points(p, f"hand_{side}_keypoints", where=where)
            if xyz is not None:
                if xyz.shape[0] != 21:
                    raise DataError(f"{where}: the {side} hand has {xyz.shape[0]} keypoints, expected 21.")
                Hd[t, h] = xyz
                Hv[t, h] = c > 0
    if not Bv.any() and not Hv.any():
        raise DataError("No person with keypoints in any frame of the OpenPose data.")
    B = np.einsum("ij,...j->...i", FROM_IMAGE, B)
    Hd = np.einsum("ij,...j->...i", FROM_IMAGE, Hd)
    jt = JointTrack(fps, B, Hd, Bv, Hv, name=name, source="openpose")
    jt.meta["layout"] = layout
    return jt


def load_openpose(path, fps=25.0, person=0):
    """JointTrack from an OpenPose JSON file, a folder of per-frame files, or a JSON list of frames."""
    if os.path.isdir(path):
        frames = [_load_json(f) for f in _frame_files(path)]
        name = os.path.basename(os.path.normpath(path))
    else:
        data = _load_json(path)
        frames = data if isinstance(data, list) else [data]
        name = os.path.splitext(os.path.basename(path))[0]
    return frames_to_joints(frames, fps, name, person)


__all__ = ["frames_to_joints", "load_openpose"]
