"""Mouth morphemes and face channels as data: loading and schema checks (no synthesis here).

inference/data/face/channels.json names the canonical face channels (ARKit's 52, 0..1);
inference/data/face/mouth_morphemes.json gives each ASL mouth morpheme (MM, OO, CHA, ...) as a recipe
over them; <language>/mouth.json tags signs with a morpheme (loaded into the entries' `mouth` field).
"""
import functools
import os

from .errors import DataError
from .phonology import DATA_DIR, load_json

FACE_DIR = os.path.join(DATA_DIR, "face")


@functools.lru_cache(maxsize=1)
def channels():
    """The canonical face channel names (ARKit's 52), in file order."""
    names = load_json(os.path.join(FACE_DIR, "channels.json"), "signllm.facechannels/1")["channels"]
    if len(set(names)) != len(names):
        raise DataError("channels.json: duplicate channel names")
    return tuple(names)


def side_name(name, dominant="R"):
    """A recipe channel with Dom/NonDom resolved for the signer's dominant hand."""
    dom, nd = ("Right", "Left") if dominant == "R" else ("Left", "Right")
    return name.replace("NonDom", nd).replace("Dom", dom)


def _check_shapes(shapes, where, errors):
    known = set(channels())
    if not isinstance(shapes, dict) or not shapes:
        errors.append(f"{where}: shapes must be a non-empty object")
        return
    for k, v in shapes.items():
        if side_name(k) not in known:
            errors.append(f"{where}: unknown face channel {k!r}")
        if not isinstance(v, (int, float)) or not 0.0 <= v <= 1.0:
            errors.append(f"{where}: {k} must be a number 0..1")


def check_morphemes(data):
    """Schema errors of a mouth-morpheme file (empty list when valid)."""
    errors = []
    morphs = data.get("morphemes")
    if not isinstance(morphs, dict) or not morphs:
        return ["'morphemes' must be a non-empty object"]
    for name, m in morphs.items():
        if not name.isalpha() or name != name.upper():
            errors.append(f"{name!r}: morpheme names are upper-case letters (they become gloss marks)")
        if not isinstance(m, dict):
            errors.append(f"{name}: must be an object")
            continue
        unknown = set(m) - {"meaning", "review", "shapes", "release", "repeat", "head", "notes"}
        if unknown:
            errors.append(f"{name}: unknown keys {sorted(unknown)}")
        _check_shapes(m.get("shapes"), name, errors)
        rel = m.get("release")
        if rel is not None:
            if not isinstance(rel, dict) or not 0.0 < float(rel.get("at", -1)) < 1.0:
                errors.append(f"{name}: release needs 'at' between 0 and 1")
            else:
                _check_shapes(rel.get("to"), f"{name} release", errors)
        rep = m.get("repeat", 1)
        if not isinstance(rep, int) or not 1 <= rep <= 4:
            errors.append(f"{name}: repeat must be 1..4")
        head = m.get("head", {})
        if not isinstance(head, dict) or set(head) - {"roll", "pitch", "yaw"} or \
                not all(isinstance(v, (int, float)) and abs(v) <= 0.5 for v in head.values()):
            errors.append(f"{name}: head must be {{roll|pitch|yaw: radians within 0.5}}")
    vis = data.get("visemes", {})
    for v, shapes in vis.get("shapes", {}).items():
        _check_shapes(shapes, f"viseme {v}", errors)
    for letters, v in vis.get("letters", {}).items():
        if v not in vis.get("shapes", {}):
            errors.append(f"viseme letters {letters!r}: unknown viseme {v!r}")
    return errors


@functools.lru_cache(maxsize=1)
def morphemes_data():
    data = load_json(os.path.join(FACE_DIR, "mouth_morphemes.json"), "signllm.mouth/1")
    errors = check_morphemes(data)
    if errors:
        raise DataError("mouth_morphemes.json: " + "; ".join(errors[:5]))
    return data


def morphemes():
    """{name: recipe} of the mouth morphemes (MM, OO, CHA, ...)."""
    return morphemes_data()["morphemes"]


def mark_names():
    """Gloss marks for mouth spans: the morpheme names in lower case (mm, cha, puff, ...)."""
    return tuple(n.lower() for n in morphemes())


def load_table(path, lexicon):
    """Tag the lexicon's entries with their mouth morpheme from a <language>/mouth.json (absent: nothing)."""
    if not os.path.exists(path):
        return {}
    data = load_json(path, "signllm.mouthtable/1")
    table = data.get("mouth")
    name = os.path.basename(os.path.dirname(path)) + "/mouth.json"
    if not isinstance(table, dict):
        raise DataError(f"{name}: 'mouth' must be an object gloss -> morpheme")
    known = morphemes()
    for gloss, m in table.items():
        if gloss not in lexicon:
            raise DataError(f"{name}: {gloss} is not in the lexicon")
        if m not in known:
            raise DataError(f"{name}: {gloss}: unknown mouth morpheme {m!r} (known: {', '.join(known)})")
        entry = lexicon.get(gloss)
        if entry.get("mouth", m) != m:
            raise DataError(f"{name}: {gloss} is {m} here but {entry['mouth']} in the lexicon")
        entry["mouth"] = m
    return dict(table)
