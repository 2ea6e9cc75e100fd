"""Shared bench helpers: the rig scene, paragraphs of a given length, memory readings."""
import os
import time

PARAGRAPH = ("Hello, my name is Anna. My family lives near the city. Yesterday my mother and father came "
             "home late. We ate dinner together and talked about school, work and the weekend. "
             "Tomorrow I will go to the library with my friend. Are you happy? I don't know.")


def words(n):
    """Ordinary English text of exactly n words, built from a varied paragraph."""
    base = PARAGRAPH.split()
    out = [base[i % len(base)] for i in range(n)]
    text = " ".join(out)
    return text if text.endswith((".", "?", "!")) else text + "."


def rss_mb(field="VmRSS"):
    """Resident (or peak, field='VmHWM') memory of this process in MB, from /proc (Linux)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("nan")


def rigify_scene():
    """A fresh scene with a generated Rigify rig (no mannequin): returns (scene, rig)."""
    import bpy
    from signllm.signllm_blender import demo_scene
    rig = demo_scene.build(with_mannequin=False)
    return bpy.context.scene, rig


class Timer:
    def __enter__(self):
        self.t = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.s = time.perf_counter() - self.t


def cpu_count():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
