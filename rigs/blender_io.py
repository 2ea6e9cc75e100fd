"""The thin bpy layer of rigs/: read an armature into plain data, write a KeyPlan as F-curves.

The one key writer: every F-curve the add-on makes (signing, face shape keys, imported pose files) is written
by `write_fcurve` (keyframe_points.add + foreach_set, one call per curve).
"""
from __future__ import annotations

import json

import bpy
import numpy as np
from bpy_extras import anim_utils

from .keyplan import KeyPlan
from .rigdata import RigBone, RigData

_BEZIER = bpy.types.Keyframe.bl_rna.properties["interpolation"].enum_items["BEZIER"].value
_LINEAR = bpy.types.Keyframe.bl_rna.properties["interpolation"].enum_items["LINEAR"].value
_AUTO_CLAMPED = bpy.types.Keyframe.bl_rna.properties["handle_left_type"].enum_items["AUTO_CLAMPED"].value
ACTION_TAG = "signllm"


# --- Blender 4.5 LTS / 5.x compatibility: the only places that differ between the two are here ---

def ensure_channelbag(action, slot):
    """The slot's channelbag in the action's first keyframe strip, created if missing.

    5.0 has bpy_extras.anim_utils.action_ensure_channelbag_for_slot; 4.5 only has the layer/strip API
    that function is built on (`strip.channelbag(slot, ensure=True)`), which 5.0 has too.
    """
    ensure = getattr(anim_utils, "action_ensure_channelbag_for_slot", None)
    if ensure is not None:
        return ensure(action, slot)
    layer = action.layers[0] if len(action.layers) else action.layers.new("Layer")
    strip = layer.strips[0] if len(layer.strips) else layer.strips.new(type="KEYFRAME")
    return strip.channelbag(slot, ensure=True)


def new_fcurve(cb, path, index=0, group=None):
    """A new F-curve in a channelbag, in the named group (created if missing).

    5.0's `fcurves.new` takes group_name; 4.5's takes only (data_path, index), so the group is set after.
    """
    if group is None:
        return cb.fcurves.new(path, index=index)
    if "group_name" in cb.fcurves.bl_rna.functions["new"].parameters:
        return cb.fcurves.new(path, index=index, group_name=group)
    fc = cb.fcurves.new(path, index=index)
    grp = cb.groups.get(group)
    fc.group = grp if grp is not None else cb.groups.new(group)
    return fc


def bone_selected(obj, name):
    """Selection state of a bone: PoseBone.select in 5.0, Bone.select before (4.5)."""
    pb = obj.pose.bones[name]
    return bool(pb.select if hasattr(pb, "select") else pb.bone.select)


def select_bone(obj, name, state=True):
    """Select or deselect a bone in pose mode on 4.5 and 5.x alike."""
    pb = obj.pose.bones[name]
    if "select" in pb.bl_rna.properties:
        pb.select = state
    else:
        pb.bone.select = state


def read_rig(obj):
    """RigData of an armature object: rest matrices and current pose matrices (armature space)."""
    bones = {}
    bpy.context.view_layer.update()
    for pb in obj.pose.bones:
        b = pb.bone
        bones[pb.name] = RigBone(
            pb.name, b.parent.name if b.parent else None, np.array(b.matrix_local, float),
            np.array(pb.matrix, float), pb.rotation_mode, float(b.length), bool(b.use_local_location),
            bool(b.use_deform), any(not c.mute and c.influence > 0 for c in pb.constraints))
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


PREV_PROP = "signllm_previous_action"      # on our action: the user's action it started from
PREV_SLOT_PROP = "signllm_previous_slot"   # ... the slot the user had assigned
PREV_FAKE_PROP = "signllm_previous_fake"   # ... whether the user's action had a fake user of its own


def is_ours(action):
    return action is not None and bool(action.get(ACTION_TAG))


def user_action(action):
    """(the user's own action, its slot identifier, its fake-user flag) behind our signing action."""
    if not is_ours(action):
        return None, "", False
    return (bpy.data.actions.get(action.get(PREV_PROP, "")), str(action.get(PREV_SLOT_PROP, "")),
            bool(action.get(PREV_FAKE_PROP, False)))


