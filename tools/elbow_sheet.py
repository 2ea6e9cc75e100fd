"""Front and side views of the default human at chosen frames of the demo sentence (Workbench), for
docs/notes/elbow.md: where a forearm goes into the chest or an elbow swings in front of it.

Usage (from the repository root, or any checkout of it, to compare branches):
    python tools/elbow_sheet.py OUT.png FRAME [FRAME ...] [--skeleton default] [--size 300]
"""
import argparse
import os
import sys
import tempfile

ROOT = os.getcwd()
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests"))
import build  # noqa: E402

build.import_package()
import bpy  # noqa: E402
from mathutils import Vector  # noqa: E402

import characters  # noqa: E402
from signllm.signllm_blender import contact_sheet, demo_scene, service  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("frames", type=int, nargs="+")
    ap.add_argument("--skeleton", default="default")
    ap.add_argument("--size", type=int, default=300)
    ap.add_argument("--text", default="Hello, what is your name?")
    args = ap.parse_args(argv)
    scene, rig, _ = characters.open_character(args.skeleton, "native")
    service.generate(rig, scene, text=args.text)
    cam = demo_scene.setup_human_camera(rig, args.size)
    cam.data.type = "ORTHO"
    cam.data.ortho_scale = 0.95
    target = Vector((0.0, 0.0, 1.25))
    paths = []
    with tempfile.TemporaryDirectory() as tmp:
        for direction in ((0, -1, 0), (1, 0, 0)):     # front, then the signer's right side
            for f in args.frames:
                scene.frame_set(scene.frame_start + f)
                cam.location = target + Vector(direction) * 4.0
                cam.rotation_euler = (target - cam.location).to_track_quat("-Z", "Y").to_euler()
                scene.render.filepath = os.path.join(tmp, f"{direction[0]}_{f}.png")
                bpy.ops.render.render(write_still=True)
                paths.append(scene.render.filepath)
        contact_sheet.tile(paths, os.path.abspath(args.out), columns=len(args.frames))
    print("wrote", args.out)


if __name__ == "__main__":
    main(sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else None)
