"""Research formats (.pose, .skels, OpenPose JSON) and metrics: no bpy needed."""
import json
import os

import numpy as np
import pytest

from conftest import SHARED
from signllm import inference
from signllm.inference import DataError, SignLLMError
from signllm.inference import formats as F
from signllm.inference import metrics as M
from signllm.inference.formats import openpose as OP

PT_DIR = os.path.join(SHARED, "data", "progressive_transformers_sample")
needs_pt = pytest.mark.skipif(not os.path.isdir(PT_DIR), reason="../shared/data is absent")


@pytest.fixture(scope="module")
def generated():
    _, track = inference.text_to_track("Hello, what is your name?")
    return track


@pytest.fixture(scope="module")
def other():
    _, track = inference.text_to_track("My mother is happy.")
    return track


@pytest.mark.parametrize("ext,tol", [(".pose", 1e-6), (".skels", 5e-5)])
def test_round_trip_export_import(generated, tmp_path, ext, tol):
    path = str(tmp_path / f"t{ext}")
    F.save_track(generated, path)
    (jt,) = F.load(path)
    ref = F.from_pose_track(generated)
    assert jt.n_frames == generated.n_frames
    got = jt.normalised()  # the generated track lives on the default body, so this is its own scale
    err = np.linalg.norm(got.flat() - ref.flat(), axis=-1)
    assert err.max() < tol, err.max()
    if ext == ".pose":
        assert jt.fps == pytest.approx(generated.fps)
    # and back into a real PoseTrack the rigs pipeline can retarget
    track, report = F.to_pose_track(jt)
    track.check()
    e = np.linalg.norm(track.hand_joints() - generated.hand_joints(), axis=-1)
    assert e.mean() < 2e-4 and e.max() < 2e-3, (e.mean(), e.max())
    assert np.abs(track.wrist - generated.wrist).max() < 1e-4
    assert np.abs(track.elbow - generated.elbow).max() < 1e-4
    assert report["hand_rms_m"]["R"] < 5e-4


def test_pose_file_layout(generated, tmp_path):
    from signllm.inference.formats.posefile import read_pose
    path = str(tmp_path / "t.pose")
    F.save_track(generated, path)
    pose = read_pose(path)
    names = [c.name for c in pose.header.components]
    assert names == ["POSE_LANDMARKS", "FACE_LANDMARKS", "LEFT_HAND_LANDMARKS", "RIGHT_HAND_LANDMARKS"]
    assert [len(c.points) for c in pose.header.components] == [33, 468, 21, 21]
    conf = np.asarray(pose.body.confidence)[:, 0]
    assert conf[:, 33:33 + 468].max() == 0          # face present but empty
    assert conf[:, 25:33].max() == 0                # legs masked
    assert conf[:, 11:17].min() == 1                # shoulders, elbows, wrists seen
    # image axes: the signer's left shoulder is on the image right, the head above the shoulders
    data = np.ma.getdata(pose.body.data)[:, 0]
    assert (data[:, 11, 0] > data[:, 12, 0]).all()
    assert (data[:, 0, 1] < data[:, 11, 1]).all()
    F.save_track(generated, str(tmp_path / "noface.pose"), face=False)
    p2 = read_pose(str(tmp_path / "noface.pose"))
    assert [c.name for c in p2.header.components] == ["POSE_LANDMARKS", "LEFT_HAND_LANDMARKS", "RIGHT_HAND_LANDMARKS"]


def test_skels_layout_and_scale(generated, tmp_path):
    path = str(tmp_path / "t.skels")
    F.save_track(generated, path, scale=9.0)
    line = open(path).read().splitlines()[0].split()
    frames = np.array(line, float).reshape(-1, 151)
    assert frames.shape[0] == generated.n_frames
    np.testing.assert_allclose(frames[:, -1], np.arange(generated.n_frames) / generated.n_frames, atol=1e-5)
    J = frames[:, :150].reshape(-1, 50, 3) * 9.0
    w = np.linalg.norm(J[:, 2] - J[:, 5], axis=-1)
    np.testing.assert_allclose(w, 1.0, atol=1e-4)            # shoulder width 1 before the scale
    assert (J[:, 2, 0] > 0).all() and (J[:, 0, 1] < 0).all()  # +x signer's right, +y down
    (jt,) = F.load(path, scale=9.0)
    assert jt.shoulder_width() == pytest.approx(1.0, abs=1e-4)


@needs_pt
def test_progressive_transformers_sample():
    for split, n_seq in (("train", 5), ("dev", 5), ("test", 5)):
        seqs = F.load(os.path.join(PT_DIR, f"{split}.skels"))
        assert len(seqs) == n_seq
        assert seqs[0].name.startswith(f"{split}/")
        for jt in seqs:
            assert jt.n_frames > 20
            assert jt.shoulder_width() == pytest.approx(1.0, abs=0.05)   # stored divided by 3
            nj = jt.normalised()
            fwd = -(nj.wrists()[..., 1] - nj.body[:, [5, 2], 1])        # wrist in front of its shoulder
            assert np.median(fwd) > 0
    jt = F.load(os.path.join(PT_DIR, "dev.skels"))[0]
    track, report = F.to_pose_track(jt)
    track.check()
    assert track.n_frames == jt.n_frames
    # real, estimated hands fit the anatomical hand only roughly; measured median ~3-4 cm per joint
    assert report["hand_rms_m"]["R"] < 0.06
    m = M.compare(track, jt)
    assert m.dtw_error < 0.3 and m.duration_ratio == pytest.approx(1.0)


