"""HamNoSys and SiGML -> signllm lexicon entries (the same phonology model as the ASL lexicon).

HamNoSys comes in two encodings: Unicode private-use characters (U+E000..) and the symbol names that
SiGML uses (`hamflathand`, `hamextfingeru`, ...); `tokenize` reads both, mixed. `parse` turns one
transcription into a lexicon entry (`signllm.lexicon/1`, see data/README.md) plus a list of `Issue`s:
every symbol the posture model cannot express is reported with its position, the sign degrades to the
closest posture sequence and is flagged `review`. Content never raises; only unreadable files do.

The symbol -> phonology tables are data (data/hamnosys/mapping.json, symbols.json).
"""
import functools
import glob
import logging
import os
import re
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import numpy as np

from .errors import DataError, SignLLMError
from .lexicon import MOVE_TYPES, Lexicon, check_entry
from .phonology import DATA_DIR, default_phonology, load_json

log = logging.getLogger(__name__)

HAM_DIR = os.path.join(DATA_DIR, "hamnosys")
MAX_TOKENS = 400
MAX_MOVES = 10
# what make_synthesizable may change to make a sign pass the validator, mildest first
DEGRADATIONS = {"side_by_side": "symmetric hands that met inside each other placed side by side",
                "off_other_hand": "a hand-to-hand contact that went through the other hand held just off it",
                "contact_surface": "an unreachable body contact made with the hand surface facing the place",
                "held_near": "an unreachable body contact dropped, the hand held near the place",
                "moves_smaller": "movements made smaller", "moves_dropped": "movements dropped from the end",
                "neutral_hold": "start posture held in neutral space without movement"}
SURFACE_SHIFT = 0.05   # metres a transcribed touch may move on the hand to reach its place (make_synthesizable)


class HamNoSysError(SignLLMError):
    """A transcription or SiGML file that cannot be read at all (empty, not XML, unknown characters only)."""


@dataclass
class Issue:
    symbol: str
    position: int          # index of the symbol in the transcription (0-based)
    message: str
    severity: str = "unsupported"   # 'unsupported' (information lost) or 'approximated'

    def __str__(self):
        return f"{self.symbol} (#{self.position}): {self.message}"


@dataclass
class HamSign:
    """One parsed sign: the lexicon entry, what could not be expressed, and the source transcription."""
    entry: dict
    issues: list = field(default_factory=list)
    source: str = ""
    degraded: list = field(default_factory=list)   # what make_synthesizable changed (DEGRADATIONS keys)

    @property
    def gloss(self):
        return self.entry["gloss"]

    @property
    def unsupported(self):
        return [i for i in self.issues if i.severity == "unsupported"]

    def report(self):
        return "; ".join(str(i) for i in self.issues)


# -- symbol tables ---------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def tables():
    sym = load_json(os.path.join(HAM_DIR, "symbols.json"), "signllm.hamnosys_symbols/1")["symbols"]
    mp = load_json(os.path.join(HAM_DIR, "mapping.json"), "signllm.hamnosys_mapping/1")
    by_name = {k: chr(int(v, 16)) for k, v in sym.items()}
    by_char = {v: k for k, v in by_name.items()}
    return by_name, by_char, mp


def to_unicode(names):
    by_name, _, _ = tables()
    return "".join(by_name[n] for n in names)


def tokenize(text):
    """[(symbol name, position)] from PUA characters and/or symbol names (comma/space separated).

    Unknown characters or names become ('?<text>', pos) tokens so the parser can report them."""
    by_name, by_char, _ = tables()
    out = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in by_char:
            name = by_char[ch]
            if name not in ("hamspace", "hamcomma"):  # ASCII space/comma separate names
                out.append((name, i))
            i += 1
            continue
        if ch.isspace() or ch in ",;":
            i += 1
            continue
        m = re.match(r"[A-Za-z][A-Za-z0-9_]*", text[i:])
        if m:
            word = m.group(0).lower()
            if word in by_name:
                out.append((word, i))
            elif "ham" + word in by_name:
                out.append(("ham" + word, i))
            else:
                out.append(("?" + m.group(0), i))
            i += len(m.group(0))
            continue
        out.append((f"?U+{ord(ch):04X}", i))
        i += 1
    return out


# -- small helpers ---------------------------------------------------------------------------------
def _unit(v):
    v = np.asarray(v, float)
    n = np.linalg.norm(v)
    return v / n if n > 1e-9 else v


def _letters_vec(letters, mp):
    return _unit(sum((np.asarray(mp["directions"][c], float) for c in letters), np.zeros(3)))


def _rot_between(a, b):
    """Minimal rotation taking unit a to unit b (180 degrees about up when opposite)."""
    a, b = _unit(a), _unit(b)
    v = np.cross(a, b)
    c = float(a @ b)
    if c < -0.999:
        return np.diag([-1.0, -1.0, 1.0])
    vx = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    return np.eye(3) + vx + vx @ vx / (1 + c)


def direction_word(vec, phon, avoid=None):
    """Nearest direction word of locations.json to a [d, f, u] vector (not parallel to `avoid`)."""
    best, best_c = "forward", -2.0
    av = _unit(phon.directions[avoid]) if avoid in phon.directions else None
    for w, d in phon.directions.items():
        u = _unit(d)
        if av is not None and abs(float(u @ av)) > 0.85:
            continue
        c = float(u @ vec)
        if c > best_c:
            best, best_c = w, c
    return best


def gloss_name(text, fallback="HAMNOSYS"):
    """A lexicon-valid gloss (A-Z 0-9 - + ') from a free-form gloss such as 'HÜTEN1^' or 'pill_1'."""
    t = str(text or "").upper()
    for a, b in (("Ä", "AE"), ("Ö", "OE"), ("Ü", "UE"), ("ß", "SS"), ("ẞ", "SS")):
        t = t.replace(a, b)
    t = unicodedata.normalize("NFKD", t).encode("ascii", "ignore").decode()
    m = re.search(r"\.([A-Z0-9]+)$", t)
    suffix = "." + m.group(1) if m else ""
    if m:
        t = t[:m.start()]
    t = re.sub(r"[^A-Z0-9'+]+", "-", t).strip("-'+")
    t = re.sub(r"-{2,}", "-", t)
    return (t + suffix) if t else fallback


