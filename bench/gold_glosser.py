"""Rule glosser on the ASL gold set (tests/data/asl_gold.tsv): exact-sentence match, sign F1, F1 of signs with
their non-manual spans and BLEU-4, on the held-out half (the figure to quote) and the tuning half.

`python -m bench.gold_glosser` from the repository root prints the table; run.py folds it into RESULTS.md.
"""
import csv
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
GOLD = os.path.join(os.path.dirname(HERE), "tests", "data", "asl_gold.tsv")


def load_gold(path=GOLD):
    """[(id, split, category, english, gloss, flag)] of the gold set."""
    with open(path, encoding="utf-8") as fh:
        return [tuple(r + [""] * (6 - len(r)))[:6] for r in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
                if r and not r[0].startswith("#")]


def run(split=None):
    from signllm.inference import format_gloss, text_to_gloss
    from signllm.inference.metrics import score_glosses
    rows = load_gold()
    out = {}
    for name in ([split] if split else ["heldout", "tune"]):
        part = [r for r in rows if r[1] == name]
        hyps = [format_gloss(text_to_gloss(r[3])) for r in part]
        out[name] = {k: (round(v, 4) if isinstance(v, float) else v)
                     for k, v in score_glosses(hyps, [r[4] for r in part]).items()}
    return out


def lines(r):
    L = ["| gold half | sentences | exact match | sign F1 | sign+NMM F1 | BLEU-4 |", "|---|---:|---:|---:|---:|---:|"]
    for name, x in r.items():
        L.append(f"| {name} | {x['sentences']} | {x['exact'] * 100:.1f} % | {x['sign_f1'] * 100:.1f} | "
                 f"{x['nmm_f1'] * 100:.1f} | {x['bleu']:.1f} |")
    return L


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(HERE))
    import build
    build.import_package()
    print("\n".join(lines(run())))
