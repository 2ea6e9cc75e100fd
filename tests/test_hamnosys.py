"""HamNoSys / SiGML reader: both encodings, the phonology mapping, per-symbol reports, synthesis."""
import json
import os
from importlib.resources import files

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from conftest import SHARED
from signllm.inference import hamnosys as H
from signllm.inference import load_language, text_to_track
from signllm.inference.lexicon import check_entry
from signllm.inference.phonology import default_phonology
from signllm.inference.synthesis import Synthesizer

PHON = default_phonology()


def entry(names, **kw):
    s = H.parse(names, **kw)
    assert check_entry(s.entry, PHON) == [], s.entry
    return s


def test_unicode_and_symbol_names_read_the_same():
    names = "hamflathand,hamthumboutmod,hamextfingeru,hampalml,hamforehead,hamtouch,hammoveo"
    pua = H.to_unicode(names.split(","))
    assert all(0xE000 <= ord(c) <= 0xF8FF for c in pua)
    assert [t[0] for t in H.tokenize(pua)] == [t[0] for t in H.tokenize(names)] == names.split(",")
    assert H.parse(pua).entry == H.parse(names).entry
    # names without the 'ham' prefix, spaces as separators, mixed with characters
    mixed = "flathand thumboutmod " + H.to_unicode(["hamextfingeru"]) + " hampalml forehead touch moveo"
    assert H.parse(mixed).entry == H.parse(names).entry


def test_signwriting_parallel_hamnosys_parses_in_both_encodings():
    data = json.loads(files("signwriting.hamnosys").joinpath("parallel.json").read_text("utf-8"))
    hams = [r["hamnosys"][0] for r in data if r.get("hamnosys")][:150]
    _, by_char, _ = H.tables()
    for ham in hams:
        names = ",".join(by_char[c] for c in ham)
        a, b = H.parse(ham), H.parse(names)
        assert a.entry == b.entry
        assert check_entry(a.entry, PHON) == []


@pytest.mark.parametrize("names, hs", [
    ("hamflathand", "B"), ("hamflathand,hamthumbacrossmod", "thumb-across B"), ("hamflathand,hamthumboutmod", "open B"),
    ("hamfist", "S"), ("hamfist,hamthumboutmod", "10"), ("hamfinger2", "1"), ("hamfinger2,hamthumboutmod", "L"),
    ("hamfinger2,hamfingerhookmod", "X"), ("hamfinger23spread", "V"), ("hamfinger23", "U"),
    ("hamfinger2345,hamthumboutmod", "5"), ("hamfinger2345,hamfingerhookmod", "claw 5"),
    ("hampinchall", "flat O"), ("hamceeall", "C"), ("hamfinger2,hamfingerbendmod", "bent 1"),
    ("hampinch12", "baby O"), ("hampinch12open", "F"), ("hamcee12", "baby C"),
    ("hamfinger2,hampinky", "I"), ("hamfinger2,hampinky,hamthumboutmod", "Y"),
])
def test_handshapes_map_to_the_nearest_model_shape(names, hs):
    s = entry(names + ",hamextfingeru,hampalml")
    assert s.entry["dom"]["hs"] == hs


def test_modifier_the_model_lacks_is_reported_not_dropped_silently():
    s = entry("hamcee12,hamfingerstraightmod,hamthumbopenmod,hamextfingeru,hampalml")
    assert s.entry["dom"]["hs"] == "baby C"
    assert any("hamfingerstraightmod" in i.message and i.severity == "approximated" for i in s.issues)
    assert s.entry["review"] is True


@pytest.mark.parametrize("ext, palm, fingers_w, palm_w", [
    ("u", "l", "up", "in"), ("u", "r", "up", "out"), ("o", "d", "forward", "down"), ("o", "u", "forward", "up"),
    ("l", "d", "in", "down"), ("r", "u", "out", "up"), ("u", "d", "up", "forward"), ("u", "u", "up", "back"),
    ("uo", "d", "forward-up", "forward-down"), ("ol", "d", "forward-in", "down"),
    ("ul", "l", "up-in", "back"), ("l", "l", "in", "back"), ("d", "d", "down", "back"),
])
def test_finger_direction_and_palm(ext, palm, fingers_w, palm_w):
    s = entry(f"hamflathand,hamextfinger{ext},hampalm{palm}")
    assert (s.entry["dom"]["fingers"], s.entry["dom"]["palm"]) == (fingers_w, palm_w)