# -- the parser --------------------------------------------------------------------------------------
_PALMS = {"hampalmu", "hampalmur", "hampalmr", "hampalmdr", "hampalmd", "hampalmdl", "hampalml", "hampalmul"}
_OPEN = {"hamparbegin", "hamseqbegin", "hamfusionbegin", "hamaltbegin"}
_CLOSE = {"hamparend", "hamseqend", "hamfusionend", "hamaltend"}
_REPEATS = {"hamrepeatfromstart": ("all", 2), "hamrepeatfromstartseveral": ("all", 3),
            "hamrepeatcontinue": ("last", 2), "hamrepeatcontinueseveral": ("last", 3),
            "hamrepeatreverse": ("last", 2)}


class _Hand:
    def __init__(self):
        self.base = None
        self.fmods = []
        self.tmods = []
        self.fingers = []        # finger parts selecting which fingers the base form uses
        self.ext = None
        self.palm = None
        self.loc = None          # body location name or base_* place
        self.contact = None      # hand surface
        self.dist = None         # 'touch' | 'close' | None
        self.pos = None

    @property
    def given(self):
        return self.base is not None


class _Parser:
    def __init__(self, tokens, phon, issues):
        self.t = tokens
        self.ph = phon
        self.issues = issues
        _, _, self.mp = tables()
        self.hs_syms = set(self.mp["handshape_symbols"])
        self.fmods = set(self.mp["finger_mods"])
        self.tmods = set(self.mp["thumb_mods"])
        self.locs = self.mp["locations"]
        self.arm = {k: v for k, v in self.mp["arm_locations"].items() if k != "about"}
        self.parts = {k: v for k, v in self.mp["hand_parts"].items() if k != "about"}
        self.ignored = set(self.mp["ignored"]["symbols"])

    def note(self, tok, msg, severity="unsupported"):
        self.issues.append(Issue(tok[0], tok[1], msg, severity))

    # -- handshape ------------------------------------------------------------------------------
    def handshape_name(self, hand, tok):
        mp = self.mp["handshapes"]
        f = hand.fmods[0] if hand.fmods else None
        th = hand.tmods[0] if hand.tmods else None
        keys = []
        if f and th:
            keys.append(f"{hand.base}+{f}+{th}")
        if f:
            keys.append(f"{hand.base}+{f}")
        if th:
            keys.append(f"{hand.base}+{th}")
        keys.append(hand.base)
        if hand.fingers:  # selected fingers: base@part keys first (hamfinger2 + hampinky = I)
            sel = hand.base + "@" + hand.fingers[0]
            keys = [sel + k[len(hand.base):] for k in keys] + keys
        for k in keys:
            if k in mp:
                used = set(k.split("+")[1:]) | set(k.split("+")[0].split("@")[1:])
                dropped = [m for m in hand.fmods + hand.tmods + hand.fingers[:1] if m not in used]
                if dropped:
                    self.issues.append(Issue(hand.base, tok, f"modifier(s) {', '.join(dropped)} not modelled; "
                                             f"nearest handshape {mp[k]!r}", "approximated"))
                return mp[k]
        return "5"

    # -- phases ---------------------------------------------------------------------------------
    def split(self):
        """Index where the action part (movements) starts."""
        head = {"hamreplace", "hamnomotion", "hamfingerplay", "hamnodding", "hamswinging", "hamtwisting",
                "hamstircw", "hamstirccw", "hamwavy", "hamzigzag", "hammovecross", "hammovex"}
        depth_opens = []
        for i, (name, _) in enumerate(self.t):
            if name in _OPEN:
                depth_opens.append(i)
            elif name in _CLOSE:
                if depth_opens:
                    depth_opens.pop()
            elif name.startswith("hammove") or name.startswith("hamcircle") or name in head or name in _REPEATS:
                return depth_opens[0] if depth_opens else i
        return len(self.t)

    def parse(self):
        toks = self.t
        sym = None
        i = 0
        alternating = False
        nondom_first = False
        while i < len(toks) and toks[i][0] in ("hamsymmlr", "hamsymmpar", "hamnondominant", "hamalternatingmotion",
                                                 "hamlargemod", "hamsmallmod", "hamfingerplay", "hamnomotion"):
            name = toks[i][0]
            if name == "hamsymmlr":
                sym = "mirror"
            elif name == "hamsymmpar":
                sym = "mirror"
                self.note(toks[i], "parallel symmetry (both hands move the same way) done as mirrored", "approximated")
            elif name == "hamalternatingmotion":
                alternating = True
            elif name == "hamnondominant":
                nondom_first = True
                self.note(toks[i], "sign made by the non-dominant hand is done by the dominant hand", "approximated")
            else:
                self.note(toks[i], "symmetry modifier not modelled", "approximated")
            i += 1
        self.t = toks = toks[i:]
        cut = self.split()
        hands = self.config(toks[:cut])
        self.dom_base = hands[0].base or hands[1].base
        moves, tempo, nd_moves, alt2 = self.actions(toks[cut:], hands)
        alternating = alternating or alt2
        return self.assemble(hands, moves, tempo, sym, alternating, nd_moves, nondom_first)

    # -- initial configuration --------------------------------------------------------------------
    def config(self, toks):
        hands = [_Hand(), _Hand()]
        h = 0
        stack = []            # per open bracket: hand index at open
        between = False
        seen_plus = False
        loc_side = None       # hand whose location was just given
        pending_parts = []    # hand parts seen before a location (surface of the hand being placed)
        last_ext = False
        skip_mods = False     # modifiers of a second ('between') handshape are not the hand's
        for tok in toks:
            name, pos = tok
            hand = hands[h]
            if not name.startswith("hamextfinger"):
                last_ext = False
            if name not in self.fmods and name not in self.tmods and name not in self.parts:
                skip_mods = False
            if name in _OPEN:
                stack.append(h)
                continue
            if name in _CLOSE:
                h = stack.pop() if stack else 0
                continue
            if name == "hamplus":
                h = 1
                seen_plus = True
                between = False
                continue
            if name == "hambetween":
                between = True
                continue
            if name in self.hs_syms:
                if hand.base is None:
                    hand.base, hand.pos = name, pos
                elif not between:
                    if h == 0 and not seen_plus and hands[1].base is None:
                        # two handshapes without '+': the second is the non-dominant hand
                        hands[1].base, hands[1].pos = name, pos
                        h = 1
                    else:
                        self.note(tok, "extra handshape ignored")
                else:
                    self.note(tok, "handshape 'between' two forms: first form used", "approximated")
                    between = False
                    skip_mods = True
                continue
            if name in self.fmods or name in self.tmods:
                if between or skip_mods:
                    continue
                (hand.fmods if name in self.fmods else hand.tmods).append(name)
                continue
            if name.startswith("hamextfinger"):
                if between and hand.ext:
                    self.note(tok, "finger direction 'between' two values: first used", "approximated")
                    between = False
                elif hand.ext is None:
                    hand.ext = name[len("hamextfinger"):]
                    last_ext = True
                    continue
                elif last_ext and hand.palm is None:
                    hand.ext += name[len("hamextfinger"):]
                    self.note(tok, "two finger directions read as the direction between them", "approximated")
                else:
                    self.note(tok, "extra finger direction ignored")
                continue
            if name in _PALMS:
                if between and hand.palm:
                    self.note(tok, "palm 'between' two values: first used", "approximated")
                    between = False
                elif hand.palm is None:
                    hand.palm = name[len("hampalm"):]
                else:
                    self.note(tok, "extra palm orientation ignored")
                continue
            if name in self.parts:
                if skip_mods:
                    continue
                if hand.ext is None and hand.palm is None and hand.base is not None and not hand.fmods:
                    hand.fingers.append(name)   # a finger part inside the handshape (selected fingers)
                    continue
                pending_parts.append(tok)
                continue
            if name in self.locs or name in self.arm:
                target = hands[0] if h == 0 else hands[1]
                if between:
                    between = False
                    self.note(tok, "location 'between' two places: the first is used", "approximated")
                    continue
                if name in self.arm:
                    if hands[1].given or seen_plus:
                        target.loc = self.arm[name]
                    else:
                        fb = self.mp["arm_without_base"]
                        target.loc = fb.get(name, fb["default"])
                        self.note(tok, f"place on the other arm (no base hand): {target.loc} used", "approximated")
                else:
                    if target.loc is None or target.loc.startswith("base_"):
                        target.loc = self.locs[name]
                    else:
                        self.note(tok, "second location ignored")
                if pending_parts:
                    part = pending_parts.pop(0)
                    target.contact = self.parts[part[0]][0]
                    for extra in pending_parts:
                        self.note(extra, "extra hand part ignored", "approximated")
                    pending_parts = []
                loc_side = target
                continue
            if name in ("hamtouch", "hamclose", "haminterlock", "hamcross", "hambrushing"):
                target = loc_side or hands[0]
                if name == "hamtouch" or name in ("haminterlock", "hamcross"):
                    target.dist = "touch"
                    if name != "hamtouch":
                        self.note(tok, "interlocking/crossing hands done as touching", "approximated")
                elif name == "hamclose":
                    target.dist = "close"
                else:
                    target.dist = "touch"
                continue
            if name in ("hambehind", "hamarmextended", "hamlargemod", "hamsmallmod"):
                self.note(tok, "distance/size modifier in the posture not modelled", "approximated")
                continue
            if name in ("hamsymmlr", "hamsymmpar"):
                self.note(tok, "symmetry marker inside the sign ignored", "approximated")
                continue
            if name in self.ignored:
                self.note(tok, "side/detail modifier not modelled", "approximated")
                continue
            if name == "hamnondominant":
                h = 1
                continue
            self.note(tok, "symbol not understood in the hand configuration")
        # hand parts with no body location: a place on the other hand (two hands) or the contact surface
        if pending_parts:
            part = pending_parts[0]
            if hands[1].given or seen_plus:
                hands[0].loc = self.parts[part[0]][1]
                if len(pending_parts) > 1:
                    hands[0].contact = self.parts[part[0]][0]
                    hands[0].loc = self.parts[pending_parts[1][0]][1]
            else:
                hands[0].contact = self.parts[part[0]][0]
                if len(pending_parts) > 1:
                    self.note(pending_parts[1], "place on the other hand (no base hand): not modelled",
                              "approximated")
        return hands

    # -- actions --------------------------------------------------------------------------------
    def actions(self, toks, hands):
        moves = []
        nd_moves = 0
        tempo = 1.0
        alternating = False
        frames = [{"type": "seq", "start": 0, "plus": False, "nd": False}]
        i = 0
        sizes = self.mp["movement_sizes"]
        arcs = self.mp["arcs"]
        internal = self.mp["hand_internal"]

        def in_nd():
            return any(f["nd"] for f in frames)

        between = False
        config_names = self.hs_syms | self.fmods | self.tmods | _PALMS

        while i < len(toks):
            tok = toks[i]
            name, pos = tok
            i += 1
            last = moves[-1] if moves else None
            if name in _OPEN:
                frames.append({"type": name, "start": len(moves), "plus": False, "nd": in_nd()})
                continue
            if name in _CLOSE:
                if len(frames) > 1:
                    f = frames.pop()
                    if f["type"] == "hamparbegin" and not f["plus"]:
                        self._merge_parallel(moves, f["start"], tok)
                continue
            if name == "hamplus":
                frames[-1]["plus"] = True
                frames[-1]["nd"] = True
                continue
            nd = in_nd()
            if name == "hambetween":
                between = True
                continue
            if name.startswith("hammove") and name not in ("hammovecross", "hammovex"):
                if nd:
                    nd_moves += 1
                    continue
                letters = name[len("hammove"):]
                if between and last is not None and last["type"] in ("straight", "arc", "zigzag", "brush"):
                    last["dir"] += letters
                    between = False
                    self.note(tok, "movement 'between' two directions: the middle direction used", "approximated")
                    continue
                between = False
                moves.append({"type": "straight", "dir": letters, "size": sizes["default"], "_pos": pos})
                continue
            if name.startswith("hamcircle"):
                if nd:
                    nd_moves += 1
                    continue
                letters = name[len("hamcircle"):]
                plane, d = self.mp["circle_planes"][letters[0]]
                if len(letters) > 1:
                    self.note(tok, "diagonal circle axis: nearest plane used", "approximated")
                moves.append({"type": "circle", "plane": plane, "dir": d, "size": "s", "_pos": pos})
                continue
            if name in internal:
                if nd:
                    nd_moves += 1
                    continue
                m = dict(internal[name])
                m["_pos"] = pos
                moves.append(m)
                continue
            if name == "hamreplace":
                i = self._replace(toks, i, moves, tok, nd)
                continue
            if name in _REPEATS:
                kind, count = _REPEATS[name]
                if not moves:
                    self.note(tok, "repeat without a movement: held")
                    continue
                if kind == "last" or len(moves) == 1:
                    last["repeat"] = min(6, max(count, last.get("repeat", 1) * count))
                else:
                    start = frames[-1]["start"] if len(frames) > 1 else 0
                    block = [dict(m) for m in moves[start:]]
                    for _ in range(count - 1):
                        if len(moves) + len(block) > 8:
                            self.note(tok, "repetition shortened", "approximated")
                            break
                        moves.extend(dict(m) for m in block)
                continue
            if nd and (name in sizes or name in arcs or name in ("hamwavy", "hamzigzag", "hambrushing")):
                continue    # modifiers of a non-dominant movement (already reported as not modelled)
            if name in sizes:
                if last is not None and "size" in MOVE_TYPES[last["type"]]:
                    last["size"] = sizes[name]
                continue
            if name in arcs:
                if last is not None and last["type"] == "straight":
                    last["type"] = "arc"
                    last["bend"] = arcs[name]
                else:
                    self.note(tok, "arc without a straight movement")
                continue
            if name in ("hamwavy", "hamzigzag"):
                if last is not None and last["type"] in ("straight", "arc"):
                    last["type"] = "zigzag"
                    last.pop("bend", None)
                    if name == "hamwavy":
                        self.note(tok, "wavy path done as zigzag", "approximated")
                else:
                    self.note(tok, "wavy/zigzag without a straight movement")
                continue
            if name in self.mp["tempo"]:
                tempo *= self.mp["tempo"][name]
                continue
            if name == "hamalternatingmotion":
                alternating = True
                continue
            if name == "hambrushing":
                if last is not None and last["type"] == "straight":
                    last["type"] = "brush"
                continue
            if name in ("hamtouch", "hamclose"):
                if last is not None and last["type"] == "straight" and last.get("repeat", 1) == 1 \
                        and hands[0].dist == "touch" and name == "hamtouch":
                    pass
                continue
            if name in self.locs or name in self.arm or name in self.parts:
                if nd:
                    continue
                loc = self.locs.get(name) or self.arm.get(name) or self.parts[name][1]
                if loc.startswith("base_") and not hands[1].given:
                    self.note(tok, "contact with the other hand (no base hand): not modelled", "approximated")
                    continue
                if last is not None and last["type"] in ("straight", "arc") and last.get("_target") is None:
                    last["_target"] = loc
                else:
                    moves.append({"type": "to", "loc": loc, "_pos": pos})
                continue
            if name == "hamnomotion":
                continue
            if name in config_names or name.startswith("hamextfinger"):
                if nd or between:
                    between = False
                    continue
                # a new posture without hamreplace: read as a change to it
                i = self._replace(toks, i - 1, moves, tok, nd)
                self.note(tok, "posture inside the movement read as a change", "approximated")
                continue
            if name in ("hamsymmlr", "hamsymmpar", "hamnondominant"):
                self.note(tok, "symmetry/hand marker inside the movement ignored", "approximated")
                continue
            if name in self.ignored:
                self.note(tok, "movement detail not modelled", "approximated")
                continue
            if name.startswith("?"):
                self.note(tok, "unknown symbol")
                continue
            self.note(tok, "symbol not supported in a movement")
        return moves, tempo, nd_moves, alternating

    def _merge_parallel(self, moves, start, tok):
        """Simultaneous path movements become one (directions added); the rest follow in order."""
        group = moves[start:]
        paths = [m for m in group if m["type"] in ("straight", "arc", "zigzag", "brush")]
        if len(paths) > 1:
            letters = "".join(m["dir"] for m in paths)
            first = dict(paths[0])
            first["dir"] = letters
            rest = [m for m in group if m not in paths]
            moves[start:] = [first] + rest
        elif len(group) > 1:
            self.note(tok, "simultaneous movements done one after the other", "approximated")

    def _replace(self, toks, i, moves, tok, nd):
        """hamreplace + (handshape | finger direction | palm), possibly for both hands in brackets."""
        hand = _Hand()
        depth = 0
        side = 0
        j = i
        while j < len(toks):
            name = toks[j][0]
            if name in _OPEN and depth == 0 and j == i:
                depth = 1
                j += 1
                continue
            if depth and name == "hamplus":
                side = 1
                j += 1
                continue
            if depth and name in _CLOSE:
                j += 1
                break
            target = hand if side == 0 else _Hand()
            if name in self.hs_syms:
                if target.base is None:
                    target.base, target.pos = name, toks[j][1]
            elif name in self.fmods:
                target.fmods.append(name)
            elif name in self.tmods:
                target.tmods.append(name)
            elif name.startswith("hamextfinger"):
                target.ext = target.ext or name[len("hamextfinger"):]
            elif name in _PALMS:
                target.palm = target.palm or name[len("hampalm"):]
            elif name == "hambetween" or name in self.ignored:
                pass
            else:
                if depth:
                    j += 1
                    continue
                break
            j += 1
        if nd:
            return j
        if hand.base is None and (hand.fmods or hand.tmods) and self.dom_base:
            hand.base = self.dom_base
        if hand.base is None and hand.ext is None and hand.palm is None:
            self.note(tok, "replacement without a handshape or orientation")
            return j
        m = {"type": "change", "_pos": tok[1], "_hand": hand}
        if hand.base:
            m["hs"] = self.handshape_name(hand, tok[1])
        moves.append(m)
        return j

    # -- the entry ------------------------------------------------------------------------------
    def orientation(self, hand, side, prev=None):
        """(palm word, fingers word) of a hand; `side` 1 = the non-dominant hand (l/r mirrored)."""
        mp = self.mp
        ext = hand.ext or (prev[2] if prev else "o")
        palm = hand.palm or (prev[3] if prev else "d")
        f = _letters_vec(ext, mp)
        nominal = _letters_vec(palm, mp)
        # palm symbols are defined for fingers pointing away from the body and turn with the hand:
        # first about the vertical axis to the fingers' heading, then up/down to their elevation
        # (checked against SignWriting palm fills of the same DGS signs: 61% vs 53% for a plain projection)
        h = np.array([f[0], f[1], 0.0])
        h = _unit(h) if np.linalg.norm(h) > 1e-6 else np.array([0.0, 1.0, 0.0])
        p = _rot_between(h, f) @ (_rot_between(np.array([0.0, 1.0, 0.0]), h) @ nominal)
        p = p - (p @ f) * f
        if np.linalg.norm(p) < 1e-3:
            p = np.cross(f, [1.0, 0.0, 0.0])
        p = _unit(p)
        if side == 1:
            f = f * np.array([-1.0, 1.0, 1.0])
            p = p * np.array([-1.0, 1.0, 1.0])
        fw = direction_word(f, self.ph)
        pw = direction_word(p, self.ph, avoid=fw)
        return pw, fw, ext, palm

    def hand_spec(self, hand, side, issues_pos=0):
        if hand.base is None:
            self.issues.append(Issue("handshape", issues_pos, "no handshape given: flat hand used"))
            hand.base = "hamflathand"
        if hand.ext is None:
            self.issues.append(Issue("extfinger", issues_pos, "no finger direction given: forward used", "approximated"))
        if hand.palm is None:
            self.issues.append(Issue("palm", issues_pos, "no palm orientation given: down used", "approximated"))
        hs = self.handshape_name(hand, hand.pos or 0)
        pw, fw, _, _ = self.orientation(hand, side)
        spec = {"hs": hs, "loc": hand.loc or "neutral", "palm": pw, "fingers": fw}
        loc = spec["loc"]
        surface = loc.startswith("base_") or self.ph.locations.get(loc, {}).get("surface", False)
        if hand.contact or (surface and hand.dist):
            spec["contact"] = hand.contact or self.mp["default_contact"].get(hand.base, "fingertips")
        elif surface:
            spec["contact"] = self.mp["default_contact"].get(hand.base, "fingertips")
        if "contact" in spec:
            dist = self.mp["distance"]
            spec["near"] = dist["touch"] if hand.dist == "touch" else dist["close"] if hand.dist == "close" \
                else dist["default"]
            if spec["near"] == 0:
                del spec["near"]
        return spec

    def assemble(self, hands, moves, tempo, sym, alternating, nd_moves, nondom_first):
        dom, nd = hands
        entry = {}
        two = sym is not None or nd.given
        if dom.base is None and nd.given:
            dom, nd = nd, _Hand()
            two = sym is not None
        spec = self.hand_spec(dom, 0)
        if two and sym is None:
            # a second hand that holds still: the base hand
            base_loc = nd.loc if nd.loc and not nd.loc.startswith("base_") else "neutral_nondom"
            nd.loc = base_loc
            bspec = self.hand_spec(nd, 1)
            entry.update(hands=2, sym="base", base=bspec)
            if nd_moves:
                self.issues.append(Issue("hamplus", 0, f"{nd_moves} movement(s) of the non-dominant hand not "
                                         "modelled (it holds still)"))
            if dom.loc is None:
                spec["loc"] = "neutral"
        elif two:
            entry.update(hands=2, sym="alt" if alternating else "mirror")
            if spec["loc"].startswith("base_"):
                self.issues.append(Issue("hamsymmlr", 0, "hands touching each other in a symmetric sign: "
                                         "placed side by side", "approximated"))
                spec["loc"] = "neutral"
                spec.pop("contact", None)
                spec.pop("near", None)
        else:
            if spec["loc"].startswith("base_"):
                spec["loc"] = "neutral"
                spec.pop("contact", None)
                spec.pop("near", None)
            if alternating:
                self.issues.append(Issue("hamalternatingmotion", 0, "alternation in a one-handed sign ignored",
                                         "approximated"))
        entry["dom"] = spec
        out_moves = []
        prev = (None, None, dom.ext or "o", dom.palm or "d")
        for m in moves:
            m = dict(m)
            m.pop("_pos", None)
            target = m.pop("_target", None)
            hand = m.pop("_hand", None)
            if m["type"] in ("straight", "arc", "zigzag", "brush"):
                m["dir"] = direction_word(_letters_vec(m["dir"], self.mp), self.ph)
                if m.get("type") == "arc":
                    m["bend"] = direction_word(_letters_vec(m["bend"][0] if m["bend"] in ("l", "r") else
                                                            {"up": "u", "down": "d"}[m["bend"]], self.mp), self.ph)
                    if m["bend"] == m["dir"] or m["bend"] in ("up", "down") and m["dir"] in ("up", "down"):
                        m["bend"] = "forward"
                if target is not None:
                    out_moves.append(m)
                    m = {"type": "to", "loc": target}
            if m["type"] == "change" and hand is not None:
                if hand.ext or hand.palm:
                    pw, fw, ext, palm = self.orientation(hand, 0, prev)
                    m["palm"], m["fingers"] = pw, fw
                    prev = (pw, fw, ext, palm)
            if m["type"] == "to" and m["loc"].startswith("base_") and entry.get("sym") != "base":
                continue
            if m["type"] == "shake":
                m["dir"] = "out"
            out_moves.append(m)
        if len(out_moves) > MAX_MOVES:
            self.issues.append(Issue("movement", 0, f"{len(out_moves)} movements (repetitions): the first "
                                     f"{MAX_MOVES} are kept", "approximated"))
            out_moves = out_moves[:MAX_MOVES]
        entry["move"] = out_moves
        n = sum(max(1, m.get("repeat", 1)) for m in out_moves)
        entry["duration"] = round(float(np.clip((0.45 + 0.28 * n) * tempo, 0.3, 3.0)), 2)
        return entry


