"""Face section of the Bone Mapping panel: the face found on the character (shape keys: ARKit, VRoid,
VRM 1.0; bones: Rigify face, jaw/eye bones), each slot's shape key or bone, correctable, and the face
settings (own NLA track, English mouthing). Kept apart from panel_mapping.py so both stay small."""
import bpy

from . import face_mapping
from .panels import SignSubPanel


def _armature(context):
    obj = context.active_object
    return obj if obj is not None and obj.type == "ARMATURE" else None


class SIGNLLM_PG_face_settings(bpy.types.PropertyGroup):
    face_track: bpy.props.BoolProperty(
        name="Face on its own NLA track", default=False,
        description="Key the face (bones and shape keys) on an NLA track of its own instead of the same action")
    mouthing: bpy.props.BoolProperty(
        name="English mouthing", default=False,
        description="Mouth the English word (visemes) on signs without a mouth morpheme")


class SIGNLLM_PG_face_row(bpy.types.PropertyGroup):
    part: bpy.props.StringProperty()          # 'shapes' or 'bones'
    slot: bpy.props.StringProperty(name="Slot")
    mesh: bpy.props.StringProperty()
    recipe: bpy.props.StringProperty()
    target: bpy.props.StringProperty(name="Target", update=lambda self, ctx: _sync(self))


def _sync(row):
    arm = row.id_data
    obj = next((o for o in bpy.data.objects if o.data == arm), None)
    if obj is None:
        return
    m = face_mapping.stored(obj)
    for r in arm.signllm_face_rows:
        m[r.part][r.slot] = r.target or None
    face_mapping.store(obj, m)


class SIGNLLM_PT_face_mapping(SignSubPanel, bpy.types.Panel):
    bl_label = "Face"
    bl_idname = "SIGNLLM_PT_face_mapping"
    bl_parent_id = "SIGNLLM_PT_mapping"

    def draw(self, context):
        layout = self.layout
        s = context.scene.signllm_face
        layout.prop(s, "face_track")
        layout.prop(s, "mouthing")
        obj = _armature(context)
        if obj is None:
            return
        row = layout.row(align=True)
        row.operator("signllm.face_detect", icon="VIEWZOOM")
        row.operator("signllm.face_clear", text="", icon="X")
        arm = obj.data
        if not len(arm.signllm_face_rows):
            layout.label(text="Automatic (press Detect Face to inspect)", icon="INFO")
            return
        layout.label(text=arm.get("signllm_face_label", ""), icon="USER")
        col = layout.column(align=True)
        for r in arm.signllm_face_rows:
            row = col.row(align=True)
            row.alert = not r.target
            if r.part == "bones":
                row.prop_search(r, "target", arm, "bones", text=r.slot)
            else:
                ob = bpy.data.objects.get(r.mesh)
                key = ob.data.shape_keys if ob is not None and ob.type == "MESH" else None
                if key is not None:
                    row.prop_search(r, "target", key, "key_blocks", text=r.slot)
                else:
                    row.prop(r, "target", text=r.slot)


CLASSES = (SIGNLLM_PG_face_settings, SIGNLLM_PG_face_row, SIGNLLM_PT_face_mapping)


def register():
    for c in CLASSES:
        bpy.utils.register_class(c)
    bpy.types.Scene.signllm_face = bpy.props.PointerProperty(type=SIGNLLM_PG_face_settings)
    bpy.types.Armature.signllm_face_rows = bpy.props.CollectionProperty(type=SIGNLLM_PG_face_row)


def unregister():
    del bpy.types.Armature.signllm_face_rows
    del bpy.types.Scene.signllm_face
    for c in reversed(CLASSES):
        bpy.utils.unregister_class(c)
