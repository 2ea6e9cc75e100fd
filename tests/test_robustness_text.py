"""Bad and odd text never breaks the text -> gloss -> pose path: a clear SignLLMError or a sound track.

Property-based (hypothesis) over arbitrary Unicode and over mixtures of real words, names, numbers,
punctuation, markup, emoji and other scripts. A sound track is finite, in reach and has signs.
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signllm import inference
from signllm.inference import SignLLMError

FRAGMENTS = ["hello", "my", "name", "is", "Anna", "what", "your", "?", "!", ".", ",", "don't", "not",
             "12", "2024", "$25", "7:30", "3.5", "<b>", "</b>", "&amp;", "😀", "👍🏽", "مرحبا", "שלום",
             "日本語", "Straße", "naïve", "\u200b", "\t", "\n", "\x00", "\x07", "\u202e", "…", "—", "(", ")",
             "xyzzy", "qwrtp", "A", "I", "mother", "thank", "you", "tomorrow", "eat", "pizza", "   "]


def _check(text):
    try:
        items, track = inference.text_to_track(text)
    except SignLLMError as exc:
        assert str(exc) and "Traceback" not in str(exc)
        return None
    track.check()    # finite, in reach (raises ValueError otherwise)
    for name in ("wrist", "palm", "hand_params", "elbow", "head", "brows"):
        assert np.all(np.isfinite(getattr(track, name)))
    assert any(it.kind != "pause" for it in items)
    assert track.n_frames > 0 and track.segments
    return track


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=80))
def test_any_unicode_text(text):
    _check(text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=25), st.sampled_from([" ", "", "\n", "  "]))
def test_mixtures_of_words_markup_scripts_and_symbols(parts, sep):
    _check(sep.join(parts))


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=60))
def test_gloss_parser_takes_any_text(text):
    try:
        items = inference.parse_gloss(text)
    except SignLLMError:
        return
    for it in items:
        assert it.kind in ("sign", "spell", "pause")


@pytest.mark.parametrize("text,ok", [
    ("", False), ("   \n\t ", False), ("?!...,;", False), ("😀😀😀", False),
    ("\x00\x01\x02", False), ("مرحبا بالعالم", False), ("12 34 56", True),
    ("<p>Hello <b>friend</b></p>", True), ("xyzzy plugh qwrtp", True),
    ("Hello Welt, wie geht's? 你好", True),
])
def test_named_cases(text, ok):
    track = _check(text)
    assert (track is not None) == ok, f"{text!r}: expected {'a track' if ok else 'a clear error'}"


def test_other_scripts_get_a_message_naming_the_words():
    with pytest.raises(SignLLMError, match="cannot spell that script") as info:
        inference.text_to_gloss("مرحبا بالعالم")
    assert "مرحبا" in str(info.value)


def test_accented_letters_are_spelled_by_their_base_letters():
    items, track = inference.text_to_track("Straße naïve Łódź")
    spelled = [s for s in track.segments if s.kind == "spell"]
    assert len(spelled) == 3
    # STRASSE has 7 letters, NAIVE 5, LODZ 4: every letter is signed, none dropped
    lengths = [s.end - s.start for s in spelled]
    assert lengths[0] > lengths[1] > lengths[2]


def test_markup_is_not_spelled_letter_by_letter():
    items = inference.text_to_gloss("<p>Hello <b>friend</b></p>")
    assert [it.gloss for it in items if it.kind != "pause"][:2] == ["HELLO", "FRIEND"]


def test_text_over_the_limit_is_refused_with_the_limit_in_the_message():
    with pytest.raises(SignLLMError, match="200,000"):
        inference.text_to_gloss("a " * 100_001)


def test_text_at_the_limit_glosses():
    text = ("Hello, my friend. " * 12_000)[: inference.MAX_TEXT]
    items = inference.text_to_gloss(text)
    assert len(items) > 20_000


# --- Unicode normalisation (issue 16): NFKC, invisible characters out, spans still on the user's text ---

def test_zero_width_joiner_does_not_split_a_word():
    from signllm.inference import format_gloss, text_to_gloss
    plain = format_gloss(text_to_gloss("What is your NAME?"))
    for text in ("What is your NA\u200dME?", "What is your NA\u200bME?", "What is your N\u00adAME?",
                 "What is your \uff2e\uff21\uff2d\uff25?", "What\u00a0is your\tNAME?\x00"):
        items = text_to_gloss(text)
        assert format_gloss(items) == plain, text
        name = [it for it in items if it.gloss == "NAME"][0]
        assert text[name.span[0]:name.span[1]].replace("\u200d", "").replace("\u200b", "").replace(
            "\u00ad", "") in ("NAME", "\uff2e\uff21\uff2d\uff25"), text


def test_normalise_text_keeps_offsets():
    from signllm.inference import normalise_text
    t = "ﬁne e\u0301 A\u200dB\x07C\nD"
    n = normalise_text(t)
    assert n.text == "fine \u00e9 ABC\nD"
    assert n.original_span((0, 4)) == (0, 3) and n.original_span((0, 2)) == (0, 1)  # ligature: 2 letters, 1 char
    k = n.text.index("\u00e9")
    assert n.original_span((k, k + 1)) == (4, 6)      # a composed letter covers its base and its accent
    a = n.text.index("ABC")
    assert t[slice(*n.original_span((a, a + 3)))] == "A\u200dB\x07C"
    assert n.original_span((a, a + 1)) == (7, 8)      # a trailing invisible is not part of the letter
    assert "\n" in n.text                             # a line break still ends a sentence
