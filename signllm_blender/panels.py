"""Sidebar panels (View3D > Sidebar > Sign): the animator's main panel, Options, and Research.

The main panel holds what an animator needs (text, language, speed, Generate, Remove, the editable gloss);
the Signs list is its own sub-panel, open by default. Research features (neural glosser, neural pose model)
sit in the closed Research sub-panel. Every property drawn here is read by operators/common.panel_options.
"""
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
        else:
            layout.label(text=obj.name, icon="ARMATURE_DATA")
        col = layout.column(align=True)
        col.enabled = s.text_block is None
        col.prop(s, "text", text="")
        layout.template_ID(s, "text_block", new="text.new", open="text.open")
        row = layout.row(align=True)
        row.prop(s, "language", text="")
        row.prop(s, "speed")
        row = layout.row(align=True)
        row.scale_y = 1.3
        row.operator("signllm.generate", icon="PLAY")
        row.operator("signllm.remove_signing", text="", icon="TRASH")
        box = layout.box()
        box.label(text="Gloss (editable; '||' separates cues)")
        box.prop(s, "gloss", text="")
        box.operator("signllm.generate_from_gloss", icon="FILE_REFRESH")
        if s.review:
            box.label(text="Check: " + s.review, icon="ERROR")


class SIGNLLM_PT_options(SignSubPanel, bpy.types.Panel):
    bl_label = "Options"
    bl_idname = "SIGNLLM_PT_options"

    def draw(self, context):
        s = context.scene.signllm
        layout = self.layout
        layout.prop(s, "left_handed")
        layout.prop(s, "letter_hold")
        row = layout.row(align=True)
        row.prop(s, "nla_strips", toggle=True)
        row.prop(s, "face_shape_keys", toggle=True)


class SIGNLLM_PT_research(SignSubPanel, bpy.types.Panel):
    """Research comparisons: neural glosser and neural pose model (not the product path)."""
    bl_label = "Research"
    bl_idname = "SIGNLLM_PT_research_models"

    def draw(self, context):
        s = context.scene.signllm
        layout = self.layout
        layout.prop(s, "glosser")
        layout.prop(s, "generator")
        if s.generator == "neural":
            layout.prop(s, "pose_model")


CLASSES = (SIGNLLM_PT_main, SIGNLLM_PT_options, SIGNLLM_PT_research)
