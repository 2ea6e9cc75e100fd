"""Close-up contact sheet of fingerspelled letters (one tile per held letter), for checking the alphabet by eye.

    .venv/bin/python tools/fingerspelling_sheet.py ABCDEFGHIJKLM out/letters_a_m.png [--side]
"""
import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("letters")
    ap.add_argument("out")
    ap.add_argument("--side", action="store_true", help="view from the signer's dominant side")
    ap.add_argument("--columns", type=int, default=7)
    ap.add_argument("--resolution", type=int, default=300)
    ap.add_argument("--gloss", help="gloss to sign instead of fs-LETTERS (one tile per sign)")
    ap.add_argument("--at", default="0.5",
                    help="with --gloss: comma-separated fractions of each sign to show (0.5 = mid-sign; "
                         "'0.25,0.8' shows both parts of a compound)")
    args = ap.parse_args()
    import build
    build.import_package()
    import bpy
    import numpy as np
    from mathutils import Vector
    from signllm.inference import load_language
    from signllm.signllm_blender import contact_sheet, demo_scene, service

    rig = demo_scene.build(resolution=args.resolution)
    scene = bpy.context.scene
    gloss = args.gloss or "fs-" + args.letters
    res = service.generate(rig, scene, gloss=gloss)
    tr = res.track
    lang = load_language("ASL")
    frames = []
    if args.gloss:
        fracs = [float(x) for x in args.at.split(",")]
        frames = [s.start + int(round(f * (s.end - s.start - 1))) for s in tr.segments if s.kind != "pause"
                  for f in fracs]
    else:
        params = tr.hand_params[:, 1]
        f0 = 0
        for ch in args.letters.upper():
            hs = lang.phonology.handshape(lang.alphabet[ch]["hs"])
            held = np.flatnonzero(np.abs(params[f0:] - hs).max(axis=1) < 1e-6) + f0
            if not held.size:
                frames.append(f0)
                continue
            run_end = held[0]
            while run_end + 1 in set(held.tolist()):
                run_end += 1
            frames.append((held[0] + run_end) // 2)
            f0 = run_end + 1
    start = scene.frame_start
    cam = scene.camera
    cam.data.ortho_scale = 0.42
    bone = next(rig.pose.bones[n] for n in ("DEF-hand.R", "hand.R", "metacarpal2.R", "wrist.R") if n in rig.pose.bones)
    with __import__("tempfile").TemporaryDirectory() as tmp:
        paths = []
        for k, f in enumerate(frames):
            scene.frame_set(start + int(f))
            target = rig.matrix_world @ bone.tail
            offset = Vector((-3.0, -0.3, 0.05)) if args.side else Vector((0.15, -3.0, 0.05))
            cam.location = target + offset
            cam.rotation_euler = (target - cam.location).to_track_quat("-Z", "Y").to_euler()
            path = os.path.join(tmp, f"t{k:03d}.png")
            scene.render.filepath = path
            bpy.ops.render.render(write_still=True)
            paths.append(path)
        contact_sheet.tile(paths, os.path.abspath(args.out), columns=min(args.columns, len(paths)))
    print("frames", frames, "->", args.out)


if __name__ == "__main__":
    main()
