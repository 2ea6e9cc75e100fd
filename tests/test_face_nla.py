"""Non-manuals on any rig (head nods/shakes, ARKit brow shape keys, Rigify brow controls) and NLA output."""
import numpy as np
import pytest

import rig_builders as rb


@pytest.fixture
def empty_scene(bpy_mod):
    bpy_mod.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
    return bpy_mod.context.scene


def _face_mesh(bpy, rig, shapes):
    """A small mesh skinned to the rig's head, with the given shape keys."""
    mesh = bpy.data.meshes.new("face")
    mesh.from_pydata([(0, 0, 1.7), (0.1, 0, 1.7), (0, 0.1, 1.8)], [], [(0, 1, 2)])
    ob = bpy.data.objects.new("Face", mesh)
    bpy.context.scene.collection.objects.link(ob)
    ob.modifiers.new("Armature", "ARMATURE").object = rig
    ob.shape_key_add(name="Basis")
    for s in shapes:
        ob.shape_key_add(name=s)
    return ob


def _key_fcurve(key, path):
    ad = key.animation_data
    return ad.action.layers[0].strips[0].channelbag(ad.action_slot).fcurves.find(path)


def test_brow_shape_keys_and_head_on_a_game_rig(bpy_mod, empty_scene):
    from signllm.rigs.blender_io import ensure_channelbag
    from signllm.signllm_blender import service
    bpy = bpy_mod
    rig, truth = rb.build(bpy, "vroid", a_pose=True, roll_seed=1)
    face = _face_mesh(bpy, rig, ["browInnerUp", "browDownLeft", "browDownRight", "jawOpen"])
    key = face.data.shape_keys
    # the user's own face animation (a jaw key) must survive
    user = bpy.data.actions.new("UserFace")
    slot = user.slots.new(id_type="KEY", name=key.name)
    key.animation_data_create().action = user
    key.animation_data.action_slot = slot
    fc = ensure_channelbag(user, slot).fcurves.new('key_blocks["jawOpen"].value')
    fc.keyframe_points.add(2)
    fc.keyframe_points.foreach_set("co", [1, 0.0, 30, 0.8])
    fc.update()
    res = service.generate(rig, empty_scene, gloss="wh[ YOUR NAME WHAT ] yn[ YOU DEAF ] neg[ YOU DEAF ]")
    tr = res.track
    assert tr.brows.min() < -0.9 and tr.brows.max() > 0.9
    down, inner = key.key_blocks["browDownLeft"], key.key_blocks["browInnerUp"]
    err, head_err = [], []
    head = rig.pose.bones[truth["head"]]
    neck = rig.pose.bones[truth["neck"]]
    for f in range(tr.n_frames):
        empty_scene.frame_set(empty_scene.frame_start + f)
        err.append(abs(down.value - tr.face["browDownLeft"][f]))
        err.append(abs(inner.value - tr.face["browInnerUp"][f]))
        # the head's turn relative to the chest equals the track's pitch/yaw (neck and head share it)
        R = np.array(head.matrix)[:3, :3] @ np.array(head.bone.matrix_local)[:3, :3].T
        angle = np.degrees(np.arccos(np.clip((np.trace(R) - 1) / 2, -1, 1)))
        want = np.degrees(np.hypot(tr.head[f, 0], tr.head[f, 1]))
        head_err.append(abs(angle - want))
    print(f"brow shape keys max error {max(err):.3f}; head angle max error {max(head_err):.2f} deg")
    assert max(err) < 0.03
    assert max(head_err) < 2.5  # key reduction allows 3 mm at a 15 cm lever per bone (neck + head)
    assert np.degrees(np.abs(tr.head[:, 1]).max()) > 5  # the negation shakes
    assert any(c.bone == neck.name for c in res.plan.curves)
    # jaw: this gloss has no mouth morpheme, so untouched (the user's keys still play); the user's action is kept
    assert key.animation_data.action is not user and user.use_fake_user
    assert [tuple(k.co) for k in _key_fcurve(key, 'key_blocks["jawOpen"].value').keyframe_points] == \
        [(1.0, 0.0), (30.0, pytest.approx(0.8))]
    assert len(_key_fcurve(key, 'key_blocks["browDownLeft"].value').keyframe_points) < tr.n_frames / 3


def test_rigify_brow_controls_move(rigify_scene):
    from signllm.signllm_blender import service
    scene, _, rig = rigify_scene
    res = service.generate(rig, scene, gloss="yn[ YOU DEAF ]")
    f = int(np.argmax(res.track.brows))
    bone, face = rig.pose.bones["brow.B.L.002"], rig.pose.bones["ORG-face"]

    def in_face():  # the brow in the face's own frame: the nod moves both, the raise only the brow
        return (np.linalg.inv(np.array(face.matrix)) @ np.append(np.array(bone.head), 1.0))[:3]

    scene.frame_set(scene.frame_start)
    p0 = in_face()
    scene.frame_set(scene.frame_start + f)
    lift = np.linalg.norm(in_face() - p0)
    want = 0.05 * res.track.body.H * res.track.brows[f]
    print(f"brow lift {lift * 1000:.1f} mm (want {want * 1000:.1f}) at brows {res.track.brows[f]:.2f}")
    assert abs(lift - want) < 0.003


