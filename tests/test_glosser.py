"""English -> ASL gloss rules (table-driven), source spans, number signs and fingerspelling."""
import csv
import os
import re

import numpy as np
import pytest

from signllm.inference import (Settings, SignLLMError, format_gloss, gloss_to_track, load_language, parse_gloss,
                               text_to_gloss)

TABLE = os.path.join(os.path.dirname(__file__), "data", "asl_gloss_table.tsv")


def _rows():
    with open(TABLE, encoding="utf-8") as fh:
        rows = [r for r in csv.reader(fh, delimiter="\t") if r and not r[0].startswith("#")]
    return [pytest.param(text, expected, id=f"{rule}:{text}") for rule, text, expected in rows]


def _rules():
    with open(TABLE, encoding="utf-8") as fh:
        return [r[0] for r in csv.reader(fh, delimiter="\t") if r and not r[0].startswith("#")]


# The table was written against these lexicon files; words that later lexicon files give a sign would
# otherwise turn expected fingerspellings into signs, so the table runs on exactly these.
TABLE_LEXICON = ("core.json", "topics.json", "numbers.json")


@pytest.fixture(scope="module")
def table_glosser(tmp_path_factory):
    from signllm.inference.glosser import RuleGlosser
    from signllm.inference.lexicon import Lexicon
    from signllm.inference.phonology import DATA_DIR, load_json
    lang = load_language("ASL")
    folder = tmp_path_factory.mktemp("table_lexicon")
    src = os.path.join(DATA_DIR, "asl", "lexicon")
    for name in TABLE_LEXICON:
        os.symlink(os.path.join(src, name), folder / name)
    lex = Lexicon(str(folder), lang.phonology)
    grammar = load_json(os.path.join(DATA_DIR, "asl", "grammar.json"), "signllm.grammar/1")
    return RuleGlosser(lex, grammar, "en")


@pytest.mark.parametrize("text,expected", _rows())
def test_gloss_table(table_glosser, text, expected):
    assert format_gloss(table_glosser.gloss(text)) == expected


def test_table_covers_every_rule():
    rules = _rules()
    assert len(rules) >= 150
    needed = {"drop", "lemma", "pronoun", "time_first", "wh_final", "yn_question", "modal_question", "negation",
              "topic", "number_cardinal", "number_system", "clock", "date", "year", "money", "age", "plural",
              "fingerspell", "name", "sentence_split", "contraction", "compound", "lexicalised", "conditional", "perfect", "complementizer",
              "existential", "locus", "dummy_it", "directional", "function_word", "fixed_phrase", "question_tag",
              "neg_scope"}
    counts = {r: rules.count(r) for r in needed}
    assert all(c >= 2 for c in counts.values()), counts


@pytest.mark.parametrize("expected", [r.values[1] for r in _rows()])
def test_table_glosses_exist_or_are_spelled(table_glosser, expected):
    """Every sign the table expects is in the lexicon (nothing in the table is invented)."""
    lex = table_glosser.lex
    for it in parse_gloss(expected):
        if it.kind == "sign":
            assert it.gloss in lex, it.gloss


# -- spans --------------------------------------------------------------------------------------
SPAN_TEXTS = [
    "Hello, what is your name? My name is Anna.",
    "Yesterday I didn't go to the store at 7:30.",
    "It costs $25.50 and I am 25 years old.",
    "My birthday is May 5th, 2024. As for my sister, she is a doctor.",
    "I have books. Can you help me?",
    "I have twenty-five friends in 1998.",
]


@pytest.mark.parametrize("text", SPAN_TEXTS)
def test_spans_map_back_to_the_words(text):
    items = text_to_gloss(text)
    for it in items:
        a, b = it.span
        assert 0 <= a < b <= len(text), it
        assert text[a:b] == it.words, (it.gloss, text[a:b], it.words)
        if it.kind == "spell" and it.name:
            assert re.sub(r"[^A-Za-z]", "", text[a:b]).upper() == it.letters


def test_span_of_each_sign_is_its_source_word():
    text = "Where do you live?"
    by_gloss = {it.gloss: text[it.span[0]:it.span[1]] for it in text_to_gloss(text)}
    assert by_gloss == {"YOU": "you", "LIVE": "live", "WHERE": "Where"}


