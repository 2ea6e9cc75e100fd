"""Non-manual channels from the gloss: brows, head, eyes (blinks, gaze) and mouth. Pure numpy.

Input is the timeline synthesis built (each gloss item with its frames) and the hands' path; output is the
head turn (T, 3), the brow scalar (T,) the body solver already drives, and the face channels: ARKit's
52 blend-shape names -> (T,) values in [0, 1] (only channels that move are present). Amounts come from
data/face/nonmanual.json (grammar) and data/face/mouth_morphemes.json (mouth), never from literals here.
"""
import functools
import os
import re
from dataclasses import dataclass

import numpy as np

from .errors import SignLLMError
from .mouth import FACE_DIR, channels, morphemes, morphemes_data, side_name
from .phonology import load_json


@functools.lru_cache(maxsize=1)
def grammar():
    return load_json(os.path.join(FACE_DIR, "nonmanual.json"), "signllm.nonmanual/1")


@dataclass
class Span:
    """One signed gloss item on the timeline (frames, end exclusive); k = its index among the gloss items."""
    start: int
    end: int
    item: object
    k: int


def _minjerk(t):
    t = np.clip(t, 0.0, 1.0)
    return t * t * t * (10 - 15 * t + 6 * t * t)


def envelope(n, a, b, ramp_in, ramp_out):
    """0 before a - ramp_in, rising to 1 at a, 1 until b, falling to 0 at b + ramp_out (frames)."""
    return envelope_at(np.arange(n, dtype=float), a, b, ramp_in, ramp_out)


def envelope_at(t, a, b, ramp_in, ramp_out):
    """The envelope at frames t."""
    up = _minjerk((t - (a - ramp_in)) / max(ramp_in, 1e-9)) if ramp_in > 0 else (t >= a).astype(float)
    down = _minjerk(((b + ramp_out) - t) / max(ramp_out, 1e-9)) if ramp_out > 0 else (t < b).astype(float)
    return np.minimum(up, down)


def groups(spans, mark):
    """[(first span, last span)] of runs of consecutive gloss items that carry `mark`."""
    out = []
    for s in spans:
        if mark not in s.item.marks:
            continue
        if out and out[-1][1].k == s.k - 1:
            out[-1] = (out[-1][0], s)
        else:
            out.append((s, s))
    return out


_IX = re.compile(r"^IX-([a-z])$", re.IGNORECASE)
_AGREE = re.compile(r"^([a-z])-[A-Z0-9][A-Z0-9'\-]*?-([a-z])$", re.IGNORECASE)


def item_loci(item):
    """(locus the gaze goes to, or None) of a gloss item: IX-a points at a; a-GIVE-b looks at b (the goal).

    Reads an explicit `extra['locus']` / `extra['loci']` first (the signing-space glosser), then the gloss."""
    ex = getattr(item, "extra", {}) or {}
    loc = ex.get("gaze") or ex.get("locus") or (ex.get("to") if ex.get("from") else None)
    if isinstance(loc, str) and loc:
        return loc.lower() if loc.lower() in grammar()["loci"] else None   # '1' (me), '2' (you): eyes forward
    loci = ex.get("loci")
    if isinstance(loci, (list, tuple)) and loci and isinstance(loci[-1], str):
        return loci[-1].lower()
    if isinstance(loci, dict):
        for key in ("to", "goal", "object", "at"):
            if isinstance(loci.get(key), str):
                return loci[key].lower()
    g = str(getattr(item, "gloss", ""))
    m = _IX.match(g) or _AGREE.match(g)
    if m:
        letter = m.group(m.lastindex).lower()
        return letter if letter in grammar()["loci"] else None
    return None


class FaceBuilder:
    """Accumulates channels; every channel is combined by maximum, then clipped to [0, 1]."""

    def __init__(self, n):
        self.n = n
        self.face = {}
        self.head = np.zeros((n, 3))
        self.raise_ = np.zeros(n)
        self.lower = np.zeros(n)

    def put(self, name, values):
        v = np.broadcast_to(np.asarray(values, float), (self.n,))
        cur = self.face.get(name)
        self.face[name] = v.copy() if cur is None else np.maximum(cur, v)

    def local(self, a, b, ramp_in, ramp_out):
        """(view on the frames an envelope touches, the envelope there, those frames): work stays local, so a
        long text's thousands of spans and blinks cost their own length, not the text's."""
        lo = int(max(0, np.floor(a - ramp_in)))
        hi = int(min(self.n, np.ceil(b + ramp_out) + 1))
        t = np.arange(lo, max(lo, hi), dtype=float)
        return _View(self, lo, max(lo, hi)), envelope_at(t, a, b, ramp_in, ramp_out), t

    def result(self):
        brows = np.clip(self.raise_ - self.lower, -1.0, 1.0)
        self.put("browInnerUp", self.raise_)
        self.put("browOuterUpLeft", 0.8 * self.raise_)
        self.put("browOuterUpRight", 0.8 * self.raise_)
        self.put("browDownLeft", self.lower)
        self.put("browDownRight", self.lower)
        known = set(channels())
        face = {k: np.clip(v, 0.0, 1.0) for k, v in self.face.items() if k in known and np.any(v > 1e-6)}
        return self.head, brows, face


