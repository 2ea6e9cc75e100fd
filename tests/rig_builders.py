"""Build test humanoid armatures in real Blender from tests/rigs/humanoids.json.

One adult skeleton (metres, character facing -Y, left = +X) with the canonical hand's joints, named as
each rig family names its bones; options: A-pose (arms 45 degrees down), random bone rolls, unit scale
(Mixamo FBX: 100-unit bones under a 0.01 object with a 90-degree X rotation), a rotated parent, missing
fingers. `build` returns (object, truth) where truth maps canonical roles to the bone names used.
"""
import json
import math
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = json.load(open(os.path.join(HERE, "rigs", "humanoids.json"), encoding="utf-8"))
FINGERS = ("thumb", "index", "middle", "ring", "pinky")
RIGS = tuple(DATA["rigs"])


def _spec(kind):
    spec = dict(DATA["rigs"][kind])
    if "same_as" in spec:
        base = dict(DATA["rigs"][spec["same_as"]])
        base.update({k: v for k, v in spec.items() if k != "same_as"})
        spec = base
    names = dict(spec["names"])
    names.update(spec.get("names_override", {}))
    spec["names"] = names
    return spec


def _rot(axis, deg):
    a = math.radians(deg)
    c, s = math.cos(a), math.sin(a)
    x, y, z = axis
    return np.array([[c + x * x * (1 - c), x * y * (1 - c) - z * s, x * z * (1 - c) + y * s],
                     [y * x * (1 - c) + z * s, c + y * y * (1 - c), y * z * (1 - c) - x * s],
                     [z * x * (1 - c) - y * s, z * y * (1 - c) + x * s, c + z * z * (1 - c)]])


def skeleton(a_pose=False):
    """{(role, side or None): position} and finger joints {(finger, k, side): position}, k = 0..4."""
    from signllm.inference import hand as chand
    sk = DATA["skeleton"]
    pos = {}
    for role in ("hips", "spine", "spine2", "chest", "neck", "head", "head_top"):
        pos[(role, None)] = np.array(sk[role], float)
    params = np.array(DATA["hand_rest_params"], float)
    for side, sign in (("L", 1.0), ("R", -1.0)):
        m = np.array([sign, 1.0, 1.0])
        for role in ("shoulder", "upper_arm", "forearm", "hand", "thigh", "shin", "foot"):
            pos[(role, side)] = np.array(sk[role], float) * m
        # palm down, fingers out along the arm, thumb forward
        y = np.array([sign, 0.0, 0.0])
        z = np.array([0.0, 0.0, -1.0])
        frame = np.stack([np.cross(y, z), y, z], -1)
        local = chand.joints_local(params, 1.0, side)
        wrist = pos[("hand", side)]
        chains = {"thumb": (1, 2, 3, 4), "index": (5, 6, 7, 8), "middle": (9, 10, 11, 12),
                  "ring": (13, 14, 15, 16), "pinky": (17, 18, 19, 20)}
        for f, idx in chains.items():
            for k, j in enumerate(idx):
                pos[(f, k + 1, side)] = wrist + frame @ local[j]
            if f != "thumb":  # metacarpal base near the wrist
                pos[(f, 0, side)] = wrist + frame @ (local[idx[0]] * np.array([0.6, 0.12, 0.0]))
        if a_pose:
            pivot = pos[("upper_arm", side)]
            R = _rot((0.0, 1.0, 0.0), 45.0 * sign)
            for key in list(pos):
                if key[-1] == side and key[0] in ("forearm", "hand") + FINGERS:
                    pos[key] = pivot + R @ (pos[key] - pivot)
    return pos


def _fname(spec, f, k, side, template):
    fn = spec["finger_names"][f]
    seg = spec.get("thumb_segment_names" if f == "thumb" else "segment_names")
    num = {"index": 1, "middle": 2, "ring": 3, "pinky": 4}.get(f, 0)
    return template.format(s=spec["sides"][side], F=fn, k=k, N=fn, M=num,
                           K=(seg[k - 1] if seg and k <= 3 else ""))


