"""Close-ups of contact signs at their touching frame, front and side (docs/character/fingers_contacts.png):
EAT, GOOD and MY on the default human with the Mixamo skeleton (its own hand geometry) and with the CMU skeleton (no
finger bones: the mesh's straight fingers). Run: [SKELETONS=mixamo,cmu_mb] .venv/bin/python tools/fingers_closeup.py [out.png [SIGN ...]]
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
import numpy as np  # noqa: E402
from mathutils import Vector  # noqa: E402

from signllm.inference.languages import load_language  # noqa: E402
from signllm.inference.track import HAND_SIDES  # noqa: E402
from signllm.signllm_blender import character, contact_sheet, demo_scene, service  # noqa: E402

SIGNS = ("EAT", "GOOD", "MY")


def _camera(scene):
    scene.render.engine = "BLENDER_WORKBENCH"
    scene.display.shading.light = "STUDIO"
    scene.display.shading.color_type = "MATERIAL"
    scene.render.resolution_x = scene.render.resolution_y = 220
    world = bpy.data.worlds.new("W")
    world.color = (0.92, 0.92, 0.9)
    scene.world = world
    cam = bpy.data.objects.new("Close", bpy.data.cameras.new("Close"))
    scene.collection.objects.link(cam)
    cam.data.type = "ORTHO"
    cam.data.ortho_scale = 0.34
    scene.camera = cam
    return cam


def main(out, signs=SIGNS):
    lang = load_language("ASL")
    paths = []
    with tempfile.TemporaryDirectory() as tmp:
        for skeleton in os.environ.get("SKELETONS", "mixamo,cmu_mb").split(","):
            demo_scene.new_scene()
            ob, _ = character.build_human(skeleton)
            scene = bpy.context.scene
            cam = _camera(scene)
            rig, _, body = service.read_character(ob, scene)
            res = service.generate(ob, scene, gloss=" ".join(signs))
            M = np.array(ob.matrix_world, float)
            for seg in res.track.segments:
                if seg.kind != "sign":
                    continue
                spec = lang.lexicon.get(seg.gloss)["dom"]
                point, _ = body.location(lang.phonology.locations[spec["loc"]], "R")
                target = Vector((M[:3, :3] @ rig.to_armature(point) + M[:3, 3]).tolist())
                # the frame where the touching point the track carries is closest to its skin point
                tr, h = res.track, HAND_SIDES.index("R")
                pts = [tr.wrist[t, h] + tr.palm[t, h] @ tr.contact[t, h] for t in range(seg.start, seg.end)]
                best = seg.start + int(np.argmin([np.linalg.norm(p - point) for p in pts]))
                scene.frame_set(scene.frame_start + best)
                for view in (Vector((-0.25, -1.0, 0.05)), Vector((-1.0, -0.05, 0.05))):
                    cam.location = target + view
                    cam.rotation_euler = (target - cam.location).to_track_quat("-Z", "Y").to_euler()
                    path = os.path.join(tmp, f"{len(paths):03d}.png")
                    scene.render.filepath = path
                    bpy.ops.render.render(write_still=True)
                    paths.append(path)
            print(skeleton, res.warnings, flush=True)
        contact_sheet.tile(paths, out, columns=2 * len(signs))
    print("->", out)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "docs", "character", "fingers_contacts.png"),
         tuple(sys.argv[2:]) or SIGNS)
