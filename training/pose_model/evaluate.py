"""Evaluate an exported gloss -> pose model with onnxruntime against a nearest-neighbour retrieval baseline.

    .venv/bin/python training/pose_model/evaluate.py --data .trainout/corpus.npz --model .trainout/uniform

For every test sentence: the model's frames (counter-based stopping) and the frames of the training sentence
with the closest gloss sequence, each compared with the reference by DTW joint error (shoulder widths),
hand travel ratio and duration ratio (inference/metrics.py). Also checks ONNX against the torch generations.
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_data import _package, load_corpus  # noqa: E402


def summarise(rows):
    a = np.array(rows)
    return {"dtw_error_mean": float(a[:, 0].mean()), "dtw_error_median": float(np.median(a[:, 0])),
            "travel_ratio_median": float(np.median(a[:, 1])), "duration_ratio_median": float(np.median(a[:, 2])),
            "duration_ratio_abs_log_mean": float(np.mean(np.abs(np.log(a[:, 2])))), "n": len(rows)}


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--model", required=True, help="folder with gloss2pose.onnx/.json")
    ap.add_argument("--split", default="test")
    a = ap.parse_args(argv)
    data_mod = _package()
    from signllm.inference import metrics
    from signllm.inference.formats.skels import frames_to_joints
    from signllm.inference.pose_model import GlossToPose
    _, corpus = load_corpus(a.data)
    model = GlossToPose(os.path.join(a.model, "gloss2pose.onnx"))
    fps = model.fps

    def jt(frames):
        return frames_to_joints(frames, fps, 3.0, trim_counter=False)

    rows_model, rows_nn, stopped = [], [], 0
    for gl, ref in corpus[a.split]:
        f = model.frames(list(gl), max_frames=3 * len(ref) + 20)
        stopped += f[-1, 150] >= model.stop
        m = metrics.compare(jt(f), jt(ref))
        rows_model.append((m.dtw_error, m.travel_ratio, m.duration_ratio))
        nn = data_mod.nearest_neighbour(corpus["train"], gl)
        n = metrics.compare(jt(nn), jt(ref))
        rows_nn.append((n.dtw_error, n.travel_ratio, n.duration_ratio))
    check = {}
    tg = os.path.join(a.model, "torch_test_generations.npz")
    if os.path.isfile(tg):
        z = np.load(tg)
        diffs = []
        for k, (gl, _) in zip(sorted(z.files, key=lambda s: int(s.split("_")[1])), corpus["test"]):
            f = model.frames(list(gl), max_frames=len(z[k]))
            t = min(len(f), len(z[k]))
            diffs.append(float(np.abs(f[:t] - z[k][:t]).max()))
        check = {"onnx_vs_torch_max_abs": max(diffs)}
    res = {"model": summarise(rows_model), "nearest_neighbour": summarise(rows_nn),
           "stopped_by_counter": int(stopped), **check}
    print(json.dumps(res, indent=1))
    with open(os.path.join(a.model, f"eval_{a.split}.json"), "w") as fh:
        json.dump(res, fh, indent=1)


if __name__ == "__main__":
    main()
