"""Benchmark (not CI): does a face-landmark detector see the grammar on the default human's face?

MediaPipe Face Mesh (mediapipe==0.10.14, its bundled face_landmark.tflite: offline, nothing downloaded)
runs on Workbench renders of the default human. Two interpreters:

    .venv/bin/python bench/face_landmarks.py [--mp /tmp/mpvenv/bin/python] [--out /tmp/face_bench]

renders with bpy, then runs this same file under the MediaPipe venv with `--measure DIR` (numpy +
mediapipe only). Set up that venv with:  python3 -m venv /tmp/mpvenv && /tmp/mpvenv/bin/pip install
mediapipe==0.10.14 "numpy<2".

Measured, per frame, with inter-ocular distance (outer eye corners) as the unit:
- brow height: mean height of 6 brow landmarks above the eye centres;
- mouth opening: inner-lip gap (13-14).
Compared: the same signs in neutral signing vs a yes/no question (brows), HOUSE vs BIG (CHA, mouth).
"""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

BROWS = (70, 63, 105, 66, 107, 300, 293, 334, 296, 336)   # upper brow contour, both sides
EYES = ((159, 145), (386, 374))                           # upper/lower lid centre, left and right
CORNERS = (33, 263)
LIPS = (13, 14)

CASES = {  # name: (gloss, [(segment gloss, label)]): frames of these signs are measured under `label`
    "neutral": ("YOU HAPPY", [("YOU", "neutral"), ("HAPPY", "neutral")]),
    "yes_no": ("yn[ YOU HAPPY ]", [("YOU", "yn"), ("HAPPY", "yn")]),
    "cha": ("HOUSE BIG", [("HOUSE", "house"), ("BIG", "cha")]),
}


def render(out):
    sys.path.insert(0, ROOT)
    import build
    build.import_package()
    import bpy
    from signllm.signllm_blender import demo_scene, service
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    from face_sheets import face_camera
    os.makedirs(out, exist_ok=True)
    rig = demo_scene.build(character="human", resolution=480)
    scene = bpy.context.scene
    face_camera(rig, scale=0.30)
    index = []
    for name, (gloss, parts) in CASES.items():
        res = service.generate(rig, scene, gloss=gloss)
        for seg_gloss, label in parts:
            seg = next(s for s in res.track.segments if s.gloss == seg_gloss)
            a, b = seg.start, seg.end
            mid = range(a + (b - a) // 4, b - (b - a) // 4)       # the middle half of the sign
            for f in mid:
                scene.frame_set(scene.frame_start + f)
                path = os.path.join(out, f"{name}_{seg_gloss}_{f:04d}.png")
                scene.render.filepath = path
                bpy.ops.render.render(write_still=True)
                index.append({"case": name, "sign": seg_gloss, "label": label, "frame": f, "png": path,
                              "brow_channel": float(res.track.face.get("browInnerUp", [0] * (f + 1))[f]),
                              "jaw_channel": float(res.track.face.get("jawOpen", [0] * (f + 1))[f])})
    with open(os.path.join(out, "index.json"), "w") as fh:
        json.dump(index, fh, indent=1)
    return index


def measure(out):
    import mediapipe as mp
    import numpy as np
    from mediapipe.python.solutions import face_mesh
    with open(os.path.join(out, "index.json")) as fh:
        index = json.load(fh)
    rows = []
    with face_mesh.FaceMesh(static_image_mode=True, max_num_faces=1, refine_landmarks=False,
                            min_detection_confidence=0.3) as fm:
        for item in index:
            img = mp.Image.create_from_file(item["png"]).numpy_view()[..., :3]
            res = fm.process(np.ascontiguousarray(img))
            if not res.multi_face_landmarks:
                rows.append(dict(item, found=False))
                continue
            h, w = img.shape[:2]
            p = np.array([(lm.x * w, lm.y * h) for lm in res.multi_face_landmarks[0].landmark])
            iod = np.linalg.norm(p[CORNERS[0]] - p[CORNERS[1]])
            eye_y = np.mean([(p[a, 1] + p[b, 1]) / 2 for a, b in EYES])
            brow = (eye_y - p[list(BROWS), 1].mean()) / iod
            mouth = np.linalg.norm(p[LIPS[0]] - p[LIPS[1]]) / iod
            rows.append(dict(item, found=True, brow=float(brow), mouth=float(mouth)))
    with open(os.path.join(out, "measured.json"), "w") as fh:
        json.dump(rows, fh, indent=1)


def report(out):
    import numpy as np
    with open(os.path.join(out, "measured.json")) as fh:
        rows = json.load(fh)
    by = {}
    for r in rows:
        by.setdefault(r["label"], []).append(r)
    lines = ["| frames | found | brow height (x IOD) | mouth opening (x IOD) | mouth max |", "|---|---|---|---|---|"]
    stats = {}
    for label in ("neutral", "yn", "house", "cha"):
        rs = by.get(label, [])
        ok = [r for r in rs if r["found"]]
        b = np.array([r["brow"] for r in ok])
        m = np.array([r["mouth"] for r in ok])
        stats[label] = (b, m)
        lines.append(f"| {label} | {len(ok)}/{len(rs)} | {b.mean():.3f} ± {b.std():.3f} | {m.mean():.3f} ± {m.std():.3f} "
                     f"| {m.max():.3f} |" if len(ok) else f"| {label} | 0/{len(rs)} | - | - | - |")
    text = "\n".join(lines)
    verdict = []
    if len(stats["neutral"][0]) and len(stats["yn"][0]):
        d = stats["yn"][0].mean() - stats["neutral"][0].mean()
        verdict.append(f"brows higher in the yes/no question than in neutral signing: {d:+.3f} IOD "
                       f"({'yes' if d > 0 else 'NO'})")
    if len(stats["house"][1]) and len(stats["cha"][1]):
        d = stats["cha"][1].mean() - stats["house"][1].mean()
        verdict.append(f"mouth open for CHA (BIG) vs HOUSE: {d:+.3f} IOD ({'yes' if d > 0.05 else 'NO'})")
    print(text)
    print("\n".join(verdict))
    return text, verdict


def main(argv):
    if "--report" in argv:
        report(argv[argv.index("--report") + 1])
        return 0
    args = dict(zip(argv[::2], argv[1::2]))
    if "--measure" in args:
        measure(args["--measure"])
        return 0
    out = args.get("--out", "/tmp/face_bench")
    mp_python = args.get("--mp", "/tmp/mpvenv/bin/python")
    render(out)
    subprocess.run([mp_python, os.path.abspath(__file__), "--measure", out], check=True)
    report(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
