#!/usr/bin/env python3
"""BLEU-4 (sacrebleu) of the shipped ONNX glosser and of the rule glosser; prints a markdown table.

Runs in the runtime environment (.venv: onnxruntime, sacrebleu, simplemma; no torch):
    .venv/bin/python training/evaluate_glosser.py --data ../shared/data [--beam 4]
Test sets: PHOENIX-2014T test (German -> DGS gloss) and the held-out ASLG-PC12 part (line i with
i % 8 == 0 of dev.en/dev.gloss; training/train_glosser.py never trains on it).
"""
import argparse
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def import_package():
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    import build
    return build.import_package()


def read(path):
    with open(path, encoding="utf-8") as fh:
        return [l.strip() for l in fh.read().splitlines()]


def items_to_tokens(items):
    """GlossItems as ASLG-comparable tokens: signs by gloss, spelled words by their letters, pauses by
    their punctuation (rule glosser) or '.'."""
    out = []
    for it in items:
        if it.kind == "pause":
            out.append(it.words if it.words in {".", ",", "?", "!", ";", ":"} else ".")
        elif it.kind == "spell":
            out.append(it.letters)
        else:
            out.append(it.extra.get("model_gloss", it.gloss) if it.source == "neural" else it.gloss)
    return " ".join(out)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    p.add_argument("--beam", type=int, default=1)
    p.add_argument("--limit", type=int, default=0, help="first N sentences of each set (quick look)")
    a = p.parse_args(argv)
    import sacrebleu
    import_package()
    from signllm import inference
    from signllm.inference import neural_glosser

    t = time.perf_counter()
    model = neural_glosser.NeuralGlosser()
    load_ms = (time.perf_counter() - t) * 1000
    ph = os.path.join(a.data, "phoenix14t")
    en, gl = read(os.path.join(a.data, "aslg_pc12", "dev.en")), read(os.path.join(a.data, "aslg_pc12", "dev.gloss"))
    sets = {
        "PHOENIX-2014T dev (de -> DGS)": ("DGS", read(os.path.join(ph, "dev.de")), read(os.path.join(ph, "dev.gloss"))),
        "PHOENIX-2014T test (de -> DGS)": ("DGS", read(os.path.join(ph, "test.de")), read(os.path.join(ph, "test.gloss"))),
        "ASLG-PC12 held-out (en -> ASL)": ("ASL", [s for i, s in enumerate(en) if i % 8 == 0],
                                           [g for i, g in enumerate(gl) if i % 8 == 0]),
    }
    rows, per = [], []
    for name, (lang, src, ref) in sets.items():
        if a.limit:
            src, ref = src[: a.limit], ref[: a.limit]
        t = time.perf_counter()
        hyp = [" ".join(model.decode(s, lang, beam=a.beam)) for s in src]
        ms = (time.perf_counter() - t) * 1000 / len(src)
        per.append(ms)
        rows.append((name, f"neural (ONNX int8, {'greedy' if a.beam == 1 else f'beam {a.beam}'})", len(src),
                     sacrebleu.corpus_bleu(hyp, [ref]).score, ms))
        if lang == "ASL":
            lang_obj = inference.load_language("ASL")
            t = time.perf_counter()
            rh = [items_to_tokens(lang_obj.glosser.gloss(s)) for s in src]
            rows.append((name, "rules (inference.text_to_gloss, ASL)", len(src), sacrebleu.corpus_bleu(rh, [ref]).score,
                         (time.perf_counter() - t) * 1000 / len(src)))
            t = time.perf_counter()
            nr = [items_to_tokens(model.gloss(s, "ASL", lang_obj.lexicon, lang_obj.glosser, beam=a.beam)) for s in src]
            rows.append((name, "neural+rules (lexicon-mapped, as signed)", len(src),
                         sacrebleu.corpus_bleu(nr, [ref]).score, (time.perf_counter() - t) * 1000 / len(src)))
    print(f"model load: {load_ms:.0f} ms; onnxruntime, 1 thread")
    print("| test set | glosser | sentences | BLEU-4 | ms / sentence |")
    print("|---|---|---:|---:|---:|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]:.2f} | {r[4]:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
