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


def signable_share(token_lists, lexicon):
    """Share of output glosses (punctuation and PHOENIX markers left out) that our lexicon can sign."""
    from signllm.inference import neural_glosser
    toks = [t for ts in token_lists for t in ts
            if t not in neural_glosser.PUNCT_PAUSE and not neural_glosser._ANNOTATION.match(t)]
    return sum(neural_glosser.to_gloss(t) in lexicon for t in toks) / max(1, len(toks))


def items_share(item_lists, lexicon):
    """Share of signing items that can be signed: lexicon signs and fingerspelled words."""
    its = [it for items in item_lists for it in items if it.kind != "pause"]
    return sum(it.kind == "spell" or it.gloss in lexicon for it in its) / max(1, len(its))


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
        raw = [model.decode(s, lang, beam=a.beam) for s in src]
        hyp = [" ".join(r) for r in raw]
        ms = (time.perf_counter() - t) * 1000 / len(src)
        per.append(ms)
        lex = inference.load_language(lang).lexicon
        rows.append((name, f"neural (ONNX int8, {'greedy' if a.beam == 1 else f'beam {a.beam}'})", len(src),
                     sacrebleu.corpus_bleu(hyp, [ref]).score, ms, signable_share(raw, lex), None))
        if lang == "ASL":
            lang_obj = inference.load_language("ASL")
            t = time.perf_counter()
            ri = [lang_obj.glosser.gloss(s) for s in src]
            rows.append((name, "rules (inference.text_to_gloss, ASL)", len(src),
                         sacrebleu.corpus_bleu([items_to_tokens(i) for i in ri], [ref]).score,
                         (time.perf_counter() - t) * 1000 / len(src), items_share(ri, lang_obj.lexicon), None))
            t = time.perf_counter()
            ni = [model.gloss(s, "ASL", lang_obj.lexicon, lang_obj.glosser, beam=a.beam, checker=lang_obj.glosser)
                  for s in src]
            kept = sum(not any("neural_fallback" in it.extra for it in i) for i in ni) / len(src)
            rows.append((name, "neural+rules (constrained, checked against the words; as signed)", len(src),
                         sacrebleu.corpus_bleu([items_to_tokens(i) for i in ni], [ref]).score,
                         (time.perf_counter() - t) * 1000 / len(src), items_share(ni, lang_obj.lexicon), kept))
    print(f"model load: {load_ms:.0f} ms; onnxruntime, 1 thread")
    print("| test set | glosser | sentences | BLEU-4 | signable glosses | sentences kept from the model | ms / sentence |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for r in rows:
        kept = "-" if r[6] is None else f"{r[6] * 100:.0f} %"
        print(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]:.2f} | {r[5] * 100:.0f} % | {kept} | {r[4]:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
