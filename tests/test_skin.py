"""Contact and collision on the character's own skin.

Pure part (no bpy): surfaces fitted to a synthetic skinned body. Blender part: the default human with each of
its skeletons signs the demo sentence, A-Z and contact signs; measured on the deformed mesh (tests/skin_metrics.py).
"""
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# ASL signs that touch the body (chest, chin, mouth, nose, cheek, forehead, temple, ear, neck, stomach). Measured but
# not asserted (docs/notes/skin.md, contact.md): SORRY (now the front of the A fist on the chest, Handspeak's form:
# 8-13 mm) and SHOULDER (now on the non-dominant shoulder, branch lexb: 9 mm on the default skeleton, others
# not yet measured).
CONTACT_SIGNS = ["MY", "MOTHER", "FATHER", "HELLO", "THINK", "KNOW", "EAT", "PLEASE", "ME", "GIRL", "BOY",
                 "THANK-YOU", "GOOD", "WOMAN", "MAN", "DEAF", "HOME", "WATER", "HAPPY", "SMELL", "PHONE", "NECKTIE",
                 "HEART", "STOMACH", "WRONG", "LIE"]
DATA_PROBLEMS = ["SORRY", "SHOULDER"]
SENTENCE = "Hello, what is your name?"
PENETRATION_MM = 5.0
CONTACT_MM = 10.0
SKIN_POINT_MM = 3.0
# at an intended contact the hand may press into the skin (soft tissue gives; a rigid palm bridging the chest's
# hollow presses its pads in), but not sink (skin_metrics Report.press): 0-9.4 mm with tools/skin_table.py's 26
# signs on all 15 characters, except the fingerless cmu_mb's LIE (10.5-11.1 mm; its index cannot bend)
PRESS_MM = 10.0
# an edge of the forearm's or hand's skin at most this many times its rest length: bending stretches them 2.9-4.1x
# on the 26 contact signs; Rigify's elbow helper left at rest (its MPFB constraints missing) tore them 13.7x
STRETCH_MAX = 6.0


# -- pure: a synthetic skinned body -----------------------------------------------------------------

def _synthetic():
    """Sphere head (r 9 cm), elliptic-cylinder torso (16 x 11 cm), arm cylinders; one bone per part."""
    from signllm.inference.body import BodyModel
    body = BodyModel.default()
    j = body.joints
    pts, bone = [], []
    th = np.linspace(0, 2 * np.pi, 72, endpoint=False)
    head_c = j["head_base"] + np.array([0.0, -0.02, 0.09])
    el = np.linspace(-np.pi / 2, np.pi / 2, 37)
    E, T = np.meshgrid(el, th)
    sph = np.stack([np.cos(E) * np.cos(T), np.cos(E) * np.sin(T), np.sin(E)], -1).reshape(-1, 3)
    pts.append(head_c + 0.09 * sph)
    bone += [0] * len(sph)
    for z in np.linspace(j["pelvis"][2] - 0.05, j["neck_base"][2], 40):
        ring = np.stack([0.16 * np.cos(th), j["chest"][1] + 0.11 * np.sin(th), np.full_like(th, z)], -1)
        pts.append(ring)
        bone += [1] * len(ring)
    for k, side in enumerate("LR"):
        s, e = j[f"shoulder_{side}"], j[f"elbow_{side}"]
        for t in np.linspace(0, 1, 10):
            c = s + t * (e - s)
            ring = c + 0.04 * np.stack([np.zeros_like(th), np.cos(th), np.sin(th)], -1)
            pts.append(ring)
            bone += [2 + k] * len(ring)
    V = np.concatenate(pts)
    W = np.zeros((len(V), 4))
    W[np.arange(len(V)), bone] = 1.0
    return body, V, W, head_c


def test_fit_measures_synthetic_skin():
    from signllm.rigs.skin_body import fit_skin_body
    body, V, W, head_c = _synthetic()
    skin = fit_skin_body(V, W, body)
    assert skin is not None
    assert skin.counts["head"] > 1000 and skin.counts["torso"] > 1000
    # depth against the analytic surfaces: points inside, on and outside the head sphere and torso cylinder
    dirs = np.array([[0, -1, 0], [1, 0, 0], [0.6, -0.8, 0], [0, 0, 1]], float)
    for gap in (-0.02, 0.0, 0.02):
        d, _ = skin.depth(head_c + (0.09 + gap) * dirs)
        assert np.abs(d + gap).max() < 0.003, (gap, d)
    chest = body.joints["chest"]
    front = np.array([0.0, chest[1] - 0.11 - 0.01, chest[2] - 0.2])
    d, n = skin.depth(front[None])
    assert abs(d[0] + 0.01) < 0.003 and n[0] @ np.array([0, -1.0, 0]) > 0.95
    assert skin.arm_radius["upper_L"] == pytest.approx(0.04, abs=0.003)
    # a skin point lies on the surface
    p = skin.snap(front + np.array([0, -0.1, 0]), np.array([0, -1.0, 0]))
    assert abs(skin.depth(p[None])[0][0]) < 0.002