def test_one_strip_per_sign_and_regenerate_keeps_user_tracks(bpy_mod, empty_scene):
    from signllm.signllm_blender import service
    bpy = bpy_mod
    rig, truth = rb.build(bpy, "ue5", roll_seed=2)
    ad = rig.animation_data_create()
    user_track = ad.nla_tracks.new()
    user_track.name = "User idle"
    opts = service.Options(nla="STRIPS")
    gloss = "HELLO / wh[ YOUR NAME WHAT ]"
    service.generate(rig, empty_scene, gloss="HELLO")  # one action first: switching to strips drops it
    assert ad.action is not None
    res = service.generate(rig, empty_scene, gloss=gloss, options=opts)
    names = [t.name for t in ad.nla_tracks]
    assert names == ["User idle", "SignLLM signs", "SignLLM non-manual"]
    strips = list(ad.nla_tracks["SignLLM signs"].strips)
    assert [s.name for s in strips] == ["HELLO", "YOUR", "NAME", "WHAT"]
    assert strips[0].frame_start == empty_scene.frame_start
    assert all(a.frame_end <= b.frame_start for a, b in zip(strips, strips[1:]))
    assert ad.action is None
    pos, ang, _, _ = rb.measure(bpy, empty_scene, rig, truth, res)
    assert pos < 0.015 and ang < 15
    service.generate(rig, empty_scene, gloss="HELLO", options=opts)
    assert [t.name for t in ad.nla_tracks] == ["User idle", "SignLLM signs"]  # HELLO has no non-manuals
    assert [s.name for s in ad.nla_tracks["SignLLM signs"].strips] == ["HELLO"]
    service.generate(rig, empty_scene, gloss="HELLO")  # back to one action: our tracks go, the user's stays
    assert [t.name for t in ad.nla_tracks] == ["User idle"] and ad.action is not None


def test_panel_option_reaches_the_operator(bpy_mod, addon, empty_scene):
    bpy = bpy_mod
    rig, _ = rb.build(bpy, "smplx")
    empty_scene.signllm.nla_strips = True
    with bpy.context.temp_override(active_object=rig, object=rig, selected_objects=[rig]):
        assert bpy.ops.signllm.generate(text="Hello, what is your name?") == {"FINISHED"}
    assert "SignLLM signs" in rig.animation_data.nla_tracks
    assert len(rig.animation_data.nla_tracks["SignLLM signs"].strips) == 4


def test_face_shape_families():
    """ARKit names win; VRoid expression keys stand in; case does not matter; unknown meshes get nothing."""
    from signllm import inference
    from signllm.rigs.face import detect_shapes, shape_key_curves
    face = detect_shapes({"Basis", "browinnerup", "BrowDownLeft", "jawOpen", "Fcl_BRW_Angry"})
    assert face.key == "arkit" and face.found() == {"browInnerUp": "browinnerup", "browDownLeft": "BrowDownLeft",
                                                    "jawOpen": "jawOpen"}
    vroid = detect_shapes({"Fcl_BRW_Angry", "Fcl_BRW_Surprised", "Fcl_MTH_A"})
    assert vroid.key == "vroid" and vroid.found() == {"brows_up": "Fcl_BRW_Surprised", "brows_down": "Fcl_BRW_Angry",
                                                      "mouth_open": "Fcl_MTH_A"}
    # arms from and to the sides: the track length this sparsity bound was set on (the FRONT rest is nearer
    # the signing space, so its transitions are shorter while the brow keys stay the same)
    tr = inference.gloss_to_track(inference.parse_gloss("wh[ YOUR NAME WHAT ]"),
                                  settings=inference.Settings(rest_pose="SIDES"))
    curves = shape_key_curves(tr, {"Fcl_BRW_Angry", "Fcl_BRW_Surprised", "Fcl_MTH_A"})
    # lowered brows in a wh-question; the inner-brow lift of the furrow (0.15) shows on Surprised; no mouth
    assert [c.bone for c in curves] == ["Fcl_BRW_Surprised", "Fcl_BRW_Angry"]
    assert curves[1].values.max() == pytest.approx(1.0, abs=0.02) and len(curves[1].frames) < tr.n_frames / 3
    assert curves[0].values.max() < 0.2
    assert shape_key_curves(tr, {"Basis", "Smile"}) == []
