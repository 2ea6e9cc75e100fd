"""The usual approach, same motion, same run: a source armature carries the solved motion on every frame,
the user's rig copies it through constraints, and Blender bakes it (`anim_utils.bake_action`, visual keying).

Ours: solve -> key reduction -> foreach_set writing. Both start from the same synthesised PoseTrack, and
both are measured for hand accuracy on the deform bones after depsgraph evaluation.
"""
import numpy as np

from .common import Timer


def _dense_plan(track, rig_data, profile):
    from signllm.rigs.retarget import CurveKeys, KeyPlan
    from signllm.rigs.solve import solve
    sol = solve(track, rig_data, profile)
    T = track.n_frames
    plan = KeyPlan(n_frames=T, targets=sol.targets)
    for ch in sol.channels:
        for i in range(ch.values.shape[1]):
            plan.curves.append(CurveKeys(ch.bone, ch.path, i, np.arange(T), ch.values[:, i], ch.group))
    return plan


def run(scene, rig, text, hand_bone="DEF-hand.{}", sample_every=1):
    import bpy
    from bpy_extras import anim_utils
    from signllm import inference
    from signllm.rigs import blender_io
    from signllm.rigs.retarget import plan_keys
    from signllm.signllm_blender import service
    from signllm.signllm_blender.measure import count_keys, hand_errors

    rig_data, profile, body = service.read_character(rig, scene)
    _, track = inference.text_to_track(text, body=body, settings=inference.Settings(fps=scene.render.fps))
    T = track.n_frames
    start = scene.frame_start
    frames = range(0, T, sample_every)

    def ours_run(tol, ftol):
        rig.animation_data_clear()
        with Timer() as tm:
            plan = plan_keys(track, rig_data, profile, tol, ftol)
            blender_io.write_plan(rig, plan, start, "bench ours")
        keys = count_keys(rig.animation_data.action)
        pos, ang = hand_errors(scene, rig, plan.targets, T, hand_bone, start, frames)
        rig.animation_data.action = None
        return plan, {"s": tm.s, "keys": keys, "max_mm": pos.max() * 1000, "mean_mm": pos.mean() * 1000,
                      "palm_deg": ang.max(), "budget_mm": tol * 1000}

    plan, ours = ours_run(0.003, 0.002)          # the defaults
    _, tight = ours_run(0.0003, 0.0003)          # a budget tighter than the solver's own error

    # baseline: source armature with the solved motion, constraints, bake
    src = rig.copy()
    src.name = "bench source"
    src.animation_data_clear()
    scene.collection.objects.link(src)
    with Timer() as base_t:
        dense = _dense_plan(track, rig_data, profile)
        blender_io.write_plan(src, dense, start, "bench source motion")
        bones = sorted({c.bone for c in dense.curves})
        for c in dense.curves:      # switches such as IK_FK are set, not copied
            if c.path.startswith("["):
                pb, prop = rig.pose.bones[c.bone], c.path[2:-2]
                pb[prop] = type(pb[prop])(c.values[0]) if prop in pb else float(c.values[0])
        for b in bones:
            con = rig.pose.bones[b].constraints.new("COPY_TRANSFORMS")
            con.target = src
            con.subtarget = b
        opts = anim_utils.BakeOptions(
            only_selected=False, do_pose=True, do_object=False, do_visual_keying=True,
            do_constraint_clear=True, do_parents_clear=False, do_clean=False, do_location=True,
            do_rotation=True, do_scale=False, do_bbone=False, do_custom_props=False)
        # bake only the bones the motion drives (what a careful user selects)
        for pb in rig.pose.bones:
            pb.select = pb.name in bones
        opts.only_selected = True
        baked = anim_utils.bake_action(rig, action=None, frames=range(start, start + T), bake_options=opts)
    rig.animation_data.action = baked
    base_keys = count_keys(baked)
    bpy.data.objects.remove(src)
    pos, ang = hand_errors(scene, rig, plan.targets, T, hand_bone, start, frames)
    base = {"s": base_t.s, "keys": base_keys, "max_mm": pos.max() * 1000, "mean_mm": pos.mean() * 1000,
            "palm_deg": ang.max()}
    return {"frames": T, "ours": ours, "tight": tight, "bake": base, "speedup": base["s"] / ours["s"],
            "key_ratio": base_keys / max(ours["keys"], 1), "tight_speedup": base["s"] / tight["s"],
            "tight_key_ratio": base_keys / max(tight["keys"], 1)}
