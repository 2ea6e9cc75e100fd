"""DGS as a second sign language: generated lexicon, German glosser, DGS fingerspelling, end to end."""
import numpy as np

from signllm.inference import available, load_language, text_to_gloss, text_to_track, validate


def test_dgs_is_registered_with_a_generated_lexicon():
    assert "DGS" in dict(available())
    lang = load_language("DGS")
    assert lang.text_language == "de"
    assert len(lang.lexicon) >= 1300
    generated = [e for e in lang.lexicon.signs.values() if "signwriting parallel.json" in e.get("notes", "")]
    assert len(generated) >= 1300
    assert all(e["review"] for e in generated)        # nearest-shape mapping: a reviewer checks them
    for w, g in [("haus", "HAUS"), ("trinken", "TRINKEN"), ("wasser", "WASSER"), ("heute", "HEUTE"),
                 ("ich", "ICH"), ("du", "DU")]:
        assert lang.lexicon.lookup_word(w) == g, w


def test_german_text_to_dgs_gloss():
    items = text_to_gloss("Ich trinke heute Wasser.", language="DGS")
    assert [i.gloss for i in items] == ["HEUTE", "ICH", "TRINKEN", "WASSER"]   # time first, article/copula gone
    items = text_to_gloss("Das Haus ist schön, Anna!", language="DGS")
    glosses = [i.gloss for i in items]
    assert glosses[0] == "HAUS" and "fs-ANNA" in glosses
    q = text_to_gloss("Wie geht es dir?", language="DGS")
    assert q[-1].gloss == "WIE" and "wh" in q[-1].marks


def test_dgs_end_to_end_synthesises_and_fingerspells_with_the_dgs_alphabet():
    items, tr = text_to_track("Hallo Anna, ich trinke Wasser.", language="DGS")
    assert np.all(np.isfinite(tr.hand_joints()))
    spell = [s for s in tr.segments if s.kind == "spell"]
    assert [s.gloss for s in spell] == ["fs-ANNA"]
    dgs, asl = load_language("DGS").alphabet, load_language("ASL").alphabet
    assert sorted(dgs) == [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    # the DGS G is an index hand pointing sideways, the ASL G a G hand
    assert dgs["G"]["hs"] == "1" and asl["G"]["hs"] == "G"
    assert dgs["G"]["fingers"] == "in"


def test_dgs_lexicon_and_alphabet_validate():
    assert validate.check_language("DGS") == []


def test_dgs_signs_the_validator_rejected_are_degraded_and_reported():
    """Generated signs whose contact was unreachable or whose hands sat inside each other now validate
    and say in their notes what was changed (make_synthesizable, per sign)."""
    from signllm.inference.gloss import GlossItem
    from signllm.inference.synthesis import Synthesizer
    lang = load_language("DGS")
    notes = {g: e.get("notes", "") for g, e in lang.lexicon.signs.items()}
    held = [g for g, n in notes.items() if "not reachable in this orientation: held near" in n]
    facing = [g for g, n in notes.items() if "not reachable in this orientation" in n and "(the part facing" in n]
    side = [g for g, n in notes.items() if "placed side by side" in n]
    assert len(held) >= 50 and len(facing) >= 100 and len(side) >= 100
    # AB: the index tip touched the chest with the finger pointing away from the body (8.4 cm short before);
    # AB.2: both fists met at the chest midline, inside each other
    ab, ab2 = lang.lexicon.get("AB"), lang.lexicon.get("AB.2")
    assert "contact at chest with index_tip not reachable" in ab["notes"] and ab["dom"]["contact"] != "index_tip"
    assert "placed side by side (chest_dom)" in ab2["notes"] and ab2["dom"]["loc"] == "chest_dom"
    synth = Synthesizer(lang.phonology, lang.lexicon, lang.alphabet)
    for g in ["AB", "AB.2"] + held[:5] + side[:5]:
        e = lang.lexicon.get(g)
        assert e["review"]
        assert validate.sign_problems(synth, e, synth.synthesize([GlossItem(g)])) == [], g
