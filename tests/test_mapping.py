"""The user's bone mapping: detected rows, corrections the solver obeys, presets, and custom rigs."""
import json

import numpy as np
import pytest

import rig_builders as rb

GLOSS = "HELLO / wh[ YOUR NAME WHAT ] fs-FOOD"


@pytest.fixture
def scene(bpy_mod, addon):
    bpy_mod.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
    return bpy_mod.context.scene


def _op(bpy, ob, opname, **kw):
    with bpy.context.temp_override(active_object=ob, object=ob, selected_objects=[ob]):
        return getattr(bpy.ops.signllm, opname)(**kw)


def test_detect_rows_corrections_and_presets(bpy_mod, addon, scene, tmp_path):
    from signllm.rigs import blender_io
    from signllm.signllm_blender import service
    bpy = bpy_mod
    ob, truth = rb.build(bpy, "mixamo", roll_seed=2)
    assert _op(bpy, ob, "mapping_detect") == {"FINISHED"}
    rows = {r.role: r.bone for r in ob.data.signllm_roles}
    assert all(rows[role] == bone for role, bone in truth.items())
    assert ob.data["signllm_rig_label"] == "Mixamo"
    # the user unmaps the right pinky (say it is a prop bone on their rig): the solver leaves it alone
    for r in ob.data.signllm_roles:
        if r.role.startswith("pinky.") and r.role.endswith(".R"):
            r.bone = ""
    assert blender_io.stored_mapping(ob)["pinky.2.R"] is None
    res = service.generate(ob, scene, gloss=GLOSS)
    keyed = {c.bone for c in res.plan.curves}
    assert truth["pinky.2.R"] not in keyed and truth["pinky.2.L"] in keyed
    assert any("finger bones missing on the R hand" in w for w in res.warnings)
    assert "joints set by hand" in res.profile
    # preset round trip through a file, onto the same rig after forgetting the mapping
    path = str(tmp_path / "mine.json")
    assert _op(bpy, ob, "mapping_save_preset", filepath=path) == {"FINISHED"}
    saved = json.load(open(path))
    assert saved["schema"] == "signllm.mapping/1" and saved["mapping"]["pinky.1.R"] is None
    assert _op(bpy, ob, "mapping_clear") == {"FINISHED"}
    assert blender_io.stored_mapping(ob) is None and len(ob.data.signllm_roles) == 0
    assert _op(bpy, ob, "mapping_load_preset", filepath=path) == {"FINISHED"}
    assert blender_io.stored_mapping(ob)["pinky.1.R"] is None
    assert blender_io.stored_mapping(ob)["index.1.R"] == truth["index.1.R"]
    # the mapping is saved with the .blend
    blend = str(tmp_path / "mapped.blend")
    name = ob.name
    bpy.ops.wm.save_as_mainfile(filepath=blend)
    bpy.ops.wm.open_mainfile(filepath=blend)
    ob = bpy.data.objects[name]
    assert blender_io.stored_mapping(ob)["pinky.3.R"] is None
    # a preset in the extension's user folder shows up by name
    import os
    assert _op(bpy, ob, "mapping_save_preset", name="Test pinkyless") == {"FINISHED"}
    folder = bpy.utils.extension_path_user(addon.__name__, path="mapping_presets")
    try:
        assert os.path.isfile(os.path.join(folder, "Test_pinkyless.json"))
        # the preset menu lists it (an unknown enum value would raise)
        assert _op(bpy, ob, "mapping_load_preset", preset="Test_pinkyless.json") == {"FINISHED"}
    finally:
        os.remove(os.path.join(folder, "Test_pinkyless.json"))


def test_bad_preset_is_reported(bpy_mod, scene, tmp_path):
    ob, _ = rb.build(bpy_mod, "ue4")
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": "something/else"}')
    with pytest.raises(RuntimeError, match="not a SignLLM bone-mapping preset"):
        _op(bpy_mod, ob, "mapping_load_preset", filepath=str(bad))
    assert "signllm_mapping" not in ob.data


