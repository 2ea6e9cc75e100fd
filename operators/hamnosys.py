"""SIGNLLM_OT_sign_hamnosys (sign a typed/pasted HamNoSys transcription) and SIGNLLM_OT_load_sigml
(add a user's .sigml file or folder to the active language's lexicon for this session)."""
import os

import bpy
from bpy_extras.io_utils import ImportHelper

from ..inference import hamnosys, load_language
from ..signllm_blender import service
from .common import armature_poll, panel_options
from .guard import guarded

PANEL = "HamNoSys panel"


class SIGNLLM_OT_sign_hamnosys(bpy.types.Operator):
    """Sign a HamNoSys transcription (Unicode HamNoSys characters or symbol names such as hamflathand) on the active armature"""
    bl_idname = "signllm.sign_hamnosys"
    bl_label = "Sign HamNoSys"
    bl_options = {"REGISTER", "UNDO"}

    hamnosys: bpy.props.StringProperty(name="HamNoSys", description="Transcription (empty: the panel's field)")
    gloss: bpy.props.StringProperty(name="Gloss", description="Name of the sign (empty: the panel's gloss name)")

    @classmethod
    def poll(cls, context):
        return armature_poll(cls, context)

    def execute(self, context):
        s = context.scene.signllm
        h = context.scene.signllm_hamnosys
        text = self.hamnosys or h.transcription
        def sign_it():
            lang = load_language(s.language)
            sign = hamnosys.parse(text, gloss=self.gloss or h.gloss or "HAMNOSYS", phonology=lang.phonology)
            from ..inference.synthesis import Synthesizer
            hamnosys.make_synthesizable(sign, Synthesizer(lang.phonology, lang.lexicon, lang.alphabet))
            if lang.lexicon.source_of.get(sign.gloss, PANEL) != PANEL:
                # never shadow a lexicon sign with a typed transcription: keep both
                sign.entry["gloss"] = sign.gloss.split(".")[0] + ".HNS"
            hamnosys.add_to_lexicon(lang.lexicon, [sign], source=PANEL, replace=True)
            return sign, service.generate(context.active_object, context.scene, gloss=sign.gloss,
                                          options=panel_options(context))

        ok, out = guarded(self, sign_it, "HamNoSys signing")
        if not ok:
            return {"CANCELLED"}
        sign, res = out
        h.report = sign.report()[:1000]
        s.gloss = res.gloss_text
        s.review = sign.gloss if sign.entry.get("review") else ""
        for issue in sign.unsupported[:5]:
            self.report({"WARNING"}, f"HamNoSys {issue}")
        self.report({"INFO"}, f"Signed HamNoSys as {sign.gloss} ({res.track.n_frames} frames"
                              f"{', ' + str(len(sign.issues)) + ' symbol notes' if sign.issues else ''})")
        return {"FINISHED"}


class SIGNLLM_OT_load_sigml(bpy.types.Operator, ImportHelper):
    """Load a SiGML file (or every .sigml file in its folder) as extra signs of the active sign language"""
    bl_idname = "signllm.load_sigml"
    bl_label = "Load SiGML Lexicon"
    bl_options = {"REGISTER", "UNDO"}

    filename_ext = ".sigml"
    filter_glob: bpy.props.StringProperty(default="*.sigml;*.xml", options={"HIDDEN"})
    whole_folder: bpy.props.BoolProperty(name="Whole folder", default=False,
                                         description="Load every .sigml file in the chosen file's folder")
    replace: bpy.props.BoolProperty(name="Replace existing signs", default=True,
                                    description="A sign with the same gloss replaces the lexicon's")

    def execute(self, context):
        s = context.scene.signllm
        path = self.filepath
        if self.whole_folder or os.path.isdir(path):
            path = path if os.path.isdir(path) else os.path.dirname(path)
        ok, res = guarded(self, lambda: hamnosys.load_user_lexicon(path, s.language, replace=self.replace),
                          f"Loading {os.path.basename(path)}", kept="Nothing was added.")
        if not ok:
            return {"CANCELLED"}
        h = context.scene.signllm_hamnosys
        h.loaded = (h.loaded + "; " if h.loaded else "") + f"{os.path.basename(path)}: {len(res['added'])} signs"
        if res["skipped"]:
            self.report({"WARNING"}, f"Skipped {len(res['skipped'])}: " + "; ".join(res["skipped"][:3]))
        if res["issues"]:
            self.report({"WARNING"}, f"{len(res['issues'])} signs use symbols the model approximates (flagged review)")
        self.report({"INFO"}, f"Added {len(res['added'])} {s.language} signs from {os.path.basename(path)}")
        return {"FINISHED"} if res["added"] else {"CANCELLED"}


CLASSES = (SIGNLLM_OT_sign_hamnosys, SIGNLLM_OT_load_sigml)
