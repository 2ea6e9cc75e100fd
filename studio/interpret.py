"""Keep up with the speech as a human interpreter does: a bounded lag, compression up to a fluent rate,
then condensation. No bpy.

An interpreter does not sign each subtitle inside its own window at any cost, nor fall further and further
behind: they run a little behind the speaker (the lag), sign faster when the speech is dense (up to a rate
that stays readable, about 3 signs a second), and when that is not enough they condense: fillers,
intensifiers and recoverable subject pronouns go first, then holds, pauses and fingerspelled letters get
shorter. Every sign left out is reported, so a reviewer can put it back.

The language's condensation table is data (`inference/data/<lang>/condense.json`).
"""
import functools
import json
import os
from dataclasses import dataclass, field, replace

from ..inference.phonology import DATA_DIR

SIGNING_KINDS = ("sign", "spell")
PROTECTED_MARKS = ("neg", "wh", "yn")      # the sentence's grammar lives there: never condensed away


@dataclass
class Condensation:
    """What was done to one cue's gloss to make it fit (empty: nothing)."""
    dropped: list = field(default_factory=list)   # glosses left out, in order
    shortened: bool = False                        # holds, pauses and letters made shorter

    def __bool__(self) -> bool:
        return bool(self.dropped) or self.shortened


@functools.lru_cache(maxsize=16)
def rules(language: str) -> dict:
    """The language's condensation table ({} when it has none: nothing is dropped, holds still shorten)."""
    from ..inference.languages import registry
    spec = registry().get(language, {})
    folder = os.path.dirname(os.path.join(DATA_DIR, spec.get("lexicon", language.lower() + "/lexicon")))
    path = os.path.join(folder, "condense.json")
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    if data.get("schema") != "signllm.condense/1":
        from ..inference.errors import DataError
        raise DataError(f"{path}: schema must be signllm.condense/1")
    return data


def n_signs(items: list) -> int:
    """Signs a viewer counts: each sign, each fingerspelled word (pauses are not signs)."""
    return sum(1 for it in items if it.kind in SIGNING_KINDS)


def _clause_starts(items: list) -> set:
    """Indexes of the first signing item of each clause (after the start or a pause)."""
    starts, fresh = set(), True
    for i, it in enumerate(items):
        if it.kind == "pause":
            fresh = True
        elif it.kind in SIGNING_KINDS and fresh:
            starts.add(i)
            fresh = False
    return starts


def drop_order(items: list, language: str) -> list:
    """Indexes of items that may be left out, the least needed first (stable: earlier before later)."""
    table = rules(language)
    drop = {k.upper(): v for k, v in table.get("droppable", {}).items()}
    subjects = {k.upper(): v for k, v in table.get("subject_pronouns", {}).items()}
    starts = _clause_starts(items)
    clause_len = n_signs(items)
    ranked = []
    for i, it in enumerate(items):
        if it.kind != "sign" or any(m in PROTECTED_MARKS for m in it.marks):
            continue
        g = it.gloss.upper()
        if g in drop:
            ranked.append((drop[g], i))
        elif g in subjects and i in starts and clause_len >= 3:
            ranked.append((subjects[g], i))
    return [i for _, i in sorted(ranked)]


def condensed_items(items: list, language: str, n_drop: int) -> tuple:
    """(items without the first n_drop droppable signs, their glosses). Dropped items leave no gap."""
    order = drop_order(items, language)[:max(0, n_drop)]
    gone = set(order)
    kept = [it for i, it in enumerate(items) if i not in gone]
    return kept, [items[i].gloss for i in sorted(gone)]


def shortened_settings(settings, language: str):
    """Synthesis settings with holds, pauses and fingerspelled letters shortened by the table's factors."""
    t = rules(language)
    return replace(settings,
                   letter_hold=settings.letter_hold * float(t.get("letter_hold_factor", 0.6)),
                   lexicalised_hold=settings.lexicalised_hold * float(t.get("letter_hold_factor", 0.6)),
                   pause=settings.pause * float(t.get("pause_factor", 0.4)),
                   final_hold=settings.final_hold * float(t.get("hold_factor", 0.5)))


def rate_cap(measure, n: int, fps: float, max_sign_rate: float, lo: float, hi: float, steps: int = 7) -> float:
    """The fastest speed-up in [lo, hi] at which `n` signs take no less than n / max_sign_rate seconds.

    `measure(rate)` gives the cue's length in frames; lengths shrink as the rate grows, so bisect."""
    if n <= 0 or max_sign_rate <= 0:
        return hi
    need = n / max_sign_rate * fps          # frames the signs may not be squeezed below

    def ok(r):
        return measure(r) >= need

    if ok(hi):
        return hi
    if not ok(lo):
        return lo
    a, b = lo, hi
    for _ in range(steps):
        mid = 0.5 * (a + b)
        if ok(mid):
            a = mid
        else:
            b = mid
    return a
