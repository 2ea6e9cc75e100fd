"""The face signs: non-manual channels from the gloss (pure) and on every kind of face (real Blender).

Human ranges used: spontaneous blink rate at rest ~17/min, 8-21 typical (Bentivoglio et al. 1997,
Movement Disorders 12:1028); signers blink at phrase boundaries (Baker & Padden 1978; Wilbur 1994).
"""
import numpy as np
import pytest
import rig_builders as rb
from signllm.inference import (
    DataError,
    GlossItem,
    SignLLMError,
    format_gloss,
    gloss_to_track,
    nonmanual,
    parse_gloss,
    text_to_gloss,
)
from signllm.inference.mouth import channels, check_morphemes, morphemes_data

PARAGRAPH = ("My name is Anna. I am deaf. I like to read books and drive my car. Where do you live? "
             "Do you like coffee? My mother is a teacher and my father works at the bank. We go to school "
             "every day. I do not understand. Thank you for your help. See you tomorrow.")


def _seg(track, *glosses):
    segs = [s for s in track.segments if s.gloss in glosses]
    return segs[0].start, segs[-1].end


def _blinks(v):
    return np.flatnonzero((v[1:] > 0.5) & (v[:-1] <= 0.5)) + 1


# -- notation ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["HELLO / wh[ YOUR NAME WHAT ]", "yn[ YOU cha[ TALL ] ]", "neg+yn[ YOU DEAF ]",
                                  "t[ BOOK ] neg[ ME mm[ READ ] ]", "puff[ fs-ANNA ] HELLO",
                                  "tilt[ ME ] thrust[ YOU ] nod[ ME ] oo[ SMALL ] th[ LAZY ] pah[ SUCCEED ]",
                                  "cs[ NEAR ] sta[ STUDY ] aah[ FAR ]"])
def test_marks_round_trip(text):
    items = parse_gloss(text)
    assert format_gloss(items) == text
    assert format_gloss(parse_gloss(format_gloss(items))) == text


def test_marks_nest_and_bad_marks_say_what_exists():
    items = parse_gloss("yn[ YOU cha[ TALL ] ]")
    assert items[0].marks == ("yn",) and set(items[1].marks) == {"yn", "cha"}
    with pytest.raises(SignLLMError, match="cha"):
        parse_gloss("zz[ YOU ]")
    with pytest.raises(SignLLMError):
        parse_gloss("yn[ YOU cha[ TALL ]")


def test_mouth_data_is_checked():
    assert check_morphemes(morphemes_data()) == []
    bad = {"morphemes": {"MM": {"shapes": {"mouthNope": 0.5}}, "cha": {"shapes": {"jawOpen": 2.0}}}}
    errs = check_morphemes(bad)
    assert any("mouthNope" in e for e in errs) and any("upper-case" in e for e in errs) and any("0..1" in e for e in errs)
    from signllm.inference import load_language
    from signllm.inference.lexicon import check_entry
    lang = load_language("ASL")
    entry = dict(lang.lexicon.get("BIG"), mouth="HUGE")
    assert any("unknown mouth morpheme" in e for e in check_entry(entry, lang.phonology))
    assert lang.lexicon.get("BIG")["mouth"] == "CHA" and lang.lexicon.get("DRIVE")["mouth"] == "MM"


def test_mouth_table_rejects_unknown_glosses_and_morphemes(tmp_path):
    import json

    from signllm.inference import load_language
    from signllm.inference.mouth import load_table
    lex = load_language("ASL").lexicon
    p = tmp_path / "asl" / "mouth.json"
    p.parent.mkdir()
    p.write_text(json.dumps({"schema": "signllm.mouthtable/1", "mouth": {"NOT-A-SIGN": "MM"}}))
    with pytest.raises(DataError, match="NOT-A-SIGN"):
        load_table(str(p), lex)
    p.write_text(json.dumps({"schema": "signllm.mouthtable/1", "mouth": {"BIG": "HUGE"}}))
    with pytest.raises(DataError, match="HUGE"):
        load_table(str(p), lex)


