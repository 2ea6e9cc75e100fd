"""Subtitle job timings on a generated Rigify rig: per-cue synthesis, per-group solve, write.

    .venv/bin/python bench/studio_subtitles.py [n_cues]

Prints the longest step (what Esc waits for in the modal operator), total time, frames and keys, and the
same cues solved as one stitched track for comparison.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests"))
import conftest  # noqa: E402,F401  (imports the repository as `signllm`)
import bpy  # noqa: E402

from signllm.rigs.retarget import plan_keys  # noqa: E402
from signllm.signllm_blender import demo_scene, studio  # noqa: E402
from signllm.studio import subtitles  # noqa: E402

TEXTS = ["Hello, what is your name?", "Thank you.", "My name is Anna.", "I like to learn sign language.",
         "Where do you live?", "Good morning, mother."]


def main(n=40):
    rig = demo_scene.build(with_mannequin=False)
    scene = bpy.context.scene
    cues = [subtitles.Cue(i + 1, 4.0 * i, 4.0 * i + 3.8, TEXTS[i % len(TEXTS)]) for i in range(n)]
    job = studio.prepare(rig, scene, cues)
    job.cache = None
    steps = []
    t0 = last = time.perf_counter()
    for done, total, label in job.steps():
        now = time.perf_counter()
        steps.append((now - last, label))
        last = now
    t_job = time.perf_counter() - t0
    t = time.perf_counter()
    studio.finish(rig, scene, job)
    t_write = time.perf_counter() - t
    t = time.perf_counter()
    whole = plan_keys(job.result.track, job.rig, job.profile)
    t_whole = time.perf_counter() - t
    worst = max(steps)
    res = job.result
    print(f"{n} cues, {res.track.n_frames} frames ({res.track.n_frames / scene.render.fps:.0f} s), "
          f"{res.plan.n_keys} keys")
    print(f"job {t_job:.2f} s in {len(steps)} steps; longest step {worst[0]:.2f} s ({worst[1]}); write {t_write:.2f} s")
    print(f"same track solved at once: {t_whole:.2f} s, {whole.n_keys} keys")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
