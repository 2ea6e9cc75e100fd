"""Face-mapping operators: detect the character's face controls, clear the mapping (the panel is
signllm_blender/panel_face.py)."""
import bpy

from ..signllm_blender import face_mapping
from ..signllm_blender.panel_face import _armature, _sync  # noqa: F401  (helpers the operators share)


class SIGNLLM_OT_face_detect(bpy.types.Operator):
    """Find the character's face (shape keys on its meshes, face bones) and list each slot for correction"""
    bl_idname = "signllm.face_detect"
    bl_label = "Detect Face"
    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context):
        return _armature(context) is not None

    def execute(self, context):
        obj = _armature(context)
        bones, meshes = face_mapping.faces(obj)
        rows = obj.data.signllm_face_rows
        rows.clear()
        # one row per slot, on the mesh with the most face keys (the head; eyes and teeth follow the same
        # slots): 52 rows, not 52 per mesh
        main = max(meshes, key=lambda m: len(m[1].found()), default=None)
        for ob, sf in [main] if main else []:
            for slot, (name, recipe) in sf.slots.items():
                r = rows.add()
                r.part, r.slot, r.mesh = "shapes", slot, ob.name
                r.recipe = " + ".join(f"{w:g} {c}" for c, w in recipe.items())
                r["target"] = name or ""        # no update: the stored mapping is written once below
        if bones is not None:
            for role, bone in bones.roles.items():
                r = rows.add()
                r.part, r.slot = "bones", role
                r["target"] = bone or ""
        m = face_mapping.stored(obj)
        face_mapping.store(obj, m)
        found = [f"{sf.label} on {ob.name} ({len(sf.found())} keys)" for ob, sf in meshes]
        if bones is not None:
            found.append(f"{bones.label} ({len(bones.found())} bones)")
        obj.data["signllm_face_label"] = "; ".join(found) or "no face found"
        self.report({"INFO"}, obj.data["signllm_face_label"])
        return {"FINISHED"}


class SIGNLLM_OT_face_clear(bpy.types.Operator):
    """Forget the face corrections: the face is found automatically each time"""
    bl_idname = "signllm.face_clear"
    bl_label = "Automatic Face"
    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context):
        return _armature(context) is not None

    def execute(self, context):
        arm = _armature(context).data
        arm.signllm_face_rows.clear()
        for k in (face_mapping.FACE_PROP, "signllm_face_label"):
            if k in arm:
                del arm[k]
        return {"FINISHED"}


CLASSES = (SIGNLLM_OT_face_detect, SIGNLLM_OT_face_clear)
