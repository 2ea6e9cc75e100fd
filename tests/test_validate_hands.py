"""The validator's body-contact and hand-to-hand checks catch the errors they are meant for (measured on
real synthesis, with deliberately broken entries next to the fixed lexicon ones)."""
import copy

import pytest

from signllm.inference import GlossItem, Synthesizer, load_language, validate


@pytest.fixture(scope="module")
def asl():
    lang = load_language("ASL")
    return lang, Synthesizer(lang.phonology, lang.lexicon, lang.alphabet)


def _synth_entry(lang, synth, entry):
    """Synthesise a one-off entry under a temporary gloss (the lexicon is restored afterwards)."""
    entry = dict(entry, gloss="QA-TEST")
    lang.lexicon.signs["QA-TEST"] = entry
    try:
        return entry, synth.synthesize([GlossItem("QA-TEST")])
    finally:
        del lang.lexicon.signs["QA-TEST"]


def test_fingers_pointing_up_beside_the_head_cannot_touch_the_temple(asl):
    lang, synth = asl
    fixed = lang.lexicon.get("THINK")
    entry, tr = _synth_entry(lang, synth, fixed)
    assert validate.contact_miss(synth, entry, tr) <= validate.CONTACT_LIMIT
    broken = copy.deepcopy(fixed)
    broken["dom"].update(palm="back", fingers="up")    # the old form: the index lies along the head
    entry, tr = _synth_entry(lang, synth, broken)
    assert validate.contact_miss(synth, entry, tr) > 2 * validate.CONTACT_LIMIT


def test_mirrored_hands_on_a_midline_point_sit_inside_each_other(asl):
    lang, synth = asl
    entry = {"dom": {"hs": "L", "loc": "stomach", "contact": "fingertips", "palm": "back", "fingers": "up"},
             "hands": 2, "sym": "mirror", "move": [{"type": "straight", "dir": "up", "size": "m"}], "duration": 0.6}
    e, tr = _synth_entry(lang, synth, entry)
    d, _ = validate.palms_apart(e, tr)
    assert d < 0.005                                   # both palms on the same point
    assert validate.hands_apart(synth, e, tr)[0] < 0.005
    entry["dom"]["loc"] = "stomach_dom"                # LIVE as fixed: one hand each side of the midline
    e, tr = _synth_entry(lang, synth, entry)
    assert validate.palms_apart(e, tr)[0] > 0.10
    assert validate.hands_apart(synth, e, tr)[0] > 0.04


def test_palm_on_palm_is_not_reported(asl):
    lang, synth = asl
    for gloss in ("MONEY", "NICE", "COOK"):             # dominant hand lands on the base palm
        entry = lang.lexicon.get(gloss)
        tr = synth.synthesize([GlossItem(gloss)])
        d, _ = validate.palms_apart(entry, tr)
        assert validate.PALMS_LIMIT <= d < 0.05, gloss
    assert validate.palms_apart(lang.lexicon.get("THINK"), synth.synthesize([GlossItem("THINK")])) is None


@pytest.mark.parametrize("gloss", ["MOVIE", "NIGHT"])
def test_left_handed_nod_is_the_mirror_image(gloss):
    """A nod bends toward the palm for either hand: a left-handed signer's sign is the mirror image of the
    right-handed one (a flipped nod drove MOVIE's hand into the base palm for left-handers)."""
    import numpy as np
    from signllm.inference import Settings
    lang = load_language("ASL")
    tracks = [Synthesizer(lang.phonology, lang.lexicon, lang.alphabet, settings=Settings(dominant=d))
              .synthesize([GlossItem(gloss)]) for d in ("R", "L")]
    seg = next(s for s in tracks[0].segments if s.kind == "sign")
    a, b = (t.hand_joints()[seg.start:seg.end] for t in tracks)
    body = tracks[0].body
    M = np.eye(3) - 2 * np.outer(body.left, body.left)
    mirrored = ((a - body.joints["chest"]) @ M.T + body.joints["chest"])[:, ::-1]
    assert np.abs(mirrored - b).max() < 1e-6
    entry = lang.lexicon.get(gloss)
    assert validate.palms_apart(entry, tracks[1])[0] >= validate.PALMS_LIMIT


def test_contact_surface_facing_away_from_its_place_is_rejected():
    """The back of the hand ('knuckles') cannot touch the chin with the palm facing the signer; the curled
    fingers' front ('fist') can (WRONG's fix); a 'near' contact is held off and not judged."""
    from signllm.inference.languages import load_language
    from signllm.inference.synthesis import Synthesizer
    from signllm.inference.validate import surface_faces_away
    lang = load_language("ASL")
    synth = Synthesizer(lang.phonology, lang.lexicon, lang.alphabet)
    entry = {"gloss": "X", "dom": {"hs": "Y", "loc": "chin", "contact": "knuckles", "palm": "back", "fingers": "up"}}
    assert "faces away from the chin" in surface_faces_away(synth, entry)
    entry["dom"]["contact"] = "fist"
    assert surface_faces_away(synth, entry) is None
    entry["dom"].update(contact="knuckles", near=0.05)
    assert surface_faces_away(synth, entry) is None
    assert surface_faces_away(synth, lang.lexicon.get("WRONG")) is None
