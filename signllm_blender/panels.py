"""Sidebar panel (View3D > Sidebar > Sign)."""
import bpy


class SignSubPanel:
    """Placement shared by every section under the main Sign panel (closed until opened)."""
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "Sign"
    bl_parent_id = "SIGNLLM_PT_main"
    bl_options = {"DEFAULT_CLOSED"}


class SIGNLLM_PT_main(bpy.types.Panel):
    bl_label = "Sign Language"
    bl_idname = "SIGNLLM_PT_main"
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "Sign"

    def draw(self, context):
        s = context.scene.signllm
        layout = self.layout
        obj = context.active_object
        if obj is None or obj.type != "ARMATURE":
            layout.label(text="Select the character's armature", icon="INFO")
            layout.operator("signllm.add_character", icon="OUTLINER_OB_ARMATURE")
        layout.prop(s, "text", text="")
        row = layout.row(align=True)
        row.prop(s, "language", text="")
        row.prop(s, "speed")
        layout.prop(s, "left_handed")
        layout.prop(s, "glosser")
        layout.prop(s, "generator")
        if s.generator == "neural":
            layout.prop(s, "pose_model")
        row = layout.row(align=True)
        row.prop(s, "nla_strips", toggle=True)
        row.prop(s, "face_shape_keys", toggle=True)
        layout.prop(s, "letter_hold")
        layout.operator("signllm.generate", icon="PLAY")
        box = layout.box()
        box.label(text="Gloss (editable)")
        box.prop(s, "gloss", text="")
        box.operator("signllm.generate_from_gloss", icon="FILE_REFRESH")
        if s.review:
            box.label(text="Check: " + s.review, icon="ERROR")


CLASSES = (SIGNLLM_PT_main,)
