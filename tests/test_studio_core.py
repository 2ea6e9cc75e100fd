"""Subtitle files, cue fitting, stitching, chunked jobs and gloss-editor rows: the bpy-free core."""
import numpy as np
import pytest

from signllm.inference import BodyModel, SignLLMError
from signllm.studio import glossedit, jobs, subtitles, timing

SRT = """1
00:00:00,500 --> 00:00:04,000
<i>Hello</i>, what is your name?

2
00:00:05,000 --> 00:00:07,000
[MUSIC] - Thank you.

3
00:00:07,500 --> 00:00:08,000
My name is Anna and I like to learn sign language.
"""

VTT = """WEBVTT

00:00:00.500 --> 00:00:04.000 align:start
<v Bob>Hello, what is your name?</v>

00:01:05.250 --> 00:01:07.000
♪ (laughs) Thank you. ♪
"""


def write(tmp_path, name, data):
    p = tmp_path / name
    p.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return str(p)


def test_srt_cues_are_timed_and_cleaned(tmp_path):
    fmt, cues = subtitles.load(write(tmp_path, "a.srt", SRT))
    assert fmt == "srt"
    assert [(c.index, c.start, c.end) for c in cues] == [(1, 0.5, 4.0), (2, 5.0, 7.0), (3, 7.5, 8.0)]
    assert cues[0].text == "Hello, what is your name?"
    assert cues[1].text == "Thank you."


def test_vtt_cues_with_minutes_tags_and_sounds(tmp_path):
    fmt, cues = subtitles.load(write(tmp_path, "a.vtt", VTT))
    assert fmt == "vtt"
    assert cues[0].text == "Hello, what is your name?"
    assert cues[1].start == pytest.approx(65.25) and cues[1].end == pytest.approx(67.0)
    assert cues[1].text == "Thank you."


def test_bom_and_utf16_and_explicit_encoding(tmp_path):
    _, cues = subtitles.load(write(tmp_path, "bom.srt", b"\xef\xbb\xbf" + SRT.encode()))
    assert len(cues) == 3
    _, cues = subtitles.load(write(tmp_path, "u16.srt", SRT.encode("utf-16")))
    assert cues[2].end == 8.0
    latin = SRT.replace("Thank you.", "Merci, café.").encode("latin-1")
    p = write(tmp_path, "latin.srt", latin)
    with pytest.raises(subtitles.SubtitleError, match="not UTF-8.*line 7.*cp1252"):
        subtitles.load(p)
    _, cues = subtitles.load(p, encoding="latin-1")
    assert cues[1].text == "Merci, café."


@pytest.mark.parametrize("name,data,message", [
    ("missing.srt", None, "File not found"),
    ("empty.srt", "", "is empty"),
    ("blank.vtt", "  \n\n ", "is empty"),
    ("bad.srt", "1\nthis is not a time line\nHello\n", "not valid SRT near line 1"),
    ("bad.vtt", "Hello there\n", "not WebVTT"),
    ("broken.vtt", "WEBVTT\n\n00:00:01.000 --> nonsense\nHi\n", "not valid WebVTT"),
    ("backwards.srt", "1\n00:00:05,000 --> 00:00:02,000\nHi\n", "cue 1 ends"),
    ("sounds.srt", "1\n00:00:01,000 --> 00:00:02,000\n[MUSIC]\n", "no cue has words"),
    ("bin.srt", b"\x00\x01\x02PK\x00\x00" * 20, "looks binary"),
])
def test_bad_files_get_clear_messages(tmp_path, name, data, message):
    path = str(tmp_path / name) if data is None else write(tmp_path, name, data)
    with pytest.raises(subtitles.SubtitleError, match=message):
        subtitles.load(path)


def test_folder_and_text_file(tmp_path):
    with pytest.raises(subtitles.SubtitleError, match="folder"):
        subtitles.load(str(tmp_path))
    fmt, cues = subtitles.load(write(tmp_path, "t.txt", "Hello.\n\nThank you, mother."))
    assert fmt == "txt" and [c.text for c in cues] == ["Hello.", "Thank you, mother."]
    assert all(c.start == c.end == 0 for c in cues)
    long = " ".join(["Hello, what is your name?", "My name is Anna and I like to learn sign language."] * 5)
    _, cues = subtitles.load(write(tmp_path, "long.txt", long + "\n\nThank you."))
    assert len(cues) > 3 and all(len(c.text) <= 160 for c in cues) and cues[-1].text == "Thank you."
    assert " ".join(c.text for c in cues[:-1]) == long


