"""Small faults from issue 16, each measured in Blender: bad numbers refused, a fingerless Rigify metarig signs,
Detect Bones lists rows on an unknown rig, timing does not follow rig size, a repeated import replaces itself."""
import math

import numpy as np
import pytest

SENTENCE = "Hello, what is your name?"
BAD = [float("nan"), 0.0, -1.0, float("inf")]


@pytest.mark.core
@pytest.mark.parametrize("value", ["nan", "0", "-1", "inf"])
def test_batch_refuses_bad_speed(bpy_mod, value, capsys):
    from signllm.signllm_blender import batch
    code = batch.main(["in.blend", "subs.srt", "-o", "out.blend", "--speed", value])
    err = capsys.readouterr().err
    assert code == batch.BAD_INPUT
    assert "--speed must be from 0.25 to 4" in err and "Traceback" not in err


@pytest.mark.parametrize("field,value", [("speed", v) for v in BAD] + [("letter_hold", 0.0), ("tolerance", -0.001),
                                         ("finger_tolerance", math.inf), ("speed", "fast")])
def test_options_refuse_bad_numbers_and_change_nothing(bpy_mod, rigify_scene, field, value):
    from signllm.signllm_blender import service
    bpy = bpy_mod
    scene, meta, _ = rigify_scene
    n_actions, frames = len(bpy.data.actions), (scene.frame_start, scene.frame_end)
    with pytest.raises(service.SignLLMError, match=f"^{field} must be"):
        service.generate(meta, scene, text=SENTENCE, options=service.Options(**{field: value}))
    assert len(bpy.data.actions) == n_actions and (scene.frame_start, scene.frame_end) == frames


def _drop_fingers(bpy, ob):
    bpy.context.view_layer.objects.active = ob
    bpy.ops.object.mode_set(mode="EDIT")
    eb = ob.data.edit_bones
    for b in [b for b in eb if b.name.startswith(("f_", "thumb", "palm"))]:
        eb.remove(b)
    bpy.ops.object.mode_set(mode="OBJECT")


@pytest.mark.core
def test_fingerless_rigify_metarig_signs_with_its_arms(bpy_mod, rigify_scene):
    from signllm.signllm_blender import measure, service
    bpy = bpy_mod
    scene, meta, _ = rigify_scene
    _drop_fingers(bpy, meta)
    assert not any(b.name.startswith("f_") for b in meta.data.bones)
    res = service.generate(meta, scene, text=SENTENCE)
    assert res.profile == "Rigify metarig"
    assert any("finger bones missing on the L hand" in w for w in res.warnings)
    keyed = {c.bone for c in res.plan.curves}
    assert {"upper_arm.L", "forearm.L", "hand.L", "upper_arm.R", "forearm.R", "hand.R"} <= keyed
    pos, ang = measure.hand_errors(scene, meta, res.plan.targets, res.track.n_frames, "hand.{}",
                                   frames=range(0, res.track.n_frames, 6))
    assert pos.max() < 0.01 and ang.max() < 15.0      # the arms still put the hands where the signs are
    travel = np.linalg.norm(np.diff(res.plan.targets["R"]["wrist"], axis=0), axis=-1).sum()
    assert travel > 0.5


@pytest.mark.core
def test_detect_bones_lists_rows_on_an_unknown_rig(bpy_mod, addon, rigify_scene):
    bpy = bpy_mod
    from signllm.rigs.profiles import REQUIRED, roles
    scene, meta, _ = rigify_scene
    arm = bpy.data.armatures.new("Blob")
    ob = bpy.data.objects.new("Blob", arm)
    scene.collection.objects.link(ob)
    bpy.context.view_layer.objects.active = ob
    bpy.ops.object.mode_set(mode="EDIT")
    for i, name in enumerate(("root", "mid", "end")):
        b = arm.edit_bones.new(name)
        b.head, b.tail = (0, 0, i * 0.3), (0, 0, i * 0.3 + 0.3)
    bpy.ops.object.mode_set(mode="OBJECT")
    with bpy.context.temp_override(active_object=ob, object=ob, selected_objects=[ob]):
        assert bpy.ops.signllm.mapping_detect() == {"FINISHED"}
    rows = {r.role: r.bone for r in ob.data.signllm_roles}
    assert list(rows) == roles()                       # every row is there to fill in
    assert not any(rows[f"{p}.{s}"] for p in ("upper_arm", "forearm", "hand") for s in "LR")
    assert any(not rows[r] for r in REQUIRED)
    assert "Not recognised" in ob.data["signllm_rig_label"]
    # a fingerless metarig: Detect Bones fills the arms and leaves the finger rows empty to map
    _drop_fingers(bpy, meta)
    with bpy.context.temp_override(active_object=meta, object=meta, selected_objects=[meta]):
        assert bpy.ops.signllm.mapping_detect() == {"FINISHED"}
    rows = {r.role: r.bone for r in meta.data.signllm_roles}
    assert rows["hand.L"] == "hand.L" and rows["forearm.R"] == "forearm.R" and not rows["index.1.L"]