# -- channels (pure) --------------------------------------------------------------------------------
def test_yes_no_brows_hold_over_the_question_and_rest_outside():
    tr = gloss_to_track("HELLO / yn[ YOU DEAF ] / ME HAPPY")
    a, b = _seg(tr, "YOU", "DEAF")
    raise_ = tr.face["browInnerUp"]
    peak = raise_[a:b].max()
    share = float((raise_[a:b] >= 0.5 * peak).mean())
    print(f"yes/no: brow raise >= 50 % of peak over {share * 100:.0f} % of {b - a} frames")
    assert peak > 0.9 and share >= 0.8
    ramp = int(0.25 * tr.fps)
    assert np.all(raise_[:a - ramp] == 0) and np.all(raise_[b + ramp:] == 0)
    assert np.all(tr.brows[a:b] > 0.45) and np.all(tr.head[:a - ramp] == 0)
    assert tr.head[a:b, 0].min() > 0.07          # head forward over the question


def test_wh_brows_furrow_and_deepen():
    tr = gloss_to_track("HELLO wh[ YOUR NAME WHAT ]")
    a, b = _seg(tr, "YOUR", "WHAT")
    down = tr.face["browDownLeft"]
    assert down[a:b].min() > 0.75 and down[b - 1] > down[a] and down[:a - int(0.25 * tr.fps)].max() == 0
    assert tr.face.get("browInnerUp", np.zeros(1))[a:b].max() < 0.3   # furrowed, not raised


def test_head_shake_spans_the_negated_predicate():
    tr = gloss_to_track("HELLO neg[ ME UNDERSTAND ] HAPPY")
    a, b = _seg(tr, "ME", "UNDERSTAND")
    yaw = tr.head[:, 1]
    amp = np.abs(yaw[a:b]).max()
    win = round(0.25 * tr.fps)     # a 2 Hz shake passes a peak every quarter second
    peaks = [np.abs(yaw[i:i + win]).max() for i in range(a, b - win + 1)]
    print(f"negation: shake {np.degrees(amp):.1f} deg over frames {a}-{b}, weakest quarter-second "
          f"{np.degrees(min(peaks)):.1f} deg")
    assert np.degrees(amp) > 8 and min(peaks) > 0.5 * amp
    h, c = _seg(tr, "HELLO", "HELLO"), _seg(tr, "HAPPY", "HAPPY")
    ramp = int(0.21 * tr.fps)
    assert np.all(yaw[:max(0, a - ramp)] == 0) and np.all(yaw[b + ramp:] == 0)
    assert h[1] <= a and c[0] >= b


def test_blinks_at_a_human_rate_and_at_boundaries_deterministically():
    items = text_to_gloss(PARAGRAPH)
    tr = gloss_to_track(items)
    blinks = _blinks(tr.face["eyeBlinkLeft"])
    minutes = tr.n_frames / tr.fps / 60
    rate = len(blinks) / minutes
    pauses = [s.start for s in tr.segments if s.kind == "pause"]
    at_boundary = sum(1 for p in pauses if np.any(np.abs(blinks - p) <= 3))
    print(f"blinks: {len(blinks)} in {minutes * 60:.1f} s = {rate:.1f}/min; {at_boundary} of {len(pauses)} pauses")
    assert 8 <= rate <= 21
    assert at_boundary >= 0.6 * len(pauses)
    again = gloss_to_track(items)
    assert np.array_equal(again.face["eyeBlinkLeft"], tr.face["eyeBlinkLeft"])
    # a blink is quick: closed (> 0.5) for under 0.2 s each time
    closed = tr.face["eyeBlinkLeft"] > 0.5
    assert closed.sum() / len(blinks) < 0.2 * tr.fps


