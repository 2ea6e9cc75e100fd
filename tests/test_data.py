"""Every data file validates and every sign synthesises (the validator the README mentions)."""
from signllm.inference import load_language, validate


def test_validator_finds_no_problems():
    assert validate.check_language("ASL") == []


def test_foundation_lexicon_coverage():
    lex = load_language("ASL").lexicon
    assert len(lex) >= 60
    for gloss in ["HELLO", "THANK-YOU", "ME", "YOU", "MOTHER", "FATHER", "WHAT", "WHERE", "WHO", "NAME",
                  "YES", "NO", "ZERO", "ONE", "FIVE", "TEN", "WANT", "GO", "EAT"]:
        assert gloss in lex, gloss
    alphabet = load_language("ASL").alphabet
    assert sorted(alphabet) == [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    assert alphabet["J"].get("move") and alphabet["Z"].get("move")