# -- public API --------------------------------------------------------------------------------------
def parse(hamnosys, gloss="HAMNOSYS", words=(), nonmanual=None, phonology=None):
    """One HamNoSys transcription (PUA characters or symbol names) -> HamSign. Never raises on content
    it cannot express: that goes to `issues` and the entry is flagged review."""
    phon = phonology or default_phonology()
    text = str(hamnosys or "")
    if not text.strip():
        raise HamNoSysError("Empty HamNoSys transcription: type or paste the symbols (e.g. hamflathand,hamextfingeru,...).")
    # positions are symbol indices (0-based), the same for both encodings
    toks = [(name, k) for k, (name, _) in enumerate(tokenize(text))]
    issues = [Issue(name[1:], pos, "unknown symbol") for name, pos in toks if name.startswith("?")]
    toks = [t for t in toks if not t[0].startswith("?")]
    if not toks:
        raise HamNoSysError("No HamNoSys symbols found in the text.")
    if len(toks) > MAX_TOKENS:
        issues.append(Issue(toks[MAX_TOKENS][0], toks[MAX_TOKENS][1], f"only the first {MAX_TOKENS} symbols are read"))
        toks = toks[:MAX_TOKENS]
    # HamNoSys alternatives ({a|b}) and several signs in one line: the first alternative / sign is used
    toks = _first_alternative(toks, issues)
    try:
        entry = _Parser(toks, phon, issues).parse()
    except (KeyError, IndexError, ValueError, TypeError) as exc:  # defensive: never crash on odd input
        log.debug("HamNoSys parser fallback: %s", exc)
        issues.append(Issue(toks[0][0], toks[0][1], f"could not read the structure ({type(exc).__name__}); "
                            "a neutral hold is used"))
        entry = {"dom": {"hs": "B", "loc": "neutral", "palm": "in", "fingers": "up"}, "move": [], "duration": 0.6}
    entry = dict({"gloss": gloss_name(gloss), "words": [w for w in words if str(w).strip()]}, **entry)
    if nonmanual:
        entry["nonmanual"] = nonmanual
    problems = check_entry(entry, phon)
    if problems:  # the model could not hold what was read: fall back to the start posture only
        issues.append(Issue("entry", 0, "; ".join(problems)))
        entry["move"] = [m for m in entry.get("move", []) if not check_entry(dict(entry, move=[m]), phon)]
        if check_entry(entry, phon):
            entry = {"gloss": entry["gloss"], "words": entry["words"],
                     "dom": {"hs": "B", "loc": "neutral", "palm": "in", "fingers": "up"},
                     "move": [], "duration": 0.6}
    if any(i.severity == "unsupported" for i in issues) or issues:
        entry["review"] = True
    if issues:
        entry["notes"] = ("HamNoSys: " + "; ".join(str(i) for i in issues))[:600]
    return HamSign(entry, issues, text)


