"""Research formats in real Blender: import shows animated joints with limbs, retargets onto Rigify,
operators export and compare, and bad files give reports (never tracebacks) and leave the scene alone."""
import os

import numpy as np
import pytest

from conftest import SHARED

pytest.importorskip("bpy")

SENTENCE = "Hello, what is your name?"
PT_DEV = os.path.join(SHARED, "data", "progressive_transformers_sample", "dev.skels")


@pytest.fixture(scope="module")
def generated_files(tmp_path_factory):
    from signllm import inference
    from signllm.inference import formats
    _, track = inference.text_to_track(SENTENCE)
    d = tmp_path_factory.mktemp("posefiles")
    paths = {ext: formats.save_track(track, str(d / f"hello{ext}")) for ext in (".pose", ".skels")}
    return track, paths


def _evaluated_vertices(bpy, ob):
    dg = bpy.context.evaluated_depsgraph_get()
    ev = ob.evaluated_get(dg)
    me = ev.to_mesh()
    co = np.empty(len(me.vertices) * 3)
    me.vertices.foreach_get("co", co)
    ev.to_mesh_clear()
    return (np.array(ob.matrix_world) @ np.c_[co.reshape(-1, 3), np.ones(len(co) // 3)].T).T[:, :3]


@pytest.mark.parametrize("ext", [".pose", ".skels"])
def test_import_shows_animated_joints_and_limbs(bpy_mod, addon, generated_files, ext):
    bpy = bpy_mod
    from signllm.inference import formats
    track, paths = generated_files
    bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
    scene = bpy.context.scene
    scene.frame_start = 1
    assert bpy.ops.signllm.import_pose(filepath=paths[ext]) == {"FINISHED"}
    coll = next(c for c in bpy.data.collections if c.name.startswith("Pose "))
    empties = [o for o in coll.objects if o.type == "EMPTY" and ":" in o.name]
    limbs = next(o for o in coll.objects if o.type == "MESH")
    assert len(empties) == 50
    assert len(limbs.data.edges) > 45 and len(limbs.data.vertices) == 50
    ref = formats.from_pose_track(track).flat()        # default body: the empties stand where the joints are
    wrist_r = bpy.data.objects[f"{empties[0].name.split(':')[0]}:wrist_R"]
    for f in (1, 40, 90):
        scene.frame_set(f)
        got = np.array(wrist_r.matrix_world.translation)
        assert np.linalg.norm(got - ref[f - 1, 4]) < 1e-4
        # the limb mesh follows the empties (hooks), so the skeleton is drawn where the joints are
        verts = _evaluated_vertices(bpy, limbs)
        pos = np.array([o.matrix_world.translation for o in sorted(empties, key=lambda o: o.name)])
        d = np.linalg.norm(verts[:, None] - pos[None], axis=-1).min(1)
        assert d.max() < 1e-5
    # the joints move
    scene.frame_set(1)
    a = np.array(wrist_r.matrix_world.translation)
    scene.frame_set(60)
    assert np.linalg.norm(np.array(wrist_r.matrix_world.translation) - a) > 0.05
    assert scene.frame_end >= track.n_frames
    assert "frames" in scene.signllm_research.last_import


def test_import_retargets_onto_rigify(bpy_mod, addon, rigify_scene, generated_files):
    bpy = bpy_mod
    from signllm.inference import formats
    from signllm.signllm_blender import pose_import
    scene, _, rig = rigify_scene
    track, paths = generated_files
    (jt,) = formats.load(paths[".skels"])
    with bpy.context.temp_override(active_object=rig, object=rig):
        plan, action, report = pose_import.retarget(bpy.context, rig, jt)
    assert rig.animation_data.action is action
    errs = []
    for f in range(0, track.n_frames, 4):
        scene.frame_set(scene.frame_start + f)
        for side in "LR":
            pb = rig.pose.bones[f"DEF-hand.{side}"]
            errs.append(np.linalg.norm(np.array(pb.head) - plan.targets[side]["wrist"][f]))
    assert max(errs) < 0.01, max(errs)
    travel = np.linalg.norm(np.diff(plan.targets["R"]["wrist"], axis=0), axis=-1).sum()
    assert travel > 0.3
    # the operator does the same (replacing the earlier import of ours, never stacking) and shows the joints
    old = rig.animation_data.action.name
    with bpy.context.temp_override(active_object=rig, object=rig):
        assert bpy.ops.signllm.import_pose(filepath=paths[".pose"], retarget=True) == {"FINISHED"}
    assert rig.animation_data.action.name != old and old not in bpy.data.actions
    assert len([a for a in bpy.data.actions if a.get("signllm")]) == 1
    assert "keys on rig" in scene.signllm_research.last_import


@pytest.mark.skipif(not os.path.isfile(PT_DEV), reason="../shared/data is absent")
def test_import_real_progressive_transformers_sequence(bpy_mod, addon, rigify_scene):
    bpy = bpy_mod
    scene, _, rig = rigify_scene
    n_actions = len(bpy.data.actions)
    with bpy.context.temp_override(active_object=rig, object=rig):
        r = bpy.ops.signllm.import_pose(filepath=PT_DEV, sequence=2, retarget=True)
    assert r == {"FINISHED"}
    assert len(bpy.data.actions) == n_actions + 2     # the rig's new action + the joints' action
    assert "111 frames" in scene.signllm_research.last_import


def test_export_and_compare_operators(bpy_mod, addon, rigify_scene, tmp_path):
    bpy = bpy_mod
    from signllm.inference import formats
    scene, _, rig = rigify_scene
    scene.signllm.text = SENTENCE
    scene.signllm.gloss = ""
    with bpy.context.temp_override(active_object=rig, object=rig):
        for fmt, ext in (("POSE", ".pose"), ("SKELS", ".skels")):
            path = str(tmp_path / f"out{ext}")
            assert bpy.ops.signllm.export_pose(filepath=path, file_format=fmt) == {"FINISHED"}
            (jt,) = formats.load(path)
            assert jt.n_frames > 50
        assert bpy.ops.signllm.compare_reference(filepath=str(tmp_path / "out.pose")) == {"FINISHED"}
    lines = scene.signllm_research.metrics.split("\n")
    assert lines[0].startswith("DTW joint error 0.00") and "travel ratio 1.00" in lines[0]
    assert "duration ratio" in lines[0]


BAD = [("empty.pose", b"", "empty"), ("cut.skels", b"0.1 0.2", "truncated"),
       ("bad.json", b"{not json", "JSON"), ("latin.skels", "caf\xe9".encode("latin-1"), "UTF-8"),
       ("missing.pose", None, "No such file")]


@pytest.mark.parametrize("name,content,message", BAD, ids=[b[0] for b in BAD])
def test_bad_files_report_and_change_nothing(bpy_mod, addon, rigify_scene, tmp_path, name, content, message):
    bpy = bpy_mod
    scene, _, rig = rigify_scene
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    n = (len(bpy.data.actions), len(bpy.data.objects), len(bpy.data.collections))
    action = rig.animation_data.action if rig.animation_data else None
    with bpy.context.temp_override(active_object=rig, object=rig):
        with pytest.raises(RuntimeError, match=message) as info:
            bpy.ops.signllm.import_pose(filepath=str(path), retarget=True)
        assert "Traceback" not in str(info.value)
        with pytest.raises(RuntimeError, match=message):
            bpy.ops.signllm.compare_reference(filepath=str(path))
    assert (len(bpy.data.actions), len(bpy.data.objects), len(bpy.data.collections)) == n
    assert (rig.animation_data.action if rig.animation_data else None) is action


def test_retarget_needs_an_armature(bpy_mod, addon, generated_files):
    bpy = bpy_mod
    _, paths = generated_files
    bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
    with pytest.raises(RuntimeError, match="armature"):
        bpy.ops.signllm.import_pose(filepath=paths[".skels"], retarget=True)


def test_missing_sequence_number(bpy_mod, addon, generated_files):
    bpy = bpy_mod
    _, paths = generated_files
    bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
    n = len(bpy.data.objects)
    with pytest.raises(RuntimeError, match="no number 4"):
        bpy.ops.signllm.import_pose(filepath=paths[".skels"], sequence=4)
    assert len(bpy.data.objects) == n
