"""Research pose formats (no bpy): `.pose` (MediaPipe Holistic), Progressive-Transformers `.skels`, OpenPose /
DWPose JSON. Everything goes through a JointTrack; `to_pose_track` fits a real PoseTrack for retargeting.

    load(path, **options) -> [JointTrack]         (a .skels file may hold many sequences)
    save_track(track, path, **options)            (PoseTrack -> .pose or .skels by extension)
    to_pose_track(joint_track, body=None) -> (PoseTrack, report)
"""
import os

from ..errors import DataError
from .fit import joints_to_track
from .joints import JointTrack, as_joint_track, from_pose_track, lift_depth
from .openpose import load_openpose
from .posefile import load_pose, save_pose, track_extras
from .skels import load_skels, names_for, save_skels

EXTENSIONS = (".pose", ".skels", ".json")


def kind_of(path):
    """'pose', 'skels' or 'openpose' from the path (a folder means OpenPose per-frame JSON files)."""
    if os.path.isdir(path):
        return "openpose"
    ext = os.path.splitext(path)[1].lower()
    if ext == ".pose":
        return "pose"
    if ext in (".skels", ".skel", ".txt"):
        return "skels"
    if ext == ".json":
        return "openpose"
    raise DataError(f"Unknown pose file type '{ext or os.path.basename(path)}': use .pose, .skels, "
                    "or OpenPose .json (a file or a folder of frames).")


def load(path, fps=25.0, scale=3.0, person=0, index=None):
    """Every sequence in a research pose file as JointTracks in canonical axes (file units).

    index: only that sequence of a multi-sequence .skels file (0-based; other formats hold one).
    """
    if not path or not str(path).strip():
        raise DataError("No file given.")
    path = os.path.abspath(os.path.expanduser(str(path)))
    if not os.path.exists(path):
        raise DataError(f"No such file or folder: {path}")
    kind = kind_of(path)
    if kind == "skels":
        seqs = load_skels(path, fps, scale, names_for(path), index)
    else:
        seqs = [load_pose(path, person) if kind == "pose" else load_openpose(path, fps, person)]
        if index not in (None, 0):
            raise DataError(f"The file holds 1 sequence; there is no number {index + 1}.")
    for jt in seqs:
        jt.meta.setdefault("warnings", []).extend(scale_warnings(jt, kind, scale))
    return seqs


def scale_warnings(jt, kind, scale=3.0):
    """Messages when a sequence's size is implausible (values not a person: wrong .skels scale, mixed units).

    A .skels file stores shoulder width 1 divided by `scale`, so after loading it should be about 1; in any
    format a hand (wrist to middle knuckle) is about a quarter to a third of the shoulder width.
    """
    import numpy as np
    out = []
    try:
        W = jt.shoulder_width()
    except DataError:
        return out
    if kind == "skels" and not 0.5 <= W <= 2.0:
        out.append(f"{jt.name or 'The sequence'}: the shoulders are {W:.2f} wide after multiplying by the scale "
                   f"{scale:g}, where the .skels layout has 1: the Scale looks wrong (3 Progressive Transformers, "
                   f"9 Prompt2Sign; {scale * (1.0 / W):.3g} would fit this file).")
    palms = []
    for h in range(2):
        ok = jt.hand_valid[:, h, 0] & jt.hand_valid[:, h, 9]
        if ok.any():
            palms.append(np.median(np.linalg.norm(jt.hands[ok, h, 9] - jt.hands[ok, h, 0], axis=-1)))
    if palms:
        ratio = float(np.median(palms)) / W
        if not 0.08 <= ratio <= 1.0:
            out.append(f"{jt.name or 'The sequence'}: the hands are {ratio:.2f} x the shoulder width (a person's "
                       "are about 0.3): hand and body joints look like different units or a broken file.")
    return out


def to_pose_track(jt, body=None, fps=None, name=None):
    """Fit a PoseTrack (with depth lifted first for flat 2-D data); returns (track, report)."""
    flat = lift_depth(jt)
    track, report = joints_to_track(flat, body, fps, name)
    report["depth_lifted"] = bool(flat.meta.get("depth_lifted"))
    return track, report


def save_track(track, path, scale=3.0, face=True):
    """Write a PoseTrack (or JointTrack) as .pose or .skels (by the extension)."""
    ext = os.path.splitext(path)[1].lower()
    jt = as_joint_track(track)
    if ext == ".pose":
        extra = track_extras(track) if not isinstance(track, JointTrack) else None
        return save_pose(path, jt, face=face, extra=extra)
    if ext == ".skels":
        return save_skels(path, jt, scale)
    raise DataError(f"Cannot write '{ext}': use .pose or .skels.")


__all__ = ["EXTENSIONS", "JointTrack", "as_joint_track", "from_pose_track", "joints_to_track", "kind_of",
           "lift_depth", "load", "load_openpose", "load_pose", "load_skels", "save_pose", "save_skels",
           "save_track", "to_pose_track"]
