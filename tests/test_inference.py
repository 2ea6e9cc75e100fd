"""The inference core without Blender: gloss rules, gloss text, synthesis facts."""
import numpy as np
import pytest

from signllm.inference import (BodyModel, Settings, SignLLMError, format_gloss, gloss_to_track, load_language,
                               parse_gloss, text_to_gloss)
from signllm.inference import hand


def g(text):
    return format_gloss(text_to_gloss(text))


def test_hello_what_is_your_name():
    assert g("Hello, what is your name?") == "HELLO / wh[ YOUR NAME WHAT ]"


@pytest.mark.parametrize("text,expected", [
    ("The mother is happy.", "MOTHER HAPPY"),               # articles and copula dropped
    ("Where is my mother?", "wh[ MY MOTHER WHERE ]"),        # wh-word last, lowered brows
    ("Do you want water?", "yn[ YOU WANT WATER ]"),          # aux dropped, raised brows
    ("I am not hungry.", "ME neg[ HUNGRY NOT ]"),            # NOT after the predicate, head shake over it
    ("Yesterday I went home.", "YESTERDAY ME GO HOME"),      # irregular past lemmatised, time first
])
def test_rules(text, expected):
    assert g(text) == expected


def test_unknown_words_and_names_are_fingerspelled_with_spans():
    items = text_to_gloss("My name is Zorblax.")
    spell = [it for it in items if it.kind == "spell"]
    assert [it.letters for it in spell] == ["ZORBLAX"]
    assert spell[0].name and spell[0].review
    assert "My name is Zorblax."[spell[0].span[0]:spell[0].span[1]] == "Zorblax"


def test_sentence_punctuation_gives_pauses():
    items = text_to_gloss("Hello. Goodbye!")
    assert [it.kind for it in items] == ["sign", "pause", "sign"]


@pytest.mark.parametrize("bad", ["", "   \n\t", "?!...,", None])
def test_empty_text_is_a_clear_error(bad):
    with pytest.raises(SignLLMError):
        text_to_gloss(bad)


def test_gloss_text_round_trip_and_errors():
    text = "HELLO / wh[ YOUR NAME WHAT ] fs-ANNA"
    items = parse_gloss(text)
    assert format_gloss(items) == text
    assert items[1].kind == "pause" and items[2].marks == ("wh",) and items[-1].letters == "ANNA"
    for bad in ("wh[ YOU", "YOU ]", "zz[ YOU ]", "fs-123"):
        with pytest.raises(SignLLMError):
            parse_gloss(bad)
    with pytest.raises(SignLLMError, match="No ASL sign"):
        gloss_to_track("NOSUCHSIGN")


def _contact_error(track, gloss, loc, surface_joint, side=1):
    lang = load_language("ASL")
    seg = next(s for s in track.segments if s.gloss == gloss)
    point, _ = track.body.location(lang.phonology.locations[loc], "R" if side == 1 else "L")
    j = track.hand_joints()
    return np.linalg.norm(j[seg.start, side, surface_joint] - point)


@pytest.mark.parametrize("scale", [0.6, 1.0, 1.3])
def test_contact_lands_on_the_body_point_for_any_body_size(scale):
    base = BodyModel.default()
    body = BodyModel({k: v * scale for k, v in base.joints.items()}, hand_scale=base.hand_scale * scale)
    tr = gloss_to_track("MOTHER", body=body)
    # MOTHER: thumb tip on the chin; contact means within 1 cm (skin is modelled: thumb tip centre)
    assert _contact_error(tr, "MOTHER", "chin", hand.TIPS["thumb"]) < 0.01 * scale


def test_track_is_finite_in_reach_and_smooth():
    items, tr = text_to_gloss("Hello, what is your name? My name is Anna."), None
    tr = gloss_to_track(items, settings=Settings(fps=30))
    tr.check()
    speed = np.linalg.norm(np.diff(tr.wrist, axis=0), axis=-1) * 30
    assert speed.max() < 3.5, f"wrist moves {speed.max():.2f} m/s: a jump"
    acc = np.linalg.norm(np.diff(tr.wrist, 2, axis=0), axis=-1) * 30 * 30
    assert acc.max() < 150
    # markers follow the gloss in order and do not overlap
    signs = [s for s in tr.segments]
    assert [s.gloss for s in signs] == [it.gloss for it in items]
    assert all(a.end <= b.start for a, b in zip(signs, signs[1:]))


def test_left_handed_signer_mirrors_the_dominant_hand():
    right = gloss_to_track("MOTHER", settings=Settings(dominant="R"))
    left = gloss_to_track("MOTHER", settings=Settings(dominant="L"))
    seg = next(s for s in right.segments if s.gloss == "MOTHER")
    mid = (seg.start + seg.end) // 2
    wr, wl = right.wrist[mid, 1], left.wrist[mid, 0]
    assert abs(wr[0] + wl[0]) < 1e-6 and np.allclose(wr[1:], wl[1:])


def test_fingerspelling_uses_the_alphabet_handshapes():
    lang = load_language("ASL")
    tr = gloss_to_track("fs-ABC")
    seg = tr.segments[0]
    assert seg.kind == "spell" and seg.review
    letters = [lang.phonology.handshape(lang.alphabet[c]["hs"]) for c in "ABC"]
    # each letter's handshape is held exactly at some frame inside the spelled word
    params = tr.hand_params[seg.start:seg.end, 1]
    for p in letters:
        assert np.abs(params - p).max(axis=1).min() < 1e-6
