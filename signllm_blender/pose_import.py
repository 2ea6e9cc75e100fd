"""Blender side of the research formats: show a pose file as animated joint empties with limbs, retarget it
onto a rig like generated signing, export the panel's signing, compare with a reference.

The numeric work is in inference/formats and inference/metrics (no bpy); this module only creates objects,
writes keys (keyframe_points.add + foreach_set) and holds the panel section's settings.
"""
import logging

import bpy
import numpy as np
from mathutils import Matrix

from .. import inference
from ..inference import SignLLMError, formats, metrics
from ..inference.formats.joints import BODY_NAMES, all_bones
from ..rigs import blender_io
from ..rigs.profiles import NotHumanoid, detect
from ..rigs.retarget import plan_keys
from ..rigs.solve import measure_body
from .panels import SignSubPanel

log = logging.getLogger(__name__)

HAND_NAMES = ("wrist", "thumb_cmc", "thumb_mcp", "thumb_ip", "thumb_tip") + tuple(
    f"{f}_{j}" for f in ("index", "middle", "ring", "pinky") for j in ("mcp", "pip", "dip", "tip"))
JOINT_NAMES = BODY_NAMES + tuple(f"{n}_L" for n in HAND_NAMES) + tuple(f"{n}_R" for n in HAND_NAMES)
TAG = "signllm_pose_import"              # on the joints collection and its action: the import's key
RETARGET_TAG = "signllm_pose_retarget"   # on a rig's action keyed from a pose file: the same key


def load_sequence(path, index=0, fps=25.0, scale=3.0):
    """One JointTrack from a research pose file (index picks the sequence of a multi-line .skels)."""
    if index < 0:
        raise SignLLMError("Sequence numbers start at 1.")
    import os
    full = os.path.abspath(bpy.path.abspath(path))
    jt = formats.load(full, fps=fps, scale=scale, index=index)[0]
    jt.meta["import_key"] = f"{full}#{index}"     # a later import of the same sequence replaces this one
    return jt


def _import_key(jt, label):
    return str(jt.meta.get("import_key") or label)


def remove_import(key):
    """Remove what an earlier show_joints of the same sequence made: its collection, objects, mesh and action."""
    for coll in [c for c in bpy.data.collections if c.get(TAG) == key]:
        for ob in list(coll.objects):
            data = ob.data
            bpy.data.objects.remove(ob)
            if data is not None and data.users == 0:
                bpy.data.meshes.remove(data)
        bpy.data.collections.remove(coll)
    for action in [a for a in bpy.data.actions if a.get(TAG) == key]:
        bpy.data.actions.remove(action)


def _body_for(obj):
    """The active rig's BodyModel (so the empties stand where the character is), else the canonical one."""
    if obj is not None and obj.type == "ARMATURE" and len(obj.pose.bones):
        try:
            rig = blender_io.read_rig(obj)
            return measure_body(rig, detect(rig, blender_io.stored_mapping(obj))), obj.matrix_world.copy()
        except NotHumanoid:
            pass
    return inference.BodyModel.default(), Matrix.Identity(4)


def show_joints(context, jt, name=None, frame_start=None, body=None, matrix_world=None, size=0.012):
    """Animated empties (one per joint seen at least once) joined by a limb mesh, in a new collection."""
    scene = context.scene
    body = body or inference.BodyModel.default()
    nj = jt.normalised(body)
    pts = nj.flat()                         # (T, 50, 3) canonical axes
    M = np.stack([body.left, -body.forward, body.up], axis=1)
    pts = np.einsum("ij,tkj->tki", M, pts)
    valid = nj.flat_valid()
    start = scene.frame_start if frame_start is None else int(frame_start)
    label = name or jt.name or "pose"
    key = _import_key(jt, label)
    remove_import(key)
    coll = bpy.data.collections.new(f"Pose {label}"[:60])
    scene.collection.children.link(coll)
    coll[TAG] = key
    root = bpy.data.objects.new(f"{label} root"[:60], None)
    root.empty_display_type = "PLAIN_AXES"
    root.empty_display_size = 0.05
    root.matrix_world = matrix_world if matrix_world is not None else Matrix.Identity(4)
    coll.objects.link(root)
    action = bpy.data.actions.new(f"Pose {label}"[:60])
    action[TAG] = key
    empties = {}
    T = jt.n_frames
    frames = np.arange(T, dtype=np.float32) + start
    for k, jn in enumerate(JOINT_NAMES):
        if not valid[:, k].any():
            continue
        ob = bpy.data.objects.new(f"{label}:{jn}"[:63], None)
        ob.empty_display_type = "SPHERE"
        ob.empty_display_size = size * (0.5 if k >= 8 else 1.0)
        ob.parent = root
        coll.objects.link(ob)
        slot = action.slots.new(id_type="OBJECT", name=ob.name)
        ad = ob.animation_data_create()
        ad.action = action
        ad.action_slot = slot
        cb = blender_io.ensure_channelbag(action, slot)
        p = pts[:, k]
        ok = valid[:, k]
        if not ok.all():  # hold the last seen position where the joint is not seen
            t = np.arange(T)
            p = np.stack([np.interp(t, t[ok], p[ok, c]) for c in range(3)], -1)
        for c in range(3):
            blender_io.write_fcurve(cb, "location", c, jn, frames, p[:, c], 0, interpolation="LINEAR")
        empties[k] = ob
    _limbs(coll, root, label, empties)
    if scene.frame_end < start + T - 1:
        scene.frame_end = start + T - 1
    return coll


