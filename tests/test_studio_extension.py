"""The installed zip carries the subtitle reader (pysubs2 wheel) and signs a file from there."""
import os
import subprocess
import sys
import textwrap
import zipfile

import pytest


pytest.importorskip("bpy")


def test_installed_zip_signs_subtitles(tmp_path, built_zips):
    built = built_zips["default"]    # built once per session (conftest)
    names = zipfile.ZipFile(built).namelist()
    assert any(n.startswith("wheels/pysubs2-") for n in names)
    assert "studio/jobs.py" in names and "signllm_blender/studio.py" in names
    srt = tmp_path / "a.srt"
    srt.write_text("1\n00:00:00,500 --> 00:00:04,000\nHello, what is your name?\n")
    vtt = tmp_path / "a.vtt"
    vtt.write_text("WEBVTT\n\n00:00.500 --> 00:03.000\nThank you.\n")
    script = textwrap.dedent(f"""
        import sys
        import bpy, addon_utils
        bpy.context.preferences.extensions.repos.new(name="user_test", module="user_test", source="USER")
        bpy.ops.extensions.package_install_files(filepath={built!r}, repo="user_test", enable_on_install=True)
        addon_utils.enable("bl_ext.user_test.signllm_blender", default_set=True)
        addon_utils.enable("rigify", default_set=True)
        bpy.ops.object.armature_human_metarig_add()
        bpy.ops.pose.rigify_generate()
        rig = bpy.context.object
        with bpy.context.temp_override(active_object=rig, object=rig):
            for p in ({str(srt)!r}, {str(vtt)!r}):
                assert bpy.ops.signllm.sign_subtitles(filepath=p) == {{"FINISHED"}}
        print("SUBS-OK", sys.modules["pysubs2"].__file__, [m.name for m in bpy.context.scene.timeline_markers])
    """)
    env = dict(os.environ, BLENDER_USER_RESOURCES=str(tmp_path / "user"))
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=str(tmp_path))
    assert "SUBS-OK" in r.stdout, r.stdout[-3000:] + r.stderr[-3000:]
    line = next(l for l in r.stdout.splitlines() if l.startswith("SUBS-OK"))
    assert "['1: Thank you.']" in line
