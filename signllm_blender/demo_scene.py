"""A ready scene for previews and tests.

`build()` (the demo and the gallery): the default signing human (a skinned MakeHuman body with ARKit face
keys, signllm_blender.character) with a camera on the upper body and Workbench in material colour, so the
skin-coloured hands stand out against the shirt. `build(with_mannequin=False)`: a bare generated Rigify rig
(tests and benchmarks); `build(character="mannequin")`: the older Rigify rig with capsules on its bones.
"""
import addon_utils
import bpy
from mathutils import Matrix, Vector

SKIN = (0.85, 0.66, 0.52, 1.0)
SHIRT = (0.16, 0.28, 0.45, 1.0)
HAND = (0.93, 0.72, 0.58, 1.0)


def ensure_rigify():
    addon_utils.enable("rigify", default_set=True, persistent=True)


def new_scene():
    ensure_rigify()
    bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
    return bpy.context.scene


def add_rigify_character(generate=True):
    """Human metarig, optionally generated; returns (metarig, rig or None)."""
    ensure_rigify()
    bpy.ops.object.armature_human_metarig_add()
    meta = bpy.context.object
    if not generate:
        return meta, None
    bpy.ops.pose.rigify_generate()
    rig = bpy.context.object
    meta.hide_set(True)
    meta.hide_render = True
    return meta, rig


def _shape_object(name, color, collection, build):
    """A mesh object made by a bmesh builder `build(bm)`, coloured for Workbench's object colour."""
    import bmesh
    mesh = bpy.data.meshes.new(name)
    bm = bmesh.new()
    build(bm)
    bm.to_mesh(mesh)
    bm.free()
    ob = bpy.data.objects.new(name, mesh)
    ob.color = color
    collection.objects.link(ob)
    return ob


def _capsule(name, length, radius, color, collection):
    import bmesh
    return _shape_object(name, color, collection, lambda bm: bmesh.ops.create_cone(
        bm, cap_ends=True, segments=10, radius1=radius, radius2=radius * 0.85, depth=length,
        matrix=Matrix.Rotation(-1.5708, 4, "X")))


def _sphere(name, radius, color, collection):
    import bmesh
    return _shape_object(name, color, collection, lambda bm: bmesh.ops.create_uvsphere(
        bm, u_segments=20, v_segments=12, radius=radius))


def add_mannequin(rig, deform_prefix="DEF-"):
    """Parent simple shapes to the rig's deform bones; returns the collection."""
    coll = bpy.data.collections.new("Mannequin")
    bpy.context.scene.collection.children.link(coll)
    for pb in rig.pose.bones:
        name = pb.name
        if not name.startswith(deform_prefix) or not pb.bone.use_deform:
            continue
        base = name[len(deform_prefix):]
        if base.startswith(("breast", "pelvis", "heel", "toe", "foot", "jaw", "tongue", "ear", "lip", "eye",
                            "nose", "brow", "lid", "cheek", "chin", "temple", "forehead", "teeth")):
            continue
        length = pb.bone.length
        if base.startswith(("f_", "thumb")):
            radius, color = 0.009 * (1.2 if base.startswith("thumb") else 1.0), HAND
        elif base.startswith("palm"):
            radius, color = 0.012, HAND
        elif base.startswith("hand"):
            radius, color = 0.022, HAND
        elif base.startswith("forearm"):
            radius, color = 0.034, SHIRT
        elif base.startswith("upper_arm"):
            radius, color = 0.045, SHIRT
        elif base.startswith("spine.00") and base[-1] in "456":
            radius, color = 0.045, SKIN
        elif base.startswith("spine"):
            radius, color = 0.13, SHIRT
        elif base.startswith("shoulder"):
            radius, color = 0.05, SHIRT
        elif base.startswith(("thigh", "shin")):
            radius, color = 0.07, (0.2, 0.2, 0.22, 1)
        else:
            continue
        ob = _capsule(f"mq_{base}", length, radius, color, coll)
        _attach(ob, rig, name, Matrix.Translation((0, length * 0.5, 0)))
    head = next((b for b in ("DEF-spine.006", "spine.006") if b in rig.pose.bones), None)
    if head:
        length = rig.pose.bones[head].bone.length
        ob = _sphere("mq_head", length * 0.55, SKIN, coll)
        _attach(ob, rig, head, Matrix.Translation((0, length * 0.5, -length * 0.05)))
        nose = _sphere("mq_nose", length * 0.08, SKIN, coll)
        _attach(nose, rig, head, Matrix.Translation((0, length * 0.42, length * 0.55)))
        for side in (-1, 1):
            eye = _sphere("mq_eye", length * 0.06, (0.1, 0.1, 0.1, 1), coll)
            _attach(eye, rig, head, Matrix.Translation((side * length * 0.18, length * 0.6, length * 0.47)))
    return coll