def test_compound_number_items_share_the_number_span():
    text = "The meeting is at 7:30."
    items = [it for it in text_to_gloss(text) if it.gloss in ("TIME", "7", "30")]
    assert [it.gloss for it in items] == ["TIME", "7", "30"]
    assert {text[it.span[0]:it.span[1]] for it in items} == {"7:30"}


def test_marks_are_kept_on_items():
    items = text_to_gloss("Why are you not happy?")
    marks = {it.gloss: it.marks for it in items if it.kind == "sign"}
    assert marks["WHY"] == ("wh",) and "neg" in marks["NOT"] and "neg" in marks["HAPPY"]
    assert "neg" not in marks["YOU"]
    top = text_to_gloss("My brother, he lives far.")
    assert [it.marks for it in top[:2]] == [("top",), ("top",)] and top[3].marks == ()


def test_names_carry_the_name_marker_and_unknown_words_do_not():
    items = text_to_gloss("John likes sushi.")
    spelled = {it.letters: it.name for it in items if it.kind == "spell"}
    assert spelled == {"JOHN": True, "SUSHI": False}
    assert all(it.review for it in items if it.kind == "spell")


def test_plural_repetition_survives_the_text_form_and_synthesis():
    items = text_to_gloss("I have books.")
    book = next(it for it in items if it.gloss == "BOOK")
    assert book.extra["repeat"] == 2
    again = parse_gloss(format_gloss(items))
    assert next(it for it in again if it.gloss == "BOOK").extra["repeat"] == 2
    one = gloss_to_track("BOOK")
    two = gloss_to_track("BOOK++")
    d1 = next(s for s in one.segments if s.gloss == "BOOK")
    d2 = next(s for s in two.segments if s.gloss == "BOOK")
    assert (d2.end - d2.start) > 1.8 * (d1.end - d1.start)
    # the second repetition is placed to the dominant side of the first
    wr = two.wrist[d2.start:d2.end, 1]
    assert np.ptp(wr[:, 0]) > 0.02


def test_gloss_text_marks_round_trip():
    text = "t[ MY BROTHER ] / IX-3 LIVE FAR yn[ YOU CAN HELP ME ] #JOB"
    items = parse_gloss(text)
    assert format_gloss(items) == text
    assert items[0].marks == ("top",)
    with pytest.raises(SignLLMError):
        parse_gloss("++")


def test_lexicalised_spelling_is_spelled_faster_than_fingerspelling():
    fast = gloss_to_track("#JOB")
    slow = gloss_to_track("fs-JOB")
    a, b = fast.segments[0], slow.segments[0]
    assert a.kind == "spell" and b.kind == "spell"
    assert (a.end - a.start) < 0.8 * (b.end - b.start)
    # a lexicalised spelling that is a lexicon sign uses the sign
    ok = gloss_to_track("#OK")
    assert ok.segments[0].kind == "sign"


# -- numbers ------------------------------------------------------------------------------------
def _entry(gloss):
    return load_language("ASL").lexicon.get(gloss)


DIGIT_HS = {0: "0", 1: "1", 2: "V", 3: "3", 4: "4", 5: "5", 6: "6", 7: "7", 8: "8", 9: "9"}


def test_numbers_0_to_100_are_signs():
    lex = load_language("ASL").lexicon
    missing = [n for n in range(101) if str(n) not in lex]
    assert not missing


@pytest.mark.parametrize("n", range(10))
def test_digit_handshapes_and_palm_rule(n):
    e = _entry(str(n))
    assert e["dom"]["hs"] == DIGIT_HS[n]
    # number-system digits face out; the counting forms ONE..FIVE face the signer
    assert e["dom"]["palm"] == ("in" if n == 0 else "forward")
    if 1 <= n <= 5:
        card = _entry(["ONE", "TWO", "THREE", "FOUR", "FIVE"][n - 1])
        assert card["dom"]["palm"] == "back" and card["dom"]["hs"] == DIGIT_HS[n]


