"""Sidebar sub-panels: the sign list (gloss editor), subtitles, export and picture-in-picture."""
import bpy

from .panels import SignSubPanel


_ICON = {"fingerspelled": "ERROR", "review": "ERROR"}
_SOURCE_ICON = {"lexicon": "BOOKMARKS", "fingerspelling": "HAND", "neural": "NETWORK_DRIVE", "pause": "PAUSE"}


def _report(scene):
    import json
    try:
        return json.loads(scene.get("signllm_cue_report", "[]"))
    except ValueError:
        return []


class SIGNLLM_UL_signs(bpy.types.UIList):
    """One row per generated sign: gloss, source words, source, start, duration, speed."""

    def draw_item(self, context, layout, data, item, icon, active_data, active_propname, index=0):
        row = layout.row(align=True)
        row.label(text="", icon=_ICON.get(item.flag, _SOURCE_ICON.get(item.source, "DOT")))
        row.prop(item, "gloss", text="", emboss=False)
        sub = row.row(align=True)
        sub.scale_x = 0.9
        sub.label(text=item.words[:18])
        sub.label(text=item.source[:5])
        fps = context.scene.render.fps / context.scene.render.fps_base
        sub.label(text=f"{item.start}  {item.frames / fps:.2f}s")
        sub.label(text=f"x{item.speed:.2g}")


class SIGNLLM_PT_signs(SignSubPanel, bpy.types.Panel):
    bl_label = "Signs"
    bl_idname = "SIGNLLM_PT_signs"
    bl_options = set()            # open by default

    def draw(self, context):
        scene = context.scene
        layout = self.layout
        layout.template_list("SIGNLLM_UL_signs", "", scene, "signllm_signs", scene, "signllm_sign_index", rows=6)
        i = scene.signllm_sign_index
        if 0 <= i < len(scene.signllm_signs):
            it = scene.signllm_signs[i]
            box = layout.box()
            box.prop(it, "gloss")
            row = box.row(align=True)
            row.enabled = it.kind != "spell"
            row.prop(it, "duration")
            row.prop(it, "speed")
            if it.flag:
                box.label(text=f"{it.gloss}: {it.flag} - check with a signer", icon="ERROR")
        row = layout.row(align=True)
        row.operator("signllm.signs_insert_pause", icon="PAUSE")
        row.operator("signllm.signs_regenerate", icon="FILE_REFRESH", text="Regenerate")
        row.prop(scene.signllm, "live", toggle=True, icon="REC")
        if scene.signllm.live and scene.get("signllm_live_status"):
            layout.label(text=str(scene["signllm_live_status"])[:80], icon="INFO")


class SIGNLLM_PT_studio(SignSubPanel, bpy.types.Panel):
    bl_label = "Subtitles & Export"
    bl_idname = "SIGNLLM_PT_studio"

    def draw(self, context):
        layout = self.layout
        layout.operator("signllm.sign_subtitles", icon="FILE_TEXT")
        report = _report(context.scene)
        if report:
            box = layout.box()
            for line in report[:8]:
                box.label(text=line, icon="ERROR")
            if len(report) > 8:
                box.label(text=f"... and {len(report) - 8} more (see the Info editor)")
        layout.operator("signllm.sign_long_text", icon="TEXT")
        row = layout.row(align=True)
        from ..studio.export_formats import FORMATS
        for fmt in FORMATS:
            row.operator("signllm.export", text=fmt.label).format = fmt.key
        layout.operator("signllm.pip_setup", icon="CAMERA_DATA")
        layout.operator("signllm.apply_preferences", icon="PREFERENCES")


CLASSES = (SIGNLLM_UL_signs, SIGNLLM_PT_signs, SIGNLLM_PT_studio)
