"""Neural glosser on onnxruntime: model load time and milliseconds per sentence (ASL and DGS tags)."""
import time

import numpy as np

from .quality import sentences

GERMAN = ["Morgen regnet es im Norden.", "Am Sonntag wird es sonnig und warm.", "Heute Nacht gibt es Gewitter.",
          "Ich trinke heute Wasser.", "Im Süden bleibt es trocken."]


def run():
    from signllm.inference import neural_glosser
    t = time.perf_counter()
    model = neural_glosser.NeuralGlosser()          # fresh sessions: the load a user waits for once
    load_ms = (time.perf_counter() - t) * 1000
    out = {"load_ms": round(load_ms, 1)}
    for lang, texts in (("ASL", sentences()), ("DGS", GERMAN)):
        model.decode(texts[0], lang)                  # warm-up
        times = []
        for s in texts:
            t = time.perf_counter()
            model.decode(s, lang)
            times.append((time.perf_counter() - t) * 1000)
        out[f"{lang}_ms_per_sentence_median"] = round(float(np.median(times)), 2)
        out[f"{lang}_ms_per_sentence_max"] = round(float(np.max(times)), 2)
    return out