def test_custom_mapping_animates_a_rig_nothing_recognises(bpy_mod, scene, tmp_path):
    """A fingerless rig with neutral names: automatic detection fails with a message; a mapping fixes it."""
    from signllm.rigs import mapping_io
    from signllm.signllm_blender import service
    bpy = bpy_mod
    ob, truth = rb.build(bpy, "generic", drop_fingers=rb.FINGERS, roll_seed=5)
    with pytest.raises(service.SignLLMError, match="Bone Mapping panel"):
        service.generate(ob, scene, gloss="HELLO")
    path = str(tmp_path / "custom.json")
    mapping_io.save(path, truth)
    assert _op(bpy, ob, "mapping_load_preset", filepath=path) == {"FINISHED"}
    res = service.generate(ob, scene, gloss=GLOSS)
    assert res.profile == "Custom mapping"
    err = []
    for f in range(0, res.track.n_frames, 5):
        scene.frame_set(scene.frame_start + f)
        for side in "LR":
            err.append(np.linalg.norm(np.array(ob.pose.bones[truth[f"hand.{side}"]].head)
                                      - res.plan.targets[side]["wrist"][f]))
    assert max(err) < 0.015


@pytest.mark.parametrize("kind,opts", [("mixamo", {"a_pose": True, "roll_seed": 8}), ("ue4", {"roll_seed": 9}),
                                       ("vroid", {"roll_seed": 10})])
def test_ik_controls_on_a_deform_rig(bpy_mod, scene, kind, opts):
    """Opt-in IK controls: the hand control and pole are keyed (not the arm bones) and Blender's own IK
    puts the hand on the target, the palm follows the control."""
    from signllm.signllm_blender import service
    bpy = bpy_mod
    ob, truth = rb.build(bpy, kind, **opts)
    assert _op(bpy, ob, "add_ik_controls") == {"FINISHED"}
    assert {"SignLLM_IK_hand.L", "SignLLM_IK_pole.R"} <= set(ob.pose.bones.keys())
    res = service.generate(ob, scene, gloss=GLOSS)
    assert res.profile.endswith("IK controls")
    keyed = {c.bone for c in res.plan.curves}
    assert {"SignLLM_IK_hand.L", "SignLLM_IK_pole.L", "SignLLM_IK_hand.R"} <= keyed
    assert not keyed & {truth[f"{r}.{s}"] for r in ("upper_arm", "forearm", "hand") for s in "LR"}
    pos, ang, gap, _ = rb.measure(bpy, scene, ob, truth, res)
    print(f"{kind} IK controls: hand {pos * 1000:.2f} mm, palm {ang:.2f} deg, gap {gap * 1000:.1f} mm, "
          f"{res.plan.n_keys} keys")
    assert pos < 0.015 and ang < 15 and gap < 0.003
    # a second press keeps one set of controls and constraints
    assert _op(bpy, ob, "add_ik_controls") == {"FINISHED"}
    assert len([c for c in ob.pose.bones[truth["forearm.L"]].constraints if c.type == "IK"]) == 1


def test_ik_controls_on_perfectly_straight_arms(bpy_mod, scene):
    """Blender's IK cannot bend a straight chain by itself: the controls come with a small unkeyed bend."""
    from signllm.signllm_blender import service
    bpy = bpy_mod
    ob, truth = rb.build(bpy, "mixamo", roll_seed=4)
    bpy.context.view_layer.objects.active = ob
    bpy.ops.object.mode_set(mode="EDIT")
    eb = ob.data.edit_bones
    for s in "LR":
        u, f, h = (eb[truth[f"{r}.{s}"]] for r in ("upper_arm", "forearm", "hand"))
        for b in (f, h):
            b.head.y, b.head.z = u.head.y, u.head.z
        u.tail, f.tail = f.head.copy(), h.head.copy()
    bpy.ops.object.mode_set(mode="OBJECT")
    assert _op(bpy, ob, "add_ik_controls") == {"FINISHED"}
    res = service.generate(ob, scene, gloss=GLOSS)
    pos, ang, _, _ = rb.measure(bpy, scene, ob, truth, res)
    assert pos < 0.015 and ang < 15
