"""Studio workflows on a real scene: subtitles, long texts, the gloss editor, exports, picture-in-picture.

The numbers come from the bpy-free `studio` package (cue fitting, chunked jobs, editor rows); this module
only reads the rig, writes the finished plan in one go, and keeps markers and editor rows in step.
"""
import logging
import os

import bpy
import numpy as np

from .. import inference
from ..inference import SignLLMError
from ..rigs import blender_io
from ..rigs.profiles import NotHumanoid, detect
from ..rigs.solve import measure_body
from ..studio import export_formats, glossedit, subtitles
from ..studio.jobs import Cancelled, JobOptions, SignJob  # noqa: F401  (re-exported for scripts)
from ..studio.options import Options
from . import service, signs
from .service import (CUES_PROP, REPORT_PROP, _CACHE, check_armature, cue_marker_name,  # noqa: F401
                      rig_key, scene_fps)

log = logging.getLogger(__name__)

EXPORT_FORMATS = tuple(f.key for f in export_formats.FORMATS)


def prepare(obj, scene, cues, options=None, items=None):
    """A SignJob for `cues` on armature `obj` (reads the rig; writes nothing)."""
    return service.job_for(obj, scene, options, cues=cues, items=items)


def finish(obj, scene, job, frame_start=None, set_frame_range=True, label=None):
    """Write a finished job (service.write: one action, markers, the Signs list, the cues kept)."""
    opt = job.opt.with_(frame_start=frame_start if frame_start is not None else job.opt.frame_start,
                        set_frame_range=set_frame_range and job.opt.set_frame_range)
    return service.write(obj, scene, job, opt, label=label)


def sign_cues(obj, scene, cues, options=None, items=None, progress=None, frame_start=None, label=None):
    """Sign timed cues (or untimed paragraphs) on obj in one action. Returns the JobResult."""
    opt = (options or Options()).with_(frame_start=frame_start) if frame_start is not None else options
    return service.sign_cues(obj, scene, cues, opt, items, progress, label).job.result


def sign_subtitles(obj, scene, path, options=None, encoding=None, progress=None, frame_start=None):
    """Sign an .srt / .vtt file (each cue inside its window) or a .txt file (paragraphs in sequence)."""
    _, cues = subtitles.load(path, encoding)
    return sign_cues(obj, scene, cues, options, progress=progress, frame_start=frame_start,
                     label=os.path.basename(path))


def sign_text(obj, scene, text, options=None, progress=None, frame_start=None):
    """A long text in chunks of sentences: the same pipeline as service.generate (which this is)."""
    opt = (options or Options()).with_(frame_start=frame_start) if frame_start is not None else options
    return service.generate(obj, scene, text=text, options=opt, progress=progress).job.result


# -- gloss editor --------------------------------------------------------------------------------------

set_rows = signs.set_rows
glossedit_rows = signs.rows


def rows_from_service_result(scene, res, frame_start=None):
    """Editor rows after a plain service.generate (service.write fills them already; kept for scripts)."""
    start = scene.frame_start if frame_start is None else frame_start
    signs.set_rows(scene, glossedit.rows_from(res.job.result.placements, start) if res.job else [])


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
    """A job that re-signs from the edited rows: each cue keeps its timing, unchanged cues are reused."""
    rows = glossedit_rows(scene)
    if not rows:
        raise SignLLMError("No generated signs to edit: generate first.")
    opt = options or Options()
    lang = inference.load_language(opt.language)
    bad = glossedit.unknown_glosses(rows, lang.lexicon)
    if bad:
        raise SignLLMError(f"No {opt.language} sign for: {', '.join(bad)}. Use fs-WORD to fingerspell it.")
    stored = {c.index: c for c in service.stored_signing(obj, scene)["cues"]}

    def lex_duration(g):
        entry = lang.lexicon.get(g)
        return float(entry.get("duration", 0.5)) if entry else 0.5

    items = glossedit.items_by_cue(rows, lex_duration)
    cue_list = [stored.get(i) or subtitles.Cue(i, 0.0, 0.0, "") for i in items]
    return prepare(obj, scene, cue_list, opt, items=items)


