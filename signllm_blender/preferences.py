"""Add-on preferences: defaults for new scenes, fps handling, model folder, key-reduction budget."""
import bpy

ROOT_PACKAGE = __package__.rpartition(".")[0]


def _languages(self, context):
    from ..inference import available
    try:
        return [(code, code, name) for code, name in available()]
    except Exception:  # a broken data file must not break the preferences
        return [("ASL", "ASL", "American Sign Language")]


class SIGNLLM_AP_preferences(bpy.types.AddonPreferences):
    bl_idname = ROOT_PACKAGE

    tolerance_mm: bpy.props.FloatProperty(
        name="Key reduction tolerance (mm)", description="Largest hand error allowed when thinning keys",
        default=3.0, min=0.1, max=20.0)
    language: bpy.props.EnumProperty(name="Default sign language", items=_languages)
    speed: bpy.props.FloatProperty(name="Default signing speed", default=1.0, min=0.25, max=4.0)
    left_handed: bpy.props.BoolProperty(name="Left-handed signer by default", default=False)
    fps_mode: bpy.props.EnumProperty(
        name="Frame rate", items=[("KEEP", "Keep the scene's", "Sign at the scene's frame rate"),
                                  ("SET", "Set", "Set the scene's frame rate before signing (e.g. to a video's)")],
        default="KEEP")
    fps: bpy.props.IntProperty(name="Frame rate to set", default=25, min=1, max=240)
    rate_min: bpy.props.FloatProperty(name="Slowest subtitle rate", default=0.7, min=0.25, max=1.0)
    rate_max: bpy.props.FloatProperty(name="Fastest subtitle rate", default=2.5, min=1.0, max=4.0,
                                      description="Speed-up cap of a cue; the signs-per-second cap keeps it readable")
    lag: bpy.props.FloatProperty(name="Lag behind speech", default=1.5, min=0.0, max=5.0, unit="TIME_ABSOLUTE",
                                 description="Seconds the signing may run behind the subtitles, as an interpreter does")
    max_sign_rate: bpy.props.FloatProperty(name="Fluent rate (signs/s)", default=3.0, min=1.0, max=5.0,
                                           description="Cues are never compressed beyond this many signs a second")
    condense: bpy.props.BoolProperty(name="Condense when behind", default=True,
                                     description="Leave out fillers and intensifiers and shorten holds when a cue "
                                                 "cannot keep up (every left-out sign is reported)")
    model_folder: bpy.props.StringProperty(
        name="Model folder", subtype="DIR_PATH",
        description="Where neural models are looked for (empty: this extension's user directory)")

    def draw(self, context):
        col = self.layout.column()
        col.prop(self, "language")
        col.prop(self, "speed")
        col.prop(self, "left_handed")
        row = col.row()
        row.prop(self, "fps_mode")
        sub = row.row()
        sub.enabled = self.fps_mode == "SET"
        sub.prop(self, "fps")
        row = col.row(align=True)
        row.prop(self, "rate_min")
        row.prop(self, "rate_max")
        row = col.row(align=True)
        row.prop(self, "lag")
        row.prop(self, "max_sign_rate")
        col.prop(self, "condense")
        col.prop(self, "tolerance_mm")
        col.prop(self, "model_folder")
        col.label(text="Models: " + model_folder(self), icon="FILE_FOLDER")


def get(context=None):
    ctx = context or bpy.context
    addon = ctx.preferences.addons.get(ROOT_PACKAGE)
    return addon.preferences if addon else None


def model_folder(prefs=None):
    """The model folder: the preference, else the extension's user directory ('' when not installed)."""
    if prefs is not None and prefs.model_folder:
        return bpy.path.abspath(prefs.model_folder)
    try:
        return bpy.utils.extension_path_user(ROOT_PACKAGE, path="models", create=True)
    except (ValueError, KeyError, RuntimeError):  # not running as an installed extension
        return ""


def apply_defaults(scene, prefs, force=False):
    """Give a scene's settings the preference defaults where the user never set them (force: all)."""
    if prefs is None:
        return False
    s = scene.signllm
    changed = False
    for name in ("language", "speed", "left_handed"):
        if force or not s.is_property_set(name):
            try:
                setattr(s, name, getattr(prefs, name))
                changed = True
            except TypeError:  # a language the data no longer has
                pass
    return changed


def apply_fps(scene, prefs):
    """Set the scene's frame rate when the preferences ask for it."""
    if prefs is not None and prefs.fps_mode == "SET":
        scene.render.fps = prefs.fps
        scene.render.fps_base = 1.0


CLASSES = (SIGNLLM_AP_preferences,)
