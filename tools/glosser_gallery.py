"""Contact sheets of the glosser's issue-14 sentences (questions, negation, directional verbs, two referents,
senses) on the default character: docs/gallery_glosser/NN.png + README.md.

    .venv/bin/python tools/glosser_gallery.py [--resolution 240]
"""
import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
import build  # noqa: E402

SENTENCES = [
    "Can you help me, please?", "Where do you live?", "I don't understand.", "She gave him a gift.",
    "He likes her.", "Good morning!", "The train leaves at 9 am.", "Tomorrow it will rain.", "Turn off the TV.",
    "Why are you not happy?", "I will tell him tomorrow.", "I saw a saw.",
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--resolution", type=int, default=240)
    args = ap.parse_args()
    build.import_package()
    import bpy
    from signllm.signllm_blender import contact_sheet, demo_scene, service
    folder = os.path.join(ROOT, "docs", "gallery_glosser")
    os.makedirs(folder, exist_ok=True)
    rig = demo_scene.build(resolution=args.resolution)
    scene = bpy.context.scene
    lines = ["Made by `tools/glosser_gallery.py`: one tile per sign at its middle frame, default character.", ""]
    for i, text in enumerate(SENTENCES, 1):
        res = service.generate(rig, scene, text=text)
        name = f"{i:02d}.png"
        signs = [s for s in res.track.segments if s.kind != "pause"]
        shown = contact_sheet.contact_sheet(scene, os.path.join(folder, name), count=8, columns=4,
                                            segments=signs, offset=scene.frame_start)
        tiles = [s.gloss for s in signs if scene.frame_start + (s.start + s.end) // 2 in shown]
        lines += [f"### {i}. {text}", "", f"Gloss: `{res.gloss_text}`", "",
                  f"Tiles, left to right: {' | '.join(tiles)}", "", f"![{text}]({name})", ""]
        print(f"{name}: {text} -> {res.gloss_text}", flush=True)
    with open(os.path.join(folder, "README.md"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines))


if __name__ == "__main__":
    main()
