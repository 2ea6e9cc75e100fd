"""Contact sheets of the same sentence on every supported rig family (docs/rigs/*.png), for the README.

The rigs are the test fixtures (tests/rig_builders.py: each family's bone names with realistic rests and
rolls); a simple mannequin is hung on the bones the detected profile maps, so what is drawn is the mapping.
Run: .venv/bin/python tools/rig_sheets.py
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests"))

import build  # noqa: E402

build.import_package()
import bpy  # noqa: E402
from mathutils import Matrix, Vector  # noqa: E402

import rig_builders  # noqa: E402
from signllm.rigs import blender_io  # noqa: E402
from signllm.rigs.profiles import detect  # noqa: E402
from signllm.signllm_blender import contact_sheet, demo_scene, service  # noqa: E402

SENTENCE = "Hello, what is your name?"
FAMILIES = [("mixamo", False), ("readyplayerme", False), ("ue5", True), ("vroid", True), ("vrm", False),
            ("makehuman", True), ("smplx", False), ("generic", True)]
RADIUS = {"upper_arm": 0.045, "forearm": 0.034, "hand": 0.022, "spine": 0.12, "chest": 0.13, "hips": 0.12,
          "neck": 0.045, "shoulder": 0.045}


def mannequin(ob, profile):
    coll = bpy.data.collections.new("Mannequin")
    bpy.context.scene.collection.children.link(coll)
    for role, bone in profile.mapping.items():
        if not bone or bone not in ob.pose.bones or role.startswith(("head", "_")) or ".tip" in role:
            continue
        kind = role.split(".")[0]
        finger = kind in ("thumb", "index", "middle", "ring", "pinky")
        radius = 0.009 if finger else RADIUS.get(kind, 0.03)
        color = demo_scene.HAND if finger or kind == "hand" else demo_scene.SHIRT
        length = ob.pose.bones[bone].bone.length * ob.matrix_world.to_scale()[1]
        cap = demo_scene._capsule(f"mq_{role}", length, radius, color, coll)
        demo_scene._attach(cap, ob, bone, Matrix.Translation((0, ob.pose.bones[bone].bone.length * 0.5, 0)))
    head = profile.mapping.get("head")
    if head in ob.pose.bones:
        body_h = 0.11
        sph = demo_scene._sphere("mq_head", body_h, demo_scene.SKIN, coll)
        demo_scene._attach(sph, ob, head, Matrix.Translation((0, ob.pose.bones[head].bone.length * 0.5, 0)))


def camera(ob, profile):
    scene = bpy.context.scene
    head = ob.matrix_world @ ob.pose.bones[profile.mapping["head"]].head
    target = head + Vector((0.0, 0.0, -0.25))
    cam = bpy.data.objects.new("SignCam", bpy.data.cameras.new("SignCam"))
    cam.data.type = "ORTHO"
    cam.data.ortho_scale = 1.2
    scene.collection.objects.link(cam)
    cam.location = target + Vector((0.35, -3.0, 0.15))
    cam.rotation_euler = (target - cam.location).to_track_quat("-Z", "Y").to_euler()
    scene.camera = cam


def main():
    out = os.path.join(ROOT, "docs", "rigs")
    os.makedirs(out, exist_ok=True)
    for kind, a_pose in FAMILIES:
        demo_scene.new_scene()
        ob, _ = rig_builders.build(bpy, kind, a_pose=a_pose)
        profile = detect(blender_io.read_rig(ob))
        mannequin(ob, profile)
        rig = ob
        scene = bpy.context.scene
        camera(ob, profile)
        scene.render.engine = "BLENDER_WORKBENCH"
        scene.display.shading.light = "STUDIO"
        scene.display.shading.color_type = "OBJECT"
        scene.display.shading.show_cavity = True
        scene.render.resolution_x = scene.render.resolution_y = 260
        world = bpy.data.worlds.new("W")
        world.color = (0.92, 0.92, 0.9)
        scene.world = world
        res = service.generate(rig, scene, text=SENTENCE)
        signs = [s for s in res.track.segments if s.kind != "pause"]
        path = os.path.join(out, f"{kind}.png")
        contact_sheet.contact_sheet(scene, path, count=4, columns=4, segments=signs, offset=scene.frame_start)
        print(f"{kind}: {profile.label}, {res.plan.n_keys} keys -> {path}", flush=True)
    overview(out)


def overview(out):
    """One labelled image of all families (docs/rigs/all_rigs.png); the per-family sheets are removed."""
    from PIL import Image, ImageDraw
    paths = [(k, os.path.join(out, f"{k}.png")) for k, _ in FAMILIES]
    ims = [(k, Image.open(p).convert("RGB")) for k, p in paths if os.path.exists(p)]
    w = max(im.width for _, im in ims)
    sheet = Image.new("RGB", (w, sum(im.height + 24 for _, im in ims)), (60, 60, 60))
    draw, y = ImageDraw.Draw(sheet), 0
    for k, im in ims:
        draw.text((8, y + 6), k, fill=(255, 255, 255))
        sheet.paste(im, (0, y + 24))
        y += im.height + 24
    sheet.save(os.path.join(out, "all_rigs.png"))
    for _, p in paths:
        if os.path.exists(p):
            os.remove(p)


if __name__ == "__main__":
    main()
