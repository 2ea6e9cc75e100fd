"""Real training data for the gloss -> pose model (no torch): .skels / .pose sources -> corpus.npz."""
import json
import os

import numpy as np
import pytest

from conftest import SHARED
from signllm.inference import DataError, Settings, gloss_to_track
from signllm.inference.formats.joints import from_pose_track
from signllm.inference.formats.skels import joints_to_frames, save_skels
from signllm.inference.gloss import GlossItem
from signllm.training.pose_model import make_data, real_data

PT = os.path.join(SHARED, "data", "progressive_transformers_sample")
has_pt = pytest.mark.skipif(not os.path.isdir(PT), reason="shared data (progressive_transformers_sample) absent")


def _load(path):
    """The corpus as train.py reads it, plus the raw arrays for the stored metadata."""
    vocab, corpus = make_data.load_corpus(path)
    return vocab, corpus, np.load(path, allow_pickle=False)


def _track(glosses, fps=12.5):
    t = gloss_to_track([GlossItem(g, "sign") for g in glosses], "ASL", settings=Settings(fps=fps))
    return from_pose_track(t)


@has_pt
def test_progressive_transformers_sample_becomes_a_corpus(tmp_path):
    out = str(tmp_path / "pt.npz")
    make_data.main(["--out", out, "--skels"] + [os.path.join(PT, s) for s in ("train", "dev", "test")])
    vocab, corpus, z = _load(out)
    assert {k: len(v) for k, v in corpus.items()} == {"train": 5, "dev": 5, "test": 5}
    words = set()
    for split in ("train", "dev", "test"):
        with open(os.path.join(PT, split + ".gloss"), encoding="utf-8") as f:
            lines = [ln.split() for ln in f if ln.strip()]
        assert [list(g) for g, _ in corpus[split]] == lines
        words |= {w for ln in lines for w in ln}
        with open(os.path.join(PT, split + ".skels")) as f:
            n_src = [len(ln.split()) // 151 for ln in f if ln.strip()]
        for (g, fr), n in zip(corpus[split], n_src):
            assert fr.shape[1] == 151 and np.isfinite(fr).all()
            assert abs(len(fr) - n * 12.5 / 25) <= 1, "resampled from 25 to 12.5 fps"
            c = fr[:, 150]
            assert c[0] == 0.0 and c[-1] == pytest.approx(1.0) and (np.diff(c) > 0).all()
            # neck at the origin, median shoulder width 1 before the / 3
            J = fr[:, :150].reshape(-1, 50, 3) * 3
            assert np.abs(J[:, 1]).max() < 1e-6
            assert np.median(np.linalg.norm(J[:, 2] - J[:, 5], axis=-1)) == pytest.approx(1.0, rel=1e-4)
    assert vocab == sorted(words) and len(vocab) == len(words)
    assert float(z["fps"]) == 12.5 and "skels" in str(z["source"])
    assert json.loads(str(z["dev_names"]))[0].startswith("dev/")


def test_self_made_skels_round_trip(tmp_path):
    sents = [["HELLO"], ["THANK-YOU", "HELLO"], ["HELLO", "THANK-YOU"]]
    tracks = [_track(s) for s in sents]
    for split, idx in (("train", [0, 1]), ("dev", [2]), ("test", [0])):
        save_skels(str(tmp_path / f"{split}.skels"), [tracks[i] for i in idx])
        (tmp_path / f"{split}.gloss").write_text("".join(" ".join(sents[i]) + "\n" for i in idx))
    out = str(tmp_path / "c.npz")
    make_data.main(["--out", out, "--source-fps", "12.5", "--skels", str(tmp_path / "train"),
                    "dev=" + str(tmp_path / "dev"), str(tmp_path / "test.skels")])
    vocab, corpus, _ = _load(out)
    assert vocab == ["HELLO", "THANK-YOU"]
    assert [g for g, _ in corpus["train"]] == [("HELLO",), ("THANK-YOU", "HELLO")]
    for (g, fr), i in zip(corpus["train"] + corpus["dev"], [0, 1, 2]):
        ref = joints_to_frames(tracks[i], 3.0)
        assert fr.shape == ref.shape
        np.testing.assert_allclose(fr[:, :150], ref[:, :150], atol=1e-4)   # .skels keeps 5 decimals
        np.testing.assert_allclose(fr[:, 150], np.arange(len(fr)) / (len(fr) - 1), atol=1e-7)


def test_holdout_when_only_train_is_given(tmp_path):
    sents = [["HELLO"], ["THANK-YOU"], ["HELLO", "HELLO"], ["THANK-YOU", "HELLO"]]
    save_skels(str(tmp_path / "all.skels"), [_track(s) for s in sents])
    (tmp_path / "all.gloss").write_text("".join(" ".join(s) + "\n" for s in sents))
    vocab, corpus, names = real_data.build_corpus([str(tmp_path / "all")], source_fps=12.5)
    assert {k: len(v) for k, v in corpus.items()} == {"train": 2, "dev": 1, "test": 1}
    allnames = sum(names.values(), [])
    assert sorted(allnames) == [f"all/{i}" for i in range(4)]
    assert vocab == ["HELLO", "THANK-YOU"]


def test_pose_folder_with_glosses_tsv_and_sidecars(tmp_path):
    pytest.importorskip("pose_format")
    from signllm.inference.formats.posefile import save_pose
    sents = [["HELLO"], ["THANK-YOU", "HELLO"], ["HELLO", "THANK-YOU"], ["THANK-YOU"]]
    for i, s in enumerate(sents):
        save_pose(str(tmp_path / f"clip{i}.pose"), _track(s, fps=25.0))
    (tmp_path / "glosses.tsv").write_text("clip0.pose\tHELLO\ttrain\nclip1\tTHANK-YOU HELLO\ttrain\n"
                                          "clip2\tHELLO THANK-YOU\tdev\nclip3\tTHANK-YOU\ttest\n")
    vocab, corpus, names = real_data.build_corpus(pose_dirs=[str(tmp_path)], fps=12.5)
    assert names == {"train": ["clip0", "clip1"], "dev": ["clip2"], "test": ["clip3"]}
    assert corpus["dev"][0][0] == ("HELLO", "THANK-YOU")
    ref = _track(sents[2], fps=25.0)
    fr = corpus["dev"][0][1]
    assert fr.shape[1] == 151 and abs(len(fr) - ref.n_frames / 2) <= 1
    assert fr[0, 150] == 0.0 and fr[-1, 150] == pytest.approx(1.0)
    # sidecar instead of the table; a missing sidecar is named
    os.remove(tmp_path / "glosses.tsv")
    for i, s in enumerate(sents[:3]):
        (tmp_path / f"clip{i}.gloss").write_text(" ".join(s) + "\n")
    with pytest.raises(DataError, match=r"clip3.pose has no gloss.*clip3.gloss"):
        real_data.build_corpus(pose_dirs=[str(tmp_path)])
    (tmp_path / "clip3.gloss").write_text("THANK-YOU\n")
    vocab, corpus, names = real_data.build_corpus(pose_dirs=[str(tmp_path)])
    assert sum(len(v) for v in corpus.values()) == 4 and len(corpus["dev"]) == len(corpus["test"]) == 1


def test_bad_files_give_clear_messages(tmp_path, capsys):
    save_skels(str(tmp_path / "train.skels"), [_track(["HELLO"]), _track(["THANK-YOU"])])
    (tmp_path / "train.gloss").write_text("HELLO\n")
    with pytest.raises(DataError, match=r"2 sequence line\(s\) but .*train.gloss holds 1 gloss line"):
        real_data.read_skels(str(tmp_path / "train"))
    with pytest.raises(SystemExit) as e:       # the command line says it in one line, no traceback
        make_data.main(["--out", str(tmp_path / "x.npz"), "--skels", str(tmp_path / "train")])
    assert "holds 1 gloss line" in str(e.value.code)
    (tmp_path / "train.gloss").write_text("\nHELLO\n")
    with pytest.raises(DataError, match=r"train.gloss: line 1: the gloss line is empty"):
        real_data.read_skels(str(tmp_path / "train"))
    (tmp_path / "train.gloss").write_text("HELLO\nTHANK-YOU\n")
    (tmp_path / "train.files").write_text("a\n")
    with pytest.raises(DataError, match=r"train.files holds 1 name"):
        real_data.read_skels(str(tmp_path / "train"))
    os.remove(tmp_path / "train.files")
    with pytest.raises(DataError, match=r"No such file: .*nope.gloss"):
        save_skels(str(tmp_path / "nope.skels"), [_track(["HELLO"])])
        real_data.read_skels(str(tmp_path / "nope"))
    (tmp_path / "bin.skels").write_bytes(b"\x00\x01garbage")
    (tmp_path / "bin.gloss").write_text("HELLO\n")
    with pytest.raises(DataError, match=r"bin.skels is binary"):
        real_data.read_skels(str(tmp_path / "bin"))
    (tmp_path / "cut.skels").write_text("0.1 0.2 0.3\n")
    (tmp_path / "cut.gloss").write_text("HELLO\n")
    with pytest.raises(DataError, match=r"not a whole number of 151-number frames"):
        real_data.read_skels(str(tmp_path / "cut"))
    with pytest.raises(DataError, match=r"unknown split 'valid'"):
        real_data.split_of("valid=x/y")
    with pytest.raises(DataError, match="need at least 3"):
        real_data.build_corpus([str(tmp_path / "train")])
