"""The learned gloss -> pose model: priority sampling maths (numpy), the shipped ONNX model run by
onnxruntime (no torch), bad model files; a torch training smoke test only where torch is installed."""
import json
import os
import shutil

import numpy as np
import pytest

from conftest import ROOT
from signllm.inference import DataError, SignLLMError
from signllm.inference import metrics
from signllm.inference.formats.skels import frames_to_joints
from signllm.training.pose_model import data as pm_data
from signllm.training.pose_model.sampling import draw, priority_probs

MODEL = os.path.join(ROOT, "inference", "models", "gloss2pose", "gloss2pose.onnx")
has_model = pytest.mark.skipif(not os.path.isfile(MODEL), reason="no trained model in inference/models")


def test_priority_sampling_follows_priority_and_weights_undo_it():
    rng = np.random.default_rng(0)
    prio = np.array([1.0, 2.0, 4.0, 8.0])
    idx, w = draw(prio, 40000, 0.0, 0.4, rng)
    assert np.allclose(np.bincount(idx, minlength=4) / 40000, 0.25, atol=0.01) and (w == 1).all()
    idx, w = draw(prio, 40000, 1.0, 1.0, rng)
    freq = np.bincount(idx, minlength=4) / 40000
    np.testing.assert_allclose(freq, prio / prio.sum(), atol=0.01)
    assert w.max() == pytest.approx(1.0)
    # beta = 1: the weighted mean of per-sample values equals the uniform mean (unbiased)
    values = np.array([3.0, -1.0, 5.0, 0.5])
    est = np.sum(w * values[idx]) / np.sum(w)
    assert est == pytest.approx(values.mean(), abs=0.05)
    p = priority_probs(prio, 0.5)
    np.testing.assert_allclose(p, np.sqrt(prio) / np.sqrt(prio).sum())


def test_corpus_and_retrieval_baseline():
    vocab = pm_data.vocabulary(8, seed=3)
    assert len(vocab) == 8 and vocab == sorted(vocab)
    corpus = pm_data.make_corpus(vocab, n_train=6, n_dev=2, n_test=2, max_len=2, seed=4)
    sents = [g for split in corpus.values() for g, _ in split]
    assert len(sents) == len(set(sents)) == 10
    g, f = corpus["train"][0]
    assert f.shape[1] == 151 and f[0, 150] == 0.0 and f[-1, 150] == pytest.approx(1.0)
    nn = pm_data.nearest_neighbour(corpus["train"], corpus["train"][2][0])
    assert nn is corpus["train"][2][1]
    assert pm_data.edit_distance(("A", "B"), ("A", "C", "B")) == 1


@has_model
def test_shipped_model_signs_with_counter_stopping():
    from signllm.inference.pose_model import GlossToPose
    m = GlossToPose(MODEL)
    glosses = [m.vocab[0], m.vocab[5]]
    f = m.frames(glosses, max_frames=300)
    assert np.isfinite(f).all()
    assert f[-1, 150] >= m.stop and len(f) < 300, "the counter ended the sequence"
    track, report = m.pose_track(glosses)
    track.check()
    ref = pm_data.sentence_frames(glosses)
    got = metrics.compare(frames_to_joints(f, m.fps, m.scale, trim_counter=False),
                          frames_to_joints(ref, m.fps, m.scale, trim_counter=False))
    card = json.load(open(os.path.splitext(MODEL)[0] + ".json"))
    # measured on this model: see inference/models/gloss2pose/MODEL_CARD.md
    assert got.dtw_error < card["test_eval"]["model"]["dtw_error_mean"] * 3
    assert 0.5 < got.duration_ratio < 2.0


def test_bad_model_files(tmp_path):
    from signllm.inference.pose_model import GlossToPose
    with pytest.raises(DataError, match="missing"):
        GlossToPose(str(tmp_path / "none.onnx"))
    (tmp_path / "bad.onnx").write_bytes(b"not a model")
    (tmp_path / "bad.json").write_text(json.dumps({"vocab": ["A"], "start_frame": [0.0] * 151}))
    with pytest.raises(DataError, match="cannot be loaded"):
        GlossToPose(str(tmp_path / "bad.onnx"))
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(DataError, match="unreadable"):
        GlossToPose(str(tmp_path / "bad.onnx"))


@has_model
def test_unknown_gloss(tmp_path):
    from signllm.inference.pose_model import GlossToPose
    m = GlossToPose(MODEL)
    with pytest.raises(SignLLMError, match="does not know: NOT-A-SIGN"):
        m.frames(["NOT-A-SIGN"])


def test_training_smoke(tmp_path):
    """Only where torch is installed (.trainvenv): a few steps lower the loss and export runs."""
    torch = pytest.importorskip("torch")
    from signllm.training.pose_model import train as tr
    from signllm.training.pose_model.make_data import save_corpus
    vocab = pm_data.vocabulary(6, seed=5)
    corpus = pm_data.make_corpus(vocab, n_train=12, n_dev=3, n_test=3, max_len=2, seed=6)
    path = str(tmp_path / "c.npz")
    save_corpus(path, vocab, corpus)
    out = tmp_path / "run"
    tr.main(["--data", path, "--out", str(out), "--steps", "60", "--log-every", "30", "--priority-alpha", "0.6"])
    meta = json.load(open(out / "gloss2pose.json"))
    assert meta["trained"]["final"]["dev_loss"] < 0.05
    assert (out / "gloss2pose.onnx").stat().st_size > 10000
    del torch
    shutil.rmtree(out)
