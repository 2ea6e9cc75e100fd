"""The one options type of the signing pipeline. No bpy.

The panel (scene.signllm + add-on preferences), the command line (`build.py batch`, `build.py demo`), the
Python API (`service.generate`, `studio.sign_cues`) and the chunked jobs all fill this dataclass, and every
stage reads its settings from it, so a setting means the same thing whichever button or script started the
signing. `check()` turns a bad value into a clear SignLLMError instead of a silent clamp.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

from ..inference.errors import SignLLMError
from ..inference.synthesis import DEFAULT_REST_POSE, Settings

GLOSSERS = ("rules", "neural", "neural+rules")
GENERATORS = ("lexicon", "neural")
NLA_MODES = ("ACTION", "STRIPS")
POLICIES = ("interpret", "shift", "skip")


@dataclass
class Options:
    """Everything that decides what is signed and how it is keyed. Field by field:"""

    # -- what is signed ------------------------------------------------------------------------------
    language: str = "ASL"
    """Sign language code (inference/data/<code>/)."""
    glosser: str = "rules"
    """How text becomes gloss: 'rules' (lexicon + grammar tables), 'neural' or 'neural+rules' (research)."""
    generator: str = "lexicon"
    """How gloss becomes motion: 'lexicon' (phonological synthesis) or 'neural' (a gloss -> pose model)."""
    pose_model: str = ""
    """.onnx of a gloss -> pose model for generator='neural' ('' = the shipped research model)."""

    # -- timing --------------------------------------------------------------------------------------
    speed: float = 1.0
    """Signing speed, 1 = citation pace (0.25 .. 4). Subtitle cue rates multiply it."""
    letter_hold: float = 0.22
    """Seconds each fingerspelled letter is held at speed 1 (0.05 .. 2)."""
    fps: float | None = None
    """None: sign at the scene's frame rate. A number: set the scene to that rate first (a video's rate)."""
    lead_in: float = 0.25
    """Seconds at rest before the first sign of an untimed text."""
    final_hold: float = 0.3
    """Seconds the last sign of an untimed text is held before the hands return to rest."""
    cue_lead_in: float = 0.08
    """Seconds at rest before each subtitle cue (and each later chunk of a long text)."""
    cue_final_hold: float = 0.12
    """Seconds each subtitle cue (and each chunk but the last of a long text) holds its last sign."""
    chunk_chars: int = 300
    """A long untimed text is signed in sentence groups of about this many characters (one job step each)."""
    rate_limits: tuple = (0.7, 2.5)
    """Slowest and fastest rate (x speed) a subtitle cue may be signed at to fit its window."""
    policy: str = "interpret"
    """A cue that cannot fit its window: 'interpret' (lag behind the speech, compress, then condense),
    'shift' (sign it whole, later cues wait) or 'skip' (leave it out, reported)."""
    lag: float = 1.5
    """Seconds the signing may run behind the speech (policy 'interpret')."""
    max_sign_rate: float = 3.0
    """Signs per second a cue is never compressed beyond (fluent signing)."""
    condense: bool = True
    """Policy 'interpret': leave out fillers/intensifiers and shorten holds when a cue cannot keep up."""

    # -- body ----------------------------------------------------------------------------------------
    left_handed: bool = False
    """Mirror the signing: the left hand is dominant."""
    rest_pose: str = DEFAULT_REST_POSE
    """Start, end and idle arm: 'SIDES' (arms hanging relaxed) or 'FRONT' (hands resting in front at the waist)."""
    mouthing: bool = False
    """English mouthing (visemes) on signs without a mouth morpheme."""

    # -- keys ----------------------------------------------------------------------------------------
    tolerance: float = 0.003
    """Metres of hand error allowed when thinning keys (preferences: key reduction tolerance)."""
    finger_tolerance: float = 0.002
    """Metres of fingertip error allowed when thinning finger keys."""

    # -- writing into the scene ----------------------------------------------------------------------
    frame_start: int | None = None
    """First frame of the signing (None: the scene's start frame)."""
    set_frame_range: bool = True
    """Extend the scene's frame range to cover the signing (it is never shrunk)."""
    markers: bool = True
    """Timeline markers: one per sign (untimed text) or one per cue (subtitles)."""
    face_shape_keys: bool = True
    """Key ARKit brow shape keys on meshes bound to the armature."""
    nla: str = "ACTION"
    """'ACTION': one action; 'STRIPS': one NLA strip per sign plus a non-manual track."""
    face_track: bool = False
    """Face keys (face bones and shape keys) on an NLA track of their own."""

    # -------------------------------------------------------------------------------------------------
    def check(self) -> "Options":
        """Raise SignLLMError for a value no stage can use (NaN, inf, out of range, unknown name)."""
        def number(name, lo, hi):
            v = getattr(self, name)
            try:
                f = float(v)
            except (TypeError, ValueError):
                raise SignLLMError(f"{name.replace('_', ' ').capitalize()} must be a number, not {v!r}.") from None
            if not math.isfinite(f) or not lo <= f <= hi:
                raise SignLLMError(f"{name.replace('_', ' ').capitalize()} must be between {lo:g} and {hi:g} "
                                   f"(got {v!r}).")

        number("speed", 0.25, 4.0)
        number("letter_hold", 0.05, 2.0)
        number("tolerance", 1e-5, 0.05)
        number("finger_tolerance", 1e-5, 0.05)
        for name in ("lead_in", "final_hold", "cue_lead_in", "cue_final_hold"):
            number(name, 0.0, 5.0)
        if self.fps is not None:
            number("fps", 1.0, 240.0)
        number("lag", 0.0, 10.0)
        number("max_sign_rate", 0.5, 10.0)
        lo, hi = self.rate_limits
        if not (math.isfinite(lo) and math.isfinite(hi) and 0.1 <= lo <= 1.0 <= hi <= 4.0):
            raise SignLLMError("Subtitle rates need 0.1 <= slowest <= 1 <= fastest <= 4.")
        for name, allowed in (("glosser", GLOSSERS), ("generator", GENERATORS), ("nla", NLA_MODES),
                              ("policy", POLICIES)):
            if getattr(self, name) not in allowed:
                raise SignLLMError(f"Unknown {name} {getattr(self, name)!r}; use one of {', '.join(allowed)}.")
        if int(self.chunk_chars) < 40:
            raise SignLLMError("Chunks of a long text need at least 40 characters.")
        return self

    def settings(self, fps: float, rate: float = 1.0, lead_in: float | None = None,
                 final_hold: float | None = None) -> Settings:
        """Synthesis settings at `fps`, `rate` x the user's speed (cue fitting), with this job's holds."""
        return Settings(fps=float(fps), speed=max(0.25, min(4.0, self.speed * rate)),
                        dominant="L" if self.left_handed else "R", letter_hold=float(self.letter_hold),
                        lead_in=self.lead_in if lead_in is None else lead_in,
                        final_hold=self.final_hold if final_hold is None else final_hold,
                        rest_pose=self.rest_pose, mouthing=bool(self.mouthing))

    def with_(self, **changes) -> "Options":
        """A copy with some fields changed (the original is never modified)."""
        return replace(self, **changes)

    @classmethod
    def from_mapping(cls, values: dict) -> "Options":
        """Options from a dict (CLI arguments, JSON); unknown keys are a clear error."""
        names = {f.name for f in fields(cls)}
        bad = sorted(set(values) - names)
        if bad:
            raise SignLLMError(f"Unknown option {bad[0]!r}.")
        return cls(**values)


def synthesis_key(opt: Options) -> tuple:
    """The fields a placed cue depends on (a cached cue is reused only when all of them match)."""
    return (opt.language, opt.glosser, opt.generator, opt.pose_model, opt.speed, opt.letter_hold, opt.lead_in,
            opt.final_hold, opt.cue_lead_in, opt.cue_final_hold, tuple(opt.rate_limits), opt.policy,
            opt.lag, opt.max_sign_rate, opt.condense, opt.left_handed, opt.rest_pose, opt.mouthing, opt.tolerance,
            opt.finger_tolerance)
