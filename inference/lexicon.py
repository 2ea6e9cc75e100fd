"""Sign lexicons: loading, word lookup and schema checks (the rules are in data/README.md)."""
import glob
import os
import re

from . import hand
from .errors import DataError
from .phonology import load_json

MOVE_TYPES = {
    "straight": {"dir", "size", "repeat"},
    "arc": {"dir", "size", "bend", "repeat"},
    "zigzag": {"dir", "size", "repeat"},
    "circle": {"plane", "size", "dir", "repeat"},
    "tap": {"repeat", "size"},
    "brush": {"dir", "size", "repeat"},
    "to": {"loc", "contact", "repeat", "size"},
    "change": {"hs", "palm", "fingers", "repeat"},
    "twist": {"angle", "repeat"},
    "nod": {"angle", "repeat"},
    "wiggle": {"repeat"},
    "shake": {"dir", "repeat", "size"},
}
HAND_KEYS = {"hs", "loc", "contact", "palm", "fingers", "near"}
ENTRY_KEYS = {"gloss", "words", "dom", "base", "hands", "sym", "move", "duration", "review", "notes", "nonmanual",
              "base_follows", "cross", "mouth", "parts"}
HAND_ONLY_KEYS = {"dom", "base", "hands", "sym", "move", "base_follows", "cross"}   # a compound has none of these
GLOSS_RE = re.compile(r"^#?[A-Z0-9][A-Z0-9\-+']*(?:\.[A-Z0-9]+)?$")


class Lexicon:
    """All signs of one sign language, indexed by gloss and by English word/phrase."""

    def __init__(self, folder, phonology):
        self.folder = folder
        self.phonology = phonology
        self.signs = {}
        self.by_word = {}
        self.source_of = {}
        files = sorted(glob.glob(os.path.join(folder, "*.json")))
        if not files:
            raise DataError(f"No lexicon files in {folder}")
        for path in files:
            data = load_json(path, "signllm.lexicon/1")
            signs = data.get("signs")
            if not isinstance(signs, list):
                raise DataError(f"{os.path.basename(path)}: 'signs' must be a list")
            for entry in signs:
                self._add(entry, os.path.basename(path))
        for g, e in self.signs.items():
            for part in e.get("parts", []):
                if part not in self.signs:
                    raise DataError(f"{self.source_of[g]}: {g}: part {part} is not a sign of this lexicon")
                if self.signs[part].get("parts"):
                    raise DataError(f"{self.source_of[g]}: {g}: part {part} is itself a compound; list its parts")
        self.max_phrase = max((len(w.split()) for w in self.by_word), default=1)

    def _add(self, entry, fname):
        canonical_handshapes(entry, self.phonology)
        errors = check_entry(entry, self.phonology)
        if errors:
            raise DataError(f"{fname}: {entry.get('gloss', '?')}: " + "; ".join(errors))
        g = entry["gloss"]
        if g in self.signs:
            raise DataError(f"{fname}: gloss {g} is already defined in {self.source_of[g]}")
        self.signs[g] = entry
        self.source_of[g] = fname
        for w in entry.get("words", []):
            w = " ".join(w.lower().split())
            if w in self.by_word and self.by_word[w] != g:
                raise DataError(f"{fname}: word {w!r} maps to both {self.by_word[w]} and {g}")
            self.by_word[w] = g

    def __contains__(self, gloss):
        return gloss in self.signs

    def __len__(self):
        return len(self.signs)

    def get(self, gloss):
        return self.signs.get(gloss)

    def lookup_word(self, phrase):
        return self.by_word.get(phrase)


def canonical_handshapes(entry, phon):
    """Rename retired handshape names (handshapes.json 'aliases', e.g. 'flat B' -> 'B') in an entry, in place,
    so lexicon files written before the standard inventory keep loading with the same shapes."""
    if not isinstance(entry, dict):
        return entry
    for key in ("dom", "base"):
        h = entry.get(key)
        if isinstance(h, dict) and isinstance(h.get("hs"), str):
            h["hs"] = phon.canonical(h["hs"])
    for m in entry.get("move", []) if isinstance(entry.get("move"), list) else []:
        if isinstance(m, dict) and isinstance(m.get("hs"), str):
            m["hs"] = phon.canonical(m["hs"])
    return entry


def _check_hand(h, where, phon, errors, base_ok):
    if not isinstance(h, dict):
        errors.append(f"{where} must be an object")
        return
    for k in h:
        if k not in HAND_KEYS:
            errors.append(f"{where}: unknown key {k!r}")
    if h.get("hs") not in phon.handshapes:
        errors.append(f"{where}: unknown handshape {h.get('hs')!r}")
    loc = h.get("loc")
    if loc not in phon.locations and not (base_ok and loc in phon.hand_locations):
        errors.append(f"{where}: unknown location {loc!r}")
    if "contact" in h and h["contact"] not in hand.SURFACES:
        errors.append(f"{where}: unknown contact surface {h['contact']!r}")
    for k in ("palm", "fingers"):
        if h.get(k) not in phon.directions:
            errors.append(f"{where}: unknown {k} direction {h.get(k)!r}")
    if "palm" in h and "fingers" in h and h["palm"] in phon.directions and h["fingers"] in phon.directions:
        a, b = phon.directions[h["palm"]], phon.directions[h["fingers"]]
        cos = abs(float(a @ b)) / max(1e-9, float((a @ a) ** 0.5 * (b @ b) ** 0.5))
        if cos > 0.9:
            errors.append(f"{where}: palm {h['palm']!r} and fingers {h['fingers']!r} point the same way")


