"""Bone-mapping operators: detect, clear, presets, IK controls (the panel is signllm_blender/panel_mapping.py)."""
import os

import bpy

from ..inference import SignLLMError
from ..rigs import blender_io, mapping_io
from ..rigs.profiles import REQUIRED, NotHumanoid, detect, partial_mapping
from ..signllm_blender.panel_mapping import _armature, _preset_items, fill_rows, presets_dir


class _ArmatureOp:
    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context):
        if _armature(context) is None:
            cls.poll_message_set("Select the character's armature first")
            return False
        return True


class SIGNLLM_OT_mapping_detect(_ArmatureOp, bpy.types.Operator):
    """Find the bones for each joint automatically (replaces the corrections on this armature)"""
    bl_idname = "signllm.mapping_detect"
    bl_label = "Detect Bones"

    def execute(self, context):
        obj = _armature(context)
        rig = blender_io.read_rig(obj)
        try:
            prof = detect(rig)
        except NotHumanoid as exc:   # still list every row (what was found filled in) so the user can map it
            mapping, label = partial_mapping(rig)
            fill_rows(obj, mapping, label)
            missing = [r for r in REQUIRED if not mapping.get(r)]
            self.report({"WARNING"}, f"{exc} Rows to map: {', '.join(missing) or 'none'}.")
            return {"FINISHED"}
        fill_rows(obj, prof.mapping, prof.label)
        for w in prof.warnings:
            self.report({"WARNING"}, w)
        n = sum(1 for b in prof.mapping.values() if b)
        self.report({"INFO"}, f"{prof.label}: {n} joints mapped")
        return {"FINISHED"}


class SIGNLLM_OT_mapping_clear(_ArmatureOp, bpy.types.Operator):
    """Forget the stored mapping: the bones are found automatically each time"""
    bl_idname = "signllm.mapping_clear"
    bl_label = "Use Automatic Mapping"

    def execute(self, context):
        arm = _armature(context).data
        arm.signllm_roles.clear()
        for key in ("signllm_mapping", "signllm_rig_label"):
            if key in arm:
                del arm[key]
        return {"FINISHED"}


class SIGNLLM_OT_mapping_save_preset(_ArmatureOp, bpy.types.Operator):
    """Save this armature's bone mapping as a preset (JSON) to reuse on similar rigs"""
    bl_idname = "signllm.mapping_save_preset"
    bl_label = "Save Mapping Preset"

    name: bpy.props.StringProperty(name="Preset name", default="My rig")
    filepath: bpy.props.StringProperty(name="File", description="Save here instead of the presets folder",
                                       subtype="FILE_PATH")

    def invoke(self, context, event):
        return context.window_manager.invoke_props_dialog(self)

    def execute(self, context):
        obj = _armature(context)
        mapping = blender_io.stored_mapping(obj)
        if not mapping:
            try:
                mapping = detect(blender_io.read_rig(obj)).mapping
            except NotHumanoid as exc:
                self.report({"ERROR"}, str(exc))
                return {"CANCELLED"}
        path = bpy.path.abspath(self.filepath) if self.filepath else os.path.join(
            presets_dir(), bpy.path.clean_name(self.name) + ".json")
        try:
            mapping_io.save(path, mapping, obj.data.get("signllm_rig_label", ""))
        except OSError as exc:
            self.report({"ERROR"}, f"Cannot save the preset: {exc}")
            return {"CANCELLED"}
        self.report({"INFO"}, f"Saved mapping preset {path}")
        return {"FINISHED"}


class SIGNLLM_OT_mapping_load_preset(_ArmatureOp, bpy.types.Operator):
    """Apply a saved bone-mapping preset to this armature (joints whose bone is absent keep theirs)"""
    bl_idname = "signllm.mapping_load_preset"
    bl_label = "Load Mapping Preset"

    preset: bpy.props.EnumProperty(name="Preset", items=_preset_items)
    filepath: bpy.props.StringProperty(name="File", description="Load this file instead of a saved preset",
                                       subtype="FILE_PATH")

    def invoke(self, context, event):
        return context.window_manager.invoke_props_dialog(self)

    def execute(self, context):
        obj = _armature(context)
        if self.filepath:
            path = bpy.path.abspath(self.filepath)
        elif self.preset:
            path = os.path.join(presets_dir(), self.preset)
        else:
            self.report({"ERROR"}, "Choose a preset or a file")
            return {"CANCELLED"}
        try:
            preset, label = mapping_io.load(path)
        except SignLLMError as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        names = set(obj.pose.bones.keys())
        current = blender_io.stored_mapping(obj)
        if current is None:
            try:
                current = detect(blender_io.read_rig(obj)).mapping
            except NotHumanoid:
                current = {}
        absent = sorted({b for b in preset.values() if b and b not in names})
        merged = dict(current)
        merged.update({r: b for r, b in preset.items() if b is None or b in names})
        fill_rows(obj, merged, label or obj.data.get("signllm_rig_label", ""))
        if absent:
            self.report({"WARNING"}, f"{len(absent)} bones of the preset are not on this armature "
                                     f"({', '.join(absent[:3])}...): those joints were kept")
        self.report({"INFO"}, f"Applied mapping preset {os.path.basename(path)}")
        return {"FINISHED"}


class SIGNLLM_OT_add_ik_controls(_ArmatureOp, bpy.types.Operator):
    """Add simple IK controls (hand + elbow pole per arm) to a deform-only rig; signing then keys them"""
    bl_idname = "signllm.add_ik_controls"
    bl_label = "Add IK Controls"

    def execute(self, context):
        obj = _armature(context)
        try:
            prof = detect(blender_io.read_rig(obj), blender_io.stored_mapping(obj))
        except NotHumanoid as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        if prof.mode != "fk":
            self.report({"ERROR"}, f"{prof.label} already has IK controls")
            return {"CANCELLED"}
        made = blender_io.add_ik_controls(obj, prof)
        self.report({"INFO"}, f"Added {', '.join(sorted(made.values()))}")
        return {"FINISHED"}


CLASSES = (SIGNLLM_OT_mapping_detect, SIGNLLM_OT_mapping_clear, SIGNLLM_OT_mapping_save_preset,
           SIGNLLM_OT_mapping_load_preset, SIGNLLM_OT_add_ik_controls)
