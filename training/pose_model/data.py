"""Corpus for the gloss -> pose model, made by this project's own synthesiser (numpy only, no torch).

Each sample: a gloss sequence of 1-3 signs from a fixed vocabulary and its pose track as Progressive-
Transformers frames (50 joints x 3, neck origin, shoulder width 1, divided by 3) at 12.5 fps. The counter
column is i / (T - 1) here (ends at exactly 1, the model's stop signal). Splits are disjoint sentences.
The real PHOENIX14T sample (15 sequences, DGS) is far too small to train on; it is only used for tests.
"""
import numpy as np

from ...inference import Settings, gloss_to_track, load_language
from ...inference.formats.joints import from_pose_track
from ...inference.formats.skels import joints_to_frames
from ...inference.gloss import GlossItem

FPS = 12.5
SCALE = 3.0
N_FEAT = 151


def vocabulary(size=30, seed=0, language="ASL"):
    """`size` lexicon glosses (seeded pick; reviewed entries preferred)."""
    lex = load_language(language).lexicon
    names = sorted(g for g, e in lex.signs.items() if not _review(e))
    rng = np.random.default_rng(seed)
    return sorted(rng.choice(names, size=min(size, len(names)), replace=False).tolist())


def _review(entry):
    return bool(entry.get("review")) if isinstance(entry, dict) else bool(getattr(entry, "review", False))


def sentence_frames(glosses, language="ASL"):
    """(T, 151) frames for a gloss list (counter i / (T-1))."""
    items = [GlossItem(g, "sign") for g in glosses]
    track = gloss_to_track(items, language, settings=Settings(fps=FPS))
    f = joints_to_frames(from_pose_track(track), SCALE).astype(np.float32)
    T = f.shape[0]
    f[:, -1] = np.arange(T) / max(T - 1, 1)
    return f


def make_corpus(vocab, n_train=600, n_dev=60, n_test=60, max_len=3, seed=1):
    """{'train'|'dev'|'test': [(glosses tuple, frames)]} with no sentence shared between splits."""
    rng = np.random.default_rng(seed)
    seen = set()
    out = {"train": [], "dev": [], "test": []}
    want = {"train": n_train, "dev": n_dev, "test": n_test}
    for split in ("test", "dev", "train"):
        tries = 0
        while len(out[split]) < want[split] and tries < 50 * want[split]:
            tries += 1
            n = int(rng.integers(1, max_len + 1))
            g = tuple(rng.choice(vocab, size=n).tolist())
            if g in seen:
                continue
            seen.add(g)
            out[split].append((g, sentence_frames(list(g))))
    return out


def edit_distance(a, b):
    d = np.arange(len(b) + 1)
    for i, x in enumerate(a, 1):
        prev, d[0] = d[0], i
        for j, y in enumerate(b, 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (x != y))
    return int(d[-1])


def nearest_neighbour(train, glosses):
    """Retrieval baseline: the frames of the training sentence with the closest gloss sequence."""
    best = min(range(len(train)), key=lambda i: (edit_distance(train[i][0], glosses), i))
    return train[best][1]
