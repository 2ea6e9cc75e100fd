"""Nothing of the user's work is lost: actions, NLA tracks, markers, other bones' keys, rotation modes and
the frame range survive generation, a failure part-way, and undo; bad rigs get a clear message."""
import pytest

SENTENCE = "Hello, what is your name?"


def _user_setup(bpy, scene, rig):
    """A user's action on the rig (a leg key), an NLA track with a strip, a marker, an Euler-mode bone."""
    from signllm.rigs.blender_io import ensure_channelbag, new_fcurve
    user = bpy.data.actions.new("UserWalk")
    slot = user.slots.new(id_type="OBJECT", name=rig.name)
    ad = rig.animation_data_create()
    ad.action = user
    ad.action_slot = slot
    cb = ensure_channelbag(user, slot)
    fc = new_fcurve(cb, 'pose.bones["thigh_fk.L"].rotation_quaternion', 1, "thigh_fk.L")
    fc.keyframe_points.add(2)
    fc.keyframe_points.foreach_set("co", [1, 0.0, 20, 0.3])
    fc.update()
    breath = bpy.data.actions.new("UserBreath")
    bslot = breath.slots.new(id_type="OBJECT", name=rig.name)
    bcb = ensure_channelbag(breath, bslot)
    bfc = new_fcurve(bcb, 'pose.bones["chest"].location', 2, "chest")
    bfc.keyframe_points.add(2)
    bfc.keyframe_points.foreach_set("co", [1, 0.0, 30, 0.01])
    track = ad.nla_tracks.new()
    track.name = "UserLayer"
    strip = track.strips.new("breath", 1, breath)
    strip.action_slot = bslot
    scene.timeline_markers.new("shot 2", frame=40)
    rig.pose.bones["hand_ik.R"].rotation_mode = "XYZ"
    scene.frame_start, scene.frame_end = 5, 77


def _state(bpy, scene, rig):
    """Everything of the user's that generation must never damage, as plain data."""
    ad = rig.animation_data
    user = bpy.data.actions.get("UserWalk")
    fc = user.layers[0].strips[0].channelbags[0].fcurves.find('pose.bones["thigh_fk.L"].rotation_quaternion',
                                                               index=1)
    return {
        "user_keys": [tuple(round(v, 6) for v in k.co) for k in fc.keyframe_points],
        "nla": [(t.name, [(s.name, s.action.name, s.frame_start, s.frame_end) for s in t.strips])
                for t in ad.nla_tracks],
        "user_markers": sorted((m.name, m.frame) for m in scene.timeline_markers if m.name == "shot 2"),
        "actions": sorted(a.name for a in bpy.data.actions if a.name.startswith("User")),
    }


def _full_state(bpy, scene, rig):
    s = _state(bpy, scene, rig)
    ad = rig.animation_data
    s.update({
        "action": ad.action.name if ad.action else None,
        "all_actions": sorted(a.name for a in bpy.data.actions),
        "markers": sorted((m.name, m.frame) for m in scene.timeline_markers),
        "range": (scene.frame_start, scene.frame_end),
        "modes": {pb.name: pb.rotation_mode for pb in rig.pose.bones},
    })
    return s


def test_generation_keeps_actions_nla_markers_and_other_keys(bpy_mod, rigify_scene):
    from signllm.signllm_blender import service
    bpy = bpy_mod
    scene, _, rig = rigify_scene
    _user_setup(bpy, scene, rig)
    before = _state(bpy, scene, rig)
    service.generate(rig, scene, text=SENTENCE)
    service.generate(rig, scene, text="Thank you.")
    assert _state(bpy, scene, rig) == before
    assert rig.animation_data.action.name.startswith("SignLLM")
    assert bpy.data.actions["UserWalk"].use_fake_user


