"""The built zips are valid extensions with the right content, install into a clean Blender user folder like a
user's, import a .pose file and sign from there. The default zip carries only GPL-compatible models; the
PHOENIX-trained neural glosser is only in the research zip."""
import json
import os
import subprocess
import sys
import textwrap
import zipfile

import pytest

pytest.importorskip("bpy")

pytestmark = pytest.mark.core
GLOSSER = {"inference/models/glosser_encoder.onnx", "inference/models/glosser_decoder.onnx",
           "inference/models/glosser_vocab.json", "inference/models/MODEL_CARD.md"}


def _names(path):
    return set(zipfile.ZipFile(path).namelist())


def test_default_zip_contents(built_zips):
    names = _names(built_zips["default"])
    assert "blender_manifest.toml" in names and "__init__.py" in names
    wheels = {n.split("/")[1].split("-")[0] for n in names if n.startswith("wheels/")}
    assert wheels == {"simplemma", "pysubs2", "pose_format", "onnxruntime"}, wheels
    assert any(n.startswith("wheels/onnxruntime-") and n.endswith("cp311-cp311-manylinux_2_28_x86_64.whl")
               for n in names)
    assert not any(n.startswith(("tests/", "bench/", ".ci/", "training/", ".venv")) or n == "build.py" for n in names)
    assert not any("numpy" in n for n in names)
    assert any(n.startswith("inference/data/asl/lexicon/") for n in names)
    assert not GLOSSER & names                        # non-commercial model: never in the GPL zip
    assert "inference/models/gloss2pose/gloss2pose.onnx" in names   # synthetic-data model (GPL) stays
    manifest = zipfile.ZipFile(built_zips["default"]).read("blender_manifest.toml").decode()
    assert 'platforms = ["linux-x64"]' in manifest and 'blender_version_min = "4.5.0"' in manifest
    assert "example.invalid" not in manifest and "<" in manifest.split("maintainer = ")[1].split("\n")[0]
    assert "inference/data/pos/en_ewt_upos.json.gz" in names        # the glosser's part-of-speech model
    # the default signing human ships with its licences
    assert {"assets/human/human.npz", "assets/human/skeletons.json", "assets/human/LICENSE.md"} <= names


def test_research_zip_adds_only_the_glosser(built_zips):
    default, research = _names(built_zips["default"]), _names(built_zips["research"])
    assert GLOSSER <= research
    assert research - default == GLOSSER
    z = zipfile.ZipFile(built_zips["research"])
    manifest = z.read("blender_manifest.toml").decode()
    assert "research models" in manifest and "SPDX:CC-BY-NC-SA-3.0" in manifest
    assert "non-commercial" in z.read("inference/models/MODEL_CARD.md").decode()
    vocab = json.loads(z.read("inference/models/glosser_vocab.json"))
    assert vocab["tgt_vocab"]


def _install_and_run(zip_path, tmp_path, body):
    """Install zip_path into a fresh user folder (BLENDER_USER_RESOURCES before bpy starts), run body."""
    script = textwrap.dedent("""
        import os, sys, importlib, importlib.machinery
        # like a real Blender: the wheels the zip bundles must come from the zip, not from this test venv
        VENV_SITE = [p for p in sys.path if "site-packages" in p]
        class OnlyBundled:
            NAMES = {"onnxruntime", "pose_format", "simplemma", "pysubs2"}
            def find_spec(self, name, path=None, target=None):
                if path is not None or name.split(".")[0] not in self.NAMES:
                    return None
                spec = importlib.machinery.PathFinder.find_spec(name, [p for p in sys.path if p not in VENV_SITE])
                if spec is None:
                    raise ModuleNotFoundError(name)
                return spec
        sys.meta_path.insert(0, OnlyBundled())
        import bpy, addon_utils
        bpy.context.preferences.extensions.repos.new(name="user_test", module="user_test", source="USER")
        bpy.ops.extensions.package_install_files(filepath=ZIP, repo="user_test", enable_on_install=True)
        MOD = "bl_ext.user_test.signllm_blender"
        addon_utils.enable(MOD, default_set=True)
        assert hasattr(bpy.ops.signllm, "generate")
        inf = importlib.import_module(MOD + ".inference")
    """).replace("ZIP", repr(zip_path)) + textwrap.dedent(body) + textwrap.dedent("""
        sys.stdout.flush(); sys.stderr.flush()
        os._exit(0)   # bpy 4.5 can hang in interpreter shutdown after Rigify ran; all output is written
    """)
    env = dict(os.environ, BLENDER_USER_RESOURCES=str(tmp_path / "user"))
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=str(tmp_path),
                       timeout=600)
    return r, r.stdout + "\n" + r.stderr[-3000:]