def _new_action(obj, name, id_type="OBJECT", replaced=None):
    """A new action for obj (any ID) that starts as a copy of the user's own action (theirs is kept, with a
    fake user). When obj plays our earlier signing, that is replaced, not stacked: the copy is made from the
    user's action behind it and the earlier one is appended to `replaced` (the caller removes it once the
    new signing is written)."""
    ad = obj.animation_data or obj.animation_data_create()
    cur = ad.action
    if is_ours(cur):
        user, slot_id, fake = user_action(cur)
        if replaced is not None:
            replaced.append(cur)
    else:
        user, fake = cur, bool(cur.use_fake_user) if cur is not None else False
        slot_id = ad.action_slot.identifier if cur is not None and ad.action_slot else ""
    if user is not None:
        user.use_fake_user = True      # kept in the file while our copy plays (Remove Signing gives it back)
        action = user.copy()
        action.name = name
        slot = action.slots.get(slot_id) if slot_id else None
    else:
        action = bpy.data.actions.new(name)
        slot = None
    if slot is None:
        slot = action.slots.new(id_type=id_type, name=obj.name)
    action[ACTION_TAG] = True
    if user is not None:
        action[PREV_PROP] = user.name
        action[PREV_SLOT_PROP] = slot_id
        action[PREV_FAKE_PROP] = fake
    ad.action = action
    ad.action_slot = slot
    return action, slot


def drop_replaced(actions, keep=()):
    """Remove our earlier signing actions that nothing uses any more (after a successful write)."""
    keep = set(keep)
    seen = set()
    for a in actions:
        try:
            if a is None or a in keep or a in seen or not is_ours(a):
                continue
            seen.add(a)
            a.use_fake_user = False
            if a.users == 0:
                bpy.data.actions.remove(a)
        except ReferenceError:      # already gone
            pass


def restore_user_action(idblock):
    """Give an ID (armature object, shape-key datablock) its own action back; our action is removed.
    Returns True when something of ours was removed."""
    ad = idblock.animation_data
    if ad is None or not is_ours(ad.action):
        return False
    ours = ad.action
    user, slot_id, fake = user_action(ours)
    ad.action = user
    if user is not None:
        slot = user.slots.get(slot_id) if slot_id else None
        if slot is None and len(user.slots):
            slot = user.slots[0]
        if slot is not None:
            ad.action_slot = slot
        user.use_fake_user = fake
    drop_replaced([ours])
    return True


def write_plan(obj: bpy.types.Object, plan: KeyPlan, frame_start: int, action_name: str, curves=None,
               replaced: list | None = None) -> bpy.types.Action:
    """Write the plan's keys into a new action on obj, starting at frame_start. Returns the action.
    Our earlier signing action on obj is replaced (appended to `replaced` for the caller to drop)."""
    action, slot = _new_action(obj, action_name, replaced=replaced)
    write_curves(action, slot, obj, plan.curves if curves is None else curves, frame_start)
    return action


def write_curves(action, slot, obj, curves, frame_start, keep=frozenset()):
    """Bone curves (CurveKeys) into the slot's channelbag; existing curves on the same paths are replaced.

    `keep`: (bone, path, index) of curves whose keys did not change since they were written (a live edit):
    left as they are when the F-curve is still there with as many keys."""
    cb = ensure_channelbag(action, slot)
    for c in curves:
        if keep and (c.bone, c.path, c.index) in keep and obj.type == "ARMATURE":
            sep = "" if c.path.startswith("[") else "."
            fc = cb.fcurves.find(f'pose.bones["{bpy.utils.escape_identifier(c.bone)}"]{sep}{c.path}', index=c.index)
            if fc is not None and len(fc.keyframe_points) == len(c.frames):
                continue
        if obj.type == "ARMATURE":
            pb = obj.pose.bones[c.bone]
            if c.path == "rotation_quaternion" and pb.rotation_mode != "QUATERNION":
                pb.rotation_mode = "QUATERNION"
            sep = "" if c.path.startswith("[") else "."  # custom properties: pose.bones["x"]["prop"]
            path = f'pose.bones["{bpy.utils.escape_identifier(c.bone)}"]{sep}{c.path}'
            group = c.bone
        else:
            path, group = c.path, "SignLLM face"
        _write_fcurve(cb, path, c.index, group, c.frames, c.values, frame_start)


def channelbag(action, slot):
    """The slot's channelbag in the action (made if missing): where every F-curve of ours goes."""
    return ensure_channelbag(action, slot)


