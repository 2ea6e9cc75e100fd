"""Render the default signing human with Workbench (front, side, hand close-up, face, and jawOpen +
eyeBlinkLeft to show the ARKit keys) into one PNG: docs/character/human.png.

Usage: python tools/character_sheet.py [--skeleton default] [--out docs/character/human.png] [--size 360]
"""
import argparse
import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
import build  # noqa: E402

build.import_package()
import bpy  # noqa: E402
from mathutils import Vector  # noqa: E402

from signllm.signllm_blender import character, contact_sheet, demo_scene  # noqa: E402


def shot(scene, cam, path, target, direction, scale):
    cam.data.ortho_scale = scale
    cam.location = Vector(target) + Vector(direction).normalized() * 4.0
    cam.rotation_euler = (Vector(target) - cam.location).to_track_quat("-Z", "Y").to_euler()
    scene.render.filepath = path
    bpy.ops.render.render(write_still=True)
    return path


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--skeleton", default="default", choices=character.SKELETONS)
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "character", "human.png"))
    ap.add_argument("--size", type=int, default=360)
    args = ap.parse_args(argv)
    demo_scene.new_scene()
    rig, body = character.build_human(args.skeleton, name="SignHuman")
    cam = demo_scene.setup_human_camera(rig, args.size)
    scene = bpy.context.scene
    hand = next(b for b in rig.data.bones if b.name in ("wrist.R", "hand_r", "mixamorig:RightHand", "RightHand",
                                                         "DEF-hand.R")).tail_local
    head = rig.data.bones[character.head_bone(rig)].head_local
    face = head + Vector((0.0, 0.0, 0.08))
    keys = body.data.shape_keys.key_blocks
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        paths = [shot(scene, cam, os.path.join(tmp, "front.png"), (0, 0, 0.86), (0, -1, 0), 1.85),
                 shot(scene, cam, os.path.join(tmp, "side.png"), (0, 0, 0.86), (1, 0, 0), 1.85),
                 shot(scene, cam, os.path.join(tmp, "hand.png"), hand, (-0.3, -1, 0.2), 0.3),
                 shot(scene, cam, os.path.join(tmp, "face.png"), face, (0, -1, 0), 0.32)]
        keys["jawOpen"].value, keys["eyeBlinkLeft"].value, keys["mouthSmileRight"].value = 0.6, 1.0, 0.8
        paths.append(shot(scene, cam, os.path.join(tmp, "face_keys.png"), face, (0, -1, 0), 0.32))
        contact_sheet.tile(paths, os.path.abspath(args.out), columns=len(paths))
    print(f"saved {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
