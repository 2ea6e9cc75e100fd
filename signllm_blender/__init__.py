"""The Blender-facing shell: registration of properties, preferences, operators and panels."""
import bpy

from . import (hamnosys_ui, lexicon_panel, panel_face, panel_mapping, panels, pose_import, preferences, properties,
               studio_panels, studio_props)


def _classes():
    from ..operators import CLASSES as OPS
    return (preferences.CLASSES + OPS + panels.CLASSES + studio_panels.CLASSES + (hamnosys_ui.SIGNLLM_PT_hamnosys,)
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
    from ..operators import character as character_op
    character_op.register_menu()


def unregister():
    from ..operators import character as character_op
    character_op.unregister_menu()
    pose_import.unregister()
    panel_face.unregister()
    panel_mapping.unregister()
    for c in reversed(_classes()):
        bpy.utils.unregister_class(c)
    hamnosys_ui.unregister()
    studio_props.unregister()
    properties.unregister()
