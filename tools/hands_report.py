"""Measure how close the two hands come in every two-handed sign (the hand-to-hand checks of the validator).

Usage: python tools/hands_report.py [N]   (lists the N closest signs per measure)
- palm centres (validate.palms_apart; enforced: >= PALMS_LIMIT; palm on palm is 2.5 cm);
- bone centre lines outside a declared base-hand contact (validate.hands_apart; measured only: skin on
  skin keeps them >= ~1.5 cm, so far less means fingers pass through each other).
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from inference.gloss import GlossItem  # noqa: E402
from inference.languages import load_language  # noqa: E402
from inference.synthesis import Synthesizer  # noqa: E402
from inference.validate import hands_apart, palms_apart  # noqa: E402


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    n = int(argv[0]) if argv else 15
    lang = load_language("ASL")
    synth = Synthesizer(lang.phonology, lang.lexicon, lang.alphabet)
    rows = []
    for gloss, entry in lang.lexicon.signs.items():
        if entry.get("hands", 1) != 2:
            continue
        tr = synth.synthesize([GlossItem(gloss)])
        rows.append((gloss, entry.get("sym"), palms_apart(entry, tr)[0], hands_apart(synth, entry, tr)[0]))
    print(f"{len(rows)} two-handed signs")
    for k, name in ((2, "palm centres"), (3, "bone centre lines (outside declared contact)")):
        v = np.array([r[k] for r in rows])
        pct = np.percentile(v, [0, 5, 25, 50]) * 100
        print(f"\n{name}: min {pct[0]:.2f} cm, 5% {pct[1]:.2f}, 25% {pct[2]:.2f}, median {pct[3]:.2f}; "
              + ", ".join(f"< {t:g} cm: {(v < t / 100).sum()}" for t in (0.5, 1.0, 1.5, 2.0)))
        for r in sorted(rows, key=lambda r: r[k])[:n]:
            print(f"  {r[k] * 100:6.2f} cm  {r[0]:14s} {r[1]}")


if __name__ == "__main__":
    main()
