"""The Blender-facing shell: registration of properties, preferences, operators and panels."""
import bpy

from . import panels, pose_import, preferences, properties


def _classes():
    from ..operators import CLASSES as OPS
    return preferences.CLASSES + OPS + panels.CLASSES


def register():
    properties.register()
    for c in _classes():
        bpy.utils.register_class(c)
    pose_import.register()


def unregister():
    pose_import.unregister()
    for c in reversed(_classes()):
        bpy.utils.unregister_class(c)
    properties.unregister()
