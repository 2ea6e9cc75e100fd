"""Search orientations / contact surfaces for a sign that fails the validator's contact or penetration check.

Usage: python tools/contact_search.py GLOSS [--contact a,b] [--palm ...] [--fingers ...] [--top N]
Prints the passing (palm, fingers, contact) variants with their contact miss and deepest penetration, so a
person can pick the linguistically right one (never just the first that passes).
"""
import argparse
import copy
import itertools
import os
import sys


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from inference.gloss import GlossItem  # noqa: E402
from inference.languages import load_language  # noqa: E402
from inference.synthesis import Synthesizer  # noqa: E402
from inference.validate import _track_problems, contact_miss  # noqa: E402


def score(synth, lang, gloss, entry):
    """(contact miss m or None, max penetration m, other problems) of one variant of a sign."""
    old = lang.lexicon.signs[gloss]
    lang.lexicon.signs[gloss] = entry
    try:
        tr = synth.synthesize([GlossItem(gloss)])
    finally:
        lang.lexicon.signs[gloss] = old
    pen = float(synth.body.penetration(tr.hand_joints()).max())
    return contact_miss(synth, entry, tr), pen, _track_problems(tr, synth.body)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("gloss")
    ap.add_argument("--lang", default="ASL")
    ap.add_argument("--contact", default=None, help="comma list of surfaces (default: the entry's)")
    ap.add_argument("--palm", default=None)
    ap.add_argument("--fingers", default=None)
    ap.add_argument("--near", type=float, default=None)
    ap.add_argument("--loc", default=None)
    ap.add_argument("--hs", default=None)
    ap.add_argument("--top", type=int, default=25)
    a = ap.parse_args(argv)
    lang = load_language(a.lang)
    synth = Synthesizer(lang.phonology, lang.lexicon, lang.alphabet)
    entry = lang.lexicon.get(a.gloss)
    dirs = [d for d in lang.phonology.directions if d != "about"] if hasattr(lang.phonology, "directions") else []
    palms = a.palm.split(",") if a.palm else dirs
    fingers = a.fingers.split(",") if a.fingers else dirs
    contacts = a.contact.split(",") if a.contact else [entry["dom"].get("contact")]
    base = score(synth, lang, a.gloss, entry)
    print(f"current {entry['dom']}: miss={base[0]} pen={base[1]:.3f} {base[2]}")
    rows = []
    for p, f, c in itertools.product(palms, fingers, contacts):
        vp, vf = synth.dir_vec(p, "R"), synth.dir_vec(f, "R")
        if abs(float(vp @ vf)) > 0.3:
            continue
        e = copy.deepcopy(entry)
        e["dom"].update(palm=p, fingers=f, contact=c)
        if a.loc:
            e["dom"]["loc"] = a.loc
        if a.hs:
            e["dom"]["hs"] = a.hs
        if a.near is not None:
            e["dom"]["near"] = a.near
        miss, pen, probs = score(synth, lang, a.gloss, e)
        rows.append((0.0 if miss is None else miss, pen, p, f, c, probs))
    rows.sort(key=lambda r: (r[0] > 0.012 or r[1] > 0.015 or bool(r[5]), r[0] + r[1]))
    for miss, pen, p, f, c, probs in rows[:a.top]:
        ok = miss <= 0.012 and pen <= 0.015 and not probs
        print(f"{'PASS' if ok else 'fail'} palm={p:13s} fingers={f:13s} contact={c:11s} miss={miss*100:5.1f}cm "
              f"pen={pen*100:4.1f}cm {probs}")


if __name__ == "__main__":
    main()
