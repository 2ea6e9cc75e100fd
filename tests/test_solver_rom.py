"""The solver on imported rigs and in human ranges, measured on Blender's evaluated rig:
- FBX exported the way Maya/Unreal files are (primary bone axis X) and glTF, re-imported with the importers'
  DEFAULT settings (bones that do not point at their child, arbitrary rolls): hands within 1 cm, palms right;
- twist between adjacent deform bones along the arm <= 90 degrees, elbow, pronation and wrist inside the
  published ranges (rigs/rom.py) on every frame of the demo sentence and A-Z fingerspelling;
- a relaxed rest pose (SIDES / FRONT), half-body avatars, and the self-check that catches a broken rig."""
import os

import numpy as np
import pytest

import rig_builders as rb

TEXT = "Hello, what is your name?"
AZ = "fs-ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@pytest.fixture
def empty_scene(bpy_mod):
    bpy_mod.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
    return bpy_mod.context.scene


def skin_stub(bpy, ob):
    """A tiny mesh skinned to every bone (one triangle per bone, weight 1): glTF exports an armature only
    as the skin of a mesh."""
    import bmesh
    me = bpy.data.meshes.new(ob.name + "_skin")
    skin = bpy.data.objects.new(ob.name + "_skin", me)
    bpy.context.scene.collection.objects.link(skin)
    bm = bmesh.new()
    groups = []
    for b in ob.data.bones:
        h = np.array(b.head_local)
        vs = [bm.verts.new(tuple(h + o)) for o in ((0.005, 0, 0), (0, 0.005, 0), (0, 0, 0.005))]
        bm.faces.new(vs)
        groups.append(b.name)
    bm.to_mesh(me)
    bm.free()
    for i, name in enumerate(groups):
        vg = skin.vertex_groups.new(name=name)
        vg.add([3 * i, 3 * i + 1, 3 * i + 2], 1.0, "REPLACE")
    skin.parent = ob
    mod = skin.modifiers.new("Armature", "ARMATURE")
    mod.object = ob
    return skin


def reimport(bpy, ob, fmt, tmp):
    """Export `ob` (FBX as Maya/Unreal write it: primary bone axis X; or glTF) and import it back with the
    importer's default settings into an empty scene; returns the imported armature."""
    skin_stub(bpy, ob)
    bpy.ops.object.select_all(action="DESELECT")
    for o in bpy.context.scene.objects:
        o.select_set(True)
    if fmt == "fbx":
        path = os.path.join(tmp, "rig.fbx")
        bpy.ops.export_scene.fbx(filepath=path, use_selection=True, add_leaf_bones=False,
                                 primary_bone_axis="X", secondary_bone_axis="-Y")
    else:
        path = os.path.join(tmp, "rig.glb")
        bpy.ops.export_scene.gltf(filepath=path, use_selection=True)
    bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
    if fmt == "fbx":
        bpy.ops.import_scene.fbx(filepath=path)
    else:
        bpy.ops.import_scene.gltf(filepath=path)
    return next(o for o in bpy.context.scene.objects if o.type == "ARMATURE")


def _palm_frames(ob, prof, body=None):
    """side -> function giving the palm frame (columns x: thumb side for the right hand, y: fingers,
    z: palm normal; armature space) of the evaluated pose: the rig's rest hand frame (from its knuckles,
    solve.hand_frame_rest; a fingerless hand's from its mesh, `body`'s HandGeometry.frame, as the solver
    turns it) carried by the evaluated hand bone."""
    from signllm.rigs import blender_io
    from signllm.rigs.solve import canonical, hand_frame_rest
    rigc = canonical(blender_io.read_rig(ob), prof)
    out = {}
    for side in "LR":
        name = prof.measure("hand", side)
        own = getattr((body.hands if body is not None else {}).get(side), "frame", None)
        rest = rigc.rot_to_armature((hand_frame_rest(rigc, prof, side) if own is None else own)[None])[0]
        R0 = np.array(ob.data.bones[name].matrix_local)[:3, :3]

        def frame(name=name, rest=rest, R0=R0):
            R = np.array(ob.pose.bones[name].matrix)[:3, :3]
            R = R / np.linalg.norm(R, axis=0)
            return R @ np.linalg.inv(R0 / np.linalg.norm(R0, axis=0)) @ rest
        out[side] = frame
    return out


