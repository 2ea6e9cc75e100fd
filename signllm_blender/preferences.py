"""Add-on preferences (defaults for new scenes and the key-reduction budget)."""
import bpy

ROOT_PACKAGE = __package__.rpartition(".")[0]


class SIGNLLM_AP_preferences(bpy.types.AddonPreferences):
    bl_idname = ROOT_PACKAGE

    tolerance_mm: bpy.props.FloatProperty(
        name="Key reduction tolerance (mm)", description="Largest hand error allowed when thinning keys",
        default=3.0, min=0.1, max=20.0)

    def draw(self, context):
        self.layout.prop(self, "tolerance_mm")


def get(context=None):
    ctx = context or bpy.context
    addon = ctx.preferences.addons.get(ROOT_PACKAGE)
    return addon.preferences if addon else None


CLASSES = (SIGNLLM_AP_preferences,)
