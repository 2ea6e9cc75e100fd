"""The one bpy-facing service: text or gloss in, keyed rig out. Operators and scripts call `generate`.

Stages: gloss -> synthesis (on the rig's own proportions) -> solve -> key reduction -> write.
Everything before writing is pure; writing is undone on failure, so the scene is never half-changed.
"""
import logging
import time
import warnings
from dataclasses import dataclass, field

import bpy

from .. import inference
from ..inference import SignLLMError
from ..rigs import blender_io
from ..rigs.profiles import NotHumanoid, detect
from ..rigs.retarget import plan_keys
from ..rigs.solve import measure_body

log = logging.getLogger(__name__)


@dataclass
class Options:
    """Plain settings (the panel, preferences and scripts all fill this)."""
    language: str = "ASL"
    speed: float = 1.0
    left_handed: bool = False
    tolerance: float = 0.003        # metres at the hand
    finger_tolerance: float = 0.002
    frame_start: int = None         # None: the scene's start frame
    set_frame_range: bool = True
    markers: bool = True
    glosser: str = "rules"          # inference.GLOSSERS: 'rules', 'neural', 'neural+rules'


@dataclass
class Result:
    items: list
    track: object
    plan: object
    action: object
    profile: str
    timings: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)

    @property
    def gloss_text(self):
        return inference.format_gloss(self.items)


def check_armature(obj):
    """Raise SignLLMError with a user-facing message if obj cannot be animated."""
    if obj is None:
        raise SignLLMError("Select an armature (the character's rig) first.")
    if obj.type != "ARMATURE":
        raise SignLLMError(f"'{obj.name}' is a {obj.type.lower()}, not an armature: select the character's rig.")
    if obj.mode == "EDIT":
        raise SignLLMError("The armature is in Edit Mode: switch to Object or Pose Mode first.")
    if obj.library is not None and obj.override_library is None:
        raise SignLLMError(f"'{obj.name}' is linked from a library: make a library override to animate it.")
    if len(obj.pose.bones) == 0:
        raise SignLLMError(f"'{obj.name}' has no bones.")


def generate(obj, scene, text=None, gloss=None, options=None):
    """Sign `text` (or an edited `gloss`) on armature `obj`. Raises SignLLMError with a clear message."""
    opt = options or Options()
    check_armature(obj)
    t0 = time.perf_counter()
    timings = {}
    gloss_warnings = []
    if gloss is not None and str(gloss).strip():
        items = inference.parse_gloss(gloss)
    else:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", inference.GlosserFallbackWarning)
            items = inference.text_to_gloss(text, opt.language, getattr(opt, "glosser", "rules"))
        gloss_warnings = [str(w.message) for w in caught if issubclass(w.category, inference.GlosserFallbackWarning)]
    timings["gloss"] = time.perf_counter() - t0
    rig = blender_io.read_rig(obj)
    try:
        profile = detect(rig.bones)
    except NotHumanoid as exc:
        raise SignLLMError(str(exc)) from None
    body = measure_body(rig, profile)
    fps = scene.render.fps / scene.render.fps_base
    settings = inference.Settings(fps=fps, speed=max(0.25, min(4.0, opt.speed)),
                                  dominant="L" if opt.left_handed else "R")
    t = time.perf_counter()
    track = inference.gloss_to_track(items, opt.language, body, settings)
    timings["synthesis"] = time.perf_counter() - t
    t = time.perf_counter()
    plan = plan_keys(track, rig, profile, opt.tolerance, opt.finger_tolerance)
    timings["solve_reduce"] = time.perf_counter() - t
    start = scene.frame_start if opt.frame_start is None else int(opt.frame_start)
    name = "SignLLM " + (inference.format_gloss(items)[:40])
    t = time.perf_counter()
    ad = obj.animation_data
    before = (ad.action, ad.action_slot) if ad else (None, None)
    fake = before[0].use_fake_user if before[0] else None
    try:
        action = blender_io.write_plan(obj, plan, start, name)
    except Exception:
        log.exception("writing keys failed; restoring the previous action")
        new = obj.animation_data.action if obj.animation_data else None
        if obj.animation_data:
            obj.animation_data.action = before[0]
            if before[0] is not None and before[1] is not None:
                obj.animation_data.action_slot = before[1]
        if before[0] is not None:
            before[0].use_fake_user = fake
        if new is not None and new is not before[0]:
            bpy.data.actions.remove(new)
        raise
    action["signllm_gloss"] = inference.format_gloss(items)
    action["signllm_language"] = opt.language
    if opt.markers:
        blender_io.replace_markers(scene, [(s.gloss, s.start + start) for s in track.segments if s.kind != "pause"])
    if opt.set_frame_range:
        scene.frame_start = start
        scene.frame_end = start + track.n_frames - 1
    timings["write"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    log.info("signed %d glosses, %d frames, %d keys on %s (%s)", len(items), track.n_frames, plan.n_keys,
             obj.name, profile.label)
    return Result(items, track, plan, action, profile.label, timings, gloss_warnings + list(plan.warnings))