def make_synthesizable(sign, synth):
    """Synthesise the sign alone and check it as the validator does (inference.validate.sign_problems: no NaN,
    hands in front of and out of the body, a named contact surface reaching its body point, the two hands not
    inside each other). When something fails, degrade the sign to the closest form that passes and report why:

    1. an unreachable body contact: the surface of the hand that faces the place in this orientation, else the
       contact is dropped and the hand held near the place (mapping.json held_near);
    2. the hands of a symmetric sign that meet inside each other at a midline place go side by side
       (mapping.json side_by_side; then step 1 again); a hand-to-hand contact that goes through the other
       hand is held just off it;
    3. smaller movements, then movements dropped from the end, then the start posture held in neutral space.

    Returns the list of problems of the final form (empty: it synthesises and validates)."""
    from .gloss import GlossItem
    from .validate import sign_problems

    def problems(entry):
        lex = EntryLexicon([entry], synth.ph)
        old = synth.lex
        synth.lex = lex
        try:
            return sign_problems(synth, entry, synth.synthesize([GlossItem(entry["gloss"])]))
        except (SignLLMError, ValueError, FloatingPointError) as exc:
            return [str(exc)]
        finally:
            synth.lex = old

    first = problems(sign.entry)
    if not first:
        return []
    n0 = len(sign.issues)

    def _flag(entry, issues):   # what was changed to make it validate first: notes are cut at 600 characters
        return _flag_entry(entry, issues[n0:] + issues[:n0])

    e = dict(sign.entry)
    changed = False
    for step in (_fix_contact, _separate_hands, _fix_contact):
        cand, issue, kind = step(e, synth, problems(e) if changed else first, problems)
        if cand is not None:
            e, changed = cand, True
            sign.issues.append(issue)
            sign.degraded.append(kind)
    rest = problems(e) if changed else first
    if not rest:
        sign.entry = _flag(e, sign.issues)
        return []
    first = rest
    moves = list(e.get("move", []))
    for size in ("s", "xs"):  # first: smaller movements (a path toward the body stops short of it)
        cand = dict(e, move=[dict(m, size=size) if "size" in MOVE_TYPES[m["type"]] else m for m in moves])
        if moves and not problems(cand):
            sign.issues.append(Issue("movement", 0, f"{first[0]}: movements made smaller ({size})", "approximated"))
            sign.degraded.append("moves_smaller")
            sign.entry = _flag(cand, sign.issues)
            return []
    while moves:
        moves.pop()
        cand = dict(e, move=list(moves))
        if not problems(cand):
            sign.issues.append(Issue("movement", len(moves), f"{first[0]}: movements from #{len(moves) + 1} dropped"))
            sign.degraded.append("moves_dropped")
            sign.entry = _flag(cand, sign.issues)
            return []
    cand = dict(e, move=[], dom=dict(e["dom"], loc="neutral"))
    cand["dom"].pop("contact", None)
    cand["dom"].pop("near", None)
    if cand.get("sym") == "base":
        cand["base"] = dict(cand["base"], loc="neutral_nondom")
        cand["dom"]["loc"] = "neutral"
    rest = problems(cand)
    if not rest:
        sign.issues.append(Issue("location", 0, f"{first[0]}: held in neutral space without movement"))
        sign.degraded.append("neutral_hold")
        sign.entry = _flag(cand, sign.issues)
    elif changed:
        sign.entry = _flag(e, sign.issues)
    return rest


