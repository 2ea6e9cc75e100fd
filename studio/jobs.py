"""Chunked signing jobs (a subtitle file, a long text): one step per cue, then the solve. No bpy.

A job computes everything in memory (gloss, synthesis, stitched track, key plan); only the caller's
final write touches the scene. So a job cancelled between steps leaves nothing behind, and the modal
operator and the headless batch mode drive the same code.
"""
from __future__ import annotations

import json
import os
import time
import warnings
from dataclasses import dataclass, field, replace

from .. import inference
from ..inference import SignLLMError
from . import interpret, timing
from .options import Options, synthesis_key
from .subtitles import Cue, overlaps, split_paragraph

JobOptions = Options   # the one options type (older scripts use this name)

GROUP_SECONDS = 30.0   # timed cues starting in the same 30 s are solved together
GROUP_CHUNKS = 4       # untimed chunks (sentence groups) solved together


def _synth_key(rate, items, shortened):
    """One cue's synthesis in a cache: its rate, the exact items (a condensed list differs) and the holds."""
    return round(rate, 6), tuple((it.kind, it.text, it.marks) for it in items), shortened


class Cancelled(Exception):
    """The user cancelled the job; nothing was written."""


@dataclass
class JobResult:
    placements: list
    track: object
    plan: object = None
    report: list = field(default_factory=list)
    reused: int = 0                     # cues taken unchanged from the cache (not re-synthesised or solved)

    overlaps: list = field(default_factory=list)   # (earlier cue, later cue, seconds) that overlap in the file

    @property
    def problems(self):
        return [p for p in self.placements if p.status not in ("ok", "lagging")]

    def fit_counts(self, fps, lag):
        """(cues that start and end inside their window + lag, cues signed): the subtitle-fit figure."""
        signed = [p for p in self.placements if p.track is not None and p.cue.end > p.cue.start]
        good = sum(1 for p in signed if p.start <= timing.seconds_to_frame(p.cue.start + lag, fps)
                   and p.end <= timing.seconds_to_frame(p.cue.end + lag, fps))
        return good, len(signed)

    @property
    def summary(self):
        """One line for the whole job (the per-cue lines stay in `report`)."""
        n = len(self.placements)
        count = {}
        for p in self.placements:
            count[p.status] = count.get(p.status, 0) + 1
        parts = [f"{count.get('ok', 0)} of {n} cues in their window"]
        if count.get("lagging"):
            parts.append(f"{count['lagging']} within the lag")
        dropped = [g for p in self.placements for g in p.dropped]
        if count.get("condensed"):
            parts.append(f"{count['condensed']} condensed ({len(dropped)} signs left out)")
        for status, label in (("overrun", "late"), ("skipped", "skipped"), ("empty", "with nothing to sign"),
                              ("error", "failed")):
            if count.get(status):
                parts.append(f"{count[status]} {label}")
        if self.overlaps:
            parts.append(f"{len(self.overlaps)} overlapping cue pair{'s' if len(self.overlaps) > 1 else ''} "
                         "signed one after the other")
        return "; ".join(parts)

    @property
    def items(self):
        return [it for p in self.placements if p.track is not None for it in p.items]