def _limbs(coll, root, label, empties):
    """A mesh of loose edges whose vertices are hooked to the joint empties (shows the skeleton)."""
    idx = {k: i for i, k in enumerate(sorted(empties))}
    edges = [(idx[a], idx[b]) for a, b in all_bones() if a in idx and b in idx]
    mesh = bpy.data.meshes.new(f"{label} limbs"[:60])
    mesh.from_pydata([(0.0, 0.0, 0.0)] * len(idx), edges, [])
    ob = bpy.data.objects.new(f"{label} limbs"[:60], mesh)
    coll.objects.link(ob)
    for k, i in idx.items():
        mod = ob.modifiers.new(f"hook {i}", "HOOK")
        mod.object = empties[k]
        mod.vertex_indices_set([i])
        mod.matrix_inverse = Matrix.Identity(4)
    return ob


def retarget(context, obj, jt, options=None, name=None):
    """Fit a PoseTrack on obj's own proportions and key it like generated signing (a new action).

    Returns (plan, action, report). The previous action is kept (fake user) and restored on failure.
    """
    from . import safety
    from .service import check_armature, read_character
    check_armature(obj)
    scene = context.scene
    rig, profile, body = read_character(obj, scene)
    track, report = formats.to_pose_track(jt, body, name=name)
    tol = getattr(options, "tolerance", 0.003)
    ftol = getattr(options, "finger_tolerance", 0.002)
    plan = plan_keys(track, rig, profile, tol, ftol)
    start = scene.frame_start
    key = _import_key(jt, name or jt.name)
    replaced = []
    with safety.scene_guard(obj, scene):     # a failure part-way leaves the scene as it was
        action = blender_io.write_plan(obj, plan, start, f"SignLLM import {name or jt.name}"[:60], replaced=replaced)
        action["signllm_source_file"] = jt.source
        action[RETARGET_TAG] = key
        if scene.frame_end < start + track.n_frames - 1:
            scene.frame_end = start + track.n_frames - 1
    blender_io.drop_replaced(replaced, keep={action})     # an earlier signing or import is replaced
    return plan, action, report


def generated_track(context, obj=None, options=None):
    """The panel's signing as a PoseTrack (edited gloss if any, else the text), on obj's body if a rig, with
    the pipeline's Options (operators pass the panel's; the same settings as Generate)."""
    from ..studio.options import Options
    s = context.scene.signllm
    opt = (options or Options(language=s.language, speed=s.speed, left_handed=s.left_handed)).check()
    body = None
    if obj is not None and obj.type == "ARMATURE":
        body, _ = _body_for(obj)
    fps = context.scene.render.fps / context.scene.render.fps_base
    gloss = s.gloss.replace("||", " / ")
    if gloss.strip():
        items = inference.parse_gloss(gloss)
    else:
        items = inference.text_to_gloss(s.text, opt.language, opt.glosser)
    return inference.gloss_to_track(items, opt.language, body, opt.settings(fps))


def compare_lines(generated, reference):
    return metrics.compare(generated, reference).lines()


class SIGNLLM_PG_research(bpy.types.PropertyGroup):
    filepath: bpy.props.StringProperty(name="Pose file", subtype="FILE_PATH",
                                       description=".pose, .skels or OpenPose JSON (file or folder)")
    sequence: bpy.props.IntProperty(name="Sequence", description="Which sequence of a .skels file (1 = first line)",
                                    default=1, min=1)
    scale: bpy.props.FloatProperty(name="Scale", default=3.0, min=1e-3, max=1000.0,
                                   description=".skels values were divided by this (3 Progressive Transformers, "
                                               "9 Prompt2Sign)")
    fps: bpy.props.FloatProperty(name="FPS", default=25.0, min=1.0, max=240.0,
                                 description="Frame rate of files that do not store one (.skels, OpenPose)")
    metrics: bpy.props.StringProperty(name="Metrics", description="Last comparison (one line per metric)")
    last_import: bpy.props.StringProperty(name="Last import")


class SIGNLLM_PT_research(SignSubPanel, bpy.types.Panel):
    bl_label = "Research Formats"
    bl_idname = "SIGNLLM_PT_research"

    def draw(self, context):
        r = context.scene.signllm_research
        layout = self.layout
        row = layout.row(align=True)
        row.prop(r, "scale")
        row.prop(r, "fps")
        layout.prop(r, "sequence")
        col = layout.column(align=True)
        col.operator("signllm.import_pose", icon="IMPORT")
        col.operator("signllm.export_pose", icon="EXPORT")
        col.operator("signllm.compare_reference", icon="SORTTIME")
        if r.last_import:
            layout.label(text=r.last_import, icon="INFO")
        if r.metrics:
            box = layout.box()
            for line in r.metrics.split("\n"):
                box.label(text=line)


CLASSES = (SIGNLLM_PG_research, SIGNLLM_PT_research)


def register():
    for c in CLASSES:
        bpy.utils.register_class(c)
    bpy.types.Scene.signllm_research = bpy.props.PointerProperty(type=SIGNLLM_PG_research)


def unregister():
    del bpy.types.Scene.signllm_research
    for c in reversed(CLASSES):
        bpy.utils.unregister_class(c)


__all__ = ["compare_lines", "generated_track", "load_sequence", "retarget", "show_joints"]
