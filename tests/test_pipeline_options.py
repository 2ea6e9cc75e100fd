"""One options type, one pipeline: every setting changes the output on every entry point (the Generate
button, the Python API, the subtitle/text job, the batch command line), and all four give the same keys."""
import os

import numpy as np
import pytest

pytestmark = pytest.mark.blender

TEXT = "Will you go to the store tomorrow with my friend Anna?"

# setting -> (Options fields, how the panel/preferences set it, batch arguments)
SETTINGS = {
    "speed": ({"speed": 1.6}, {"speed": 1.6}, ["--speed", "1.6"]),
    "letter_hold": ({"letter_hold": 0.6}, {"letter_hold": 0.6}, ["--letter-hold", "0.6"]),
    "left_handed": ({"left_handed": True}, {"left_handed": True}, ["--left-handed"]),
    "glosser": ({"glosser": "neural+rules"}, {"glosser": "neural+rules"}, ["--glosser", "neural+rules"],
                "Where is the library? I want to read a book."),   # (neural+rules orders the wh-question)
    "generator": ({"generator": "neural"}, {"generator": "neural"}, ["--generator", "neural"],
                  "Hello. Tomorrow see store?"),    # (the research pose model knows few signs)
    "face_shape_keys": ({"face_shape_keys": False}, {"face_shape_keys": False}, ["--no-face-shape-keys"]),
    "nla": ({"nla": "STRIPS"}, {"nla_strips": True}, ["--nla", "STRIPS"]),
    "fps": ({"fps": 25.0}, {"prefs.fps_mode": "SET", "prefs.fps": 25}, ["--fps", "25"]),
    "tolerance": ({"tolerance": 0.01}, {"prefs.tolerance_mm": 10.0}, ["--tolerance-mm", "10"]),
}


@pytest.fixture(scope="module")
def base_blend(bpy_mod, rigify_blend, tmp_path_factory):
    """The Rigify character plus a face mesh with ARKit brow shape keys bound to the rig."""
    bpy = bpy_mod
    bpy.ops.wm.open_mainfile(filepath=rigify_blend)
    rig = bpy.data.objects["rig"]
    mesh = bpy.data.meshes.new("face")
    mesh.from_pydata([(0, 0, 1.7), (0.1, 0, 1.7), (0, 0.1, 1.8)], [], [(0, 1, 2)])
    ob = bpy.data.objects.new("Face", mesh)
    bpy.context.scene.collection.objects.link(ob)
    ob.modifiers.new("Armature", "ARMATURE").object = rig
    for name in ("Basis", "browInnerUp", "browDownLeft", "browDownRight"):
        ob.shape_key_add(name=name)
    bpy.context.view_layer.objects.active = rig
    path = str(tmp_path_factory.mktemp("pipeline") / "base.blend")
    bpy.ops.wm.save_as_mainfile(filepath=path)
    return path


def signature(bpy):
    """What was signed, as plain numbers: every key of every action of ours, NLA tracks, face actions, fps."""
    curves = {}
    last = 0
    for a in bpy.data.actions:
        if not a.get("signllm"):
            continue
        kind = "face" if any(s.target_id_type == "KEY" for s in a.slots) else "rig"
        for layer in a.layers:
            for strip in layer.strips:
                for cb in strip.channelbags:
                    for fc in cb.fcurves:
                        n = len(fc.keyframe_points)
                        co = np.empty(2 * n)
                        fc.keyframe_points.foreach_get("co", co)
                        co = co.reshape(-1, 2)
                        last = max(last, int(co[:, 0].max()))
                        k = (kind, fc.data_path, fc.array_index)
                        curves[k] = curves.get(k, ()) + ((n, round(float(co[:, 1].sum()), 4)),)
    rig = bpy.data.objects["rig"]
    nla = sum(1 for t in rig.animation_data.nla_tracks if t.name.startswith("SignLLM"))
    return {"last_frame": last, "curves": curves, "nla": nla, "fps": bpy.context.scene.render.fps,
            "faces": sum(1 for a in bpy.data.actions if a.get("signllm") and any(s.target_id_type == "KEY"
                                                                                 for s in a.slots))}


def via_api(bpy, base, opts, panel, args, tmp, addon, text=TEXT):
    from signllm.signllm_blender import service
    bpy.ops.wm.open_mainfile(filepath=base)
    service.generate(bpy.data.objects["rig"], bpy.context.scene, text=text, options=service.Options(**opts))
    return signature(bpy)


def via_job(bpy, base, opts, panel, args, tmp, addon, text=TEXT):
    from signllm.signllm_blender import studio
    bpy.ops.wm.open_mainfile(filepath=base)
    path = tmp / "text.txt"
    path.write_text(text)
    studio.sign_subtitles(bpy.data.objects["rig"], bpy.context.scene, str(path), options=studio.Options(**opts))
    return signature(bpy)


