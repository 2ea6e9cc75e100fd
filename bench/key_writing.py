"""Key writing: F-curves filled with keyframe_points.add + foreach_set versus per-key keyframe_insert."""
import numpy as np

from .common import Timer


def run(n_keys=2000, n_curves=20):
    import bpy
    ob = bpy.data.objects.new("bench_keys", None)
    bpy.context.scene.collection.objects.link(ob)
    ob["v"] = 0.0
    frames = np.arange(n_keys, dtype=np.float32)
    vals = np.sin(frames * 0.1).astype(np.float32)
    try:
        action = bpy.data.actions.new("bench_foreach")
        slot = action.slots.new(id_type="OBJECT", name=ob.name)
        ob.animation_data_create().action = action
        ob.animation_data.action_slot = slot
        from signllm.rigs.blender_io import ensure_channelbag
        cb = ensure_channelbag(action, slot)
        co = np.empty((n_keys, 2), np.float32)
        co[:, 0], co[:, 1] = frames, vals
        with Timer() as fast:
            for c in range(n_curves):
                fc = cb.fcurves.new(f'["v{c}"]', index=0)
                kp = fc.keyframe_points
                kp.add(n_keys)
                kp.foreach_set("co", co.ravel())
                fc.update()
        ob.animation_data.action = None
        slow_keys = max(200, n_keys // 10)   # per-key insertion is slow: time fewer keys, report a rate
        with Timer() as slow:
            for i in range(slow_keys):
                ob["v"] = float(vals[i])
                ob.keyframe_insert('["v"]', frame=float(frames[i]))
        fast_rate = n_keys * n_curves / fast.s
        slow_rate = slow_keys / slow.s
        return {"foreach_keys_per_s": fast_rate, "insert_keys_per_s": slow_rate, "ratio": fast_rate / slow_rate}
    finally:
        if ob.animation_data and ob.animation_data.action:
            bpy.data.actions.remove(ob.animation_data.action)
        bpy.data.actions.remove(bpy.data.actions["bench_foreach"])
        bpy.data.objects.remove(ob)