_INSIDE = "sit inside each other"
_UNREACHED = "never comes within"
_IN_BODY = ("inside the body", "behind the chest")


def _separate_hands(e, synth, probs, problems):
    """Hands inside each other: a symmetric sign at a midline place goes side by side; a hand-to-hand contact
    is held just off the other hand. Returns (entry, Issue, kind) or Nones."""
    if not any(_INSIDE in p for p in probs):
        return None, None, None
    spec = e["dom"]
    loc = spec["loc"]
    _, _, mp = tables()
    if e.get("sym") in ("mirror", "alt"):
        for new in mp["side_by_side"].get(loc, []):
            cand = dict(e, dom=dict(spec, loc=new))
            if not any(_INSIDE in p for p in problems(cand)):
                return cand, Issue("hamsymmlr", 0, f"the hands of the symmetric sign meet inside each other at the "
                                   f"{loc}: placed side by side ({new})", "approximated"), "side_by_side"
    elif e.get("sym") == "base" and loc.startswith("base_"):
        for gap in (0.015, 0.03):
            cand = dict(e, dom=dict(spec, near=max(float(spec.get("near", 0.0)), gap)))
            if not any(_INSIDE in p for p in problems(cand)):
                return cand, Issue("hamplus", 0, f"contact at {loc} with {spec.get('contact') or 'the hand'} goes "
                                   f"through the other hand in this orientation: held {gap * 100:.1f} cm off it",
                                   "approximated"), "off_other_hand"
    return None, None, None


