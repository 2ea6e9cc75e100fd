"""The everyday lexicon (calendar, food, places, clothing, animals, nature, people, family, body)."""
import json
import os

import numpy as np
import pytest

from signllm.inference import format_gloss, gloss_to_track, load_language, parse_gloss, text_to_gloss

EVERYDAY = os.path.join(os.path.dirname(__file__), "..", "inference", "data", "asl", "lexicon", "everyday.json")


def _entries():
    with open(EVERYDAY, encoding="utf-8") as f:
        return json.load(f)["signs"]


def test_everyday_file_is_loaded_and_every_review_has_a_note():
    lex = load_language("ASL").lexicon
    entries = _entries()
    assert len(entries) >= 140
    for e in entries:
        assert lex.source_of[e["gloss"]] == "everyday.json"
        if e["review"]:  # a reviewer must be told what to look at
            assert "check: " in e.get("notes", ""), e["gloss"]


@pytest.mark.parametrize("text,expected", [
    ("My aunt has two dogs and three cats.", "MY AUNT HAVE TWO DOG THREE CAT"),   # plurals lemmatised; AND not signed
    ("The mice ate the cheese.", "MOUSE EAT CHEESE"),                                  # irregular plural
    ("I brush my teeth every day.", "EVERY-DAY ME TOOTHBRUSH"),                        # multi-word phrases
    ("Do you have french fries?", "yn[ YOU HAVE FRENCH-FRIES ]"),
    ("My cousin is a lawyer.", "MY COUSIN LAWYER"),
])
def test_everyday_words_reach_their_signs(text, expected):
    assert format_gloss(text_to_gloss(text)) == expected


@pytest.mark.parametrize("gloss,tip", [("NOODLES", 20), ("BALL", 8), ("FLOOR", 5), ("BOWL", 17)])
def test_hands_that_start_together_touch_at_the_midline(gloss, tip):
    """Signs placed at 'chest' + near with a mirrored partner start with the two hands touching."""
    tr = gloss_to_track(parse_gloss(gloss))
    seg = next(s for s in tr.segments if s.gloss == gloss)
    j = tr.hand_joints()
    gap_start = np.linalg.norm(j[seg.start, 0, tip] - j[seg.start, 1, tip])
    assert gap_start < 0.04, f"{gloss}: hands {gap_start * 100:.1f} cm apart at the start"
