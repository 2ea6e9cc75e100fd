"""Text -> gloss -> pose track. Plain Python + numpy: never imports bpy.

Public API (what operators and scripts call):
    text_to_gloss(text, language="ASL", glosser="rules", loci=None) -> [GlossItem]   (glosser: GLOSSERS)
    gloss_to_track(items, language="ASL", body=None, settings=None) -> PoseTrack
    text_to_track(text, ...) -> (items, PoseTrack)
    hamnosys_track(hamnosys, language="ASL") -> (HamSign, PoseTrack)   (docs/hamnosys.md)
    load_user_lexicon(path, language="ASL") -> {added, skipped, issues} (a .sigml file or folder)
    parse_gloss(text) / format_gloss(items)
"""
from __future__ import annotations

import html
import logging
import re
import warnings

from .body import BodyModel
from .errors import DataError, SignLLMError
from .gloss import GlossItem, format_gloss, parse_gloss
from .hamnosys import hamnosys_track, load_user_lexicon
from .languages import available, load_language
from .synthesis import Settings, Synthesizer, spellable
from .textnorm import normalise_text
from .track import PoseTrack, Segment

MAX_TEXT = 200_000
_MARKUP = re.compile(r"<[^<>]{0,200}>|\{\\[^{}]{0,200}\}")      # HTML/SRT tags, ASS override blocks
_ENTITY = re.compile(r"&(#\d{1,7}|#x[0-9a-fA-F]{1,6}|[A-Za-z]{2,10});")


def strip_markup(text):
    """Markup and entities out, offsets kept: each tag becomes spaces of its own length, so gloss spans
    still point at the right characters of the text the user gave."""
    text = _MARKUP.sub(lambda m: " " * len(m.group(0)), text)
    return _ENTITY.sub(lambda m: html.unescape(m.group(0)).ljust(len(m.group(0)))[: len(m.group(0))], text)


GLOSSERS = ("rules", "neural", "neural+rules")
log = logging.getLogger(__name__)


class GlosserFallbackWarning(UserWarning):
    """The neural glosser could not run (missing/corrupt model, no onnxruntime); rules were used."""


def _check_text(text):
    if text is None or not str(text).strip():
        raise SignLLMError("Type some text to sign.")
    if len(text) > MAX_TEXT:
        raise SignLLMError(f"The text is {len(text):,} characters; the limit is {MAX_TEXT:,}. Split it.")


def text_to_gloss(text: str, language: str = "ASL", glosser: str = "rules",
                  loci: dict | None = None) -> list[GlossItem]:
    """Gloss items for `text` (glosser: one of GLOSSERS); SignLLMError when nothing can be signed. `loci`: a
    dict shared across calls (subtitle cues of one scene) so that a referent keeps its place in signing space
    from one call to the next (rules glosser); None: a fresh space."""
    _check_text(text)
    if glosser not in GLOSSERS:
        raise SignLLMError(f"Unknown glosser {glosser!r}; use one of {', '.join(GLOSSERS)}.")
    lang = load_language(language)
    norm = normalise_text(strip_markup(text))   # NFKC, invisible characters out; spans mapped back below
    plain = norm.text
    items = _neural_gloss(plain, language, glosser) if glosser != "rules" else None
    if items is None:
        items = lang.glosser.gloss(plain, loci=loci) if loci is not None else lang.glosser.gloss(plain)
    for it in items:
        it.span = norm.original_span(it.span)
    # words the manual alphabet cannot spell (another script) are left out rather than signed as nothing
    items = [it for it in items if it.kind != "spell" or spellable(it.letters, lang.alphabet or {})]
    if not any(it.kind != "pause" for it in items):
        letters = [w for w in str(text).split() if any(c.isalpha() for c in w)]
        if letters:
            shown = ", ".join(repr(w) for w in letters[:3]) + (" ..." if len(letters) > 3 else "")
            raise SignLLMError(f"Nothing in the text can be signed in {language}: {shown}: no sign in the "
                               f"lexicon, and the {language} manual alphabet cannot spell that script.")
        raise SignLLMError("Nothing in the text can be signed (no words found).")
    return items


def _neural_gloss(text, language, glosser):
    """Neural (optionally rule-backed) glossing; None (after a warning) when the model cannot run."""
    from . import neural_glosser
    try:
        model = neural_glosser.load()
        if glosser == "neural+rules":
            lang = load_language(language)
            return model.gloss(text, language, lang.lexicon, lang.glosser, checker=lang.glosser)
        lang = load_language(language) if language in dict(available()) else None
        return model.gloss(text, language, lang.lexicon if lang else None)
    except DataError as exc:
        msg = f"{exc} Using the rule glosser instead."
        log.warning(msg)
        warnings.warn(msg, GlosserFallbackWarning, stacklevel=3)
        return None


def gloss_to_track(items: list[GlossItem] | str, language: str = "ASL", body: BodyModel | None = None,
                   settings: Settings | None = None) -> PoseTrack:
    """The gloss items (or gloss text) as a PoseTrack on `body`; SignLLMError for a gloss with no sign."""
    lang = load_language(language)
    if isinstance(items, str):
        items = parse_gloss(items)
    unknown = [it.gloss for it in items if it.kind == "sign" and it.gloss not in lang.lexicon
               and not it.extra.get("lexicalised")]
    if unknown:
        raise SignLLMError(f"No {language} sign for: {', '.join(dict.fromkeys(unknown))}. "
                           "Use fs-WORD to fingerspell it.")
    synth = Synthesizer(lang.phonology, lang.lexicon, lang.alphabet, body, settings)
    return synth.synthesize(items)


def text_to_track(text: str, language: str = "ASL", body: BodyModel | None = None,
                  settings: Settings | None = None) -> tuple[list[GlossItem], PoseTrack]:
    items = text_to_gloss(text, language)
    return items, gloss_to_track(items, language, body, settings)


__all__ = ["GLOSSERS", "BodyModel", "DataError", "GlosserFallbackWarning", "GlossItem", "PoseTrack", "Segment",
           "Settings", "SignLLMError", "Synthesizer", "available", "format_gloss", "gloss_to_track", "hamnosys_track",
           "load_language", "load_user_lexicon", "normalise_text", "parse_gloss",
           "text_to_gloss", "text_to_track"]