class _View:
    """A window of a FaceBuilder: the same fields as views, channels combined by maximum in place."""

    def __init__(self, fb, lo, hi):
        self.fb, self.lo, self.hi, self.n = fb, lo, hi, hi - lo
        self.head, self.raise_, self.lower = fb.head[lo:hi], fb.raise_[lo:hi], fb.lower[lo:hi]

    def put(self, name, values):
        arr = self.fb.face.setdefault(name, np.zeros(self.fb.n))
        np.maximum(arr[self.lo:self.hi], values, out=arr[self.lo:self.hi])


def _apply_spec(fb, spec, env, t_rel, fps, dom_sign):
    """One mark's or lexical entry's amounts, shaped by env (T,), t_rel: seconds since the span's onset."""
    br = spec.get("brows", {})
    if "raise" in br:
        np.maximum(fb.raise_, br["raise"] * env, out=fb.raise_)
    if "lower" in br:
        lo = br["lower"] * env
        if "lower_end" in br:   # intensity grows over the span (its own frames)
            idx = np.flatnonzero(env > 0)
            if len(idx) > 1:
                ramp = np.zeros(fb.n)
                ramp[idx] = np.linspace(br["lower"], br["lower_end"], len(idx))
                lo = ramp * env
        np.maximum(fb.lower, lo, out=fb.lower)
    hd = spec.get("head", {})
    fb.head[:, 0] += hd.get("pitch", 0.0) * env
    fb.head[:, 1] += hd.get("yaw", 0.0) * env * dom_sign
    fb.head[:, 2] += hd.get("roll", 0.0) * env * dom_sign
    if "shake" in spec:
        s = spec["shake"]
        fb.head[:, 1] += s["amp"] * env * np.sin(2 * np.pi * s["rate"] * t_rel)
    if "nod" in spec:
        s = spec["nod"]
        fb.head[:, 0] += s["amp"] * env * np.sin(2 * np.pi * s["rate"] * t_rel) ** 2
    for name, w in spec.get("face", {}).items():
        fb.put(name, w * env)


def _brows_head(fb, spans, fps, dom_sign, lexicon=None):
    g = grammar()
    r_in, r_out = g["ramp_in"] * fps, g["ramp_out"] * fps
    for mark, spec in g["marks"].items():
        for a, b in groups(spans, mark):
            v, env, t = fb.local(a.start, b.end, r_in, r_out)
            _apply_spec(v, spec, env, (t - (a.start - r_in)) / fps, fps, dom_sign)
    lex = g["lexical"]
    for s in spans:
        entry = lexicon.get(s.item.gloss) if lexicon is not None and s.item.kind == "sign" else None
        nm = (entry or {}).get("nonmanual") or {}
        for key in ("brows", "head"):
            spec = lex[key].get(nm.get(key)) if isinstance(nm.get(key), str) else None
            if spec is None:
                continue
            v, env, t = fb.local(s.start, s.end, 0.1 * fps, 0.1 * fps)
            _apply_spec(v, {"brows": spec} if key == "brows" else spec, env, (t - s.start) / fps, fps, dom_sign)


def mouth_spans(spans, lexicon=None):
    """[(start, end, morpheme)]: explicit mouth spans of the gloss (runs of items), else the sign's own."""
    names = {m.lower(): m for m in morphemes()}
    out, covered = [], set()
    for mark, name in names.items():
        for a, b in groups(spans, mark):
            out.append((a.start, b.end, name))
            covered.update(range(a.k, b.k + 1))
    for s in spans:
        if s.k in covered or s.item.kind != "sign":
            continue
        entry = lexicon.get(s.item.gloss) if lexicon is not None else None
        m = entry.get("mouth") if entry else None
        if m in morphemes():
            out.append((s.start, s.end, m))
    return sorted(out)