def write_fcurve(cb, path, index, group, frames, values, frame_start=0, interpolation="BEZIER"):
    """One F-curve from key frames/values, written in one go: Bezier with auto-clamped handles (signing, as
    rigs/keyreduce.py models it) or LINEAR (dense samples of an imported pose file)."""
    fc = cb.fcurves.find(path, index=index)
    if fc is not None:          # rewritten in place (a live edit, or the user's curve on the same path)
        fc.keyframe_points.clear()
    else:
        fc = new_fcurve(cb, path, index, group)
    n = len(frames)
    co = np.empty((n, 2), np.float32)
    co[:, 0] = frames + frame_start
    co[:, 1] = values
    fc.auto_smoothing = "NONE"
    kp = fc.keyframe_points
    kp.add(n)
    kp.foreach_set("co", co.ravel())
    # keyframe_points.add gives Bezier, auto-clamped points whatever the user's preferences (the API's own
    # defaults); setting the three enums again per key was half the cost of re-keying a live edit
    if n and (interpolation != "BEZIER" or (kp[0].interpolation, kp[0].handle_left_type, kp[0].handle_right_type)
              != ("BEZIER", "AUTO_CLAMPED", "AUTO_CLAMPED")):
        kp.foreach_set("interpolation", np.full(n, _BEZIER if interpolation == "BEZIER" else _LINEAR, np.int32))
        kp.foreach_set("handle_left_type", np.full(n, _AUTO_CLAMPED, np.int32))
        kp.foreach_set("handle_right_type", np.full(n, _AUTO_CLAMPED, np.int32))
    fc.update()
    return fc


_write_fcurve = write_fcurve   # older name


def bound_meshes(obj):
    """Meshes deformed by the armature (Armature modifier or armature parenting)."""
    out = []
    for ob in bpy.data.objects:
        if ob.type != "MESH":
            continue
        if any(m.type == "ARMATURE" and m.object == obj for m in ob.modifiers) or (
                ob.parent == obj and ob.parent_type == "ARMATURE"):
            out.append(ob)
    return out


def write_shape_keys(obj, curve_fn, frame_start, action_name, nla=False, replaced=None):
    """Key the shape keys of every mesh bound to obj; curve_fn(names on the mesh) -> CurveKeys.

    Each mesh's shape-key datablock gets its own new action (a copy of the user's, which is kept; never a
    copy of our earlier take), or with `nla` an NLA track of its own; on failure every shape-key datablock
    gets its previous action back. Returns {mesh name: n keys}.
    """
    done = []
    written = {}
    try:
        for ob in bound_meshes(obj):
            key = ob.data.shape_keys
            if key is None:
                continue
            curves = curve_fn({kb.name for kb in key.key_blocks})
            ad = key.animation_data
            if ad is not None:
                remove_our_tracks(key, replaced)
                done.append((key, ad.action, ad.action_slot))
                if replaced is not None and is_ours(ad.action):
                    replaced.append(ad.action)    # removed by the caller once the new take is written
                _user_action_back(key)      # a take without face keys leaves the user's face playing
            curves = _still_at_rest(key, curves)
            if not curves:
                continue
            if ad is None:
                done.append((key, None, None))
            if nla:
                write_face_nla(key, ob, curves, frame_start, f"{action_name} ({ob.name} face)", "KEY")
            else:
                action, slot = _new_action(key, f"{action_name} ({ob.name} face)", id_type="KEY", replaced=replaced)
                write_curves(action, slot, ob, curves, frame_start)
            written[ob.name] = int(sum(len(c.frames) for c in curves))
    except Exception:
        for key, old, old_slot in done:
            new = key.animation_data.action
            key.animation_data.action = old
            if old is not None and old_slot is not None:
                key.animation_data.action_slot = old_slot
            if new is not None and new is not old:
                bpy.data.actions.remove(new)
        raise
    return written


REST_PROP = "signllm_rest_values"


def _still_at_rest(key, curves):
    """Shape keys a take leaves still ('face_still') are keyed at the value the user gave them (recorded the
    first time we key that shape key), so a mouth an earlier take opened does not stay open; those the
    user animates are left to the user's keys."""
    try:
        rest = json.loads(key.get(REST_PROP, "{}"))
    except (TypeError, ValueError):
        rest = {}
    ad = key.animation_data
    user = ad.action if ad is not None else None
    animated = set()
    if user is not None and ad.action_slot is not None:
        cb = anim_utils.action_get_channelbag_for_slot(user, ad.action_slot)
        animated = {fc.data_path for fc in cb.fcurves} if cb is not None else set()
    out = []
    for c in curves:
        if c.bone not in rest and c.bone in key.key_blocks:
            rest[c.bone] = float(key.key_blocks[c.bone].value)
        if c.group != "face_still":
            out.append(c)
        elif c.path not in animated:
            out.append(type(c)(c.bone, c.path, c.index, c.frames, np.full(len(c.frames), rest.get(c.bone, 0.0)),
                               "face"))
    key[REST_PROP] = json.dumps(rest)
    return out


