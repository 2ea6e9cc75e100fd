"""The handshape inventory (inference/data/handshapes.json) resolved on the canonical hand, without Blender."""
import itertools

import numpy as np
import pytest

from signllm.inference import hand
from signllm.inference.phonology import Phonology

CONTACT_TARGET = hand.FINGER_THICKNESS * 0.8   # 12 mm centre to centre: skin on skin
CONTACT_TOL = 0.003


@pytest.fixture(scope="module")
def phon():
    return Phonology()


def _contact_cases():
    return Phonology().contact_pairs()


def test_inventory_is_large_enough(phon):
    assert len(phon.handshapes) >= 45
    for name in ("1", "3", "5", "A", "B", "C", "O", "flat O", "S", "V", "W", "ILY"):
        assert name in phon.handshapes


@pytest.mark.parametrize("name,joint", _contact_cases())
def test_thumb_contact_touches_in_front_of_the_palm(phon, name, joint):
    j = hand.joints_local(phon.handshape(name))
    d = float(np.linalg.norm(j[hand.THUMB_TIP] - j[joint]))
    assert abs(d - CONTACT_TARGET) <= CONTACT_TOL, f"{name}: thumb tip {d * 1000:.1f} mm from {hand.JOINT_NAMES[joint]}"
    assert j[hand.THUMB_TIP, 2] > 0.0, f"{name}: thumb tip behind the palm (z={j[hand.THUMB_TIP, 2]:.3f})"


def test_contact_shapes_exist(phon):
    names = {n for n, _ in phon.contact_pairs()}
    assert {"O", "flat O", "baby O", "F", "D", "W", "6", "7", "8", "9"} <= names


def test_no_two_handshapes_share_an_articulation(phon):
    for (a, pa), (b, pb) in itertools.combinations(phon.handshapes.items(), 2):
        assert not np.allclose(pa, pb, atol=1e-6), f"{a!r} and {b!r} have identical articulation vectors"


def test_joints_stay_within_anatomical_bounds(phon):
    for name, p in phon.handshapes.items():
        assert p.shape == (hand.N_PARAMS,) and np.all(np.isfinite(p)), name
        j = hand.joints_local(p)
        assert np.all(np.isfinite(j)), name
        dist = np.linalg.norm(j - j[hand.WRIST], axis=-1)
        assert dist.max() < 0.25, f"{name}: a joint is {dist.max():.3f} m from the wrist"
        # finger joints bend toward the palm side only, within the usual ranges
        for i in range(4):
            mcp, pip, dip, spread = p[4 * i: 4 * i + 4]
            assert -20 <= mcp <= 100 and -5 <= pip <= 115 and -5 <= dip <= 90 and -35 <= spread <= 35, (name, i)
        # the fingertips do not go through the palm
        for tip in (8, 12, 16, 20):
            assert j[tip, 2] > -0.02, f"{name}: fingertip {tip} behind the hand"


def test_review_flags_are_booleans(phon):
    assert all(isinstance(v, bool) for v in phon.handshape_review.values())


def test_b_hands_follow_the_standard_inventory(phon):
    """B keeps the thumb alongside the index (the lexical B of ASL dictionaries); the fingerspelled letter's thumb
    across the palm is 'thumb-across B'; bent B bends ~90 degrees at the knuckles with straight fingers."""
    def thumb_tip_x(name):
        j = hand.joints_local(phon.handshape(name))
        return j[hand.THUMB_TIP, 0], j[hand.MCP["index"], 0], j[hand.MCP["middle"], 0]
    tip, index_mcp, middle_mcp = thumb_tip_x("B")
    assert tip > index_mcp - 0.005, f"B: thumb tip {tip:.3f} is across the palm (index knuckle at {index_mcp:.3f})"
    tip, index_mcp, middle_mcp = thumb_tip_x("thumb-across B")
    assert tip < index_mcp - 0.01, "thumb-across B: the thumb does not cross the palm"
    for name in ("B", "bent B"):
        tip, index_mcp, _ = thumb_tip_x(name)
        assert tip > index_mcp - 0.005, f"{name}: thumb across the palm"
    p = phon.handshape("bent B")
    for i in range(4):
        assert 80 <= p[4 * i] <= 95 and p[4 * i + 1] <= 10 and p[4 * i + 2] <= 10, "bent B: knuckles 90, fingers straight"
    j = hand.joints_local(phon.handshape("open B"))
    assert j[hand.THUMB_TIP, 0] > j[hand.MCP["index"], 0] + 0.03, "open B: thumb out to the side"


def test_flat_o_is_flatter_than_o(phon):
    """Flat O: straight fingers bent at the knuckles onto the thumb; O: every finger joint rounded."""
    flat, o = phon.handshape("flat O"), phon.handshape("O")
    for i in range(4):
        assert flat[4 * i + 1] + flat[4 * i + 2] < 0.6 * (o[4 * i + 1] + o[4 * i + 2])
        assert flat[4 * i] > o[4 * i] + 15


def test_retired_names_resolve_to_their_standard_shape(phon):
    from signllm.inference.lexicon import canonical_handshapes
    assert phon.canonical("flat B") == "B" and "flat B" not in phon.handshapes
    assert np.array_equal(phon.handshape("flat B"), phon.handshape("B"))
    e = {"dom": {"hs": "flat B"}, "base": {"hs": "flat B"}, "move": [{"type": "change", "hs": "flat B"}]}
    canonical_handshapes(e, phon)
    assert e["dom"]["hs"] == e["base"]["hs"] == e["move"][0]["hs"] == "B"


def test_every_handshape_is_described(phon):
    for name, spec in phon._hs_raw["handshapes"].items():
        assert isinstance(spec.get("desc"), str) and len(spec["desc"]) > 10, name
