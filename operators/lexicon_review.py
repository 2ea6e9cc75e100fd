"""SIGNLLM_OT_show_flagged: report the active language's signs marked for review (`review: true`), with notes."""
import bpy

from ..inference import load_language
from ..inference.lexicon import flagged_signs
from .guard import guarded


class SIGNLLM_OT_show_flagged(bpy.types.Operator):
    """List the signs of the active sign language whose form is marked for review, with their notes"""
    bl_idname = "signllm.show_flagged"
    bl_label = "Signs to Review"
    bl_options = {"REGISTER"}   # reads the lexicon only: nothing to undo

    def execute(self, context):
        def listing():
            lang = load_language(context.scene.signllm.language)
            rows = flagged_signs(lang.lexicon)
            print(f"SignLLM: {len(rows)} of {len(lang.lexicon)} {lang.code} signs are marked for review")
            for gloss, notes, fname in rows:
                print(f"  {gloss} ({fname}): {notes}")
            head = ", ".join(g for g, _, _ in rows[:12]) + (" ..." if len(rows) > 12 else "")
            self.report({"INFO"}, f"{len(rows)} of {len(lang.lexicon)} {lang.code} signs marked for review"
                         + (f": {head} (full list with notes in the system console)" if rows else ""))
        ok, _ = guarded(self, listing)
        return {"FINISHED"} if ok else {"CANCELLED"}


CLASSES = (SIGNLLM_OT_show_flagged,)
