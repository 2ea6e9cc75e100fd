"""Studio workflows on a real scene: subtitles, long texts, the gloss editor, exports, picture-in-picture.

The numbers come from the bpy-free `studio` package (cue fitting, chunked jobs, editor rows); this module
only reads the rig, writes the finished plan in one go, and keeps markers and editor rows in step.
"""
import json
import logging
import os

import bpy
import numpy as np

from .. import inference
from ..inference import SignLLMError
from ..inference.arguments import check_options
from ..rigs import blender_io
from ..rigs.profiles import NotHumanoid, detect
from ..rigs.solve import measure_body
from ..studio import glossedit, subtitles
from ..studio.jobs import Cancelled, JobOptions, SignJob  # noqa: F401  (re-exported for scripts)
from .service import check_armature, read_character

log = logging.getLogger(__name__)

CUES_PROP = "signllm_cues"        # scene: the cues last signed (JSON), so the editor can regenerate
EXPORT_FORMATS = ("FBX", "BVH", "GLTF")
REPORT_PROP = "signllm_cue_report"  # scene: the last job's lines about cues that need attention
_CACHE = {}                       # solved cues of this session (see SignJob.cache)


def scene_fps(scene):
    return scene.render.fps / scene.render.fps_base


def prepare(obj, scene, cues, options=None, items=None):
    """A SignJob for `cues` on armature `obj` (reads the rig; writes nothing)."""
    check_armature(obj)
    opt = check_options(options or JobOptions(), ("speed", "letter_hold", "tolerance", "finger_tolerance", "lag",
                                                  "max_sign_rate"))
    opt.fps = scene_fps(scene)
    rig, profile, body = read_character(obj, scene)   # never our earlier signing, whatever the playhead
    return SignJob(cues, body, opt, rig=rig, profile=profile, items=items, cache=_CACHE,
                   rig_key=rig_key(obj, rig, profile))


def rig_key(obj, rig, profile):
    """What a cue's solution depends on besides the cue: the rest pose, and the current pose of the bones the
    solver carries rigidly (the arm chains' ancestors, the head control). Cached cues are reused only then."""
    names = set()
    for side in "LR":
        b = rig[profile.measure("upper_arm", side)].parent
        while b is not None:
            names.add(b)
            b = rig[b].parent
    head = profile.spec.get("head_control")
    if head and head in rig.bones:
        names.add(head)
    rest = np.stack([b.rest for b in rig.bones.values()])
    pose = np.stack([rig[n].pose for n in sorted(names)]) if names else np.zeros(1)
    return (obj.name, profile.label, len(rest), hash(np.round(rest, 6).tobytes()), hash(np.round(pose, 6).tobytes()))


def _write_plan(obj, plan, start, name):
    """write_plan, leaving the scene as it was if writing fails half-way."""
    from . import safety
    with safety.scene_guard(obj, bpy.context.scene):
        return blender_io.write_plan(obj, plan, start, name)


def _write_face(obj, track, start, name, opt):
    """The stitched track's face channels onto the character's face shape keys (as service.generate does)."""
    if track is None or not getattr(opt, "face_shape_keys", True):
        return
    from . import face_mapping
    face_mapping.write_face_shapes(obj, track, start, name, face_mapping.stored(obj)["shapes"],
                                   getattr(opt, "face_track", False))


def cue_marker_name(p):
    text = p.cue.text or "(no words)"
    flag = "" if p.status == "ok" else "! "
    return f"{flag}{p.cue.index}: {text[:28]}"


