"""Test setup: the repository root is the extension package; import it as `signllm` (no bpy needed).

`inference` is also importable on its own (it only uses relative imports inside itself).
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")

if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
import build  # noqa: E402

build.import_package()


import pytest  # noqa: E402

try:  # bind simplemma to the venv copy: enabling the extension puts Blender's user wheel folder first on
    import simplemma  # noqa: E402,F401  sys.path, and test_extension's install can remove that folder later
except ImportError:
    pass


@pytest.fixture(scope="session")
def bpy_mod():
    """Real Blender (the bpy module from the package index)."""
    return pytest.importorskip("bpy")


@pytest.fixture(scope="session")
def rigify_blend(bpy_mod, tmp_path_factory):
    """A .blend with the Rigify metarig and its generated rig (generated once per session: ~4 s)."""
    from signllm.signllm_blender import demo_scene
    demo_scene.build(with_mannequin=False)
    path = str(tmp_path_factory.mktemp("rigs") / "rigify.blend")
    bpy_mod.ops.wm.save_as_mainfile(filepath=path)
    return path


@pytest.fixture
def rigify_scene(bpy_mod, rigify_blend):
    """Fresh copy of the Rigify scene: returns (scene, metarig, generated rig)."""
    bpy_mod.ops.wm.open_mainfile(filepath=rigify_blend)
    scene = bpy_mod.context.scene
    meta = bpy_mod.data.objects["metarig"]
    rig = bpy_mod.data.objects["rig"]
    return scene, meta, rig


@pytest.fixture(scope="session")
def addon(bpy_mod, tmp_path_factory):
    """Register the repository as a development extension (bl_ext.signllm_dev.signllm_blender)."""
    import addon_utils
    d = tmp_path_factory.mktemp("extrepo")
    os.symlink(ROOT, d / "signllm_blender")
    prefs = bpy_mod.context.preferences
    if "signllm_dev" not in [r.module for r in prefs.extensions.repos]:
        prefs.extensions.repos.new(name="signllm_dev", module="signllm_dev", custom_directory=str(d), source="USER")
    mod = addon_utils.enable("bl_ext.signllm_dev.signllm_blender", default_set=True, handle_error=None)
    assert mod is not None, "the extension did not register"
    yield mod
    addon_utils.disable("bl_ext.signllm_dev.signllm_blender", default_set=True)


_BPY_FIXTURES = {"bpy_mod", "rigify_blend", "rigify_scene", "addon"}
# Test modules whose Blender tests prove an API version (actions, Rigify, undo, NLA, install, pose import):
# every test in them is marked `core`, so `python3 build.py test` reruns them on bpy 4.5 LTS.
CORE_MODULES = {"test_rigify.py", "test_user_data.py", "test_face_nla.py", "test_keyreduce.py",
                "test_extension.py", "test_research_blender.py", "test_compat_faults.py",
                "test_character.py", "test_face.py"}   # the skinned human, FBX/glTF round trips, faces


# bpy-free tests that take a second or more (pytest --durations=60 -m "not blender" on the shared 2-core
# machine, load 5-7; seconds measured in brackets): marked `slow`, so `-m "not blender and not slow"` is a
# quick check while editing. The full suite still runs them. Keyed by file::test (every parameter).
SLOW_TESTS = {
    "test_dgs.py::test_dgs_lexicon_and_alphabet_validate",                     # 32.7 (validates every DGS entry)
    "test_data.py::test_validator_finds_no_problems",                          # 14.3 (every ASL entry)
    "test_robustness_text.py::test_text_at_the_limit_glosses",                 # 6.1
    "test_hamnosys.py::test_any_symbol_sequence_gives_a_valid_synthesisable_entry",   # 4.7 (hypothesis)
    "test_robustness_text.py::test_mixtures_of_words_markup_scripts_and_symbols",     # 2.9 (hypothesis)
    "test_neural_glosser.py::test_runtime_never_imports_torch",                # 2.2 (a subprocess)
    "test_lexicon_format.py::test_every_lexicon_file_matches_the_schema",      # 2.0
    "test_hamnosys.py::test_mapping_agrees_with_signwriting_of_the_same_dgs_signs",   # 1.6
    "test_pos.py::test_accuracy_on_ud_ewt_test",                               # 1.6
    "test_dgs.py::test_german_text_to_dgs_gloss",                              # 1.5
    "test_research_formats.py::test_openpose_folder_and_list",                 # 1.4-1.5 each
    "test_research_formats.py::test_openpose_missing_people_and_points",       # 1.5
    "test_research_formats.py::test_round_trip_export_import",                 # 1.3-1.5 each
    "test_bench.py::test_quality_on_held_out_sentences",                       # 1.4
    "test_pose_model.py::test_shipped_model_signs_with_counter_stopping",      # 1.4
    "test_robustness_text.py::test_any_unicode_text",                          # 1.4 (hypothesis)
    "test_layers.py::test_every_operator_lives_in_operators",                  # 1.4 (parses every module)
    "test_dgs.py::test_dgs_end_to_end_synthesises_and_fingerspells_with_the_dgs_alphabet",  # 4.2 (loads DGS)
}
# fixtures that cost seconds to set up: every test using them is `slow` too
SLOW_FIXTURES = {"built_zips",      # builds both extension zips (7.8 s) for test_extension/test_studio_extension
                 "dialogue"}        # test_studio_interpret: the everyday dialogue file interpreted (27 s)


def pytest_collection_modifyitems(config, items):
    """`core` by module (see CORE_MODULES); `blender` for every test that uses a Blender fixture
    (`-m "not blender"` runs the bpy-free tests alone); `slow` for the bpy-free tests of a second or more
    (SLOW_TESTS, SLOW_FIXTURES: `-m "not blender and not slow"` runs the rest in well under a minute)."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if item.path.name in CORE_MODULES:
            item.add_marker(pytest.mark.core)
        if _BPY_FIXTURES & fixtures:
            item.add_marker(pytest.mark.blender)
        if f"{item.path.name}::{item.originalname}" in SLOW_TESTS or SLOW_FIXTURES & fixtures:
            item.add_marker(pytest.mark.slow)


