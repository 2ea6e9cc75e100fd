"""Signing space: loci in the gloss (IX-a, a-GIVE-b) are kept by the text form and honoured by synthesis,
measured on the synthesised track (index-finger direction, wrist path), not on the gloss string."""
import numpy as np
import pytest

from signllm.inference import (Synthesizer, format_gloss, gloss_to_track, load_language, parse_gloss,
                               text_to_gloss)


@pytest.fixture(scope="module")
def synth():
    lang = load_language("ASL")
    return Synthesizer(lang.phonology, lang.lexicon, lang.alphabet)


def _signs(track):
    return [s for s in track.segments if s.kind == "sign"]


def _index_dir(track, seg):
    m = (seg.start + seg.end) // 2
    j = track.hand_joints()[m, 1]
    d = j[8] - j[5]
    return d / np.linalg.norm(d), j[5]


def _path(track, seg):
    w = track.wrist[seg.start:seg.end, 1]
    return w[0], w[-1]


@pytest.mark.parametrize("locus", list("abcde"))
def test_ix_points_at_its_locus(synth, locus):
    tr = gloss_to_track(f"IX-{locus}")
    d, base = _index_dir(tr, _signs(tr)[0])
    want = synth.locus_point(locus) - base
    assert d @ (want / np.linalg.norm(want)) > 0.95


def test_two_referents_point_to_different_sides(synth):
    items = text_to_gloss("He likes her.")
    assert format_gloss(items) == "IX-a LIKE IX-b"
    tr = gloss_to_track(items)
    (a, _), (b, _) = (_index_dir(tr, s) for s in _signs(tr) if s.gloss == "IX-3")
    side = tr.body.side_vec("R")
    assert a @ side > 0.3 and b @ side < -0.3
    assert np.degrees(np.arccos(np.clip(a @ b, -1, 1))) > 50


def test_loci_are_kept_across_sentences():
    text = "She called him. He did not answer. She was sad."
    g = format_gloss(text_to_gloss(text))
    assert g == "IX-a CALL IX-b / IX-b neg[ ANSWER NOT ] / IX-a SAD"


def test_loci_can_be_carried_from_one_call_to_the_next():
    """Subtitle cues of one scene: a shared dict keeps she at a and he at b across separate calls."""
    space = {}
    assert format_gloss(text_to_gloss("She called him.", loci=space)) == "IX-a CALL IX-b"
    assert format_gloss(text_to_gloss("He did not answer.", loci=space)) == "IX-b neg[ ANSWER NOT ]"
    assert format_gloss(text_to_gloss("He did not answer.")) == "IX-a neg[ ANSWER NOT ]"   # a fresh space


@pytest.mark.parametrize("gloss,src,dst", [
    ("1-GIVE-2", "1", "2"), ("2-GIVE-1", "2", "1"), ("a-GIVE-b", "a", "b"), ("b-GIVE-a", "b", "a"),
    ("1-HELP-2", "1", "2"), ("2-HELP-1", "2", "1"), ("a-TELL-1", "a", "1"), ("1-SHOW-a", "1", "a"),
    ("2-ASK-1", "2", "1"), ("1-PAY-b", "1", "b"), ("a-SEND-1", "a", "1"), ("1-INFORM-a", "1", "a"),
])
def test_directional_verb_moves_from_subject_to_object(synth, gloss, src, dst):
    tr = gloss_to_track(gloss)
    start, end = _path(tr, _signs(tr)[0])
    want = synth.locus_point(dst) - synth.locus_point(src)
    want /= np.linalg.norm(want)
    move = end - start
    assert move @ want > 0.04                                        # at least 4 cm toward the object
    assert move @ want > 0.7 * np.linalg.norm(move)                   # and mostly that way


def test_subject_locus_sets_where_the_verb_starts():
    a_start, _ = _path(gloss_to_track("a-GIVE-b"), _signs(gloss_to_track("a-GIVE-b"))[0])
    tr = gloss_to_track("b-GIVE-a")
    b_start, _ = _path(tr, _signs(tr)[0])
    assert (a_start - b_start) @ tr.body.side_vec("R") > 0.05       # a is on the dominant side


def test_text_to_track_with_a_directional_verb():
    items = text_to_gloss("She gave him a gift.")
    assert format_gloss(items) == "IX-a a-GIVE-b GIFT"
    give = next(it for it in items if it.gloss == "GIVE")
    assert give.words == "gave him" and give.extra == {"from": "a", "to": "b"}
    tr = gloss_to_track(items)
    seg = next(s for s in _signs(tr) if s.gloss == "GIVE")
    start, end = _path(tr, seg)
    assert (end - start) @ tr.body.side_vec("R") < -0.04               # a (dominant side) -> b


@pytest.mark.parametrize("text", ["IX-a a-GIVE-b GIFT", "yn[ YOU CAN 2-HELP-1 PLEASE ]", "IX-c 1-TELL-2 IX-3"])
def test_loci_round_trip_the_text_form(text):
    assert format_gloss(parse_gloss(text)) == text


def test_locus_letter_case_is_forgiven():
    assert format_gloss(parse_gloss("ix-A LIKE IX-b")) == "IX-a LIKE IX-b"


def test_unknown_locus_is_a_clear_error(synth):
    from signllm.inference import SignLLMError
    with pytest.raises(SignLLMError, match="locus"):
        synth.locus_point("z")
