"""Bone mapping: inspect and correct which bone plays each canonical joint, with presets.

The mapping lives on the armature data as JSON (custom property `signllm_mapping`, read by
rigs/blender_io.py, so it is saved with the .blend); the rows shown in the panel mirror it.
"""
import os

import bpy

from ..rigs import blender_io
from ..rigs.profiles import ARM_ROLES, BODY_ROLES, FINGERS, REQUIRED, roles
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


def _preset_items(self, context):
    try:
        d = presets_dir(create=False)
        files = sorted(f for f in os.listdir(d) if f.endswith(".json")) if d and os.path.isdir(d) else []
    except OSError:
        files = []
    return [(f, f[:-5], "") for f in files] or [("", "(no presets saved)", "")]


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


CLASSES = (SIGNLLM_PG_bone_role, SIGNLLM_PT_mapping)   # its operators: operators/mapping.py


def register():
    for c in CLASSES:
        bpy.utils.register_class(c)
    bpy.types.Armature.signllm_roles = bpy.props.CollectionProperty(type=SIGNLLM_PG_bone_role)


def unregister():
    del bpy.types.Armature.signllm_roles
    for c in reversed(CLASSES):
        bpy.utils.unregister_class(c)