def pytest_configure(config):
    config.addinivalue_line("markers", "blender: needs real Blender (bpy); run the rest alone with -m 'not blender'")
    config.addinivalue_line("markers", "slow: a bpy-free test of a second or more (tests/conftest.py SLOW_TESTS); "
                                       "-m 'not blender and not slow' is the quick check")
    config.addinivalue_line(
        "markers", "core: the Blender tests that prove an API version works (also run on bpy 4.5 LTS by "
                   "`python3 build.py test`; select with -m core)")


@pytest.fixture(scope="session")
def built_zips(tmp_path_factory):
    """`build.py extension` for this machine's platform (linux-x64), built once: {'default': zip, 'research': zip}."""
    import subprocess
    pytest.importorskip("bpy")
    out = tmp_path_factory.mktemp("dist")
    r = subprocess.run([sys.executable, os.path.join(ROOT, "build.py"), "extension", "--platforms", "linux-x64",
                        "--out", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    zips = sorted(f for f in os.listdir(out) if f.endswith(".zip"))
    assert zips == ["signllm_blender-0.1.0-linux_x64.zip", "signllm_blender-research-0.1.0-linux_x64.zip"], zips
    return {"default": str(out / zips[0]), "research": str(out / zips[1]), "log": r.stdout}


_EXIT = {}


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    _EXIT["status"] = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    """bpy 4.5 hangs in interpreter shutdown once Rigify has generated a rig (5.0 does not): after pytest has
    printed its summary, leave with the session's exit status without that shutdown."""
    bpy = sys.modules.get("bpy")
    if bpy is not None and bpy.app.version < (5, 0, 0) and "status" in _EXIT:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_EXIT["status"])
