"""The ASL review state: few signs flagged, each flag explained, the list reachable from the panel/operator,
end handshapes and the two-handed movement types the review relies on."""
import numpy as np
import pytest

from signllm.inference import load_language
from signllm.inference.gloss import GlossItem
from signllm.inference.lexicon import end_handshape, flagged_signs
from signllm.inference.synthesis import Synthesizer
from signllm.inference.track import HAND_SIDES


@pytest.fixture(scope="module")
def asl():
    return load_language("ASL")


@pytest.fixture(scope="module")
def synth(asl):
    return Synthesizer(asl.phonology, asl.lexicon, asl.alphabet)


# Issue 14 asks for at most 5 % flagged: 28 of 909 signs (3.1 %) are, each with a note on what was searched.
# A flag is only cleared against a named public description (docs/notes/lexicon*.md, lexa.md, lexb.md, lexc.md).
# This ceiling is a ratchet: lower it as flags are resolved; it fails if signs are flagged faster than they are checked.
FLAGGED_CEILING = 28


def test_flagged_asl_signs_only_go_down(asl):
    rows = flagged_signs(asl.lexicon)
    assert len(rows) <= FLAGGED_CEILING, f"{len(rows)} of {len(asl.lexicon)} flagged (ceiling {FLAGGED_CEILING})"


def test_every_cleared_review_names_its_source(asl):
    """A sign whose note records a review either keeps its flag or names the description it was checked against."""
    for gloss, e in asl.lexicon.signs.items():
        notes = str(e.get("notes", ""))
        if "Re-flagged" in notes or "check:" in notes:
            assert e.get("review") or "hecked against" in notes, gloss


def test_flagged_list_matches_the_data_and_explains_each_flag(asl):
    rows = flagged_signs(asl.lexicon)
    assert [g for g, _, _ in rows] == sorted(g for g, e in asl.lexicon.signs.items() if e.get("review"))
    for gloss, notes, fname in rows:
        assert len(notes) > 20 and fname.endswith(".json"), gloss


def test_end_handshape_is_the_last_change(asl):
    assert end_handshape(asl.lexicon.get("UNDERSTAND")) == "1"
    assert asl.lexicon.get("UNDERSTAND")["dom"]["hs"] == "closed X"
    assert end_handshape(asl.lexicon.get("HELLO")) == "B"


def _hand(track, side):
    return HAND_SIDES.index(side)


def test_synthesis_ends_in_the_end_handshape(asl, synth):
    tr = synth.synthesize([GlossItem("UNDERSTAND")])
    seg = next(s for s in tr.segments if s.kind == "sign")
    h = _hand(tr, synth.dom)
    assert np.allclose(tr.hand_params[seg.start + 1, h], asl.phonology.handshape("closed X"), atol=8)
    assert np.allclose(tr.hand_params[seg.end - 1, h], asl.phonology.handshape("1"), atol=1e-6)


def test_wrong_forms_of_issue_14_are_fixed(asl):
    lex = asl.lexicon
    assert lex.get("UPSET")["dom"]["loc"] == "stomach" and "frustrated" in lex.get("FRUSTRATED")["words"]
    assert lex.get("FAMOUS").get("hands") == 2 and lex.get("ANSWER").get("hands") == 2
    horse = lex.get("HORSE")
    p = asl.phonology.handshape(horse["dom"]["hs"])
    assert abs(p[3] - p[7]) < 5, "HORSE: index and middle together"
    assert horse["dom"]["loc"] == "temple" and end_handshape(horse) != horse["dom"]["hs"]
    assert lex.get("LOUD")["dom"]["loc"] == "ear"
    assert lex.get("HELLO")["dom"]["loc"] != "forehead"


def test_hello_salute_keeps_the_face_clear(asl, synth):
    """The hand stays beside the face: its palm centre is never in front of the nose (within 4 cm sideways)."""
    tr = synth.synthesize([GlossItem("HELLO")])
    seg = next(s for s in tr.segments if s.kind == "sign")
    h = _hand(tr, synth.dom)
    j = tr.hand_joints()[seg.start:seg.end, h]
    palm = (j[:, 0] + j[:, 9]) * 0.5
    nose, _ = synth.location("nose", synth.dom)
    side = np.abs((palm - nose) @ synth.body.left)
    assert side.min() > 0.04, f"palm {side.min() * 100:.1f} cm from the face's midline"


def test_base_follows_moves_both_hands_together(asl, synth):
    tr = synth.synthesize([GlossItem("ANSWER")])
    seg = next(s for s in tr.segments if s.kind == "sign")
    d, n = _hand(tr, synth.dom), 1 - _hand(tr, synth.dom)
    dom_path = tr.wrist[seg.end - 1, d] - tr.wrist[seg.start, d]
    base_path = tr.wrist[seg.end - 1, n] - tr.wrist[seg.start, n]
    assert np.linalg.norm(dom_path) > 0.03
    assert np.linalg.norm(base_path - dom_path) < 0.25 * np.linalg.norm(dom_path)


