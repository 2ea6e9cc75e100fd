"""Pipeline benchmarks: editing one sign of a 30-word text, and memory per word through the operator path
(undo included) for a long text.

    .venv/bin/python -m bench.pipeline live            # one-sign edit of a 30-word text (ms)
    .venv/bin/python -m bench.pipeline memory 10000    # peak RSS growth per word, operator + undo (KB/word)
"""
import gc
import json
import os
import sys
import time

from .common import rss_mb, words


def live_edit(repeat=15):
    """Edit one sign (the 12th gloss) of a 30-word text and re-key: service.live_edit (what the Signs list's
    Live toggle calls) against a full regeneration of the same edit (studio.regenerate)."""
    import copy

    from signllm.inference import GlossItem
    from signllm.signllm_blender import service, studio

    from .common import rigify_scene
    scene, rig = rigify_scene()
    res = service.generate(rig, scene, text=words(30))
    base = list(res.items)
    k = next(i for i, it in enumerate(base) if it.kind == "sign" and i >= 11)
    live_ms, cpu_ms, full_ms, stages = [], [], [], []
    for r in range(repeat):
        items = [copy.copy(it) for it in base]
        items[k] = GlossItem(("FATHER", "MOTHER", "FRIEND")[r % 3], "sign")
        t, c = time.perf_counter(), time.process_time()
        assert service.live_edit(rig, scene, items), "the edit was not local"
        live_ms.append(1000 * (time.perf_counter() - t))
        cpu_ms.append(1000 * (time.process_time() - c))
        stages.append(dict(service._LIVE[rig.name][1].timings))
    for r in range(3):
        items = [copy.copy(it) for it in base]
        items[k] = GlossItem(("FATHER", "MOTHER", "FRIEND")[r % 3], "sign")
        studio._CACHE.clear()
        t = time.perf_counter()
        service.generate(rig, scene, gloss=service.inference.format_gloss(items))
        full_ms.append(1000 * (time.perf_counter() - t))
    live_med = sorted(live_ms)[len(live_ms) // 2]
    # median of each stage over the edits (ms): synthesis of the window, solve and key reduction of its
    # frames, splicing keys into the plan, re-keying the F-curves, the Signs list / markers
    stage_ms = {n: round(1000 * sorted(s[n] for s in stages)[len(stages) // 2], 1)
                for n in ("synthesis", "solve", "reduce", "splice", "write", "rows")}
    return {"words": 30, "glosses": len(base), "frames": res.track.n_frames,
            "window_frames": stages[-1]["window_frames"],
            "live_ms_best": min(live_ms), "live_ms_median": live_med, "stage_ms_median": stage_ms,
            "live_cpu_ms_best": min(cpu_ms), "live_cpu_ms_median": sorted(cpu_ms)[len(cpu_ms) // 2],
            "full_ms_best": min(full_ms), "full_over_live": min(full_ms) / live_med, "target_ms": 50,
            "load_average": os.getloadavg()}


def memory_per_word(n=10000):
    """Peak resident memory growth per word: the Generate operator on an n-word text, then undo."""
    import bpy

    from .common import rigify_scene
    scene, rig = rigify_scene()
    import build
    build.import_package()
    import signllm
    signllm.register()
    gc.collect()
    text = words(n)
    base = rss_mb()
    t = time.perf_counter()
    bpy.ops.ed.undo_push(message="before signing")
    with bpy.context.temp_override(active_object=rig, object=rig, selected_objects=[rig]):
        assert bpy.ops.signllm.generate("EXEC_DEFAULT", True, text=text) == {"FINISHED"}
    sign_s = time.perf_counter() - t
    after_sign = rss_mb("VmHWM") - base
    bpy.ops.ed.undo()
    bpy.ops.ed.redo()
    peak = rss_mb("VmHWM")
    growth_mb = max(0.0, peak - base)
    act = bpy.data.objects["rig"].animation_data.action
    keys = sum(len(fc.keyframe_points) for layer in act.layers for st in layer.strips for cb in st.channelbags
               for fc in cb.fcurves)
    return {"words": n, "seconds": sign_s, "peak_growth_mb": growth_mb, "kb_per_word": growth_mb * 1024 / n,
            "peak_before_undo_mb": after_sign, "keys": keys, "keys_per_word": keys / n,
            "target_kb_per_word": 100}


if __name__ == "__main__":
    sys.path.insert(0, ".")
    import build
    build.import_package()
    what = sys.argv[1] if len(sys.argv) > 1 else "live"
    out = live_edit() if what == "live" else memory_per_word(int(sys.argv[2]) if len(sys.argv) > 2 else 10000)
    print("RESULT", json.dumps(out))
