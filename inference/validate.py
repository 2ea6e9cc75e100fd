"""Validator for all linguistic data: schema checks (on load) plus synthesis of every sign and letter.

Run `python build.py validate`; the test suite runs it too.
"""
import sys

import numpy as np

from . import hand
from .errors import SignLLMError
from .gloss import GlossItem, spell_item
from .languages import available, load_language
from .synthesis import Synthesizer
from .track import HAND_SIDES


PENETRATION_LIMIT = 0.015   # metres beyond the (conservative) body surface
CONTACT_LIMIT = 0.012       # metres: a contact sign's hand surface must reach its body point
PALMS_LIMIT = 0.020         # metres between the two palm centres: palm on palm is 0.025, closer means one hand
                            # sits inside the other (mirror signs on a midline point, crossed mirror hands)
CONTACT_ZONE = 0.03         # metres around a declared hand-to-hand contact that hands_apart leaves out

# hand bones as joint pairs (finger chains, palm rays from the wrist, the knuckle line): the palm and every
# finger segment, so hands that pass through each other anywhere are seen
_BONES = np.array([(0, 1), (1, 2), (2, 3), (3, 4), (0, 5), (5, 6), (6, 7), (7, 8), (0, 9), (9, 10), (10, 11),
                   (11, 12), (0, 13), (13, 14), (14, 15), (15, 16), (0, 17), (17, 18), (18, 19), (19, 20),
                   (5, 9), (9, 13), (13, 17)])
_SAMPLES = np.linspace(0.0, 1.0, 5)


def contact_miss(synth, entry, track, seg=None):
    """Closest approach (m) of a contact sign's named hand surface to its body point during the sign
    (`seg`, default the track's first sign; None for signs without body contact). Read off the final
    track, after collisions are resolved."""
    spec = entry["dom"]
    loc, surf = spec.get("loc"), spec.get("contact")
    if not surf or loc not in synth.ph.locations:
        return None
    side = synth.dom
    h = HAND_SIDES.index(side)
    point, normal = synth.location(loc, side)
    goal = point + normal * float(spec.get("near", 0.0))
    seg = seg or next(s for s in track.segments if s.kind == "sign")
    best = np.inf
    for t in range(seg.start, seg.end):
        p = track.wrist[t, h] + track.palm[t, h] @ synth.local_point(track.hand_params[t, h], surf, side)
        best = min(best, float(np.linalg.norm(p - goal)))
    return best


def _bone_points(joints):
    """(..., 21, 3) joints -> (..., bones * samples, 3) points along every hand bone."""
    a, b = joints[..., _BONES[:, 0], :], joints[..., _BONES[:, 1], :]
    pts = a[..., None, :] + (b - a)[..., None, :] * _SAMPLES[:, None]
    return pts.reshape(*joints.shape[:-2], -1, 3)


def palms_apart(entry, track):
    """(closest distance m, frame) between the two palm centres during a two-handed sign; None otherwise."""
    if entry.get("hands", 1) != 2:
        return None
    seg = next(s for s in track.segments if s.kind == "sign")
    j = track.hand_joints()[seg.start:seg.end]
    pc = (j[:, :, 0] + j[:, :, 9]) * 0.5
    d = np.linalg.norm(pc[:, 0] - pc[:, 1], axis=-1)
    return float(d.min()), seg.start + int(d.argmin())


