"""Studio operators: subtitles and long texts (modal, Esc cancels), gloss editor, exports, picture-in-picture.

All call signllm_blender.studio; scripts can call them with modal=False (background mode is always
synchronous, since modal operators never run there).
"""
import logging
import os

import bpy

from ..signllm_blender import preferences, service, studio
from ..studio import export_formats, subtitles
from .common import JobOperator, armature_poll, panel_options
from .guard import guarded

log = logging.getLogger(__name__)


def job_options(context, **over):
    """The panel's Options (kept for scripts that called this name)."""
    return panel_options(context, **over)


_JobOperator = JobOperator


class SIGNLLM_OT_sign_subtitles(_JobOperator, bpy.types.Operator):
    """Sign a subtitle file (.srt, .vtt, .ass/.ssa: each cue in its time window) or a text file (.txt)"""
    bl_idname = "signllm.sign_subtitles"
    bl_label = "Sign Subtitles"

    filepath: bpy.props.StringProperty(subtype="FILE_PATH", options={"SKIP_SAVE"})
    filter_glob: bpy.props.StringProperty(default="*.srt;*.vtt;*.ass;*.ssa;*.txt", options={"HIDDEN"})
    encoding: bpy.props.StringProperty(name="Encoding", description="Text encoding (empty: UTF-8 / BOM)")
    policy: bpy.props.EnumProperty(name="Cue that cannot fit", default="interpret", items=[
        ("interpret", "Keep up like an interpreter", "Run a little behind the speech (the lag), sign faster up to "
         "a fluent rate, then condense; every left-out sign is reported"),
        ("shift", "Sign it, delay the next", "Sign at the fastest rate; later cues wait"),
        ("skip", "Skip it", "Leave the cue unsigned (reported)")])

    def invoke(self, context, event):
        if self.filepath:
            return self.execute(context)
        context.window_manager.fileselect_add(self)
        return {"RUNNING_MODAL"}

    def label(self):
        return os.path.basename(self.filepath)

    def make_job(self, context):
        _, cues = subtitles.load(bpy.path.abspath(self.filepath), self.encoding or None)
        return service.job_for(context.active_object, context.scene, panel_options(context, policy=self.policy),
                               cues=cues)

    def execute(self, context):
        return self.start(context)


class SIGNLLM_OT_sign_long_text(_JobOperator, bpy.types.Operator):
    """Sign a long text sentence group by sentence group, with a progress bar (Esc cancels)"""
    bl_idname = "signllm.sign_long_text"
    bl_label = "Sign Long Text"

    text: bpy.props.StringProperty(name="Text", description="Text to sign (empty: the panel's text)")

    def label(self):
        return (self.text or "text")[:30]

    def make_job(self, context):
        text = self.text or context.scene.signllm.text
        return service.job_for(context.active_object, context.scene, panel_options(context), text=text)

    def execute(self, context):
        return self.start(context)


class SIGNLLM_OT_signs_regenerate(_JobOperator, bpy.types.Operator):
    """Regenerate the signing from the edited sign list (every cue is re-synthesised)"""
    bl_idname = "signllm.signs_regenerate"
    bl_label = "Regenerate from Sign List"

    def label(self):
        return "edited"

    def make_job(self, context):
        return studio.regenerate_job(context.active_object, context.scene, panel_options(context))

    def execute(self, context):
        return self.start(context)


class SIGNLLM_OT_signs_insert_pause(bpy.types.Operator):
    """Insert a pause after the selected sign (press Regenerate to apply)"""
    bl_idname = "signllm.signs_insert_pause"
    bl_label = "Insert Pause"
    bl_options = {"REGISTER", "UNDO"}

    seconds: bpy.props.FloatProperty(name="Seconds", default=0.5, min=0.05, max=10.0)

    @classmethod
    def poll(cls, context):
        return len(context.scene.signllm_signs) > 0

    def execute(self, context):
        studio.insert_pause(context.scene, seconds=self.seconds)
        return {"FINISHED"}


class SIGNLLM_OT_export(bpy.types.Operator):
    """Export the animated character with one of Blender's exporters (studio/export_formats.py)"""
    bl_idname = "signllm.export"
    bl_label = "Export Signing"
    bl_options = {"REGISTER"}

    filepath: bpy.props.StringProperty(subtype="FILE_PATH", options={"SKIP_SAVE"})
    format: bpy.props.EnumProperty(name="Format", items=export_formats.enum_items())
    deform_only: bpy.props.BoolProperty(name="Deform bones only", default=True)

    @classmethod
    def poll(cls, context):
        return armature_poll(cls, context)

    def invoke(self, context, event):
        if not self.filepath:
            ext = export_formats.BY_KEY[self.format].extensions[0]
            self.filepath = bpy.path.ensure_ext(bpy.path.abspath("//signing") if bpy.data.filepath else "signing", ext)
        context.window_manager.fileselect_add(self)
        return {"RUNNING_MODAL"}

    def execute(self, context):
        form = export_formats.BY_KEY[self.format]
        path = bpy.path.abspath(self.filepath)
        ext = os.path.splitext(path)[1].lower() if os.path.splitext(path)[1].lower() in form.extensions \
            else form.extensions[0]
        path = bpy.path.ensure_ext(bpy.path.abspath(self.filepath), ext)
        if not guarded(self, lambda: studio.export(context.active_object, context.scene, path, self.format,
                                                   self.deform_only), "Export")[0]:
            return {"CANCELLED"}
        self.report({"INFO"}, f"Exported {path}")
        return {"FINISHED"}


class SIGNLLM_OT_pip_setup(bpy.types.Operator):
    """Add a camera framing the signer's upper body and a transparent film (a picture-in-picture overlay)"""
    bl_idname = "signllm.pip_setup"
    bl_label = "Picture-in-Picture Camera"
    bl_options = {"REGISTER", "UNDO"}

    size: bpy.props.FloatProperty(name="Size", description="Overlay height as a fraction of the video height",
                                  default=0.3, min=0.05, max=1.0)

    @classmethod
    def poll(cls, context):
        return armature_poll(cls, context)

    def execute(self, context):
        ok, cam = guarded(self, lambda: studio.setup_pip(context.scene, context.active_object, self.size))
        if not ok:
            return {"CANCELLED"}
        self.report({"INFO"}, f"Camera '{cam.name}' frames the signer; film is transparent")
        return {"FINISHED"}


class SIGNLLM_OT_apply_preferences(bpy.types.Operator):
    """Reset this scene's sign language, speed and handedness to the add-on preferences"""
    bl_idname = "signllm.apply_preferences"
    bl_label = "Use Preference Defaults"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context):
        prefs = preferences.get(context)
        if prefs is None:
            self.report({"ERROR"}, "The add-on preferences are not available.")
            return {"CANCELLED"}
        preferences.apply_defaults(context.scene, prefs, force=True)
        return {"FINISHED"}


CLASSES = (SIGNLLM_OT_sign_subtitles, SIGNLLM_OT_sign_long_text, SIGNLLM_OT_signs_regenerate,
           SIGNLLM_OT_signs_insert_pause, SIGNLLM_OT_export, SIGNLLM_OT_pip_setup, SIGNLLM_OT_apply_preferences)