def finger_flexion(ob, prof, side, truth_tips=None):
    """Largest MCP, PIP and DIP flexion (degrees, unsigned, from joint positions) of the four fingers of
    the evaluated pose: the angle between consecutive segments (metacarpal: wrist -> knuckle)."""
    wrist = np.array(ob.pose.bones[prof.measure("hand", side)].head)
    out = np.zeros(3)
    for f in ("index", "middle", "ring", "pinky"):
        chain = prof.fingers(side)[f]
        tip = prof.tip(f, side)
        pts = [wrist] + [np.array(ob.pose.bones[b].head) for b in chain]
        pts.append(np.array(ob.pose.bones[tip].head) if tip else np.array(ob.pose.bones[chain[-1]].tail))
        seg = [pts[k + 1] - pts[k] for k in range(4)]
        for k in range(3):
            a, b = seg[k], seg[k + 1]
            c = a @ b / (np.linalg.norm(a) * np.linalg.norm(b))
            out[k] = max(out[k], np.degrees(np.arccos(np.clip(c, -1, 1))))
    return out


def arm_figures(bpy, scene, ob, res):
    """Per frame on the evaluated rig: hand error (m), palm angle (deg), worst adjacent-bone twist (deg)
    and the arm's joint angles (rigs/rom.arm_angles) for both arms."""
    from signllm.rigs import blender_io
    from signllm.rigs.profiles import detect
    from signllm.rigs.solve import canonical
    from signllm.signllm_blender import verify
    rig = blender_io.read_rig(ob)
    prof = detect(rig, blender_io.stored_mapping(ob))
    unit = canonical(rig, prof).unit
    chains = {}
    for side in "LR":
        hand = prof.deform_hand(side)
        pairs = verify.deform_arm_chain(ob, hand, prof.measure("upper_arm", side))
        mid = prof.fingers(side, "finger_measure")["middle"][0]
        h0 = np.array(ob.data.bones[hand].head_local)
        if mid:
            to = np.array(ob.data.bones[mid].head_local)
        else:   # no fingers (CMU mocap skeleton): the hand continues the forearm at rest
            to = 2 * h0 - np.array(ob.data.bones[prof.measure("forearm", side)].head_local)
        chains[side] = (pairs, verify.rest_axes(ob, pairs, to, hand))
    out = {"hand": [], "palm": [], "twist": [], "angles": {"L": [], "R": []}, "pairs": chains, "fingers": []}
    palms = _palm_frames(ob, prof, res.track.body)
    with verify._light_meshes(ob):
        _figures(scene, ob, res, prof, unit, chains, palms, out)
    return out


def _figures(scene, ob, res, prof, unit, chains, palms, out):
    from signllm.rigs import rom
    from signllm.signllm_blender import verify
    for f in range(res.track.n_frames):
        scene.frame_set(scene.frame_start + f)
        for side in "LR":
            tg = res.plan.targets[side]
            pb = ob.pose.bones[prof.deform_hand(side)]
            out["hand"].append(np.linalg.norm(np.array(pb.head) - tg["wrist"][f]) * unit)
            R = np.array(pb.matrix)[:3, :3]
            R = R / np.linalg.norm(R, axis=0)
            out["palm"].append(np.degrees(np.arccos(np.clip((np.trace(R.T @ tg["hand_rot"][f]) - 1) / 2, -1, 1))))
            pairs, axes = chains[side]
            tw = verify.twist_angles(ob, pairs, axes)
            out["twist"].append(max(tw.values()) if tw else 0.0)
            if prof.tip("index", side) and all(prof.fingers(side)[f][0] for f in ("index", "pinky")):
                out["fingers"].append(finger_flexion(ob, prof, side))
            S, E, W = (np.array(ob.pose.bones[prof.measure(r, side)].head) for r in ("upper_arm", "forearm", "hand"))
            out["angles"][side].append({k: float(v) for k, v in
                                        rom.arm_angles(S, E, W, palms[side](), side).items()})


def assert_in_range(fig, label):
    from signllm.rigs import rom
    worst = {}
    for side, rows in fig["angles"].items():
        for k, (lo, hi) in rom.LIMITS.items():
            vals = np.array([r[k] for r in rows if k != "pronation" or r["elbow"] > 8.0])
            if len(vals):
                worst[f"{k}.{side}"] = (float(vals.min()), float(vals.max()))
                assert vals.min() >= lo - 1.5 and vals.max() <= hi + 1.5, \
                    f"{label}: {k} of the {side} arm {vals.min():.0f}..{vals.max():.0f} deg, range {lo:.0f}..{hi:.0f}"
    return worst


