#!/usr/bin/env python3
"""Write tests/data/dialogue_100.srt from tests/data/dialogue_100.txt (our own everyday TV lines).

Cue timing follows ordinary conversational speech so the subtitle-fit figure means something: about
2.8 words a second (~170 words a minute, brisk TV dialogue), at least 1 s on screen, 0.25-0.9 s
between turns inside a scene and 3 s between scenes. Deterministic (seeded), so the file is stable.
"""
import os
import random

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "tests", "data", "dialogue_100.txt")
OUT = os.path.join(ROOT, "tests", "data", "dialogue_100.srt")
WORDS_PER_SECOND = 2.8


def stamp(t: float) -> str:
    ms = int(round(t * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def main() -> None:
    rng = random.Random(2026)
    t, n, blocks, new_scene = 1.0, 0, [], False
    for line in open(SRC, encoding="utf-8").read().splitlines():
        if not line.strip():
            continue
        if line.startswith("#"):
            new_scene = n > 0
            continue
        if new_scene:
            t += 3.0
            new_scene = False
        dur = max(1.0, 0.25 + len(line.split()) / WORDS_PER_SECOND)
        n += 1
        blocks.append(f"{n}\n{stamp(t)} --> {stamp(t + dur)}\n{line}\n")
        t += dur + rng.uniform(0.25, 0.9)
    with open(OUT, "w", encoding="utf-8") as fh:
        fh.write("\n".join(blocks))
    print(f"{n} cues, {t:.1f} s -> {OUT}")


if __name__ == "__main__":
    main()
