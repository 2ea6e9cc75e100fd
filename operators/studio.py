"""Studio operators: subtitles and long texts (modal, Esc cancels), gloss editor, exports, picture-in-picture.

All call signllm_blender.studio; scripts can call them with modal=False (background mode is always
synchronous, since modal operators never run there).
"""
import logging
import os

import bpy

from ..inference import SignLLMError
from ..signllm_blender import preferences, studio
from ..studio import subtitles
from ..studio.jobs import Cancelled, JobOptions, SignJob
from .generate import armature_poll
from .guard import guarded

log = logging.getLogger(__name__)


def job_options(context, **over):
    prefs = preferences.get(context)
    preferences.apply_defaults(context.scene, prefs)
    preferences.apply_fps(context.scene, prefs)
    s = context.scene.signllm
    opt = JobOptions(language=s.language, speed=s.speed, left_handed=s.left_handed,
                     tolerance=(prefs.tolerance_mm if prefs else 3.0) / 1000.0,
                     rate_limits=((prefs.rate_min, prefs.rate_max) if prefs else JobOptions.rate_limits))
    if prefs:
        opt.lag, opt.max_sign_rate, opt.condense = prefs.lag, prefs.max_sign_rate, prefs.condense
    for k, v in over.items():
        setattr(opt, k, v)
    return opt


class _JobOperator:
    """Runs a SignJob: step by step on a timer with a progress bar (Esc cancels), or all at once."""
    bl_options = {"REGISTER", "UNDO"}

    use_modal: bpy.props.BoolProperty(name="Modal", description="Run with a progress bar (Esc cancels)",
                                  default=True, options={"SKIP_SAVE", "HIDDEN"})

    @classmethod
    def poll(cls, context):
        return armature_poll(cls, context)

    def make_job(self, context):
        raise NotImplementedError

    def label(self):
        return ""

    def start(self, context):
        ok, self._job = guarded(self, lambda: self.make_job(context), "Signing", kept="Nothing was written.")
        if not ok:
            return {"CANCELLED"}
        self._obj = context.active_object
        if self.use_modal and not bpy.app.background and context.window is not None:
            self._steps = self._job.steps()
            wm = context.window_manager
            wm.progress_begin(0, self._job.n_steps)
            self._timer = wm.event_timer_add(0.01, window=context.window)
            wm.modal_handler_add(self)
            return {"RUNNING_MODAL"}
        if not guarded(self, self._job.run, "Signing", kept="Nothing was written.")[0]:
            return {"CANCELLED"}
        return self.done(context)

    def _end(self, context):
        wm = context.window_manager
        wm.event_timer_remove(self._timer)
        wm.progress_end()
        if context.workspace:
            context.workspace.status_text_set(None)

    def modal(self, context, event):
        if event.type == "ESC":
            self._job.cancel()
            self._end(context)
            self.report({"WARNING"}, "Signing cancelled; the scene was left as it was.")
            return {"CANCELLED"}
        if event.type != "TIMER":
            return {"PASS_THROUGH"}
        try:
            done, total, label = next(self._steps)
        except StopIteration:
            self._end(context)
            return self.done(context)
        except (SignLLMError, Cancelled) as exc:
            self._end(context)
            self.report({"ERROR"}, str(exc) or "Cancelled")
            return {"CANCELLED"}
        except Exception as exc:
            self._end(context)
            log.exception("signing job failed")
            self.report({"ERROR"}, f"Signing failed unexpectedly ({type(exc).__name__}: {exc}); nothing was written.")
            return {"CANCELLED"}
        context.window_manager.progress_update(done)
        if context.workspace:
            context.workspace.status_text_set(f"Signing {label} ({done}/{total}) - Esc to cancel")
        return {"RUNNING_MODAL"}

    def done(self, context):
        # (e.g. the armature was deleted while the job ran)
        if not guarded(self, lambda: studio.finish(self._obj, context.scene, self._job, label=self.label()),
                       "Writing the signing", kept="Your previous animation was kept.")[0]:
            return {"CANCELLED"}
        res = self._job.result
        if res.problems or res.overlaps:   # one line for the file; the per-cue lines are in the Signs panel
            self.report({"WARNING"}, res.summary)
        n = sum(1 for p in res.placements if p.track is not None)
        reused = f", {self._job.reused} unchanged cues reused" if self._job.reused else ""
        self.report({"INFO"}, f"Signed {n} of {len(res.placements)} cues ({res.track.n_frames} frames, "
                              f"{res.plan.n_keys} keys{reused}); {len(res.problems)} need attention")
        return {"FINISHED"}


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
        return studio.prepare(context.active_object, context.scene, cues, job_options(context, policy=self.policy))

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
        base = studio.prepare(context.active_object, context.scene, [subtitles.Cue(1, 0, 0, "x")],
                              job_options(context))
        return SignJob.from_text(text, base.body, base.opt, rig=base.rig, profile=base.profile, cache=base.cache,
                                 rig_key=base.rig_key)

    def execute(self, context):
        return self.start(context)


class SIGNLLM_OT_signs_regenerate(_JobOperator, bpy.types.Operator):
    """Regenerate the signing from the edited sign list (every cue is re-synthesised)"""
    bl_idname = "signllm.signs_regenerate"
    bl_label = "Regenerate from Sign List"

    def label(self):
        return "edited"

    def make_job(self, context):
        return studio.regenerate_job(context.active_object, context.scene, job_options(context))

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
    """Export the animated character with Blender's FBX, BVH or glTF exporter"""
    bl_idname = "signllm.export"
    bl_label = "Export Signing"
    bl_options = {"REGISTER"}

    filepath: bpy.props.StringProperty(subtype="FILE_PATH", options={"SKIP_SAVE"})
    format: bpy.props.EnumProperty(name="Format", items=[("FBX", "FBX", ""), ("BVH", "BVH", ""),
                                                         ("GLTF", "glTF (.glb)", "")])
    deform_only: bpy.props.BoolProperty(name="Deform bones only", default=True)

    @classmethod
    def poll(cls, context):
        return armature_poll(cls, context)

    def invoke(self, context, event):
        if not self.filepath:
            ext = {"FBX": ".fbx", "BVH": ".bvh", "GLTF": ".glb"}[self.format]
            self.filepath = bpy.path.ensure_ext(bpy.path.abspath("//signing") if bpy.data.filepath else "signing", ext)
        context.window_manager.fileselect_add(self)
        return {"RUNNING_MODAL"}

    def execute(self, context):
        ext = {"FBX": ".fbx", "BVH": ".bvh", "GLTF": ".glb"}[self.format]
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