def bone_list(kind, a_pose=False, drop_fingers=()):
    """[(name, parent, head, tail, role)] in world metres."""
    spec = _spec(kind)
    n = spec["names"]
    pre = spec["prefix"]
    pos = skeleton(a_pose)
    out = []
    truth = {}

    def add(name, parent, head, tail, role=None):
        out.append((pre + name, pre + parent if parent else None, np.asarray(head, float), np.asarray(tail, float)))
        if role:
            truth[role] = pre + name
        return name

    root = None
    if spec.get("root"):
        root = add(spec["root"], None, (0, 0, 0), (0, 0.2, 0))
    P = lambda *key: pos[key if len(key) > 1 else (key[0], None)]  # noqa: E731
    up = np.array([0.0, 0.0, 0.1])
    hips = add(n["hips"], root, P("hips"), P("spine"), "hips")
    spine = add(n["spine"], hips, P("spine"), P("spine2"), "spine")
    top = add(n["spine2"], spine, P("spine2"), P("chest"))
    if spec.get("spine_extra"):
        a, b = P("spine2") + (P("chest") - P("spine2")) / 3, P("spine2") + 2 * (P("chest") - P("spine2")) / 3
        top = add("spine_03", top, a, b)
        top = add(spec["spine_extra"][0], top, b, P("chest"))
    chest = add(n["chest"], top, P("chest"), P("neck"), "chest")
    neck = add(n["neck"], chest, P("neck"), P("head"), "neck")
    if spec.get("neck_extra"):
        neck = add(spec["neck_extra"], neck, (P("neck") + P("head")) / 2, P("head"))
    head = add(n["head"], neck, P("head"), P("head_top"), "head")
    if n.get("head_top"):
        add(n["head_top"], head, P("head_top"), P("head_top") + up, "head_top")
    for side in ("L", "R"):
        s = spec["sides"][side]
        sh = add(n["shoulder"].format(s=s), chest, P("shoulder", side), P("upper_arm", side), f"shoulder.{side}")
        ua = add(n["upper_arm"].format(s=s), sh, P("upper_arm", side), P("forearm", side), f"upper_arm.{side}")
        twist = spec.get("twist")
        tw = [t.format(s=s) for t in spec.get("twist_names", [])]
        mid_u = (P("upper_arm", side) + P("forearm", side)) / 2
        mid_f = (P("forearm", side) + P("hand", side)) / 2
        if twist == "chain":  # MakeHuman: upperarm01 -> upperarm02 -> lowerarm01 -> lowerarm02 -> wrist
            out[-1] = (out[-1][0], out[-1][1], out[-1][2], mid_u)
            ua2 = add(tw[0], ua, mid_u, P("forearm", side))
            fa = add(n["forearm"].format(s=s), ua2, P("forearm", side), mid_f, f"forearm.{side}")
            fa2 = add(tw[1], fa, mid_f, P("hand", side))
            hand_parent = fa2
        else:
            fa = add(n["forearm"].format(s=s), ua, P("forearm", side), P("hand", side), f"forearm.{side}")
            if twist == "child":  # Unreal: twist bones hang beside the chain
                add(tw[0], ua, mid_u, P("forearm", side))
                add(tw[1], fa, mid_f, P("hand", side))
            hand_parent = fa
        hand = add(n["hand"].format(s=s), hand_parent, P("hand", side), P("middle", 1, side), f"hand.{side}")
        for f in FINGERS:
            if f in drop_fingers:
                continue
            parent = hand
            if spec.get("metacarpal") and f != "thumb":
                parent = add(_fname(spec, f, 0, side, spec["metacarpal"]), hand, P(f, 0, side), P(f, 1, side))
            for k in (1, 2, 3):
                head_p, tail_p = P(f, k, side), P(f, k + 1, side)
                parent = add(_fname(spec, f, k, side, n["finger"]), parent, head_p, tail_p, f"{f}.{k}.{side}")
            if n.get("tip"):
                d = P(f, 4, side) - P(f, 3, side)
                add(_fname(spec, f, 4, side, n["tip"]), parent, P(f, 4, side), P(f, 4, side) + 0.5 * d,
                    f"{f}.tip.{side}")
        th = add(n["thigh"].format(s=s), hips, P("thigh", side), P("shin", side))
        sn = add(n["shin"].format(s=s), th, P("shin", side), P("foot", side))
        add(n["foot"].format(s=s), sn, P("foot", side), P("foot", side) + np.array([0, -0.15, -0.05]))
    for name, parent_role in spec.get("extra", []):
        add(name, n[parent_role], P(parent_role), P(parent_role) + up)
    return out, truth