def test_fit_rate_against_a_measured_length():
    # length with a fixed part that does not scale (like the synthesiser's holds)
    measure = lambda r: int(round(10 + 90 / r))  # noqa: E731
    rate, n, fits = timing.fit_rate(measure, 80, 0.7, 1.6)
    assert fits and n <= 80 and 1.0 < rate <= 1.6 and n >= 75  # fills most of the window
    rate, n, fits = timing.fit_rate(measure, 300, 0.7, 1.6)
    assert rate == 0.7 and fits  # slowest allowed, not slower
    rate, n, fits = timing.fit_rate(measure, 40, 0.7, 1.6)
    assert rate == 1.6 and not fits and n == measure(1.6)


@pytest.fixture(scope="module")
def srt_job(tmp_path_factory):
    p = tmp_path_factory.mktemp("srt") / "a.srt"
    p.write_text(SRT)
    _, cues = subtitles.load(str(p))
    job = jobs.SignJob(cues, BodyModel.default(), jobs.JobOptions(fps=24, policy="shift", rate_limits=(0.7, 1.6)))
    job.run()
    return job


def test_cues_are_signed_inside_their_windows(srt_job):
    res = srt_job.result
    p1, p2, p3 = res.placements
    for p in (p1, p2):
        assert p.status == "ok"
        assert p.start == round(p.cue.start * 24)
        assert p.end <= round(p.cue.end * 24)
        assert 0.7 <= p.rate <= 1.6
    # cue 1 is long at citation pace: sped up to fit; cue 3 cannot fit even at 1.6x and is reported
    assert p1.rate > 1.0
    assert p3.status == "overrun" and "cue 3 (00:00:07.500)" in p3.message and "cannot fit" in p3.message
    assert p3.rate == pytest.approx(1.6)
    assert res.report == [p3.message]
    # the signs of each cue lie inside its placement; the stitched track spans all of them
    for p in res.placements:
        for s in p.track.segments:
            assert 0 <= s.start < s.end <= p.frames
    assert res.track.n_frames >= p3.end
    assert [s.gloss for s in res.track.segments if s.kind != "pause"][:4] == ["HELLO", "YOUR", "NAME", "WHAT"]


def test_stitched_track_is_continuous_and_rests_between_cues(srt_job):
    res = srt_job.result
    tr = res.track
    step = np.linalg.norm(np.diff(tr.wrist, axis=0), axis=-1).max(axis=1)   # per-frame wrist travel
    within = max(float(np.linalg.norm(np.diff(p.track.wrist, axis=0), axis=-1).max()) for p in res.placements)
    assert step.max() <= within + 1e-9, "no jump larger than inside any cue"
    p1, p2 = res.placements[:2]
    gap = slice(p1.end, p2.start)
    assert p2.start - p1.end > 5
    rest = tr.wrist[0]
    assert np.abs(tr.wrist[gap] - rest).max() < 1e-9
    assert np.abs(tr.head[gap]).max() < 1e-9
    # signing happens inside the cues: the dominant hand leaves rest there
    assert np.linalg.norm(tr.wrist[p1.start:p1.end, 1] - rest[1], axis=-1).max() > 0.15


def test_skip_policy_and_empty_cue():
    cues = [subtitles.Cue(1, 0.0, 0.4, "My name is Anna and I like to learn sign language."),
            subtitles.Cue(2, 1.0, 5.0, ""),
            subtitles.Cue(3, 5.0, 8.0, "Thank you.")]
    job = jobs.SignJob(cues, BodyModel.default(), jobs.JobOptions(policy="skip"))
    res = job.run()
    st = [p.status for p in res.placements]
    assert st == ["skipped", "empty", "ok"]
    assert "skipped" in res.placements[0].message and "Type some text" in res.placements[1].message
    assert res.placements[2].start == 120


def test_delayed_cue_is_reported():
    cues = [subtitles.Cue(1, 0.0, 1.0, "Hello, what is your name?"), subtitles.Cue(2, 1.2, 4.0, "Thank you.")]
    res = jobs.SignJob(cues, BodyModel.default(), jobs.JobOptions(policy="shift", rate_limits=(0.7, 1.6))).run()
    p1, p2 = res.placements
    assert p1.status == "overrun" and "delays the next cue" in p1.message
    assert p2.start == p1.end and p2.delay > 0 and "starts" in p2.message and "late" in p2.message


def test_nothing_signable_is_an_error():
    with pytest.raises(SignLLMError, match="Nothing could be signed"):
        jobs.SignJob([subtitles.Cue(1, 0, 2, "")], BodyModel.default()).run()