def test_mouth_morphemes_move_in_their_sign_only():
    tr = gloss_to_track("HELLO BIG DRIVE HAPPY")
    ramp = int(0.15 * tr.fps)
    a, b = _seg(tr, "BIG", "BIG")
    jaw = tr.face["jawOpen"]
    assert jaw[a:b].max() > 0.5 and jaw[:a - ramp].max() == 0
    c, d = _seg(tr, "DRIVE", "DRIVE")
    press = tr.face["mouthPressLeft"]
    assert press[c:d].max() > 0.5 and press[d + ramp:].max() == 0
    assert jaw[c + ramp:d].max() == 0           # MM keeps the mouth closed
    # an explicit span overrides the sign's own morpheme: mm[ BIG ] is not CHA
    tr2 = gloss_to_track("HELLO mm[ BIG ]")
    assert tr2.face.get("jawOpen", np.zeros(1)).max() < 0.1 and tr2.face["mouthPressLeft"].max() > 0.5
    # PAH bursts open late in the sign
    tr3 = gloss_to_track("ME SUCCEED")
    a, b = _seg(tr3, "SUCCEED", "SUCCEED")
    j = tr3.face["jawOpen"][a:b]
    assert j[: (b - a) // 3].max() < 0.05 and j.max() > 0.3


def test_gaze_follows_the_spelling_hand_and_loci():
    tr = gloss_to_track("ME NAME fs-ANNA")
    a, b = _seg(tr, "fs-ANNA", "fs-ANNA")
    # the right (dominant) hand spells below and to the right: right eye out, both eyes down
    assert tr.face["eyeLookOutRight"][a:b].mean() > 0.3 and tr.face["eyeLookDownLeft"][a:b].mean() > 0.3
    assert tr.face["eyeLookOutRight"][:a - int(0.2 * tr.fps)].max() == 0
    left = gloss_to_track("ME NAME fs-ANNA", settings=__import__("signllm").inference.Settings(dominant="L"))
    assert left.face["eyeLookOutLeft"][a:b].mean() > 0.3
    # loci: IX-a looks to locus a (dominant side), a-GIVE-b to b (the other side)
    spans = [nonmanual.Span(10, 30, GlossItem("IX-a"), 0), nonmanual.Span(40, 60, GlossItem("a-GIVE-b"), 1),
             nonmanual.Span(70, 90, GlossItem("HELLO"), 2)]
    _, _, face = nonmanual.nonmanual_channels(100, 24.0, spans)
    assert face["eyeLookOutRight"][15:25].min() > 0.5 and face["eyeLookOutLeft"][45:55].min() > 0.5
    assert face["eyeLookOutRight"][75:].max() == 0 and face["eyeLookOutLeft"][75:].max() == 0
    # through synthesis: the signing space's own loci (Synthesizer.locus_point)
    tr = gloss_to_track("ME IX-a HAPPY / IX-b a-GIVE-b BOOK")
    segs = [s for s in tr.segments if s.kind == "sign"]
    ix_a, ix_b, give = segs[1], segs[3], segs[4]
    assert tr.face["eyeLookOutRight"][ix_a.start:ix_a.end].mean() > 0.3
    assert tr.face["eyeLookOutLeft"][ix_b.start:ix_b.end].mean() > 0.3
    assert tr.face["eyeLookOutLeft"][give.start:give.end].mean() > 0.3      # the verb's goal, b
    assert tr.face.get("eyeLookOutLeft")[segs[2].start + 6:segs[2].end].max() == 0   # HAPPY: forward
    extra = GlossItem("POINT")
    extra.extra["locus"] = "b"
    _, _, face = nonmanual.nonmanual_channels(40, 24.0, [nonmanual.Span(5, 30, extra, 0)])
    assert face["eyeLookOutLeft"][10:25].min() > 0.5


def test_english_mouthing_is_off_by_default():
    from signllm.inference import Settings
    off = gloss_to_track("HELLO MOTHER")
    on = gloss_to_track("HELLO MOTHER", settings=Settings(mouthing=True))
    a, b = _seg(on, "MOTHER", "MOTHER")
    assert "jawOpen" not in off.face and "mouthPressLeft" not in off.face
    assert on.face["mouthPressLeft"][a:b].max() > 0.3 and on.face["jawOpen"][a:b].max() > 0.2   # M..O..


def test_every_channel_is_an_arkit_name_in_unit_range():
    tr = gloss_to_track(text_to_gloss(PARAGRAPH))
    tr2 = gloss_to_track("yn[ YOU cha[ TALL ] ] neg+wh[ cs[ NEAR ] puff[ MANY ] ] sta[ STUDY ] th[ LAZY ] oo[ SMALL ]")
    for t in (tr, tr2):
        assert set(t.face) <= set(channels())
        assert all(v.min() >= 0 and v.max() <= 1 and v.shape == (t.n_frames,) for v in t.face.values())
    assert len(channels()) == 52


# -- on faces (real Blender) ------------------------------------------------------------------------
GLOSS = "HELLO yn[ YOU DEAF ] BIG neg[ ME UNDERSTAND ] DRIVE"


@pytest.fixture
def empty_scene(bpy_mod):
    bpy_mod.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
    return bpy_mod.context.scene


def _face_mesh(bpy, rig, shapes, name="Face"):
    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata([(0, 0, 1.7), (0.1, 0, 1.7), (0, 0.1, 1.8)], [], [(0, 1, 2)])
    ob = bpy.data.objects.new(name, mesh)
    bpy.context.scene.collection.objects.link(ob)
    ob.modifiers.new("Armature", "ARMATURE").object = rig
    ob.shape_key_add(name="Basis")
    for s in shapes:
        ob.shape_key_add(name=s).value = 0.0
    return ob


def _sample(scene, n, fn):
    out = []
    for f in range(n):
        scene.frame_set(scene.frame_start + f)
        out.append(fn())
    return np.array(out)


def _rests_outside(values, tr, spans, pad):
    """The values move inside the given frame spans and stay at their rest outside them (+- pad frames)."""
    inside = np.zeros(tr.n_frames, bool)
    for a, b in spans:
        inside[max(0, a - pad):b + pad] = True
    rest = values[~inside]
    return float(np.abs(rest - values[0]).max()) if len(rest) else 0.0, float(np.ptp(values[inside]))


def test_arkit_face_follows_every_channel(bpy_mod, empty_scene):
    from signllm.signllm_blender import service
    bpy = bpy_mod
    rig, _ = rb.build(bpy, "mixamo", roll_seed=3)
    face = _face_mesh(bpy, rig, channels())
    res = service.generate(rig, empty_scene, gloss=GLOSS)
    tr = res.track
    kb = face.data.shape_keys.key_blocks
    names = sorted(tr.face)
    vals = _sample(empty_scene, tr.n_frames, lambda: [kb[n].value for n in names])
    want = np.stack([tr.face[n] for n in names], 1)
    err = np.abs(vals - want).max()
    print(f"ARKit: {len(names)} channels keyed, max error {err:.3f}, range {vals.min():.3f}..{vals.max():.3f}")
    assert err < 0.03 and vals.min() >= 0 and vals.max() <= 1
    assert {"browInnerUp", "browDownLeft", "jawOpen", "eyeBlinkLeft", "mouthPressLeft"} <= set(names)
    jaw = vals[:, names.index("jawOpen")]
    out, moved = _rests_outside(jaw, tr, [_seg(tr, "BIG", "BIG")], int(0.15 * tr.fps))
    assert out == 0 and moved > 0.5
    brow = vals[:, names.index("browInnerUp")]
    out, moved = _rests_outside(brow, tr, [_seg(tr, "YOU", "DEAF")], int(0.25 * tr.fps))
    assert out < 0.02 and moved > 0.9
    # keys are sparse
    fc = kb.id_data.animation_data.action.layers[0].strips[0].channelbag(
        kb.id_data.animation_data.action_slot).fcurves.find('key_blocks["browInnerUp"].value')
    assert len(fc.keyframe_points) < tr.n_frames / 4


def test_vroid_and_vrm1_expression_keys(bpy_mod, empty_scene):
    from signllm.signllm_blender import service
    bpy = bpy_mod
    rig, _ = rb.build(bpy, "vroid", a_pose=True)
    vroid = _face_mesh(bpy, rig, ["Fcl_BRW_Surprised", "Fcl_BRW_Angry", "Fcl_EYE_Close_L", "Fcl_EYE_Close_R",
                                  "Fcl_EYE_Close", "Fcl_MTH_A", "Fcl_MTH_U", "Fcl_MTH_Close"], "Body")
    vrm1 = _face_mesh(bpy, rig, ["aa", "ih", "ou", "ee", "oh", "blink", "blinkLeft", "blinkRight",
                                 "surprised", "angry", "lookLeft", "lookRight", "lookUp", "lookDown"], "Face1")
    res = service.generate(rig, empty_scene, gloss=GLOSS + " ME NAME fs-ANNA")
    tr = res.track
    k0, k1 = vroid.data.shape_keys.key_blocks, vrm1.data.shape_keys.key_blocks
    cols = [k0["Fcl_BRW_Surprised"], k0["Fcl_MTH_A"], k0["Fcl_EYE_Close_L"], k0["Fcl_EYE_Close"],
            k1["surprised"], k1["aa"], k1["blinkLeft"], k1["lookRight"], k1["blink"]]
    v = _sample(empty_scene, tr.n_frames, lambda: [c.value for c in cols])
    assert v.min() >= 0 and v.max() <= 1
    yn = _seg(tr, "YOU", "DEAF")
    big = _seg(tr, "BIG", "BIG")
    pad = int(0.25 * tr.fps)
    for col, span, lo in ((0, yn, 0.9), (1, big, 0.6), (4, yn, 0.5), (5, big, 0.6)):
        out, moved = _rests_outside(v[:, col], tr, [span], pad)
        assert out < 0.02 and moved > lo, (cols[col].name, out, moved)
    assert np.abs(v[:, 1] - np.minimum(1.4 * tr.face["jawOpen"], 1)).max() < 0.03
    for col in (2, 6):      # the blink slots blink; the both-eyes fallback keys stay unused
        assert len(_blinks(v[:, col])) >= 2
    assert v[:, 3].max() == 0 and v[:, 8].max() == 0
    fs = _seg(tr, "fs-ANNA", "fs-ANNA")
    assert v[fs[0]:fs[1], 7].mean() > 0.1 and v[:fs[0] - pad, 7].max() == 0   # eyes to the spelling hand


def test_rigify_face_controls(rigify_scene):
    from signllm.signllm_blender import service
    scene, _, rig = rigify_scene
    res = service.generate(rig, scene, gloss=GLOSS)
    tr = res.track
    pb = rig.pose.bones
    face = pb["ORG-face"]

    def in_face(name, attr="head"):
        return (np.linalg.inv(np.array(face.matrix)) @ np.append(np.array(getattr(pb[name], attr)), 1.0))[:3]

    v = _sample(scene, tr.n_frames, lambda: np.concatenate(
        [in_face("brow.B.L.002"), in_face("jaw_master", "tail"), in_face("lid.T.L.002"), in_face("lips.L")]))
    up = np.array(face.bone.matrix_local)[:3, :3].T @ np.array([0, 0, 1.0])   # world up in the face's rest axes
    brow_h, jaw_h, lid_h = v[:, 0:3] @ up, v[:, 3:6] @ up, v[:, 6:9] @ up
    pad = int(0.25 * tr.fps)
    out, moved = _rests_outside(brow_h, tr, [_seg(tr, "YOU", "DEAF"), _seg(tr, "ME", "UNDERSTAND")], pad)
    print(f"Rigify: brow moves {moved * 1000:.1f} mm, jaw tip drops {(jaw_h[0] - jaw_h.min()) * 1000:.1f} mm, "
          f"lid closes {(lid_h[0] - lid_h.min()) * 1000:.1f} mm")
    assert out < 0.001 and moved > 0.005
    a, b = _seg(tr, "BIG", "BIG")
    assert jaw_h[a:b].min() < jaw_h[0] - 0.01          # the jaw opens (its tip drops > 1 cm) for CHA
    out, _ = _rests_outside(jaw_h, tr, [(a, b)], int(0.15 * tr.fps))
    assert out < 0.003                                  # the key-reduction budget (3 mm)
    closed = np.flatnonzero(tr.face["eyeBlinkLeft"] > 0.9)
    assert len(closed) and np.all(lid_h[closed] < lid_h[0] - 0.004)     # the upper lid comes down
    assert np.abs(lid_h[tr.face["eyeBlinkLeft"] == 0] - lid_h[0]).max() < 0.003


def test_game_rig_jaw_and_eye_bones_and_face_mapping(bpy_mod, empty_scene):
    from signllm.signllm_blender import face_mapping, service
    bpy = bpy_mod
    rig, truth = rb.build(bpy, "ue5", roll_seed=4)
    head = truth["head"]
    bpy.context.view_layer.objects.active = rig
    bpy.ops.object.mode_set(mode="EDIT")
    eb = rig.data.edit_bones
    h = eb[head].head.copy()
    for name, off, tail in (("jaw", (0, -0.02, 0.02), (0, -0.1, -0.04)), ("eye_l", (0.03, -0.08, 0.09), (0.03, -0.1, 0.09)),
                            ("eye_r", (-0.03, -0.08, 0.09), (-0.03, -0.1, 0.09)), ("MyJaw", (0, -0.02, 0.01), (0, -0.1, -0.05))):
        b = eb.new(name)
        b.head = h + __import__("mathutils").Vector(off)
        b.tail = h + __import__("mathutils").Vector(tail)
        b.parent = eb[head]
    bpy.ops.object.mode_set(mode="OBJECT")
    res = service.generate(rig, empty_scene, gloss="BIG ME NAME fs-ANNA")
    tr = res.track
    pb = rig.pose.bones

    def rel(name):   # the bone's direction in the head's frame
        M = np.linalg.inv(np.array(pb[head].matrix)) @ np.array(pb[name].matrix)
        return M[:3, 1]

    v = _sample(empty_scene, tr.n_frames, lambda: np.concatenate([rel("jaw"), rel("eye_r"), rel("MyJaw")]))
    up = np.array(rig.data.bones[head].matrix_local)[:3, :3].T @ np.array([0, 0, 1.0])
    left = np.array(rig.data.bones[head].matrix_local)[:3, :3].T @ np.array([1.0, 0, 0])
    jaw_up, eye_left = v[:, 0:3] @ up, v[:, 3:6] @ left
    a, b = _seg(tr, "BIG", "BIG")
    assert jaw_up[a:b].min() < jaw_up[0] - 0.15          # opens ~13 deg for CHA (0.6 x 22)
    out, _ = _rests_outside(jaw_up, tr, [(a, b)], int(0.15 * tr.fps))
    assert out < 1e-3
    fs = _seg(tr, "fs-ANNA", "fs-ANNA")
    assert eye_left[fs[0]:fs[1]].mean() < eye_left[0] - 0.1   # the eyes turn right, toward the spelling hand
    assert np.ptp(v[:, 6:9], axis=0).max() < 1e-6                          # an unmapped bone is left alone
    # the user points the jaw role at another bone: that one opens now
    face_mapping.store(rig, {"bones": {"jaw": "MyJaw"}})
    res = service.generate(rig, empty_scene, gloss="BIG")
    v = _sample(empty_scene, res.track.n_frames, lambda: rel("MyJaw") @ up)
    assert v.min() < v[0] - 0.15
    assert any(c.bone == "MyJaw" for c in res.plan.curves) and not any(c.bone == "jaw" for c in res.plan.curves)


def test_face_on_its_own_track_and_the_panel_lists_the_face(bpy_mod, addon, empty_scene):
    from signllm.signllm_blender import service
    bpy = bpy_mod
    rig, _ = rb.build(bpy, "mixamo")
    face = _face_mesh(bpy, rig, ["browInnerUp", "browDownLeft", "jawOpen", "eyeBlinkLeft", "eyeBlinkRight"])
    service.generate(rig, empty_scene, gloss="yn[ YOU DEAF ]", options=service.Options(face_track=True))
    key = face.data.shape_keys
    assert [t.name for t in key.animation_data.nla_tracks] == ["SignLLM face"]
    assert key.animation_data.action is None
    empty_scene.frame_set(empty_scene.frame_start + 30)
    assert key.key_blocks["browInnerUp"].value > 0.5
    # back to one action: the face track goes
    service.generate(rig, empty_scene, gloss="BIG")
    assert len(key.animation_data.nla_tracks) == 0 and key.animation_data.action is not None
    empty_scene.signllm_face.face_track = True       # the panel setting reaches the operator
    with bpy.context.temp_override(active_object=rig, object=rig, selected_objects=[rig]):
        assert bpy.ops.signllm.generate(text="Are you deaf?") == {"FINISHED"}
    assert [t.name for t in key.animation_data.nla_tracks] == ["SignLLM face"]
    empty_scene.signllm_face.face_track = False
    with bpy.context.temp_override(active_object=rig, object=rig, selected_objects=[rig]):
        assert bpy.ops.signllm.face_detect() == {"FINISHED"}
    rows = {r.slot: r.target for r in rig.data.signllm_face_rows}
    assert rows["jawOpen"] == "jawOpen" and rows["mouthPucker"] == "" and "ARKit" in rig.data["signllm_face_label"]
    row = next(r for r in rig.data.signllm_face_rows if r.slot == "jawOpen")
    row.target = "browDownLeft"        # corrected in the panel: stored, and used next time
    res = service.generate(rig, empty_scene, gloss="BIG")
    a, b = _seg(res.track, "BIG", "BIG")
    empty_scene.frame_set(empty_scene.frame_start + (a + b) // 2)
    assert key.key_blocks["browDownLeft"].value > 0.4 and key.key_blocks["jawOpen"].value == 0


def test_a_new_take_does_not_keep_the_last_mouth(bpy_mod, empty_scene):
    """BIG opens the mouth; the next sentence has no mouth morpheme: the mouth (shape key and jaw bone) is
    back at the user's value, not stuck where the last take left it; the user's own static value stays."""
    from signllm.signllm_blender import service
    bpy = bpy_mod
    rig, truth = rb.build(bpy, "ue5", roll_seed=5)
    bpy.context.view_layer.objects.active = rig
    bpy.ops.object.mode_set(mode="EDIT")
    jaw = rig.data.edit_bones.new("jaw")
    head = rig.data.edit_bones[truth["head"]]
    jaw.head, jaw.tail, jaw.parent = head.head, head.head + __import__("mathutils").Vector((0, -0.1, -0.04)), head
    bpy.ops.object.mode_set(mode="OBJECT")
    face = _face_mesh(bpy, rig, ["cheekPuff", "mouthSmileLeft", "eyeBlinkLeft", "browInnerUp"])   # no jawOpen:
    kb = face.data.shape_keys.key_blocks                                                    # the jaw bone opens
    kb["mouthSmileLeft"].value = 0.3          # the character's own resting smile
    res = service.generate(rig, empty_scene, gloss="HOUSE BIG MANY")
    a, b = _seg(res.track, "BIG", "BIG")
    empty_scene.frame_set(empty_scene.frame_start + (a + b) // 2)
    q_open = np.array(rig.pose.bones["jaw"].rotation_quaternion)
    a, b = _seg(res.track, "MANY", "MANY")
    empty_scene.frame_set(empty_scene.frame_start + (a + b) // 2)
    assert kb["cheekPuff"].value > 0.5
    res = service.generate(rig, empty_scene, gloss="HELLO")
    vals = _sample(empty_scene, res.track.n_frames, lambda: [kb["cheekPuff"].value, kb["mouthSmileLeft"].value,
                                                             *rig.pose.bones["jaw"].rotation_quaternion])
    assert np.abs(vals[:, 0]).max() < 1e-6 and np.abs(vals[:, 1] - 0.3).max() < 1e-6
    assert abs(q_open[0]) < 0.999 and np.abs(np.abs(vals[:, 2]) - 1).max() < 1e-4   # the jaw bone is shut again


def test_default_human_face_signs_with_its_shape_keys_not_twice_with_bones(bpy_mod, empty_scene):
    """The default human (52 ARKit keys on skin, eyes and teeth, plus jaw and eye bones): the keys carry the
    face; the jaw/eye bones are left alone so nothing moves twice."""
    from signllm.signllm_blender import character, service
    rig, body = character.build_human("default")
    res = service.generate(rig, empty_scene, gloss="yn[ YOU BIG ] ME NAME fs-ANNA")
    assert not any(c.bone in ("jaw", "eye.L", "eye.R") for c in res.plan.curves)
    tr = res.track
    kb = body.data.shape_keys.key_blocks
    v = _sample(empty_scene, tr.n_frames, lambda: [kb["browInnerUp"].value, kb["jawOpen"].value,
                                                   kb["eyeBlinkLeft"].value])
    assert np.abs(v - np.stack([tr.face["browInnerUp"], tr.face["jawOpen"], tr.face["eyeBlinkLeft"]], 1)).max() < 0.03
    # + pitch nods down: at the question's peak the nose (in front of the head) is lower than at rest
    hb = rig.pose.bones[character.head_bone(rig)]
    nose = np.append(np.array(hb.bone.head_local) + np.array([0, -0.12, 0.08]), 1.0)

    def nose_z(f):
        empty_scene.frame_set(empty_scene.frame_start + f)
        return (np.array(hb.matrix) @ np.linalg.inv(np.array(hb.bone.matrix_local)) @ nose)[2]
    assert nose_z(int(np.argmax(tr.head[:, 0]))) < nose_z(0) - 0.005
    brows = bpy_mod.data.objects.get(f"{body.name.rsplit('_', 1)[0]}_brows")
    if brows is not None:                   # the brows mesh follows the brow channels like the skin
        bk = brows.data.shape_keys.key_blocks
        b = _sample(empty_scene, tr.n_frames, lambda: bk["browInnerUp"].value)
        assert np.abs(b - tr.face["browInnerUp"]).max() < 0.03 and b.max() > 0.9
    eyes = [ob for ob in bpy_mod.data.objects if ob.name.endswith("eye_L")]
    assert eyes and eyes[0].data.shape_keys.animation_data.action is not None   # gaze keys on the eye mesh


@pytest.mark.parametrize("skeleton,via", [("default", "fbx"), ("mixamo", "gltf"), ("rigify", "native")])
def test_face_signs_on_imported_characters(bpy_mod, skeleton, via):
    """The human after the FBX/glTF exporters and importers (default settings): its shape keys still sign."""
    from characters import open_character
    from signllm.signllm_blender import service
    scene, rig, body = open_character(skeleton, via)
    res = service.generate(rig, scene, gloss="yn[ YOU BIG ]")
    tr = res.track
    kb = body.data.shape_keys.key_blocks
    v = _sample(scene, tr.n_frames, lambda: [kb["browInnerUp"].value, kb["jawOpen"].value])
    want = np.stack([tr.face["browInnerUp"], tr.face["jawOpen"]], 1)
    print(f"{skeleton} via {via}: face error {np.abs(v - want).max():.3f}")
    assert np.abs(v - want).max() < 0.03 and v[:, 0].max() > 0.9 and v[:, 1].max() > 0.5
    assert not any(c.group == "face" and c.path == "rotation_quaternion" for c in res.plan.curves)


def test_subtitles_sign_the_face_too(bpy_mod, empty_scene):
    """Timed cues (the studio path) key the face shape keys from the stitched track."""
    from signllm.signllm_blender import studio
    from signllm.studio import subtitles
    rig, _ = rb.build(bpy_mod, "mixamo")
    face = _face_mesh(bpy_mod, rig, ["browInnerUp", "browDownLeft", "eyeBlinkLeft", "jawOpen"])
    res = studio.sign_cues(rig, empty_scene, [subtitles.Cue(1, 0.2, 3.0, "Are you deaf?"),
                                              subtitles.Cue(2, 4.0, 7.0, "What is your name?")])
    tr = res.track
    kb = face.data.shape_keys.key_blocks
    v = _sample(empty_scene, tr.n_frames, lambda: [kb["browInnerUp"].value, kb["browDownLeft"].value])
    assert np.abs(v - np.stack([tr.face["browInnerUp"], tr.face["browDownLeft"]], 1)).max() < 0.03
    fps = empty_scene.render.fps
    assert v[: int(3.0 * fps), 0].max() > 0.9 and v[int(4.0 * fps):, 1].max() > 0.9      # yes/no, then wh
    assert v[: int(3.0 * fps), 1].max() < 0.05
