"""Nothing of the user's work is lost: a snapshot of what generation touches, restored if it fails part-way.

Generation only ever adds (a new action, our markers, a frame range, bone rotation modes); `scene_guard`
records those before and puts them back on any exception, so a failure leaves the scene as it was.
"""
import contextlib
import logging

import bpy

from ..rigs.blender_io import MARKER_PROP

log = logging.getLogger(__name__)


@contextlib.contextmanager
def scene_guard(obj, scene):
    ad = obj.animation_data
    action, slot = (ad.action, ad.action_slot) if ad else (None, None)
    fake = action.use_fake_user if action else None
    actions = set(bpy.data.actions)
    modes = {pb.name: pb.rotation_mode for pb in obj.pose.bones}
    markers = [(m.name, m.frame, m.select) for m in scene.timeline_markers]
    marker_prop = scene.get(MARKER_PROP)
    frames = (scene.frame_start, scene.frame_end, scene.frame_current)
    face = {k.name: (k.animation_data.action, k.animation_data.action_slot)
            for k in bpy.data.shape_keys if k.animation_data is not None}
    try:
        yield
    except BaseException:
        log.warning("generation failed part-way; restoring the scene", exc_info=True)
        if ad is None and obj.animation_data is not None:
            obj.animation_data_clear()
        elif obj.animation_data is not None:
            obj.animation_data.action = action
            if action is not None and slot is not None:
                obj.animation_data.action_slot = slot
        if action is not None:
            action.use_fake_user = fake
        new = [a for a in bpy.data.actions if a not in actions]
        for k in bpy.data.shape_keys:           # faces get their own actions back
            if k.animation_data is not None and k.animation_data.action in new:
                old, old_slot = face.get(k.name, (None, None))
                k.animation_data.action = old
                if old is not None and old_slot is not None:
                    k.animation_data.action_slot = old_slot
        if obj.animation_data is not None:      # NLA tracks of ours that play the half-written actions
            for tr in list(obj.animation_data.nla_tracks):
                if any(st.action in new for st in tr.strips):
                    obj.animation_data.nla_tracks.remove(tr)
        for a in new:
            bpy.data.actions.remove(a)
        for pb in obj.pose.bones:
            if pb.name in modes and pb.rotation_mode != modes[pb.name]:
                pb.rotation_mode = modes[pb.name]
        if [(m.name, m.frame, m.select) for m in scene.timeline_markers] != markers:
            scene.timeline_markers.clear()
            for name, frame, sel in markers:
                scene.timeline_markers.new(name, frame=frame).select = sel
        if marker_prop is None:
            scene.pop(MARKER_PROP, None)
        else:
            scene[MARKER_PROP] = marker_prop
        scene.frame_start, scene.frame_end = frames[:2]
        scene.frame_set(frames[2])
        raise

