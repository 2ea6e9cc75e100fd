"""Neural text -> gloss (SignLLM's first stage) with onnxruntime + numpy only; never imports torch.

The model (inference/models/, trained by training/train_glosser.py) is a small encoder-decoder
transformer; a target-language tag (<asl>, <dgs>) picks the sign language. Its output is turned into
the same GlossItem list the rule glosser makes (source "neural").

Output handling (documented in docs/glosser_bleu.md):
- "." "," ";" ":" "!" "?" become pauses; PHOENIX markers (__ON__, __OFF__) are dropped; ASLG-PC12 prefixes are stripped (X-WE -> WE, DESC-FAR -> FAR).
- glosser="neural": every other output gloss is a sign item (review=True where the lexicon lacks it).
- glosser="neural+rules": a gloss the lexicon lacks is handled by the rule glosser applied to its
  lower-case word (lexicon word lookup, else fingerspelling); <unk> outputs take, in order, the source
  words the model did not know, rule-glossed the same way; unknown source words left over are
  rule-glossed and appended at the end (content is never silently dropped).

The model never says something else silently (`check_sentence`): in "neural+rules" (the mode meant for
signing) decoding is constrained to tokens that map onto the lexicon's glosses, and every sentence is
compared with what the words say. Where the model lost a negation, dropped a content sign the words ask
for, or produced a sign no word of the sentence means, the rules' gloss is used for that sentence
(`extra["neural_fallback"]` says why). Accepted signs carry the word span of the rule sign they match.
"neural" alone is the raw, unchecked model, for research and evaluation only.
"""
import json
import logging
import os
import re
import unicodedata

import numpy as np

from .errors import DataError
from .gloss import GlossItem, pause_item

log = logging.getLogger(__name__)

MODEL_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models")
VOCAB_FILE = "glosser_vocab.json"
SCHEMA = "signllm.neural_glosser/1"
PUNCT_PAUSE = {".", ",", ";", ":", "!", "?"}
ALIASES = {"I": "ME"}    # ASLG-PC12 conventions -> our glosses (after the X-/DESC- prefix is stripped)
NEGATORS = re.compile(r"\b(?:not|no|never|nothing|nobody|none|nowhere|cannot|neither|nor)\b|n't\b", re.I)
NEG_SIGNS = {"NOT", "NO", "NEVER", "NONE", "NOTHING", "NOBODY", "CAN'T", "CANNOT", "DON'T", "WON'T", "NOT-YET",
             "REFUSE", "DENY"}
_PREFIX = re.compile(r"^(?:X|DESC)-(?=.)")
_ANNOTATION = re.compile(r"^__[A-Z]+__$")  # PHOENIX markers (__ON__, __OFF__, __EMP__): not signs


