"""Rule-based text -> gloss (English -> ASL first): tokenise, lemmatise, read numbers, map, reorder, mark.

Every rule table lives in the language's grammar.json (docs/glosser.md lists the rules); this module holds
no words of any language. The lemmatiser is simplemma (multilingual, pure Python, no downloads).
"""
import re
import unicodedata

from .gloss import GlossItem, pause_item, spell_item

_TOKEN = re.compile(
    r"(?P<money>[$€£]\s?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[$€£]\s?\d+(?:\.\d+)?)"
    r"|(?P<clock>(?:[01]?\d|2[0-4]):[0-5]\d)(?!\d)"
    r"|(?P<digits>\d+(?:[-/]\d+){1,4}(?![\d]))"
    r"|(?P<ord>\d+(?:st|nd|rd|th)\b)"
    r"|(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?(?=[^\d]|$))"
    r"|(?P<ampm>\b[ap]\.m\.)"
    r"|(?P<word>[^\W\d_]+(?:['\u2019\-][^\W\d_]+)*|['\u2019][a-z]+)"
    r"|(?P<punct>[.!?;:,]+)"
    r"|(?P<newline>\n)", re.UNICODE | re.IGNORECASE)

PUNCT_END = (".", "!", "?")


def _lemmatize(word, lang):
    """(lower-case lemma, lemma is a proper noun in the dictionary)."""
    try:
        import simplemma
        lem = simplemma.lemmatize(word, lang=lang)
        return lem.lower(), lem[:1].isupper()
    except ImportError:  # the extension bundles it; plain numpy installs still work, less well
        return word.lower(), False
    except (OSError, ValueError):  # a language without a dictionary or a damaged install: unlemmatised
        return word.lower(), False


def _is_known(word, lang):
    try:
        import simplemma
        return simplemma.is_known(word, lang=lang)
    except (ImportError, OSError, ValueError):
        return True


class Token:
    __slots__ = ("text", "low", "lemma", "start", "end", "cap", "kind", "proper", "pos")

    def __init__(self, text, start, end, lang, kind="word"):
        self.text = text
        self.low = text.lower().replace("\u2019", "'")
        self.kind = kind
        self.proper = False
        if kind == "word" and self.low.replace("'", "").replace("-", "").isalpha():
            self.lemma, self.proper = _lemmatize(self.low, lang)
        else:
            self.lemma = self.low
        self.start, self.end = start, end
        self.cap = text[:1].isupper()
        self.pos = None     # Universal POS tag (inference/pos.py), set per sentence

    def __repr__(self):
        return f"Token({self.text!r})"


class Unit:
    """Gloss items made from one stretch of the text, with their syntactic role."""
    __slots__ = ("items", "role")

    def __init__(self, items, role="word"):
        self.items = items
        self.role = role


