"""End to end (text -> keyed rig, Blender start excluded) for growing texts, with a per-stage breakdown."""
import gc

from .common import rss_mb, words


def _clear(rig):
    """Start each run from a rig without animation (a regeneration would copy the previous action)."""
    import bpy
    if rig.animation_data and rig.animation_data.action:
        act = rig.animation_data.action
        rig.animation_data_clear()
        if act.get("signllm"):
            bpy.data.actions.remove(act)


def run(scene, rig, sizes=(1, 30, 300, 3000), repeat=3):
    from signllm.signllm_blender import service
    rows = []
    for n in sizes:
        text = words(n)
        best = None
        base = rss_mb()
        for _ in range(repeat if n <= 300 else 1):
            _clear(rig)
            gc.collect()
            res = service.generate(rig, scene, text=text)
            if best is None or res.timings["total"] < best.timings["total"]:
                best = res
        peak = rss_mb("VmHWM")
        t = best.timings
        rows.append({
            "words": n, "glosses": len(best.items), "frames": best.track.n_frames,
            "keys": best.plan.n_keys, "channels": len(best.plan.curves),
            "total_s": t["total"], "gloss_s": t["gloss"], "synthesis_s": t["synthesis"],
            "solve_s": t["solve"], "reduce_s": t["reduce"], "write_s": t["write"],
            "peak_growth_mb": max(0.0, peak - base),
        })
        del res, best
    return rows
