"""SIGNLLM_OT_generate / SIGNLLM_OT_generate_from_gloss: sign the panel's text or edited gloss."""
import bpy

from ..signllm_blender import face_mapping, preferences, service
from .guard import guarded


def armature_poll(cls, context):
    """Shared poll: an armature is active (the operator reports the details if not usable)."""
    obj = context.active_object
    if obj is None or obj.type != "ARMATURE":
        cls.poll_message_set("Select the character's armature first")
        return False
    return True


def options_from(context, scene_settings):
    prefs = preferences.get(context)
    preferences.apply_defaults(context.scene, prefs)  # a new scene starts from the preference defaults
    preferences.apply_fps(context.scene, prefs)
    return service.Options(
        language=scene_settings.language, speed=scene_settings.speed, left_handed=scene_settings.left_handed,
        letter_hold=getattr(scene_settings, "letter_hold", 0.22),
        glosser=getattr(scene_settings, "glosser", "rules"),
        generator=getattr(scene_settings, "generator", "lexicon"),
        pose_model=bpy.path.abspath(getattr(scene_settings, "pose_model", "")) if getattr(
            scene_settings, "pose_model", "") else "",
        tolerance=(prefs.tolerance_mm if prefs else 3.0) / 1000.0,
        nla="STRIPS" if scene_settings.nla_strips else "ACTION", face_shape_keys=scene_settings.face_shape_keys,
        **face_mapping.scene_options(context.scene))


class _GenerateBase:
    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context):
        return armature_poll(cls, context)

    def run(self, context, text=None, gloss=None):
        s = context.scene.signllm
        ok, res = guarded(self, lambda: service.generate(context.active_object, context.scene, text=text,
                                                         gloss=gloss, options=options_from(context, s)),
                          "Sign generation")
        if not ok:
            return {"CANCELLED"}
        s.gloss = res.gloss_text
        from ..signllm_blender import studio
        studio.rows_from_service_result(context.scene, res)
        review = [it.gloss for it in res.items if it.review]
        s.review = " ".join(dict.fromkeys(review))
        for w in res.warnings:
            self.report({"WARNING"}, w)
        self.report({"INFO"} if res.verified else {"WARNING"}, f"Signed {len([i for i in res.items if i.kind != 'pause'])} glosses "
                              f"({res.track.n_frames} frames, {res.plan.n_keys} keys) on {res.profile}")
        return {"FINISHED"}


class SIGNLLM_OT_generate(_GenerateBase, bpy.types.Operator):
    """Turn the text into sign language on the active armature (a new action; yours is kept)"""
    bl_idname = "signllm.generate"
    bl_label = "Generate Signing"

    text: bpy.props.StringProperty(name="Text", description="Text to sign (empty: the panel's text)")

    def execute(self, context):
        return self.run(context, text=self.text or context.scene.signllm.text)


class SIGNLLM_OT_generate_from_gloss(_GenerateBase, bpy.types.Operator):
    """Regenerate the signing from the edited gloss"""
    bl_idname = "signllm.generate_from_gloss"
    bl_label = "Regenerate from Gloss"

    gloss: bpy.props.StringProperty(name="Gloss", description="Gloss to sign (empty: the panel's gloss)")

    def execute(self, context):
        g = self.gloss or context.scene.signllm.gloss
        if not g.strip():
            self.report({"ERROR"}, "The gloss is empty: generate from text first or type a gloss.")
            return {"CANCELLED"}
        return self.run(context, gloss=g)


CLASSES = (SIGNLLM_OT_generate, SIGNLLM_OT_generate_from_gloss)