class NeuralGlosser:
    """Greedy or beam decoding of the ONNX encoder/decoder pair in `model_dir`."""

    def __init__(self, model_dir=MODEL_DIR, threads=1):
        path = os.path.join(model_dir, VOCAB_FILE)
        try:
            with open(path, encoding="utf-8") as fh:
                spec = json.load(fh)
        except FileNotFoundError:
            raise DataError(f"Neural glosser: no model at {os.path.dirname(path)}. It is trained on non-commercial "
                            "data, so it ships only in the research package (signllm_blender-research-*.zip); "
                            "or train one with training/train_glosser.py.")
        except (OSError, ValueError) as exc:
            raise DataError(f"Neural glosser: {path} is not readable JSON ({exc}).")
        if not isinstance(spec, dict) or spec.get("schema") != SCHEMA:
            raise DataError(f"Neural glosser: {path} is not a {SCHEMA} file.")
        try:
            self.src_vocab = list(spec["src_vocab"])
            self.tgt_vocab = list(spec["tgt_vocab"])
            self.tags = dict(spec["tags"])
            sp = spec["specials"]
            self.pad, self.unk, self.bos, self.eos = int(sp["pad"]), int(sp["unk"]), int(sp["bos"]), int(sp["eos"])
            self.pattern = re.compile(spec["tokenizer"]["pattern"])
            self.max_len = int(spec.get("max_len", 120))
            files = spec["encoder"], spec["decoder"]
        except (KeyError, TypeError, ValueError, re.error) as exc:
            raise DataError(f"Neural glosser: {path} lacks or has a bad field ({exc}).")
        self.src_index = {w: i for i, w in enumerate(self.src_vocab)}
        self.info = spec.get("training", {})
        try:
            import onnxruntime as ort
        except ImportError:
            raise DataError("Neural glosser: onnxruntime is not installed (the extension bundles it).")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        self.sessions = []
        for name in files:
            f = os.path.join(model_dir, name)
            if not os.path.isfile(f):
                raise DataError(f"Neural glosser: model file {f} is missing.")
            try:
                self.sessions.append(ort.InferenceSession(f, opts, providers=["CPUExecutionProvider"]))
            except Exception as exc:  # onnxruntime raises its own types for corrupt graphs
                raise DataError(f"Neural glosser: model file {f} cannot be loaded ({type(exc).__name__}: "
                                f"{str(exc)[:200]}).")
        self.encoder, self.decoder = self.sessions

    def tokenize(self, text):
        text = unicodedata.normalize("NFKC", text).lower().replace("\u2019", "'")
        return self.pattern.findall(text)

    def encode_source(self, text, language, words=None):
        tag = self.tags.get(language.upper())
        if tag is None:
            raise DataError(f"Neural glosser: the model has no {language!r} tag; it knows {', '.join(self.tags)}.")
        words = (self.tokenize(text) if words is None else words)[: self.max_len]
        ids = [self.src_index[tag]] + [self.src_index.get(w, self.unk) for w in words] + [self.eos]
        unknown = [w for w in words if w not in self.src_index]
        return np.array([ids], dtype=np.int64), unknown

    def decode(self, text, language="ASL", beam=1, max_len=None):
        """Gloss tokens (strings) for `text`; beam=1 is greedy."""
        src, _ = self.encode_source(text, language)
        return self._decode_ids(src, beam, max_len)

    def allowed_mask(self, lexicon):
        """Output tokens the decoder may choose when signing from `lexicon`: those that map onto one of its
        glosses, punctuation (pauses), end of sentence and <unk> (filled from the source words)."""
        key = id(lexicon)
        if getattr(self, "_mask_key", None) != key:
            ok = np.zeros(len(self.tgt_vocab), bool)
            for i, tok in enumerate(self.tgt_vocab):
                ok[i] = tok in PUNCT_PAUSE or to_gloss(tok) in lexicon
            ok[[self.eos, self.unk]] = True
            self._mask_key, self._mask = key, ok
        return self._mask

    def _decode_ids(self, src, beam=1, max_len=None, mask=None):
        max_len = max_len or min(self.max_len, 2 * src.shape[1] + 10)
        memory = self.encoder.run(None, {"src": src})[0]
        banned = np.zeros(len(self.tgt_vocab), bool) if mask is None else ~mask
        banned[[self.pad, self.bos]] = True   # never valid outputs
        if beam <= 1:
            ys = [self.bos]
            for _ in range(max_len):
                lp = self.decoder.run(None, {"tgt": np.array([ys], dtype=np.int64), "memory": memory, "src": src})[0]
                lp[:, banned] = -np.inf
                nxt = int(lp[0].argmax())
                if nxt == self.eos:
                    break
                ys.append(nxt)
            return [self.tgt_vocab[i] for i in ys[1:]]
        beams, done = [([self.bos], 0.0)], []
        for _ in range(max_len):
            n = len(beams)
            lp = self.decoder.run(None, {"tgt": np.array([b[0] for b in beams], dtype=np.int64),
                                         "memory": np.repeat(memory, n, 0), "src": np.repeat(src, n, 0)})[0]
            lp[:, banned] = -np.inf
            cand = []
            for k, (ys, score) in enumerate(beams):
                for j in np.argsort(-lp[k])[:beam]:
                    cand.append((ys + [int(j)], score + float(lp[k, j])))
            cand.sort(key=lambda c: -c[1])
            beams = []
            for ys, score in cand:
                if ys[-1] == self.eos:
                    done.append((ys[1:-1], score / (len(ys) - 1)))
                else:
                    beams.append((ys, score))
                if len(beams) == beam:
                    break
            if not beams or len(done) >= beam:
                break
        done.extend((ys[1:], s / len(ys)) for ys, s in beams)
        best = max(done, key=lambda d: d[1])[0]
        return [self.tgt_vocab[i] for i in best]

    def gloss(self, text, language="ASL", lexicon=None, rules=None, beam=1, checker=None):
        """Text to GlossItems, sentence by sentence (the model was trained on single sentences).

        With `rules` (a RuleGlosser) glosses outside `lexicon` are rule-handled. With `checker` (a
        RuleGlosser) each sentence is checked against the rules' reading of the same words and replaced
        by it where the model disagrees (see `check_sentence`)."""
        items = []
        for words in self.sentences(text):
            part = self._gloss_sentence(words, language, lexicon, rules, beam)
            if checker is not None:
                part = check_sentence(" ".join(words), part, checker)
            if part:
                if items:
                    items.append(pause_item(text="."))
                items.extend(part)
        return items

    def sentences(self, text):
        """Token lists, split after '.', '!' and '?'."""
        out, cur = [], []
        for tok in self.tokenize(text):
            cur.append(tok)
            if tok in (".", "!", "?"):
                out.append(cur)
                cur = []
        if cur:
            out.append(cur)
        return out

    def _gloss_sentence(self, words, language, lexicon, rules, beam):
        src, unknown = self.encode_source("", language, words)
        # signing (neural+rules): only tokens our lexicon can sign; the raw model (research) is left as it is
        mask = self.allowed_mask(lexicon) if lexicon is not None and rules is not None else None
        tokens = self._decode_ids(src, beam, mask=mask)
        items = []
        for tok in tokens:
            if tok in PUNCT_PAUSE:
                if items and items[-1].kind != "pause":
                    items.append(pause_item(text=tok))
                continue
            if _ANNOTATION.match(tok):
                continue
            if tok == self.tgt_vocab[self.unk]:
                if rules is not None and unknown:
                    items.extend(self._rule_items(rules, unknown.pop(0)))
                continue
            g = to_gloss(tok)
            if lexicon is not None and g not in lexicon and rules is not None:
                items.extend(self._rule_items(rules, g.lower().replace("-", " ")))
                continue
            review = lexicon is None or g not in lexicon or bool((lexicon.get(g) or {}).get("review"))
            items.append(GlossItem(g, "sign", review=review, source="neural", extra={"model_gloss": tok}))
        while items and items[-1].kind == "pause":
            items.pop()
        if rules is not None:  # source words the model did not know and did not place: keep them (at the end)
            for word in unknown:
                items.extend(self._rule_items(rules, word))
        return items

    @staticmethod
    def _rule_items(rules, word):
        out = [it for it in rules.gloss(word) if it.kind != "pause"]
        for it in out:
            it.extra = dict(it.extra, glosser="rules (neural fallback)")
        return out


