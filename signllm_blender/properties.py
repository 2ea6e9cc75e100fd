"""Scene settings shown in the panel (scene.signllm)."""
import bpy


def _languages(self, context):
    from ..inference import available
    try:
        return [(code, code, name) for code, name in available()]
    except Exception:  # a broken data file must not break the UI
        return [("ASL", "ASL", "American Sign Language")]


class SIGNLLM_PG_settings(bpy.types.PropertyGroup):
    text: bpy.props.StringProperty(name="Text", description="What the character should sign",
                                   default="Hello, what is your name?")
    language: bpy.props.EnumProperty(name="Sign language", items=_languages)
    glosser: bpy.props.EnumProperty(
        name="Glosser", description="How text becomes gloss",
        items=[("rules", "Rules", "Rule-based glosser (lexicon + grammar tables)"),
               ("neural", "Neural", "Small seq2seq model (onnxruntime); research data, non-commercial"),
               ("neural+rules", "Neural + rules", "Neural model; glosses it cannot map are rule-handled")],
        default="rules")
    speed: bpy.props.FloatProperty(name="Speed", description="Signing speed (1 = citation pace)",
                                   default=1.0, min=0.25, max=4.0)
    left_handed: bpy.props.BoolProperty(name="Left-handed signer", default=False)
    gloss: bpy.props.StringProperty(name="Gloss", description="The generated gloss; edit it and regenerate")
    review: bpy.props.StringProperty(name="Review", description="Glosses a reviewer should check")


CLASSES = (SIGNLLM_PG_settings,)


def register():
    for c in CLASSES:
        bpy.utils.register_class(c)
    bpy.types.Scene.signllm = bpy.props.PointerProperty(type=SIGNLLM_PG_settings)


def unregister():
    del bpy.types.Scene.signllm
    for c in reversed(CLASSES):
        bpy.utils.unregister_class(c)