def _attach(ob, rig, bone, offset):
    """Parent ob to a bone keeping it at bone-matrix @ offset (rest pose)."""
    pb = rig.pose.bones[bone]
    world = rig.matrix_world @ pb.bone.matrix_local @ offset
    ob.parent = rig
    ob.parent_type = "BONE"
    ob.parent_bone = bone
    bpy.context.view_layer.update()
    ob.matrix_world = world


def setup_camera_and_render(rig, resolution=360, head_bone=None):
    scene = bpy.context.scene
    head_bone = head_bone or ("DEF-spine.006" if "DEF-spine.006" in rig.pose.bones else "spine.006")
    head = rig.matrix_world @ rig.pose.bones[head_bone].bone.head_local
    target = head + Vector((0.0, 0.0, -0.2))
    cam_data = bpy.data.cameras.new("SignCam")
    cam_data.type = "ORTHO"
    cam_data.ortho_scale = 1.25
    cam = bpy.data.objects.new("SignCam", cam_data)
    scene.collection.objects.link(cam)
    cam.location = target + Vector((0.35, -3.0, 0.15))
    direction = target - cam.location
    cam.rotation_euler = direction.to_track_quat("-Z", "Y").to_euler()
    scene.camera = cam
    scene.render.engine = "BLENDER_WORKBENCH"
    scene.display.shading.light = "STUDIO"
    scene.display.shading.color_type = "OBJECT"
    scene.display.shading.show_shadows = False
    scene.display.shading.show_cavity = True
    scene.render.resolution_x = resolution
    scene.render.resolution_y = resolution
    scene.render.resolution_percentage = 100
    scene.render.film_transparent = False
    world = bpy.data.worlds.new("SignWorld")
    world.color = (0.92, 0.92, 0.9)
    scene.world = world
    scene.render.image_settings.file_format = "PNG"
    return cam


def setup_human_camera(rig, resolution=360):
    """Camera on the signing space (head to hips, elbow to elbow), Workbench in material colour."""
    from . import character
    cam = setup_camera_and_render(rig, resolution, head_bone=character.head_bone(rig))
    bpy.context.scene.display.shading.color_type = "MATERIAL"
    return cam


def build(with_mannequin=True, resolution=360, character="human", skeleton="default"):
    """New scene with a character to sign on, camera and render settings; returns the armature.

    with_mannequin=False: only a generated Rigify rig (no mesh, no camera), as the tests' fixture.
    character='human': the skinned default human with `skeleton`; 'mannequin': Rigify + capsules."""
    new_scene()
    if not with_mannequin:
        _, rig = add_rigify_character(True)
    elif character == "human":
        from . import character as human
        rig, _body = human.build_human(skeleton, name="SignHuman")
        setup_human_camera(rig, resolution)
    else:
        _, rig = add_rigify_character(True)
        add_mannequin(rig)
        setup_camera_and_render(rig, resolution)
    bpy.ops.object.select_all(action="DESELECT")
    rig.select_set(True)
    bpy.context.view_layer.objects.active = rig
    return rig
