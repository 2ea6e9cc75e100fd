"""The HamNoSys operator and the SiGML loader in real Blender (headless bpy, Rigify rig)."""
import numpy as np
import pytest

pytest.importorskip("bpy")

SIGML = """<?xml version="1.0" encoding="utf-8"?>
<sigml><hns_sign gloss="FLIBBERT">
  <hamnosys_manual><hamfinger2/><hamextfingeru/><hampalml/><hamchin/><hamtouch/><hammoveo/></hamnosys_manual>
</hns_sign></sigml>"""


def _hand_keys(action):
    fcs = [fc for layer in action.layers for strip in layer.strips for bag in strip.channelbags for fc in bag.fcurves]
    return fcs


def test_sign_hamnosys_operator_keys_the_rig_and_reports(bpy_mod, addon, rigify_scene):
    bpy = bpy_mod
    scene, _, rig = rigify_scene
    h = scene.signllm_hamnosys
    h.transcription = "hamflathand,hamthumboutmod,hamextfingeru,hampalml,hamforehead,hamtouch,hammoveo,hametc"
    h.gloss = "salute"
    with bpy.context.temp_override(active_object=rig, object=rig, selected_objects=[rig]):
        assert bpy.ops.signllm.sign_hamnosys() == {"FINISHED"}
    act = rig.animation_data.action
    assert act is not None and act["signllm_gloss"] == "SALUTE"
    assert scene.signllm.gloss == "SALUTE" and scene.signllm.review == "SALUTE"
    assert "hametc" in h.report                           # the unsupported symbol is reported in the panel
    fcs = _hand_keys(act)
    assert len(fcs) > 20
    moving = [fc for fc in fcs if len(fc.keyframe_points) > 2]
    vals = np.array([kp.co[1] for fc in moving for kp in fc.keyframe_points])
    assert moving and np.all(np.isfinite(vals))
    markers = [m.name for m in scene.timeline_markers]
    assert markers == ["SALUTE"]


def test_sign_hamnosys_bad_input_is_a_report_and_keeps_the_users_action(bpy_mod, addon, rigify_scene):
    bpy = bpy_mod
    scene, _, rig = rigify_scene
    with bpy.context.temp_override(active_object=rig, object=rig, selected_objects=[rig]):
        assert bpy.ops.signllm.generate(text="Hello") == {"FINISHED"}
        mine = rig.animation_data.action
        n = len(bpy.data.actions)
        with pytest.raises(RuntimeError, match="No HamNoSys symbols") as info:
            bpy.ops.signllm.sign_hamnosys(hamnosys="just words")
        assert "Traceback" not in str(info.value)
    assert rig.animation_data.action == mine and len(bpy.data.actions) == n


def test_sign_hamnosys_never_shadows_a_lexicon_sign(bpy_mod, addon, rigify_scene):
    bpy = bpy_mod
    scene, _, rig = rigify_scene
    scene.signllm.language = "ASL"
    with bpy.context.temp_override(active_object=rig, object=rig, selected_objects=[rig]):
        assert bpy.ops.signllm.sign_hamnosys(hamnosys="hamfist,hamextfingeru,hampalml", gloss="hello") == {"FINISHED"}
        assert scene.signllm.gloss == "HELLO.HNS"
        assert bpy.ops.signllm.generate(text="Hello") == {"FINISHED"}
    assert scene.signllm.gloss == "HELLO"
    act = rig.animation_data.action
    assert act["signllm_gloss"] == "HELLO"
    import importlib
    lex = importlib.import_module(addon.__name__ + ".inference").load_language("ASL").lexicon
    assert lex.source_of["HELLO"] != "HamNoSys panel" and "HamNoSys" not in lex.get("HELLO").get("notes", "")
    assert lex.get("HELLO.HNS")["dom"]["hs"] == "S"


def test_load_sigml_operator_adds_signs_for_the_active_language(bpy_mod, addon, rigify_scene, tmp_path):
    bpy = bpy_mod
    scene, _, rig = rigify_scene
    path = tmp_path / "mine.sigml"
    path.write_text(SIGML, encoding="utf-8")
    scene.signllm.language = "ASL"
    assert bpy.ops.signllm.load_sigml(filepath=str(path)) == {"FINISHED"}
    assert "mine.sigml: 1 signs" in scene.signllm_hamnosys.loaded
    with bpy.context.temp_override(active_object=rig, object=rig, selected_objects=[rig]):
        assert bpy.ops.signllm.generate(text="hello flibbert") == {"FINISHED"}
    assert scene.signllm.gloss == "HELLO FLIBBERT"
    with pytest.raises(RuntimeError, match="not found"):
        bpy.ops.signllm.load_sigml(filepath=str(tmp_path / "nope.sigml"))


def test_dgs_is_a_language_setting_in_blender(bpy_mod, addon, rigify_scene):
    bpy = bpy_mod
    scene, _, rig = rigify_scene
    scene.signllm.language = "DGS"
    try:
        with bpy.context.temp_override(active_object=rig, object=rig, selected_objects=[rig]):
            assert bpy.ops.signllm.generate(text="Ich trinke heute Wasser.") == {"FINISHED"}
        assert scene.signllm.gloss == "HEUTE ICH TRINKEN WASSER"
    finally:
        scene.signllm.language = "ASL"


def test_panel_section_is_registered_under_the_main_panel(bpy_mod, addon):
    bpy = bpy_mod
    pt = bpy.types.SIGNLLM_PT_hamnosys
    assert pt.bl_parent_id == "SIGNLLM_PT_main"
    icons = bpy.types.UILayout.bl_rna.functions["operator"].parameters["icon"].enum_items.keys()
    for icon in ("PLAY", "FILEBROWSER", "CHECKMARK", "ERROR"):
        assert icon in icons
    assert bpy.ops.signllm.sign_hamnosys.idname() == "SIGNLLM_OT_sign_hamnosys"
