"""The Blender-facing shell: registration of properties, preferences, operators and panels."""
import bpy

from . import hamnosys_ui, panels, preferences, properties


def _classes():
    from ..operators import CLASSES as OPS
    return preferences.CLASSES + OPS + panels.CLASSES + (hamnosys_ui.SIGNLLM_PT_hamnosys,)


def register():
    properties.register()
    hamnosys_ui.register()
    for c in _classes():
        bpy.utils.register_class(c)


def unregister():
    for c in reversed(_classes()):
        bpy.utils.unregister_class(c)
    hamnosys_ui.unregister()
    properties.unregister()