def _mouth(fb, spans, fps, dominant, lexicon, dom_sign):
    """Mouth morphemes over their spans: onset just before the sign, release (PAH, CHA), pulses (STA)."""
    morphs = morphemes()
    r_in, r_out = 0.1 * fps, 0.12 * fps
    for a, b, name in mouth_spans(spans, lexicon):
        m = morphs[name]
        v, env, t = fb.local(a, b, r_in, r_out)
        u = np.clip((t - a) / max(b - a, 1), 0.0, 1.0)
        rep = int(m.get("repeat", 1))
        if rep > 1:
            env = env * (0.45 + 0.55 * np.abs(np.sin(np.pi * rep * u)))
        rel = m.get("release")
        w_to = _minjerk((u - rel["at"]) / 0.15) if rel else np.zeros(len(t))
        for k, w in m["shapes"].items():
            v.put(side_name(k, dominant), w * env * (1.0 - w_to))
        for k, w in (rel or {}).get("to", {}).items():
            v.put(side_name(k, dominant), w * env * w_to)
        head = m.get("head", {})
        v.head[:, 2] += head.get("roll", 0.0) * env * dom_sign


def word_visemes(word):
    """Visemes of a written English word (greedy digraphs first), reduced to its first four."""
    vis = morphemes_data().get("visemes", {})
    table = vis.get("letters", {})
    w = re.sub(r"[^a-z]", "", str(word).lower())
    out, i = [], 0
    while i < len(w):
        if w[i:i + 2] in table:
            out.append(table[w[i:i + 2]])
            i += 2
        elif w[i] in table:
            out.append(table[w[i]])
            i += 1
        else:
            i += 1
    dedup = [v for j, v in enumerate(out) if j == 0 or v != out[j - 1]]
    return dedup[:4]


def _mouthing(fb, spans, fps, lexicon):
    """Optional English mouthing: the word's visemes as bumps across signs that have no mouth morpheme."""
    shapes = morphemes_data().get("visemes", {}).get("shapes", {})
    busy = mouth_spans(spans, lexicon)
    for s in spans:
        if s.item.kind != "sign" or any(a < s.end and s.start < b for a, b, _ in busy):
            continue
        vis = word_visemes(s.item.words or s.item.gloss)
        if not vis:
            continue
        step = (s.end - s.start) / len(vis)
        for j, vis_j in enumerate(vis):
            c = s.start + (j + 0.5) * step
            v, _, t = fb.local(c - step, c + step, 0.0, 0.0)
            bump = np.where(np.abs(t - c) < step, 0.5 * (1 + np.cos(np.pi * (t - c) / step)), 0.0) * 0.8
            for k, w in shapes[vis_j].items():
                v.put(k, w * bump)


def blink_times(n, fps, boundaries):
    """Frames where blinks start: at phrase boundaries, and at a natural rate between them (deterministic:
    intervals follow a golden-ratio sequence around the mean, so no two renders differ)."""
    b = grammar()["blink"]
    mean = 60.0 / b["rate_per_min"] * fps
    gap = b["boundary_gap_s"] * fps
    skip = b["skip_before_boundary_s"] * fps
    bounds = sorted({int(x) for x in boundaries if 0 <= x < n})
    out = []
    last = -1e9
    i = 0
    nxt = 0.45 * mean
    for bd in bounds + [None]:
        stop = n - 1 if bd is None else bd - skip
        while nxt < stop:
            if nxt - last >= gap:
                out.append(round(nxt))
                last = nxt
            i += 1
            nxt = last + mean * (1.0 - b["spread"] / 2 + b["spread"] * ((i * 0.6180339887) % 1.0))
        if bd is None:
            break
        if bd - last >= gap:
            out.append(bd)
            last = bd
            i += 1
            nxt = last + mean * (1.0 - b["spread"] / 2 + b["spread"] * ((i * 0.6180339887) % 1.0))
    return [f for f in out if f < n - 1]


def _blinks(fb, fps, boundaries):
    b = grammar()["blink"]
    c, h, o = (max(1.0, b[k] * fps) for k in ("close_s", "hold_s", "open_s"))
    lid = np.zeros(fb.n)
    starts = blink_times(fb.n, fps, boundaries)
    for s in starts:
        lo, hi = int(s), int(min(fb.n, np.ceil(s + c + h + o) + 1))
        t = np.arange(lo, hi, dtype=float)
        up = np.clip((t - s) / c, 0, 1)
        down = np.clip(((s + c + h + o) - t) / o, 0, 1)
        np.maximum(lid[lo:hi], np.minimum(up, down), out=lid[lo:hi])
    fb.put("eyeBlinkLeft", lid)
    fb.put("eyeBlinkRight", lid)
    return starts