def test_cancel_between_steps_leaves_no_result():
    cues = [subtitles.Cue(i, 2.0 * i, 2.0 * i + 1.8, "Thank you.") for i in range(1, 5)]
    job = jobs.SignJob(cues, BodyModel.default())
    steps = job.steps()
    next(steps)
    next(steps)
    job.cancel()
    with pytest.raises(jobs.Cancelled):
        next(steps)
    assert job.result is None


def test_long_text_chunks_follow_each_other():
    text = " ".join(["Hello, what is your name?", "Thank you.", "My name is Anna."] * 4)
    chunks = jobs.split_paragraph(text, 60)
    assert len(chunks) > 3 and all(len(c) <= 60 for c in chunks) and " ".join(chunks) == text
    job = jobs.SignJob.from_text(text, BodyModel.default(), jobs.Options(chunk_chars=60))
    seen = [label for _, _, label in job.steps()]
    assert len(seen) == len(job.cues) + 1 == len(chunks) + 1 and seen[-1] == "keys"
    ps = job.result.placements
    assert all(b.start == a.end for a, b in zip(ps, ps[1:]))


def test_editor_rows_roundtrip_and_edits(srt_job):
    rows = glossedit.rows_from(srt_job.result.placements, frame_start=1)
    p1 = srt_job.result.placements[0]
    assert [r["gloss"] for r in rows if r["cue"] == 1] == [it.gloss for it in p1.items]
    first = rows[0]
    assert first["start"] == 1 + p1.start + p1.track.segments[0].start
    spelled = [r for r in rows if r["kind"] == "spell"]
    assert spelled and all(glossedit.flag(r) == "fingerspelled" for r in spelled)
    items = glossedit.items_by_cue(rows)
    assert [it.gloss for it in items[1]] == [it.gloss for it in p1.items]
    assert [it.marks for it in items[1]] == [it.marks for it in p1.items]
    # speed x2 halves how long the sign took; an edited gloss is re-read; a pause gets its seconds
    took = rows[0]["seconds"]
    assert took > 0
    rows[0]["speed"] = 2.0
    rows[1]["gloss"] = "fs-BOB"
    i = glossedit.insert_pause(rows, 0, 0.8)
    items = glossedit.items_by_cue(rows, lambda g: 0.6)
    assert items[1][0].duration == pytest.approx(took / 2)
    assert items[1][1].kind == "pause" and items[1][1].duration == pytest.approx(0.8) and i == 1
    assert items[1][2].kind == "spell" and items[1][2].letters == "BOB"
    assert glossedit.unknown_glosses(rows + [dict(rows[0], gloss="NOSUCHSIGN")], {"HELLO": {}}) [-1] == "NOSUCHSIGN"


def test_pause_duration_and_sign_speed_change_the_timing(srt_job):
    """Edited rows re-synthesise: a longer pause and a faster sign move the later signs."""
    rows = [r for r in glossedit.rows_from(srt_job.result.placements) if r["cue"] == 2]
    base = jobs.SignJob([subtitles.Cue(2, 0, 0, "")], BodyModel.default(),
                        items=glossedit.items_by_cue(rows)).run()
    glossedit.insert_pause(rows, 0, 1.0)
    slower = jobs.SignJob([subtitles.Cue(2, 0, 0, "")], BodyModel.default(),
                          items=glossedit.items_by_cue(rows)).run()
    assert slower.track.n_frames - base.track.n_frames == pytest.approx(24, abs=2)


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=200, deadline=None)
@given(fixed=st.integers(0, 40), scaled=st.integers(1, 400), window=st.integers(1, 500),
       lo=st.floats(0.3, 1.0), hi=st.floats(1.0, 3.0))
def test_fit_rate_properties(fixed, scaled, window, lo, hi):
    """Within the limits always; fits means within the window; not fitting means even the fastest is too long;
    and a fitting rate is never faster than needed by more than a small refinement step."""
    measure = lambda r: fixed + int(np.ceil(scaled / r))  # noqa: E731
    rate, n, fits = timing.fit_rate(measure, window, lo, hi)
    assert lo - 1e-9 <= rate <= hi + 1e-9 and n == measure(rate)
    if fits:
        assert n <= window
    else:
        assert measure(hi) > window and rate == pytest.approx(hi)
    if fits and rate > max(lo, 1.0) + 1e-9:  # sped up: a 3 % slower rate would not fit
        assert measure(rate / 1.03) > window or rate / 1.03 < lo
