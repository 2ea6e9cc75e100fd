"""Run every benchmark in one process and write bench/RESULTS.md (a table with ratios) and results.json.

`python3 build.py bench` (full: 1/30/300/3000 words) or `python3 build.py bench --quick` (1/30 words).
"""
import json
import os
import platform
import time

from . import baseline_bake, e2e, key_writing, quality, subtitle_fit
from .common import cpu_count, rigify_scene, words

HERE = os.path.dirname(os.path.abspath(__file__))


def run_all(quick=False):
    from importlib import import_module
    t0 = time.perf_counter()
    scene, rig = rigify_scene()
    out = {"machine": f"{platform.machine()}, {cpu_count()} cores, Python {platform.python_version()}",
           "date": time.strftime("%Y-%m-%d")}
    out["e2e"] = e2e.run(scene, rig, sizes=(1, 30) if quick else (1, 30, 300, 3000))
    out["bake"] = baseline_bake.run(scene, rig, words(30) if not quick else "Hello, what is your name?")
    out["key_writing"] = key_writing.run(n_keys=500 if quick else 5000)
    out["quality"] = quality.run()
    out["subtitle_fit"] = subtitle_fit.run()
    try:
        out["glosser"] = import_module(f"{__package__}.glosser_latency").run()
    except ImportError:
        out["glosser"] = {"skipped": "no neural glosser benchmark in this build"}
    out["gold"] = import_module(f"{__package__}.gold_glosser").run()
    out["wall_s"] = time.perf_counter() - t0
    return out


def table(r):
    L = [f"Measured {r['date']} on {r['machine']} (bpy 5.0.1, generated Rigify rig, 24 fps).", ""]
    L += ["**End to end** (text -> keyed rig, Blender start excluded; best of 3 up to 300 words):", "",
          "| words | glosses | frames | keys | total s | gloss | synthesis | solve | reduce | write | peak memory growth |",
          "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for x in r["e2e"]:
        L.append(f"| {x['words']} | {x['glosses']} | {x['frames']} | {x['keys']:,} | {x['total_s']:.3f} | "
                 f"{x['gloss_s']:.3f} | {x['synthesis_s']:.3f} | {x['solve_s']:.3f} | {x['reduce_s']:.3f} | "
                 f"{x['write_s']:.3f} | {x['peak_growth_mb']:.0f} MB |")
    e = r["e2e"]
    if len(e) >= 2:
        per = [x["total_s"] / x["words"] for x in e if x["words"] >= 30]
        if len(per) >= 2:
            L += ["", f"Seconds per word from {e[1]['words']} to {e[-1]['words']} words: "
                  + " -> ".join(f"{p * 1000:.1f} ms" for p in per) + " (flat = linear growth)."]
    b = r["bake"]
    o, k, ti = b["ours"], b["bake"], b["tight"]
    L += ["", f"**Against constraints + bake** (`anim_utils.bake_action`, visual keying; same {b['frames']}-frame "
          "motion, same run; hand error = DEF-hand vs target after depsgraph evaluation, every frame):", "",
          "| method | seconds | keys | hand error max / mean | palm max |", "|---|---:|---:|---:|---:|",
          f"| ours: solve + reduce + foreach_set (default budget {o['budget_mm']:.0f} mm) | {o['s']:.3f} | {o['keys']:,} | {o['max_mm']:.1f} / {o['mean_mm']:.1f} mm | {o['palm_deg']:.1f} deg |",
          f"| ours, budget {ti['budget_mm']:.1f} mm | {ti['s']:.3f} | {ti['keys']:,} | {ti['max_mm']:.1f} / {ti['mean_mm']:.1f} mm | {ti['palm_deg']:.1f} deg |",
          f"| constraints + bake | {k['s']:.3f} | {k['keys']:,} | {k['max_mm']:.1f} / {k['mean_mm']:.1f} mm | {k['palm_deg']:.1f} deg |",
          f"| **ratio, default budget** | **{b['speedup']:.0f}x faster** | **{b['key_ratio']:.1f}x fewer keys** | | |",
          f"| **ratio, {ti['budget_mm']:.1f} mm budget** | **{b['tight_speedup']:.0f}x faster** | **{b['tight_key_ratio']:.1f}x fewer keys** | | |"]
    w = r["key_writing"]
    L += ["", f"**Key writing**: foreach_set {w['foreach_keys_per_s'] / 1e6:.2f} M keys/s vs keyframe_insert "
          f"{w['insert_keys_per_s'] / 1e3:.1f} k keys/s: **{w['ratio']:.0f}x**."]
    q = r["quality"]
    L += ["", f"**Synthesis quality** on {q['sentences']} held-out sentences (bench/sentences.txt): mean wrist jerk "
          f"{q['mean_jerk']:.0f} m/s^3 (max sentence {q['max_jerk']:.0f}); signing rate {q['signs_per_s']:.1f} signs/s "
          f"(pauses excluded; {q['signs_per_s_unspelled']:.1f} in sentences without fingerspelling); body contacts reached within "
          f"{q['contact_mean_mm']:.1f} mm mean, {q['contact_max_mm']:.1f} mm worst ({q['contacts']} contacts); "
          f"words signed from the lexicon {q['lexicon_share'] * 100:.0f}%, fingerspelled {q['spelled_share'] * 100:.0f}%."]
    if "subtitle_fit" in r:
        L += [""] + subtitle_fit.table(r["subtitle_fit"])
    g = r.get("glosser", {})
    if "skipped" in g:
        L += ["", f"Neural glosser: skipped ({g['skipped']})."]
    else:
        L += ["", f"**Neural glosser (onnxruntime, 1 thread)**: model load {g['load_ms']:.0f} ms; per sentence "
              f"{g['ASL_ms_per_sentence_median']:.1f} ms median / {g['ASL_ms_per_sentence_max']:.1f} ms max (English -> ASL, "
              f"held-out sentences), {g['DGS_ms_per_sentence_median']:.1f} ms median (German -> DGS)."]
    if "gold" in r:
        from .gold_glosser import lines as gold_lines
        L += ["", "**Rule glosser on the ASL gold set** (tests/data/asl_gold.tsv; rules tuned on the tune half only):", ""]
        L += gold_lines(r["gold"])
    L += ["", f"Whole benchmark run: {r['wall_s']:.0f} s."]
    return "\n".join(L) + "\n"


def main(quick=False, write=True):
    r = run_all(quick)
    text = table(r)
    print(text)
    if write:
        with open(os.path.join(HERE, "RESULTS.md" if not quick else "RESULTS-quick.md"), "w") as fh:
            fh.write(text)
        with open(os.path.join(HERE, "results.json" if not quick else "results-quick.json"), "w") as fh:
            json.dump(r, fh, indent=1, default=float)
    return r