def finish(obj, scene, job, frame_start=None, set_frame_range=True, label=None):
    """Write a finished job: one action, a marker per cue, editor rows, the cues kept for regeneration."""
    res = job.result
    if res is None or res.plan is None:
        raise SignLLMError("The job has not finished; nothing was written.")
    start = scene.frame_start if frame_start is None else int(frame_start)
    name = "SignLLM " + (label or f"{len(job.cues)} cues")
    action = _write_plan(obj, res.plan, start, name)
    _write_face(obj, res.track, start, name, job.opt)
    # cues joined by pauses: the panel's "Regenerate from Gloss" can read it back (untimed)
    action["signllm_gloss"] = " / ".join(inference.format_gloss(p.items) for p in res.placements if p.items)
    action["signllm_language"] = job.opt.language
    blender_io.replace_markers(scene, [(cue_marker_name(p), start + p.start) for p in res.placements])
    if set_frame_range:
        scene.frame_start = start
        scene.frame_end = start + res.track.n_frames - 1
    scene[CUES_PROP] = json.dumps([[c.index, c.start, c.end, c.text] for c in job.cues])
    scene[REPORT_PROP] = json.dumps(res.report)
    rows = glossedit.rows_from(res.placements, start)
    if hasattr(scene, "signllm_signs"):  # the add-on is registered (scripts may use the API without it)
        set_rows(scene, rows)
    if hasattr(scene, "signllm"):
        scene.signllm.gloss = action["signllm_gloss"][:4000]
        scene.signllm.review = " ".join(dict.fromkeys(r["gloss"] for r in rows if r["review"]))
    return action


def sign_cues(obj, scene, cues, options=None, items=None, progress=None, frame_start=None, label=None):
    """Sign timed cues (or untimed paragraphs) on obj in one action. Returns the JobResult."""
    job = prepare(obj, scene, cues, options, items)
    job.run(progress)
    finish(obj, scene, job, frame_start, label=label)
    return job.result


def sign_subtitles(obj, scene, path, options=None, encoding=None, progress=None, frame_start=None):
    """Sign an .srt / .vtt file (each cue inside its window) or a .txt file (paragraphs in sequence)."""
    _, cues = subtitles.load(path, encoding)
    return sign_cues(obj, scene, cues, options, progress=progress, frame_start=frame_start,
                     label=os.path.basename(path))


def sign_text(obj, scene, text, options=None, progress=None, frame_start=None):
    """A long text in chunks of sentences (the chunked counterpart of service.generate)."""
    check_armature(obj)
    base = prepare(obj, scene, [subtitles.Cue(1, 0, 0, "x")], options)
    job = SignJob.from_text(text, base.body, base.opt, rig=base.rig, profile=base.profile, cache=base.cache,
                            rig_key=base.rig_key)
    job.run(progress)
    finish(obj, scene, job, frame_start, label=text[:30])
    return job.result


# -- gloss editor --------------------------------------------------------------------------------------

def set_rows(scene, rows):
    coll = scene.signllm_signs
    coll.clear()
    for r in rows:
        it = coll.add()
        for k in glossedit.FIELDS:
            setattr(it, k, r[k])
        it.flag = glossedit.flag(r)
    scene.signllm_sign_index = 0 if rows else -1


def glossedit_rows(scene):
    return [{k: getattr(it, k) for k in glossedit.FIELDS} for it in scene.signllm_signs]


def rows_from_service_result(scene, res, frame_start=None):
    """Editor rows after a plain service.generate (one untimed cue holding the whole text)."""
    from ..studio.timing import Placement
    start = scene.frame_start if frame_start is None else frame_start
    cue = subtitles.Cue(1, 0.0, 0.0, "")
    p = Placement(cue, res.items, res.track, frames=res.track.n_frames)
    set_rows(scene, glossedit.rows_from([p], start))
    scene[CUES_PROP] = json.dumps([[1, 0.0, 0.0, ""]])


def jump_to_row(scene, index):
    if 0 <= index < len(scene.signllm_signs):
        scene.frame_set(scene.signllm_signs[index].start)


def insert_pause(scene, index=None, seconds=0.5):
    rows = glossedit_rows(scene)
    i = glossedit.insert_pause(rows, scene.signllm_sign_index if index is None else index, seconds)
    set_rows(scene, rows)
    scene.signllm_sign_index = i
    return i


