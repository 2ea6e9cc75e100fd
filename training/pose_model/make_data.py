"""Write the synthetic gloss -> pose corpus (.npz) with the project's .venv (no torch needed).

    .venv/bin/python training/pose_model/make_data.py --out .trainout/corpus.npz [--vocab 30 --train 600]
"""
import argparse
import importlib.util
import json
import os
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _package():
    if "signllm" not in sys.modules:
        spec = importlib.util.spec_from_file_location("signllm", os.path.join(ROOT, "__init__.py"),
                                                      submodule_search_locations=[ROOT])
        mod = importlib.util.module_from_spec(spec)
        sys.modules["signllm"] = mod
        spec.loader.exec_module(mod)
    from signllm.training.pose_model import data
    return data


def save_corpus(path, vocab, corpus):
    arrays = {"vocab": np.array(json.dumps(vocab))}
    for split, items in corpus.items():
        arrays[f"{split}_glosses"] = np.array(json.dumps([list(g) for g, _ in items]))
        arrays[f"{split}_lens"] = np.array([len(f) for _, f in items], np.int64)
        arrays[f"{split}_frames"] = np.concatenate([f for _, f in items]).astype(np.float32)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    np.savez_compressed(path, **arrays)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--vocab", type=int, default=30)
    ap.add_argument("--train", type=int, default=600)
    ap.add_argument("--dev", type=int, default=60)
    ap.add_argument("--test", type=int, default=60)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    data = _package()
    t = time.time()
    vocab = data.vocabulary(a.vocab)
    corpus = data.make_corpus(vocab, a.train, a.dev, a.test, seed=a.seed)
    save_corpus(a.out, vocab, corpus)
    print(f"{len(vocab)} glosses; " + ", ".join(f"{k} {len(v)}" for k, v in corpus.items()) +
          f"; {sum(len(f) for v in corpus.values() for _, f in v)} frames in {time.time() - t:.1f} s -> {a.out}")


if __name__ == "__main__":
    main()
