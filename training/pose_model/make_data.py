"""Write the gloss -> pose corpus (.npz) with the project's .venv (no torch needed).

Synthetic (this project's synthesiser):
    .venv/bin/python training/pose_model/make_data.py --out .trainout/corpus.npz [--vocab 30 --train 600]
Real data (.skels + .gloss [+ .files] per split, and/or a folder of .pose files with glosses):
    .venv/bin/python training/pose_model/make_data.py --out .trainout/real.npz \
        --skels data/train data/dev data/test [--source-fps 25 --source-scale 3] [--pose-dir my_poses]
"""
import argparse
import json
import os
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _package():
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    import build
    build.import_package()
    from signllm.training.pose_model import data
    return data


def _real(a):
    from signllm.inference.errors import DataError
    from signllm.training.pose_model import real_data
    t = time.time()
    try:
        vocab, corpus, names = real_data.build_corpus(a.skels, a.pose_dir, a.fps, a.source_fps, a.source_scale,
                                                      a.holdout, a.seed)
    except DataError as exc:
        sys.exit(f"make_data: {exc}")
    src = "; ".join([f"skels: {p}" for p in a.skels] + [f"pose: {d}" for d in a.pose_dir])
    save_corpus(a.out, vocab, corpus, names, source=src, fps=a.fps)
    print(f"{len(vocab)} glosses; " + ", ".join(f"{k} {len(v)}" for k, v in corpus.items()) +
          f"; {sum(len(f) for v in corpus.values() for _, f in v)} frames at {a.fps:g} fps "
          f"in {time.time() - t:.1f} s -> {a.out}")


def save_corpus(path, vocab, corpus, names=None, source=None, fps=None):
    arrays = {"vocab": np.array(json.dumps(vocab))}
    if source is not None:
        arrays["source"] = np.array(source)
    if fps is not None:
        arrays["fps"] = np.array(float(fps))
    for split, nm in (names or {}).items():
        arrays[f"{split}_names"] = np.array(json.dumps(nm))
    for split, items in corpus.items():
        arrays[f"{split}_glosses"] = np.array(json.dumps([list(g) for g, _ in items]))
        arrays[f"{split}_lens"] = np.array([len(f) for _, f in items], np.int64)
        arrays[f"{split}_frames"] = np.concatenate([f for _, f in items]).astype(np.float32)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    np.savez_compressed(path, **arrays)


def load_corpus(path):
    """(vocab, {split: [(glosses, frames)]}) of a corpus written by save_corpus (numpy only)."""
    z = np.load(path, allow_pickle=False)
    vocab = json.loads(str(z["vocab"]))
    out = {}
    for split in ("train", "dev", "test"):
        lens = z[f"{split}_lens"]
        frames = z[f"{split}_frames"]
        glosses = json.loads(str(z[f"{split}_glosses"]))
        offs = np.concatenate([[0], np.cumsum(lens)])
        out[split] = [(tuple(glosses[i]), frames[offs[i]:offs[i + 1]]) for i in range(len(lens))]
    return vocab, out


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--vocab", type=int, default=30)
    ap.add_argument("--train", type=int, default=600)
    ap.add_argument("--dev", type=int, default=60)
    ap.add_argument("--test", type=int, default=60)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skels", nargs="+", action="extend", default=[], metavar="PREFIX",
                    help="real data: PREFIX.skels + PREFIX.gloss [+ PREFIX.files]; the split is the file name "
                         "(train/dev/test) or SPLIT=PREFIX")
    ap.add_argument("--pose-dir", nargs="+", action="extend", default=[], metavar="DIR",
                    help="real data: a folder of .pose files with glosses.tsv (file, glosses[, split]) or "
                         "NAME.gloss sidecars")
    ap.add_argument("--fps", type=float, default=12.5, help="frame rate of the corpus (real data is resampled)")
    ap.add_argument("--source-fps", type=float, default=25.0, help=".skels recording frame rate (PHOENIX14T 25)")
    ap.add_argument("--source-scale", type=float, default=3.0,
                    help=".skels value divisor (3: Progressive Transformers, 9: Prompt2Sign)")
    ap.add_argument("--holdout", type=float, default=0.1,
                    help="fraction of train held out for dev and for test when the data has none")
    a = ap.parse_args(argv)
    data = _package()
    if a.skels or a.pose_dir:
        return _real(a)
    t = time.time()
    vocab = data.vocabulary(a.vocab)
    corpus = data.make_corpus(vocab, a.train, a.dev, a.test, seed=a.seed)
    save_corpus(a.out, vocab, corpus, source="synthetic: this project's own rule-based synthesiser", fps=data.FPS)
    print(f"{len(vocab)} glosses; " + ", ".join(f"{k} {len(v)}" for k, v in corpus.items()) +
          f"; {sum(len(f) for v in corpus.values() for _, f in v)} frames in {time.time() - t:.1f} s -> {a.out}")


if __name__ == "__main__":
    main()
