"""Research-format operators: import a pose file (show it, optionally retarget it onto the active rig),
export the panel's signing as .pose / .skels, compare the signing with a reference file."""
import os

import bpy
from bpy_extras.io_utils import ExportHelper, ImportHelper

from ..inference import SignLLMError, formats
from ..signllm_blender import pose_import, preferences
from .common import panel_options
from .guard import guarded


def _path(op):
    """The chosen file, or the folder when a folder of OpenPose frames was picked."""
    p = bpy.path.abspath(op.filepath)
    if not os.path.basename(p) and os.path.isdir(os.path.dirname(p) or p):
        p = os.path.dirname(p) or p
    return p


class SIGNLLM_OT_import_pose(bpy.types.Operator, ImportHelper):
    """Import a .pose, .skels or OpenPose JSON file: show it as joints, optionally drive the active rig"""
    bl_idname = "signllm.import_pose"
    bl_label = "Import Pose File"
    bl_options = {"REGISTER", "UNDO"}

    filter_glob: bpy.props.StringProperty(default="*.pose;*.skels;*.json", options={"HIDDEN"})
    sequence: bpy.props.IntProperty(name="Sequence", default=1, min=1,
                                    description="Which sequence of a .skels file (1 = first line)")
    scale: bpy.props.FloatProperty(name="Scale", default=3.0, min=1e-3, max=1000.0,
                                   description=".skels values were divided by this (3 PT, 9 Prompt2Sign)")
    fps: bpy.props.FloatProperty(name="FPS", default=25.0, min=1.0, max=240.0,
                                 description="Frame rate for files that do not store one")
    show_joints: bpy.props.BoolProperty(name="Show joints", default=True,
                                        description="Animated empties with limbs in a new collection")
    retarget: bpy.props.BoolProperty(name="Retarget onto active rig", default=False,
                                     description="Key the active armature like generated signing (new action)")

    def invoke(self, context, event):
        r = context.scene.signllm_research
        self.sequence, self.scale, self.fps = r.sequence, r.scale, r.fps
        return ImportHelper.invoke(self, context, event)

    def execute(self, context):
        return guarded(self, lambda: self._run(context))[1] or {"CANCELLED"}

    def _run(self, context):
        path = _path(self)
        jt = pose_import.load_sequence(path, self.sequence - 1, self.fps, self.scale)
        obj = context.active_object
        msg = [f"{jt.name or os.path.basename(path)}: {jt.n_frames} frames at {jt.fps:g} fps"]
        for w in jt.meta.get("warnings", []):      # implausible scale or units: said, not refused
            self.report({"WARNING"}, w)
            msg.append("check the scale (see the warning)")
        if self.retarget:
            if obj is None or obj.type != "ARMATURE":
                raise SignLLMError("Retarget needs the character's armature as the active object.")
            prefs = preferences.get(context)
            opt = type("Opt", (), {"tolerance": (prefs.tolerance_mm if prefs else 3.0) / 1000.0,
                                    "finger_tolerance": 0.002})()
            plan, action, report = pose_import.retarget(context, obj, jt, opt)
            msg.append(f"{plan.n_keys} keys on {obj.name}")
            rms = [v for v in report["hand_rms_m"].values() if v is not None]
            if rms:
                msg.append(f"hand fit {max(rms) * 1000:.0f} mm rms")
            if report.get("depth_lifted"):
                msg.append("depth estimated (2-D input)")
            for w in plan.warnings:
                self.report({"WARNING"}, w)
        if self.show_joints:
            body, mw = pose_import._body_for(obj)
            pose_import.show_joints(context, jt, body=body, matrix_world=mw)
            msg.append("joints shown")
        text = "; ".join(msg)
        context.scene.signllm_research.last_import = text
        self.report({"INFO"}, text)
        return {"FINISHED"}


class SIGNLLM_OT_export_pose(bpy.types.Operator, ExportHelper):
    """Export the panel's signing (gloss, else text) as a .pose (MediaPipe Holistic) or .skels file"""
    bl_idname = "signllm.export_pose"
    bl_label = "Export Signing as Pose File"
    bl_options = {"REGISTER"}

    filename_ext = ".pose"
    filter_glob: bpy.props.StringProperty(default="*.pose;*.skels", options={"HIDDEN"})
    file_format: bpy.props.EnumProperty(name="Format", items=[
        ("POSE", ".pose", "pose-format file, MediaPipe Holistic layout"),
        ("SKELS", ".skels", "Progressive Transformers / Prompt2Sign text")], default="POSE")
    scale: bpy.props.FloatProperty(name="Scale (.skels)", default=3.0, min=1e-3, max=1000.0)
    face: bpy.props.BoolProperty(name="Face component (empty)", default=True)

    def check(self, context):
        ext = ".skels" if self.file_format == "SKELS" else ".pose"
        self.filename_ext = ext
        return super().check(context)

    def execute(self, context):
        return guarded(self, lambda: self._run(context))[1] or {"CANCELLED"}

    def _run(self, context):
        ext = ".skels" if self.file_format == "SKELS" else ".pose"
        path = bpy.path.ensure_ext(bpy.path.abspath(self.filepath), ext)
        track = pose_import.generated_track(context, context.active_object, panel_options(context))
        try:
            formats.save_track(track, path, scale=self.scale, face=self.face)
        except OSError as exc:
            raise SignLLMError(f"Cannot write {path}: {exc.strerror or exc}") from None
        self.report({"INFO"}, f"Wrote {track.n_frames} frames to {path}")
        return {"FINISHED"}


class SIGNLLM_OT_compare_reference(bpy.types.Operator, ImportHelper):
    """Compare the panel's signing with a reference pose file (DTW joint error, hand travel, duration)"""
    bl_idname = "signllm.compare_reference"
    bl_label = "Compare with Reference"
    bl_options = {"REGISTER"}

    filter_glob: bpy.props.StringProperty(default="*.pose;*.skels;*.json", options={"HIDDEN"})
    sequence: bpy.props.IntProperty(name="Sequence", default=1, min=1)
    scale: bpy.props.FloatProperty(name="Scale", default=3.0, min=1e-3, max=1000.0)
    fps: bpy.props.FloatProperty(name="FPS", default=25.0, min=1.0, max=240.0)

    def invoke(self, context, event):
        r = context.scene.signllm_research
        self.sequence, self.scale, self.fps = r.sequence, r.scale, r.fps
        return ImportHelper.invoke(self, context, event)

    def execute(self, context):
        return guarded(self, lambda: self._run(context))[1] or {"CANCELLED"}

    def _run(self, context):
        ref = pose_import.load_sequence(_path(self), self.sequence - 1, self.fps, self.scale)
        track = pose_import.generated_track(context, context.active_object, panel_options(context))
        lines = pose_import.compare_lines(track, ref)
        context.scene.signllm_research.metrics = "\n".join(lines)
        self.report({"INFO"}, lines[0])
        return {"FINISHED"}


CLASSES = (SIGNLLM_OT_import_pose, SIGNLLM_OT_export_pose, SIGNLLM_OT_compare_reference)
