"""Contact sheet of the arm solver: rest poses (SIDES, FRONT) and a few signs, front and side views, to look
at elbows and wrists (docs/solver_sheet.png). Top row front, bottom row side.

Run: .venv/bin/python tools/solver_sheet.py [character.blend armature-name]
Without arguments a Mixamo-named test rig with a capsule mannequin is used.
"""
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, HERE)

import build  # noqa: E402

build.import_package()
import bpy  # noqa: E402
from mathutils import Vector  # noqa: E402

import rig_builders  # noqa: E402
import rig_sheets  # noqa: E402
from signllm.rigs import blender_io  # noqa: E402
from signllm.rigs.profiles import detect  # noqa: E402
from signllm.signllm_blender import contact_sheet, demo_scene, service  # noqa: E402


def cameras(ob, profile):
    scene = bpy.context.scene
    head = ob.matrix_world @ ob.pose.bones[profile.mapping["head"]].head
    hips = ob.matrix_world @ ob.pose.bones[profile.mapping["hips"]].head
    target = (head + hips) * 0.5 + Vector((0, 0, 0.05))
    size = (head - hips).length * 2.1
    out = []
    for name, off in (("front", Vector((0.0, -3.0, 0.1))), ("side", Vector((3.0, -0.6, 0.1)))):
        cam = bpy.data.objects.new(f"Cam_{name}", bpy.data.cameras.new(name))
        cam.data.type = "ORTHO"
        cam.data.ortho_scale = size
        scene.collection.objects.link(cam)
        cam.location = target + off
        cam.rotation_euler = (target - cam.location).to_track_quat("-Z", "Y").to_euler()
        out.append(cam)
    return out


def shots(ob, scene, text, rest_pose, picks):
    """[(label, frame)] after signing `text`: frame 0 (rest) and the middle of the chosen signs."""
    res = service.generate(ob, scene, text=text, options=service.Options(rest_pose=rest_pose))
    frames = [(f"rest {rest_pose}", scene.frame_start)]
    for s in res.track.segments:
        if s.kind != "pause" and (not picks or s.gloss in picks):
            frames.append((s.gloss, scene.frame_start + (s.start + s.end) // 2))
    print(rest_pose, [w for w in res.warnings], flush=True)
    return frames


def main():
    out = os.path.join(ROOT, "docs", "solver_sheet.png")
    if len(sys.argv) > 1 and sys.argv[1] == "--human":   # the default human (signllm_blender.character)
        from signllm.signllm_blender import character
        demo_scene.new_scene()
        ob, _body = character.build_human(sys.argv[2] if len(sys.argv) > 2 else "default")
        profile = detect(blender_io.read_rig(ob))
        out = os.path.join(ROOT, "docs", "solver_sheet_human.png")
    elif len(sys.argv) > 2:
        bpy.ops.wm.open_mainfile(filepath=sys.argv[1])
        ob = bpy.data.objects[sys.argv[2]]
        profile = detect(blender_io.read_rig(ob))
    else:
        demo_scene.new_scene()
        ob, _ = rig_builders.build(bpy, "mixamo")
        profile = detect(blender_io.read_rig(ob))
        rig_sheets.mannequin(ob, profile)
    scene = bpy.context.scene
    scene.render.engine = "BLENDER_WORKBENCH"
    scene.display.shading.light = "STUDIO"
    scene.display.shading.color_type = "OBJECT" if len(sys.argv) <= 1 else "MATERIAL"
    scene.display.shading.show_cavity = True
    scene.render.resolution_x = scene.render.resolution_y = 240
    world = bpy.data.worlds.new("W")
    world.color = (0.92, 0.92, 0.9)
    scene.world = world
    front, side = cameras(ob, profile)
    rows = {front: [], side: []}
    labels = []
    with tempfile.TemporaryDirectory() as tmp:
        for text, mode, keep in (("Hello", "FRONT", 1), ("Hello, what is your name?", "SIDES", 99)):
            for label, frame in shots(ob, scene, text, mode, ())[:keep]:
                for cam in (front, side):
                    scene.camera = cam
                    scene.frame_set(frame)
                    path = os.path.join(tmp, f"{cam.name}_{len(rows[cam]):02d}.png")
                    scene.render.filepath = path
                    bpy.ops.render.render(write_still=True)
                    rows[cam].append(path)
                labels.append(label)
        contact_sheet.tile(rows[front] + rows[side], out, columns=len(labels))
    print("->", out, labels)


if __name__ == "__main__":
    main()