def test_teens_and_special_forms():
    assert _entry("10")["move"][0]["type"] == "twist"                       # A-shake
    for n, hs in ((11, "1"), (12, "V")):                                     # flicks from a fist
        e = _entry(str(n))
        assert e["dom"]["hs"] == "S" and e["dom"]["palm"] == "back" and e["move"][0]["hs"] == hs
    for n in range(16, 20):                                                  # A twisting into the digit
        e = _entry(str(n))
        assert e["dom"]["hs"] == "A" and e["move"][0]["hs"] == DIGIT_HS[n - 10]
        assert e["move"][0]["palm"] == "forward"
    assert _entry("25")["move"][0]["hs"] == "open 8"                         # middle finger bends
    assert _entry("100")["dom"]["hs"] == "1" and _entry("100")["move"][0]["hs"] == "C"


@pytest.mark.parametrize("n", [t * 10 + u for t in range(2, 10) for u in range(10)
                               if t * 10 + u not in (20, 21, 23, 25)])
def test_twenty_to_ninety_nine_are_digits_in_sequence(n):
    t, u = divmod(n, 10)
    e = _entry(str(n))
    assert e["dom"]["hs"] == ("L" if t == 2 and t != u else DIGIT_HS[t])    # the twenties start from L
    if t == u:
        assert len(e["move"]) == 1 and e["move"][0]["type"] == "arc"           # the bounce of 22, 33, ...
    else:
        assert e["move"][0]["hs"] == DIGIT_HS[u]


def test_number_signs_show_their_handshapes_in_the_track():
    lang = load_language("ASL")
    tr = gloss_to_track("47")
    seg = tr.segments[0]
    params = tr.hand_params[seg.start:seg.end, 1]
    for hs in ("4", "7"):
        assert np.abs(params - lang.phonology.handshape(hs)).max(axis=1).min() < 1e-6


@pytest.mark.parametrize("text,expected", [
    ("2024", "20 24"), ("1998", "19 98"), ("2005", "2 THOUSAND 5"), ("1905", "19 0 5"),
    ("$1,250", "1 THOUSAND 2 HUNDRED 50 DOLLAR"), ("$0.75", "CENT 75"), ("3.5", "3 fs-POINT 5"),
    ("999999", "9 HUNDRED 99 THOUSAND 9 HUNDRED 99"), ("1234567", "1 2 3 4 5 6 7"),
])
def test_number_forms(table_glosser, text, expected):
    assert format_gloss(table_glosser.gloss(text)) == expected


