"""Compounds written as sequences of existing signs (`parts`: BEDROOM = BED + ROOM), and the number forms whose
finger flutters and comes back (23, 25): measured on the synthesised track."""
import json

import numpy as np
import pytest

from signllm.inference import load_language
from signllm.inference.errors import DataError
from signllm.inference.gloss import GlossItem
from signllm.inference.lexicon import Lexicon, check_entry
from signllm.inference.synthesis import Synthesizer
from signllm.inference.track import HAND_SIDES, Segment
from signllm.inference.validate import contact_miss


@pytest.fixture(scope="module")
def asl():
    return load_language("ASL")


@pytest.fixture(scope="module")
def synth(asl):
    return Synthesizer(asl.phonology, asl.lexicon, asl.alphabet)


def _seg(track, gloss):
    return next(s for s in track.segments if s.gloss == gloss)


def test_a_compound_signs_its_parts_in_order(asl, synth):
    """BEDROOM starts exactly where BED starts and ends exactly where ROOM ends, for both hands."""
    chunks = synth.sign_chunks(asl.lexicon.get("BEDROOM"))
    bed, room = synth.sign_chunks(asl.lexicon.get("BED")), synth.sign_chunks(asl.lexicon.get("ROOM"))
    np.testing.assert_allclose(chunks[synth.dom].pos[0], bed[synth.dom].pos[0], atol=1e-9)
    np.testing.assert_allclose(chunks[synth.dom].params[0], bed[synth.dom].params[0], atol=1e-9)
    for side in (synth.dom, synth.nd):
        np.testing.assert_allclose(chunks[side].pos[-1], room[side].pos[-1], atol=1e-9)
        np.testing.assert_allclose(chunks[side].rot[-1], room[side].rot[-1], atol=1e-9)
    assert len(chunks[synth.dom]) == len(chunks[synth.nd])


def test_the_other_hand_comes_up_during_a_one_handed_first_part(asl, synth):
    """BOYFRIEND = BOY (one hand) + FRIEND (two hands): the other hand is already at FRIEND's start while BOY is
    signed, instead of resting and arriving late."""
    chunks = synth.sign_chunks(asl.lexicon.get("BOYFRIEND"))
    friend = synth.sign_chunks(asl.lexicon.get("FRIEND"))
    nd = chunks[synth.nd]
    np.testing.assert_allclose(nd.pos[0], friend[synth.nd].pos[0], atol=1e-9)
    rest = synth.rest[synth.nd].pos
    assert np.linalg.norm(nd.pos[0] - rest) > 0.1 * synth.body.W


def test_a_compound_is_one_sign_shorter_than_its_citation_parts(asl, synth):
    tr = synth.synthesize([GlossItem("BEDROOM")])
    signs = [s for s in tr.segments if s.kind == "sign"]
    assert [s.gloss for s in signs] == ["BEDROOM"] and not signs[0].review
    whole = signs[0].end - signs[0].start
    parts = sum(_seg(synth.synthesize([GlossItem(g)]), g).end - _seg(synth.synthesize([GlossItem(g)]), g).start
                for g in ("BED", "ROOM"))                   # each part in citation form
    assert 0.6 * parts < whole < parts


