"""The character's own hand (rigs/hand_geometry.py), bpy-free: measured on synthetic hands whose knuckles, phalanges
and fingertip skin are known, then used by synthesis for contact. The Blender side (real characters, deformed
mesh) is tests/test_skin.py."""
import numpy as np
import pytest

from signllm.inference import hand as chand
from signllm.inference.transforms import axis_angle_matrix

FINGERS = ("thumb", "index", "middle", "ring", "pinky")
# a hand unlike the canonical one: a longer palm, shorter fingers (hand frame, right hand, metres)
MCP = np.array([[0.034, 0.104, 0.0], [0.009, 0.106, 0.0], [-0.012, 0.100, 0.0], [-0.032, 0.092, 0.0]])
SEG = np.array([[0.027, 0.024, 0.026], [0.034, 0.027, 0.027], [0.030, 0.026, 0.028], [0.023, 0.016, 0.021]])
THUMB_CMC = np.array([0.027, 0.034, 0.015])
THUMB_LEN = np.array([0.029, 0.039, 0.028])


def _rot(axis, deg):
    return axis_angle_matrix(np.asarray(axis, float)[None], np.radians([deg]))[0]


def _synthetic_hand(side, frame, wrist, scale):
    """Bone heads, bone-derived ends and fingertip skin clouds of a straight hand (canonical space)."""
    mirror = np.array([-1.0, 1.0, 1.0]) if side == "L" else np.ones(3)
    to_world = lambda q: wrist + (np.asarray(q) * mirror * scale) @ frame.T  # noqa: E731
    heads, ends, tips, truth_tips = {}, {}, {}, {}
    rng = np.random.default_rng(3)
    for f in FINGERS:
        if f == "thumb":
            base, lens, d = THUMB_CMC, THUMB_LEN, np.array([0.6, 0.8, 0.0])
        else:
            i = FINGERS.index(f) - 1
            base, lens, d = MCP[i], SEG[i], np.array([0.0, 1.0, 0.0])
        h = [base, base + lens[0] * d, base + (lens[0] + lens[1]) * d]
        heads[f] = np.stack([to_world(p) for p in h])
        ends[f] = to_world(h[2] + 0.8 * lens[1] * d)           # what the bones alone say (rigs.solve._last_end)
        # the skin of the last phalanx: a 7 mm tube ending in a cap at the true tip (lens[2] beyond its head)
        t = rng.uniform(0.0, 1.0, 400)
        ang = rng.uniform(0, 2 * np.pi, 400)
        perp = np.stack([np.cos(ang), np.zeros(400), np.sin(ang)], -1) if f != "thumb" else \
            np.stack([0.8 * np.cos(ang), -0.6 * np.cos(ang), np.sin(ang)], -1)
        cloud = h[2] + (t * (lens[2] - 0.007))[:, None] * d + 0.007 * np.sqrt(1 - t[:, None] ** 8) * perp
        cloud = np.concatenate([cloud, (h[2] + lens[2] * d)[None]])
        tips[f] = np.stack([to_world(p) for p in cloud])
        truth_tips[f] = h[2] + lens[2] * d
    return heads, ends, tips, truth_tips


@pytest.mark.parametrize("side", ["R", "L"])
def test_geometry_from_bones_and_fingertip_skin(side):
    from signllm.rigs.hand_geometry import from_chains
    frame = _rot([0.3, -0.5, 0.8], 70.0)
    wrist, scale = np.array([0.4, -0.1, 1.3]), 0.92
    heads, ends, tips, truth = _synthetic_hand(side, frame, wrist, scale)
    g = from_chains(wrist, frame, heads, ends, side, scale, tips)
    np.testing.assert_allclose(g.mcp, MCP, atol=1e-9)
    np.testing.assert_allclose(g.seg[:, :2], SEG[:, :2], atol=1e-9)
    np.testing.assert_allclose(g.seg[:, 2], SEG[:, 2], atol=2e-4)        # the fingertip's skin, not the bones' 0.8
    np.testing.assert_allclose(g.thumb_cmc, THUMB_CMC, atol=1e-9)
    np.testing.assert_allclose(g.thumb_len, THUMB_LEN, atol=2e-4)
    # the hand model with this geometry puts a straight finger's tip joint on that skin, in the hand frame
    j = chand.joints_local(np.zeros(21), 1.0, "R", g)
    assert np.linalg.norm(j[12] - truth["middle"]) < 3e-4
    assert np.linalg.norm(chand.joints_local(np.zeros(21), 1.0, "R")[12] - truth["middle"]) > 0.005
    # without the skin, the bones' own estimate (0.8 of the middle phalanx) is kept
    g0 = from_chains(wrist, frame, heads, ends, side, scale)
    np.testing.assert_allclose(g0.seg[:, 2], 0.8 * SEG[:, 1], atol=1e-9)


