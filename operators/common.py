"""What every operator shares: the armature poll, the panel's Options, and the job runner (progress, Esc)."""
import logging

import bpy

from ..inference import SignLLMError
from ..signllm_blender import face_mapping, preferences, service
from ..studio.jobs import Cancelled
from ..studio.options import Options
from .guard import guarded

log = logging.getLogger(__name__)

MODAL_WORDS = 120   # a text longer than this (about a second of work) runs as the modal job with progress


def armature_poll(cls, context):
    """Shared poll: an armature is active (the operator reports the details if not usable)."""
    obj = context.active_object
    if obj is None or obj.type != "ARMATURE":
        cls.poll_message_set("Select the character's armature first")
        return False
    return True


def panel_options(context, **over) -> Options:
    """The one Options of the panel (scene.signllm) and the add-on preferences; every operator uses it."""
    prefs = preferences.get(context)
    preferences.apply_defaults(context.scene, prefs)  # a new scene starts from the preference defaults
    s = context.scene.signllm

    def f(v):   # Blender keeps float properties in single precision: 0.22 is 0.2199999988 there, and frame
        return round(float(v), 6)   # counts that round at .5 would differ from the same value typed in Python

    opt = Options(
        language=s.language, speed=f(s.speed), left_handed=s.left_handed, letter_hold=f(s.letter_hold),
        glosser=s.glosser, generator=s.generator,
        pose_model=bpy.path.abspath(s.pose_model) if s.pose_model else _folder_model(prefs, "gloss2pose.onnx"),
        nla="STRIPS" if s.nla_strips else "ACTION", face_shape_keys=s.face_shape_keys,
        tolerance=f(prefs.tolerance_mm if prefs else 3.0) / 1000.0,
        fps=float(prefs.fps) if prefs is not None and prefs.fps_mode == "SET" else None,
        rate_limits=((f(prefs.rate_min), f(prefs.rate_max)) if prefs else Options.rate_limits),
        lag=f(prefs.lag) if prefs else Options.lag,
        max_sign_rate=f(prefs.max_sign_rate) if prefs else Options.max_sign_rate,
        condense=prefs.condense if prefs else Options.condense,
        **face_mapping.scene_options(context.scene))
    return opt.with_(**over) if over else opt


def _folder_model(prefs, name):
    """A model of that name in the preferences' model folder ('' when there is none: the shipped one)."""
    import os
    folder = preferences.model_folder(prefs) if prefs is not None else ""
    path = os.path.join(folder, name) if folder else ""
    return path if path and os.path.isfile(path) else ""


options_from = panel_options   # older name (scripts, the HamNoSys operator)


class JobOperator:
    """Runs a SignJob: step by step on a timer with a progress bar (Esc cancels) when the work is long and
    a window is there, else all at once (background mode never runs modal operators)."""
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

    def is_long(self, job):
        """Worth a progress bar: several chunks, or more than MODAL_WORDS words."""
        words = sum(len(c.text.split()) for c in job.cues) + sum(len(v) for v in job.items.values())
        return len(job.cues) > 1 or words > MODAL_WORDS

    def start(self, context):
        ok, self._job = guarded(self, lambda: self.make_job(context), "Signing", kept="Nothing was written.")
        if not ok:
            return {"CANCELLED"}
        self._obj = context.active_object
        if self.use_modal and not bpy.app.background and context.window is not None and self.is_long(self._job):
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
        if not guarded(self, lambda: service.write(self._obj, context.scene, self._job, label=self.label() or None),
                       "Writing the signing", kept="Your scene was left unchanged.")[0]:
            return {"CANCELLED"}
        job = self._job
        res = job.result
        for msg in list(dict.fromkeys(job.warnings + job.profile.warnings + list(res.plan.warnings))):
            self.report({"WARNING"}, msg)
        if len(res.placements) > 1 and (res.problems or res.overlaps):
            self.report({"WARNING"}, res.summary)   # one line; the per-cue lines are in the Subtitles panel
        elif res.report:
            self.report({"WARNING"}, "; ".join(res.report[:3]))
        check = getattr(job, "check", None)
        if check is not None and not check.ok:
            for w in check.warnings:
                self.report({"WARNING"}, w)
        n = sum(1 for p in res.placements if p.track is not None)
        reused = f", {job.reused} unchanged cues reused" if job.reused else ""
        signs = len([i for i in res.items if i.kind != "pause"])
        what = (f"{n} of {len(res.placements)} cues" if len(res.placements) > 1 else f"{signs} glosses")
        self.report({"INFO"}, f"Signed {what} ({res.track.n_frames} frames, {res.plan.n_keys} keys{reused}) on "
                              f"{job.profile.label}")
        # Blender keeps the finished operator (Adjust Last Operation): without this it would hold the whole
        # job (track, key plan) while the undo step copies the scene. Live edits and Regenerate keep theirs.
        self._job = None
        return {"FINISHED"}