def _user_action_back(idblock):
    """If our earlier take is the active action, put the user's action (or none) back before a new take."""
    ad = idblock.animation_data
    if ad is None or ad.action is None or not ad.action.get(ACTION_TAG):
        return
    ident = ad.action_slot.identifier if ad.action_slot else None
    prev = bpy.data.actions.get(ad.action.get("signllm_previous_action", ""))
    ad.action = prev
    if prev is not None and len(prev.slots):
        ad.action_slot = prev.slots.get(ident) if ident and prev.slots.get(ident) else prev.slots[0]


def write_face_nla(idblock, obj, curves, frame_start, action_name, id_type="OBJECT"):
    """Face curves on an NLA track of their own ('SignLLM face') over whatever the user plays."""
    ad = idblock.animation_data or idblock.animation_data_create()
    action = bpy.data.actions.new(action_name)
    action[ACTION_TAG] = True
    slot = action.slots.new(id_type=id_type, name=idblock.name)
    write_curves(action, slot, obj, curves, frame_start)
    track = ad.nla_tracks.new()
    track.name = f"{NLA_PREFIX} face"
    end = frame_start + max(int(max(c.frames.max() for c in curves)), 1)
    strip = track.strips.new(f"{NLA_PREFIX} face", int(frame_start), action)
    strip.action_slot = slot
    strip.action_frame_start = float(frame_start)
    strip.action_frame_end = float(end)
    strip.frame_start_ui = float(frame_start)
    strip.blend_type = "REPLACE"
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


NLA_PREFIX = "SignLLM"


def remove_our_tracks(obj, replaced=None):
    """Drop the NLA tracks an earlier generation made (by name); the user's tracks stay. Their actions are
    appended to `replaced` (for drop_replaced once the new signing is written)."""
    ad = obj.animation_data
    if ad is None:
        return
    for t in list(ad.nla_tracks):
        if t.name.startswith(NLA_PREFIX):
            if replaced is not None:
                replaced.extend(s.action for s in t.strips)
            ad.nla_tracks.remove(t)


def write_nla(obj, plan, segments, frame_start, action_name, per_sign=True, replaced=None):
    """Signs on an NLA track (one strip per sign, or one strip), non-manuals (head, face) on their own.

    The user's active action and their own tracks are not touched. Returns the manual action.
    """
    ad = obj.animation_data or obj.animation_data_create()
    if replaced is not None:
        replaced.extend(s.action for t in ad.nla_tracks if t.name.startswith(NLA_PREFIX) for s in t.strips)
    remove_our_tracks(obj)
    if is_ours(ad.action):
        # our earlier one-action result would play over the strips: give the user's action back
        cur = ad.action
        user, slot_id, fake = user_action(cur)
        ad.action = user
        if user is not None and len(user.slots):
            ad.action_slot = user.slots.get(slot_id) or user.slots[0]
            user.use_fake_user = fake
        if replaced is not None:
            replaced.append(cur)
    manual = [c for c in plan.curves if c.group not in ("head", "face")]
    nonman = [c for c in plan.curves if c.group in ("head", "face")]
    out = None
    for label, curves, split in (("signs", manual, per_sign), ("non-manual", nonman, False)):
        if not curves:
            continue
        action = bpy.data.actions.new(f"{action_name} [{label}]")
        action[ACTION_TAG] = True
        slot = action.slots.new(id_type="OBJECT", name=obj.name)
        write_curves(action, slot, obj, curves, frame_start)
        track = ad.nla_tracks.new()
        track.name = f"{NLA_PREFIX} {label}"
        end = frame_start + plan.n_frames - 1
        cuts = [s for s in segments if s.kind != "pause"] if split else []
        bounds = [frame_start] + [frame_start + s.start for s in cuts[1:]] + [end + 1]
        names = [s.gloss for s in cuts] or [action_name]
        if not split:
            bounds, names = [frame_start, end + 1], [f"{NLA_PREFIX} {label}"]
        for name, a, b in zip(names, bounds[:-1], bounds[1:]):
            strip = track.strips.new(name, int(a), action)
            strip.name = name    # 4.5.0 names a new strip after its action whatever name is passed
            strip.action_slot = slot
            strip.action_frame_start = float(a)
            strip.action_frame_end = float(max(b - 1, a + 1))
            strip.frame_start_ui = float(a)
            strip.extrapolation = "HOLD_FORWARD" if b <= end + 1 and name == names[-1] else "NOTHING"
            strip.blend_type = "REPLACE"
        out = out or action
    return out


IK_PROP = "signllm_ik"