def _flat_hand_cloud(F):
    """Points of a flat hand modelled with straight fingers (palm box, four finger rods, an outward thumb) in a
    hand frame F (columns), tips known."""
    rng = np.random.default_rng(5)
    pts = [np.stack([rng.uniform(-0.04, 0.04, 3000), rng.uniform(0.0, 0.095, 3000), rng.uniform(-0.012, 0.012, 3000)], -1)]
    tips = {}
    for f, x, L in (("index", 0.03, 0.165), ("middle", 0.008, 0.178), ("ring", -0.013, 0.172), ("pinky", -0.033, 0.150)):
        y = rng.uniform(0.09, L - 0.008, 600)
        a = rng.uniform(0, 2 * np.pi, 600)
        pts.append(np.stack([x + 0.008 * np.cos(a), y, 0.008 * np.sin(a)], -1))
        tips[f] = np.array([x, L, 0.0])
        pts.append(tips[f][None])
    t = rng.uniform(0, 1, 500)
    d = np.array([0.8, 0.6, 0.0])
    pts.append(np.array([0.03, 0.02, 0.0]) + (t * 0.075)[:, None] * d)
    tips["thumb"] = np.array([0.03, 0.02, 0.0]) + 0.075 * d
    pts.append(tips["thumb"][None])
    P = np.concatenate(pts)
    return P @ F.T, {k: F @ v for k, v in tips.items()}


@pytest.mark.parametrize("side", ["R", "L"])
def test_rigid_hand_measured_from_a_fingerless_mesh(side):
    """No finger bones: the hand frame the bones give is a guess from the forearm (here 30 degrees off the
    mesh hand's own axes). The rigid hand is measured in the mesh hand's own frame (HandGeometry.frame: fingers
    along y, palm facing z), so a sign's palm orientation turns the mesh's palm; placed by that frame its joints
    are on the mesh's fingertips and thumb tip."""
    from signllm.rigs.hand_geometry import rigid_from_mesh
    off = _rot([0.2, 0.3, 1.0], 30.0)                          # the mesh hand's axes in the bone-derived frame
    local, tips = _flat_hand_cloud(off)
    bone_frame = _rot([1.0, 0.0, 0.2], 40.0)
    wrist = np.array([-0.3, 0.0, 1.2])
    mirror = np.array([-1.0, 1.0, 1.0]) if side == "L" else np.ones(3)
    g = rigid_from_mesh(wrist + (local * mirror) @ bone_frame.T, wrist, bone_frame, side, 1.0)
    np.testing.assert_allclose(g.frame.T @ g.frame, np.eye(3), atol=1e-9)
    assert np.linalg.det(g.frame) > 0.999
    J = chand.joints_local(np.zeros(21), 1.0, side, g)          # this side's convention (x mirrored for L)
    for f, k in (("index", 8), ("middle", 12), ("ring", 16), ("pinky", 20), ("thumb", 4)):
        want = (tips[f] * mirror) @ bone_frame.T
        assert np.linalg.norm(g.frame @ J[k] - want) < 0.006, (f, np.linalg.norm(g.frame @ J[k] - want))
    # in its own frame the mesh hand's fingers point along y and its thumb to x (the canonical hand's axes)
    assert np.all(g.rigid[[8, 12, 16, 20], 1] > 0.14) and np.all(np.abs(g.rigid[[8, 12, 16, 20], 2]) < 0.01)
    assert g.rigid[4, 0] > 0.03
    # the guess from the bones is the 30 degrees off
    angle = np.degrees(np.arccos(np.clip((np.trace(bone_frame.T @ g.frame) - 1) / 2, -1, 1)))
    assert abs(angle - 30.0) < 3.0, angle
    # knuckles on the line from the wrist toward each fingertip's side, the palm's heel at the wrist
    assert np.linalg.norm(g.rigid[0]) < 1e-9
    assert np.all(np.linalg.norm(g.rigid[[5, 9, 13, 17]], axis=-1) < np.linalg.norm(g.rigid[[8, 12, 16, 20]], axis=-1))
    # rigid: whatever the sign asks, the joints stay (a fist is still the flat mesh hand), mirrored for the left
    fist = chand.joints_local(np.full(21, 80.0), 1.0, side, g)
    np.testing.assert_allclose(fist, J)


