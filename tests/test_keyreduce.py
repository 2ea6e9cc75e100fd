"""Key reduction: our Bezier model must equal Blender's evaluation, and the budget must hold."""
import numpy as np

from signllm.rigs import keyreduce


def test_reduce_keys_meets_budget_with_few_keys():
    # signing-like motion: holds joined by smooth strokes, starting and ending at rest
    t = np.linspace(0, 1, 200)
    s = lambda a, b: np.clip((t - a) / (b - a), 0, 1) ** 3 * (10 - 15 * np.clip((t - a) / (b - a), 0, 1) + 6 * np.clip((t - a) / (b - a), 0, 1) ** 2)  # noqa: E731
    values = np.stack([s(0.1, 0.3) - s(0.6, 0.8), 0.5 * s(0.2, 0.4) + 0.5 * s(0.5, 0.9), np.sin(np.pi * t) ** 4], 1)
    tol = 1e-2  # 1% of the stroke: 3 mm on a 30 cm hand path
    err = lambda rec: np.abs(rec - values).max(axis=1)  # noqa: E731
    keys = keyreduce.reduce_keys(values, err, tol)
    rec = keyreduce.evaluate(keys.astype(float), values[keys], np.arange(200.0))
    assert err(rec).max() <= tol
    assert len(keys) < 30, len(keys)


def test_bezier_model_matches_blender(bpy_mod):
    from signllm.rigs.blender_io import ensure_channelbag
    bpy = bpy_mod
    bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
    ob = bpy.data.objects.new("e", None)
    bpy.context.scene.collection.objects.link(ob)
    act = bpy.data.actions.new("t")
    ob.animation_data_create().action = act
    slot = act.slots.new(id_type="OBJECT", name="e")
    ob.animation_data.action_slot = slot
    fc = ensure_channelbag(act, slot).fcurves.new("location", index=0)
    fc.auto_smoothing = "NONE"
    worst = 0.0
    for trial in range(20):
        rng = np.random.default_rng(trial)
        n = int(rng.integers(2, 12))
        kx = np.sort(rng.choice(np.arange(60), size=n, replace=False)).astype(float)
        ky = rng.normal(size=n)
        if n > 4:
            ky[2] = ky[1]
        fc.keyframe_points.clear()
        fc.keyframe_points.add(n)
        fc.keyframe_points.foreach_set("co", np.stack([kx, ky], 1).ravel().astype(np.float32))
        for kp in fc.keyframe_points:
            kp.interpolation = "BEZIER"
            kp.handle_left_type = kp.handle_right_type = "AUTO_CLAMPED"
        fc.update()
        f = np.linspace(kx[0] - 2, kx[-1] + 2, 300)
        ours = keyreduce.evaluate(kx, ky, f)
        theirs = np.array([fc.evaluate(x) for x in f])
        worst = max(worst, float(np.abs(ours - theirs).max()))
    assert worst < 1e-4


def test_written_keys_are_the_modelled_bezier_whatever_the_preferences(bpy_mod):
    """blender_io.write_fcurve relies on keyframe_points.add giving Bezier, auto-clamped keys (it sets the
    enums only otherwise): with the user's new-key preferences set to LINEAR / VECTOR, rewritten keys in
    place (a live edit) are still the curve keyreduce models; LINEAR samples stay LINEAR."""
    from signllm.rigs.blender_io import ensure_channelbag, write_fcurve
    bpy = bpy_mod
    bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
    edit = bpy.context.preferences.edit
    old = edit.keyframe_new_interpolation_type, edit.keyframe_new_handle_type
    edit.keyframe_new_interpolation_type, edit.keyframe_new_handle_type = "LINEAR", "VECTOR"
    try:
        ob = bpy.data.objects.new("w", None)
        bpy.context.scene.collection.objects.link(ob)
        act = bpy.data.actions.new("w")
        ob.animation_data_create().action = act
        slot = act.slots.new(id_type="OBJECT", name="w")
        ob.animation_data.action_slot = slot
        cb = ensure_channelbag(act, slot)
        kx, ky = np.array([0, 7, 19, 30]), np.array([0.0, 1.0, -0.5, 0.2])
        for values in (ky, ky * 2):        # the second write rewrites the curve in place
            fc = write_fcurve(cb, "location", 0, "g", kx, values)
            assert {(k.interpolation, k.handle_left_type, k.handle_right_type) for k in fc.keyframe_points} \
                == {("BEZIER", "AUTO_CLAMPED", "AUTO_CLAMPED")}
            f = np.arange(0, 31, dtype=float)
            assert np.abs(keyreduce.evaluate(kx.astype(float), values, f)
                          - np.array([fc.evaluate(x) for x in f])).max() < 1e-4
        fc = write_fcurve(cb, "location", 1, "g", kx, ky, interpolation="LINEAR")
        assert {k.interpolation for k in fc.keyframe_points} == {"LINEAR"}
    finally:
        edit.keyframe_new_interpolation_type, edit.keyframe_new_handle_type = old