def test_contact_sign_lands_on_fitted_skin_and_hands_stay_out():
    """Synthesis on a body with skin: contact surfaces reach their skin points, no hand joint goes 5 mm into
    the skin, and the skin point differs from the proportional one (the fit is used)."""
    from signllm.inference import gloss_to_track
    from signllm.inference.gloss import GlossItem
    from signllm.inference.languages import load_language
    from signllm.inference.synthesis import Synthesizer
    from signllm.inference.validate import contact_miss
    from signllm.rigs.skin_body import fit_skin_body
    body, V, W, _ = _synthetic()
    proportional = body.location(load_language("ASL").phonology.locations["chest"], "R")[0]
    body.skin = fit_skin_body(V, W, body)
    lang = load_language("ASL")
    on_skin = body.location(lang.phonology.locations["chest"], "R")[0]
    assert abs(body.skin.depth(on_skin[None])[0][0]) < 0.002
    assert np.linalg.norm(on_skin - proportional) > 0.005
    synth = Synthesizer(lang.phonology, lang.lexicon, lang.alphabet, body)
    for gloss in ("MY", "MOTHER", "THINK"):
        tr = synth.synthesize([GlossItem(gloss)])
        assert contact_miss(synth, lang.lexicon.get(gloss), tr) < 0.01, gloss
        depth, _ = body.skin.depth(tr.hand_joints())
        # joints are bone centres (a fingertip joint is the finger's end, on its skin): none 5 mm into the body
        assert depth.max() < 0.005, f"{gloss}: a hand joint {depth.max() * 1000:.1f} mm inside the skin"
    assert gloss_to_track([GlossItem("MY")], "ASL", body).n_frames > 0


def test_a_move_between_two_touches_keeps_both_touches_and_stays_out():
    """HOME (cheek to jaw), DEAF (cheek to chin), MAN, ADULT, PARENTS touch twice; a move between two touches
    arcs out over the skin (Synthesizer._over_skin: on the MakeHuman head HOME's fingertips went 5.9 mm through
    the cheek, test_contact_signs_on_the_skin measures that on the mesh). Here, on a fitted synthetic skin: the
    touching surface starts and ends on the skin (the arc lifts between the touches, not at them: an arc that
    lifted them would put them 10-15 mm off) and never sinks into it between."""
    from signllm.inference.gloss import GlossItem
    from signllm.inference.languages import load_language
    from signllm.inference.synthesis import Synthesizer
    from signllm.rigs.skin_body import fit_skin_body
    body, V, W, _ = _synthetic()
    body.skin = fit_skin_body(V, W, body)
    lang = load_language("ASL")
    synth = Synthesizer(lang.phonology, lang.lexicon, lang.alphabet, body)
    for gloss in ("HOME", "DEAF", "MAN", "ADULT", "PARENTS"):
        surface = lang.lexicon.get(gloss)["dom"]["contact"]
        tr = synth.synthesize([GlossItem(gloss)])
        seg = tr.segments[0]
        pts = np.stack([tr.wrist[t, 1] + tr.palm[t, 1] @ synth.local_point(tr.hand_params[t, 1], surface, "R")
                        for t in range(seg.start, seg.end)])
        depth = body.skin.depth(pts)[0]
        assert depth.max() < 0.003, f"{gloss}: the touching surface {depth.max() * 1000:.1f} mm under the skin"
        assert np.abs(depth[[0, -1]]).max() < 0.002, f"{gloss}: a touch left the skin ({depth[[0, -1]] * 1000} mm)"


# -- Blender: the default human with every skeleton, native and through FBX and glTF (tests/characters.py) --------

@pytest.fixture(scope="module")
def lang():
    from signllm.inference.languages import load_language
    return load_language("ASL")