def via_operator(bpy, base, opts, panel, args, tmp, addon, text=TEXT):
    bpy.ops.wm.open_mainfile(filepath=base)
    scene, rig = bpy.context.scene, bpy.data.objects["rig"]
    prefs = bpy.context.preferences.addons[addon.__name__].preferences
    saved = {k: getattr(prefs, k) for k in ("fps_mode", "fps", "tolerance_mm")}
    try:
        for k, v in panel.items():
            if k.startswith("prefs."):
                setattr(prefs, k[6:], v)
            else:
                setattr(scene.signllm, k, v)
        scene.signllm.text = text
        with bpy.context.temp_override(active_object=rig, object=rig, selected_objects=[rig]):
            assert bpy.ops.signllm.generate() == {"FINISHED"}
    finally:
        for k, v in saved.items():
            setattr(prefs, k, v)
    return signature(bpy)


def via_batch(bpy, base, opts, panel, args, tmp, addon, text=TEXT):
    from signllm.signllm_blender import batch
    path = tmp / "text.txt"
    path.write_text(text)
    assert batch.main([base, str(path), "-o", str(tmp / "out.blend"), "--armature", "rig"] + args,
                      out=lambda *a: None) == batch.OK
    return signature(bpy)


ENTRIES = {"operator": via_operator, "api": via_api, "job": via_job, "batch": via_batch}


@pytest.fixture(scope="module")
def baselines(bpy_mod, addon, base_blend, tmp_path_factory):
    """Default options, per text: {text: {entry point: signature}} (computed once per text)."""
    out = {}

    def get(text=TEXT):
        if text not in out:
            tmp = tmp_path_factory.mktemp("baseline")
            out[text] = {name: fn(bpy_mod, base_blend, {}, {}, [], tmp, addon, text) for name, fn in ENTRIES.items()}
        return out[text]
    return get


def test_every_entry_point_signs_the_same(baselines):
    baseline = baselines()
    ref = baseline["api"]
    assert ref["faces"] == 1 and ref["nla"] == 0 and ref["curves"]
    for name, sig in baseline.items():
        assert sig == ref, f"{name} differs from the Python API with default options"


@pytest.mark.parametrize("setting", sorted(SETTINGS))
def test_each_setting_changes_every_entry_point_alike(bpy_mod, addon, base_blend, baselines, setting, tmp_path):
    opts, panel, args, *text = SETTINGS[setting]
    text = text[0] if text else TEXT
    baseline = baselines(text)
    got = {name: fn(bpy_mod, base_blend, opts, panel, args, tmp_path, addon, text) for name, fn in ENTRIES.items()}
    for name, sig in got.items():
        assert sig != baseline[name], f"{setting} did not change the output of the {name} entry point"
        assert sig == got["api"], f"{setting}: the {name} entry point differs from the Python API"
    if setting == "fps":      # 25 fps: the same frames from the button and the API, and the scene at 25
        assert got["operator"]["fps"] == got["api"]["fps"] == 25
    if setting == "nla":
        assert got["api"]["nla"] >= 1
    if setting == "face_shape_keys":
        assert got["api"]["faces"] == 0


def test_bad_numbers_are_clear_errors_everywhere(bpy_mod, base_blend, tmp_path):
    from signllm.inference import SignLLMError
    from signllm.signllm_blender import batch, service
    bpy_mod.ops.wm.open_mainfile(filepath=base_blend)
    rig, scene = bpy_mod.data.objects["rig"], bpy_mod.context.scene
    for bad in (float("nan"), 0.0, -1.0, float("inf")):
        with pytest.raises(SignLLMError, match="(?i)^speed must be"):
            service.generate(rig, scene, text=TEXT, options=service.Options(speed=bad))
    path = tmp_path / "t.txt"
    path.write_text(TEXT)
    for bad in ("nan", "0", "-1", "inf"):
        assert batch.main([base_blend, str(path), "-o", str(tmp_path / "o.blend"), "--speed", bad],
                          out=lambda *a: None) == batch.BAD_INPUT
    assert not os.path.exists(tmp_path / "o.blend")


def test_a_text_datablock_signs_long_multi_line_text(bpy_mod, addon, base_blend):
    bpy = bpy_mod
    bpy.ops.wm.open_mainfile(filepath=base_blend)
    scene, rig = bpy.context.scene, bpy.data.objects["rig"]
    block = bpy.data.texts.new("script")
    block.write("Hello, what is your name?\n\nThank you, mother.\nGood morning.\n")
    scene.signllm.text_block = block
    scene.signllm.text = "Hello."          # the datablock wins over the one-line field
    with bpy.context.temp_override(active_object=rig, object=rig, selected_objects=[rig]):
        assert bpy.ops.signllm.generate() == {"FINISHED"}
    glosses = [r.gloss for r in scene.signllm_signs]
    assert "NAME" in glosses and "MOTHER" in glosses and "MORNING" in glosses