def test_locations_contact_and_distance():
    s = entry("hamfinger2,hamextfingeru,hampalml,hamchin,hamtouch")
    d = s.entry["dom"]
    assert d["loc"] == "chin" and d["contact"] == "index_tip" and "near" not in d
    d = entry("hamfinger2,hamextfingeru,hampalml,hamchin,hamclose").entry["dom"]
    assert d["near"] == pytest.approx(0.03)
    d = entry("hamfinger2,hamextfingeru,hampalml,hamthumb,hamchin,hamtouch").entry["dom"]
    assert d["contact"] == "thumb_tip"
    d = entry("hamflathand,hamextfingeru,hampalml").entry["dom"]
    assert d["loc"] == "neutral" and "contact" not in d


def test_movements():
    base = "hamflathand,hamextfingeru,hampalml,hamchest,"
    m = entry(base + "hammoveo").entry["move"]
    assert m == [{"type": "straight", "dir": "forward", "size": "m"}]
    m = entry(base + "hammoveo,hamsmallmod,hamarcu").entry["move"][0]
    assert m["type"] == "arc" and m["bend"] == "up" and m["size"] == "s"
    assert entry(base + "hammover,hamwavy").entry["move"][0]["type"] == "zigzag"
    assert entry(base + "hammover,hamzigzag").entry["move"][0]["type"] == "zigzag"
    c = entry(base + "hamcircleo").entry["move"][0]
    assert c["type"] == "circle" and c["plane"] == "frontal"
    assert entry(base + "hamcircleu").entry["move"][0]["plane"] == "horizontal"
    assert entry(base + "hammoved,hamrepeatfromstart").entry["move"][0]["repeat"] == 2
    assert entry(base + "hammoved,hamrepeatfromstartseveral").entry["move"][0]["repeat"] == 3
    two = entry(base + "hammoved,hammoveo,hamrepeatfromstart").entry["move"]
    assert [x["dir"] for x in two] == ["down", "forward", "down", "forward"]
    par = entry(base + "hamparbegin,hammoveu,hammover,hamparend").entry["move"]
    assert par == [{"type": "straight", "dir": "up-out", "size": "m"}]
    ch = entry(base + "hamreplace,hamfist").entry["move"]
    assert ch == [{"type": "change", "hs": "S"}]
    rot = entry(base + "hamreplace,hamextfingero,hampalmd").entry["move"][0]
    assert rot["type"] == "change" and rot["fingers"] == "forward" and rot["palm"] == "down"
    assert entry(base + "hamfingerplay").entry["move"][0]["type"] == "wiggle"
    assert entry(base + "hamtwisting").entry["move"][0]["type"] == "twist"
    assert entry(base + "hamnodding").entry["move"][0]["type"] == "nod"
    to = entry("hamflathand,hamextfingeru,hampalml,hamchin,hamtouch,hammoved,hamchest").entry["move"]
    assert to[-1] == {"type": "to", "loc": "chest"}
    assert entry(base + "hammoveo,hamfast").entry["duration"] < entry(base + "hammoveo,hamslow").entry["duration"]


def test_two_handed_configurations():
    s = entry("hamsymmlr,hamflathand,hamextfingeru,hampalml,hammoveo").entry
    assert s["hands"] == 2 and s["sym"] == "mirror"
    s = entry("hamsymmlr,hamalternatingmotion,hamflathand,hamextfingeru,hampalml,hammoveu").entry
    assert s["sym"] == "alt"
    s = entry("hamsymmpar,hamflathand,hamextfingero,hampalmd,hammoveo")
    assert s.entry["sym"] == "mirror" and any(i.symbol == "hamsymmpar" for i in s.issues)
    # dominant index touching the palm of a flat base hand
    s = entry("hamparbegin,hamfinger2,hamextfingero,hampalmd,hamplus,hamflathand,hamextfingero,hampalmu,hamparend,"
              "hamfingertip,hampalm,hamtouch,hammoveo").entry
    assert s["sym"] == "base" and s["base"]["hs"] == "B" and s["base"]["palm"] == "up"
    assert s["dom"]["loc"] == "base_palm" and s["dom"]["hs"] == "1"


