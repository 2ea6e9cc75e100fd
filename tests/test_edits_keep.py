"""Edits keep what they do not touch: regenerating from an edited gloss or sign list keeps cue timing,
cue markers, review flags and unchanged cues; a .blend written by `batch` opens with its Signs list."""
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.blender

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRT = ("1\n00:00:00,500 --> 00:00:04,500\nHello, what is your name, Anna?\n\n"
       "2\n00:00:31,000 --> 00:00:34,000\nThank you, mother.\n\n"
       "3\n00:01:02,000 --> 00:01:05,000\nGood morning.\n")


def _cue_rows(scene):
    return [(r.cue, r.gloss, r.start, r.review) for r in scene.signllm_signs]


def test_regenerate_from_gloss_keeps_cue_timing_markers_and_flags(bpy_mod, addon, rigify_scene, tmp_path):
    from signllm.signllm_blender import service, studio
    bpy = bpy_mod
    scene, _, rig = rigify_scene
    p = tmp_path / "subs.srt"
    p.write_text(SRT)
    studio._CACHE.clear()
    studio.sign_subtitles(rig, scene, str(p))
    markers = sorted((m.name, m.frame) for m in scene.timeline_markers)
    assert len(markers) == 3
    rows = _cue_rows(scene)
    spelled = [r for r in rows if r[1] == "fs-ANNA"]
    assert spelled and spelled[0][3], "a fingerspelled name is flagged for review"
    gloss = scene.signllm.gloss
    assert gloss.count(service.CUE_SEP) == 2
    frame_end = scene.frame_end
    edited = gloss.replace("MOTHER", "FATHER")
    assert edited != gloss
    with bpy.context.temp_override(active_object=rig, object=rig, selected_objects=[rig]):
        assert bpy.ops.signllm.generate_from_gloss(gloss=edited) == {"FINISHED"}
    after = _cue_rows(scene)
    # cues 1 and 3 exactly as they were (timing, flags); cue 2 starts where it did
    assert [r for r in after if r[0] != 2] == [r for r in rows if r[0] != 2]
    # (the cue starts where it did: its marker below; its first sign may move a frame with the refitted rate)
    assert abs([r[2] for r in after if r[0] == 2][0] - [r[2] for r in rows if r[0] == 2][0]) <= 2
    assert "FATHER" in [r[1] for r in after] and "MOTHER" not in [r[1] for r in after]
    assert sorted(m.frame for m in scene.timeline_markers) == [f for _, f in markers], "cue markers stay"
    assert abs(scene.frame_end - frame_end) <= 2
    # the edited gloss must keep one part per cue
    with bpy.context.temp_override(active_object=rig, object=rig, selected_objects=[rig]):
        with pytest.raises(RuntimeError, match="keep one '\\|\\|' between"):
            bpy.ops.signllm.generate_from_gloss(gloss=edited.replace(service.CUE_SEP, " "))


def test_regenerate_reuses_unchanged_cues(bpy_mod, rigify_scene, tmp_path):
    from signllm.signllm_blender import service, studio
    scene, _, rig = rigify_scene
    p = tmp_path / "subs.srt"
    p.write_text(SRT)
    studio._CACHE.clear()
    studio.sign_subtitles(rig, scene, str(p))
    res = service.generate(rig, scene, gloss=scene[service.GLOSS_PROP].replace("MOTHER", "FATHER"))
    assert res.job.reused == 2


def test_batch_blend_opens_with_its_signs_list(bpy_mod, addon, rigify_blend, tmp_path):
    bpy = bpy_mod
    p = tmp_path / "subs.srt"
    p.write_text(SRT)
    out = tmp_path / "out.blend"
    r = subprocess.run([sys.executable, os.path.join(ROOT, "build.py"), "batch", rigify_blend, str(p), "-o", str(out),
                        "--armature", "rig"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    bpy.ops.wm.open_mainfile(filepath=str(out))      # the add-on is registered here: load_post fills the list
    scene, rig = bpy.context.scene, bpy.data.objects["rig"]
    rows = scene.signllm_signs
    assert len(rows) >= 8 and {r.cue for r in rows} == {1, 2, 3}
    assert service_gloss(scene).count("||") == 2
    i = next(k for k, r in enumerate(rows) if r.gloss == "MOTHER")
    rows[i].gloss = "FATHER"
    with bpy.context.temp_override(active_object=rig, object=rig, selected_objects=[rig]):
        assert bpy.ops.signllm.signs_regenerate() == {"FINISHED"}
    assert "FATHER" in [r.gloss for r in scene.signllm_signs]
    assert len(scene.timeline_markers) == 3


def service_gloss(scene):
    return scene.signllm.gloss
