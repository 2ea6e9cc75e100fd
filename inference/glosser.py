"""Rule-based text -> gloss (English -> ASL first): lemmatise, drop, map, reorder, mark.

The rule tables live in the language's grammar.json; the lemmatiser is simplemma (multilingual,
pure Python, no downloads).
"""
import re
import unicodedata

from .gloss import GlossItem, pause_item, spell_item

_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*|['\u2019][a-z]+|[.!?;:,]", re.UNICODE)


def _lemmatize(word, lang):
    try:
        import simplemma
        return simplemma.lemmatize(word, lang=lang).lower()
    except ImportError:  # the extension bundles it; plain numpy installs still work, less well
        return word.lower()
    except (OSError, ValueError):  # a language without a dictionary or a damaged install: unlemmatised
        return word.lower()


class Token:
    __slots__ = ("text", "low", "lemma", "start", "end", "cap")

    def __init__(self, text, start, end, lang):
        self.text = text
        self.low = text.lower().replace("\u2019", "'")
        self.lemma = _lemmatize(self.low, lang) if self.low.isalpha() else self.low
        self.start, self.end = start, end
        self.cap = text[:1].isupper()


class RuleGlosser:
    """English text to ASL gloss items with source spans and non-manual marks."""

    def __init__(self, lexicon, grammar, text_language="en"):
        self.lex = lexicon
        self.g = grammar
        self.lang = text_language
        self.drop = set(grammar.get("drop", []))
        self.aux = set(grammar.get("drop_aux_in_questions", []))
        self.contractions = grammar.get("contractions", {})
        self.wh = set(grammar.get("wh_words", []))
        self.neg = set(grammar.get("negation", []))
        self.time = set(grammar.get("time_words", []))
        self.pause_punct = set(grammar.get("pause_punctuation", [".", "!", "?", ","]))

    # -- tokens --------------------------------------------------------------------------------
    def tokenize(self, text):
        text = unicodedata.normalize("NFKC", text)
        toks = []
        for m in _WORD.finditer(text):
            w = m.group(0)
            low = w.lower().replace("\u2019", "'")
            exp = self.contractions.get(low)
            if exp is None and "'" in low:
                for suf, rep in self.contractions.items():
                    if suf.startswith("'") or suf.startswith("n'"):
                        if low.endswith(suf) and len(low) > len(suf):
                            exp = low[: -len(suf)] + " " + rep
                            break
            if exp:
                for part in exp.split():
                    toks.append(Token(part, m.start(), m.end(), self.lang))
                toks[-len(exp.split())].cap = w[:1].isupper()
            else:
                toks.append(Token(w, m.start(), m.end(), self.lang))
        return toks

    def clauses(self, toks):
        """Yield (clause tokens, in a question sentence, last clause of its sentence)."""
        sent = []
        for t in toks + [None]:
            if t is not None:
                sent.append(t)
                if t.low not in (".", "!", "?"):
                    continue
            if not sent:
                continue
            question = sent[-1].low == "?"
            parts, cur = [], []
            for tok in sent:
                cur.append(tok)
                if tok.low in self.pause_punct:
                    parts.append(cur)
                    cur = []
            if cur:
                parts.append(cur)
            for k, part in enumerate(parts):
                yield part, question, k == len(parts) - 1
            sent = []

    # -- lookup --------------------------------------------------------------------------------
    def _match(self, words, i):
        """Longest lexicon phrase starting at word i: (gloss, n_words) or (None, 1)."""
        for n in range(min(self.lex.max_phrase, len(words) - i), 0, -1):
            seg = words[i:i + n]
            for key in (" ".join(t.low for t in seg), " ".join(t.lemma for t in seg)):
                g = self.lex.lookup_word(key)
                if g:
                    return g, n
        return None, 1

    def _number(self, tok):
        """Digits not in the lexicon: signed digit by digit where the digits exist."""
        out = []
        for ch in tok.low:
            g = self.lex.lookup_word(ch)
            if g is None:
                return None
            out.append(GlossItem(g, "sign", tok.text, (tok.start, tok.end)))
        return out

    # -- rules ---------------------------------------------------------------------------------
    def gloss(self, text):
        items = []
        toks = self.tokenize(text)
        for clause, question, last in self.clauses(toks):
            items.extend(self._clause(clause, question, last))
        while items and items[-1].kind == "pause":
            items.pop()
        while items and items[0].kind == "pause":
            items.pop(0)
        return items

    def _clause(self, sent, question, last):
        words = [t for t in sent if t.low not in self.pause_punct]
        has_wh = any(self._match(words, i)[0] and words[i].low in self.wh for i in range(len(words)))
        question = question and (last or has_wh)
        glossed = []  # (GlossItem, role)
        i = 0
        while i < len(words):
            t = words[i]
            first = i == 0
            if question and t.lemma in self.aux and i + 1 < len(words):
                i += 1
                continue
            g, n = self._match(words, i)
            seg = words[i:i + n]
            span = (seg[0].start, seg[-1].end)
            src = " ".join(s.text for s in seg)
            phrase = " ".join(s.low for s in seg)
            if g is None and (t.low in self.drop or t.lemma in self.drop):
                i += 1
                continue
            if g is not None:
                role = "wh" if phrase in self.wh else "neg" if phrase in self.neg else \
                       "time" if phrase in self.time or " ".join(s.lemma for s in seg) in self.time else "word"
                entry = self.lex.get(g)
                glossed.append((GlossItem(g, "sign", src, span, review=bool(entry and entry.get("review"))), role))
            elif t.low.isdigit():
                digits = self._number(t)
                if digits:
                    glossed.extend((d, "word") for d in digits)
                else:
                    glossed.append((spell_item(t.text, span), "word"))
            elif re.search(r"[A-Za-z]", t.text):
                name = t.cap and not first
                glossed.append((spell_item(t.text, span, name=name), "word"))
            # anything else (symbols, scripts without letters we can spell) is skipped
            i += n
        if not glossed:
            return []
        # time signs first, wh-words last (ASL order: TIME TOPIC COMMENT WH)
        time = [x for x in glossed if x[1] == "time"]
        rest = [x for x in glossed if x[1] != "time"]
        wh = [x for x in rest if x[1] == "wh"]
        if question and wh:
            rest = [x for x in rest if x[1] != "wh"] + wh
        ordered = time + rest
        marks = ("wh",) if question and wh else ("yn",) if question else ()
        out = []
        negating = False
        for it, role in ordered:
            if role == "neg":
                negating = True
            m = marks + (("neg",) if negating else ())
            it.marks = tuple(m)
            out.append(it)
        end = sent[-1]
        if end.low in self.pause_punct:
            out.append(pause_item((end.start, end.end), end.text))
        return out
