"""Synthesis quality on sentences the tests never tune on: wrist jerk, contact accuracy, lexicon coverage.

Pure inference (no Blender): jerk is the third difference of the wrist path (m/s^3, the quantity
minimum-jerk transitions minimise), contact error is the distance between the contacting hand surface
and its body point at the contact frame, coverage counts words signed from the lexicon versus spelled.
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def sentences():
    with open(os.path.join(HERE, "sentences.txt"), encoding="utf-8") as fh:
        return [ln.strip() for ln in fh if ln.strip() and not ln.startswith("#")]


def _jerk(track):
    dt = 1.0 / track.fps
    w = track.wrist                        # (T, 2, 3)
    if len(w) < 4:
        return 0.0
    j = np.diff(w, n=3, axis=0) / dt ** 3
    return float(np.linalg.norm(j, axis=-1).mean())


def signing_rate(track, kinds=("sign", "spell")):
    """Signs (and spelled words) per second between the first and last sign, pauses left out."""
    segs = [s for s in track.segments if s.kind in kinds]
    if not segs:
        return 0.0
    span = segs[-1].end - segs[0].start - sum(s.end - s.start for s in track.segments
                                               if s.kind not in kinds and s.start >= segs[0].start
                                               and s.end <= segs[-1].end)
    return len(segs) / max(span / track.fps, 1e-9)


def contact_errors(track, language="ASL"):
    """For each sign whose citation form touches the body: the closest approach (m) of the named hand
    surface to its body point during the sign, read off the final track (after transitions)."""
    from signllm.inference import Synthesizer, load_language
    from signllm.inference.validate import contact_miss
    lang = load_language(language)
    synth = Synthesizer(lang.phonology, lang.lexicon, lang.alphabet, track.body)
    out = []
    for seg in track.segments:
        if seg.kind == "sign" and seg.gloss in lang.lexicon:
            miss = contact_miss(synth, lang.lexicon.get(seg.gloss), track, seg)
            if miss is not None:
                out.append(miss)
    return out


def run(language="ASL"):
    from signllm import inference
    rows = []
    lex_words = spelled_words = 0
    jerks = []
    rates = []
    lex_rates = []    # sentences signed without fingerspelling
    contact = []
    for s in sentences():
        items = inference.text_to_gloss(s, language)
        track = inference.gloss_to_track(items, language)
        jerks.append(_jerk(track))
        rates.append(signing_rate(track))
        if all(s.kind != "spell" for s in track.segments):
            lex_rates.append(signing_rate(track))
        for it in items:
            if it.kind == "pause":
                continue
            n = max(1, len(it.source.split())) if getattr(it, "source", "") else 1
            if it.kind == "spell":
                spelled_words += n
            else:
                lex_words += n
        contact.extend(contact_errors(track, language))
        rows.append({"text": s, "gloss": inference.format_gloss(items), "frames": track.n_frames,
                     "jerk": jerks[-1]})
    total = max(lex_words + spelled_words, 1)
    return {
        "sentences": len(rows), "signs_per_s": float(np.mean(rates)),
        "signs_per_s_unspelled": float(np.mean(lex_rates)) if lex_rates else float("nan"), "mean_jerk": float(np.mean(jerks)), "max_jerk": float(np.max(jerks)),
        "lexicon_share": lex_words / total, "spelled_share": spelled_words / total,
        "contact_mean_mm": float(np.mean(contact) * 1000) if contact else float("nan"),
        "contact_max_mm": float(np.max(contact) * 1000) if contact else float("nan"),
        "contacts": len(contact), "rows": rows,
    }
