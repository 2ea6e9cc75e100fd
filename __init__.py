"""signllm_blender: type text, get a signing character. Extension entry point.

The repository root is the extension package (blender_manifest.toml sits beside this file).
Importing it needs no bpy; register() pulls in the Blender-facing shell.
"""


def register():
    from .signllm_blender import register as _register
    _register()


def unregister():
    from .signllm_blender import unregister as _unregister
    _unregister()
