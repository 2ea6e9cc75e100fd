"""Scene data for the gloss editor: one row per generated sign (scene.signllm_signs)."""
import bpy


def _jump(self, context):
    """Selecting a row moves the playhead to that sign."""
    scene = context.scene if context and context.scene else None
    if scene is None:
        return
    i = scene.signllm_sign_index
    if 0 <= i < len(scene.signllm_signs):
        scene.frame_set(scene.signllm_signs[i].start)


def _edited(self, context):
    from .signs import row_edited
    row_edited(self, context)


class SIGNLLM_PG_sign(bpy.types.PropertyGroup):
    gloss: bpy.props.StringProperty(name="Gloss", description="Sign gloss (fs-NAME fingerspells, / is a pause)",
                                    update=_edited)
    kind: bpy.props.StringProperty(name="Kind")
    words: bpy.props.StringProperty(name="Words", description="The source words this sign renders")
    source: bpy.props.StringProperty(name="Source", description="lexicon, fingerspelling, neural or pause")
    review: bpy.props.BoolProperty(name="Review", description="Flagged for review by a signer")
    marks: bpy.props.StringProperty(name="Non-manual marks")
    letters: bpy.props.StringProperty(name="Letters")
    name: bpy.props.BoolProperty(name="Proper name")
    duration: bpy.props.FloatProperty(name="Duration", description="Seconds at speed 1 (0: the lexicon's)",
                                      default=0.0, min=0.0, max=10.0, unit="TIME_ABSOLUTE", update=_edited)
    speed: bpy.props.FloatProperty(name="Speed", description="This sign's speed factor", default=1.0,
                                   min=0.25, max=4.0, update=_edited)
    cue: bpy.props.IntProperty(name="Cue")
    start: bpy.props.IntProperty(name="Start", description="First frame of the sign")
    frames: bpy.props.IntProperty(name="Frames", description="Length in frames")
    seconds: bpy.props.FloatProperty(name="Seconds", description="How long the sign took, at speed 1")
    flag: bpy.props.StringProperty(name="Flag", description="fingerspelled / review")


CLASSES = (SIGNLLM_PG_sign,)


def register():
    for c in CLASSES:
        bpy.utils.register_class(c)
    bpy.types.Scene.signllm_signs = bpy.props.CollectionProperty(type=SIGNLLM_PG_sign)
    bpy.types.Scene.signllm_sign_index = bpy.props.IntProperty(name="Sign", default=-1, update=_jump)


def unregister():
    del bpy.types.Scene.signllm_sign_index
    del bpy.types.Scene.signllm_signs
    for c in reversed(CLASSES):
        bpy.utils.unregister_class(c)
