"""Scene settings shown in the panel (scene.signllm)."""
import bpy


_LANGUAGE_ITEMS = []  # Blender needs Python to keep the enum strings alive


def _languages(self, context):
    from ..inference import available
    try:
        items = [(code, code, name) for code, name in available()]
    except Exception:  # a broken data file must not break the UI
        items = [("ASL", "ASL", "American Sign Language")]
    _LANGUAGE_ITEMS[:] = items
    return _LANGUAGE_ITEMS


class SIGNLLM_PG_settings(bpy.types.PropertyGroup):
    text: bpy.props.StringProperty(name="Text", description="What the character should sign",
                                   default="Hello, what is your name?")
    text_block: bpy.props.PointerProperty(
        name="Text block", type=bpy.types.Text,
        description="Sign this text datablock (Text Editor; multi-line, any length) instead of the line above")
    live: bpy.props.BoolProperty(
        name="Live", default=False,
        description="Re-sign as you edit the Signs list: only the edited sign's neighbourhood is re-keyed")
    language: bpy.props.EnumProperty(name="Sign language", items=_languages)
    glosser: bpy.props.EnumProperty(
        name="Glosser", description="How text becomes gloss",
        items=[("rules", "Rules", "Rule-based glosser (lexicon + grammar tables)"),
               ("neural", "Neural", "Small seq2seq model (onnxruntime); research data, non-commercial"),
               ("neural+rules", "Neural + rules", "Neural model; glosses it cannot map are rule-handled")],
        default="rules")
    generator: bpy.props.EnumProperty(
        name="Generator", description="How glosses become motion",
        items=[("lexicon", "Lexicon", "Synthesis from the sign lexicon (the product path)"),
               ("neural", "Neural pose model", "A trained gloss -> pose model (onnxruntime): research comparison")],
        default="lexicon")
    pose_model: bpy.props.StringProperty(name="Pose model", subtype="FILE_PATH",
                                         description=".onnx exported by training/pose_model (empty: the shipped one)")
    speed: bpy.props.FloatProperty(name="Speed", description="Signing speed (1 = citation pace)",
                                   default=1.0, min=0.25, max=4.0)
    left_handed: bpy.props.BoolProperty(name="Left-handed signer", default=False)
    letter_hold: bpy.props.FloatProperty(name="Letter hold", description="Seconds each fingerspelled letter is "
                                         "held (at speed 1)", default=0.22, min=0.08, max=1.0, unit="TIME_ABSOLUTE")
    gloss: bpy.props.StringProperty(name="Gloss", description="The generated gloss; edit it and regenerate")
    review: bpy.props.StringProperty(name="Review", description="Glosses a reviewer should check")
    nla_strips: bpy.props.BoolProperty(
        name="NLA strip per sign", default=False,
        description="Put each sign in its own NLA strip (head and face on their own track) instead of one action")
    face_shape_keys: bpy.props.BoolProperty(
        name="Face shape keys", default=True,
        description="Key face shape keys (ARKit, VRoid, VRM 1.0: brows, eyes, mouth) on meshes bound to the rig")


CLASSES = (SIGNLLM_PG_settings,)


def register():
    for c in CLASSES:
        bpy.utils.register_class(c)
    bpy.types.Scene.signllm = bpy.props.PointerProperty(type=SIGNLLM_PG_settings)


def unregister():
    del bpy.types.Scene.signllm
    for c in reversed(CLASSES):
        bpy.utils.unregister_class(c)
