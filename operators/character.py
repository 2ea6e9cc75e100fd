"""SIGNLLM_OT_add_character: add the default signing human (skinned, 52 ARKit face keys) with a chosen skeleton."""
import bpy

from ..signllm_blender import character
from .guard import guarded

_SKELETONS = (
    ("default", "MakeHuman", "MakeHuman/MPFB default skeleton (163 bones, face and toe bones)"),
    ("game_engine", "Game engine", "Unreal-style names (pelvis, upperarm_l, hand_l, index_01_l; 53 bones)"),
    ("mixamo", "Mixamo", "Mixamo names (mixamorig:LeftArm, ...; 52 bones)"),
    ("cmu_mb", "CMU mocap", "CMU motion-capture skeleton (31 bones, no finger joints)"),
    ("rigify", "Rigify", "MPFB Rigify metarig, generated with Rigify (IK/FK controls, DEF- deform bones)"),
)


class SIGNLLM_OT_add_character(bpy.types.Operator):
    """Add a skinned human to sign with (open MakeHuman data, CC0), with the chosen skeleton"""
    bl_idname = "signllm.add_character"
    bl_label = "Add Signing Character"
    bl_options = {"REGISTER", "UNDO"}

    skeleton: bpy.props.EnumProperty(name="Skeleton", items=_SKELETONS, default="default")
    name: bpy.props.StringProperty(name="Name", default="SignHuman")

    @classmethod
    def poll(cls, context):
        if context.mode != "OBJECT":
            cls.poll_message_set("Switch to Object Mode first")
            return False
        return True

    def execute(self, context):
        ok, made = guarded(self, lambda: character.build_human(self.skeleton, self.name or "SignHuman",
                                                               context.collection),
                           "Adding the character")
        if not ok:
            return {"CANCELLED"}
        rig, body = made
        rig.location = context.scene.cursor.location
        self.report({"INFO"}, f"Added '{rig.name}' ({len(rig.data.bones)} bones, "
                              f"{len(body.data.shape_keys.key_blocks) - 1} face shape keys): select it and sign")
        return {"FINISHED"}


def menu_func(self, context):
    self.layout.operator(SIGNLLM_OT_add_character.bl_idname, icon="OUTLINER_OB_ARMATURE")


def register_menu():
    bpy.types.VIEW3D_MT_add.append(menu_func)


def unregister_menu():
    bpy.types.VIEW3D_MT_add.remove(menu_func)


CLASSES = (SIGNLLM_OT_add_character,)