@pytest.mark.parametrize("kind,fmt", [("ue4", "fbx"), ("mixamo", "fbx"), ("mixamo", "gltf"), ("ue4", "gltf")])
def test_default_import_signs_within_a_centimetre(bpy_mod, empty_scene, tmp_path, kind, fmt):
    from signllm.rigs import blender_io
    from signllm.rigs.profiles import detect
    from signllm.signllm_blender import service
    ob, truth = rb.build(bpy_mod, kind, roll_seed=5)
    imp = reimport(bpy_mod, ob, fmt, str(tmp_path))
    scene = bpy_mod.context.scene
    bones = imp.data.bones
    off = sum(1 for b in bones if len(b.children) == 1 and (b.tail_local - b.head_local).normalized().dot(
        (b.children[0].head_local - b.head_local).normalized()) < 0.9)
    prof = detect(blender_io.read_rig(imp))
    assert prof.mapping["forearm.L"] == truth["forearm.L"] and prof.mapping["index.2.R"] == truth["index.2.R"]
    res = service.generate(imp, scene, text=TEXT)
    fig = arm_figures(bpy_mod, scene, imp, res)
    print(f"{kind} {fmt} default import ({off} of {len(bones)} bones not pointing at their child): hand "
          f"{max(fig['hand']) * 1000:.2f} mm, palm {max(fig['palm']):.2f} deg, twist {max(fig['twist']):.0f} deg")
    assert max(fig["hand"]) < 0.01
    assert max(fig["palm"]) < 5.0
    assert max(fig["twist"]) <= 90.0
    assert res.verified, res.warnings
    assert_in_range(fig, f"{kind} {fmt}")


ROM_RIGS = [("mixamo", {}), ("ue4", {"roll_seed": 5}), ("makehuman", {"a_pose": True, "roll_seed": 8}),
            ("ue5", {"a_pose": True, "roll_seed": 6})]


@pytest.mark.parametrize("kind,opts", ROM_RIGS, ids=[k for k, _ in ROM_RIGS])
def test_twist_shared_and_joints_in_human_range(bpy_mod, empty_scene, kind, opts):
    from signllm.signllm_blender import service
    ob, truth = rb.build(bpy_mod, kind, **opts)
    for what, kw in (("sentence", {"text": TEXT}), ("A-Z", {"gloss": AZ})):
        res = service.generate(ob, empty_scene, **kw)
        fig = arm_figures(bpy_mod, empty_scene, ob, res)
        worst = assert_in_range(fig, f"{kind} {what}")
        pairs = [p for side in "LR" for p in fig["pairs"][side][0]]
        print(f"{kind} {what}: hand {max(fig['hand']) * 1000:.2f} mm, twist {max(fig['twist']):.0f} deg over "
              f"{len(pairs)} pairs, " + ", ".join(f"{k} {lo:.0f}..{hi:.0f}" for k, (lo, hi) in worst.items()))
        assert max(fig["twist"]) <= 90.0, f"{kind} {what}: a joint twists {max(fig['twist']):.0f} deg"
        if fig["fingers"]:   # MCP (measured against the wrist-knuckle line, +10 for the metacarpal's arch), PIP, DIP
            from signllm.rigs import rom
            mcp, pip, dip = np.max(fig["fingers"], 0)
            print(f"  finger flexion max: MCP {mcp:.0f}, PIP {pip:.0f}, DIP {dip:.0f} deg")
            assert mcp <= rom.FINGER_MCP[1] + 10 and pip <= rom.FINGER_PIP[1] + 3 and dip <= rom.FINGER_DIP[1] + 3
        assert max(fig["hand"]) < 0.01
        if kind in ("ue4", "makehuman"):   # the forearm's twist bones are keyed and carry part of the roll
            keyed = {c.bone for c in res.plan.curves}
            tw = [b for s in ("l", "L") for b in keyed if "lowerarm" in b.lower() and ("twist" in b or "02" in b)]
            assert tw, "the forearm twist bones are not keyed"


