"""Subtitle fit on ordinary TV dialogue (tests/data/dialogue_100.srt, 100 cues): how many cues start and end
within the allowed lag of their window, at the defaults and under the previous default (shift at 1.6x).

    .venv/bin/python bench/subtitle_fit.py        (bpy-free; also part of `python3 build.py bench`)
"""
import os
import sys
import time

import numpy as np

DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "data", "dialogue_100.srt")


def run(fps: float = 24.0) -> dict:
    from signllm.inference import BodyModel
    from signllm.studio import interpret, jobs, subtitles
    body = BodyModel.default()
    _, cues = subtitles.load(DATA)
    out = {}
    for name, opt in (("interpreter (default)", jobs.JobOptions(fps=fps)),
                      ("shift at 1.6x (previous default)", jobs.JobOptions(fps=fps, policy="shift", rate_limits=(0.7, 1.6)))):
        t = time.perf_counter()
        res = jobs.SignJob(cues, body, opt).run()
        secs = time.perf_counter() - t
        good, signed = res.fit_counts(fps, jobs.JobOptions.lag)
        last = res.placements[-1]
        rates = [interpret.n_signs(p.items) / (p.frames / fps) for p in res.placements if p.track is not None]
        out[name] = {"fit": good, "cues": len(cues), "signed": signed, "seconds": secs,
                     "end_behind_s": (last.end - last.cue.end * fps) / fps,
                     "signs_per_s_median": float(np.median(rates)), "signs_per_s_max": float(np.max(rates)),
                     "dropped": sum(len(p.dropped) for p in res.placements), "summary": res.summary}
    return out


def table(r: dict) -> list:
    L = [f"**Subtitle fit** ({next(iter(r.values()))['cues']} cues of everyday TV dialogue, "
         f"`tests/data/dialogue_100.srt`; a cue fits when its signing starts and ends within "
         f"{1.5:.1f} s of its window):", "",
         "| policy | cues that fit | signer behind at the end | signs/s median / max | signs left out | seconds |",
         "|---|---:|---:|---:|---:|---:|"]
    for name, x in r.items():
        L.append(f"| {name} | **{x['fit']} / {x['cues']}** | {x['end_behind_s']:.1f} s | "
                 f"{x['signs_per_s_median']:.2f} / {x['signs_per_s_max']:.2f} | {x['dropped']} | {x['seconds']:.1f} |")
    return L


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import build
    build.import_package()
    for line in table(run()):
        print(line)