def regenerate_job(obj, scene, options=None):
    """A job that re-signs every cue from the edited rows (the whole text: see studio.glossedit for why)."""
    rows = glossedit_rows(scene)
    if not rows:
        raise SignLLMError("No generated signs to edit: generate first.")
    opt = options or JobOptions()
    lang = inference.load_language(opt.language)
    bad = glossedit.unknown_glosses(rows, lang.lexicon)
    if bad:
        raise SignLLMError(f"No {opt.language} sign for: {', '.join(bad)}. Use fs-WORD to fingerspell it.")
    cues = {int(i): subtitles.Cue(int(i), float(s), float(e), t)
            for i, s, e, t in json.loads(scene.get(CUES_PROP, "[]"))}

    def lex_duration(g):
        entry = lang.lexicon.get(g)
        return float(entry.get("duration", 0.5)) if entry else 0.5

    items = glossedit.items_by_cue(rows, lex_duration)
    cue_list = [cues.get(i) or subtitles.Cue(i, 0.0, 0.0, "") for i in items]
    return prepare(obj, scene, cue_list, opt, items=items)


def regenerate(obj, scene, options=None, progress=None):
    """Re-sign from the edited sign list and write it (one new action). Returns the JobResult."""
    job = regenerate_job(obj, scene, options)
    job.run(progress)
    finish(obj, scene, job, scene.frame_start, label="edited")
    return job.result


# -- exports -------------------------------------------------------------------------------------------

def _deform_meshes(obj):
    return [o for o in bpy.data.objects if o.type == "MESH" and (o.parent is obj or any(
        m.type == "ARMATURE" and m.object is obj for m in o.modifiers))]


def export(obj, scene, path, fmt=None, deform_only=True, with_meshes=True):
    """Write the animated character with Blender's own exporter (FBX, BVH or glTF). Returns the path."""
    check_armature(obj)
    fmt = (fmt or os.path.splitext(path)[1].lstrip(".")).upper()
    fmt = {"GLB": "GLTF"}.get(fmt, fmt)
    if fmt not in EXPORT_FORMATS:
        raise SignLLMError(f"Unknown export format {fmt!r}: use FBX, BVH or glTF (.fbx, .bvh, .glb).")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise SignLLMError(f"The folder {folder!r} does not exist.")
    if not obj.animation_data or not obj.animation_data.action:
        raise SignLLMError(f"'{obj.name}' has no animation to export: generate signing first.")
    if obj.mode != "OBJECT":
        bpy.ops.object.mode_set(mode="OBJECT")
    objs = [obj] + (_deform_meshes(obj) if with_meshes and fmt != "BVH" else [])
    prev_sel = [o for o in bpy.context.view_layer.objects if o.select_get()]
    prev_active = bpy.context.view_layer.objects.active
    for o in prev_sel:
        o.select_set(False)
    for o in objs:
        o.select_set(True)
    bpy.context.view_layer.objects.active = obj
    f0, f1 = scene.frame_start, scene.frame_end
    try:
        with bpy.context.temp_override(active_object=obj, object=obj, selected_objects=objs):
            if fmt == "FBX":
                bpy.ops.export_scene.fbx(filepath=path, use_selection=True, object_types={"ARMATURE", "MESH"},
                                         use_armature_deform_only=deform_only, add_leaf_bones=False,
                                         bake_anim=True, bake_anim_use_all_actions=False,
                                         bake_anim_use_nla_strips=False, bake_anim_simplify_factor=0.0)
            elif fmt == "BVH":
                bpy.ops.export_anim.bvh(filepath=path, frame_start=f0, frame_end=f1, root_transform_only=False)
            else:
                bpy.ops.export_scene.gltf(filepath=path, export_format="GLB" if path.lower().endswith(".glb")
                                          else "GLTF_SEPARATE", use_selection=True, export_animations=True,
                                          export_def_bones=deform_only, export_force_sampling=True,
                                          export_animation_mode="ACTIVE_ACTIONS", export_optimize_animation_size=False)
    except RuntimeError as exc:
        raise SignLLMError(f"Blender's {fmt} exporter failed: {str(exc).strip()[:300]}") from None
    finally:
        for o in objs:
            o.select_set(False)
        for o in prev_sel:
            if o.name in bpy.context.view_layer.objects:
                o.select_set(True)
        bpy.context.view_layer.objects.active = prev_active
    if not os.path.exists(path):
        raise SignLLMError(f"Blender's {fmt} exporter wrote nothing to {path!r}.")
    return path


