"""Real training data for the gloss -> pose model: .skels (Progressive Transformers / Prompt2Sign) and .pose
folders -> the same {split: [(glosses, frames)]} corpus the synthetic source makes (numpy only, no torch).

Every sequence goes through a JointTrack, so all sources end in one layout: Progressive-Transformers frames
(50 joints x 3, neck origin, median shoulder width 1, divided by 3), resampled to one frame rate, with the
counter i / (T - 1) (the model's stop signal ends at exactly 1). The gloss vocabulary is built from the data.
"""
import csv
import logging
import os

import numpy as np

from ...inference.errors import DataError
from ...inference.formats.files import read_bytes
from ...inference.formats.skels import frames_to_joints, joints_to_frames, parse_line

log = logging.getLogger(__name__)

SPLITS = ("train", "dev", "test")
SCALE = 3.0


def _lines(path, what):
    """All lines of a text file (trailing blank lines dropped); clear DataError when it is unusable."""
    raw = read_bytes(path, what)
    if b"\x00" in raw[:4096]:
        raise DataError(f"{path} is binary, not a {what}.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path} is not UTF-8 text (byte {exc.start}): not a {what}.") from None
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _glosses(line, where):
    g = tuple(line.split())
    if not g:
        raise DataError(f"{where}: the gloss line is empty (every sequence needs at least one gloss).")
    return g


def to_model_frames(jt, fps):
    """(T, 151) float32 model frames from a JointTrack, resampled to `fps`, counter i / (T - 1)."""
    if fps and abs(jt.fps - fps) > 1e-6:
        jt = jt.resampled(max(2, int(round(jt.n_frames * fps / jt.fps))))
    f = joints_to_frames(jt, SCALE).astype(np.float32)
    T = f.shape[0]
    f[:, -1] = np.arange(T) / max(T - 1, 1)
    return f


def split_of(prefix):
    """'train' | 'dev' | 'test' from 'SPLIT=PREFIX' or from the PREFIX's file name (train.skels -> train)."""
    if "=" in prefix:
        split, path = prefix.split("=", 1)
    else:
        path = prefix
        split = os.path.basename(prefix).split(".")[0].lower()
        split = {"val": "dev", "valid": "dev", "validation": "dev", "eval": "dev"}.get(split, split)
        if split not in SPLITS:
            split = "train"
    if split not in SPLITS:
        raise DataError(f"'{prefix}': unknown split '{split}' (use train, dev or test, e.g. dev=path/to/prefix).")
    return split, path


def read_skels(prefix, fps=12.5, source_fps=25.0, source_scale=3.0):
    """[(glosses, frames, name)] from PREFIX.skels + PREFIX.gloss (+ PREFIX.files, optional).

    source_scale: what the file's values were divided by (3 in Progressive Transformers' PHOENIX14T files,
    9 in Prompt2Sign); source_fps: the recording's frame rate (PHOENIX14T: 25).
    """
    prefix = prefix[:-6] if prefix.endswith(".skels") else prefix
    skels, gloss, files = prefix + ".skels", prefix + ".gloss", prefix + ".files"
    if not os.path.isfile(skels):
        raise DataError(f"No such file: {skels} (--skels takes a PREFIX: PREFIX.skels and PREFIX.gloss).")
    if not os.path.isfile(gloss):
        raise DataError(f"No such file: {gloss}: every .skels file needs its .gloss file (one line per sequence).")
    seqs = _lines(skels, ".skels file")
    gl = _lines(gloss, ".gloss file")
    names = _lines(files, ".files list") if os.path.isfile(files) else None
    if len(seqs) != len(gl):
        raise DataError(f"{skels} holds {len(seqs)} sequence line(s) but {gloss} holds {len(gl)} gloss line(s); "
                        "they must match line by line.")
    if names is not None and len(names) != len(seqs):
        raise DataError(f"{files} holds {len(names)} name(s) but {skels} holds {len(seqs)} sequence(s).")
    out = []
    for i, (s, g) in enumerate(zip(seqs, gl)):
        where = f"{skels}: line {i + 1}"
        if not s.strip():
            raise DataError(f"{where} is empty (a blank line inside the file shifts every later sequence).")
        glosses = _glosses(g, f"{gloss}: line {i + 1}")
        jt = frames_to_joints(parse_line(s, where), source_fps, source_scale, trim_counter=True)
        name = names[i].strip() if names else f"{os.path.basename(prefix)}/{i}"
        try:
            out.append((glosses, to_model_frames(jt, fps), name))
        except DataError as exc:
            raise DataError(f"{where}: {exc}") from None
    return out


