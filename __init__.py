"""signllm_blender: type text, get a signing character. Extension entry point.

The repository root is the extension package (blender_manifest.toml sits beside this file).
Importing it needs no bpy; register() pulls in the Blender-facing shell, then the operators.
"""


def register():
    import bpy

    from . import operators, signllm_blender
    signllm_blender.register()
    for c in operators.CLASSES:
        bpy.utils.register_class(c)
    operators.register()
    try:                                   # a file opened before the add-on was enabled
        signllm_blender.signs.sync_rows()
    except AttributeError:                 # bpy.data is not readable while Blender starts: do it just after
        bpy.app.timers.register(lambda: signllm_blender.signs.sync_rows() and None, first_interval=0.1)


def unregister():
    import bpy

    from . import operators, signllm_blender
    operators.unregister()
    for c in reversed(operators.CLASSES):
        bpy.utils.unregister_class(c)
    signllm_blender.unregister()