def test_default_zip_installs_imports_pose_and_signs(built_zips, tmp_path):
    from signllm import inference
    from signllm.inference import formats
    _, track = inference.text_to_track("Thank you.")
    pose = formats.save_track(track, str(tmp_path / "thanks.pose"))
    r, out = _install_and_run(built_zips["default"], tmp_path, f"""
        import warnings
        addon_utils.enable("rigify", default_set=True)
        bpy.ops.object.armature_human_metarig_add()
        rig = bpy.context.object
        with bpy.context.temp_override(active_object=rig, object=rig):
            assert bpy.ops.signllm.import_pose(filepath={pose!r}, retarget=True) == {{"FINISHED"}}
            print("POSE-FORMAT", sys.modules["pose_format"].__file__)
            print("IMPORTED", rig.animation_data.action.name, len(bpy.data.collections))
            assert bpy.ops.signllm.generate(text="Hello, what is your name?") == {{"FINISHED"}}
        print("SIGNED", bpy.context.scene.signllm.gloss, sys.modules[MOD].__file__)
        print("SENSE", inf.format_gloss(inf.text_to_gloss("The train leaves.")))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            g = inf.format_gloss(inf.text_to_gloss("the next item is the vote .", "ASL", glosser="neural"))
        print("FALLBACK", g, "|", " ".join(str(w.message) for w in caught))
        print("ORT", sys.modules.get("onnxruntime") and sys.modules["onnxruntime"].__file__)
    """)
    user = str(tmp_path / "user")
    assert "SIGNED HELLO / wh[ YOUR NAME WHAT ]" in out, out
    signed = next(ln for ln in out.splitlines() if ln.startswith("SIGNED"))
    assert user in signed, "generate ran from the installed copy"
    pf = next(ln for ln in out.splitlines() if ln.startswith("POSE-FORMAT"))
    assert user in pf, "pose-format came from the bundled wheel"
    assert "IMPORTED SignLLM import" in out
    assert "SENSE TRAIN LEAVE" in out                 # the part-of-speech model loads from the installed copy
    fallback = next(ln for ln in out.splitlines() if ln.startswith("FALLBACK"))
    assert "research package" in fallback      # the glosser is absent: rules, with a message that says why
    assert "NEXT ITEM BE VOTE" not in fallback


def test_research_zip_installs_and_runs_the_neural_glosser(built_zips, tmp_path):
    r, out = _install_and_run(built_zips["research"], tmp_path, """
        g = inf.format_gloss(inf.text_to_gloss("the next item is the vote .", "ASL", glosser="neural"))
        print("NEURAL", g)
        print("ORT", sys.modules["onnxruntime"].__file__)
        print("MODELS", os.path.dirname(sys.modules[MOD + ".inference.neural_glosser"].__file__))
    """)
    user = str(tmp_path / "user")
    assert "NEURAL NEXT ITEM BE VOTE" in out, out
    assert user in next(ln for ln in out.splitlines() if ln.startswith("ORT")), "the bundled onnxruntime ran"
    assert user in next(ln for ln in out.splitlines() if ln.startswith("MODELS"))
