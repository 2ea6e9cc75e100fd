"""The face side of a character: which face it has (shape keys on its meshes, face bones on its rig), the
user's corrections (stored on the armature as JSON, like the body mapping) and writing its keys."""
import json

from ..rigs import blender_io
from ..rigs.face import detect_bones, detect_shapes

FACE_PROP = "signllm_face_mapping"


def stored(obj):
    """{'shapes': {slot: shape key or None}, 'bones': {role: bone or None}} the user corrected ({} parts)."""
    raw = obj.data.get(FACE_PROP) if obj is not None and obj.data is not None else None
    try:
        m = json.loads(raw) if raw else {}
    except (TypeError, ValueError):
        m = {}
    if not isinstance(m, dict):
        m = {}
    out = {}
    for part in ("shapes", "bones"):
        d = m.get(part)
        out[part] = {str(k): (str(v) if v else None) for k, v in d.items()} if isinstance(d, dict) else {}
    return out


def store(obj, mapping):
    obj.data[FACE_PROP] = json.dumps({p: dict(mapping.get(p) or {}) for p in ("shapes", "bones")}, indent=0)


def faces(obj):
    """(BoneFace or None, [(mesh object, ShapeFace)]) of an armature, with the user's corrections."""
    user = stored(obj)
    bones = detect_bones(obj.pose.bones.keys(), user["bones"])
    meshes = []
    for ob in blender_io.bound_meshes(obj):
        key = ob.data.shape_keys
        if key is None:
            continue
        sf = detect_shapes({kb.name for kb in key.key_blocks}, user["shapes"])
        if sf is not None:
            meshes.append((ob, sf))
    return bones, meshes


def shape_channels(obj):
    """Face channels the character's shape keys already show (its face bones then leave them alone, so a
    jaw bone does not open the mouth twice on a mesh with jawOpen)."""
    out = set()
    for _, sf in faces(obj)[1]:
        for name, recipe in sf.slots.values():
            if name:
                out.update(recipe)
    return out


def write_body_and_face(obj, plan, start, name, face_own_track):
    """The plan into one action; with `face_own_track` the face bones go to an NLA track of their own."""
    if not face_own_track:
        return blender_io.write_plan(obj, plan, start, name)
    face = [c for c in plan.curves if c.group == "face"]
    body = [c for c in plan.curves if c.group != "face"]
    action = blender_io.write_plan(obj, plan, start, name, curves=body)
    if face:
        blender_io.write_face_nla(obj, obj, face, start, f"{name} [face]", "OBJECT")
    return action


def write_face_shapes(obj, track, start, name, user_shapes=None, nla=False):
    from ..rigs.face import shape_key_curves
    return blender_io.write_shape_keys(
        obj, lambda names: shape_key_curves(track, names, user=user_shapes, still=True), start, name, nla=nla)


def scene_options(scene):
    """Face settings of the scene (panel) as service.Options fields."""
    s = getattr(scene, "signllm_face", None)
    if s is None:
        return {}
    return {"face_track": bool(s.face_track), "mouthing": bool(s.mouthing)}
