"""Studio workflows on real Blender with a generated Rigify rig: subtitles, gloss editor, cancel,
exports round-tripped through Blender's own importers, picture-in-picture, preferences, batch CLI."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT

SRT = """1
00:00:00,500 --> 00:00:04,000
Hello, what is your name?

2
00:00:05,000 --> 00:00:07,000
Thank you.

3
00:00:07,500 --> 00:00:08,000
My name is Anna and I like to learn sign language.
"""


@pytest.fixture
def srt_path(tmp_path):
    p = tmp_path / "subs.srt"
    p.write_text(SRT)
    return str(p)


def hand_positions(scene, ob, frames, bones=("DEF-hand.L", "DEF-hand.R")):
    out = []
    for f in frames:
        scene.frame_set(int(f))
        out.append([np.array(ob.matrix_world @ ob.pose.bones[b].head) for b in bones])
    return np.array(out)


def test_subtitles_sign_each_cue_in_its_window(bpy_mod, rigify_scene, srt_path):
    from signllm.signllm_blender import studio
    scene, _, rig = rigify_scene
    scene.render.fps = 24
    scene.frame_start = 1
    scene.timeline_markers.new("user marker", frame=3)
    n_actions = len(bpy_mod.data.actions)
    res = studio.sign_subtitles(rig, scene, srt_path)
    assert len(bpy_mod.data.actions) == n_actions + 1, "one generation writes one action"
    marks = sorted((m.frame, m.name) for m in scene.timeline_markers)
    ours = [m for m in marks if m[1] != "user marker"]
    assert [f for f, _ in ours] == [1 + 12, 1 + 120, 1 + 180]
    assert ours[0][1].startswith("1: Hello") and ours[2][1].startswith("! 3: My name")
    assert ("user marker" in [n for _, n in marks])
    assert json.loads(scene["signllm_cue_report"]) == res.report and len(res.report) == 1
    p1, p2, p3 = res.placements
    assert (p1.status, p2.status, p3.status) == ("ok", "ok", "overrun")
    # measured on the rig (depsgraph-evaluated): the deform hands follow the targets in every cue
    T = res.track.n_frames
    frames = np.arange(T)
    got = hand_positions(scene, rig, frames + scene.frame_start, ("DEF-hand.L", "DEF-hand.R"))
    tgt = np.stack([res.plan.targets[s]["wrist"] for s in "LR"], 1)
    tgt = np.einsum("ij,tkj->tki", np.array(rig.matrix_world)[:3, :3], tgt) + np.array(rig.matrix_world)[:3, 3]
    err = np.linalg.norm(got - tgt, axis=-1)
    assert err.max() < 0.01, f"hand {err.max() * 1000:.1f} mm from its target"
    # the signing of cue 1 ends inside its window; the gap before cue 2 is a still rest pose
    assert p1.end <= round(4.0 * 24)
    gap = got[p1.end + 1:p2.start]
    assert len(gap) > 10 and np.abs(gap - gap[0]).max() < 0.002
    rots = []
    for f in range(p1.end + 1, p2.start):
        scene.frame_set(scene.frame_start + f)
        rots.append(np.array(rig.pose.bones["DEF-hand.R"].matrix)[:3, :3])
    assert np.abs(np.array(rots) - rots[0]).max() < 1e-3, "the hand does not turn while resting between cues"
    travel = np.linalg.norm(np.diff(got[p1.start:p1.end, 1], axis=0), axis=-1).sum()
    assert travel > 0.3
    assert scene.frame_end - scene.frame_start + 1 >= T, "the range covers the signing (never shrunk)"


def test_subtitle_operator_reports_bad_files_and_changes_nothing(bpy_mod, addon, rigify_scene, tmp_path, srt_path):
    bpy = bpy_mod
    scene, _, rig = rigify_scene
    latin = tmp_path / "latin.srt"
    latin.write_bytes(SRT.replace("Thank you.", "Merci, café.").encode("latin-1"))
    corrupt = tmp_path / "c.vtt"
    corrupt.write_text("WEBVTT\n\n00:01.000 --> later\nHi\n")
    n_actions = len(bpy.data.actions)
    with bpy.context.temp_override(active_object=rig, object=rig, selected_objects=[rig]):
        for path, message in ((str(tmp_path / "none.srt"), "File not found"), (str(latin), "not UTF-8"),
                              (str(corrupt), "line 3"), (str(tmp_path / "empty.vtt"), "empty")):
            if path.endswith("empty.vtt"):
                open(path, "w").close()
            with pytest.raises(RuntimeError, match=message) as info:
                bpy.ops.signllm.sign_subtitles(filepath=path)
            assert "Traceback" not in str(info.value)
        assert len(bpy.data.actions) == n_actions
        assert bpy.ops.signllm.sign_subtitles(filepath=str(latin), encoding="latin-1") == {"FINISHED"}
    assert len(bpy.data.actions) == n_actions + 1
    assert [r.gloss for r in scene.signllm_signs if r.kind != "pause"][:4] == ["HELLO", "YOUR", "NAME", "WHAT"]
    assert {r.cue for r in scene.signllm_signs} == {1, 2, 3}
    assert bpy.types.SIGNLLM_OT_sign_subtitles.bl_options == {"REGISTER", "UNDO"}


def test_cancelled_job_leaves_the_scene_as_it_was(bpy_mod, rigify_scene, srt_path):
    from signllm.signllm_blender import studio
    from signllm.studio import subtitles
    from signllm.studio.jobs import Cancelled
    scene, _, rig = rigify_scene
    before = (len(bpy_mod.data.actions), [(m.name, m.frame) for m in scene.timeline_markers],
              rig.animation_data.action if rig.animation_data else None, scene.frame_end, dict(scene.items()))
    _, cues = subtitles.load(srt_path)
    job = studio.prepare(rig, scene, cues)
    steps = job.steps()
    next(steps)
    next(steps)
    job.cancel()   # what Esc does in the modal operator
    with pytest.raises(Cancelled):
        next(steps)
    with pytest.raises(studio.SignLLMError, match="not finished"):
        studio.finish(rig, scene, job)
    after = (len(bpy_mod.data.actions), [(m.name, m.frame) for m in scene.timeline_markers],
             rig.animation_data.action if rig.animation_data else None, scene.frame_end, dict(scene.items()))
    assert after == before


def test_gloss_editor_jump_edit_pause_regenerate(bpy_mod, addon, rigify_scene):
    bpy = bpy_mod
    scene, _, rig = rigify_scene
    with bpy.context.temp_override(active_object=rig, object=rig, selected_objects=[rig]):
        assert bpy.ops.signllm.generate(text="Hello, what is your name, Anna?") == {"FINISHED"}
        rows = scene.signllm_signs
        glosses = [r.gloss for r in rows]
        assert glosses[:1] == ["HELLO"] and "fs-ANNA" in glosses
        spelled = rows[glosses.index("fs-ANNA")]
        assert spelled.flag == "fingerspelled" and spelled.source == "fingerspelling"
        assert rows[0].flag == "" and rows[0].source == "lexicon"
        # selecting a row moves the playhead to it
        i = glosses.index("NAME")
        scene.signllm_sign_index = i
        assert scene.frame_current == rows[i].start
        start_what = rows[glosses.index("WHAT")].start
        name_frames = rows[i].frames
        # faster NAME, a 1 s pause after HELLO, YOUR -> MY; one regeneration
        rows[i].speed = 2.0
        rows[glosses.index("YOUR")].gloss = "MY"
        scene.signllm_sign_index = 0
        assert bpy.ops.signllm.signs_insert_pause(seconds=1.0) == {"FINISHED"}
        assert [r.gloss for r in rows][:2] == ["HELLO", "/"]
        n_actions = len(bpy.data.actions)
        assert bpy.ops.signllm.signs_regenerate() == {"FINISHED"}
        assert len(bpy.data.actions) == n_actions, "the edited signing replaces the earlier one"
    rows = scene.signllm_signs
    new = [r.gloss for r in rows]
    assert new == ["HELLO", "/"] + ["MY" if g == "YOUR" else g for g in glosses[1:]], new
    new_name = rows[new.index("NAME")]
    assert abs(new_name.frames - name_frames / 2) <= 2, (new_name.frames, name_frames)
    # the inserted 1 s pause moves WHAT later by about 1 s (minus what the faster NAME saved)
    shift = rows[new.index("WHAT")].start - start_what
    assert rows[1].gloss == "/" and rows[1].frames == 24, "the inserted pause lasts 1 s"
    # (MY replaced YOUR too, with its own length and transitions, so only the sign of the shift is exact)
    assert 6 <= shift <= 24 + 6, shift
    assert "MY" in scene.signllm.gloss
    rows[new.index("NAME")].gloss = "NOSUCHSIGN"
    # an unknown gloss is refused with the same message as the generator's
    with bpy.context.temp_override(active_object=rig, object=rig, selected_objects=[rig]):
        with pytest.raises(RuntimeError, match="No ASL sign for: NOSUCHSIGN"):
            bpy.ops.signllm.signs_regenerate()


@pytest.fixture(scope="module")
def exported(bpy_mod, rigify_blend, tmp_path_factory):
    """Sign once, export FBX / BVH / glB, and record the source hand and fingertip positions per frame."""
    from signllm.signllm_blender import studio
    from signllm.studio import subtitles
    bpy = bpy_mod
    bpy.ops.wm.open_mainfile(filepath=rigify_blend)
    scene, rig = bpy.context.scene, bpy.data.objects["rig"]
    scene.render.fps = 24
    studio.sign_cues(rig, scene, [subtitles.Cue(1, 0.2, 3.0, "Hello, what is your name?")])
    d = tmp_path_factory.mktemp("export")
    paths = {fmt: str(d / f"sign.{ext}") for fmt, ext in (("FBX", "fbx"), ("BVH", "bvh"), ("GLTF", "glb"))}
    for fmt, p in paths.items():
        assert studio.export(rig, scene, p, fmt) == p and os.path.getsize(p) > 1000
    frames = list(range(scene.frame_start, scene.frame_end + 1, 3))
    bones = ("DEF-hand.L", "DEF-hand.R", "DEF-f_index.03.R")
    src = hand_positions(scene, rig, frames, bones)
    return paths, frames, bones, src, scene.render.fps


# measured on this rig (max over frames, mm): FBX hand 7.1 / fingertip 10.8, glTF 4.4 / 9.9, BVH 18 / 62.
# BVH carries no bone scale and Rigify's IK arm squashes ~2 % (DEF arm bones scale 0.98 in Y);
# FBX and glTF keep scale but inherit non-uniform parent scale differently from Blender.
# Since the solver picks the elbow for human ranges of motion (issue 13), the upper arm turns further from
# its rest roll in some transitions and the squashed DEF chain shears more: BVH hand 46-62 mm, fingertip 85 mm (the
# error starts at DEF-upper_arm.001, 19 mm, while ORG-forearm stays within 5 mm).
TOLERANCE = {"FBX": (0.012, 0.018), "GLTF": (0.008, 0.015), "BVH": (0.07, 0.10)}


@pytest.mark.parametrize("fmt", ["FBX", "GLTF", "BVH"])
def test_export_roundtrip_matches_the_hands(bpy_mod, exported, fmt):
    bpy = bpy_mod
    paths, frames, bones, src, fps = exported
    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    scene.render.fps = fps
    if fmt == "FBX":
        bpy.ops.import_scene.fbx(filepath=paths[fmt], anim_offset=0.0)
    elif fmt == "BVH":
        bpy.ops.import_anim.bvh(filepath=paths[fmt], axis_forward="Y", axis_up="Z")
    else:
        bpy.ops.import_scene.gltf(filepath=paths[fmt])
    arm = next(o for o in bpy.data.objects if o.type == "ARMATURE")
    got = hand_positions(scene, arm, frames, bones)
    err = np.linalg.norm(got - src, axis=-1)
    hand_tol, tip_tol = TOLERANCE[fmt]
    assert err[:, :2].max() < hand_tol, f"{fmt} hand off by {err[:, :2].max() * 1000:.1f} mm"
    assert err[:, 2].max() < tip_tol, f"{fmt} fingertip off by {err[:, 2].max() * 1000:.1f} mm"
    # the comparison can fail: the motion is far larger than the tolerance, and one frame off is caught
    assert np.linalg.norm(np.diff(src[:, 1], axis=0), axis=-1).max() > 3 * hand_tol
    shifted = np.linalg.norm(got[1:] - src[:-1], axis=-1)[:, :2].max()
    assert shifted > hand_tol


def test_export_refuses_bad_requests(bpy_mod, addon, rigify_scene, tmp_path):
    from signllm.signllm_blender import studio
    bpy = bpy_mod
    scene, _, rig = rigify_scene
    with bpy.context.temp_override(active_object=rig, object=rig, selected_objects=[rig]):
        with pytest.raises(RuntimeError, match="no animation"):
            bpy.ops.signllm.export(filepath=str(tmp_path / "a.glb"), format="GLTF")
        assert bpy.ops.signllm.sign_long_text(text="Hello.") == {"FINISHED"}
        assert bpy.ops.signllm.export(filepath=str(tmp_path / "b"), format="GLTF") == {"FINISHED"}
    assert (tmp_path / "b.glb").stat().st_size > 1000
    rig.animation_data_clear()
    with pytest.raises(studio.SignLLMError, match="no animation"):
        studio.export(rig, scene, str(tmp_path / "a.fbx"))
    with pytest.raises(studio.SignLLMError, match="Unknown export format"):
        studio.export(rig, scene, str(tmp_path / "a.obj"))
    with pytest.raises(studio.SignLLMError, match="does not exist"):
        studio.export(rig, scene, str(tmp_path / "nope" / "a.fbx"))


def test_picture_in_picture_frames_the_signer(bpy_mod, rigify_scene, tmp_path):
    from bpy_extras.object_utils import world_to_camera_view
    from signllm.signllm_blender import demo_scene, studio
    from signllm.studio import subtitles
    bpy = bpy_mod
    scene, _, rig = rigify_scene
    demo_scene.add_mannequin(rig)
    studio.sign_cues(rig, scene, [subtitles.Cue(1, 0.0, 3.0, "Hello, what is your name?")])
    cam = studio.setup_pip(scene, rig, size=0.25, resolution=(640, 360))
    assert scene.camera is cam and scene.render.film_transparent
    assert scene.render.resolution_y == 90
    # head top, both hands and fingertips stay inside the frame on every frame of the signing
    worst = 1.0
    for f in range(scene.frame_start, scene.frame_end + 1):
        scene.frame_set(f)
        for b in ("DEF-spine.006", "DEF-hand.L", "DEF-hand.R", "DEF-f_middle.03.R", "DEF-f_middle.03.L"):
            pb = rig.pose.bones[b]
            for p in (pb.head, pb.tail):
                v = world_to_camera_view(scene, cam, rig.matrix_world @ p)
                worst = min(worst, v.x, v.y, 1 - v.x, 1 - v.y)
    assert worst > 0.0, "a hand or the head leaves the picture"
    paths = studio.render_frames(scene, str(tmp_path), [scene.frame_start + 20])
    img = bpy.data.images.load(paths[0])
    w, h = img.size
    px = np.empty(w * h * 4, np.float32)
    img.pixels.foreach_get(px)
    alpha = px.reshape(h, w, 4)[..., 3]
    assert (w, h) == (scene.render.resolution_x, 90)
    assert alpha[0, 0] == 0.0 and alpha[-1, -1] == 0.0, "transparent background"
    assert 0.05 < (alpha > 0.5).mean() < 0.7, "the signer covers part of the picture"


def test_preferences_defaults_fps_and_model_folder(bpy_mod, addon, rigify_scene):
    bpy = bpy_mod
    preferences = sys.modules[addon.__name__ + ".signllm_blender.preferences"]  # the registered copy
    scene, _, rig = rigify_scene
    prefs = bpy.context.preferences.addons[addon.__name__].preferences
    prefs.speed, prefs.left_handed, prefs.fps_mode, prefs.fps = 1.3, True, "SET", 30
    folder = preferences.model_folder(prefs)
    assert folder and os.path.isdir(folder) and "signllm_blender" in folder
    try:
        with bpy.context.temp_override(active_object=rig, object=rig, selected_objects=[rig]):
            assert bpy.ops.signllm.sign_long_text(text="Hello. Thank you.") == {"FINISHED"}
        assert scene.signllm.speed == pytest.approx(1.3) and scene.signllm.left_handed
        assert scene.render.fps == 30
        pos = hand_positions(scene, rig, range(scene.frame_start, scene.frame_end + 1))
        travel = np.linalg.norm(np.diff(pos, axis=0), axis=-1).sum(axis=0)
        assert travel[0] > 2 * travel[1], f"a left-handed signer signs with the left hand {travel}"
        prefs.speed = 0.8
        scene.signllm.left_handed = False          # what the user sets stays theirs
        with bpy.context.temp_override(active_object=rig, object=rig, selected_objects=[rig]):
            assert bpy.ops.signllm.generate(text="Hello.") == {"FINISHED"}
        assert scene.signllm.speed == pytest.approx(1.3) and not scene.signllm.left_handed
        with bpy.context.temp_override(scene=scene):
            bpy.ops.signllm.apply_preferences()
        assert scene.signllm.speed == pytest.approx(0.8) and scene.signllm.left_handed
    finally:
        prefs.speed, prefs.left_handed, prefs.fps_mode = 1.0, False, "KEEP"


def test_batch_in_process_exit_codes(bpy_mod, rigify_blend, tmp_path, srt_path):
    from signllm.signllm_blender import batch
    out = str(tmp_path / "out.blend")
    latin = tmp_path / "latin.srt"
    latin.write_bytes("1\n00:00:01,000 --> 00:00:02,000\nCafé\n".encode("latin-1"))
    text = tmp_path / "t.txt"
    text.write_text("Hello. Thank you.")
    assert batch.main([rigify_blend, str(tmp_path / "none.srt"), "-o", out]) == batch.BAD_INPUT
    assert batch.main([str(tmp_path / "x.blend"), srt_path, "-o", out]) == batch.BAD_INPUT
    assert batch.main([rigify_blend, str(latin), "-o", out]) == batch.BAD_INPUT
    assert batch.main([rigify_blend, srt_path, "-o", rigify_blend]) == batch.BAD_INPUT
    assert batch.main([rigify_blend, srt_path, "-o", out, "--armature", "nobody"]) == batch.BAD_INPUT
    assert batch.main([rigify_blend, srt_path, "-o", out, "--export", "a.obj"]) == batch.BAD_INPUT
    assert batch.main([rigify_blend, srt_path, "-o", out, "--bogus"]) == batch.BAD_INPUT
    assert not os.path.exists(out)
    # several humanoids (metarig and rig): picks the active one; --strict flags cue 3 (cannot fit)
    assert batch.main([rigify_blend, srt_path, "-o", out, "--strict"]) == batch.ATTENTION
    assert os.path.exists(out)
    hello = tmp_path / "hello.txt"
    hello.write_text("Hello.")
    video = tmp_path / "v.mp4"
    assert batch.main([rigify_blend, str(hello), "-o", out, "--armature", "rig", "--video", str(video)]) == batch.OK
    assert video.stat().st_size > 1000
    assert batch.main([rigify_blend, str(text), "-o", out, "--armature", "rig"]) == batch.OK


def test_batch_command_line_end_to_end(tmp_path, srt_path, rigify_blend):
    out = tmp_path / "out.blend"
    frames = tmp_path / "frames"
    glb = tmp_path / "sign.glb"
    r = subprocess.run([sys.executable, os.path.join(ROOT, "build.py"), "batch", rigify_blend, srt_path,
                        "-o", str(out), "--render", str(frames), "--frame-step", "100", "--export", str(glb)],
                       capture_output=True, text=True, cwd=str(tmp_path))
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert "cue 3 (00:00:07.500)" in r.stdout and "subtitles: " in r.stdout
    assert out.exists() and glb.exists()
    pngs = sorted(os.listdir(frames))
    assert len(pngs) >= 3 and all(p.endswith(".png") for p in pngs)
    check = ("import bpy, json; bpy.ops.wm.open_mainfile(filepath=%r); r = bpy.data.objects['rig']; "
             "print('RESULT', json.dumps([r.animation_data.action.name, len(bpy.context.scene.timeline_markers)]))"
             % str(out))
    r2 = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True)
    line = next(l for l in r2.stdout.splitlines() if l.startswith("RESULT"))
    name, n_markers = json.loads(line[len("RESULT "):])
    assert name.startswith("SignLLM subs.srt") and n_markers == 3
    bad = subprocess.run([sys.executable, os.path.join(ROOT, "build.py"), "batch", rigify_blend,
                          str(tmp_path / "missing.srt"), "-o", str(out)], capture_output=True, text=True)
    assert bad.returncode == 2 and "does not exist" in bad.stderr and "Traceback" not in bad.stderr


def _keys(rig):
    """Every curve of the rig's action evaluated on every frame (what plays, not how it is keyed)."""
    from bpy_extras import anim_utils
    ad = rig.animation_data
    cb = anim_utils.action_get_channelbag_for_slot(ad.action, ad.action_slot)
    out = {}
    for fc in cb.fcurves:
        lo, hi = (int(v) for v in fc.range())
        out[(fc.data_path, fc.array_index)] = np.array([fc.evaluate(f) for f in range(lo, hi + 1)])
    return out