def _scale_bones(bpy, ob, k):
    bpy.context.view_layer.objects.active = ob
    bpy.ops.object.mode_set(mode="EDIT")
    ends = [(b, b.head * k, b.tail * k) for b in ob.data.edit_bones]   # all first: connected bones share ends
    for b, h, t in ends:
        b.head, b.tail = h, t
    bpy.ops.object.mode_set(mode="OBJECT")


@pytest.mark.core
def test_signing_length_does_not_follow_rig_size(bpy_mod, rigify_scene, rigify_blend):
    """The same text at the same speed gives the same frames on a 0.5x, 1x and 2x character (bones scaled
    in edit mode, and an object scale): timing depends on the text and speed only."""
    from signllm.signllm_blender import service
    bpy = bpy_mod
    text = "Hello, my name is Anna. I love pizza and coffee."
    frames = {}
    for k in (0.5, 1.0, 2.0):
        bpy.ops.wm.open_mainfile(filepath=rigify_blend)
        scene, meta = bpy.context.scene, bpy.data.objects["metarig"]
        _scale_bones(bpy, meta, k)
        frames[k] = service.generate(meta, scene, text=text).track.n_frames
    bpy.ops.wm.open_mainfile(filepath=rigify_blend)
    meta = bpy.data.objects["metarig"]
    meta.scale = (3.0, 3.0, 3.0)
    frames["object x3"] = service.generate(meta, bpy.context.scene, text=text).track.n_frames
    assert len(set(frames.values())) == 1, frames
    slow = service.generate(meta, bpy.context.scene, text=text, options=service.Options(speed=0.5)).track.n_frames
    assert slow > 1.6 * frames[1.0]                    # speed still sets the pace


@pytest.mark.core
def test_repeated_pose_import_replaces_its_earlier_import(bpy_mod, addon, rigify_scene, tmp_path):
    from signllm import inference
    from signllm.inference import formats
    bpy = bpy_mod
    scene, _, rig = rigify_scene
    _, track = inference.text_to_track(SENTENCE)
    path = formats.save_track(track, str(tmp_path / "hello.pose"))
    counts = []
    for _ in range(3):
        with bpy.context.temp_override(active_object=rig, object=rig):
            assert bpy.ops.signllm.import_pose(filepath=path, retarget=True) == {"FINISHED"}
        counts.append((len(bpy.data.collections), len(bpy.data.actions), len(bpy.data.objects),
                       len(bpy.data.meshes)))
    assert counts[0] == counts[1] == counts[2], counts
    pose_colls = [c for c in bpy.data.collections if c.name.startswith("Pose ")]
    assert len(pose_colls) == 1 and len(pose_colls[0].objects) > 20
    act = rig.animation_data.action
    assert act.name.startswith("SignLLM import") and act.users >= 1
    # another file is another import: it is added, not replacing the first
    other = formats.save_track(track, str(tmp_path / "other.pose"))
    with bpy.context.temp_override(active_object=rig, object=rig):
        bpy.ops.signllm.import_pose(filepath=other)
    assert len([c for c in bpy.data.collections if c.name.startswith("Pose ")]) == 2


@pytest.mark.parametrize("text", ["Hello, my name is Bob, I love pizza.", "Thank you, see you tomorrow at 7:30."])
def test_synthesis_timing_is_the_same_on_every_body_size(text):
    """No bpy: the same body at 0.5x, 1x, 2x and 100x (centimetre units) gives the same frames."""
    from signllm import inference
    from signllm.inference import BodyModel
    base = BodyModel.default()
    items = inference.text_to_gloss(text)
    frames = []
    for k in (0.5, 1.0, 2.0, 100.0):
        body = BodyModel({n: v * k for n, v in base.joints.items() if n != "chest"}, hand_scale=base.hand_scale * k)
        frames.append(inference.gloss_to_track(items, "ASL", body).n_frames)
    assert len(set(frames)) == 1, frames
