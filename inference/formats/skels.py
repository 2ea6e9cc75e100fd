"""Progressive Transformers / Prompt2Sign `.skels` text: one sequence per line.

Each frame is 150 floats (50 joints x xyz: nose, neck, R shoulder/elbow/wrist, L shoulder/elbow/wrist,
21 left-hand, 21 right-hand joints) followed by a progress counter (frame index / frame count).
Axes of the file: +x toward the signer's right, +y down, +z toward the viewer (a right-handed frame),
origin at the neck, shoulder width 1 before the values are divided by `scale` (3 in Progressive
Transformers' PHOENIX14T files, 9 in Prompt2Sign).
"""
import numpy as np

from ..errors import DataError
from .files import read_bytes
from .joints import NECK, SHOULDER_L, SHOULDER_R, JointTrack

FRAME = 151
# canonical (x left, y back, z up) <- skels (x right, y down, z toward viewer)
TO_CANONICAL = np.array([[-1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, -1.0, 0.0]])


def _read_text(path):
    raw = read_bytes(path, ".skels file")
    if b"\x00" in raw[:4096]:
        raise DataError(f"{path} is binary, not a .skels text file (one sequence of numbers per line).")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path} is not UTF-8/ASCII text (byte {exc.start}): not a .skels file.") from None


def parse_line(line, where="line"):
    """(T, 151) frames of one sequence line; DataError when it is not whole frames of numbers."""
    parts = line.split()
    try:
        a = np.array(parts, dtype=float)
    except ValueError:
        bad = next(p for p in parts if not _is_float(p))
        raise DataError(f"{where}: '{bad[:20]}' is not a number.") from None
    if a.size == 0:
        raise DataError(f"{where} is empty.")
    if a.size % FRAME:
        raise DataError(f"{where} has {a.size} numbers, not a whole number of {FRAME}-number frames "
                        f"(50 joints x 3 + counter): the file is truncated or not in the .skels layout.")
    if not np.all(np.isfinite(a)):
        raise DataError(f"{where} holds NaN or infinite values.")
    return a.reshape(-1, FRAME)


def _is_float(s):
    try:
        float(s)
        return True
    except ValueError:
        return False


def frames_to_joints(frames, fps=25.0, scale=3.0, name="", trim_counter=True):
    """JointTrack (canonical axes, shoulder-width units) from (T, 151) frames.

    trim_counter: Progressive Transformers pad outputs after the counter reaches its maximum; frames after the
    maximum counter are dropped (as their evaluation does).
    """
    frames = np.asarray(frames, float)
    if trim_counter and frames.shape[0] > 1:
        last = int(np.argmax(frames[:, -1]))
        if last > 0 and last < frames.shape[0] - 1:
            frames = frames[: last + 1]
    J = frames[:, :150].reshape(-1, 50, 3) * float(scale)
    J = np.einsum("ij,tkj->tki", TO_CANONICAL, J)
    jt = JointTrack(fps, J[:, :8], J[:, 8:].reshape(-1, 2, 21, 3), name=name, source="skels")
    jt.meta["counter"] = frames[:, -1].copy()
    return jt


def _nth_line(path, index):
    """The index-th non-blank line of a (possibly huge) .skels file without reading all of it."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
            if not head.strip():
                raise DataError(f"{path} is empty.")
            if b"\x00" in head:
                raise DataError(f"{path} is binary, not a .skels text file (one sequence of numbers per line).")
            f.seek(0)
            k = -1
            for raw in f:
                if raw.strip():
                    k += 1
                    if k == index:
                        try:
                            return raw.decode("utf-8"), k + 1
                        except UnicodeDecodeError:
                            raise DataError(f"{path} is not UTF-8/ASCII text: not a .skels file.") from None
    except FileNotFoundError:
        raise DataError(f"No such file: {path}") from None
    except IsADirectoryError:
        raise DataError(f"{path} is a folder, not a .skels file.") from None
    except OSError as exc:
        raise DataError(f"Cannot read {path}: {exc.strerror or exc}") from None
    raise DataError(f"{path} holds {k + 1} sequence(s); there is no number {index + 1}.")


def load_skels(path, fps=25.0, scale=3.0, names=None, index=None):
    """Sequences of a .skels file as JointTracks (raw units x scale; see JointTrack.normalised).

    index: only that sequence (0-based), read without loading the whole file (full datasets are ~1 GB).
    """
    if index is not None:
        line, _ = _nth_line(path, int(index))
        nm = names[index] if names and index < len(names) else f"{index}"
        return [frames_to_joints(parse_line(line, f"{path}: sequence {index + 1}"), fps, scale, nm)]
    text = _read_text(path)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    out = []
    for i, line in enumerate(lines):
        nm = names[i] if names and i < len(names) else f"{i}"
        out.append(frames_to_joints(parse_line(line, f"{path}: sequence {i + 1}"), fps, scale, nm))
    return out


def names_for(path):
    """Sequence names from the companion `.files` next to a .skels file, if there is one."""
    import os
    base = os.path.splitext(path)[0] + ".files"
    if not os.path.isfile(base):
        return None
    try:
        with open(base, encoding="utf-8") as f:
            return [ln.strip() for ln in f if ln.strip()]
    except (OSError, UnicodeDecodeError):
        return None


def joints_to_frames(jt, scale=3.0):
    """(T, 151) .skels frames from a JointTrack: neck at the origin, shoulder width 1, divided by scale."""
    W = jt.shoulder_width()
    J = jt.flat().copy()
    valid = jt.flat_valid()
    J = J - J[:, NECK:NECK + 1]
    J = np.einsum("ji,tkj->tki", TO_CANONICAL, J) / W / float(scale)   # inverse = transpose
    J[~valid] = 0.0
    T = jt.n_frames
    counter = np.arange(T) / T
    return np.concatenate([J.reshape(T, 150), counter[:, None]], axis=1)


def format_frames(frames):
    """One .skels line (5 decimals like the published files)."""
    return " ".join(f"{v:.5f}" for v in np.asarray(frames).ravel())


def save_skels(path, tracks, scale=3.0):
    """Write JointTracks (or one) as a .skels file, one line per sequence."""
    if isinstance(tracks, JointTrack):
        tracks = [tracks]
    with open(path, "w", encoding="utf-8") as f:
        for jt in tracks:
            f.write(format_frames(joints_to_frames(jt, scale)) + "\n")
    return path


__all__ = ["FRAME", "TO_CANONICAL", "frames_to_joints", "joints_to_frames", "load_skels", "names_for",
           "parse_line", "save_skels", "SHOULDER_L", "SHOULDER_R"]