def _measure(bpy, skeleton, via, lang, step=3, **kw):
    import characters
    import skin_metrics
    from signllm.signllm_blender import service
    scene, rig, _ = characters.open_character(skeleton, via)
    probe = skin_metrics.SkinProbe(bpy, rig, scene)
    res = service.generate(rig, scene, **kw)
    return probe, probe.measure(res, lang.lexicon, lang.phonology.locations, step=step)


# Measured (docs/notes/skin.md, fingers.md, contact.md, thumb.md), not yet within the limits. Strict: when a
# fix brings a character within them the test XPASSes and fails, so the mark goes as soon as it is no longer true.
# The test checks every limit before failing, so each reason is everything still open on that character. The
# MakeHuman skeleton's native and FBX characters pass since B's thumb keeps its canonical height over the palm
# (HAPPY was 12 mm off the chest, held off by a thumb standing 10 mm proud of the palm) and a move between two
# touches arcs over the skin (HOME's fingertips went 5.9 mm through the cheek); the Mixamo skeleton's since a hand
# arriving at a touch no longer turns its fingers into the body (rigs.solve._arrive_out_of_body: HELLO's fingertip
# was 8.7 mm in the head beside the temple) and a hand in space keeps its joints within 2 mm of the skin, not 4
# (GIRL's thumb arrived at the jaw 6.2 mm in, the frame before the sign); the Unreal skeleton's three pass; Rigify's
# native and FBX characters since its neck is measured where the neck leaves the trunk (rigs.solve._neck_base: MY
# was 10.8 mm off the chest, NECKTIE's point 103 mm low, in the chest), the probe's body has no holes between its parts, and a
# touching hand's wrist keeps its own thickness (HOME's went 8 mm into the shoulder); the FBX one since the elbow and
# shoulder helpers, which lose their constraints in the round trip, are keyed to follow the arm (the skin tore
# 13.4x; natively the MPFB constraints now come with the metarig); the three glTF characters since a sign kept
# 'near' the skin presses nothing and the thumb's ball is as thick as the mesh makes it (BOY's went 5.1-8.7 mm into
# the forehead). Left: the fingerless cmu_mb, whose hand now turns by the mesh hand's own axes (THINK was 20.5 mm
# off, NECKTIE's fingers 38 mm in the throat).
_CMU = ("no finger bones (the mesh's straight, spread fingers): HELLO 11.3-11.6 mm and NECKTIE 13.7-14.4 mm off "
        "their skin points; MY's and STOMACH's press 10.8-13.5 mm; the forearm 11.4-12.9 mm in the body at STOMACH "
        "and MY")
_OPEN = {("cmu_mb", via): _CMU for via in ("native", "fbx", "gltf")}


def _character_param(sk, via):
    reason = _OPEN.get((sk, via))
    return pytest.param(sk, via, marks=pytest.mark.xfail(strict=True, reason=reason)) if reason else (sk, via)


# every skeleton, natively and through the FBX and glTF importers' round trips (15 characters, ~3 minutes)
SKELETONS = ("default", "game_engine", "mixamo", "cmu_mb", "rigify")
TESTED = [(sk, via) for sk in SKELETONS for via in ("native", "fbx", "gltf")]


def _characters():
    return [_character_param(sk, via) for sk, via in TESTED]


@pytest.mark.parametrize("skeleton,via", _characters())
def test_contact_signs_on_the_skin(bpy_mod, lang, skeleton, via):
    """Every test character signs all 26 contact signs in one text."""
    signs = CONTACT_SIGNS
    probe, rep = _measure(bpy_mod, skeleton, via, lang, gloss=" ".join(signs))
    assert probe.body.skin is not None
    assert set(rep.contacts) == set(signs)
    # every limit is checked before failing, so a failure (and an xfail reason) names all that is still open
    problems = []
    bad = {g: f"{m * 1000:.1f} mm" for g, (m, _) in rep.contacts.items() if m * 1000 > CONTACT_MM}
    if bad:
        problems.append(f"contact hand surface off its skin point: {bad}")
    off = {g: f"{o * 1000:.1f} mm" for g, (_, o) in rep.contacts.items() if o * 1000 > SKIN_POINT_MM}
    if off:
        problems.append(f"skin points off the deformed skin: {off}")
    pressed = {g: f"{d * 1000:.1f} mm" for g, (d, _) in rep.press.items() if d * 1000 > PRESS_MM}
    if pressed:
        problems.append(f"pressed into the body at the contact: {pressed}")
    if rep.body_depth * 1000 > PENETRATION_MM:
        problems.append(f"{rep.body_depth * 1000:.1f} mm inside the body at {rep.body_where}")
    if rep.arm_depth * 1000 > PENETRATION_MM:
        problems.append(f"{rep.arm_depth * 1000:.1f} mm inside the other arm at {rep.arm_where}")
    if rep.stretch > STRETCH_MAX:
        problems.append(f"the arm's skin torn: an edge {rep.stretch:.1f}x its rest length at {rep.stretch_where}")
    # the salute starts beside the forehead: seen from the front, the hand never covers an eye
    if rep.eyes_clear["HELLO"] <= 0.02:
        problems.append(f"HELLO's hand {rep.eyes_clear['HELLO'] * 1000:.0f} mm from an eye")
    assert not problems, "; ".join(problems)