@pytest.mark.parametrize("mode", ["SIDES", "FRONT"])
def test_rest_pose_relaxed(bpy_mod, empty_scene, mode):
    """Start and end: wrist nearly straight, forearm near neutral, hands clear of the hips and thighs
    (SIDES: beside the thighs; FRONT: in front of the belly at waist height)."""
    from signllm.signllm_blender import service
    ob, truth = rb.build(bpy_mod, "mixamo", roll_seed=2)
    res = service.generate(ob, empty_scene, gloss="HELLO", options=service.Options(rest_pose=mode))
    fig = arm_figures(bpy_mod, empty_scene, ob, res)
    sk = rb.DATA["skeleton"]
    hip = np.array(sk["hips"], float)
    T = res.track.n_frames
    for f in (0, T - 1):
        empty_scene.frame_set(empty_scene.frame_start + f)
        for side, sgn in (("L", 1.0), ("R", -1.0)):
            a = fig["angles"][side][f]
            bend = np.hypot(a["wrist_flexion"], a["wrist_deviation"])
            print(f"{mode} frame {f} {side}: wrist {bend:.0f} deg, elbow {a['elbow']:.0f}, pronation {a['pronation']:.0f}")
            assert bend < 30.0 and abs(a["pronation"]) < 45.0
            hand = [pb for pb in ob.pose.bones if pb.name.startswith(truth[f"hand.{side}"])]
            pts = [np.array(pb.head) for pb in hand] + [np.array(pb.tail) for pb in hand]
            k0 = np.array(sk["thigh"], float) * [sgn, 1, 1]
            k1 = np.array(sk["shin"], float) * [sgn, 1, 1]
            d_min = 1.0
            for p in pts:
                t = np.clip((p - k0) @ (k1 - k0) / ((k1 - k0) @ (k1 - k0)), 0, 1)
                d_thigh = np.linalg.norm(p - (k0 + t * (k1 - k0)))
                d_min = min(d_min, d_thigh)
                # an adult thigh is about 9 cm in radius at the top (55-60 cm around)
                assert d_thigh > 0.10, f"{mode}: {side} hand {d_thigh * 100:.0f} cm from the thigh's axis"
                if mode == "SIDES":
                    assert p[2] < hip[2] + 0.15
                else:
                    assert p[1] < hip[1] - 0.15, f"{side} hand not in front of the belly: {p}"
                    assert hip[2] < p[2] < hip[2] + 0.35
            print(f"  closest hand point {d_min * 100:.1f} cm from the thigh's axis")


def test_half_body_avatar_signs_with_floating_hands(bpy_mod, empty_scene):
    from signllm.rigs import blender_io
    from signllm.rigs.profiles import detect
    from signllm.signllm_blender import service
    ob, truth = rb.build_half_body(bpy_mod, roll_seed=3)
    prof = detect(blender_io.read_rig(ob))
    assert prof.mode == "floating"
    wrong = {r: (b, prof.mapping.get(r)) for r, b in truth.items() if prof.mapping.get(r) != b}
    assert not wrong
    res = service.generate(ob, empty_scene, text=TEXT)
    keyed = {(c.bone, c.path) for c in res.plan.curves}
    for side in "LR":
        assert (truth[f"hand.{side}"], "location") in keyed and (truth[f"hand.{side}"], "rotation_quaternion") in keyed
    assert (truth["index.2.R"], "rotation_quaternion") in keyed
    pos, ang, gap, _ = rb.measure(bpy_mod, empty_scene, ob, truth, res)
    print(f"half body: hand {pos * 1000:.2f} mm, palm {ang:.2f} deg, O/F gap excess {(gap or 0) * 1000:.1f} mm")
    assert pos < 0.01 and ang < 3.0
    assert res.verified


def test_self_check_names_a_hand_pulled_away(bpy_mod, empty_scene):
    """A constraint on the rig that pulls the right hand away: the result says which bone and how far."""
    from signllm.signllm_blender import service
    ob, truth = rb.build(bpy_mod, "mixamo", roll_seed=4)
    pb = ob.pose.bones[truth["forearm.R"]]
    c = pb.constraints.new("LIMIT_ROTATION")
    c.use_limit_x = c.use_limit_y = c.use_limit_z = True
    c.owner_space = "LOCAL"
    res = service.generate(ob, empty_scene, text=TEXT)
    assert not res.verified
    msg = [w for w in res.warnings if w.startswith("Self-check")]
    print(msg)
    assert len(msg) == 1 and truth["hand.R"] in msg[0] and "cm" in msg[0], res.warnings
    side, (dist, frame, bone) = "R", res.check.worst["R"]
    assert bone == truth["hand.R"] and dist > 0.01 and res.check.worst["L"][0] < 0.01
    pb.constraints.remove(c)
    assert service.generate(ob, empty_scene, text=TEXT).verified


def test_self_check_samples_long_texts(bpy_mod):
    """Short texts are checked on every frame; long ones on their arm key frames and an even spread."""
    from types import SimpleNamespace
    from signllm.signllm_blender import verify
    keys = SimpleNamespace(group="armR", frames=np.arange(0, 5000, 7))
    plan = SimpleNamespace(curves=[keys, SimpleNamespace(group="fingersR", frames=np.arange(5000))])
    assert verify.check_frames(plan, verify.ALL_FRAMES) == list(range(verify.ALL_FRAMES))
    frames = verify.check_frames(plan, 5000)
    assert 0 in frames and 4999 in frames and len(frames) <= 3 * verify.SAMPLES
    assert np.max(np.diff(frames)) <= 5000 // verify.SAMPLES