def stored_ik_controls(obj):
    """{'hand.L': bone, 'pole.L': bone, ...} of IK controls SignLLM added to this armature (None if none)."""
    raw = obj.data.get(IK_PROP) if obj.data is not None else None
    try:
        bones = json.loads(raw) if raw else None
    except (TypeError, ValueError):
        return None
    if not isinstance(bones, dict) or not all(b in obj.pose.bones for b in bones.values()):
        return None
    return bones


def add_ik_controls(obj, profile):
    """Simple IK controls on a deform-only rig: per arm a hand control (IK on the forearm, chain 2, and
    Copy Rotation on the hand) and an elbow pole. Bones without parents, so their keys are in armature
    space. Returns the {'hand.L': name, 'pole.L': name, ...} stored on the armature."""
    import math

    from mathutils import Vector
    made = {}
    prev_active = bpy.context.view_layer.objects.active
    prev_mode = obj.mode
    bpy.context.view_layer.objects.active = obj
    bpy.ops.object.mode_set(mode="EDIT")
    try:
        eb = obj.data.edit_bones
        for side in ("L", "R"):
            hand, fore, upper = (profile.mapping.get(f"{r}.{side}") for r in ("hand", "forearm", "upper_arm"))
            h, f, u = eb[hand], eb[fore], eb[upper]
            c = eb.get(f"SignLLM_IK_hand.{side}") or eb.new(f"SignLLM_IK_hand.{side}")
            c.head, c.tail, c.roll = h.head.copy(), h.tail.copy(), h.roll
            c.parent, c.use_deform = None, False
            # pole behind the elbow, away from the shoulder-wrist line (or straight back for a straight arm)
            axis = (h.head - u.head).normalized()
            off = (f.head - u.head) - axis * (f.head - u.head).dot(axis)
            length = (f.head - u.head).length + (h.head - f.head).length
            if off.length < 1e-4 * length:
                head_up = (eb[profile.mapping["head"]].head - u.head)
                off = axis.cross(head_up).cross(axis)
                off = -off if off.length else Vector((0, 1, 0))
            p = eb.get(f"SignLLM_IK_pole.{side}") or eb.new(f"SignLLM_IK_pole.{side}")
            p.head = f.head + off.normalized() * 0.6 * length
            p.tail = p.head + axis * 0.1 * length
            p.parent, p.use_deform = None, False
            made[f"hand.{side}"], made[f"pole.{side}"] = c.name, p.name
    finally:
        bpy.ops.object.mode_set(mode="OBJECT")
    for side in ("L", "R"):
        fore = obj.pose.bones[profile.mapping[f"forearm.{side}"]]
        ik = fore.constraints.get("SignLLM IK") or fore.constraints.new("IK")
        ik.name = "SignLLM IK"
        ik.target, ik.subtarget, ik.chain_count = obj, made[f"hand.{side}"], 2
        ik.pole_target, ik.pole_subtarget = obj, made[f"pole.{side}"]
        ua = obj.data.bones[profile.mapping[f"upper_arm.{side}"]]
        x, y = ua.matrix_local.col[0].xyz, ua.matrix_local.col[1].xyz
        d = obj.data.bones[made[f"pole.{side}"]].head_local - ua.head_local
        d = (d - d.dot(y) * y).normalized()
        ik.pole_angle = -math.atan2(x.cross(d).dot(y), x.dot(d))  # the chain bends toward the pole
        # Blender's IK starts from the current pose and cannot bend a perfectly straight chain: give a
        # straight arm's forearm a small unkeyed bend toward the pole
        fb = obj.data.bones[fore.name]
        u_dir = (fb.head_local - ua.head_local).normalized()
        f_dir = (fb.tail_local - fb.head_local).normalized()
        if u_dir.cross(f_dir).length < 0.05 and fore.rotation_mode == "QUATERNION" and \
                fore.rotation_quaternion.angle < 1e-6:
            axis_arm = f_dir.cross(d)
            local = fb.matrix_local.to_3x3().inverted() @ axis_arm
            from mathutils import Quaternion
            fore.rotation_quaternion = Quaternion(local.normalized(), math.radians(20.0))
        hand = obj.pose.bones[profile.mapping[f"hand.{side}"]]
        cr = hand.constraints.get("SignLLM IK rotation") or hand.constraints.new("COPY_ROTATION")
        cr.name = "SignLLM IK rotation"
        cr.target, cr.subtarget = obj, made[f"hand.{side}"]
    obj.data[IK_PROP] = json.dumps(made)
    bpy.context.view_layer.objects.active = prev_active
    if prev_mode == "POSE":
        bpy.ops.object.mode_set(mode="POSE")
    return made