def test_synthesis_contacts_with_the_characters_hand():
    """A body with its own hand: the contact surface (EAT's flat-O fingertips) reaches its point with that hand's
    proportions, which the canonical hand would miss by a centimetre; contact signs carry the touching point
    (track.contact) the solver turns a clamped hand about."""
    from signllm.inference.body import BodyModel
    from signllm.inference.gloss import GlossItem
    from signllm.inference.languages import load_language
    from signllm.inference.synthesis import Synthesizer
    from signllm.inference.validate import contact_miss
    lang = load_language("ASL")
    g = chand.HandGeometry(MCP, SEG, THUMB_CMC, THUMB_LEN)
    own = BodyModel.default()
    own.hands = {"R": g, "L": g}
    synth = Synthesizer(lang.phonology, lang.lexicon, lang.alphabet, own)
    canon = Synthesizer(lang.phonology, lang.lexicon, lang.alphabet, BodyModel.default())
    entry = lang.lexicon.get("EAT")
    tr = synth.synthesize([GlossItem("EAT")])
    assert contact_miss(synth, entry, tr) < 0.002
    # the same track read with the canonical hand: its fingertips are elsewhere
    assert contact_miss(canon, entry, tr) > 0.008
    seg = next(s for s in tr.segments if s.kind == "sign")
    from signllm.inference.track import HAND_SIDES
    h = HAND_SIDES.index(synth.dom)
    flat_o = lang.phonology.handshape(entry["dom"]["hs"])
    np.testing.assert_allclose(tr.contact[seg.start + 1, h], synth.local_point(flat_o, "fingertips", synth.dom),
                               atol=1e-9)
    assert not tr.contact[0].any() and not tr.contact[-1].any() and not tr.contact[:, 1 - h].any()


@pytest.mark.parametrize("side", ["R", "L"])
def test_heel_is_the_palm_sides_skin_over_the_heel(side):
    """A slab-shaped palm 50 mm thick at the heel (25 each side), thinning to 20 at the knuckles, a thumb ball
    standing 35 mm out beside it and a forearm behind the wrist: the heel is measured 25 mm in front of the
    wrist, on the middle of the palm, whatever the rig's frame, scale and side."""
    from signllm.rigs import hand_geometry
    frame, wrist, scale = _rot([0.3, 1.0, 0.2], 50.0), np.array([0.4, -0.1, 1.2]), 1.3
    mirror = np.array([-1.0, 1.0, 1.0]) if side == "L" else np.ones(3)
    rng = np.random.default_rng(5)
    x, y = rng.uniform(-0.035, 0.04, 6000), rng.uniform(-0.06, 0.1, 6000)
    front = np.where(y < 0, 0.02, 0.025 - 0.15 * np.clip(y, 0.0, 0.1))         # palm-side skin's height
    front = np.where((x > 0.018) & (y > 0.0) & (y < 0.06), 0.035, front)        # the thumb's ball
    sgn = rng.choice([-1.0, 1.0], 6000)
    z = np.where(sgn > 0, front, -0.015)
    local = np.stack([x, y, z], -1)
    pts = wrist + (local * mirror * scale) @ frame.T
    knuckles = [wrist + (m * mirror * scale) @ frame.T for m in MCP]
    heel = hand_geometry.heel_point(pts, wrist, frame, side, scale, knuckles)
    assert heel is not None
    assert abs(heel[2] - 0.025) < 0.0025, heel       # the heel's skin, not the thumb's ball (35) or the back
    assert 0.0 < heel[1] < 0.026 and abs(heel[0]) < 0.02
    assert hand_geometry.heel_point(pts[:5], wrist, frame, side, scale, knuckles) is None


