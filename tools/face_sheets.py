"""Close-up contact sheets of the default human's face signing non-manual grammar -> docs/face/*.png.

Run: .venv/bin/python tools/face_sheets.py [out_dir]
Each sheet: a neutral frame, then the middle of each sign (and the peak of the non-manual), captioned with
the gloss and the frame. Also writes face_frames.json (which frame shows what) for bench/face_landmarks.py.
"""
import json
import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
import build

build.import_package()

import bpy
import numpy as np
from mathutils import Vector
from signllm.signllm_blender import character, contact_sheet, demo_scene, service

CASES = [   # (file, gloss, channel whose peak frame is shown)
    ("yes_no_question", "yn[ YOU DEAF ]", "browInnerUp"),
    ("wh_question", "wh[ YOUR NAME WHAT ]", "browDownLeft"),
    ("negation", "neg[ ME UNDERSTAND ]", None),
    ("mm_drive", "ME DRIVE", "mouthPressLeft"),
    ("cha_big", "HOUSE BIG", "jawOpen"),
    ("fingerspelling_gaze", "ME NAME fs-ANNA", "eyeLookOutRight"),
    ("fingerspelling_gaze_wide", "ME NAME fs-ANNA", "eyeLookOutRight"),    # face and spelling hand together
]
WIDE = {"fingerspelling_gaze_wide": (0.62, Vector((-0.12, 0.0, -0.17)))}   # ortho scale, shift (signer's right)


def face_camera(rig, scale=0.235, side=0.0, shift=None):
    """Orthographic camera on the face (front, or turned by `side` metres to one side; `shift` moves it)."""
    scene = bpy.context.scene
    head = rig.matrix_world @ rig.pose.bones[character.head_bone(rig)].bone.head_local
    target = head + Vector((0.0, -0.04, 0.035)) + (shift or Vector())
    cam = scene.camera
    cam.data.ortho_scale = scale
    cam.location = target + Vector((side, -2.0, 0.0))
    cam.rotation_euler = (target - cam.location).to_track_quat("-Z", "Y").to_euler()
    cam.data.clip_start, cam.data.clip_end = 0.5, 4.0
    return target


def caption(cam):
    cu = bpy.data.curves.new("caption", "FONT")
    cu.size = 0.0105
    cu.align_x = "CENTER"
    ob = bpy.data.objects.new("caption", cu)
    bpy.context.scene.collection.objects.link(ob)
    mat = bpy.data.materials.new("caption")
    mat.diffuse_color = (0.02, 0.02, 0.02, 1.0)
    cu.materials.append(mat)
    ob.parent = cam
    ob.location = (0.0, -0.110, -1.0)
    # a light band behind the caption, so it reads over hair, skin or hands
    half_w, y0, y1 = 0.13, -0.0085, 0.0095       # around the caption, just behind it
    me = bpy.data.meshes.new("caption_band")
    me.from_pydata([(-half_w, y0, -0.01), (half_w, y0, -0.01), (half_w, y1, -0.01), (-half_w, y1, -0.01)], [],
                   [(0, 1, 2, 3)])
    band = bpy.data.objects.new("caption_band", me)
    bpy.context.scene.collection.objects.link(band)
    light = bpy.data.materials.new("caption_band")
    light.diffuse_color = (0.85, 0.85, 0.83, 1.0)
    me.materials.append(light)
    band.parent = ob
    return ob


def frames_for(res, channel):
    tr = res.track
    segs = [s for s in tr.segments if s.kind != "pause"]
    out = [(0, "neutral")]
    for s in segs:
        out.append(((s.start + s.end) // 2, s.gloss))
    if channel and channel in tr.face:
        out.append((int(np.argmax(tr.face[channel])), f"peak {channel}"))
    if channel is None:    # negation: the two extremes of the shake
        yaw = tr.head[:, 1]
        out += [(int(np.argmax(yaw)), "shake left"), (int(np.argmin(yaw)), "shake right")]
    return sorted(set(out))


def main(out_dir=None):
    out_dir = out_dir or os.path.join(ROOT, "docs", "face")
    os.makedirs(out_dir, exist_ok=True)
    rig = demo_scene.build(character="human", resolution=300)
    scene = bpy.context.scene
    cap = caption(scene.camera)
    index = {}
    for name, gloss, channel in CASES:
        scale, shift = WIDE.get(name, (0.235, None))
        face_camera(rig, scale, shift=shift)
        k = scale / 0.235                        # caption and band scale with the view
        cap.scale = (k, k, 1.0)
        cap.location = (0.0, -0.110 * k, -1.0)
        res = service.generate(rig, scene, gloss=gloss)
        shown = frames_for(res, channel)
        with tempfile.TemporaryDirectory() as tmp:
            paths = []
            for f, label in shown:
                cap.data.body = f"{gloss}   (frame {f})" if label == "neutral" else f"{label}   (frame {f})"
                paths.extend(contact_sheet.render_frames(scene, [scene.frame_start + f], tmp))
                os.rename(paths[-1], paths[-1][:-4] + f"_{len(paths)}.png")
                paths[-1] = paths[-1][:-4] + f"_{len(paths)}.png"
            contact_sheet.tile(paths, os.path.join(out_dir, f"{name}.png"), columns=min(4, len(paths)))
        index[name] = {"gloss": gloss, "frames": [[f, label] for f, label in shown],
                       "n_frames": res.track.n_frames}
        print(name, shown)
    with open(os.path.join(out_dir, "face_frames.json"), "w") as fh:
        json.dump(index, fh, indent=1)


if __name__ == "__main__":
    main(*sys.argv[1:2])