def _gaze(fb, spans, fps, wrist, body, dominant, dom_sign, locus_point=None):
    """Eyes toward the signing hand while fingerspelling and toward a locus for IX-a / a-GIVE-b;
    forward otherwise. Written as eyeLook* channels (1 = range_deg), relative to the moving head."""
    g = grammar()["gaze"]
    loci = grammar()["loci"]
    rng = np.radians(g["range_deg"])
    lim = np.radians(g["max_deg"])
    ramp = g["ramp_s"] * fps
    yaw = np.zeros(fb.n)
    pitch = np.zeros(fb.n)
    weight = np.zeros(fb.n)
    h = 0 if dominant == "L" else 1
    eye = None
    if body is not None:
        eye = body.joints["head_base"] + 0.45 * body.H * body.up + 0.22 * body.H * body.forward
    for s in spans:
        target = None
        v, env, _ = fb.local(s.start, s.end, ramp, ramp)
        sl = slice(v.lo, v.hi)
        lexicalised = bool((getattr(s.item, "extra", {}) or {}).get("lexicalised"))
        if (s.item.kind == "spell" or lexicalised) and wrist is not None and eye is not None:
            d = wrist[sl, h] - eye
            target = (np.arctan2(d @ body.left, d @ body.forward),
                      np.arctan2(d @ body.up, np.hypot(d @ body.left, d @ body.forward)))
        else:
            loc = item_loci(s.item)
            point = None
            if loc and locus_point is not None and eye is not None:
                try:                   # the signing space's own place for the locus (synthesis)
                    point = np.asarray(locus_point(loc), float)
                except SignLLMError:   # a locus the signing space does not know: the table below
                    point = None
            if point is not None and point.shape == (3,):
                d = point - eye
                target = (np.arctan2(d @ body.left, d @ body.forward),
                          np.arctan2(d @ body.up, np.hypot(d @ body.left, d @ body.forward)))
            elif loc in loci:
                target = (np.radians(loci[loc]["yaw"]) * -dom_sign, np.radians(loci[loc]["pitch"]))
        if target is None:
            continue
        ty = np.broadcast_to(target[0], env.shape)
        tp = np.broadcast_to(target[1], env.shape)
        sel = env > weight[sl]
        yaw[sl][sel], pitch[sl][sel], weight[sl][sel] = ty[sel], tp[sel], env[sel]
    # relative to the head: a head turned left by y needs the eyes y less to the left; nodded down by p, p more up
    rel_yaw = np.clip(weight * (yaw - fb.head[:, 1]), -lim, lim) / rng
    rel_pitch = np.clip(weight * (pitch + fb.head[:, 0]), -lim, lim) / rng
    fb.put("eyeLookOutLeft", np.clip(rel_yaw, 0, 1))
    fb.put("eyeLookInRight", np.clip(rel_yaw, 0, 1))
    fb.put("eyeLookOutRight", np.clip(-rel_yaw, 0, 1))
    fb.put("eyeLookInLeft", np.clip(-rel_yaw, 0, 1))
    fb.put("eyeLookUpLeft", np.clip(rel_pitch, 0, 1))
    fb.put("eyeLookUpRight", np.clip(rel_pitch, 0, 1))
    fb.put("eyeLookDownLeft", np.clip(-rel_pitch, 0, 1))
    fb.put("eyeLookDownRight", np.clip(-rel_pitch, 0, 1))


def boundaries(spans, segments):
    """Phrase-boundary frames: the end of every marked span, every pause and the last sign."""
    out = [s.start for s in segments if s.kind == "pause"]
    marks = grammar()["marks"]
    for m in marks:
        out += [b.end for _, b in groups(spans, m)]
    if spans:
        out.append(spans[-1].end)
    return out


def nonmanual_channels(n, fps, spans, segments=(), wrist=None, body=None, dominant="R", lexicon=None,
                       mouthing=False, locus_point=None):
    """(head (n, 3), brows (n,), face {ARKit name: (n,)}) for a timeline of `spans`; `locus_point(name)`
    (the synthesiser's signing space, when it has one) places loci for the gaze, else data/face's table."""
    dom_sign = 1.0 if dominant == "R" else -1.0
    fb = FaceBuilder(n)
    _brows_head(fb, spans, fps, dom_sign, lexicon)
    _mouth(fb, spans, fps, dominant, lexicon, dom_sign)
    if mouthing:
        _mouthing(fb, spans, fps, lexicon)
    _blinks(fb, fps, boundaries(spans, segments))
    _gaze(fb, spans, fps, wrist, body, dominant, dom_sign, locus_point)
    return fb.result()