def _synth_on(skin, right_hand=None):
    """A Synthesizer on the default body with `skin` (a stand-in with the few SkinBody fields the tested method
    reads, set after the rest posture, which needs a real one) and, if given, its own right hand."""
    from signllm.inference.body import BodyModel
    from signllm.inference.languages import load_language
    from signllm.inference.synthesis import Synthesizer
    lang = load_language("ASL")
    body = BodyModel.default()
    if right_hand is not None:
        body.hands["R"] = right_hand
    syn = Synthesizer(lang.phonology, lang.lexicon, lang.alphabet, body)
    syn.body.skin = skin
    return syn


def test_a_measured_heel_is_among_the_points_kept_out_of_the_body():
    """The heel is one of the points synthesis keeps out of the body (a skin point: a fingertip's margin), just
    before the forearm's two; without one the points are as before."""
    g = chand.HandGeometry.canonical()
    plain = _synth_on(_FlatSkin())
    with_heel = _synth_on(_FlatSkin(), type(g)(g.mcp, g.seg, g.thumb_cmc, g.thumb_len, heel=np.array([0.0, 0.02, 0.025])))
    params = np.zeros((1, 21))
    w, R = np.zeros((1, 3)), np.eye(3)[None]
    p0, m0 = plain._hand_points(w, R, params, "R")
    p1, m1 = with_heel._hand_points(w, R, params, "R")
    assert p1.shape[1] == p0.shape[1] + 1 and len(m1) == len(m0) + 1
    k = p0.shape[1] - 2                       # before the forearm's two points
    assert np.allclose(p1[0, k], [0.0, 0.02 * with_heel.scale, 0.025 * with_heel.scale])
    assert np.allclose(p1[0, -2:], p0[0, -2:]) and m1[k] < m1[9]


class _FlatSkin:
    """The few SkinBody fields _hand_points reads."""
    joint_margin = np.where(np.isin(np.arange(21), list(chand.TIPS.values())), 0.004, 0.01)
    arm_radius = {}


def test_a_thumb_beside_the_hand_keeps_its_height_over_the_palm():
    """The handshapes' thumb angles describe the canonical hand; this hand's thumb base sits 9 mm further
    palm-ward, so B's thumb (beside the index) would stand proud of the palm and hold a flat palm off the
    chest. Its lift is changed so the tip stands where the canonical one does; a thumb across curled fingers
    (S) keeps the inventory's angles."""
    from signllm.inference.languages import load_language
    ph = load_language("ASL").phonology
    g = chand.HandGeometry(MCP, SEG, THUMB_CMC, THUMB_LEN)
    b = ph.handshape("B")
    want = chand.joints_local(b)[chand.THUMB_TIP, 2]
    assert chand.joints_local(b, geometry=g)[chand.THUMB_TIP, 2] - want > 0.005     # the problem, measured
    q = chand.thumb_on_geometry(b, g)
    assert abs(chand.joints_local(q, geometry=g)[chand.THUMB_TIP, 2] - want) < 1e-4
    changed = np.flatnonzero(q != b)
    assert changed.tolist() == [chand.THUMB.start + 1] and -20.0 < q[changed[0]] < b[changed[0]]
    s = ph.handshape("S")
    np.testing.assert_array_equal(chand.thumb_on_geometry(s, g), s)
    np.testing.assert_array_equal(chand.thumb_on_geometry(b, None), b)


