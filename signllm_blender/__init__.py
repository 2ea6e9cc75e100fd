"""The Blender-facing shell: properties, preferences, panels, the service (the pipeline's bpy half).

Operators live in the sibling package `operators/`, which imports this one (never the other way round);
the extension's root __init__.py registers both.
"""
import bpy

from . import (hamnosys_ui, lexicon_panel, panel_face, panel_mapping, panels, pose_import, preferences, properties,
               signs, studio_panels, studio_props)


def _classes():
    return (preferences.CLASSES + panels.CLASSES + studio_panels.CLASSES + (hamnosys_ui.SIGNLLM_PT_hamnosys,)
            + lexicon_panel.CLASSES)


def register():
    properties.register()
    studio_props.register()
    hamnosys_ui.register()
    for c in _classes():
        bpy.utils.register_class(c)
    panel_mapping.register()
    panel_face.register()
    pose_import.register()
    signs.register()


def unregister():
    signs.unregister()
    pose_import.unregister()
    panel_face.unregister()
    panel_mapping.unregister()
    for c in reversed(_classes()):
        bpy.utils.unregister_class(c)
    hamnosys_ui.unregister()
    studio_props.unregister()
    properties.unregister()