# -- picture-in-picture ------------------------------------------------------------------------------

def _bone_world(obj, names):
    pts = []
    for n in names:
        pb = obj.pose.bones.get(n)
        if pb is not None:
            pts.append(np.array(obj.matrix_world @ pb.head))
            pts.append(np.array(obj.matrix_world @ pb.tail))
    return np.array(pts)


def setup_pip(scene, obj, size=0.3, corner="BOTTOM_RIGHT", margin=0.15, resolution=None, name="SignLLM PiP"):
    """A camera framing the signer's upper body (head to waist, elbow to elbow, plus signing space)
    and a transparent film, so the render is an RGBA overlay for a corner of a video.

    size is the overlay's height as a fraction of the output video height; the render resolution
    is set to that fraction of `resolution` (default: the scene's), so it drops straight into a corner.
    Returns the camera object. Existing cameras are kept; the scene camera is switched to the new one.
    """
    from mathutils import Vector
    check_armature(obj)
    rig = blender_io.read_rig(obj)      # armature space (the camera is placed with matrix_world below)
    try:
        profile = detect(rig, blender_io.stored_mapping(obj))
    except NotHumanoid as exc:
        raise SignLLMError(str(exc)) from None
    body = measure_body(rig, profile)
    M = np.array(obj.matrix_world)
    to_w = lambda p: (M @ np.append(p, 1.0))[:3]  # noqa: E731
    head_top = to_w(body.joints["head_top"])
    sh = [to_w(body.joints[f"shoulder_{s}"]) for s in "LR"]
    centre_sh = (sh[0] + sh[1]) / 2
    W = np.linalg.norm(sh[0] - sh[1])
    up = M[:3, :3] @ body.up
    up /= np.linalg.norm(up)
    fwd = M[:3, :3] @ body.forward
    fwd /= np.linalg.norm(fwd)
    top = head_top + (M[:3, :3] @ body.up) * body.H * 0.45  # room for a hand raised above the head
    bottom = centre_sh - up * W * 1.6            # about the waist: signing space reaches it
    half_w = W * 1.45                            # elbows out plus the signing space at the sides
    height = float(np.dot(top - bottom, up)) * (1 + margin)
    width = 2 * half_w * (1 + margin)
    target = bottom + up * float(np.dot(top - bottom, up)) / 2
    cam_data = bpy.data.cameras.new(name)
    cam_data.type = "ORTHO"
    rx = resolution or (scene.render.resolution_x, scene.render.resolution_y)
    out_h = max(16, 2 * int(round(rx[1] * size / 2)))        # even sizes: video encoders need them
    out_w = max(16, 2 * int(round(out_h * width / height / 2)))
    cam_data.ortho_scale = max(width, height)
    cam = bpy.data.objects.new(name, cam_data)
    scene.collection.objects.link(cam)
    cam.location = Vector(target + fwd * 3.0)
    cam.rotation_euler = Vector(-fwd).to_track_quat("-Z", "Y").to_euler()
    scene.camera = cam
    scene.render.resolution_x, scene.render.resolution_y = out_w, out_h
    scene.render.resolution_percentage = 100
    scene.render.film_transparent = True
    scene.render.image_settings.file_format = "PNG"
    scene.render.image_settings.color_mode = "RGBA"
    cam["signllm_pip_corner"] = corner
    cam["signllm_pip_size"] = float(size)
    return cam


def render_frames(scene, folder, frames=None, engine="BLENDER_WORKBENCH"):
    """Render frames (default: every frame of the range) as PNGs into folder; returns the paths."""
    os.makedirs(folder, exist_ok=True)
    if scene.camera is None:
        raise SignLLMError("The scene has no camera to render from (use the picture-in-picture setup).")
    scene.render.engine = engine
    paths = []
    for f in (frames if frames is not None else range(scene.frame_start, scene.frame_end + 1)):
        scene.frame_set(int(f))
        scene.render.filepath = os.path.join(folder, f"frame_{int(f):05d}.png")
        bpy.ops.render.render(write_still=True)
        paths.append(scene.render.filepath)
    return paths
