"""The user's scene stays theirs: regenerating replaces our own action, Remove Signing gives the user's action
back, the frame range is only extended, Euler bones are keyed in their own mode, export restores modes."""
import numpy as np
import pytest

from test_user_data import SENTENCE, _user_setup

pytestmark = pytest.mark.blender


def _ours(bpy):
    return sorted(a.name for a in bpy.data.actions if a.get("signllm"))


def test_regenerate_replaces_our_action_and_remove_signing_restores_the_users(bpy_mod, rigify_scene):
    from signllm.signllm_blender import service
    bpy = bpy_mod
    scene, _, rig = rigify_scene
    _user_setup(bpy, scene, rig)
    user = bpy.data.actions["UserWalk"]
    slot = rig.animation_data.action_slot.identifier
    assert not user.use_fake_user
    n_before = len(bpy.data.actions)
    for text in (SENTENCE, "Thank you.", "Good morning."):
        service.generate(rig, scene, text=text)
        assert len(_ours(bpy)) == 1, _ours(bpy)           # no pile-up of signing actions
        assert len(bpy.data.actions) == n_before + 1
    ours = rig.animation_data.action
    assert ours.get("signllm") and user.use_fake_user
    with pytest.raises(service.SignLLMError, match="no signing"):
        service.remove_signing(bpy.data.objects["metarig"], scene)
    service.remove_signing(rig, scene)
    assert rig.animation_data.action == user and rig.animation_data.action_slot.identifier == slot
    assert not user.use_fake_user, "the user's own fake-user flag comes back"
    assert _ours(bpy) == [] and len(bpy.data.actions) == n_before
    assert [m.name for m in scene.timeline_markers] == ["shot 2"]
    assert (scene.frame_start, scene.frame_end) == (5, 77)


def test_remove_signing_operator(bpy_mod, addon, rigify_scene):
    bpy = bpy_mod
    scene, _, rig = rigify_scene
    with bpy.context.temp_override(active_object=rig, object=rig, selected_objects=[rig]):
        assert bpy.ops.signllm.generate(text="Hello.") == {"FINISHED"}
        assert rig.animation_data.action.get("signllm")
        assert bpy.ops.signllm.remove_signing() == {"FINISHED"}
        assert rig.animation_data.action is None and _ours(bpy) == []
        assert len(scene.signllm_signs) == 0
        with pytest.raises(RuntimeError, match="no signing to remove"):
            bpy.ops.signllm.remove_signing()


def test_frame_range_is_only_extended(bpy_mod, rigify_scene):
    from signllm.signllm_blender import service
    scene, _, rig = rigify_scene
    scene.frame_start, scene.frame_end = 5, 300
    res = service.generate(rig, scene, text="Hello.")
    assert res.track.n_frames < 296
    assert (scene.frame_start, scene.frame_end) == (5, 300), "a short signing never shrinks the range"
    long = service.generate(rig, scene, text=" ".join(["Hello, what is your name?"] * 6))
    assert scene.frame_end == 5 + long.track.n_frames - 1 > 300
    service.generate(rig, scene, text="Hello.")       # shorter again: back to the user's range
    assert (scene.frame_start, scene.frame_end) == (5, 300)
    scene.frame_end = 400                             # the user's own change is theirs
    service.generate(rig, scene, text="Hello.")
    assert (scene.frame_start, scene.frame_end) == (5, 400)


def test_euler_bones_are_keyed_in_their_own_mode(bpy_mod, rigify_scene):
    from bpy_extras import anim_utils

    from signllm.signllm_blender import service
    scene, _, rig = rigify_scene
    res_q = service.generate(rig, scene, text=SENTENCE)
    frames = range(scene.frame_start, scene.frame_start + res_q.track.n_frames, 3)

    def hand_matrices():
        out = []
        for f in frames:
            scene.frame_set(f)
            out.append(np.array(rig.pose.bones["hand_ik.R"].matrix))
        return np.array(out)

    ref = hand_matrices()
    service.remove_signing(rig, scene)
    for name, order in (("hand_ik.R", "XYZ"), ("hand_ik.L", "ZXY")):
        rig.pose.bones[name].rotation_mode = order
    service.generate(rig, scene, text=SENTENCE)
    assert rig.pose.bones["hand_ik.R"].rotation_mode == "XYZ" and rig.pose.bones["hand_ik.L"].rotation_mode == "ZXY"
    cb = anim_utils.action_get_channelbag_for_slot(rig.animation_data.action, rig.animation_data.action_slot)
    paths = {fc.data_path for fc in cb.fcurves}
    assert 'pose.bones["hand_ik.R"].rotation_euler' in paths
    assert 'pose.bones["hand_ik.R"].rotation_quaternion' not in paths
    for fc in cb.fcurves:
        if fc.data_path.endswith("rotation_euler"):
            v = np.array([k.co[1] for k in fc.keyframe_points])
            assert np.abs(np.diff(v)).max() < 1.0, "continuous angles (no 2 pi jumps)"
    got = hand_matrices()
    # the same hand motion as with quaternion keys (within the key-reduction budget)
    assert np.abs(got[:, :3, 3] - ref[:, :3, 3]).max() < 0.01
    assert np.abs(got[:, :3, :3] - ref[:, :3, :3]).max() < 0.05


def test_export_restores_mode_and_selection(bpy_mod, rigify_scene, tmp_path):
    from signllm.signllm_blender import service, studio
    bpy = bpy_mod
    scene, meta, rig = rigify_scene
    service.generate(rig, scene, text="Hello.")
    prop = bpy.data.objects.new("Prop", None)
    scene.collection.objects.link(prop)
    for o in bpy.context.view_layer.objects:
        o.select_set(False)
    prop.select_set(True)
    rig.select_set(True)
    bpy.context.view_layer.objects.active = rig
    bpy.ops.object.mode_set(mode="POSE")
    assert rig.mode == "POSE"
    before = sorted(o.name for o in bpy.context.view_layer.objects if o.select_get())
    studio.export(rig, scene, str(tmp_path / "s.bvh"))
    assert rig.mode == "POSE"
    assert bpy.context.view_layer.objects.active == rig
    assert sorted(o.name for o in bpy.context.view_layer.objects if o.select_get()) == before == ["Prop", "rig"]
    bpy.ops.object.mode_set(mode="OBJECT")
