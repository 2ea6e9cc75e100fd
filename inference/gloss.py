"""Gloss items and the editable gloss text format.

Text form: signs as upper-case glosses, `fs-WORD` for fingerspelling, `#JOB` for a lexicalised spelling,
`BOOK++` for a sign repeated (plural), `/` for a pause, and non-manual spans as `wh[ ... ]` (wh-question,
lowered brows), `yn[ ... ]` (yes/no question, raised brows), `t[ ... ]` (topic, raised brows),
`neg[ ... ]` (negation, head shake), `nod[ ... ]` (affirmation), `tilt[ ... ]` (head tilt), `thrust[ ... ]`
(chin thrust), and mouth morphemes `mm[ ... ]`, `oo[`, `cha[`, `aah[`, `th[`, `pah[`, `cs[`, `puff[`, `sta[`
(names from data/face/mouth_morphemes.json). Spans nest (`yn[ YOU cha[ TALL ] ]`) or combine (`yn+neg[`).
Example: `HELLO / wh[ YOUR NAME WHAT ]`.

Signing space: `IX-a` points at locus a (loci `a`..`e` in neutral space, `a` on the dominant side, `b` on the
other); a directional verb carries its start and end, `1-GIVE-2` (1 = the signer, 2 = the addressee),
`a-HELP-b`. The item keeps the lexicon gloss (`IX-3`, `GIVE`) and the loci in `extra` ('locus', 'from', 'to').
"""
import re
from dataclasses import dataclass, field

from .errors import SignLLMError
from .mouth import mark_names

LOCI = "abcde"                      # third-person places in signing space
POINT_GLOSS = "IX-3"                # the lexicon's pointing sign, aimed by a locus
_IX = re.compile(r"^IX-([a-e])$", re.IGNORECASE)
_AGREE = re.compile(r"^([a-e12])-([A-Z0-9#][A-Z0-9'#\-]*?)-([a-e12])$")

MARKS = {"wh": "wh", "yn": "yn", "t": "top", "neg": "neg", "nod": "affirm", "tilt": "tilt", "thrust": "thrust"}
MARKS.update({m: m for m in mark_names()})     # mouth morphemes: mm[ ... ], cha[ ... ], puff[ ... ]
_MARK_TEXT = {v: k for k, v in MARKS.items()}


@dataclass
class GlossItem:
    gloss: str
    kind: str = "sign"              # 'sign', 'spell', 'pause'
    words: str = ""                 # source words in the text
    span: tuple = (0, 0)            # character offsets of the source words
    marks: tuple = ()               # non-manual marks: 'wh', 'yn', 'neg', 'affirm'
    letters: str = ""               # for 'spell'
    review: bool = False
    source: str = "lexicon"         # 'lexicon', 'fingerspelling', 'pause'
    name: bool = False              # a proper name (fingerspelled)
    duration: float = None          # seconds at speed 1 (None: the lexicon's)
    extra: dict = field(default_factory=dict)   # 'repeat': times the sign is made (plural)

    @property
    def text(self):
        """The item in the editable text form (without its non-manual span)."""
        rep = int(self.extra.get("repeat", 1) or 1)
        g = self.gloss
        if self.extra.get("locus") and g == POINT_GLOSS:
            g = "IX-" + self.extra["locus"]
        elif self.extra.get("from") and self.extra.get("to"):
            g = f"{self.extra['from']}-{g}-{self.extra['to']}"
        return g + ("+" * rep if rep > 1 else "")


# letters a manual alphabet may lack, spelled out (German sharp s, Scandinavian and Polish letters)
LIGATURES = {"ß": "SS", "Æ": "AE", "Œ": "OE", "Ø": "O", "Ł": "L", "Đ": "D", "Þ": "TH"}


def spell_item(word, span=(0, 0), name=False, marks=()):
    """Fingerspelling of `word`: its letters upper-cased (any script; the alphabet decides what is signed)."""
    letters = re.sub(r"[\W\d_]", "", word).upper()
    return GlossItem(f"fs-{letters}", "spell", word, span, tuple(marks), letters, True, "fingerspelling", name)


def pause_item(span=(0, 0), text=""):
    return GlossItem("/", "pause", text, span, (), "", False, "pause")


def format_gloss(items):
    """Gloss items to the editable text form (spans nest: a mark that continues stays open)."""
    out = []
    stack = []                               # open spans, outermost first: tuples of marks opened together
    for it in items:
        marks = tuple(m for m in it.marks if m in _MARK_TEXT) if it.kind != "pause" else ()
        keep = 0
        while keep < len(stack) and all(m in marks for m in stack[keep]):
            keep += 1
        out.extend("]" for _ in stack[keep:])
        del stack[keep:]
        new = tuple(m for m in marks if not any(m in g for g in stack))
        if new:
            out.append("+".join(_MARK_TEXT[m] for m in new) + "[")
            stack.append(new)
        out.append(it.text)
    out.extend("]" for _ in stack)
    return " ".join(out)


_TOKEN = re.compile(r"(?:[a-z]+(?:\+[a-z]+)*\[)|\]|/|[^\s\[\]/]+")


def parse_gloss(text):
    """The editable text form back to gloss items (raises SignLLMError on malformed text)."""
    if not text or not text.strip():
        raise SignLLMError("The gloss is empty.")
    items = []
    marks = ()
    stack = []
    for tok in _TOKEN.findall(text):
        if tok.endswith("["):
            names = tok[:-1].split("+")
            bad = [n for n in names if n not in MARKS]
            if bad:
                raise SignLLMError(f"Unknown non-manual mark {bad[0]!r}; use {', '.join(MARKS)}.")
            group = tuple(MARKS[n] for n in names if MARKS[n] not in marks)
            stack.append(group)
            marks = marks + group
        elif tok == "]":
            if not stack:
                raise SignLLMError("A ']' closes no non-manual span.")
            group = stack.pop()
            marks = tuple(m for m in marks if m not in group)
        elif tok == "/":
            items.append(pause_item())
        elif _IX.match(tok):
            items.append(GlossItem(POINT_GLOSS, "sign", marks=marks, extra={"locus": _IX.match(tok).group(1).lower()}))
        elif _AGREE.match(tok):
            a, gloss, b = _AGREE.match(tok).groups()
            items.append(GlossItem(gloss, "sign", marks=marks, extra={"from": a, "to": b}))
        elif tok.lower().startswith("fs-"):
            item = spell_item(tok[3:], marks=marks)
            if not item.letters:
                raise SignLLMError(f"Nothing to fingerspell in {tok!r}.")
            items.append(item)
        else:
            gloss = tok.upper()
            plus = len(gloss) - len(gloss.rstrip("+"))
            gloss = gloss.rstrip("+")
            if not gloss:
                raise SignLLMError(f"{tok!r} is not a gloss.")
            item = GlossItem(gloss, "sign", marks=marks)
            if plus:
                item.extra["repeat"] = max(2, plus)
            if gloss.startswith("#"):
                item.letters = re.sub(r"[^A-Z]", "", gloss)
                item.extra["lexicalised"] = True
            items.append(item)
    if marks:
        raise SignLLMError("A non-manual span is not closed with ']'.")
    if not items:
        raise SignLLMError("The gloss has no signs.")
    return items