def test_unsupported_symbols_are_reported_with_positions():
    s = H.parse("hamflathand,hamextfingeru,hampalml,hammoveo,hametc,hammime,hamfoo")
    assert check_entry(s.entry, PHON) == []
    rep = {(i.symbol, i.position) for i in s.unsupported}
    assert rep == {("hametc", 4), ("hammime", 5), ("hamfoo", 6)}
    assert s.entry["review"] is True and "hametc" in s.entry["notes"]
    assert s.entry["move"][0]["dir"] == "forward"   # the rest is still read


def test_empty_or_symbol_free_input_is_a_clear_error():
    for bad in ["", "   ", None]:
        with pytest.raises(H.HamNoSysError, match="Empty"):
            H.parse(bad)
    with pytest.raises(H.HamNoSysError, match="No HamNoSys symbols"):
        H.parse("hello world")


NAMES = sorted(H.tables()[0])


@settings(max_examples=80, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(NAMES), min_size=1, max_size=30))
def test_any_symbol_sequence_gives_a_valid_synthesisable_entry(seq):
    s = H.parse(",".join(seq))
    assert check_entry(s.entry, PHON) == []
    synth = Synthesizer(PHON, H.EntryLexicon([s.entry], PHON), {})
    assert H.make_synthesizable(s, synth) == []


def test_hamnosys_track_is_finite_and_in_reach():
    sign, tr = H.hamnosys_track("hamsymmlr,hamflathand,hamextfingeru,hampalml,hamchest,hamclose,"
                                "hammoveo,hamarcu,hamrepeatfromstart")
    j = tr.hand_joints()
    assert np.all(np.isfinite(j))
    assert [s.gloss for s in tr.segments] == ["HAMNOSYS"]
    # both hands move (mirrored), the right hand stays on the right of the left one
    w = tr.wrist
    assert np.ptp(w[:, 0], axis=0).max() > 0.02 and np.ptp(w[:, 1], axis=0).max() > 0.02


SIGML = """<?xml version="1.0" encoding="utf-8"?>
<sigml>
  <hns_sign gloss="zorblax_1">
    <hamnosys_nonmanual>
      <hnm_mouthpicture picture="zOrblaks"/>
      <hnm_eyebrows tag="RB"/>
      <hnm_head tag="NO"/>
    </hamnosys_nonmanual>
    <hamnosys_manual>
      <hamfinger2/><hamthumboutmod/><hamextfingeru/><hampalml/><hamchin/><hamtouch/><hammoveo/><hamrepeatfromstart/>
    </hamnosys_manual>
  </hns_sign>
  <hns_sign gloss="QUUX">
    <hamnosys_manual><hamflathand/><hamextfingero/><hampalmd/><hametc/><hammoved/></hamnosys_manual>
  </hns_sign>
</sigml>
"""


def test_sigml_reader_manual_and_nonmanual_tiers():
    signs = H.read_sigml(SIGML)
    assert [s.gloss for s in signs] == ["ZORBLAX-1", "QUUX"]
    a, b = signs
    assert a.entry["words"] == ["zorblax"]
    assert a.entry["dom"]["hs"] == "L" and a.entry["dom"]["loc"] == "chin"
    assert a.entry["nonmanual"] == {"mouth": "zOrblaks", "brows": "raised", "head": "nod"}
    assert a.entry["move"][0]["repeat"] == 2
    assert [i.symbol for i in b.unsupported] == ["hametc"]


def test_bad_sigml_is_a_clear_error(tmp_path):
    with pytest.raises(H.HamNoSysError, match="not valid SiGML"):
        H.read_sigml("<sigml><hns_sign></sigml>")
    with pytest.raises(H.HamNoSysError, match="no <hns_sign>"):
        H.read_sigml("<sigml/>")
    with pytest.raises(H.HamNoSysError, match="not found"):
        H.load_user_lexicon(str(tmp_path / "missing.sigml"))
    with pytest.raises(H.HamNoSysError, match="No .sigml"):
        H.load_user_lexicon(str(tmp_path))


