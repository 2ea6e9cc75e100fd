"""HamNoSys panel section (View3D > Sidebar > Sign > HamNoSys) and its scene settings (scene.signllm_hamnosys)."""
import bpy

from .panels import SignSubPanel



class SIGNLLM_PG_hamnosys(bpy.types.PropertyGroup):
    transcription: bpy.props.StringProperty(
        name="HamNoSys", description="HamNoSys characters or symbol names (hamflathand,hamextfingeru,hampalml,...)",
        default="hamflathand,hamthumboutmod,hamextfingeru,hampalml,hamforehead,hamtouch,hammoveo")
    gloss: bpy.props.StringProperty(name="Gloss", description="Name for the sign", default="HAMNOSYS")
    report: bpy.props.StringProperty(name="Notes", description="What the model could not express")
    loaded: bpy.props.StringProperty(name="Loaded", description="SiGML files loaded this session")


class SIGNLLM_PT_hamnosys(SignSubPanel, bpy.types.Panel):
    bl_label = "HamNoSys / SiGML"
    bl_idname = "SIGNLLM_PT_hamnosys"

    def draw(self, context):
        h = context.scene.signllm_hamnosys
        layout = self.layout
        layout.prop(h, "transcription", text="")
        row = layout.row(align=True)
        row.prop(h, "gloss", text="")
        row.operator("signllm.sign_hamnosys", icon="PLAY")
        if h.report:
            col = layout.column(align=True)
            for part in h.report.split("; ")[:4]:
                col.label(text=part[:90], icon="ERROR")
        layout.operator("signllm.load_sigml", icon="FILEBROWSER")
        if h.loaded:
            layout.label(text=h.loaded[-90:], icon="CHECKMARK")


CLASSES = (SIGNLLM_PG_hamnosys, SIGNLLM_PT_hamnosys)


def register():
    bpy.utils.register_class(SIGNLLM_PG_hamnosys)
    bpy.types.Scene.signllm_hamnosys = bpy.props.PointerProperty(type=SIGNLLM_PG_hamnosys)


def unregister():
    del bpy.types.Scene.signllm_hamnosys
    bpy.utils.unregister_class(SIGNLLM_PG_hamnosys)