def check_entry(e, phon):
    """Schema errors of one lexicon entry (empty list when it is valid)."""
    errors = []
    if not isinstance(e, dict):
        return ["entry must be an object"]
    for k in e:
        if k not in ENTRY_KEYS:
            errors.append(f"unknown key {k!r}")
    g = e.get("gloss")
    if not isinstance(g, str) or not GLOSS_RE.match(g):
        errors.append(f"bad gloss {g!r}")
    words = e.get("words", [])
    if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
        errors.append("words must be a list of strings")
    if "parts" in e:   # a compound: its parts are signs of the lexicon (checked once all files are loaded)
        parts = e["parts"]
        if not isinstance(parts, list) or len(parts) < 2 or not all(isinstance(p, str) and GLOSS_RE.match(p)
                                                                     for p in parts):
            errors.append("parts must list two or more glosses")
        errors.extend(f"a compound (parts) takes no {k!r}: its parts carry the form" for k in sorted(HAND_ONLY_KEYS & set(e)))
        d = e.get("duration", 0.5)
        if not isinstance(d, (int, float)) or not 0.1 <= d <= 3.0:
            errors.append("duration must be 0.1..3.0 seconds")
        return errors
    hands_n = e.get("hands", 1)
    if hands_n not in (1, 2):
        errors.append("hands must be 1 or 2")
    has_base = hands_n == 2 and e.get("sym") == "base"
    _check_hand(e.get("dom"), "dom", phon, errors, base_ok=has_base)
    if hands_n == 2:
        if e.get("sym") not in ("mirror", "alt", "parallel", "base"):
            errors.append("two-handed signs need sym: mirror, alt, parallel or base")
        if has_base:
            _check_hand(e.get("base"), "base", phon, errors, base_ok=False)
    if "cross" in e and (not isinstance(e["cross"], bool) or e.get("sym") not in ("mirror", "alt") or hands_n != 2):
        errors.append("cross (true/false) needs hands: 2 with sym: mirror or alt")
    if "base_follows" in e and (not isinstance(e["base_follows"], bool) or not has_base):
        errors.append("base_follows (true/false) needs hands: 2 with sym: base")
    moves = e.get("move", [])
    if not isinstance(moves, list):
        errors.append("move must be a list")
        moves = []
    for i, m in enumerate(moves):
        t = m.get("type") if isinstance(m, dict) else None
        if t not in MOVE_TYPES:
            errors.append(f"move {i}: unknown type {t!r}")
            continue
        for k in m:
            if k != "type" and k not in MOVE_TYPES[t]:
                errors.append(f"move {i} ({t}): unknown key {k!r}")
        for k in ("dir", "bend"):
            if k in m and t != "circle" and m[k] not in phon.directions:
                errors.append(f"move {i}: unknown direction {m[k]!r}")
        if t == "circle" and m.get("plane", "frontal") not in ("frontal", "sagittal", "horizontal"):
            errors.append(f"move {i}: bad circle plane {m.get('plane')!r}")
        if t == "circle" and m.get("dir", "cw") not in ("cw", "ccw"):
            errors.append(f"move {i}: circle dir must be cw or ccw")
        if "size" in m and m["size"] not in phon.sizes:
            errors.append(f"move {i}: unknown size {m['size']!r}")
        if t == "to" and m.get("loc") not in phon.locations and m.get("loc") not in phon.hand_locations:
            errors.append(f"move {i}: unknown location {m.get('loc')!r}")
        if t == "change":
            if "hs" in m and m["hs"] not in phon.handshapes:
                errors.append(f"move {i}: unknown handshape {m['hs']!r}")
            for k in ("palm", "fingers"):
                if k in m and m[k] not in phon.directions:
                    errors.append(f"move {i}: unknown direction {m[k]!r}")
        rep = m.get("repeat", 1)
        if not isinstance(rep, int) or not 1 <= rep <= 6:
            errors.append(f"move {i}: repeat must be 1..6")
    if "mouth" in e:
        from .mouth import morphemes
        if e["mouth"] not in morphemes():
            errors.append(f"unknown mouth morpheme {e['mouth']!r} (known: {', '.join(morphemes())})")
    d = e.get("duration", 0.5)
    if not isinstance(d, (int, float)) or not 0.1 <= d <= 3.0:
        errors.append("duration must be 0.1..3.0 seconds")
    return errors


def end_handshape(entry):
    """The handshape a sign ends in: the last `change` movement's `hs`, else the start handshape.
    Signs that open, close or flick code both ends this way (data/README.md)."""
    if entry.get("parts"):
        raise ValueError(f"{entry.get('gloss')} is a compound: ask its last part ({entry['parts'][-1]})")
    end = entry["dom"]["hs"]
    for m in entry.get("move", []):
        if m.get("type") == "change" and m.get("hs"):
            end = m["hs"]
    return end


def flagged_signs(lexicon):
    """[(gloss, notes, file)] of the signs marked `review: true`, sorted by gloss: what a reviewer should check
    (listed in the Sign panel's Review section and by the signllm.show_flagged operator)."""
    out = [(g, str(e.get("notes", "")), lexicon.source_of.get(g, ""))
           for g, e in lexicon.signs.items() if e.get("review")]
    return sorted(out)
