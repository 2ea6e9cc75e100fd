"""The Blender-facing shell: registration of properties, preferences, operators and panels."""
import bpy

from . import panel_mapping, panels, preferences, properties, studio_panels, studio_props


def _classes():
    from ..operators import CLASSES as OPS
    return preferences.CLASSES + OPS + panels.CLASSES + studio_panels.CLASSES


def register():
    properties.register()
    studio_props.register()
    for c in _classes():
        bpy.utils.register_class(c)
    panel_mapping.register()


def unregister():
    panel_mapping.unregister()
    for c in reversed(_classes()):
        bpy.utils.unregister_class(c)
    studio_props.unregister()
    properties.unregister()
