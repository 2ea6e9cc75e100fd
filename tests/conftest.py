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


def pytest_collection_modifyitems(config, items):
    """`core` by module (see CORE_MODULES); `blender` for every test that uses a Blender fixture
    (`-m "not blender"` runs the bpy-free tests alone)."""
    for item in items:
        if item.path.name in CORE_MODULES:
            item.add_marker(pytest.mark.core)
        if _BPY_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.blender)


def pytest_configure(config):
    config.addinivalue_line("markers", "blender: needs real Blender (bpy); run the rest alone with -m 'not blender'")
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