def _fix_contact(e, synth, probs, problems):
    """A body contact the hand cannot reach in its orientation (the body pushes the hand out): first the hand
    surface that faces the place, else no contact and the hand held just off the place. (entry, Issue, kind)
    or Nones."""
    from . import hand as hand_model
    if not any(_UNREACHED in p for p in probs):
        return None, None, None
    spec = e["dom"]
    loc, surf = spec["loc"], spec["contact"]
    side = synth.dom
    base = synth._posture(e["base"], synth.nd) if e.get("sym") == "base" else None
    point, normal = synth.location(loc, side, base)
    bare = {k: v for k, v in spec.items() if k not in ("contact", "near")}
    start = synth._posture(bare, side, base)     # palm centre on the place, transcribed orientation
    # hand surfaces ordered by how far they lie toward the body in this orientation (the one facing it first)
    ranked = sorted(hand_model.SURFACES, key=lambda s: float(
        (start.rot @ synth.local_point(start.params, s, side)) @ normal))
    if not float(spec.get("near", 0.0)):
        # a transcribed touch: only a surface a few cm from the named one on this hand (fingertips -> index tip,
        # not -> wrist); a distance (near > 0) has no touching surface in the HamNoSys, so any facing one will do
        here = synth.local_point(start.params, surf, side)
        ranked = [s for s in ranked if np.linalg.norm(synth.local_point(start.params, s, side) - here) < SURFACE_SHIFT]
    for new in [s for s in ranked if s != surf][:3]:
        cand = dict(e, dom=dict(spec, contact=new))
        p = problems(cand)
        if not any(_UNREACHED in q or any(b in q for b in _IN_BODY) for q in p):
            return cand, Issue("contact", 0, f"contact at {loc} with {surf} not reachable in this orientation: "
                               f"{new} (the part facing the {loc}) used", "approximated"), "contact_surface"
    # held near: the hand's nearest joint `gap` off the place along its outward normal
    local = hand_model.joints_local(start.params, synth.scale, side)
    lowest = float(np.min((local - synth.local_point(start.params, None, side)) @ start.rot.T @ normal))
    gap = max(float(spec.get("near", 0.0)), float(tables()[2]["held_near"]["gap"]))
    cand = dict(e, dom=dict(bare, near=round(gap - lowest, 3)))
    return cand, Issue("contact", 0, f"contact at {loc} with {surf} not reachable in this orientation: held near "
                       f"({gap * 100:.1f} cm off)", "unsupported"), "held_near"