def _openpose_frames(jt, layout=25, seen=1.0):
    """OpenPose 2-D frames (pixels) drawn from a JointTrack, front view."""
    img = np.einsum("ji,...j->...i", OP.FROM_IMAGE, np.concatenate([jt.body, jt.hands.reshape(-1, 42, 3)], 1))
    px = img[..., :2] * 800 + 500
    frames = []
    for t in range(jt.n_frames):
        body = np.zeros((layout, 3))
        body[:8, :2] = px[t, :8]
        body[:8, 2] = seen
        person = {"pose_keypoints_2d": body.ravel().tolist()}
        for h, side in enumerate(("left", "right")):
            hk = np.concatenate([px[t, 8 + 21 * h: 29 + 21 * h], np.full((21, 1), seen)], 1)
            person[f"hand_{side}_keypoints_2d"] = hk.ravel().tolist()
        frames.append({"version": 1.3, "people": [person]})
    return frames


@pytest.mark.parametrize("layout", [25, 18])
def test_openpose_folder_and_list(generated, tmp_path, layout):
    ref = F.from_pose_track(generated)
    frames = _openpose_frames(ref, layout)
    d = tmp_path / "frames"
    d.mkdir()
    for t, fr in enumerate(frames):
        (d / f"clip_{t:012d}_keypoints.json").write_text(json.dumps(fr))
    (jt,) = F.load(str(d))
    assert jt.n_frames == generated.n_frames and jt.meta["layout"] == ("BODY_25" if layout == 25 else "COCO-18")
    (tmp_path / "x.json").write_text(json.dumps(frames))
    (jt2,) = F.load(str(tmp_path / "x.json"))
    np.testing.assert_allclose(jt.flat(), jt2.flat())
    # 2-D: x and up are kept exactly (after scaling), depth is estimated from foreshortening
    n = jt.normalised()
    np.testing.assert_allclose(n.flat()[..., [0, 2]], ref.flat()[..., [0, 2]], atol=1e-6)
    track, report = F.to_pose_track(jt)
    assert report["depth_lifted"]
    track.check()
    m = M.compare(track, generated)
    assert m.dtw_error < 0.3, m.lines()   # measured 0.23: depth from foreshortening is a rough estimate
    assert m.duration_ratio == pytest.approx(1.0, rel=0.05) and 0.7 < m.travel_ratio < 1.3


def test_openpose_missing_people_and_points(generated, tmp_path):
    ref = F.from_pose_track(generated)
    frames = _openpose_frames(ref)
    frames[3] = {"people": []}
    frames[5]["people"][0]["hand_left_keypoints_2d"] = [0.0] * 63
    path = tmp_path / "f.json"
    path.write_text(json.dumps(frames))
    (jt,) = F.load(str(path))
    assert not jt.body_valid[3].any() and not jt.hand_valid[5, 0].any() and jt.hand_valid[5, 1].all()
    track, _ = F.to_pose_track(jt)
    track.check()
    assert np.isfinite(track.wrist).all()


BAD = [
    ("empty.skels", b"", "empty"),
    ("short.skels", b"0.1 0.2 0.3\n", "truncated"),
    ("words.skels", b"0.1 abc 0.3\n", "not a number"),
    ("latin1.skels", "0.1 caf\xe9".encode("latin-1"), "UTF-8"),
    ("bin.skels", b"\x00\x01\x02\x03" * 50, "binary"),
    ("nan.skels", (" ".join(["nan"] * 151) + "\n").encode(), "NaN"),
    ("empty.pose", b"", "empty"),
    ("junk.pose", b"this is not a pose file at all" * 10, "pose"),
    ("empty.json", b"", "empty"),
    ("broken.json", b'{"people": [{"pose_keypoints_2d": [1, 2,', "JSON"),
    ("utf16.json", '{"people": []}'.encode("utf-16"), "UTF-8"),
    ("wrong.json", b'{"frames": 3}', "people"),
    ("nobody.json", b'{"people": []}', "No person"),
    ("odd.json", b'{"people": [{"pose_keypoints_2d": [1, 2, 3, 4]}]}', "multiple of 3"),
    ("notes.txt2", b"hello", "Unknown pose file type"),
]


@pytest.mark.parametrize("name,content,words", BAD, ids=[b[0] for b in BAD])
def test_corrupt_files_give_clear_messages(tmp_path, name, content, words):
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(DataError) as exc:
        F.load(str(p))
    assert words.lower() in str(exc.value).lower(), str(exc.value)