def to_gloss(token):
    """A model token as our gloss: ASLG's X-/DESC- prefixes stripped, its conventions aliased (X-I -> ME)."""
    g = _PREFIX.sub("", token)
    return ALIASES.get(g, g)


def _signs(items):
    return [it for it in items if it.kind == "sign"]


def _negated(items):
    return any(it.gloss in NEG_SIGNS or "neg" in it.marks for it in items if it.kind != "pause")


def check_sentence(sentence, items, rules):
    """The model's items for one sentence, or the rules' where the model disagrees with the words.

    Disagreement, each a reason stored in `extra["neural_fallback"]`: the words negate and the model does
    not; a sign the rules read from the words is missing; the model signs something no word means (a sign
    outside the rules' reading) or repeats a sign more often than the words do. Accepted signs take the word span of the matching rule sign."""
    ruled = [it for it in rules.gloss(sentence)]
    want = [it.gloss for it in ruled if it.kind in ("sign", "spell")]
    have = [it.gloss for it in items if it.kind in ("sign", "spell")]
    reasons = []
    if NEGATORS.search(sentence) and _negated(ruled) and not _negated(items):
        reasons.append("negation lost")
    missing = [g for g in dict.fromkeys(want) if g not in have]
    if missing:
        reasons.append("dropped " + " ".join(missing))
    unrelated = [g for g in dict.fromkeys(have) if g not in want]
    if unrelated:
        reasons.append("signs no word means: " + " ".join(unrelated))
    repeated = [g for g in dict.fromkeys(have) if g in want and have.count(g) > want.count(g)]
    if repeated:
        reasons.append("repeats " + " ".join(repeated))
    if reasons:
        why = "; ".join(reasons)
        log.info("neural glosser disagrees with the words of %r (%s): rules used", sentence, why)
        for it in ruled:
            it.extra = dict(it.extra, neural_fallback=why)
        return ruled
    spans = {}
    for it in ruled:
        if it.kind in ("sign", "spell"):
            spans.setdefault(it.gloss, []).append(it)
    for it in items:
        src = spans.get(it.gloss)
        if src:
            match = src.pop(0)
            it.words, it.span = match.words, match.span
            it.marks = tuple(dict.fromkeys(tuple(it.marks) + tuple(match.marks)))
    return items


_CACHE = {}


def load(model_dir=None):
    """The glosser for model_dir (default MODEL_DIR), loaded once; DataError if missing or corrupt."""
    key = os.path.abspath(model_dir or MODEL_DIR)
    if key not in _CACHE:
        _CACHE[key] = NeuralGlosser(key)
    return _CACHE[key]