def test_bone_radius_from_the_skin_each_bone_drives():
    """Each finger bone's skin radius is measured from the points it drives (a tube 8 mm round each bone, the
    thumb's metacarpal a ball 18 mm thick), and it widens the margin synthesis keeps round that bone's middle
    where the mesh is thicker than the canonical finger (the thumb's ball), never narrows it."""
    from signllm.rigs.hand_geometry import from_chains
    frame = _rot([0.3, -0.5, 0.8], 70.0)
    wrist, scale = np.array([0.4, -0.1, 1.3]), 0.92
    heads, ends, tips, _ = _synthetic_hand("R", frame, wrist, scale)
    rng = np.random.default_rng(7)
    bones = {}
    for f in FINGERS:
        joints = np.concatenate([heads[f], ends[f][None]])
        clouds = []
        for k in range(3):
            a, b = joints[k], joints[k + 1]
            axis = (b - a) / np.linalg.norm(b - a)
            u = np.cross(axis, [0.0, 0.0, 1.0])
            u /= np.linalg.norm(u)
            v = np.cross(axis, u)
            t, ang = rng.uniform(0, 1, 300), rng.uniform(0, 2 * np.pi, 300)
            r = (0.018 if (f, k) == ("thumb", 0) else 0.008) * scale
            clouds.append(a + t[:, None] * (b - a) + r * (np.outer(np.cos(ang), u) + np.outer(np.sin(ang), v)))
        bones[f] = clouds
    g = from_chains(wrist, frame, heads, ends, "R", scale, tips, bones)
    np.testing.assert_allclose(g.radius[0], 0.018, atol=2e-4)
    np.testing.assert_allclose(g.radius[1:], 0.008, atol=2e-4)
    assert from_chains(wrist, frame, heads, ends, "R", scale, tips).radius is None
    syn = _synth_on(_FlatSkin(), g)
    plain = _synth_on(_FlatSkin(), type(g)(g.mcp, g.seg, g.thumb_cmc, g.thumb_len))
    _, m = syn._hand_points(np.zeros((1, 3)), np.eye(3)[None], np.zeros((1, 21)), "R")
    _, m0 = plain._hand_points(np.zeros((1, 3)), np.eye(3)[None], np.zeros((1, 21)), "R")
    assert abs(m[21] - (0.018 * syn.scale + chand.SKIN_CLEARANCE)) < 1e-9      # the thumb's metacarpal
    np.testing.assert_allclose(m[22:36], np.maximum(m0[22:36], 0.008 * syn.scale + chand.SKIN_CLEARANCE))
    np.testing.assert_allclose(m[:21], m0[:21])


class _Pit(_FlatSkin):
    """A body whose skin is the plane z = 0 only within 3 mm of one point (inside below it) and nowhere else,
    with the SkinBody margins of _FlatSkin: it tells whether that one point of a hand counts."""

    def __init__(self, at):
        self.at = np.asarray(at, float)[:2]

    def penetration(self, points, normals=False, margin=None):
        P = np.asarray(points, float)
        m = 0.01 if margin is None else margin
        d = np.where(np.linalg.norm(P[..., :2] - self.at, axis=-1) < 0.003, np.maximum(-P[..., 2] + m, 0.0), 0.0)
        n = np.broadcast_to(np.array([0.0, 0.0, 1.0]), P.shape)
        return (d, n) if normals else d


def test_at_a_spot_contact_only_the_skin_near_the_touch_presses():
    """A hand lying palm down on the floor with its thumb's tip the touching spot (radius 3 cm): a joint whose
    skin reaches into the radius but whose skin under it, toward the floor, lies outside it does not press and
    counts as inside (BOY's thumb ball, 4 cm from the thumb's tip, went 8.7 mm into the forehead); with the palm
    as the touching surface (a whole surface) the same joint presses, and so it does not hold the hand off."""
    syn = _synth_on(_FlatSkin())
    params = np.zeros((1, 21))
    R = np.diag([1.0, -1.0, -1.0])[None]           # palm (z) facing down onto the floor
    w = np.zeros((1, 3))
    joints, margin = syn._hand_points(w, R, params, "R")
    tip_local = chand.joints_local(params, syn.scale, "R")[0, chand.TIPS["thumb"]]
    radius = 0.03 * syn.size
    far = np.linalg.norm(joints[0, :21] - joints[0, chand.TIPS["thumb"]], axis=-1)
    # a joint whose sphere reaches the radius but whose lowest skin (straight down) does not
    lowest = np.linalg.norm(joints[0, :21] - np.array([0.0, 0.0, 1.0]) * margin[:21, None]
                            - joints[0, chand.TIPS["thumb"]], axis=-1)
    between = np.flatnonzero((far - margin[:21] < radius) & (lowest > radius))
    assert len(between)
    k = int(between[0])
    lift = np.array([[0.0, 0.0, margin[k] - 0.002 - joints[0, k, 2]]])    # that joint 2 mm in by its margin
    syn.body.skin = _Pit(joints[0, k] + lift[0])
    touching = np.array([True])
    spot, _ = syn._deepest(w + lift, R, params, "R", touching, np.array([[*tip_local, radius, 0.0]]))
    whole, _ = syn._deepest(w + lift, R, params, "R", touching, np.array([[*tip_local, radius, 1.0]]))
    free, _ = syn._deepest(w + lift, R, params, "R")
    assert abs(free[0] - 0.002) < 1e-9 and abs(spot[0] - 0.002) < 1e-9
    assert whole[0] == 0.0