def test_parallel_hands_move_the_same_way(asl, synth):
    gloss = next(g for g, e in asl.lexicon.signs.items() if e.get("sym") == "parallel")
    tr = synth.synthesize([GlossItem(gloss)])
    seg = next(s for s in tr.segments if s.kind == "sign")
    d = _hand(tr, synth.dom)
    a = tr.wrist[seg.end - 1, d] - tr.wrist[seg.start, d]
    b = tr.wrist[seg.end - 1, 1 - d] - tr.wrist[seg.start, 1 - d]
    assert np.linalg.norm(a) > 0.03 and float(a @ b) / (np.linalg.norm(a) * np.linalg.norm(b)) > 0.9, gloss


def test_operator_lists_the_flagged_signs(addon, bpy_mod, capsys):
    import bpy
    assert bpy.ops.signllm.show_flagged() == {"FINISHED"}
    # the add-on's own copy of the package (earlier tests may have added user signs to its lexicon)
    import importlib
    root = bpy.types.SIGNLLM_OT_show_flagged.__module__.rsplit(".operators", 1)[0]
    addon_inf = importlib.import_module(root + ".inference")
    lex = addon_inf.load_language(bpy.context.scene.signllm.language).lexicon
    rows = importlib.import_module(root + ".inference.lexicon").flagged_signs(lex)
    out = capsys.readouterr().out
    assert f"{len(rows)} of {len(lex)}" in out
    for gloss, _, _ in rows:
        assert f"  {gloss} (" in out
    assert hasattr(bpy.types, "SIGNLLM_PT_lexicon_review")


def test_crossed_mirror_signs_start_crossed_and_part(asl, synth):
    """SAFE: the dominant hand starts on the other side of the midline, the other hand behind it, then they part."""
    tr = synth.synthesize([GlossItem("SAFE")])
    seg = next(s for s in tr.segments if s.kind == "sign")
    d = _hand(tr, synth.dom)
    out = synth.dir_vec("out", synth.dom)
    mid = synth.body.joints["chest"]
    start_side = float((tr.wrist[seg.start + 1, d] - mid) @ out)
    end_side = float((tr.wrist[seg.end - 1, d] - mid) @ out)
    assert start_side < 0 < end_side, (start_side, end_side)
    depth = float((tr.wrist[seg.start + 1, d] - tr.wrist[seg.start + 1, 1 - d]) @ synth.body.forward)
    assert depth > 0.03, "the other hand passes behind the dominant one"


def _sign_window(tr):
    seg = next(s for s in tr.segments if s.kind == "sign")
    return seg.start, seg.end


def test_fingers_wiggle_while_the_hand_travels(asl, synth):
    """FINGERSPELL (path key wiggle): in the frames where the wrist moves, the index base angle swings back and forth
    several times; before the key existed the wiggle came first and the fingers were still during the path."""
    assert asl.lexicon.get("FINGERSPELL")["move"][0].get("wiggle") is True
    tr = synth.synthesize([GlossItem("FINGERSPELL")])
    a, b = _sign_window(tr)
    h = _hand(tr, synth.dom)
    speed = np.linalg.norm(np.diff(tr.wrist[a:b, h], axis=0), axis=1)
    moving = np.nonzero(speed > 0.25 * speed.max())[0]
    assert len(moving) >= 6
    lo, hi = a + moving[0], a + moving[-1] + 1
    assert np.linalg.norm(tr.wrist[hi, h] - tr.wrist[lo, h]) > 0.03, "the hand travels"
    idx = tr.hand_params[lo:hi, h, 0]
    assert np.ptp(idx) > 15, f"index base swings {np.ptp(idx):.1f} deg while travelling"
    turns = np.sum(np.diff(np.sign(np.diff(idx))) != 0)
    assert turns >= 3, f"{turns} reversals of the index angle during the path"


def test_forearm_rolls_during_the_rise(asl, synth):
    """SUCCEED (path key roll): half-way up the path the palm has turned part of the way, not all or none of it."""
    tr = synth.synthesize([GlossItem("SUCCEED")])
    a, b = _sign_window(tr)
    h = _hand(tr, synth.dom)
    path = np.linalg.norm(tr.wrist[a:b, h] - tr.wrist[a, h], axis=1)
    normal = tr.palm[a:b, h, :, 2]
    turned = np.degrees(np.arccos(np.clip(normal @ normal[0], -1.0, 1.0)))
    assert path[-1] > 0.05 and turned[-1] > 45, (path[-1], turned[-1])
    mid = int(np.argmin(np.abs(path - 0.5 * path[-1])))
    frac = turned[mid] / turned[-1]
    assert 0.2 < frac < 0.8, f"{frac:.2f} of the roll done half-way up the path"