def build(bpy, kind, a_pose=False, unit=1.0, fbx_axes=False, roll_seed=None, parent_rot=0.0,
          drop_fingers=(), name=None, sideways_leaves=False, size=1.0):
    """A new armature object of rig family `kind` in the current scene; returns (object, truth).

    sideways_leaves: bones without children get tails at right angles to the limb (what Blender's FBX
    import gives Unreal skeletons without 'automatic bone orientation'); truth["_tips"] keeps where
    those fingertips really are (armature space, rest).
    """
    bones, truth = bone_list(kind, a_pose, drop_fingers)
    truth = dict(truth)
    if size != 1.0:  # a character modelled at the wrong size (e.g. 180 units tall at scale 1)
        bones = [(n, p, h * size, t * size) for n, p, h, t in bones]
    if sideways_leaves:
        parents = {p for _, p, _, _ in bones}
        tips = {}
        out = []
        for bname, parent, head, tail in bones:
            if bname not in parents:
                d = tail - head
                side = np.cross(d, [0.0, 0.0, 1.0])
                side = side if np.linalg.norm(side) > 1e-9 else np.cross(d, [1.0, 0.0, 0.0])
                tips[bname] = tail
                tail = head + side / np.linalg.norm(side) * np.linalg.norm(d)
            out.append((bname, parent, head, tail))
        bones = out
        truth["_tips_world"] = tips
    arm = bpy.data.armatures.new(name or kind)
    ob = bpy.data.objects.new(name or kind, arm)
    bpy.context.scene.collection.objects.link(ob)
    import mathutils
    M = mathutils.Matrix.Diagonal((unit, unit, unit, 1.0))
    if fbx_axes:
        M = mathutils.Matrix.Rotation(math.radians(90), 4, "X") @ M
    if parent_rot:
        empty = bpy.data.objects.new(f"{ob.name}_parent", None)
        bpy.context.scene.collection.objects.link(empty)
        empty.matrix_world = (mathutils.Matrix.Translation((0.4, -0.3, 0.1))
                              @ mathutils.Matrix.Rotation(math.radians(parent_rot), 4, "Z"))
        ob.parent = empty
        ob.matrix_parent_inverse = mathutils.Matrix.Identity(4)
    ob.matrix_basis = M
    bpy.context.view_layer.update()
    inv = np.array(ob.matrix_world.inverted())
    rng = np.random.default_rng(roll_seed) if roll_seed is not None else None
    bpy.context.view_layer.objects.active = ob
    bpy.ops.object.mode_set(mode="EDIT")
    eb = arm.edit_bones
    for bname, parent, head, tail in bones:
        b = eb.new(bname)
        b.head = tuple(inv[:3, :3] @ head + inv[:3, 3])
        b.tail = tuple(inv[:3, :3] @ tail + inv[:3, 3])
        b.roll = float(rng.uniform(-math.pi, math.pi)) if rng is not None else 0.0
        if parent:
            b.parent = eb[parent]
    bpy.ops.object.mode_set(mode="OBJECT")
    if "_tips_world" in truth:
        truth["_tips"] = {b: inv[:3, :3] @ p + inv[:3, 3] for b, p in truth.pop("_tips_world").items()}
    return ob, truth


def _tip(ob, truth, finger, side):
    t = truth.get(f"{finger}.tip.{side}")
    if t:
        return np.array(ob.pose.bones[t].head)
    pb = ob.pose.bones[truth[f"{finger}.3.{side}"]]
    rest_tip = truth.get("_tips", {}).get(pb.name)
    if rest_tip is None:
        return np.array(pb.tail)
    M = np.array(pb.matrix) @ np.linalg.inv(np.array(pb.bone.matrix_local))
    return M[:3, :3] @ rest_tip + M[:3, 3]