def test_user_sigml_lexicon_extends_a_language(tmp_path):
    (tmp_path / "mine.sigml").write_text(SIGML, encoding="utf-8")
    lex = load_language("ASL").lexicon
    try:
        res = H.load_user_lexicon(str(tmp_path), "ASL")
        assert sorted(res["added"]) == ["QUUX", "ZORBLAX-1"]
        assert "QUUX" in res["issues"]
        items, tr = text_to_track("Hello zorblax", language="ASL")
        assert [i.gloss for i in items] == ["HELLO", "ZORBLAX-1"]
        assert np.all(np.isfinite(tr.hand_joints()))
    finally:
        for g in ("QUUX", "ZORBLAX-1"):
            e = lex.signs.pop(g, None)
            for w in (e or {}).get("words", []):
                lex.by_word.pop(w, None)


@pytest.mark.skipif(not os.path.exists(os.path.join(SHARED, "data", "hamnosys_corpus")),
                    reason="research corpus ../shared/data/hamnosys_corpus not present")
def test_research_corpus_sample_synthesises_or_reports():
    import importlib.util
    spec = importlib.util.spec_from_file_location("hamnosys_corpus", os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools", "hamnosys_corpus.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    import signllm.inference as inf
    res = mod.run(mod.load_corpus(limit=300, seed=1), inf)
    assert res["entries"] == 300
    assert res["unreadable"] == 0 and res["synth_failed"] == 0
    assert res["synthesised"] == 300
    # most signs need no per-symbol report of lost information
    assert res["no_unsupported_symbol"] >= 0.9 * 300


@pytest.mark.parametrize("names, loc, joint, dist", [
    ("hamfinger2,hamextfingeru,hampalml,hamchin,hamtouch", "chin", "index", 0.0),
    ("hamfinger2,hamextfingeru,hampalml,hamchin,hamclose", "chin", "index", 0.03),
    ("hamflathand,hamthumboutmod,hamextfingeru,hampalml,hamthumb,hamforehead,hamtouch", "forehead", "thumb", 0.0),
])
def test_contact_and_distance_land_on_the_body(names, loc, joint, dist):
    from signllm.inference import hand
    sign, tr = H.hamnosys_track(names)
    seg = tr.segments[0]
    point, _ = tr.body.location(PHON.locations[loc], "R")
    j = tr.hand_joints()[seg.start, 1, hand.TIPS[joint]]
    assert abs(np.linalg.norm(j - point) - dist) < 0.012


def test_mapping_agrees_with_signwriting_of_the_same_dgs_signs():
    """Guard against regressions: the first SignWriting hand of each DGS sign vs the HamNoSys reading."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("hamnosys_crosscheck", os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools", "hamnosys_crosscheck.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    r = mod.run(H)
    assert r["handshape_signs"] > 400 and r["palm_signs"] > 400
    assert r["handshape_agreement"] >= 0.72     # measured 76%
    assert r["palm_agreement"] >= 0.58          # measured 62.5% (a plain projection of the palm gives ~53%)


def test_between_handshape_keeps_the_first_form_and_its_modifiers():
    s = entry("hamfinger2345,hamfingerstraightmod,hambetween,hamfinger2345,hamthumboutmod,hamextfingeru,hampalml")
    assert s.entry["dom"]["hs"] == "4"       # not 5: the thumb modifier belongs to the second form
    assert any(i.symbol == "hamfinger2345" and "between" in i.message for i in s.issues)


# -- degrading to what the validator accepts (contact reached, hands out of the body and apart) ------------
def _alone(entry):
    """(synth, track) of one entry synthesised on its own, as make_synthesizable and the validator do."""
    from signllm.inference.gloss import GlossItem
    synth = Synthesizer(PHON, H.EntryLexicon([entry], PHON), {})
    return synth, synth.synthesize([GlossItem(entry["gloss"])])


def test_unreachable_touch_is_held_near_the_place_and_reported():
    from signllm.inference import validate
    # fingertips touching the chest with the fingers pointing away from the body: the body pushes the hand out
    s = H.parse("hamflathand,hamextfingero,hampalmd,hamchest,hamtouch")
    assert s.entry["dom"]["contact"] == "fingertips"
    synth, tr = _alone(s.entry)
    assert validate.contact_miss(synth, s.entry, tr) > validate.CONTACT_LIMIT
    assert H.make_synthesizable(s, synth) == []
    assert s.degraded == ["held_near"]
    assert "contact" not in s.entry["dom"] and s.entry["dom"]["loc"] == "chest"
    msg = [i for i in s.issues if "not reachable in this orientation" in i.message]
    assert len(msg) == 1 and "held near" in msg[0].message and msg[0].severity == "unsupported"
    assert s.entry["review"] and "not reachable" in s.entry["notes"]
    synth, tr = _alone(s.entry)
    assert validate.sign_problems(synth, s.entry, tr) == []
    # held near: the nearest hand joint stays within a few cm of the chest skin point, outside the body
    point, normal = synth.location("chest", "R")
    seg = tr.segments[0]
    j = tr.hand_joints()[seg.start:seg.end, 1]
    gaps = (j - point) @ normal
    assert 0.0 < gaps.min(axis=1).min() < 0.04
    assert synth.body.penetration(tr.hand_joints()).max() <= validate.PENETRATION_LIMIT


def test_unreachable_distance_reference_uses_the_surface_facing_the_place():
    from signllm.inference import validate
    # no contact symbol: the hand is held at the default distance from the chest; the fingertips (the
    # reference surface) cannot be that close with the fingers pointing away, the part facing the chest can
    s = H.parse("hamflathand,hamextfingero,hampalmd,hamchest")
    synth, tr = _alone(s.entry)
    assert validate.contact_miss(synth, s.entry, tr) > validate.CONTACT_LIMIT
    assert H.make_synthesizable(s, synth) == []
    assert s.degraded == ["contact_surface"]
    new = s.entry["dom"]["contact"]
    assert new != "fingertips"
    synth, tr = _alone(s.entry)
    assert validate.contact_miss(synth, s.entry, tr) <= validate.CONTACT_LIMIT
    assert validate.sign_problems(synth, s.entry, tr) == []
    assert any(f"{new} (the part facing the chest) used" in i.message for i in s.issues)


def test_symmetric_hands_meeting_inside_each_other_go_side_by_side():
    from signllm.inference import validate
    s = H.parse("hamsymmlr,hamflathand,hamextfingeru,hampalml,hamchest")
    assert s.entry["sym"] == "mirror" and s.entry["dom"]["loc"] == "chest"
    synth, tr = _alone(s.entry)
    assert validate.palms_apart(s.entry, tr)[0] < validate.PALMS_LIMIT
    assert H.make_synthesizable(s, synth) == []
    assert "side_by_side" in s.degraded and s.entry["dom"]["loc"] == "chest_dom"
    assert any("placed side by side (chest_dom)" in i.message for i in s.issues)
    synth, tr = _alone(s.entry)
    assert validate.palms_apart(s.entry, tr)[0] >= validate.PALMS_LIMIT
    assert validate.sign_problems(synth, s.entry, tr) == []


def test_user_sigml_and_panel_track_are_degraded_the_same_way(tmp_path):
    sigml = ('<sigml><hns_sign gloss="PLINK"><hamnosys_manual><hamflathand/><hamextfingero/><hampalmd/><hamchest/>'
             '<hamtouch/></hamnosys_manual></hns_sign></sigml>')
    (tmp_path / "plink.sigml").write_text(sigml, encoding="utf-8")
    lex = load_language("ASL").lexicon
    try:
        res = H.load_user_lexicon(str(tmp_path), "ASL")
        assert res["added"] == ["PLINK"]
        assert "not reachable in this orientation: held near" in res["issues"]["PLINK"]
        assert "contact" not in lex.get("PLINK")["dom"]
    finally:
        e = lex.signs.pop("PLINK", None)
        for w in (e or {}).get("words", []):
            lex.by_word.pop(w, None)
    sign, tr = H.hamnosys_track("hamflathand,hamextfingero,hampalmd,hamchest,hamtouch")
    assert sign.degraded == ["held_near"] and np.all(np.isfinite(tr.hand_joints()))
