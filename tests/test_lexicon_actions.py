"""The actions lexicon (verbs, descriptions, school/work, health, travel, technology, sports, function signs)."""
import json
import os

from signllm.inference import format_gloss, load_language, text_to_gloss

ACTIONS = os.path.join(os.path.dirname(__file__), "..", "inference", "data", "asl", "lexicon", "actions.json")


def g(text):
    return format_gloss(text_to_gloss(text))


def test_actions_file_loads_into_the_asl_lexicon():
    with open(ACTIONS, encoding="utf-8") as f:
        signs = json.load(f)["signs"]
    assert len(signs) >= 140
    lex = load_language("ASL").lexicon
    for s in signs:
        assert lex.source_of[s["gloss"]] == "actions.json", s["gloss"]
        for w in s["words"]:
            assert lex.lookup_word(w) == s["gloss"], w
    # anything we are unsure of says what to check
    for s in signs:
        if s.get("review"):
            assert len(s.get("notes", "")) > 20, s["gloss"]


def test_irregular_forms_and_phrases_reach_the_new_signs():
    assert g("I remember you.") == "ME REMEMBER YOU"
    assert g("She forgot the book.") == "IX-a FORGET BOOK"
    assert g("We swam and then brought food.") == "WE SWIM THEN BRING FOOD"
    assert g("He is looking for his phone.") == "IX-a SEARCH HIS-HER PHONE"
    assert g("Turn left.") == "LEFT"
    assert g("Did you find it?") == "yn[ YOU FIND IX-3 ]"