def test_editing_one_cue_resolves_only_that_cue_and_matches_a_full_regeneration(bpy_mod, addon, rigify_scene, tmp_path):
    from signllm.signllm_blender import studio
    scene, _, rig = rigify_scene
    scene.render.fps = 24
    p = tmp_path / "fit.srt"
    p.write_text("1\n00:00:00,500 --> 00:00:04,500\nHello, what is your name?\n\n"
                 "2\n00:00:31,000 --> 00:00:34,000\nThank you, mother.\n\n"
                 "3\n00:01:02,000 --> 00:01:04,000\nGood morning.\n")   # three solve groups (30 s each)
    studio._CACHE.clear()
    res = studio.sign_subtitles(rig, scene, str(p))
    assert [q.status for q in res.placements] == ["ok", "ok", "ok"]
    rows = scene.signllm_signs
    i = next(k for k, r in enumerate(rows) if r.cue == 2 and r.kind == "sign")
    before = rows[i].frames
    rows[i].speed = 1.5
    scene.frame_set(100)                # the playhead must not matter
    part = studio.regenerate(rig, scene)
    assert part.reused == 2, "cues 1 and 3 are taken as they were; only cue 2 is re-synthesised and solved"
    assert rows[i].frames < before
    partial = _keys(rig)
    studio._CACHE.clear()
    full = studio.regenerate(rig, scene)
    assert full.reused == 0
    whole = _keys(rig)
    assert partial.keys() == whole.keys()
    diffs = {k: float(np.abs(partial[k] - whole[k]).max()) for k in whole}
    worst = max(diffs.values())
    # the same motion within the key-reduction budget (keys may sit a frame apart where a curve is flat)
    assert worst < 2e-3, sorted(diffs.items(), key=lambda kv: -kv[1])[:3]


def test_panel_icons_exist(bpy_mod):
    """Panels cannot draw headless; at least every icon they name is one Blender has."""
    import re
    icons = {e.identifier for e in bpy_mod.types.UILayout.bl_rna.functions["prop"].parameters["icon"].enum_items}
    src = open(os.path.join(ROOT, "signllm_blender", "studio_panels.py")).read()
    src += open(os.path.join(ROOT, "signllm_blender", "preferences.py")).read()
    used = set(re.findall(r'icon="([A-Z_]+)"', src)) | set(re.findall(r'"([A-Z_]{3,})"', src.split("class")[0]))
    used = {u for u in used if u.isupper() and u not in ("KEEP", "SET")}
    assert used and used <= icons, used - icons
