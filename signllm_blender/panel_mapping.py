"""Bone mapping: inspect and correct which bone plays each canonical joint, with presets.

The mapping lives on the armature data as JSON (custom property `signllm_mapping`, read by
rigs/blender_io.py, so it is saved with the .blend); the rows shown in the panel mirror it.
"""
import os

import bpy

from ..inference import SignLLMError
from ..rigs import blender_io, mapping_io
from ..rigs.profiles import ARM_ROLES, BODY_ROLES, FINGERS, REQUIRED, NotHumanoid, detect, partial_mapping, roles
from . import preferences
from .panels import SignSubPanel


def presets_dir(create=True):
    """Mapping presets folder in the extension's user directory (or Blender's config folder)."""
    try:
        return bpy.utils.extension_path_user(preferences.ROOT_PACKAGE, path="mapping_presets", create=create)
    except (ValueError, TypeError, AttributeError):
        return bpy.utils.user_resource("CONFIG", path="signllm_mapping_presets", create=create)


def _sync(self, context):
    """A row changed in the panel: write the rows back into the stored mapping."""
    arm = self.id_data
    arm["signllm_mapping"] = _rows_json(arm)


def _rows_json(arm):
    import json
    return json.dumps({r.role: (r.bone or None) for r in arm.signllm_roles}, indent=0)


class SIGNLLM_PG_bone_role(bpy.types.PropertyGroup):
    role: bpy.props.StringProperty(name="Joint")
    bone: bpy.props.StringProperty(name="Bone", description="The bone that plays this joint", update=_sync)


def fill_rows(obj, mapping, label=""):
    """Store a mapping on the armature and show it in the rows."""
    arm = obj.data
    arm.signllm_roles.clear()
    for r in roles():
        row = arm.signllm_roles.add()
        row.role = r
        row.bone = mapping.get(r) or ""   # update writes JSON each time; the final write below is the one kept
    blender_io.store_mapping(obj, {r: mapping.get(r) for r in roles()})
    arm["signllm_rig_label"] = label


def _armature(context):
    obj = context.active_object
    return obj if obj is not None and obj.type == "ARMATURE" else None


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


def _preset_items(self, context):
    try:
        d = presets_dir(create=False)
        files = sorted(f for f in os.listdir(d) if f.endswith(".json")) if d and os.path.isdir(d) else []
    except OSError:
        files = []
    return [(f, f[:-5], "") for f in files] or [("", "(no presets saved)", "")]


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


class SIGNLLM_PT_mapping(SignSubPanel, bpy.types.Panel):
    bl_label = "Bone Mapping"
    bl_idname = "SIGNLLM_PT_mapping"

    def draw(self, context):
        layout = self.layout
        obj = _armature(context)
        if obj is None:
            layout.label(text="Select the character's armature", icon="INFO")
            return
        arm = obj.data
        row = layout.row(align=True)
        row.operator("signllm.mapping_detect", icon="VIEWZOOM")
        row.operator("signllm.mapping_clear", text="", icon="X")
        row = layout.row(align=True)
        row.operator("signllm.mapping_load_preset", text="Load Preset", icon="IMPORT")
        row.operator("signllm.mapping_save_preset", text="Save Preset", icon="EXPORT")
        layout.operator("signllm.add_ik_controls", icon="CON_KINEMATIC")
        if not len(arm.signllm_roles):
            layout.label(text="Automatic (press Detect Bones to inspect)", icon="INFO")
            return
        layout.label(text=arm.get("signllm_rig_label", ""), icon="ARMATURE_DATA")
        rows = {r.role: r for r in arm.signllm_roles}

        def draw_roles(lay, names):
            col = lay.column(align=True)
            for name in names:
                if name in rows:
                    row = col.row(align=True)
                    row.alert = name in REQUIRED and not rows[name].bone  # signing needs these joints
                    row.prop_search(rows[name], "bone", arm, "bones", text=name)

        draw_roles(layout, BODY_ROLES)
        for side in ("L", "R"):
            draw_roles(layout, [f"{r}.{side}" for r in ARM_ROLES])
            header, body = layout.panel(f"signllm_fingers_{side}", default_closed=True)
            header.label(text=f"Fingers {side}")
            if body is not None:
                draw_roles(body, [f"{f}.{k}.{side}" for f in FINGERS for k in ("1", "2", "3", "tip")])


CLASSES = (SIGNLLM_PG_bone_role, SIGNLLM_OT_mapping_detect, SIGNLLM_OT_mapping_clear,
           SIGNLLM_OT_mapping_save_preset, SIGNLLM_OT_mapping_load_preset, SIGNLLM_OT_add_ik_controls,
           SIGNLLM_PT_mapping)


def register():
    for c in CLASSES:
        bpy.utils.register_class(c)
    bpy.types.Armature.signllm_roles = bpy.props.CollectionProperty(type=SIGNLLM_PG_bone_role)


def unregister():
    del bpy.types.Armature.signllm_roles
    for c in reversed(CLASSES):
        bpy.utils.unregister_class(c)
