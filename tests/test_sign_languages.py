"""Manual alphabets of other sign languages (from the SignWriting alphabets): registered as data, signable."""
import numpy as np
import pytest

from signllm.inference import available, gloss_to_track, load_language, text_to_gloss, validate
from signllm.inference.gloss import spell_item

ALPHABET_LANGUAGES = ["DGS", "LSF", "DSGS", "LIS", "LSE", "ISL", "DTS", "STS", "NTS", "LGP", "LIBRAS", "LSM",
                      "VGT", "LSFB"]


def test_at_least_eight_languages_beyond_asl_have_an_alphabet():
    codes = dict(available())
    with_alphabet = [c for c in codes if c != "ASL" and load_language(c).alphabet]
    assert len(with_alphabet) >= 8
    assert set(ALPHABET_LANGUAGES) <= set(with_alphabet)


@pytest.mark.parametrize("code", ALPHABET_LANGUAGES)
def test_alphabet_is_complete_known_and_synthesises(code):
    lang = load_language(code)
    assert sorted(lang.alphabet) == [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    for letter, spec in lang.alphabet.items():
        assert spec["hs"] in lang.phonology.handshapes
        assert spec.get("review") is True or "notes" not in spec
    if code != "DGS":  # DGS has a full lexicon: tests/test_dgs.py validates it
        assert validate.check_language(code) == []
    tr = gloss_to_track([spell_item("signwriting")], language=code)
    assert np.all(np.isfinite(tr.hand_joints()))


def test_alphabets_differ_where_the_languages_differ():
    lsf, asl, isl = (load_language(c).alphabet for c in ("LSF", "ASL", "ISL"))
    differing = [c for c in lsf if (lsf[c]["hs"], lsf[c]["palm"], lsf[c]["fingers"])
                 != (asl[c]["hs"], asl[c]["palm"], asl[c]["fingers"])]
    assert 0 < len(differing) < 26
    poor = [c for c, spec in isl.items() if spec.get("review")]
    assert poor, "letters that map poorly are flagged"


def test_alphabet_only_language_fingerspells_text():
    items = text_to_gloss("Bonjour Marie", language="LSF")
    assert [i.kind for i in items] == ["spell", "spell"]
