"""Picture sheet of the whole handshape inventory (inference/data/handshapes.json): every handshape on the
dominant hand of a generated Rigify character, seen from the front (palm toward the viewer) and from the side,
rendered with Workbench. Used for docs/handshapes.md and for checking the shapes by eye.

    .venv/bin/python tools/handshape_sheet.py docs/handshapes.png [--resolution 220] [--columns 6] [--only B,C]
"""
import argparse
import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--resolution", type=int, default=220)
    ap.add_argument("--columns", type=int, default=6, help="handshapes per row (each shows front + side)")
    ap.add_argument("--only", help="comma-separated handshape names (default: all)")
    args = ap.parse_args()
    import build
    build.import_package()
    import bpy
    import numpy as np
    from mathutils import Vector
    from PIL import Image, ImageDraw
    from signllm import inference
    from signllm.inference import load_language
    from signllm.rigs import blender_io
    from signllm.rigs.retarget import plan_keys
    from signllm.signllm_blender import demo_scene, service

    rig = demo_scene.build(resolution=args.resolution)
    scene = bpy.context.scene
    phon = load_language("ASL").phonology
    names = args.only.split(",") if args.only else list(phon.handshapes)
    rig_model, profile, body = service.read_character(rig, scene)
    # a held letter gives a comfortable hand pose in the signing space, palm forward and fingers up
    held = inference.gloss_to_track(inference.parse_gloss("fs-B"), "ASL", body,
                                    inference.Settings(fps=scene.render.fps))
    seg = held.segments[0]
    f = (seg.start + seg.end) // 2
    n = len(names)
    track = held
    idx = np.full(n, f)
    for field in ("wrist", "palm", "hand_params", "elbow", "head", "brows", "contact"):
        if getattr(held, field) is not None:
            setattr(track, field, getattr(held, field)[idx].copy())
    track.face = {k: np.asarray(v)[idx].copy() for k, v in (held.face or {}).items()}
    track.segments = []
    for k, name in enumerate(names):
        track.hand_params[k, 1] = phon.handshape(name)   # index 1 = the right (dominant) hand
    plan = plan_keys(track, rig_model, profile, 0.0005, 0.0005)
    blender_io.write_plan(rig, plan, scene.frame_start, "handshape sheet")
    cam = scene.camera
    cam.data.ortho_scale = 0.30
    bone = next(rig.pose.bones[n] for n in ("DEF-hand.R", "hand.R", "metacarpal2.R", "wrist.R") if n in rig.pose.bones)
    tiles = []
    with tempfile.TemporaryDirectory() as tmp:
        for k, name in enumerate(names):
            scene.frame_set(scene.frame_start + k)
            hand_mid = rig.matrix_world @ ((bone.head + bone.tail) * 0.5 + (bone.tail - bone.head) * 0.8)
            views = []
            for view, offset in (("front", Vector((0.0, -3.0, 0.0))), ("side", Vector((-3.0, 0.0, 0.0)))):
                cam.location = hand_mid + offset
                cam.rotation_euler = (hand_mid - cam.location).to_track_quat("-Z", "Y").to_euler()
                path = os.path.join(tmp, f"{k:03d}_{view}.png")
                scene.render.filepath = path
                bpy.ops.render.render(write_still=True)
                views.append(Image.open(path).convert("RGB"))
            r = args.resolution
            t = Image.new("RGB", (2 * r + 6, r + 26), (255, 255, 255))
            t.paste(views[0], (0, 26))
            t.paste(views[1], (r + 6, 26))
            ImageDraw.Draw(t).text((6, 6), f"{name}   (front | side)", fill=(0, 0, 0))
            tiles.append(t)
    cols = min(args.columns, len(tiles))
    rows = (len(tiles) + cols - 1) // cols
    tw, th = tiles[0].size
    sheet = Image.new("RGB", (cols * (tw + 8) + 8, rows * (th + 8) + 8), (80, 80, 80))
    for i, t in enumerate(tiles):
        sheet.paste(t, (8 + (i % cols) * (tw + 8), 8 + (i // cols) * (th + 8)))
    sheet.quantize(colors=64).save(os.path.abspath(args.out), optimize=True)   # a small PNG for the docs
    print(len(names), "handshapes ->", args.out)


if __name__ == "__main__":
    main()
