"""Close-ups of the right forearm and wrist on the Unreal-named default human (docs/solver_closeup_human.png):
the middle of each sign of "Hello, what is your name?" and seven points through the letters A G H P Q Y Z,
to look at elbow, forearm twist and wrist. Run: .venv/bin/python tools/solver_closeup.py
"""
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

import build  # noqa: E402

build.import_package()
import bpy  # noqa: E402
from mathutils import Vector  # noqa: E402

from signllm.rigs import blender_io  # noqa: E402
from signllm.rigs.profiles import detect  # noqa: E402
from signllm.signllm_blender import character, contact_sheet, demo_scene, service  # noqa: E402


def main():
    demo_scene.new_scene()
    ob, _body = character.build_human("game_engine")
    prof = detect(blender_io.read_rig(ob))
    scene = bpy.context.scene
    scene.render.engine = "BLENDER_WORKBENCH"
    scene.display.shading.light = "STUDIO"
    scene.display.shading.color_type = "MATERIAL"
    scene.render.resolution_x = scene.render.resolution_y = 260
    world = bpy.data.worlds.new("W")
    world.color = (0.92, 0.92, 0.9)
    scene.world = world
    cam = bpy.data.objects.new("Close", bpy.data.cameras.new("Close"))
    scene.collection.objects.link(cam)
    cam.data.type = "ORTHO"
    cam.data.ortho_scale = 0.7
    scene.camera = cam
    paths = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind, kw in (("sentence", {"text": "Hello, what is your name?"}), ("letters", {"gloss": "fs-AGHPQYZ"})):
            res = service.generate(ob, scene, **kw)
            for s in res.track.segments:
                if s.kind == "pause":
                    continue
                picks = (4,) if kind == "sentence" else range(1, 8)
                for k in picks:
                    scene.frame_set(scene.frame_start + s.start + (s.end - s.start) * k // 8)
                    fa = ob.matrix_world @ ob.pose.bones[prof.mapping["forearm.R"]].head
                    hd = ob.matrix_world @ ob.pose.bones[prof.mapping["hand.R"]].head
                    target = (fa + hd) / 2
                    cam.location = target + Vector((-0.8, -1.6, 0.4))
                    cam.rotation_euler = (target - cam.location).to_track_quat("-Z", "Y").to_euler()
                    path = os.path.join(tmp, f"{len(paths):03d}.png")
                    scene.render.filepath = path
                    bpy.ops.render.render(write_still=True)
                    paths.append(path)
            print(kind, res.warnings, flush=True)
        out = os.path.join(ROOT, "docs", "solver_closeup_human.png")
        contact_sheet.tile(paths, out, columns=6)
    print("->", out)


if __name__ == "__main__":
    main()
