"""Render the default signing human with Workbench (front, side, hand close-up, face, head from its left,
and jawOpen + eyeBlinkLeft + mouthSmileRight to show the ARKit keys) into one PNG: docs/character/human.png.
With --brows: face close-ups of neutral, browInnerUp and browDownLeft+Right, and the brows' travel.

Usage: python tools/character_sheet.py [--skeleton default] [--out docs/character/human.png] [--size 360]
"""
import argparse
import os
import sys
import tempfile

import numpy as np

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
    ap.add_argument("--brows", help="instead: brow close-ups (neutral, browInnerUp, browDown) to this PNG, "
                                    "with the brows' measured rise/fall printed")
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
    if args.brows:
        return brow_sheet(scene, cam, rig, keys, args.brows)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        paths = [shot(scene, cam, os.path.join(tmp, "front.png"), (0, 0, 0.86), (0, -1, 0), 1.85),
                 shot(scene, cam, os.path.join(tmp, "side.png"), (0, 0, 0.86), (1, 0, 0), 1.85),
                 shot(scene, cam, os.path.join(tmp, "hand.png"), hand, (-0.3, -1, 0.2), 0.3),
                 shot(scene, cam, os.path.join(tmp, "face.png"), face, (0, -1, 0), 0.32),
                 shot(scene, cam, os.path.join(tmp, "head_side.png"), face, (1, -0.25, 0), 0.32)]
        keys["jawOpen"].value, keys["eyeBlinkLeft"].value, keys["mouthSmileRight"].value = 0.6, 1.0, 0.8
        paths.append(shot(scene, cam, os.path.join(tmp, "face_keys.png"), face, (0, -1, 0), 0.32))
        contact_sheet.tile(paths, os.path.abspath(args.out), columns=len(paths))
    print(f"saved {args.out}")
    return 0


BROW_POSES = (("neutral", {}), ("browInnerUp", {"browInnerUp": 1.0}),
              ("browDown", {"browDownLeft": 1.0, "browDownRight": 1.0}))


def brow_sheet(scene, cam, rig, keys, out):
    """Face close-ups of the brow poses; prints how far the brows move, on the mesh (mm) and in the
    render (px: centroid of the dark brow pixels between the eyes and the hairline, per side)."""
    brows = next(o for o in rig.children if o.name.endswith("_brows"))
    eyes = [o for o in rig.children if o.name.endswith(("_eye_L", "_eye_R"))]
    eye_z = sum(sum(v.co.z for v in o.data.vertices) / len(o.data.vertices) for o in eyes) / len(eyes)
    target, scale = Vector((0.0, 0.0, eye_z + 0.02)), 0.12
    px_per_mm = scene.render.resolution_x / (scale * 1000.0)
    paths, rows = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for name, values in BROW_POSES:
            for k in ("browInnerUp", "browDownLeft", "browDownRight", "browOuterUpLeft", "browOuterUpRight"):
                keys[k].value = values.get(k, 0.0)
            for ob in (brows,):
                if ob.data.shape_keys:
                    for k in ob.data.shape_keys.key_blocks[1:]:
                        k.value = values.get(k.name, 0.0)
            bpy.context.view_layer.update()
            ev = brows.evaluated_get(bpy.context.evaluated_depsgraph_get()).to_mesh()
            co = [brows.matrix_world @ v.co for v in ev.vertices]
            brows.evaluated_get(bpy.context.evaluated_depsgraph_get()).to_mesh_clear()
            inner = [c.z for c in co if 0 < abs(c.x) < 0.022]
            outer = [c.z for c in co if abs(c.x) >= 0.04]
            path = shot(scene, cam, os.path.join(tmp, f"{name}.png"), target, (0, -1, 0), scale)
            img = contact_sheet._load(path)
            h, w = img.shape[:2]
            lum = img[..., :3] @ np.array([0.3, 0.59, 0.11])
            z_row = lambda z: int(h / 2 + (z - target.z) / scale * w)        # bottom-up rows
            band = lum[z_row(eye_z + 0.007):z_row(eye_z + 0.035)]
            dark = band < 0.5 * np.median(band)
            ys, xs = np.nonzero(dark)
            inner_px = ys[np.abs(xs - w / 2) < 0.022 / scale * w].mean() if len(ys) else float("nan")
            outer_px = ys[np.abs(xs - w / 2) > 0.04 / scale * w].mean() if len(ys) else float("nan")
            rows.append((name, 1000 * sum(inner) / len(inner), 1000 * sum(outer) / len(outer), inner_px, outer_px))
            paths.append(path)
        contact_sheet.tile(paths, os.path.abspath(out), columns=len(paths))
    n0 = rows[0]
    print(f"{'pose':12s} {'inner mm':>9s} {'outer mm':>9s} {'inner px':>9s} {'outer px':>9s}  (vs neutral; "
          f"{px_per_mm:.2f} px/mm)")
    for r in rows:
        print(f"{r[0]:12s} {r[1] - n0[1]:9.2f} {r[2] - n0[2]:9.2f} {r[3] - n0[3]:9.1f} {r[4] - n0[4]:9.1f}")
    print(f"saved {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
