"""The thin bpy layer of rigs/: read an armature into plain data, write a KeyPlan as F-curves."""
import json

import bpy
import numpy as np
from bpy_extras import anim_utils

from .rigdata import RigBone, RigData

_BEZIER = bpy.types.Keyframe.bl_rna.properties["interpolation"].enum_items["BEZIER"].value
_AUTO_CLAMPED = bpy.types.Keyframe.bl_rna.properties["handle_left_type"].enum_items["AUTO_CLAMPED"].value
ACTION_TAG = "signllm"


def read_rig(obj):
    """RigData of an armature object: rest matrices and current pose matrices (armature space)."""
    bones = {}
    bpy.context.view_layer.update()
    for pb in obj.pose.bones:
        b = pb.bone
        bones[pb.name] = RigBone(
            pb.name, b.parent.name if b.parent else None, np.array(b.matrix_local, float),
            np.array(pb.matrix, float), pb.rotation_mode, float(b.length), bool(b.use_local_location))
    scale = np.linalg.norm(np.array(obj.matrix_world)[:3, :3], axis=0)
    return RigData(bones, world_scale=float(np.cbrt(np.prod(scale))))


MAPPING_PROP = "signllm_mapping"


def stored_mapping(obj):
    """The user's corrected canonical joint -> bone mapping on the armature (None when there is none)."""
    raw = obj.data.get(MAPPING_PROP) if obj.data is not None else None
    if not raw:
        return None
    try:
        m = json.loads(raw)
    except (TypeError, ValueError):
        return None
    return {str(k): (str(v) if v else None) for k, v in m.items()} if isinstance(m, dict) else None


def store_mapping(obj, mapping):
    """Keep a mapping on the armature data (saved with the .blend, travels with linked copies)."""
    obj.data[MAPPING_PROP] = json.dumps({k: v for k, v in mapping.items() if not k.startswith("_")}, indent=0)


def _new_action(obj, name):
    """A new action for obj that starts as a copy of the user's (theirs stays intact, fake-user)."""
    ad = obj.animation_data or obj.animation_data_create()
    old = ad.action
    if old is not None:
        old.use_fake_user = True
        action = old.copy()
        action.name = name
        slot = ad.action_slot if ad.action_slot else None
        if slot is not None:
            slot = action.slots.get(slot.identifier)
    else:
        action = bpy.data.actions.new(name)
        slot = None
    if slot is None:
        slot = action.slots.new(id_type="OBJECT", name=obj.name)
    action[ACTION_TAG] = True
    if old is not None:
        action["signllm_previous_action"] = old.name
    ad.action = action
    ad.action_slot = slot
    return action, slot


def write_plan(obj, plan, frame_start, action_name):
    """Write the plan's keys into a new action on obj, starting at frame_start. Returns the action."""
    action, slot = _new_action(obj, action_name)
    cb = anim_utils.action_ensure_channelbag_for_slot(action, slot)
    for c in plan.curves:
        pb = obj.pose.bones[c.bone]
        if c.path == "rotation_quaternion" and pb.rotation_mode != "QUATERNION":
            pb.rotation_mode = "QUATERNION"
        sep = "" if c.path.startswith("[") else "."  # custom properties: pose.bones["x"]["prop"]
        path = f'pose.bones["{bpy.utils.escape_identifier(c.bone)}"]{sep}{c.path}'
        fc = cb.fcurves.find(path, index=c.index)
        if fc is not None:
            cb.fcurves.remove(fc)
        fc = cb.fcurves.new(path, index=c.index, group_name=c.bone)
        n = len(c.frames)
        co = np.empty((n, 2), np.float32)
        co[:, 0] = c.frames + frame_start
        co[:, 1] = c.values
        fc.auto_smoothing = "NONE"
        kp = fc.keyframe_points
        kp.add(n)
        kp.foreach_set("co", co.ravel())
        kp.foreach_set("interpolation", np.full(n, _BEZIER, np.int32))
        kp.foreach_set("handle_left_type", np.full(n, _AUTO_CLAMPED, np.int32))
        kp.foreach_set("handle_right_type", np.full(n, _AUTO_CLAMPED, np.int32))
        fc.update()
    return action


MARKER_PROP = "signllm_markers"


def replace_markers(scene, marks):
    """Remove the markers we made last time (by name and frame), add new ones [(name, frame)]."""
    old = json.loads(scene.get(MARKER_PROP, "[]"))
    olds = {(n, f) for n, f in old}
    for m in list(scene.timeline_markers):
        if (m.name, m.frame) in olds:
            scene.timeline_markers.remove(m)
    for name, frame in marks:
        scene.timeline_markers.new(name, frame=int(frame))
    scene[MARKER_PROP] = json.dumps([[n, int(f)] for n, f in marks])
