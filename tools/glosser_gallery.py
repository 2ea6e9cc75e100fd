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
    build.render_gallery(os.path.join(ROOT, "docs", "gallery_glosser"), SENTENCES,
                         "Made by `tools/glosser_gallery.py`: one tile per sign at its middle frame, default "
                         "character.", args.resolution)


if __name__ == "__main__":
    main()
