"""Sign panel section 'Signs to review': the active language's signs marked `review: true`, with their notes."""
import bpy

from ..inference import load_language
from ..inference.errors import SignLLMError
from ..inference.lexicon import flagged_signs
from .panels import SignSubPanel

SHOWN = 30   # rows drawn; the operator prints the full list


class SIGNLLM_PT_lexicon_review(SignSubPanel, bpy.types.Panel):
    bl_label = "Signs to Review"
    bl_idname = "SIGNLLM_PT_lexicon_review"

    def draw(self, context):
        layout = self.layout
        try:
            lang = load_language(context.scene.signllm.language)
        except SignLLMError as exc:
            layout.label(text=str(exc), icon="ERROR")
            return
        rows = flagged_signs(lang.lexicon)
        layout.label(text=f"{len(rows)} of {len(lang.lexicon)} signs marked for review", icon="INFO")
        col = layout.column(align=True)
        for gloss, notes, _ in rows[:SHOWN]:
            r = col.row()
            r.label(text=gloss)
            r.label(text=notes[:80])
        if len(rows) > SHOWN:
            col.label(text=f"... {len(rows) - SHOWN} more")
        layout.operator("signllm.show_flagged", icon="TEXT")


CLASSES = (SIGNLLM_PT_lexicon_review,)