# Before the forearm-aware elbow choice and WHAT's placement the forearms went up to 60 mm into the chest; since the
# contact pivot (docs/notes/fingers.md) the sentence's transition into HELLO's temple is out of the head as well
@pytest.mark.parametrize("skeleton,what", [(sk, w) for sk in SKELETONS for w in ("sentence", "alphabet")])
def test_sentence_and_alphabet_stay_out_of_the_body(bpy_mod, lang, skeleton, what):
    kw = {"text": SENTENCE} if what == "sentence" else {"gloss": "fs-" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
    _, rep = _measure(bpy_mod, skeleton, "native", lang, step=2, **kw)
    assert rep.body_depth * 1000 <= PENETRATION_MM, f"{rep.body_depth * 1000:.1f} mm inside the body at {rep.body_where}"
    assert rep.arm_depth * 1000 <= PENETRATION_MM, f"{rep.arm_depth * 1000:.1f} mm inside the other arm at {rep.arm_where}"
    assert rep.stretch <= STRETCH_MAX, f"the arm's skin torn: an edge {rep.stretch:.1f}x its rest length at {rep.stretch_where}"


@pytest.mark.parametrize("skeleton", ["default", "mixamo"])
def test_the_idle_hand_makes_room_for_a_sign_made_on_it(bpy_mod, lang, skeleton):
    """STOMACH's palm goes to the belly, where the idle hand rests in the FRONT rest pose: on the skin the two
    hands stay a finger's width apart (the palm lay on the back of the resting hand on the MakeHuman skeleton),
    the idle hand does not hide the signing one from the front (it did on Mixamo's), also on the way to the next
    sign as it comes back, and it is back at rest for HELLO."""
    import characters
    import skin_metrics
    from signllm.signllm_blender import service
    scene, rig, _ = characters.open_character(skeleton, "native")
    probe = skin_metrics.SkinProbe(bpy_mod, rig, scene)
    res = service.generate(rig, scene, gloss="STOMACH HELLO")
    seg, nxt = [s for s in res.track.segments if s.kind == "sign"]
    hands = {s: np.flatnonzero(probe.labels == f"hand_{s}")[::2] for s in "LR"}
    fwd = probe.world_forward()
    gap, hidden = np.inf, 0
    for f in range(seg.start, nxt.start):         # the sign and the way on, as the idle hand comes back
        scene.frame_set(scene.frame_start + f)
        V = probe.world_vertices()
        diff = V[hands["L"]][None] - V[hands["R"]][:, None]          # the idle hand from the signing one
        gap = min(gap, float(np.linalg.norm(diff, axis=-1).min()))
        ahead = diff @ fwd
        across = np.linalg.norm(diff - ahead[..., None] * fwd, axis=-1)
        hidden = max(hidden, int(((across < 0.01) & (ahead > 0)).any(axis=1).sum()))
    assert gap > 0.01, f"STOMACH: the hands {gap * 1000:.1f} mm apart"
    # seen from the front, the idle hand does not cover the signing one
    assert hidden == 0, f"STOMACH: {hidden} of the signing hand's points hidden behind the idle hand"
    # back at rest for HELLO, which is made far from it
    back = np.linalg.norm(res.track.wrist[nxt.start:nxt.end, 0] - res.track.wrist[0, 0], axis=-1).max()
    assert back < 0.002, f"the idle hand {back * 1000:.1f} mm from its rest during HELLO"
    assert np.linalg.norm(res.track.wrist[seg.start:seg.end, 0] - res.track.wrist[0, 0], axis=-1).min() > 0.05


def test_rig_without_mesh_keeps_the_proportional_body(bpy_mod, rigify_scene):
    from signllm.signllm_blender import service
    scene, _, rig = rigify_scene
    _, _, body = service.read_character(rig, scene)
    assert body.skin is None