# -- fingerspelling -----------------------------------------------------------------------------
def test_alphabet_has_26_letters_with_known_shapes_and_orientations():
    lang = load_language("ASL")
    assert sorted(lang.alphabet) == [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    a = lang.alphabet
    assert a["H"]["fingers"] == "in" and a["G"]["fingers"] == "in"           # sideways
    assert a["P"]["palm"] == "down" and a["Q"]["fingers"] == "down"          # pointing down
    assert a["J"]["move"] and a["Z"]["move"]                                  # traced
    assert a["J"]["hs"] == "I" and a["Z"]["hs"] == "1"


def test_p_points_its_middle_finger_down_and_j_ends_palm_in():
    from signllm.inference import hand
    tr = gloss_to_track("fs-PJ")
    seg = tr.segments[0]
    body = tr.body
    j = tr.hand_joints()
    p_frame = seg.start + 2
    mid = j[p_frame, 1, hand.TIPS["middle"]] - j[p_frame, 1, 9]
    assert mid @ body.up < -0.5 * np.linalg.norm(mid)             # P: middle finger hangs down
    end_palm = tr.palm[seg.end - 1, 1][:, 2]
    assert end_palm @ body.side_vec("R") < -0.7                   # J: palm turned toward the midline


def test_double_letters_slide_instead_of_reforming():
    s = Settings()
    tr = gloss_to_track("fs-ANNA", settings=s)
    seg = tr.segments[0]
    wr = tr.wrist[seg.start:seg.end, 1]
    lang = load_language("ASL")
    n_hs = lang.phonology.handshape(lang.alphabet["N"]["hs"])
    params = tr.hand_params[seg.start:seg.end, 1]
    at_n = np.abs(params - n_hs).max(axis=1) < 1e-6
    # the N shape is never left between the two Ns (no re-forming) and the hand moves sideways meanwhile
    idx = np.flatnonzero(at_n)
    assert idx.size and np.all(np.diff(idx) == 1)
    side = tr.body.side_vec("R")
    travel = (wr[idx[-1]] - wr[idx[0]]) @ side
    assert travel > 0.01


def test_letter_hold_is_tunable():
    short = gloss_to_track("fs-ABC", settings=Settings(letter_hold=0.15))
    long = gloss_to_track("fs-ABC", settings=Settings(letter_hold=0.45))
    ls = short.segments[0].end - short.segments[0].start
    ll = long.segments[0].end - long.segments[0].start
    assert ll - ls >= int(3 * 0.3 * 24) - 2


def test_spelling_hand_is_beside_the_shoulder_in_front_of_the_chest():
    tr = gloss_to_track("fs-BODY")
    seg = tr.segments[0]
    body = tr.body
    wr = tr.wrist[seg.start:seg.end, 1]
    sh = body.joints["shoulder_R"]
    chest = body.joints["chest"]
    fwd = (wr - chest) @ body.forward
    assert fwd.min() > 0.1 * body.W / 0.39                      # in front of the chest
    below = (sh - wr) @ body.up
    assert below.min() > 0 and below.max() < 1.2 * body.W       # below the shoulder, above the waist
    lateral = (wr - chest) @ body.side_vec("R")
    assert lateral.min() > 0                                     # on the dominant side


def test_letter_hold_setting_reaches_the_blender_track(rigify_scene):
    """The panel's Letter hold (Options.letter_hold) sets the spelled word's length on the rig."""
    from signllm.signllm_blender import service
    scene, _, rig = rigify_scene
    short = service.generate(rig, scene, gloss="fs-ABC", options=service.Options(letter_hold=0.15))
    n_short = short.track.segments[0].end - short.track.segments[0].start
    long = service.generate(rig, scene, gloss="fs-ABC", options=service.Options(letter_hold=0.6))
    n_long = long.track.segments[0].end - long.track.segments[0].start
    assert n_long - n_short >= int(3 * 0.45 * scene.render.fps) - 3


@pytest.mark.parametrize("text,expected", [
    ("Call 555-1234.", "fs-CALL 5 5 5 1 2 3 4"),          # phone numbers digit by digit
    ("May I go?", "yn[ ME fs-MAY GO ]"),                   # the modal 'may' is no month
    ("In May I go.", "fs-MAY ME GO"),
    ("Version 3.5 is out.", "fs-VERSION 3 fs-POINT 5 fs-OUT"),
])
def test_number_and_month_edge_cases(table_glosser, text, expected):
    assert format_gloss(table_glosser.gloss(text)) == expected


def test_letters_outside_the_alphabet_spell_their_base_letter():
    items = text_to_gloss("Ärger straße")
    assert [it.letters for it in items] == ["ÄRGER", "STRASSE"]
    lang = load_language("ASL")
    tr = gloss_to_track(items)
    seg = tr.segments[0]
    a = lang.phonology.handshape(lang.alphabet["A"]["hs"])
    assert np.abs(tr.hand_params[seg.start:seg.end, 1] - a).max(axis=1).min() < 1e-6


def test_line_breaks_end_sentences():
    text = "Hi\nBye"
    items = text_to_gloss(text)
    assert format_gloss(items) == "HELLO / GOODBYE"
    pause = items[1]
    assert text[pause.span[0]:pause.span[1]] == "\n"


def test_a_grammar_without_number_tables_signs_digits_from_the_lexicon():
    """The glosser is driven by grammar.json: with no 'numbers' table, digits are looked up one by one."""
    from signllm.inference.glosser import RuleGlosser
    lang = load_language("ASL")
    g = RuleGlosser(lang.lexicon, {"drop": ["the"]}, "en")
    assert format_gloss(g.gloss("I have 25 books")) == "ME HAVE TWO FIVE BOOK"
    # no wh table: no reordering, the question only gets raised brows; "is" is not in this drop list
    assert format_gloss(g.gloss("Where is the bathroom?")) == "yn[ WHERE fs-IS BATHROOM ]"