def test_truncated_pose_file(generated, tmp_path):
    path = tmp_path / "t.pose"
    F.save_track(generated, str(path))
    raw = path.read_bytes()
    for cut in (10, 200, len(raw) // 2, len(raw) - 7):
        bad = tmp_path / f"cut{cut}.pose"
        bad.write_bytes(raw[:cut])
        with pytest.raises(DataError):
            F.load(str(bad))


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(DataError, match="No such file"):
        F.load(str(tmp_path / "nope.pose"))
    with pytest.raises(DataError, match="no .json"):
        F.load(str(tmp_path))
    with pytest.raises(DataError, match="No file"):
        F.load("")


def test_metrics_identity_and_stretch(generated):
    m = M.compare(generated, generated)
    assert m.dtw_error == pytest.approx(0.0, abs=1e-12)
    assert m.travel_ratio == pytest.approx(1.0) and m.duration_ratio == pytest.approx(1.0)
    jt = F.from_pose_track(generated)
    for factor in (0.7, 1.5, 2.0):
        s = M.compare(jt.stretched(factor), jt)
        assert s.duration_ratio == pytest.approx(factor, rel=0.02)
        assert s.dtw_error < 0.03, (factor, s.dtw_error)
        assert s.travel_ratio == pytest.approx(1.0, abs=0.05)
        # a stretched copy plays slower: less jerk
        if factor > 1:
            assert s.jerk[0] < s.jerk[1]


def test_metrics_tell_tracks_apart(generated, other):
    same = M.compare(F.from_pose_track(generated).stretched(1.3), generated)
    diff = M.compare(other, generated)
    assert diff.dtw_error > 5 * same.dtw_error
    # a track that never moves has a small-ish DTW error to a slow track but travel says it is wrong
    jt = F.from_pose_track(generated)
    still = F.JointTrack(jt.fps, np.repeat(jt.body[:1], jt.n_frames, 0), np.repeat(jt.hands[:1], jt.n_frames, 0))
    s = M.compare(still, generated)
    assert s.travel_ratio == 0.0
    assert any("travel ratio" in line for line in s.lines()[:1])


def test_dtw_path_is_monotone():
    a = np.abs(np.subtract.outer(np.arange(5.0), np.arange(8.0) * 0.5))
    path, total = M.dtw(a)
    assert tuple(path[0]) == (0, 0) and tuple(path[-1]) == (4, 7)
    assert (np.diff(path, axis=0) >= 0).all() and (np.diff(path, axis=0).sum(1) >= 1).all()
    assert total == pytest.approx(a[path[:, 0], path[:, 1]].sum())


def test_metrics_reject_disjoint():
    jt = F.JointTrack(25.0, np.zeros((5, 8, 3)), np.zeros((5, 2, 21, 3)), np.zeros((5, 8), bool),
                      np.zeros((5, 2, 21), bool))
    with pytest.raises(SignLLMError):
        M.compare(jt, jt)


def test_load_one_sequence_by_index(generated, other, tmp_path):
    path = str(tmp_path / "two.skels")
    F.save_skels(path, [F.from_pose_track(generated), F.from_pose_track(other)])
    with open(path, "a") as f:
        f.write("\n\n")                                 # blank lines are not sequences
    both = F.load(path)
    assert len(both) == 2
    (second,) = F.load(path, index=1)
    np.testing.assert_allclose(second.flat(), both[1].flat())
    with pytest.raises(DataError, match="no number 3"):
        F.load(path, index=2)
    F.save_track(generated, str(tmp_path / "one.pose"))
    with pytest.raises(DataError, match="no number 2"):
        F.load(str(tmp_path / "one.pose"), index=1)


def test_implausible_scale_gets_a_warning(generated, tmp_path):
    """A .skels file read with the wrong Scale (9 read as 3, 3 read as 9) is flagged, with the scale that fits;
    the right scale, and a .pose file, give no warning."""
    path = str(tmp_path / "p2s.skels")
    F.save_track(generated, path, scale=9.0)
    (right,) = F.load(path, scale=9.0)
    assert right.meta["warnings"] == []
    (wrong,) = F.load(path, scale=3.0)
    assert len(wrong.meta["warnings"]) == 1 and "Scale looks wrong" in wrong.meta["warnings"][0]
    assert "9 would fit" in wrong.meta["warnings"][0]
    (big,) = F.load(path, scale=30.0)
    assert "9 would fit" in big.meta["warnings"][0]
    pose = str(tmp_path / "ok.pose")
    F.save_track(generated, pose)
    assert F.load(pose)[0].meta["warnings"] == []


def test_hands_in_other_units_get_a_warning(generated):
    jt = F.from_pose_track(generated)
    jt.hands = jt.hands * 100.0          # hands in centimetres, body in metres
    msgs = F.scale_warnings(jt, "pose")
    assert len(msgs) == 1 and "different units" in msgs[0]
    assert F.scale_warnings(F.from_pose_track(generated), "pose") == []