def measure(bpy, scene, ob, truth, res):
    """Per frame on the evaluated rig: wrist error (m), palm angle (deg), thumb-index gap excess (m)."""
    from signllm.rigs import blender_io, solve
    from signllm.rigs.profiles import detect
    rig = blender_io.read_rig(ob)
    unit = solve.canonical(rig, detect(rig, blender_io.stored_mapping(ob))).unit  # metres per armature unit
    J = res.track.hand_joints()
    gap_ref = np.linalg.norm(J[:, :, 4] - J[:, :, 8], axis=-1)   # (T, 2) canonical metres
    pos, ang, gap, wrists = [], [], [], []
    for f in range(res.track.n_frames):
        scene.frame_set(scene.frame_start + f)
        for h, side in enumerate("LR"):
            tg = res.plan.targets[side]
            pb = ob.pose.bones[truth[f"hand.{side}"]]
            pos.append(np.linalg.norm(np.array(pb.head) - tg["wrist"][f]) * unit)
            wrists.append(np.array(pb.head))
            R = np.array(pb.matrix)[:3, :3]
            R = R / np.linalg.norm(R, axis=0)
            c = np.clip((np.trace(R.T @ tg["hand_rot"][f]) - 1) / 2, -1, 1)
            ang.append(np.degrees(np.arccos(c)))
            if gap_ref[f, h] < 0.02 and f"thumb.3.{side}" in truth and f"index.3.{side}" in truth:
                d = np.linalg.norm(_tip(ob, truth, "thumb", side) - _tip(ob, truth, "index", side)) * unit
                gap.append(d - gap_ref[f, h])
    return max(pos), max(ang), (max(gap) if gap else None), np.array(wrists).reshape(-1, 2, 3)


def half_body_list(hands_parent="Spine", wrists=((0.2, -0.22, 1.12), (-0.2, -0.22, 1.12))):
    """A half-body avatar (Ready Player Me half-body / VR style): Hips, Spine.., Neck, Head and two hands
    with fingers hanging from `hands_parent` (a spine bone or the root), no shoulders, arms or legs. The
    hands float beside the waist, fingers forward, palms in, thumbs up. [(name, parent, head, tail)], truth."""
    bones, truth = bone_list("readyplayerme")
    parent_of = {n: p for n, p, _, _ in bones}

    def under(n, root):
        while n is not None:
            if n == root:
                return True
            n = parent_of.get(n)
        return False
    drop_roles = ("shoulder", "upper_arm", "forearm")
    dropped = {truth[f"{r}.{s}"] for r in drop_roles for s in "LR"}
    legs = {n for n, *_ in bones if any(k in n for k in ("UpLeg", "Leg", "Foot"))}
    # columns: where the T-pose hand's x, y, z go (fingers forward, palm toward the body, thumb up)
    rots = {"L": np.stack([[0, -1, 0], [0, 0, -1], [1, 0, 0]], -1).astype(float),
            "R": np.stack([[0, 1, 0], [0, 0, -1], [-1, 0, 0]], -1).astype(float)}
    out = []
    for n, p, h, t in bones:
        if n in dropped or n in legs or n == "Wolf3D_Body_Bone":
            continue
        for k, side in enumerate("LR"):
            hand = truth[f"hand.{side}"]
            if under(n, hand):
                w0 = [b for b in bones if b[0] == hand][0][2]
                R = rots[side]
                h = np.asarray(wrists[k]) + R @ (h - w0)
                t = np.asarray(wrists[k]) + R @ (t - w0)
                if n == hand:
                    p = hands_parent
        out.append((n, p, h, t))
    truth = {r: b for r, b in truth.items() if b not in dropped and not r.startswith(drop_roles)}
    return out, truth


def build_half_body(bpy, name="HalfBody", hands_parent="Spine", roll_seed=None):
    """A new half-body armature (see half_body_list) in the current scene; returns (object, truth)."""
    import math
    bones, truth = half_body_list(hands_parent)
    arm = bpy.data.armatures.new(name)
    ob = bpy.data.objects.new(name, arm)
    bpy.context.scene.collection.objects.link(ob)
    rng = np.random.default_rng(roll_seed) if roll_seed is not None else None
    bpy.context.view_layer.objects.active = ob
    bpy.ops.object.mode_set(mode="EDIT")
    eb = arm.edit_bones
    for bname, parent, head, tail in bones:
        b = eb.new(bname)
        b.head, b.tail = tuple(head), tuple(tail)
        b.roll = float(rng.uniform(-math.pi, math.pi)) if rng is not None else 0.0
        if parent:
            b.parent = eb[parent]
    bpy.ops.object.mode_set(mode="OBJECT")
    return ob, truth
