"""Generate, Regenerate from Gloss and Remove Signing: the panel's main buttons (one pipeline, service.py)."""
import bpy

from ..signllm_blender import service
from .common import JobOperator, armature_poll, options_from, panel_options  # noqa: F401  (older imports)
from .guard import guarded


class SIGNLLM_OT_generate(JobOperator, bpy.types.Operator):
    """Turn the text into sign language on the active armature (replaces earlier signing; your action is kept)"""
    bl_idname = "signllm.generate"
    bl_label = "Generate Signing"

    text: bpy.props.StringProperty(name="Text", description="Text to sign (empty: the panel's text)")

    def source(self, context):
        """The text: the operator's, else the panel's text datablock (long text), else its text field."""
        if self.text:
            return self.text
        s = context.scene.signllm
        block = getattr(s, "text_block", None)
        if block is not None and block.as_string().strip():
            return block.as_string()
        return s.text

    def make_job(self, context):
        return service.job_for(context.active_object, context.scene, panel_options(context),
                               text=self.source(context))

    def execute(self, context):
        return self.start(context)


class SIGNLLM_OT_generate_from_gloss(JobOperator, bpy.types.Operator):
    """Regenerate the signing from the edited gloss (subtitle cues keep their timing; '||' separates cues)"""
    bl_idname = "signllm.generate_from_gloss"
    bl_label = "Regenerate from Gloss"

    gloss: bpy.props.StringProperty(name="Gloss", description="Gloss to sign (empty: the panel's gloss)")

    def label(self):
        return "edited"

    def make_job(self, context):
        from ..inference import SignLLMError
        g = self.gloss or context.scene.signllm.gloss
        if not g.strip():
            raise SignLLMError("The gloss is empty: generate from text first or type a gloss.")
        return service.job_for(context.active_object, context.scene, panel_options(context), gloss=g)

    def execute(self, context):
        return self.start(context)


class SIGNLLM_OT_remove_signing(bpy.types.Operator):
    """Remove the signing from the active armature: your own action, frame range and face keys come back"""
    bl_idname = "signllm.remove_signing"
    bl_label = "Remove Signing"
    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context):
        return armature_poll(cls, context)

    def execute(self, context):
        ok, _ = guarded(self, lambda: service.remove_signing(context.active_object, context.scene),
                        "Removing the signing")
        if not ok:
            return {"CANCELLED"}
        self.report({"INFO"}, f"Removed the signing from {context.active_object.name}")
        return {"FINISHED"}


CLASSES = (SIGNLLM_OT_generate, SIGNLLM_OT_generate_from_gloss, SIGNLLM_OT_remove_signing)