def test_the_first_part_keeps_its_contact(asl, synth):
    """BED's palm reaches the cheek inside BEDROOM as it does alone (contact within 1 cm)."""
    tr = synth.synthesize([GlossItem("BEDROOM")])
    s = _seg(tr, "BEDROOM")
    first = Segment("BED", "sign", s.start, s.start + (s.end - s.start) // 2, [], None, "lexicon")
    miss = contact_miss(synth, asl.lexicon.get("BED"), tr, first)
    assert miss is not None and miss < 0.01


@pytest.mark.parametrize("entry, message", [
    ({"gloss": "X-Y", "parts": ["X"], "duration": 1, "review": False, "notes": "n"}, "two or more"),
    ({"gloss": "X-Y", "parts": ["BED", "ROOM"], "dom": {}, "duration": 1, "review": False, "notes": "n"}, "'dom'"),
])
def test_compound_schema_errors(asl, entry, message):
    errors = check_entry(entry, asl.phonology)
    assert any(message in e for e in errors), errors


def _lexicon(tmp_path, asl, signs):
    (tmp_path / "a.json").write_text(json.dumps({"schema": "signllm.lexicon/1", "signs": signs}))
    return Lexicon(str(tmp_path), asl.phonology)


def test_a_compound_part_must_be_a_plain_sign_of_the_lexicon(tmp_path, asl):
    bed = dict(asl.lexicon.get("BED"), words=[])
    with pytest.raises(DataError, match="part ROOM is not a sign"):
        _lexicon(tmp_path, asl, [bed, {"gloss": "BEDROOM", "parts": ["BED", "ROOM"], "duration": 1,
                                       "review": False, "notes": "n"}])
    with pytest.raises(DataError, match="itself a compound"):
        _lexicon(tmp_path, asl, [bed, {"gloss": "BB", "parts": ["BED", "BED"], "duration": 1, "review": False,
                                       "notes": "n"},
                                 {"gloss": "BBB", "parts": ["BB", "BED"], "duration": 1, "review": False, "notes": "n"}])


def test_person_ending_compounds_use_both_hands(asl, synth):
    """LAWYER, ARTIST and GUEST end with the two-handed person ending: both hands move down together."""
    for gloss in ("LAWYER", "ARTIST", "GUEST"):
        tr = synth.synthesize([GlossItem(gloss)])
        s = _seg(tr, gloss)
        tail = slice(s.end - (s.end - s.start) // 4, s.end)
        for h in range(2):
            drop = (tr.wrist[tail.start, h] - tr.wrist[tail.stop - 1, h]) @ synth.body.up
            assert drop > 0.03, (gloss, HAND_SIDES[h], drop)


@pytest.mark.parametrize("gloss, finger", [("23", 2), ("25", 2)])
def test_a_fluttering_finger_bends_twice_and_straightens_again(asl, synth, gloss, finger):
    """23 and 25: the middle finger bends and straightens twice; the sign ends in its start handshape."""
    tr = synth.synthesize([GlossItem(gloss)])
    s = _seg(tr, gloss)
    h = HAND_SIDES.index(synth.dom)
    start = asl.phonology.handshape(asl.lexicon.get(gloss)["dom"]["hs"])
    dev = np.abs(tr.hand_params[s.start:s.end, h] - start).max(axis=1)
    bent = dev > 0.5 * dev.max()
    assert dev.max() > 20                                   # degrees: the finger really bends
    assert np.count_nonzero(np.diff(bent.astype(int)) == 1) == 2
    assert dev[-1] < 0.1 * dev.max()                        # and the hand ends as it started


def test_butterfly_flaps_both_crossed_hands(asl, synth):
    tr = synth.synthesize([GlossItem("BUTTERFLY")])
    s = _seg(tr, "BUTTERFLY")
    h = HAND_SIDES.index(synth.dom)
    side = synth.body.side_vec(synth.dom)
    chest = synth.body.joints["chest"]
    assert (tr.wrist[s.start, h] - chest) @ side < 0 < (tr.wrist[s.start, 1 - h] - chest) @ side   # crossed
    for k in range(2):
        fingers = tr.palm[s.start:s.end, k][:, :, 1]
        turn = np.degrees(np.arccos(np.clip(fingers @ fingers[0], -1, 1))).max()
        assert turn > 15, (HAND_SIDES[k], turn)


def _surface(synth, track, side, surface, frames):
    h = HAND_SIDES.index(side)
    return np.stack([track.wrist[t, h] + track.palm[t, h] @ synth.local_point(track.hand_params[t, h], surface, side)
                     for t in frames])


def test_then_taps_the_base_thumb_then_the_base_index(asl, synth):
    """base_thumb: THEN's index finger touches the base thumb tip first, the base index tip last (within 1.5 cm)."""
    tr = synth.synthesize([GlossItem("THEN")])
    s = _seg(tr, "THEN")
    frames = range(s.start, s.end)
    tip = _surface(synth, tr, synth.dom, "index_tip", frames)
    thumb = _surface(synth, tr, synth.nd, "thumb_tip", frames)
    index = _surface(synth, tr, synth.nd, "index_tip", frames)
    d_thumb = np.linalg.norm(tip - thumb, axis=1)
    d_index = np.linalg.norm(tip - index, axis=1)
    assert d_thumb[: len(d_thumb) // 3].min() < 0.015 and d_index[-len(d_index) // 3:].min() < 0.015
    assert d_thumb.argmin() < d_index.argmin()


def test_base_forearm_lies_on_the_drawn_forearm(asl, synth):
    """base_forearm: ARM's palm starts on the base forearm as the track draws it (the elbow the solver places):
    within 4 cm of the elbow-wrist line, between a quarter and three quarters of the way to the elbow."""
    tr = synth.synthesize([GlossItem("ARM")])
    s = _seg(tr, "ARM")
    h = HAND_SIDES.index(synth.nd)
    palm = _surface(synth, tr, synth.dom, "palm", [s.start])[0]
    wrist, elbow = tr.wrist[s.start, h], tr.elbow[s.start, h]
    axis = elbow - wrist
    u = float((palm - wrist) @ axis / (axis @ axis))
    off = np.linalg.norm(palm - (wrist + u * axis))
    assert 0.25 < u < 0.75 and off < 0.04, (u, off)
    end = _surface(synth, tr, synth.dom, "palm", [s.end - 1])[0]
    assert np.linalg.norm(end - wrist) < np.linalg.norm(palm - wrist) - 0.05   # it brushes down toward the hand
