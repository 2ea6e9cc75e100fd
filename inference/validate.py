"""Validator for all linguistic data: schema checks (on load) plus synthesis of every sign and letter.

Run `python build.py validate`; the test suite runs it too.
"""
import sys

import numpy as np

from .errors import SignLLMError
from .gloss import GlossItem, spell_item
from .languages import available, load_language
from .synthesis import Synthesizer
from .track import HAND_SIDES


PENETRATION_LIMIT = 0.015   # metres beyond the (conservative) body surface
CONTACT_LIMIT = 0.012       # metres: a contact sign's hand surface must reach its body point


def contact_miss(synth, entry, track, h=None):
    """Closest approach (m) of a contact sign's named hand surface to its body point during the sign
    (None for signs without body contact). Read off the final track, after collisions are resolved."""
    spec = entry["dom"]
    loc, surf = spec.get("loc"), spec.get("contact")
    if not surf or loc not in synth.ph.locations:
        return None
    side = synth.dom
    h = HAND_SIDES.index(side) if h is None else h
    point, normal = synth.location(loc, side)
    goal = point + normal * float(spec.get("near", 0.0))
    seg = next(s for s in track.segments if s.kind == "sign")
    best = np.inf
    for t in range(seg.start, seg.end):
        p = track.wrist[t, h] + track.palm[t, h] @ synth.local_point(track.hand_params[t, h], surf, side)
        best = min(best, float(np.linalg.norm(p - goal)))
    return best


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
        miss = contact_miss(synth, lang.lexicon.get(gloss), tr)
        if miss is not None and miss > CONTACT_LIMIT:
            problems.append(f"{code} {gloss}: the {lang.lexicon.get(gloss)['dom']['contact']} never comes within "
                            f"{miss * 100:.1f} cm of the {lang.lexicon.get(gloss)['dom']['loc']} (contact means touching)")
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
    # hands never pass into the body beyond contact (joints are bone centres: allow skin and contact)
    pen = body.penetration(j)
    if pen.max() > PENETRATION_LIMIT:
        t, h, k = np.unravel_index(pen.argmax(), pen.shape)
        out.append(f"hand joint {k} of the {'LR'[h]} hand is {pen.max() * 100:.1f} cm inside the body at frame {t}")
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