def _flag_entry(entry, issues):
    entry = dict(entry, review=True)
    entry["notes"] = ("HamNoSys: " + "; ".join(str(i) for i in issues))[:600]
    return entry


def _first_alternative(toks, issues):
    out = []
    skip = 0
    for tok in toks:
        name = tok[0]
        if name == "hamaltbegin":
            skip = 1
            issues.append(Issue(name, tok[1], "alternatives: the first is used", "approximated"))
            continue
        if skip == 1 and name == "hammetaalt":
            skip = 2
            continue
        if name == "hamaltend":
            skip = 0
            continue
        if skip == 2:
            continue
        out.append(tok)
    return out


# -- SiGML -------------------------------------------------------------------------------------------
def _nonmanual(el, mp):
    """SiGML <hamnosys_nonmanual> -> the lexicon's nonmanual dict (mouth, brows, head)."""
    out = {}
    if el is None:
        return out
    nm = mp["nonmanual"]
    for child in el.iter():
        tag = child.tag.lower()
        if tag == "hnm_mouthpicture" and child.get("picture"):
            out["mouth"] = child.get("picture")
        elif tag == "hnm_mouthgesture" and child.get("tag"):
            out.setdefault("mouth", child.get("tag"))
        elif tag == "hnm_eyebrows" and child.get("tag", "").upper() in nm["eyebrows"]:
            out["brows"] = nm["eyebrows"][child.get("tag").upper()]
        elif tag == "hnm_head" and child.get("tag", "").upper() in nm["head"]:
            out["head"] = nm["head"][child.get("tag").upper()]
    return out