class SignJob:
    """Sign a list of cues. Timed cues (end > start) are fitted into their windows; untimed cues
    (start == end == 0, a text file's paragraphs) follow each other at the user's speed.

    `items` optionally maps a cue index to gloss items to sign instead of glossing its text (the gloss
    editor's edits). Drive it with `for done, total, label in job.steps(): ...`; `job.result` at the end.
    """

    def __init__(self, cues, body, options=None, rig=None, profile=None, items=None, cache=None, rig_key=None,
                 planner=None):
        self.cues = sorted(cues, key=lambda c: (c.start, c.index))
        self.cache = cache            # {key: Placement} shared between jobs: unchanged cues are reused
        self.rig_key = rig_key
        self.reused = 0               # cues whose solved keys came from the cache
        self.body = body
        self.opt = (options or Options()).check()
        self.fps = float(self.opt.fps or 24.0)
        self.warnings = []            # glosser fallbacks and the like (reported once, not per cue)
        self.loci = {}                # signing space shared by the cues: a referent keeps its locus all along
        self.timings = {"gloss": 0.0, "synthesis": 0.0, "solve": 0.0, "reduce": 0.0}
        self.rig = rig
        self.profile = profile
        self.planner = planner        # plan_keys(track, rig, profile, tolerance, finger_tolerance) -> KeyPlan
        if rig is not None and planner is None:
            raise ValueError("a job that solves a rig needs its planner (rigs.retarget.plan_keys)")
        self.items = dict(items or {})
        self.result = None
        self.cancelled = False
        inference.load_language(self.opt.language)  # unknown language: fail before any step

    @classmethod
    def from_text(cls, text, body, options=None, **kw):
        opt = options or Options()
        chunks = split_paragraph(text, int(opt.chunk_chars))
        if not chunks:
            raise SignLLMError("Type some text to sign.")
        return cls([Cue(i + 1, 0.0, 0.0, c, c) for i, c in enumerate(chunks)], body, options, **kw)

    def group_of(self, cue):
        """Cues are solved in groups (one solve call has a large fixed cost): by time for timed cues,
        by count for untimed ones, so an edit keeps the other groups as they were."""
        if cue.end > cue.start:
            return ("t", int(cue.start // GROUP_SECONDS))
        return ("u", (cue.index - 1) // GROUP_CHUNKS)

    @property
    def n_steps(self):
        groups = {self.group_of(c) for c in self.cues} if self.rig is not None else set()
        return len(self.cues) + len(groups) + 1

    def cancel(self):
        self.cancelled = True

    def _holds(self, cue):
        """(lead-in, final hold) of a cue: timed cues and the inner chunks of a long text use the short
        cue holds; the first and last chunk of an untimed text the longer start and end of signing."""
        o = self.opt
        if cue.end > cue.start:
            return o.cue_lead_in, o.cue_final_hold
        untimed = [c.index for c in self.cues if not c.end > c.start]
        first = cue.index == min(untimed)
        last = cue.index == max(untimed)
        return (o.lead_in if first else o.cue_lead_in), (o.final_hold if last else o.cue_final_hold)

    def _synth(self, items, rate, cue=None, shortened=False):
        lead, hold = self._holds(cue) if cue is not None else (None, None)
        settings = self.opt.settings(self.fps, rate, lead, hold)
        if shortened:       # condensed (studio.interpret): shorter holds and spellings
            settings = interpret.shortened_settings(settings, self.opt.language)
        tr = synthesize(items, self.opt, self.body, settings)
        return timing.ease_to_rest(tr, int(round(0.2 * self.fps)))

    def _gloss(self, text):
        """Gloss one cue's text with the chosen glosser; a neural fallback is noted once."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", inference.GlosserFallbackWarning)
            items = inference.text_to_gloss(text, self.opt.language, self.opt.glosser, loci=self.loci)
        for w in caught:
            if issubclass(w.category, inference.GlosserFallbackWarning) and str(w.message) not in self.warnings:
                self.warnings.append(str(w.message))
        return items

    def _key(self, cue, items, cursor, next_start):
        """Everything a cue's placement depends on (cues start and end at rest, so nothing else)."""
        o = self.opt
        lex = inference.load_language(o.language).lexicon
        # the lexicon entries themselves: an edited sign (user lexicon reloaded) is never served stale
        its = tuple((it.gloss, it.kind, it.duration, tuple(it.marks), it.letters,
                     json.dumps(lex.get(it.gloss), sort_keys=True, default=str) if it.kind == "sign" else "",
                     tuple(str(it.extra.get(k, "")) for k in ("locus", "from", "to")))   # loci move the hands
                    for it in items)
        timed = cue.end > cue.start
        start = max(timing.seconds_to_frame(cue.start, self.fps), cursor) if timed else None  # untimed: any offset
        return (its, cue.start, cue.end, start, next_start, self.fps, self._holds(cue), synthesis_key(o),
                self.rig_key)

    def _place(self, cue, cursor, next_start):
        p = timing.Placement(cue, [])
        t0 = time.perf_counter()
        try:
            p.items = self.items[cue.index] if cue.index in self.items else self._gloss(cue.text)
            if not p.items:
                raise SignLLMError("no signs")
        except SignLLMError as exc:
            p.status, p.message = "empty", f"{self.where(cue)}: {exc}"
            p.error = str(exc)
            p.start = cursor
            return p
        finally:
            self.timings["gloss"] += time.perf_counter() - t0
        key = self._key(cue, p.items, cursor, next_start) if self.cache is not None and self.rig_key else None
        if key is not None and key in self.cache:
            hit = self.cache[key]
            return replace(hit, cue=cue, items=p.items, start=hit.start if cue.end > cue.start else cursor, key=key)
        t0 = time.perf_counter()
        p = self._place_new(p, cursor, next_start)
        self.timings["synthesis"] += time.perf_counter() - t0
        p.key = key
        if key is not None:
            if len(self.cache) > 5000:
                self.cache.clear()
            self.cache[key] = p
        return p

    def _place_new(self, p, cursor, next_start):
        o = self.opt
        fps = self.fps
        cue = p.cue
        timed = cue.end > cue.start
        if not timed:
            p.track = self._synth(p.items, 1.0, cue)
            p.start, p.frames, p.window = cursor, p.track.n_frames, p.track.n_frames
            return p
        c0, c1 = timing.seconds_to_frame(cue.start, fps), timing.seconds_to_frame(cue.end, fps)
        p.start = max(c0, cursor)
        p.delay = p.start - c0
        p.window = max(1, c1 - p.start)
        cache = {}

        def measurer(items, shortened=False):
            def measure(rate):
                key = _synth_key(rate, items, shortened)
                if key not in cache:
                    cache[key] = self._synth(items, rate, cue, shortened)
                return cache[key].n_frames
            return measure

        lo, hi = o.rate_limits
        measure = measurer(p.items)
        hi = interpret.rate_cap(measure, interpret.n_signs(p.items), fps, o.max_sign_rate, lo, hi)
        where = self.where(cue)
        if o.policy == "interpret":
            return self._interpret(p, c0, c1, lo, hi, measurer, cache, where)
        p.rate, p.frames, fits = timing.fit_rate(measure, p.window, lo, hi)
        p.track = cache[_synth_key(p.rate, p.items, False)]
        notes = []
        if p.delay:
            notes.append(f"starts {p.delay / fps:.2f} s late (the previous cue ran over)")
        if not fits:
            need = p.frames / fps
            if o.policy == "skip":
                p.status, p.track, p.frames = "skipped", None, 0
                notes.append(f"skipped: needs {need:.2f} s at {hi:.2g}x, has {p.window / fps:.2f} s; "
                             "split the cue or allow a faster rate")
            else:
                p.status = "overrun"
                notes.append(f"cannot fit: needs {need:.2f} s at {hi:.2g}x, has {p.window / fps:.2f} s, "
                             f"so it runs {(p.end - c1) / fps:.2f} s past the cue's end"
                             + (" and delays the next cue" if next_start is not None and p.end > next_start else ""))
        elif p.delay:
            p.status = "overrun"
        if notes:
            p.message = f"{where}: " + "; ".join(notes)
        return p

    @staticmethod
    def where(cue):
        """How a report names a cue: its number and time (subtitles) or its part of an untimed text."""
        if cue.end > cue.start:
            return f"cue {cue.index} ({timing.timecode(cue.start)})"
        return f"part {cue.index}"

    def _interpret(self, p, c0, c1, lo, hi, measurer, cache, where):
        """Interpreter timing: in the window at the slowest rate that fits; else at the fastest readable rate
        within the lag; else condensed (least needed signs out, holds shorter) until it fits the lag."""
        o = self.opt
        fps = self.fps
        lag = timing.seconds_to_frame(o.lag, fps)
        limit = c1 + lag - p.start                      # frames until the end the lag allows
        measure = measurer(p.items)
        fits = False
        if c1 - p.start > 0:
            p.rate, p.frames, fits = timing.fit_rate(measure, c1 - p.start, lo, hi)
        if fits and p.delay <= lag:
            p.track = cache[_synth_key(p.rate, p.items, False)]
            p.status = "ok" if not p.delay else "lagging"
            if p.delay:
                p.message = f"{where}: starts {p.delay / fps:.2f} s behind the speech (within the lag)"
            return p
        p.rate, p.frames = hi, measure(hi)
        p.track = cache[_synth_key(hi, p.items, False)]
        if p.frames <= limit and p.delay <= lag:
            p.status = "lagging"
            p.message = (f"{where}: signed at {hi:.2g}x, ending {max(0, p.end - c1) / fps:.2f} s after the speech "
                         "(within the lag)")
            return p
        n_max = len(interpret.drop_order(p.items, o.language)) if o.condense else -1
        best = None
        for n_drop in range(0, n_max + 1):
            items, dropped = interpret.condensed_items(p.items, o.language, n_drop)
            if not any(it.kind in interpret.SIGNING_KINDS for it in items):
                break
            m = measurer(items, shortened=True)
            cap = interpret.rate_cap(m, interpret.n_signs(items), fps, o.max_sign_rate, lo, o.rate_limits[1])
            frames = m(cap)
            best = (items, dropped, cap, frames)
            if frames <= limit:
                break
        if best is not None and best[3] < p.frames:
            items, dropped, cap, frames = best
            p.items, p.dropped, p.rate, p.frames = items, dropped, cap, frames
            p.track = cache[_synth_key(cap, items, True)]
            shortened = True
        else:
            shortened = False
        done = []
        if p.dropped:
            done.append("left out " + " ".join(p.dropped))
        if shortened:
            done.append("shortened holds")
        if p.frames <= limit and p.delay <= lag:
            p.status = "condensed"
            p.message = f"{where}: condensed to keep up ({', '.join(done)}; review)"
        else:
            p.status = "overrun"
            late = (p.end - c1) / fps
            p.message = (f"{where}: cannot keep up: ends {late:.2f} s after the speech at {p.rate:.2g}x"
                         + (f" ({', '.join(done)})" if done else "")
                         + "; split the cue, raise the speed or allow a longer lag")
        return p

    def steps(self):
        """Generator: does one cue per step (then the solve), yielding (done, total, label)."""
        placements = []
        cursor = 0
        total = self.n_steps
        fps = self.fps
        for i, cue in enumerate(self.cues):
            if self.cancelled:
                raise Cancelled()
            nxt = self.cues[i + 1] if i + 1 < len(self.cues) else None
            next_start = timing.seconds_to_frame(nxt.start, fps) if nxt is not None and nxt.end > nxt.start else None
            try:
                p = self._place(cue, cursor, next_start)
            except SignLLMError as exc:
                p = timing.Placement(cue, [], status="error", start=cursor, message=f"{self.where(cue)}: {exc}")
                p.error = str(exc)
            placements.append(p)
            if p.track is not None:
                cursor = p.end
            yield i + 1, total, f"cue {cue.index}/{len(self.cues)}"
        if not any(p.track is not None for p in placements):
            if len(placements) == 1 and placements[0].error and not self.cues[0].end > self.cues[0].start:
                raise SignLLMError(placements[0].error)     # one text or gloss: its own message
            msgs = "; ".join(p.message for p in placements if p.message)
            raise SignLLMError("Nothing could be signed" + (f": {msgs}" if msgs else "."))
        end_time = max((timing.seconds_to_frame(c.end, fps) for c in self.cues), default=0)
        track = timing.stitch(placements, total=end_time + 1)
        result = JobResult(placements, track, report=[p.message for p in placements if p.message],
                           overlaps=overlaps(self.cues))
        for a, b, secs in result.overlaps:
            result.report.append(f"cue {b.index} ({timing.timecode(b.start)}) overlaps cue {a.index} by {secs:.2f} s: "
                                 "signed after it")
        done = len(self.cues)
        if self.rig is not None:
            groups = {}
            for p in placements:
                groups.setdefault(self.group_of(p.cue), []).append(p)
            solved = []
            for gid in sorted({self.group_of(c) for c in self.cues}):
                if self.cancelled:
                    raise Cancelled()
                members = [p for p in groups.get(gid, []) if p.track is not None]
                if members:
                    solved.append(self._solve_group(members))
                done += 1
                yield done, total, f"solving group {len(solved)}"
            result.plan = timing.merge_plans(solved, track.n_frames)
        result.reused = self.reused
        yield total, total, "keys"
        self.result = result

    def _solve_group(self, members):
        """KeyPlan for consecutive placed cues (they start and end at rest), reused when unchanged."""
        g0 = members[0].start
        rel = [replace(p, start=p.start - g0) for p in members]
        key = None
        if self.cache is not None and all(p.key is not None for p in members):
            key = ("group", tuple((p.key, r.start) for p, r in zip(members, rel)))
            if key in self.cache:
                self.reused += len(members)
                plan = self.cache[key]
                return timing.Placement(None, [], plan=plan, start=g0, frames=plan.n_frames)
        sub = timing.stitch(rel)
        plan = self.planner(sub, self.rig, self.profile, self.opt.tolerance, self.opt.finger_tolerance)
        for k in ("solve", "reduce"):
            self.timings[k] += plan.timings.get(k, 0.0)
        if key is not None:
            self.cache[key] = plan
        return timing.Placement(None, [], plan=plan, start=g0, frames=plan.n_frames)

    def run(self, progress=None):
        """Run every step; progress(done, total, label) is called after each."""
        for done, total, label in self.steps():
            if progress:
                progress(done, total, label)
        return self.result


# -- generators: gloss items -> PoseTrack ----------------------------------------------------------------

_POSE_MODELS = {}
SHIPPED_POSE_MODEL = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "inference",
                                  "models", "gloss2pose", "gloss2pose.onnx")


def neural_track(items, body, model_path=""):
    """The glosses as a canonical PoseTrack from a trained gloss -> pose model (onnxruntime), for comparing
    with the lexicon's synthesis; a missing or incompatible model is a clear SignLLMError."""
    from ..inference.pose_model import GlossToPose
    path = os.path.abspath(model_path or SHIPPED_POSE_MODEL)
    glosses = [it.gloss for it in items if it.kind == "sign"]
    if not glosses:
        raise SignLLMError("The neural pose model signs lexicon glosses only; this text has none.")
    try:
        model = _POSE_MODELS.get(path) or _POSE_MODELS.setdefault(path, GlossToPose(path))
        track, _report = model.pose_track(glosses, body)
    except SignLLMError as exc:
        raise SignLLMError(f"The pose model {os.path.basename(path)} cannot be used: {exc} "
                           "Use the lexicon generator, or pick a model exported by training/pose_model.") from None
    except Exception as exc:   # an ONNX graph of another shape: incompatible, not a crash
        raise SignLLMError(f"The pose model {os.path.basename(path)} is not a compatible gloss -> pose model "
                           f"({type(exc).__name__}). Use the lexicon generator.") from None
    return track


def synthesize(items, opt: Options, body, settings) -> inference.PoseTrack:
    """The options' generator: lexicon synthesis (the product path) or the neural pose model."""
    if opt.generator == "neural":
        return neural_track(items, body, opt.pose_model)
    return inference.gloss_to_track(items, opt.language, body, settings)
