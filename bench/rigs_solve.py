"""Solve + key-reduction time per rig family on one long text (real Blender, headless).

Run: .venv/bin/python bench/rigs_solve.py   (prints one line per rig; timings are for this machine only)
"""
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "tests"), ROOT]
import conftest  # noqa: E402,F401  (imports the repository as package `signllm`)
import bpy  # noqa: E402

import rig_builders as rb  # noqa: E402
from signllm import inference  # noqa: E402
from signllm.rigs import blender_io, retarget, solve  # noqa: E402
from signllm.rigs.profiles import detect  # noqa: E402

TEXT = ("Hello, what is your name? My name is Anna and I am learning sign language with my friends at "
        "school today.")


def main():
    bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
    items = inference.text_to_gloss(TEXT)
    for kind, opts in (("mixamo", {"unit": 0.01, "fbx_axes": True}), ("ue5", {}), ("vroid", {"a_pose": True}),
                       ("makehuman", {}), ("generic", {})):
        ob, _ = rb.build(bpy, kind, **opts)
        t0 = time.perf_counter()
        rig = blender_io.read_rig(ob)
        prof = detect(rig)
        rc = solve.canonical(rig, prof)
        t1 = time.perf_counter()
        track = inference.gloss_to_track(items, "ASL", solve.measure_body(rc, prof))
        t2 = time.perf_counter()
        sol = solve.solve(track, rc, prof)
        t3 = time.perf_counter()
        plan = retarget.plan_keys(track, rc, prof)
        t4 = time.perf_counter()
        print(f"{kind:10s} {track.n_frames} frames: read+detect {1000 * (t1 - t0):.1f} ms, synthesis "
              f"{1000 * (t2 - t1):.0f} ms, solve {1000 * (t3 - t2):.0f} ms, solve+reduce {1000 * (t4 - t3):.0f} ms, "
              f"{plan.n_keys} keys on {len(sol.channels)} channels")


if __name__ == "__main__":
    main()