def hands_apart(synth, entry, track):
    """(closest distance m, frame) between the two hands' bone centre lines during a two-handed sign, leaving
    out the part within CONTACT_ZONE of a declared hand-to-hand contact (dom on a base_* place); None for
    one-handed signs. Skin on skin keeps centre lines >= ~1.5 cm apart, so much less means fingers pass
    through each other. A measurement (tools/hands_report.py), not yet enforced: most mirror signs whose
    hands meet at the midline (MORE, SAME, HOUSE) have no way to declare that contact in the schema."""
    if entry.get("hands", 1) != 2:
        return None
    seg = next(s for s in track.segments if s.kind == "sign")
    j = track.hand_joints()[seg.start:seg.end]                       # (T, 2, 21, 3)
    h = HAND_SIDES.index(synth.dom)
    dom, nd = _bone_points(j[:, h]), _bone_points(j[:, 1 - h])      # (T, P, 3)
    spec = entry["dom"]
    hand_locs = synth.ph.hand_locations
    surfs = set()
    if spec.get("loc") in hand_locs and spec.get("contact"):
        surfs.add(spec["contact"])
    for m in entry.get("move", []):
        if m["type"] == "to" and m.get("loc") in hand_locs:
            surfs.add(m.get("contact") or spec.get("contact"))
    d = np.linalg.norm(dom[:, :, None] - nd[:, None], axis=-1)       # (T, P, P)
    if surfs - {None}:
        keep_d = np.ones(dom.shape[:2], bool)
        keep_n = np.ones(nd.shape[:2], bool)
        for surf in surfs - {None}:
            c = track.wrist[seg.start:seg.end, h] + np.einsum(
                "tij,tj->ti", track.palm[seg.start:seg.end, h],
                np.stack([synth.local_point(p, surf, synth.dom) for p in track.hand_params[seg.start:seg.end, h]]))
            keep_d &= np.linalg.norm(dom - c[:, None], axis=-1) > CONTACT_ZONE
            keep_n &= np.linalg.norm(nd - c[:, None], axis=-1) > CONTACT_ZONE
        d = np.where(keep_d[:, :, None] | keep_n[:, None, :], d, np.inf)
    t = int(np.unravel_index(np.argmin(d), d.shape)[0])
    return float(d.min()), seg.start + t


def surface_faces_away(synth, entry):
    """A message when the lexicon's orientation turns a flat contact surface away from the body place it touches,
    else None: WRONG's 'knuckles' (the back of the hand) on the chin with the palm facing the signer could touch
    it only from inside the chin; the curled fingers' front is 'fist'. A 'near' contact, held off, is not judged."""
    spec = entry.get("dom") or {}
    surf, loc = spec.get("contact"), spec.get("loc")
    if surf not in hand.SURFACE_SIDE or loc not in synth.ph.locations or "palm" not in spec or float(spec.get("near", 0.0)):
        return None
    rot = synth.frame(spec["palm"], spec["fingers"], synth.dom)
    _, normal = synth.location(loc, synth.dom)
    if hand.SURFACE_SIDE[surf] * float(rot[:, 2] @ normal) > 0.5:
        return (f"the {surf} faces away from the {loc} with the palm {spec['palm']} and fingers {spec['fingers']}: "
                "it cannot touch it")
    return None


def sign_problems(synth, entry, track):
    """Every problem of one synthesised sign: the track checks, an unreachable contact and hands inside each
    other. Shared with inference.hamnosys.make_synthesizable, which degrades HamNoSys signs until this is empty."""
    out = _track_problems(track, synth.body)
    if entry.get("parts"):   # a compound: each part's contact and hands are checked as that part's own sign
        return out
    miss = contact_miss(synth, entry, track)
    if miss is not None and miss > CONTACT_LIMIT:
        out.append(f"the {entry['dom']['contact']} never comes within {miss * 100:.1f} cm of the {entry['dom']['loc']} "
                   "(contact means touching)")
    away = surface_faces_away(synth, entry)
    if away is not None:
        out.append(away)
    apart = palms_apart(entry, track)
    if apart is not None and apart[0] < PALMS_LIMIT:
        out.append(f"the two hands sit inside each other (palm centres {apart[0] * 100:.1f} cm apart at frame {apart[1]})")
    return out


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
        problems.extend(f"{code} {gloss}: {p}" for p in sign_problems(synth, lang.lexicon.get(gloss), tr))
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
