"""The built zip is a valid extension, installs into Blender like a user's, and generates from there."""
import os
import subprocess
import sys
import textwrap
import zipfile

import pytest

from conftest import ROOT

pytest.importorskip("bpy")


@pytest.fixture(scope="module")
def built_zip(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    r = subprocess.run([sys.executable, os.path.join(ROOT, "build.py"), "extension", "--out", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    zips = [os.path.join(out, f) for f in os.listdir(out) if f.endswith(".zip")]
    assert len(zips) == 1
    return zips[0]


def test_zip_contents(built_zip):
    names = zipfile.ZipFile(built_zip).namelist()
    assert "blender_manifest.toml" in names and "__init__.py" in names
    assert any(n.startswith("wheels/simplemma") for n in names)
    assert not any(n.startswith(("tests/", "bench/", ".ci/")) or n == "build.py" for n in names)
    assert not any("numpy" in n for n in names)
    assert any(n.startswith("inference/data/asl/lexicon/") for n in names)
    assert {"inference/models/glosser_encoder.onnx", "inference/models/glosser_decoder.onnx",
            "inference/models/glosser_vocab.json"} <= set(names)
    assert not any(n.startswith("training/") for n in names)
    assert "inference/data/pos/en_ewt_upos.json.gz" in names        # the glosser's part-of-speech model
    # the default signing human ships with its licences
    assert {"assets/human/human.npz", "assets/human/skeletons.json", "assets/human/LICENSE.md"} <= set(names)


def test_installed_zip_generates(built_zip, tmp_path):
    script = textwrap.dedent(f"""
        import os, sys
        import bpy, addon_utils
        repo = bpy.context.preferences.extensions.repos.new(name="user_test", module="user_test",
                                                            source="USER")
        bpy.ops.extensions.package_install_files(filepath={built_zip!r}, repo="user_test", enable_on_install=True)
        mod = "bl_ext.user_test.signllm_blender"
        assert mod in {{m.__name__ for m in addon_utils.modules()}} or True
        addon_utils.enable(mod, default_set=True)
        assert hasattr(bpy.ops.signllm, "generate")
        addon_utils.enable("rigify", default_set=True)
        bpy.ops.object.armature_human_metarig_add()
        bpy.ops.pose.rigify_generate()
        rig = bpy.context.object
        with bpy.context.temp_override(active_object=rig, object=rig):
            r = bpy.ops.signllm.generate(text="Hello, what is your name?")
        assert r == {{"FINISHED"}}, r
        import importlib
        inf = importlib.import_module(mod + ".inference")
        neural = inf.format_gloss(inf.text_to_gloss("the next item is the vote .", "ASL", glosser="neural"))
        print("NEURAL", neural)
        print("SENSE", inf.format_gloss(inf.text_to_gloss("The train leaves.")))
        print("INSTALLED-OK", sys.modules[mod].__file__, bpy.context.scene.signllm.gloss)
    """)
    env = dict(os.environ, BLENDER_USER_RESOURCES=str(tmp_path / "user"))
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=str(tmp_path))
    assert "INSTALLED-OK" in r.stdout, r.stdout[-3000:] + r.stderr[-3000:]
    line = next(l for l in r.stdout.splitlines() if l.startswith("INSTALLED-OK"))
    assert str(tmp_path / "user") in line, "generate ran from the installed copy"
    assert "HELLO / wh[ YOUR NAME WHAT ]" in line
    assert "NEURAL NEXT ITEM BE VOTE" in r.stdout, r.stdout[-2000:] + r.stderr[-2000:]
    assert "SENSE TRAIN LEAVE" in r.stdout, r.stdout[-2000:]          # the POS model loads from the installed copy
