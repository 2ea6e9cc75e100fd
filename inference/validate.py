"""Validator for all linguistic data: schema checks (on load) plus synthesis of every sign and letter.

Run `python build.py validate`; the test suite runs it too.
"""
import sys

import numpy as np

from .errors import SignLLMError
from .gloss import GlossItem, spell_item
from .languages import available, load_language
from .synthesis import Synthesizer


def check_language(code):
    """List of problems (strings) for one language; empty when everything synthesises cleanly."""
    problems = []
    lang = load_language(code)  # schema errors raise DataError here
    synth = Synthesizer(lang.phonology, lang.lexicon, lang.alphabet)
    body = synth.body
    for gloss in lang.lexicon.signs:
        try:
            tr = synth.synthesize([GlossItem(gloss)])
        except (SignLLMError, ValueError) as exc:
            problems.append(f"{code} {gloss}: {exc}")
            continue
        problems.extend(f"{code} {gloss}: {p}" for p in _track_problems(tr, body))
    if lang.alphabet:
        letters = "".join(sorted(lang.alphabet))
        try:
            tr = synth.synthesize([spell_item(letters)])
            problems.extend(f"{code} alphabet: {p}" for p in _track_problems(tr, body))
        except (SignLLMError, ValueError) as exc:
            problems.append(f"{code} alphabet: {exc}")
    return problems


def _track_problems(tr, body):
    out = []
    j = tr.hand_joints()
    if not np.all(np.isfinite(j)):
        out.append("non-finite joints")
        return out
    # hands must stay in front of the torso plane (no reaching through the body)
    chest = body.joints["chest"]
    depth = np.einsum("tkjx,x->tkj", j - chest, body.forward)
    if depth.min() < -0.12 * body.W / 0.39:
        out.append(f"a hand goes {(-depth.min()) * 100:.0f} cm behind the chest")
    return out


def main():
    problems = []
    for code, _ in available():
        problems.extend(check_language(code))
    for p in problems:
        print(p)
    print(f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