def regenerate(obj, scene, options=None, progress=None):
    """Re-sign from the edited sign list and write it (replacing the previous signing). Returns the JobResult."""
    job = regenerate_job(obj, scene, options)
    job.run(progress)
    finish(obj, scene, job, scene.frame_start, label="edited")
    return job.result


# -- exports -------------------------------------------------------------------------------------------

def _deform_meshes(obj):
    return [o for o in bpy.data.objects if o.type == "MESH" and (o.parent is obj or any(
        m.type == "ARMATURE" and m.object is obj for m in o.modifiers))]


def _export_fbx(path, scene, deform_only):
    bpy.ops.export_scene.fbx(filepath=path, use_selection=True, object_types={"ARMATURE", "MESH"},
                             use_armature_deform_only=deform_only, add_leaf_bones=False,
                             bake_anim=True, bake_anim_use_all_actions=False,
                             bake_anim_use_nla_strips=False, bake_anim_simplify_factor=0.0)


def _export_bvh(path, scene, deform_only):
    bpy.ops.export_anim.bvh(filepath=path, frame_start=scene.frame_start, frame_end=scene.frame_end,
                            root_transform_only=False)


def _export_gltf(path, scene, deform_only):
    bpy.ops.export_scene.gltf(filepath=path, export_format="GLB" if path.lower().endswith(".glb")
                              else "GLTF_SEPARATE", use_selection=True, export_animations=True,
                              export_def_bones=deform_only, export_force_sampling=True,
                              export_animation_mode="ACTIVE_ACTIONS", export_optimize_animation_size=False)


EXPORTERS = {"FBX": _export_fbx, "BVH": _export_bvh, "GLTF": _export_gltf}   # keyed by export_formats.FORMATS


def export(obj, scene, path, fmt=None, deform_only=True, with_meshes=True):
    """Write the animated character with Blender's own exporter (studio/export_formats.py lists them).
    The selection, active object and the armature's mode are as they were afterwards. Returns the path."""
    check_armature(obj)
    form = export_formats.for_path(path, fmt)
    if form is None:
        raise SignLLMError(f"Unknown export format {(fmt or os.path.splitext(path)[1])!r}: use "
                           f"{export_formats.describe()}.")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise SignLLMError(f"The folder {folder!r} does not exist.")
    ad = obj.animation_data
    if not ad or not (ad.action or any(t.strips for t in ad.nla_tracks)):
        raise SignLLMError(f"'{obj.name}' has no animation to export: generate signing first.")
    vl = bpy.context.view_layer
    prev_sel = [o for o in vl.objects if o.select_get()]
    prev_active = vl.objects.active
    prev_mode = obj.mode
    if prev_mode != "OBJECT":
        with bpy.context.temp_override(active_object=obj, object=obj):
            bpy.ops.object.mode_set(mode="OBJECT")
    objs = [obj] + (_deform_meshes(obj) if with_meshes and form.meshes else [])
    for o in prev_sel:
        o.select_set(False)
    for o in objs:
        o.select_set(True)
    vl.objects.active = obj
    frame = scene.frame_current
    scene.frame_set(scene.frame_start)   # exporters read the pose at the playhead too (FBX: its bind pose)
    try:
        with bpy.context.temp_override(active_object=obj, object=obj, selected_objects=objs):
            EXPORTERS[form.key](path, scene, deform_only)
    except RuntimeError as exc:
        raise SignLLMError(f"Blender's {form.label} exporter failed: {str(exc).strip()[:300]}") from None
    finally:
        if prev_mode != "OBJECT" and obj.name in vl.objects:
            vl.objects.active = obj
            with bpy.context.temp_override(active_object=obj, object=obj):
                bpy.ops.object.mode_set(mode=prev_mode)
        for o in objs:
            o.select_set(False)
        for o in prev_sel:
            if o.name in vl.objects:
                o.select_set(True)
        vl.objects.active = prev_active
        scene.frame_set(frame)
    if not os.path.exists(path):
        raise SignLLMError(f"Blender's {form.label} exporter wrote nothing to {path!r}.")
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