class RuleGlosser:
    """Text to gloss items with source spans and non-manual marks, driven by grammar.json."""

    def __init__(self, lexicon, grammar, text_language="en"):
        self.lex = lexicon
        self.g = grammar
        self.lang = text_language
        low = lambda key: {w.lower() for w in grammar.get(key, [])}  # noqa: E731
        self.drop = low("drop")
        self.drop_if_followed = low("drop_if_followed")
        self.aux = low("drop_aux_in_questions")
        self.modals = low("question_modals")
        self.subjects = low("subjects")
        self.contractions = grammar.get("contractions", {})
        self.abbrev = low("abbreviations")
        self.pause_punct = set(grammar.get("pause_punctuation", [".", "!", "?", ","]))
        self.resumptive = low("resumptive")
        self.openers = low("clause_openers")
        self.determiners = low("determiners")
        self.conditionals = low("conditional_markers")
        self.time_preps = low("time_prepositions")
        self.complementizers = low("complementizers")
        perfect = grammar.get("perfect") or {}
        self.perfect_aux = {w.lower() for w in perfect.get("aux", [])}
        self.participles = {w.lower() for w in perfect.get("participles", [])}
        self.participle_suffixes = tuple(perfect.get("suffixes", []))
        self.perfect_gloss = perfect.get("gloss")
        self.suffix_fallback = [tuple(p) for p in grammar.get("suffix_fallback", [])]
        self.plural_suffixes = tuple(low("plural_suffixes"))
        self.quantifiers = low("quantifiers")
        self.topic_markers = [m.split() for m in sorted(low("topic_markers"), key=lambda m: -len(m.split()))]
        self.plural = set(grammar.get("plural_by_repetition", []))
        self.predicate_preps = low("predicate_prepositions")
        self.copula = low("copula")
        self.question_tags = low("question_tags")
        self.clause_conj = low("clause_conjunctions")
        self.senses = {k.lower(): v for k, v in (grammar.get("senses") or {}).items() if isinstance(v, list)}
        neg_final = grammar.get("negation_final") or {}
        self.neg_final = neg_final.get("sign")
        self.neg_final_modals = set(neg_final.get("modals", []))
        self.referents = {k.lower(): v for k, v in (grammar.get("referents") or {}).items() if k != "about"}
        self.possessive = {k.lower(): v for k, v in (grammar.get("possessive_if_followed") or {}).items()
                           if k != "about" and v in self.lex}
        dummy = grammar.get("dummy_it") or {}
        self.dummy_words = {w.lower() for w in dummy.get("words", [])}
        self.dummy_skip = {w.lower() for w in dummy.get("skip", [])}
        self.dummy_preds = {w.lower() for w in dummy.get("predicates", [])}
        directional = grammar.get("directional_verbs") or {}
        self.directional = set(directional.get("glosses", []))
        self.persons = dict(directional.get("persons", {}))
        self.directional_skip = set(directional.get("skip_before", []))
        self._loci = {}     # referent -> locus letter, kept across sentences of one text
        particles = grammar.get("particle_verbs") or {}
        self.particle_gap = int(particles.get("max_gap", 3))
        self.particle_verbs = {v.lower(): {p.lower(): g for p, g in ps.items() if g in self.lex}
                               for v, ps in (particles.get("verbs") or {}).items()}
        self.subordinators = self._glosses(grammar.get("clause_openers", []))
        # the roles come from glosses, so a synonym in the lexicon gets the same role
        self.wh = self._glosses(grammar.get("wh_words", []))
        self.neg = self._glosses(grammar.get("negation", []))
        self.time = self._glosses(grammar.get("time_words", []))
        self.phrases = {}
        for phrase, spec in grammar.get("phrases", {}).items():
            if isinstance(spec, list):
                spec = {"glosses": spec}
            if all(g in self.lex for g in spec.get("glosses", [])):
                self.phrases[tuple(phrase.lower().split())] = spec
        self.max_phrase = max([len(p) for p in self.phrases] + [1])
        self.num = grammar.get("numbers") or {}
        self.num_words = {k.lower(): int(v) for k, v in self.num.get("words", {}).items()}
        self.ord_words = {k.lower(): int(v) for k, v in self.num.get("ordinal_words", {}).items()}
        self.scales = {k.lower(): int(v) for k, v in self.num.get("scales", {}).items()}
        self.months = {k.lower(): v for k, v in self.num.get("months", {}).items()}
        clock = self.num.get("clock", {})
        self.clock_words = {w.lower() for w in clock.get("words", [])}
        self.am = {w.lower() for w in clock.get("am", [])}
        self.pm = {w.lower() for w in clock.get("pm", [])}
        money = self.num.get("money", {})
        self.money_words = {w.lower() for w in money.get("words", [])}
        self.cent_words = {w.lower() for w in money.get("cent_words", [])}
        self.age_words = sorted((w.lower().split() for w in self.num.get("age", {}).get("words", [])), key=len, reverse=True)
        self.year_cues = {w.lower() for w in self.num.get("years", {}).get("cues", [])}

    def _glosses(self, words):
        out = set()
        for w in words:
            g = self.lex.lookup_word(w.lower())
            if g:
                out.add(g)
        return out

    # -- tokens --------------------------------------------------------------------------------
    def tokenize(self, text):
        text = unicodedata.normalize("NFKC", text)
        toks = []
        for m in _TOKEN.finditer(text):
            kind = m.lastgroup
            w = m.group(0)
            if kind == "newline":  # a line break ends a sentence that has no full stop
                if toks and toks[-1].kind != "punct":
                    tok = Token(w, m.start(), m.end(), self.lang, "punct")
                    tok.low = "."
                    toks.append(tok)
                continue
            if kind == "punct":
                # a full stop after an abbreviation (Dr., Mr.) or inside a.m./p.m. ends no sentence
                if w == "." and toks and toks[-1].kind == "word" and toks[-1].low in self.abbrev:
                    continue
                w = w[0] if w[0] in "?!" else ("." if "." in w and "?" not in w and "!" not in w else w[-1])
                toks.append(Token(w, m.start(), m.end(), self.lang, "punct"))
                continue
            if kind == "ampm":
                toks.append(Token(w, m.start(), m.end(), self.lang, "word"))
                continue
            if kind != "word":
                toks.append(Token(w, m.start(), m.end(), self.lang, kind))
                continue
            low = w.lower().replace("\u2019", "'")
            exp = self.contractions.get(low)
            if exp is None and "'" in low:
                for suf, rep in self.contractions.items():
                    if suf.startswith("'") or suf.startswith("n'"):
                        if low.endswith(suf) and len(low) > len(suf):
                            exp = low[: -len(suf)] + " " + rep
                            break
            if exp:
                parts = exp.split()
                for part in parts:
                    toks.append(Token(part, m.start(), m.end(), self.lang))
                toks[-len(parts)].cap = w[:1].isupper()
            else:
                toks.append(Token(w, m.start(), m.end(), self.lang))
        return toks

    def sentences(self, toks):
        """Token lists, one per sentence (split at . ! ?)."""
        sent = []
        for t in toks:
            sent.append(t)
            if t.kind == "punct" and t.low in PUNCT_END:
                yield sent
                sent = []
        if sent:
            yield sent

    def clauses(self, toks):
        """Yield (clause tokens, in a question sentence, last clause of its sentence)."""
        for sent in self.sentences(toks):
            question = sent[-1].low == "?"
            for k, part in enumerate(self._parts(sent)):
                yield part, question, k == len(self._parts(sent)) - 1

    def _question_form(self, part):
        """A clause worded as a question: it opens with a modal, an auxiliary or the copula, or has a wh-word."""
        words = [t for t in part if t.kind != "punct"]
        if not words:
            return False
        w = words[0]
        if w.low in self.modals or w.lemma in self.aux or w.low in self.aux or w.lemma in self.copula:
            return True
        return any(self._match(words, i)[0] in self.wh for i in range(len(words)))

    def _tag(self, sent):
        """Part-of-speech tags for the sentence's tokens (only when the grammar has senses to choose)."""
        if not (self.senses or self.possessive or self.clause_conj):
            return
        try:
            from .pos import tagger
            tags = tagger().tag([t.text for t in sent])
        except Exception as exc:  # noqa: BLE001  a missing or damaged model: every word keeps its first sense
            if not getattr(self, "_tag_warned", False):
                import logging
                logging.getLogger(__name__).warning("Part-of-speech tagging unavailable (%s): words get their "
                                                    "first sense.", exc)
                self._tag_warned = True
            return
        for t, tag in zip(sent, tags):
            t.pos = tag

    def _parts(self, sent):
        parts, cur = [], []
        for k, tok in enumerate(sent):
            if (tok.kind == "word" and tok.low in self.clause_conj and cur and k + 2 < len(sent)
                    and sent[k + 1].low in self.subjects and sent[k + 1].low not in self.determiners
                    and any(t.pos in ("VERB", "AUX") for t in cur)):
                # 'She is deaf and he is hearing': two clauses, a pause where 'and' was
                parts.append(cur + [tok])
                cur = []
                continue
            cur.append(tok)
            between_numbers = (tok.low == "," and 0 < k < len(sent) - 1 and sent[k - 1].kind in ("num", "ord")
                               and sent[k + 1].kind == "num")
            if tok.kind == "punct" and tok.low in self.pause_punct and not between_numbers:
                parts.append(cur)
                cur = []
        if cur:
            parts.append(cur)
        return parts

    # -- lookup --------------------------------------------------------------------------------
    def _match(self, words, i):
        """Longest lexicon phrase starting at word i: (gloss, n_words) or (None, 1). A single word with
        several senses gets the sign its part of speech or context chooses (grammar 'senses')."""
        for n in range(min(self.lex.max_phrase, len(words) - i), 0, -1):
            if n == 1:
                g = self._sense(words, i)
                if g:
                    return g, 1
            seg = words[i:i + n]
            if any(t.kind != "word" for t in seg):
                continue
            for key in (" ".join(t.low for t in seg), " ".join(t.lemma for t in seg)):
                g = self.lex.lookup_word(key)
                if g:
                    return g, n
        t = words[i]
        if t.kind == "word" and t.pos not in ("NOUN", "PROPN"):  # 'playing' the lemmatiser left: strip a suffix
            for suf, rep in self.suffix_fallback:
                if t.low.endswith(suf) and len(t.low) - len(suf) >= 3:
                    g = self.lex.lookup_word(t.low[: -len(suf)] + rep)
                    if g:
                        return g, 1
        return None, 1

    def _sense(self, words, i):
        t = words[i]
        if t.kind != "word" or not self.senses:
            return None
        rules = self.senses.get(t.low) or self.senses.get(t.lemma)
        for rule in rules or ():
            if "pos" in rule and t.pos not in rule["pos"]:
                continue
            prev = words[i - 1] if i > 0 else None
            if "after" in rule and (prev is None or (prev.low not in rule["after"] and prev.lemma not in rule["after"])):
                continue
            nxt = words[i + 1] if i + 1 < len(words) else None
            if "before" in rule and (nxt is None or (nxt.low not in rule["before"] and nxt.lemma not in rule["before"])):
                continue
            if "near" in rule and not any(w.low in rule["near"] or w.lemma in rule["near"]
                                          for k, w in enumerate(words) if k != i):
                continue
            if rule.get("gloss") in self.lex:
                return rule["gloss"]
        return None

    def _phrase(self, words, i):
        for n in range(min(self.max_phrase, len(words) - i), 1, -1):
            seg = words[i:i + n]
            for key in (tuple(t.low for t in seg), tuple(t.lemma for t in seg)):
                if key in self.phrases:
                    return self.phrases[key], n
        return None, 1

    def _item(self, gloss, toks, text, **kw):
        """A sign item for `gloss` (a spelled item when the lexicon lacks it) spanning tokens `toks`."""
        span = (toks[0].start, toks[-1].end)
        words = text[span[0]:span[1]]
        if gloss in self.lex:
            entry = self.lex.get(gloss)
            return GlossItem(gloss, "sign", words, span, review=bool(entry.get("review")), **kw)
        return self._spell(gloss.lstrip("#"), span, words)

    @staticmethod
    def _spell(gloss, span, words, name=False):
        it = spell_item(gloss, span, name=name)
        it.words = words
        return it

    # -- numbers -------------------------------------------------------------------------------
    def _number_glosses(self, n, system=False):
        """Glosses for the integer n: counting forms (1-10) or number-system forms; None if not signable."""
        num = self.num
        card = num.get("cardinal", {})
        top = int(num.get("system_max", 0))
        if not system and str(n) in card:
            return [card[str(n)]]
        if 0 <= n <= top and str(n) in self.lex:
            return [str(n)]
        if n < 0:
            return None
        hundred, thousand = num.get("hundred"), num.get("thousand")
        if n < 1000 and hundred in self.lex:
            h, rest = divmod(n, 100)
            out = self._number_glosses(h, True) + [hundred]
            return out + (self._number_glosses(rest, True) if rest else [])
        if n < 1_000_000 and thousand in self.lex:
            k, rest = divmod(n, 1000)
            out = self._number_glosses(k, True) + [thousand]
            return out + (self._number_glosses(rest, True) if rest else [])
        return self._digits(n)

    def _digits(self, n):
        out = []
        for ch in str(n):
            g = ch if ch in self.lex else self.lex.lookup_word(ch)
            if g is None:
                return None
            out.append(g)
        return out

    def _digits_text(self, s):
        out = []
        for ch in s:
            if ch.isdigit():
                g = self.lex.lookup_word(ch)
                if g is None:
                    return None
                out.append(g)
        return out

    def _year_glosses(self, y):
        """Years as signed: 19 98, 20 24; 2000-2009 as 2 THOUSAND (5); 1905 as 19 0 5; 1900 as 19 HUNDRED."""
        hi, lo = divmod(y, 100)
        if 2000 <= y <= 2009 and self.num.get("thousand") in self.lex:
            return ["2", self.num["thousand"]] + ([str(lo)] if lo else [])
        if lo == 0 and self.num.get("hundred") in self.lex:
            return [str(hi), self.num["hundred"]]
        if lo < 10:
            return [str(hi), "0", str(lo)]
        return [str(hi), str(lo)]

    def _word_number(self, words, i):
        """An English number written in words ('twenty-five', 'two hundred and ten'): (value, n_tokens)."""
        total, cur, j, seen = 0, 0, i, False
        while j < len(words):
            t = words[j]
            if t.kind != "word":
                break
            parts = t.low.split("-")
            if all(p in self.num_words for p in parts):
                cur += sum(self.num_words[p] for p in parts)
            elif t.low in self.scales and seen:
                scale = self.scales[t.low]
                if scale >= 1000:
                    total += max(cur, 1) * scale
                    cur = 0
                else:
                    cur = max(cur, 1) * scale
            elif t.low == "and" and seen and j + 1 < len(words) and words[j + 1].low.split("-")[0] in self.num_words:
                j += 1
                continue
            else:
                break
            seen = True
            j += 1
        if not seen:
            return None, 0
        return total + cur, j - i

    def _value(self, words, i):
        """(number value, kind, n_tokens) of a number at word i, or (None, None, 0)."""
        t = words[i]
        if t.kind in ("num", "ord"):
            s = re.sub(r"(st|nd|rd|th)$", "", t.low).replace(",", "")
            return (float(s) if "." in s else int(s)), t.kind, 1
        if t.kind == "word" and self.num:
            if t.low in self.ord_words:
                return self.ord_words[t.low], "ord", 1
            v, n = self._word_number(words, i)
            if n:
                return v, "num", n
        return None, None, 0

    def _numeric(self, words, i, text):
        """Numbers, clock times, dates, years, prices and ages starting at word i: (Unit, n) or (None, 0)."""
        t = words[i]
        if not self.num:  # a language without number tables: digits the lexicon has, one by one
            if t.kind in ("num", "ord", "digits"):
                glosses = self._digits_text(t.low)
                if glosses:
                    return Unit([self._item(g, [t], text) for g in glosses], "number"), 1
            return None, 0
        items = lambda glosses, toks: [self._item(g, toks, text) for g in glosses]  # noqa: E731
        # months: 'May 5', 'May 5th, 2024', 'in March'
        modal_use = t.low in self.modals and ((i == 0 and i + 1 < len(words) and words[1].low in self.subjects)
                                              or (i > 0 and words[i - 1].low in self.subjects))
        if t.kind == "word" and t.low in self.months and (t.cap or t.low != "may") and not modal_use:
            j = i + 1
            glosses = [self._month(t.low)]
            v, kind, n = self._value(words, j) if j < len(words) else (None, None, 0)
            if v is not None and isinstance(v, int) and 1 <= v <= 31 and not (t.low == "may" and not t.cap):
                glosses += self._number_glosses(v, True)
                j += n
                if j + 1 < len(words) and words[j].low == "," and words[j + 1].kind == "num":
                    j += 1
                if j < len(words) and words[j].kind == "num":
                    y = self._int(words[j])
                    if y is not None and 1000 <= y <= 2999:
                        glosses += self._year_glosses(y)
                        j += 1
            elif j < len(words) and words[j].kind == "num":
                y = self._int(words[j])
                if y is not None and 1000 <= y <= 2999:
                    glosses += self._year_glosses(y)
                    j += 1
            seg = words[i:j]
            return Unit(self._date_items(glosses, seg, text), "time"), j - i
        if t.kind == "digits":  # phone numbers, codes: digit by digit, number-system forms
            glosses = [g for ch in t.low if ch.isdigit() for g in self._number_glosses(int(ch), True)]
            return Unit(items(glosses, [t]), "number"), 1
        if t.kind == "money":
            value = t.low.lstrip("$€£ ").replace(",", "")
            return Unit(self._money(value, [t], text), "word"), 1
        if t.kind == "clock":
            h, m = (int(x) for x in t.low.split(":"))
            n, glosses = 1, []
            if i + 1 < len(words) and words[i + 1].low in self.am | self.pm:
                glosses = self._day_part(h, words[i + 1].low)
                n = 2
            glosses += [self.num["clock"]["sign"]] + self._number_glosses(h, True)
            if m:
                glosses += self._number_glosses(m, True) if m >= 10 else ["0"] + self._number_glosses(m, True)
            return Unit(items(glosses, words[i:i + n]), "time"), n
        v, kind, n = self._value(words, i)
        if v is None:
            return None, 0
        j = i + n
        nxt = words[j] if j < len(words) else None
        prev = words[i - 1] if i > 0 else None
        if isinstance(v, float):
            if nxt is not None and nxt.low in self.money_words:
                return Unit(self._money(str(v), words[i:j + 1], text), "word"), n + 1
            whole, frac = str(v).split(".")
            glosses = self._number_glosses(int(whole), True) + [self.num.get("point", "POINT")]
            glosses += [g for d in frac for g in self._number_glosses(int(d), True)]
            return Unit(items(glosses, words[i:j]), "number"), n
        # clock: '7 o'clock', '7 pm'
        if nxt is not None and (nxt.low in self.clock_words or nxt.low in self.am | self.pm) and 0 <= v <= 24:
            glosses = self._day_part(v, nxt.low) if nxt.low in self.am | self.pm else []
            glosses += [self.num["clock"]["sign"]] + self._number_glosses(v, True)
            return Unit(items(glosses, words[i:j + 1]), "time"), n + 1
        # money: '25 dollars', '50 cents'
        if nxt is not None and nxt.low in self.money_words:
            return Unit(self._money(str(v), words[i:j + 1], text), "word"), n + 1
        if nxt is not None and nxt.low in self.cent_words:
            glosses = [self.num["money"]["cent"]] + self._number_glosses(v, True)
            return Unit(items(glosses, words[i:j + 1]), "word"), n + 1
        # age: '25 years old'
        for pat in self.age_words:
            if [w.low for w in words[j:j + len(pat)]] == pat:
                glosses = [self.num["age"]["sign"]] + self._number_glosses(v, True)
                return Unit(items(glosses, words[i:j + len(pat)]), "word"), n + len(pat)
        # dates the other way round: '5 May', 'the 5th of May'
        if nxt is not None and kind in ("num", "ord") and 1 <= v <= 31:
            k = j + (1 if nxt.low == "of" else 0)
            if k < len(words) and words[k].low in self.months and words[k].cap:
                glosses = [self._month(words[k].low)] + self._number_glosses(v, True)
                end = k + 1
                if end < len(words) and words[end].kind == "num":
                    y = self._int(words[end])
                    if y is not None and 1000 <= y <= 2999:
                        glosses += self._year_glosses(y)
                        end += 1
                return Unit(self._date_items(glosses, words[i:end], text), "time"), end - i
        # years: '1998', 'in 2024'
        yr = self.num.get("years", {})
        if (t.kind == "num" and len(t.low) == 4 and yr and yr.get("min", 0) <= v <= yr.get("max", 0)
                and ((prev is not None and prev.low in self.year_cues) or nxt is None or nxt.kind == "punct")):
            return Unit(items(self._year_glosses(v), [t]), "time"), 1
        if kind == "ord":
            return Unit(items(self._number_glosses(v, True), words[i:j]), "number"), n
        glosses = self._number_glosses(v)
        if glosses is None:
            return None, 0
        return Unit(items(glosses, words[i:j]), "number"), n

    @staticmethod
    def _int(tok):
        try:
            return int(tok.low.replace(",", ""))
        except ValueError:
            return None

    def _month(self, low):
        return self.months[low]

    def _date_items(self, glosses, seg, text):
        """Month abbreviations are fingerspelled unless the lexicon has a sign for them."""
        out = []
        for k, g in enumerate(glosses):
            if k == 0 and g not in self.lex:
                out.append(self._spell(g, (seg[0].start, seg[-1].end), text[seg[0].start:seg[-1].end]))
            else:
                out.append(self._item(g, seg, text))
        return out

    def _day_part(self, hour, ampm):
        clock = self.num.get("clock", {})
        if ampm in self.am:
            return [clock["am_gloss"]] if clock.get("am_gloss") in self.lex else []
        g = clock.get("evening_gloss") if hour >= clock.get("pm_evening_from", 6) and hour != 12 else clock.get("pm_gloss")
        return [g] if g in self.lex else []

    def _money(self, value, toks, text):
        money = self.num["money"]
        whole, _, frac = value.partition(".")
        glosses = []
        if whole and int(whole) or not frac:
            glosses += self._number_glosses(int(whole or 0), True) + [money["unit"]]
        if frac:
            cents = int((frac + "0")[:2])
            if cents:
                glosses += self._number_glosses(cents, True) + [money["cent"]] if glosses else \
                    [money["cent"]] + self._number_glosses(cents, True)
        return [self._item(g, toks, text) for g in glosses]

    # -- rules ---------------------------------------------------------------------------------
    def gloss(self, text, loci=None):
        """Gloss items for `text`; `loci` (a dict, updated in place) carries referents' loci over from earlier
        texts, else each text starts a fresh signing space."""
        items = []
        self._loci = loci if loci is not None else {}
        self._text = text
        toks = self.tokenize(text)
        for sent in self.sentences(toks):
            question = sent[-1].low == "?"
            self._tag(sent)
            parts = self._parts(sent)
            if question and len(parts) > 1 and all(t.kind == "punct" or t.low in self.question_tags
                                                   for t in parts[-1]) and self._question_form(parts[-2]):
                # 'Can you help me, please?': a tag word stays inside the question (one yn span, no pause);
                # after a statement ('I want to go home, okay?') the tag alone is the question
                head = parts[-2][:-1] if parts[-2][-1].kind == "punct" else parts[-2]
                parts = parts[:-2] + [head + parts[-1]]
            for k, part in enumerate(parts):
                nxt = parts[k + 1] if k + 1 < len(parts) else None
                items.extend(self._clause(part, question, k == len(parts) - 1, text, nxt))
        while items and items[-1].kind == "pause":
            items.pop()
        while items and items[0].kind == "pause":
            items.pop(0)
        return items

    def _is_topic(self, words, nxt):
        """Topic-comment: 'As for X, ...' or a left-dislocated noun phrase resumed by a pronoun
        ('My sister, she ...')."""
        for marker in self.topic_markers:
            if [t.low for t in words[:len(marker)]] == marker and len(words) > len(marker):
                return len(marker)
        if nxt is None or not words:
            return None
        if words[0].low in self.conditionals:
            return 0  # 'If it rains, ...': the condition is under raised brows, like a topic
        nwords = [t for t in nxt if t.kind != "punct"]
        if not nwords or words[0].low in self.openers:
            return None
        det = words[0].low in self.determiners and len(words) > 1
        if not (nwords[0].low in self.resumptive or (det and any(t.low in self.resumptive for t in nwords))):
            return None
        if any(t.low in self.subjects for t in words[1 if det else 0:]):
            return None
        if any(t.pos in ("VERB", "AUX") for t in words):
            return None  # 'My son is 5 years old, and he ...': a clause, not a topic
        if all(self._match(words, i)[0] in self.time for i in range(len(words))):
            return None  # 'Today, it is cold': a time adverbial, not a topic
        return 0

    def _clause(self, sent, question, last, text, nxt=None):
        words = [t for t in sent if t.kind != "punct"]
        has_wh = any(self._match(words, i)[0] in self.wh for i in range(len(words)))
        question = question and (last or has_wh)
        topic_skip = self._is_topic(words, nxt)
        if topic_skip:
            words = words[topic_skip:]
        if question and len(words) > 1 and words[0].low in self.modals and words[1].low in self.subjects:
            words = [words[1], words[0]] + words[2:]  # 'Can you help?' -> YOU CAN HELP
        units = []
        skip = set()        # particles already signed with their verb
        dropped_before = -1
        subject_unit = None
        subject_first = False
        i = 0
        while i < len(words):
            t = words[i]
            nxt_tok = words[i + 1] if i + 1 < len(words) else None
            if self._match(words, i)[1] == 1 and nxt_tok is not None and \
                    ((question and t.lemma in self.aux) or t.lemma in self.drop_if_followed):
                dropped_before = i + 1
                i += 1
                continue
            if t.low in self.complementizers and nxt_tok is not None and nxt_tok.low in self.subjects \
                    and i > 0:
                i += 1  # 'I think that he ...': no sign for the complementiser
                continue
            if (t.low in self.perfect_aux or t.lemma in self.perfect_aux) and nxt_tok is not None and \
                    self._participle(nxt_tok) and self.perfect_gloss in self.lex:
                # perfect 'have eaten' -> FINISH EAT (just the verb when it is FINISH itself)
                if self._match(words, i + 1)[0] != self.perfect_gloss:
                    units.append(Unit([self._item(self.perfect_gloss, [t], text)], "word"))
                i += 1
                continue
            if t.low in self.dummy_words and self._dummy(words, i):
                i += 1  # 'It is raining': no referent, no sign
                continue
            unit, n = self._numeric(words, i, text)
            if unit is not None:
                units.append(unit)
                i += n
                continue
            g_part, k_part = self._particle(words, i)
            if g_part is not None:   # 'turn the TV off': TURN-OFF where 'turn' is, then the object
                units.append(Unit([self._item(g_part, [t], text)], "word"))
                skip.add(k_part)
                i += 1
                continue
            if i in skip:
                i += 1
                continue
            spec, n = self._phrase(words, i)
            if spec is not None:
                seg = words[i:i + n]
                roles = spec.get("roles") or [spec.get("role", "word")] * len(spec["glosses"])
                for g, role in zip(spec["glosses"], roles):
                    it = self._item(g, seg, text)
                    if spec.get("repeat"):
                        it.extra["repeat"] = int(spec["repeat"])
                    units.append(Unit([it], role))
                if spec.get("subject_first"):
                    subject_first = True
                i += n
                continue
            g, n = self._match(words, i)
            seg = words[i:i + n]
            if n == 1 and (t.low in self.drop or t.lemma in self.drop) and not self._predicate_prep(words, i):
                dropped_before = i + 1   # function words are not signed (and never spelled)
                i += 1
                continue
            if g is not None:
                role = "wh" if g in self.wh else "neg" if g in self.neg else "time" if g in self.time else "word"
                nxt_w = words[i + 1] if i + 1 < len(words) else None
                if n == 1 and t.low in self.possessive and nxt_w is not None and nxt_w.kind == "word" and \
                        nxt_w.pos in ("NOUN", "ADJ", "PROPN", "NUM") and self._match(words, i + 1)[0] not in self.time:
                    g = self.possessive[t.low]   # 'her book': the possessive
                it = self._item(g, seg, text)
                if n == 1 and t.low in self.referents and g not in self.possessive.values():
                    it.extra["locus"] = self._locus(self.referents[t.low])
                if (n == 1 and g in self.plural and t.low != t.lemma and t.low.endswith(self.plural_suffixes)
                        and "'" not in t.low
                        and not self._counted(units, words, i)):
                    it.extra["repeat"] = 2
                if units and n == 1 and g != self.lex.lookup_word(t.low) and units[-1].items[-1].gloss == g:
                    i += n          # 'baseball bat': the sense is the sign just made
                    continue
                units.append(Unit([it], role))
                if question and i == dropped_before and i > 0 and t.low in self.subjects and subject_unit is None:
                    subject_unit = units[-1]
            elif t.kind == "word" and spell_item(t.text).letters:
                name = (t.cap and (i > 0 or t.proper or not _is_known(t.low, self.lang))) or t.proper
                units.append(Unit([self._spell(t.text, (t.start, t.end), t.text, name=name)], "word"))
            # anything else (symbols, scripts without letters we can spell) is skipped
            i += n
        # a preposition that only introduces a time ('on Monday', 'in 1998') goes with it (even when the
        # lexicon has a sign for it, as it has for spatial 'on the table')
        units = [u for k, u in enumerate(units)
                 if not (k + 1 < len(units) and units[k + 1].role == "time" and len(u.items) == 1
                         and u.items[0].words.lower() in self.time_preps)]
        if not units:
            return []
        self._agree(units)
        # ASL order: TIME (TOPIC) COMMENT WH
        time = [u for u in units if u.role == "time"]
        rest = [u for u in units if u.role != "time"]
        wh = [u for u in rest if u.role == "wh"]
        if question and wh:
            rest = [u for u in rest if u.role != "wh"] + wh
            if subject_first and subject_unit is not None and subject_unit in rest:
                rest.remove(subject_unit)
                rest.insert(0, subject_unit)
        ordered = time + rest
        neg_from, neg_to = self._negation(ordered)
        marks = ("wh",) if question and wh else ("yn",) if question else ()
        if topic_skip is not None:
            marks = marks + ("top",)
        out = []
        for k, u in enumerate(ordered):
            negating = neg_from is not None and neg_from <= k < neg_to
            for it in u.items:
                m = marks + (("neg",) if negating and u.role != "wh" else ())
                it.marks = tuple(m)
                out.append(it)
        end = sent[-1]
        if (end.kind == "punct" and end.low in self.pause_punct) or (end.kind == "word" and end.low in self.clause_conj):
            out.append(pause_item((end.start, end.end), end.text))
        return out

    def _particle(self, words, i):
        """(gloss, index of the particle) for a verb whose particle follows its object, else (None, None)."""
        t = words[i]
        table = self.particle_verbs.get(t.lemma) or self.particle_verbs.get(t.low)
        if not table or t.kind != "word":
            return None, None
        for k in range(i + 2, min(len(words), i + 2 + self.particle_gap)):
            w = words[k]
            if w.kind != "word" or w.pos in ("VERB", "AUX", "ADP") and w.low not in table:
                return None, None
            if w.low in table:
                return table[w.low], k
        return None, None

    def _predicate_prep(self, words, i):
        """'The keys are in the box', 'This is for you': a preposition right after the copula is the predicate."""
        t = words[i]
        return (t.low in self.predicate_preps and i > 0 and words[i - 1].lemma in self.copula
                and t.low in self.lex.by_word)

    def _dummy(self, words, i):
        """'it' that refers to nothing: the subject of weather and time ('it will rain', 'it is late',
        'what time is it')."""
        j = i + 1
        while j < len(words) and (words[j].lemma in self.dummy_skip or words[j].low in self.dummy_skip):
            j += 1
        if j < len(words) and (words[j].lemma in self.dummy_preds or words[j].low in self.dummy_preds):
            return True
        if j >= len(words) and i > 0 and words[i - 1].lemma in self.dummy_skip:
            # clause-final 'is it': dummy when the clause is about time or weather
            return any(w.lemma in self.dummy_preds or w.low in self.dummy_preds for w in words[:i])
        return False

    def _locus(self, referent):
        """The locus of a referent: a, b, ... in order of first mention in this text."""
        if referent not in self._loci:
            from .gloss import LOCI
            self._loci[referent] = LOCI[len(self._loci) % len(LOCI)]
        return self._loci[referent]

    def _person(self, unit):
        """1, 2 or a locus letter for a pronoun unit; None for anything else."""
        if unit is None or len(unit.items) != 1 or unit.role != "word":
            return None
        it = unit.items[0]
        if it.kind != "sign":
            return None
        return self.persons.get(it.gloss) or it.extra.get("locus")

    def _agree(self, units):
        """Directional verbs: S-VERB-O from the subject's locus to the object's; the object pronoun folds in."""
        if not self.directional:
            return
        for k, u in enumerate(units):
            if len(u.items) != 1 or u.items[0].gloss not in self.directional or u.role != "word":
                continue
            obj = units[k + 1] if k + 1 < len(units) else None
            o = self._person(obj)
            if o is None:
                continue
            before = [v for v in units[:k] if v.role not in ("time",)]
            content = [v for v in before if not (len(v.items) == 1 and v.items[0].gloss in self.directional_skip)]
            if not content:
                s = self.persons.get("YOU")                        # imperative: 'Help me!'
            else:
                s = self._person(content[0])
                if s is None:
                    continue
            if s == o:
                continue
            verb, pron = u.items[0], obj.items[0]
            verb.extra.update({"from": s, "to": o})
            if pron.span[1] > verb.span[1]:   # the verb now also says the object: 'gave me' -> 2-GIVE-1
                verb.span = (verb.span[0], pron.span[1])
                verb.words = getattr(self, "_text", "")[verb.span[0]:verb.span[1]] or verb.words
            units.remove(obj)
            return self._agree(units)

    def _negation(self, ordered):
        """(start, end) of the head shake, after moving NOT behind the predicate it negates; (None, None) if
        the clause has no negation. It ends before a subordinate clause ('... NOT WHEN RAIN')."""
        k = next((k for k, u in enumerate(ordered) if u.role == "neg"), None)
        if k is None:
            return None, None
        stop = next((j for j in range(k + 1, len(ordered)) if ordered[j].items[0].gloss in self.subordinators),
                    len(ordered))
        u = ordered[k]
        if self.neg_final and u.items[0].gloss == self.neg_final and len(u.items) == 1:
            prev = ordered[k - 1] if k > 0 else None
            if prev is not None and prev.items[0].gloss in self.neg_final_modals:
                return k - 1, stop                # ME neg[ CAN NOT SLEEP ]
            end = next((j for j in range(k + 1, len(ordered)) if ordered[j].role == "wh"
                        or ordered[j].items[0].gloss in self.subordinators), len(ordered))
            if end > k + 1:
                ordered.insert(end - 1, ordered.pop(k))   # ME neg[ UNDERSTAND NOT ]
        return k, stop

    def _participle(self, tok):
        return tok.kind == "word" and (tok.low in self.participles or (
            bool(self.participle_suffixes) and tok.low.endswith(self.participle_suffixes) and tok.low != tok.lemma))

    def _counted(self, units, words, i):
        """A number or quantifier already says the noun is plural (THREE BOOK, not THREE BOOK++)."""
        if units and units[-1].role == "number":
            return True
        return i > 0 and (words[i - 1].low in self.quantifiers or words[i - 1].lemma in self.quantifiers)
