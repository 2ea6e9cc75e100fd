"""Unicode clean-up of input text with offsets kept (so gloss spans still point at the user's characters).

NFKC per character cluster (a base character and its combining marks: full-width letters, ligatures and
compatibility forms become plain letters), zero-width and other invisible format characters removed
(a zero-width joiner inside NAME must not split it into NA + ME), control characters removed, tabs and other
Unicode spaces turned into plain spaces. Line breaks stay: they end a sentence without a full stop.
"""
import unicodedata
from dataclasses import dataclass

_KEEP = {"\n", " "}
_SPACE_LIKE = {"\t", "\r", "\v", "\f", "\x85", "\u2028", "\u2029"}


@dataclass(frozen=True)
class NormalisedText:
    """The cleaned text and, per cleaned character, where its source cluster starts and ends in the original."""
    text: str
    starts: tuple
    ends: tuple
    original_length: int

    def original_span(self, span):
        """(start, end) in the cleaned text -> (start, end) in the original text."""
        s, e = int(span[0]), int(span[1])
        if not self.text:
            return (0, 0)
        s = min(max(s, 0), len(self.text))
        e = min(max(e, s), len(self.text))
        if e == s:
            pos = self.starts[s] if s < len(self.text) else self.original_length
            return (pos, pos)
        return (self.starts[s], self.ends[e - 1])


def _drop(ch):
    """Invisible characters that carry no letter: format (Cf: zero-width, bidi marks, soft hyphen, BOM),
    controls (Cc, except line breaks and spaces handled elsewhere), unassigned/private-use surrogates."""
    cat = unicodedata.category(ch)
    return cat in ("Cf", "Cc", "Cs", "Co", "Cn") and ch not in _KEEP and ch not in _SPACE_LIKE


def normalise_text(text):
    """NormalisedText of `text` (see the module docstring)."""
    text = str(text)
    out, starts, ends = [], [], []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in _SPACE_LIKE or (unicodedata.category(ch) == "Zs" and ch != " "):
            out.append("\n" if ch in ("\u2028", "\u2029", "\x85") else " ")
            starts.append(i)
            ends.append(i + 1)
            i += 1
            continue
        if _drop(ch):
            i += 1
            continue
        j = i + 1        # the cluster: this character and the combining marks (or dropped invisibles) after it
        while j < n and (unicodedata.category(text[j]).startswith("M") or _drop(text[j])):
            j += 1
        cluster = "".join(c for c in text[i:j] if not _drop(c))
        last = max(k for k in range(i, j) if not _drop(text[k])) + 1   # trailing invisibles stay outside
        norm = unicodedata.normalize("NFKC", cluster)
        for c in norm:
            if _drop(c):
                continue
            out.append(c)
            starts.append(i)
            ends.append(last)
        i = j
    return NormalisedText("".join(out), tuple(starts), tuple(ends), n)


__all__ = ["NormalisedText", "normalise_text"]