def read_sigml(source, phonology=None):
    """SiGML text or a .sigml path -> [HamSign] (one per <hns_sign>)."""
    if isinstance(source, str) and "<" not in source and os.path.exists(source):
        try:
            with open(source, "r", encoding="utf-8") as fh:
                text = fh.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise HamNoSysError(f"Cannot read {os.path.basename(source)}: {exc}") from None
        where = os.path.basename(source)
    else:
        text, where = str(source), "SiGML text"
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise HamNoSysError(f"{where} is not valid SiGML/XML: {exc}") from None
    _, _, mp = tables()
    signs = []
    for k, el in enumerate(root.iter("hns_sign")):
        gloss = el.get("gloss") or f"SIGN{k + 1}"
        manual = el.find("hamnosys_manual")
        if manual is None:
            signs.append(HamSign({"gloss": gloss_name(gloss)}, [Issue("hamnosys_manual", k, "sign has no manual part")]))
            continue
        names = [c.tag.lower() for c in manual]
        nonman = _nonmanual(el.find("hamnosys_nonmanual"), mp)
        words = [w for w in re.split(r"[_\s]+", re.sub(r"\d+\S*$", "", gloss).lower()) if w.isalpha()]
        try:
            s = parse(",".join(names), gloss=gloss, words=[" ".join(words)] if words else [],
                      nonmanual=nonman or None, phonology=phonology)
        except HamNoSysError as exc:
            signs.append(HamSign({"gloss": gloss_name(gloss)}, [Issue("hamnosys_manual", k, str(exc))]))
            continue
        signs.append(s)
    if not signs:
        raise HamNoSysError(f"{where} has no <hns_sign> elements.")
    return signs


class EntryLexicon(Lexicon):
    """A lexicon built from entries in memory (HamNoSys, SiGML) instead of a folder of JSON files."""

    def __init__(self, entries, phonology, source="hamnosys"):  # noqa: D401  (no super().__init__: no folder)
        self.folder = None
        self.phonology = phonology
        self.signs, self.by_word, self.source_of = {}, {}, {}
        for e in entries:
            self._add(e, source)
        self.max_phrase = max((len(w.split()) for w in self.by_word), default=1)


def add_to_lexicon(lexicon, signs, source="user", replace=True):
    """Add parsed signs to a loaded lexicon (user SiGML). Returns (added glosses, skipped messages)."""
    added, skipped = [], []
    for s in signs:
        e = s.entry
        if "dom" not in e:
            skipped.append(f"{e.get('gloss', '?')}: {s.report()}")
            continue
        g = e["gloss"]
        if g in lexicon.signs:
            if not replace:
                skipped.append(f"{g}: already in the lexicon")
                continue
            old = lexicon.signs.pop(g)
            for w in old.get("words", []):
                if lexicon.by_word.get(w) == g:
                    del lexicon.by_word[w]
        e = dict(e, words=[w for w in e.get("words", []) if " ".join(w.lower().split()) not in lexicon.by_word])
        lexicon._add(e, source)
        added.append(g)
    lexicon.max_phrase = max((len(w.split()) for w in lexicon.by_word), default=1)
    return added, skipped


def sigml_files(path):
    if os.path.isdir(path):
        files = sorted(glob.glob(os.path.join(path, "**", "*.sigml"), recursive=True)
                       + glob.glob(os.path.join(path, "**", "*.xml"), recursive=True))
        if not files:
            raise HamNoSysError(f"No .sigml files in {path}")
        return files
    if not os.path.exists(path):
        raise HamNoSysError(f"SiGML file not found: {path}")
    return [path]


def load_user_lexicon(path, language="ASL", replace=True):
    """Load a .sigml file or a folder of them as extra signs of `language` (in memory, this session).

    Returns a dict: added glosses, skipped entries, per-sign issues."""
    from .languages import load_language
    from .synthesis import Synthesizer
    lang = load_language(language)
    synth = Synthesizer(lang.phonology, lang.lexicon, lang.alphabet)
    added, skipped, issues = [], [], {}
    for f in sigml_files(path):
        signs = read_sigml(f, lang.phonology)
        for sign in signs:  # degraded like the DGS lexicon: what validates, with a report of what changed
            if "dom" in sign.entry:
                rest = make_synthesizable(sign, synth)
                if rest:
                    sign.issues.append(Issue("entry", 0, "does not synthesise cleanly: " + "; ".join(rest)))
        a, s = add_to_lexicon(lang.lexicon, signs, source=os.path.basename(f), replace=replace)
        added += a
        skipped += s
        for sign in signs:
            if sign.issues and sign.entry.get("gloss") in a:
                issues[sign.gloss] = sign.report()
    log.info("loaded %d signs from %s into %s", len(added), path, language)
    return {"added": added, "skipped": skipped, "issues": issues}


def hamnosys_track(hamnosys, language="ASL", body=None, settings=None, gloss="HAMNOSYS"):
    """Synthesise one HamNoSys transcription: returns (HamSign, PoseTrack)."""
    from .gloss import GlossItem
    from .languages import load_language
    from .synthesis import Synthesizer
    lang = load_language(language)
    sign = parse(hamnosys, gloss=gloss, phonology=lang.phonology)
    synth = Synthesizer(lang.phonology, EntryLexicon([sign.entry], lang.phonology), lang.alphabet, body, settings)
    make_synthesizable(sign, synth)   # on this body: unreachable contacts, hands inside each other -> reported
    synth.lex = EntryLexicon([sign.entry], lang.phonology)
    return sign, synth.synthesize([GlossItem(sign.gloss, "sign", sign.gloss, review=bool(sign.entry.get("review")))])


__all__ = ["EntryLexicon", "HamNoSysError", "HamSign", "Issue", "add_to_lexicon", "gloss_name", "hamnosys_track",
           "load_user_lexicon", "parse", "read_sigml", "to_unicode", "tokenize", "DataError"]
