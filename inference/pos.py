"""English part-of-speech tagger: a small averaged perceptron (Collins 2002) with Universal POS tags.

Trained by training/train_pos_tagger.py on UD English-EWT (CC BY-SA 4.0); the weights in
inference/data/pos/en_ewt_upos.json.gz are a derived work under the same licence (inference/data/pos/README.md).
Pure Python, no downloads: the glosser uses it to choose a word's sense (leave VERB -> LEAVE, NOUN -> LEAF).
"""
import gzip
import json
import os
import re

from .errors import DataError

MODEL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "pos", "en_ewt_upos.json.gz")
START = ("-START-", "-START2-")
END = ("-END-", "-END2-")


def normalize(word):
    """The form features see: digits and numbers collapsed, lower case kept separate from shape."""
    if re.fullmatch(r"\d{4}", word):
        return "!YEAR"
    if re.fullmatch(r"[\d.,:/$%-]+", word) and any(c.isdigit() for c in word):
        return "!DIGITS"
    return word.lower()


def shape(word):
    if word[:1].isupper():
        return "Xx" if not word.isupper() or len(word) == 1 else "XX"
    if any(c.isdigit() for c in word):
        return "d"
    if not any(c.isalnum() for c in word):
        return "."
    return "x"


def features(i, word, context, prev, prev2):
    """Sparse features of word i (context = START + normalised words + END, so context[i + 2] is word i)."""
    i += len(START)
    w = context[i]
    return [
        "bias",
        "w " + w,
        "s1 " + w[-1:], "s2 " + w[-2:], "s3 " + w[-3:], "s4 " + w[-4:],
        "p1 " + w[:1], "p2 " + w[:2],
        "shape " + (word_shape_cache(word) if i > len(START) else "first"),
        "t-1 " + prev,
        "t-2 " + prev2,
        "t-1 t-2 " + prev + " " + prev2,
        "t-1 w " + prev + " " + w,
        "w-1 " + context[i - 1],
        "w-1 s3 " + context[i - 1][-3:],
        "w-2 " + context[i - 2],
        "w+1 " + context[i + 1],
        "w+1 s3 " + context[i + 1][-3:],
        "w+2 " + context[i + 2],
        "w-1 w " + context[i - 1] + " " + w,
        "w w+1 " + w + " " + context[i + 1],
        "hyph " + str("-" in w),
    ]


def word_shape_cache(word):
    return shape(word) + ("1" if len(word) <= 3 else "")


class Tagger:
    """Averaged-perceptron tagger: weights {feature: {tag: weight}} and a dictionary of unambiguous words."""

    def __init__(self, weights, tagdict, classes):
        self.weights = weights
        self.tagdict = tagdict
        self.classes = list(classes)

    @classmethod
    def load(cls, path=MODEL):
        try:
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                d = json.load(fh)
            return cls(d["weights"], d["tagdict"], d["classes"])
        except (OSError, ValueError, KeyError) as exc:
            raise DataError(f"Part-of-speech model {os.path.basename(path)} cannot be read: {exc}") from exc

    def score(self, feats):
        scores = dict.fromkeys(self.classes, 0.0)
        for f in feats:
            for tag, w in self.weights.get(f, {}).items():
                scores[tag] += w
        return scores

    def predict(self, feats):
        scores = self.score(feats)
        return max(self.classes, key=lambda t: (scores[t], t))

    def tag(self, words):
        """Universal POS tags for a list of words (one sentence, tokens as written)."""
        context = list(START) + [normalize(w) for w in words] + list(END)
        prev, prev2 = START
        out = []
        for i, word in enumerate(words):
            t = self.tagdict.get(context[i + 2])
            if t is None:
                t = self.predict(features(i, word, context, prev, prev2))
            out.append(t)
            prev2, prev = prev, t
        return out


_TAGGER = None


def tagger():
    """The shipped English tagger (loaded once)."""
    global _TAGGER
    if _TAGGER is None:
        _TAGGER = Tagger.load(MODEL)
    return _TAGGER