def test_failure_part_way_leaves_the_scene_as_it_was(bpy_mod, rigify_scene, monkeypatch):
    from signllm.rigs import blender_io
    from signllm.signllm_blender import service
    bpy = bpy_mod
    scene, _, rig = rigify_scene
    _user_setup(bpy, scene, rig)
    service.generate(rig, scene, text="Hello")          # an earlier generation: its markers are ours
    before = _full_state(bpy, scene, rig)
    real = blender_io.write_plan

    def broken(obj, plan, frame_start, name, **kw):     # writes part of the keys, then fails
        plan.curves = plan.curves[: len(plan.curves) // 2] + [None]
        return real(obj, plan, frame_start, name, **kw)

    monkeypatch.setattr(blender_io, "write_plan", broken)
    with pytest.raises(AttributeError):
        service.generate(rig, scene, text=SENTENCE)
    assert _full_state(bpy, scene, rig) == before


def test_operator_failure_is_a_report_and_changes_nothing(bpy_mod, addon, rigify_scene, monkeypatch):
    import importlib
    blender_io = importlib.import_module(addon.__name__ + ".rigs.blender_io")   # the registered copy
    bpy = bpy_mod
    scene, _, rig = rigify_scene
    _user_setup(bpy, scene, rig)
    before = _full_state(bpy, scene, rig)

    def broken(*args, **kw):
        raise MemoryError("out of memory while writing keys")

    monkeypatch.setattr(blender_io, "write_plan", broken)
    with bpy.context.temp_override(active_object=rig, object=rig):
        with pytest.raises(RuntimeError, match="unchanged") as info:
            bpy.ops.signllm.generate(text=SENTENCE)
    assert "Traceback" not in str(info.value)
    assert _full_state(bpy, scene, rig) == before


def test_one_undo_step_restores_exactly(bpy_mod, addon, rigify_scene):
    bpy = bpy_mod
    scene, _, rig = rigify_scene
    _user_setup(bpy, scene, rig)
    before = _full_state(bpy, scene, rig)
    bpy.ops.ed.undo_push(message="before signing")
    with bpy.context.temp_override(active_object=rig, object=rig):
        # ('EXEC_DEFAULT', True): push an undo step as a button press does
        assert bpy.ops.signllm.generate("EXEC_DEFAULT", True, text=SENTENCE) == {"FINISHED"}
    scene, rig = bpy.context.scene, bpy.data.objects["rig"]
    assert _full_state(bpy, scene, rig) != before
    bpy.ops.ed.undo()
    scene, rig = bpy.context.scene, bpy.data.objects["rig"]   # undo reloads data: fetch again
    assert _full_state(bpy, scene, rig) == before


def _armature(bpy, scene, name, bones):
    """An armature from [(name, parent, head, tail)] in edit mode, back in object mode."""
    arm = bpy.data.armatures.new(name)
    ob = bpy.data.objects.new(name, arm)
    scene.collection.objects.link(ob)
    bpy.context.view_layer.objects.active = ob
    bpy.ops.object.mode_set(mode="EDIT")
    for bname, parent, head, tail in bones:
        b = arm.edit_bones.new(bname)
        b.head, b.tail = head, tail
        if parent:
            b.parent = arm.edit_bones[parent]
    bpy.ops.object.mode_set(mode="OBJECT")
    return ob


def test_armature_in_edit_mode_gets_a_message(bpy_mod, rigify_scene):
    from signllm.signllm_blender import service
    bpy = bpy_mod
    scene, _, rig = rigify_scene
    bpy.context.view_layer.objects.active = rig
    bpy.ops.object.mode_set(mode="EDIT")
    try:
        with pytest.raises(service.SignLLMError, match="Edit Mode"):
            service.generate(rig, scene, text=SENTENCE)
    finally:
        bpy.ops.object.mode_set(mode="OBJECT")


def test_rig_without_hands_gets_a_message(bpy_mod, rigify_scene):
    from signllm.signllm_blender import service
    bpy = bpy_mod
    scene, _, _ = rigify_scene
    ob = _armature(bpy, scene, "Stub", [
        ("hips", None, (0, 0, 1), (0, 0, 1.1)), ("spine", "hips", (0, 0, 1.1), (0, 0, 1.4)),
        ("upper_arm.L", "spine", (0.2, 0, 1.4), (0.45, 0, 1.4)),
        ("upper_arm.R", "spine", (-0.2, 0, 1.4), (-0.45, 0, 1.4))])
    n = len(bpy.data.actions)
    with pytest.raises(service.SignLLMError, match="humanoid|hand"):
        service.generate(ob, scene, text=SENTENCE)
    assert len(bpy.data.actions) == n


def test_linked_rig_without_override_gets_a_message(bpy_mod, rigify_scene, tmp_path):
    from signllm.signllm_blender import service
    bpy = bpy_mod
    scene, _, rig = rigify_scene
    lib = str(tmp_path / "character.blend")
    bpy.data.libraries.write(lib, {rig})
    with bpy.data.libraries.load(lib, link=True) as (src, dst):
        dst.objects = ["rig"]
    linked = [o for o in dst.objects if o is not None][0]
    assert linked.library is not None
    with pytest.raises(service.SignLLMError, match="library override"):
        service.generate(linked, scene, text=SENTENCE)


def test_linked_action_on_the_rig_stays_untouched(bpy_mod, rigify_scene, tmp_path):
    """A rig playing an action linked from a library: ours is a local copy, theirs is not edited."""
    from signllm.signllm_blender import service
    bpy = bpy_mod
    scene, _, rig = rigify_scene
    _user_setup(bpy, scene, rig)
    lib = str(tmp_path / "moves.blend")
    bpy.data.libraries.write(lib, {bpy.data.actions["UserWalk"]})
    with bpy.data.libraries.load(lib, link=True) as (src, dst):
        dst.actions = ["UserWalk"]
    linked = [a for a in bpy.data.actions if a.library is not None][0]
    rig.animation_data.action = linked
    rig.animation_data.action_slot = linked.slots[0]
    keys = [tuple(k.co) for k in linked.layers[0].strips[0].channelbags[0].fcurves[0].keyframe_points]
    res = service.generate(rig, scene, text=SENTENCE)
    assert res.action.library is None and res.action is not linked
    assert [tuple(k.co) for k in linked.layers[0].strips[0].channelbags[0].fcurves[0].keyframe_points] == keys


def test_two_characters_sharing_one_armature_keep_their_own_animation(bpy_mod, rigify_scene):
    """Duplicated characters (same armature data, same bone names): only the selected one is animated."""
    from signllm.signllm_blender import service
    scene, _, rig = rigify_scene
    twin = rig.copy()
    twin.name = "rig twin"
    scene.collection.objects.link(twin)
    twin.animation_data_clear()
    service.generate(rig, scene, text=SENTENCE)
    assert twin.animation_data is None or twin.animation_data.action is None
    scene.frame_set(scene.frame_start + 20)
    a = rig.pose.bones["hand_ik.R"].matrix.translation
    b = twin.pose.bones["hand_ik.R"].matrix.translation
    assert (a - b).length > 0.01, "the twin must stay in its own pose"


def test_zero_length_forearm_gets_a_message_not_a_traceback(bpy_mod, rigify_scene):
    """A degenerate arm (hand joint on the elbow) is refused with a message naming the problem."""
    from signllm.signllm_blender import service
    bpy = bpy_mod
    scene, meta, _ = rigify_scene
    bpy.context.view_layer.objects.active = meta
    bpy.ops.object.mode_set(mode="EDIT")
    eb = meta.data.edit_bones
    eb["hand.R"].head = eb["forearm.R"].head
    eb["forearm.R"].tail = eb["forearm.R"].head + (eb["forearm.R"].tail - eb["forearm.R"].head) * 0.001
    bpy.ops.object.mode_set(mode="OBJECT")
    n = len(bpy.data.actions)
    # Blender 4.5 deletes the near-zero bone on leaving edit mode, 5.0 keeps it: each gets its own message
    msg = "right forearm is 0.0 cm long" if "forearm.R" in meta.data.bones else "no bone for forearm.R"
    with pytest.raises(service.SignLLMError, match=msg):
        service.generate(meta, scene, text=SENTENCE)
    assert len(bpy.data.actions) == n
