"""Robustness of the HamNoSys reader on a research corpus (Ham2Pose: Polish SL, DGS, LSF, GSL, BSL).

Every entry must either synthesise and validate (no NaN, hands in reach, out of the body, contacts reached,
hands not inside each other: inference.validate.sign_problems) or come back with a per-symbol report. Prints the share that synthesises cleanly, the share with unsupported symbols and
the most frequent unsupported / approximated symbols. The corpus is research-only and never shipped:
run from a checkout next to ../shared.

    .venv/bin/python tools/hamnosys_corpus.py [--limit N] [--json out.json]
"""
import argparse
import collections
import json
import os
import random
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(os.path.dirname(ROOT), "shared", "data", "hamnosys_corpus", "ham2pose_data.json")


def _package():
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    try:
        from inference import hamnosys  # noqa: F401  (run as a script from the repo root)
        import inference
        return inference
    except ImportError:
        import signllm.inference as inference
        return inference


def run(entries, inference=None):
    """entries: [(key, hamnosys, gloss)] -> summary dict."""
    inf = inference or _package()
    from importlib import import_module
    H = import_module(inf.__name__ + ".hamnosys")
    S = import_module(inf.__name__ + ".synthesis")
    phon = import_module(inf.__name__ + ".phonology").default_phonology()
    counts = collections.Counter()
    unsupported = collections.Counter()
    approximated = collections.Counter()
    failures = []
    kinds = collections.Counter()
    body = None
    for key, ham, gloss in entries:
        try:
            sign = H.parse(ham, gloss=gloss or key, phonology=phon)
        except H.HamNoSysError as exc:
            counts["unreadable"] += 1
            failures.append((key, str(exc)))
            continue
        degraded = len(sign.issues)
        try:
            synth = S.Synthesizer(phon, H.EntryLexicon([sign.entry], phon), {}, body)
            body = synth.body
            probs = H.make_synthesizable(sign, synth)
        except Exception as exc:  # noqa: BLE001  (the point is to count every kind of failure)
            probs = [f"{type(exc).__name__}: {exc}"]
        if len(sign.issues) > degraded:
            counts["degraded"] += 1
        kinds.update(set(sign.degraded))
        if set(sign.degraded) & {"side_by_side", "off_other_hand", "contact_surface", "held_near"}:
            counts["contact_or_hands"] += 1
        for i in sign.issues:
            (unsupported if i.severity == "unsupported" else approximated)[i.symbol] += 1
        counts["with_unsupported" if sign.unsupported else "clean"] += 1
        if probs:
            counts["synth_failed"] += 1
            failures.append((key, "; ".join(probs) + " | " + sign.report()))
        else:
            counts["synthesised"] += 1
            if not sign.issues:
                counts["exact"] += 1
    n = len(entries)
    reported = sum(1 for _ in entries) - counts["unreadable"]
    return {"entries": n, "synthesised": counts["synthesised"], "synthesised_share": counts["synthesised"] / max(n, 1),
            "no_unsupported_symbol": counts["clean"], "no_issue_at_all": counts["exact"],
            "with_unsupported_report": counts["with_unsupported"], "unreadable": counts["unreadable"],
            "synth_failed": counts["synth_failed"], "readable": reported, "degraded_to_synthesise": counts["degraded"],
            "degraded_contact_or_hands": counts["contact_or_hands"], "degradations": dict(kinds.most_common()),
            "top_unsupported": unsupported.most_common(15), "top_approximated": approximated.most_common(15),
            "failures": failures[:50]}


def load_corpus(path=CORPUS, limit=None, seed=0):
    with open(path, "r", encoding="utf-8") as fh:
        data = json.load(fh)
    items = [(k, v.get("hamnosys") or v.get("hamnosys_text") or "", v.get("type_name")) for k, v in data.items()]
    if limit and limit < len(items):
        items = random.Random(seed).sample(items, limit)
    return items


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--json", default=None)
    ap.add_argument("--corpus", default=CORPUS)
    a = ap.parse_args(argv)
    if not os.path.exists(a.corpus):
        print(f"corpus not found: {a.corpus}")
        return 2
    res = run(load_corpus(a.corpus, a.limit))
    print(f"entries {res['entries']}: synthesised {res['synthesised']} ({100 * res['synthesised_share']:.1f}%), "
          f"synthesis failed {res['synth_failed']}, unreadable {res['unreadable']}, "
          f"degraded to synthesise and validate (reported) {res['degraded_to_synthesise']}, of which contact or "
          f"hands-apart fixes {res['degraded_contact_or_hands']} ({100 * res['degraded_contact_or_hands'] / max(res['entries'], 1):.1f}%)")
    print("degradations:", ", ".join(f"{k} {v}" for k, v in res["degradations"].items()))
    print(f"no unsupported symbol {res['no_unsupported_symbol']}, with a per-symbol report {res['with_unsupported_report']}, "
          f"no issue at all {res['no_issue_at_all']}")
    print("top unsupported:", ", ".join(f"{s} {c}" for s, c in res["top_unsupported"]))
    print("top approximated:", ", ".join(f"{s} {c}" for s, c in res["top_approximated"]))
    for k, msg in res["failures"][:10]:
        print("  FAIL", k, msg[:300])
    if a.json:
        with open(a.json, "w", encoding="utf-8") as fh:
            json.dump(res, fh, indent=1, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