def _pose_glosses(folder):
    """{file stem: (glosses, split or None)} from glosses.tsv (name<TAB>glosses[<TAB>split]), if present."""
    path = os.path.join(folder, "glosses.tsv")
    if not os.path.isfile(path):
        return None
    table = {}
    for i, row in enumerate(csv.reader(_lines(path, "glosses.tsv table"), delimiter="\t"), 1):
        if not row or not "".join(row).strip() or row[0].startswith("#"):
            continue
        if len(row) < 2:
            raise DataError(f"{path}: line {i} has no tab: expected 'file<TAB>GLOSS GLOSS ...[<TAB>split]'.")
        stem = os.path.splitext(os.path.basename(row[0].strip()))[0]
        split = row[2].strip().lower() if len(row) > 2 and row[2].strip() else None
        if split is not None and split not in SPLITS:
            raise DataError(f"{path}: line {i}: unknown split '{row[2].strip()}' (train, dev or test).")
        if stem in table:
            raise DataError(f"{path}: line {i}: '{stem}' is listed twice.")
        table[stem] = (_glosses(row[1], f"{path}: line {i}"), split)
    return table


def read_pose_dir(folder, fps=12.5):
    """{split or None: [(glosses, frames, name)]} from a folder of .pose files.

    Glosses come from folder/glosses.tsv (its optional third column is the split) or, failing that, from a
    NAME.gloss sidecar next to each NAME.pose. Sequences without a split are split off later (hold_out).
    """
    from ...inference.formats.posefile import load_pose   # needs pose-format; imported only when used
    if not os.path.isdir(folder):
        raise DataError(f"No such folder: {folder} (--pose-dir takes a folder of .pose files).")
    poses = sorted(f for f in os.listdir(folder) if f.lower().endswith(".pose"))
    if not poses:
        raise DataError(f"{folder} holds no .pose file.")
    table = _pose_glosses(folder)
    out = {}
    for fn in poses:
        stem = os.path.splitext(fn)[0]
        if table is not None:
            if stem not in table:
                raise DataError(f"{os.path.join(folder, 'glosses.tsv')} has no line for {fn}.")
            glosses, split = table[stem]
        else:
            side = os.path.join(folder, stem + ".gloss")
            if not os.path.isfile(side):
                raise DataError(f"{fn} has no gloss: add {stem}.gloss next to it or a glosses.tsv "
                                "(file<TAB>GLOSS GLOSS ...[<TAB>split]) to the folder.")
            lines = [ln for ln in _lines(side, ".gloss file") if ln.strip()]
            glosses, split = _glosses(" ".join(lines), side), None
        path = os.path.join(folder, fn)
        try:
            jt = load_pose(path)
            frames = to_model_frames(jt, fps)
        except DataError as exc:
            raise DataError(f"{path}: {exc}") from None
        out.setdefault(split, []).append((glosses, frames, stem))
    if table is not None:
        extra = sorted(set(table) - {os.path.splitext(f)[0] for f in poses})
        if extra:
            log.warning("glosses.tsv lists %d file(s) not in %s (e.g. %s)", len(extra), folder, extra[0])
    return out


def hold_out(items, fraction=0.1, seed=0):
    """(train, dev, test) from one list: a seeded `fraction` each for dev and test (at least 1 when >= 3)."""
    n = len(items)
    k = max(1, int(round(n * fraction))) if n >= 3 else 0
    order = np.random.default_rng(seed).permutation(n)
    pick = [items[i] for i in order]
    return pick[2 * k:], pick[:k], pick[k:2 * k]


def build_corpus(skels=(), pose_dirs=(), fps=12.5, source_fps=25.0, source_scale=3.0, holdout=0.1, seed=0):
    """(vocab, {split: [(glosses, frames)]}, {split: [names]}) from .skels prefixes and .pose folders.

    Splits come from the prefixes' names (train/dev/test.skels, or SPLIT=PREFIX) and glosses.tsv; a split
    that gets nothing is held out of the train sequences (`holdout` fraction), so train.py always has dev
    and test data.
    """
    if not skels and not pose_dirs:
        raise DataError("No data: give --skels PREFIX and/or --pose-dir DIR.")
    got = {s: [] for s in SPLITS}
    unsplit = []
    for p in skels:
        split, path = split_of(p)
        got[split] += read_skels(path, fps, source_fps, source_scale)
    for d in pose_dirs:
        for split, items in read_pose_dir(d, fps).items():
            (unsplit if split is None else got[split]).extend(items)
    got["train"] += unsplit
    missing = [s for s in ("dev", "test") if not got[s]]
    if missing:
        tr, dv, te = hold_out(got["train"], holdout, seed)
        if not dv:
            raise DataError(f"Only {len(got['train'])} sequence(s) and no dev/test data: need at least 3 to "
                            "hold some out, or give dev and test files.")
        got["train"] = tr
        if "dev" in missing:
            got["dev"] = dv
        else:
            got["train"] += dv
        if "test" in missing:
            got["test"] = te
        else:
            got["train"] += te
        log.info("held out %s from train", " and ".join(missing))
    if not got["train"]:
        raise DataError("No training sequences: the data only fills dev/test (give a train prefix).")
    vocab = sorted({g for items in got.values() for gl, _, _ in items for g in gl})
    corpus = {s: [(gl, f) for gl, f, _ in items] for s, items in got.items()}
    names = {s: [n for _, _, n in items] for s, items in got.items()}
    return vocab, corpus, names
