"""The one bpy-facing service: text or gloss in, keyed rig out. Operators and scripts call `generate`.

Stages: gloss -> synthesis (on the rig's own proportions) -> solve -> key reduction -> write.
Everything before writing is pure; writing is undone on failure, so the scene is never half-changed.
"""
import logging
import os
import time
import warnings
from dataclasses import dataclass, field

import bpy

from .. import inference
from ..inference import SignLLMError
from ..inference.arguments import check_options
from ..inference.synthesis import DEFAULT_REST_POSE
from ..rigs import blender_io
from ..rigs.profiles import NotHumanoid, detect
from ..rigs.retarget import plan_keys
from ..rigs.solve import canonical, measure_body
from . import face_mapping, safety, verify

log = logging.getLogger(__name__)


@dataclass
class Options:
    """Plain settings (the panel, preferences and scripts all fill this)."""
    language: str = "ASL"
    speed: float = 1.0
    left_handed: bool = False
    letter_hold: float = 0.22       # seconds a fingerspelled letter is held at speed 1
    tolerance: float = 0.003        # metres at the hand
    finger_tolerance: float = 0.002
    frame_start: int = None         # None: the scene's start frame
    set_frame_range: bool = True
    markers: bool = True
    face_shape_keys: bool = True    # face shape keys (ARKit, VRoid, VRM) on meshes bound to the armature
    face_track: bool = False        # face keys (bones and shape keys) on an NLA track of their own
    mouthing: bool = False          # English mouthing (visemes) on signs without a mouth morpheme
    nla: str = "ACTION"             # 'ACTION': one action; 'STRIPS': one NLA strip per sign + a non-manual track
    glosser: str = "rules"          # inference.GLOSSERS: 'rules', 'neural', 'neural+rules'
    generator: str = "lexicon"      # 'lexicon' (synthesis from the sign lexicon) or 'neural' (a pose model)
    pose_model: str = ""            # .onnx of a gloss -> pose model ('' = the shipped research model)
    rest_pose: str = DEFAULT_REST_POSE
    """Start, end and idle arm: 'SIDES' (arms hanging relaxed at the sides) or 'FRONT' (hands resting loosely
    in front at waist height). The default lives in inference.synthesis.DEFAULT_REST_POSE."""


@dataclass
class Result:
    items: list
    track: object
    plan: object
    action: object
    profile: str
    timings: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    check: object = None    # verify.Check: the evaluated deform hands against their targets

    @property
    def verified(self):
        """True when Blender's evaluated deform hands are within 1 cm of their targets on the checked frames."""
        return self.check is not None and self.check.ok

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


def check_proportions(body, label):
    """Refuse degenerate arms (zero-length or collapsed bones) with a message instead of a solver error."""
    W = body.W
    if not W > 1e-4:
        raise SignLLMError(f"The {label} rig's shoulders are at the same point: the arms cannot be measured.")
    names = {"L": "left", "R": "right"}
    for side in "LR":
        upper, fore = body.arm_lengths(side)
        for part, length in (("upper arm", upper), ("forearm", fore)):
            if not length > 0.1 * W:
                raise SignLLMError(f"The rig's {names[side]} {part} is {length * 100:.1f} cm long against shoulders "
                                   f"{W * 100:.0f} cm apart: fix the bone (it looks collapsed) before signing.")


def read_base_rig(obj, scene):
    """The rig as the solver's static base: its rest pose plus the user's own animation at the start
    frame, never our earlier signing (so regenerating does not depend on the playhead or on itself)."""
    ad = obj.animation_data
    ours = ad is not None and ad.action is not None and ad.action.get(blender_io.ACTION_TAG)
    frame = scene.frame_current
    if not ours:
        return blender_io.read_rig(obj)
    action, slot = ad.action, ad.action_slot
    prev = bpy.data.actions.get(action.get("signllm_previous_action", "")) if action else None
    try:
        ad.action = prev
        if prev is not None and slot is not None and prev.slots.get(slot.identifier) is not None:
            ad.action_slot = prev.slots.get(slot.identifier)
        if prev is None:    # no user action: the pose our keys replaced is the rest pose
            with _rest_pose(obj):
                scene.frame_set(scene.frame_start)
                return blender_io.read_rig(obj)
        scene.frame_set(scene.frame_start)
        return blender_io.read_rig(obj)
    finally:
        ad.action = action
        if slot is not None:
            ad.action_slot = slot
        scene.frame_set(frame)


class _rest_pose:
    """Temporarily show the rest pose of the bones (restored afterwards)."""
    def __init__(self, obj):
        self.obj = obj

    def __enter__(self):
        self.saved = [(pb, pb.location.copy(), pb.rotation_quaternion.copy(), pb.rotation_euler.copy(),
                       pb.scale.copy()) for pb in self.obj.pose.bones]
        for pb in self.obj.pose.bones:
            pb.location = (0, 0, 0)
            pb.rotation_quaternion = (1, 0, 0, 0)
            pb.rotation_euler = (0, 0, 0)
            pb.scale = (1, 1, 1)

    def __exit__(self, *exc):
        for pb, loc, q, e, sc in self.saved:
            pb.location, pb.rotation_quaternion, pb.rotation_euler, pb.scale = loc, q, e, sc


def read_character(obj, scene):
    """(RigData in canonical space, Profile, BodyModel) of an armature; SignLLMError when unusable."""
    rig = read_base_rig(obj, scene)
    try:
        profile = detect(rig, blender_io.stored_mapping(obj))
    except NotHumanoid as exc:
        raise SignLLMError(str(exc)) from None
    ik = blender_io.stored_ik_controls(obj) if profile.mode == "fk" else None
    if ik:
        profile = profile.with_ik_controls(ik)
    rig = canonical(rig, profile)
    body = measure_body(rig, profile)
    check_proportions(body, profile.label)
    top = profile.bone("head_top")
    return rig, profile, _with_skin(obj, rig, body, bool(top and top in rig))


def _with_skin(obj, rig, body, head_top_bone=False):
    """Contact and collision on the character's own skin when the rig deforms a body mesh."""
    from .skin import skin_body
    return skin_body(obj, rig, body, head_top_bone)


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


def generate(obj, scene, text=None, gloss=None, options=None):
    """Sign `text` (or an edited `gloss`) on armature `obj`. Raises SignLLMError with a clear message."""
    opt = check_options(options or Options())   # NaN, 0, negative or huge speeds/tolerances: a clear error
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
    rig, profile, body = read_character(obj, scene)
    face_user = face_mapping.stored(obj)
    profile.face_bones_user = face_user.get("bones")
    profile.face_shape_channels = face_mapping.shape_channels(obj) if opt.face_shape_keys else set()
    fps = scene.render.fps / scene.render.fps_base
    settings = inference.Settings(fps=fps, speed=max(0.25, min(4.0, opt.speed)),
                                  dominant="L" if opt.left_handed else "R",
                                  letter_hold=max(0.05, min(2.0, opt.letter_hold)),
                                  rest_pose=getattr(opt, "rest_pose", DEFAULT_REST_POSE),
                                  mouthing=bool(getattr(opt, "mouthing", False)))
    t = time.perf_counter()
    if getattr(opt, "generator", "lexicon") == "neural":
        track = neural_track(items, body, getattr(opt, "pose_model", ""))
    else:
        track = inference.gloss_to_track(items, opt.language, body, settings)
    timings["synthesis"] = time.perf_counter() - t
    t = time.perf_counter()
    plan = plan_keys(track, rig, profile, opt.tolerance, opt.finger_tolerance)
    timings["solve_reduce"] = time.perf_counter() - t
    timings.update(plan.timings)
    start = scene.frame_start if opt.frame_start is None else int(opt.frame_start)
    name = "SignLLM " + (inference.format_gloss(items)[:40])
    t = time.perf_counter()
    with safety.scene_guard(obj, scene):     # a failure part-way leaves the scene as it was
        blender_io.remove_our_tracks(obj)
        face_own = getattr(opt, "face_track", False) and opt.nla != "STRIPS"
        if opt.nla == "STRIPS":
            action = blender_io.write_nla(obj, plan, track.segments, start, name, per_sign=True)
        else:
            action = face_mapping.write_body_and_face(obj, plan, start, name, face_own)
        if opt.face_shape_keys:
            faces = face_mapping.write_face_shapes(obj, track, start, name, face_user.get("shapes"),
                                                   getattr(opt, "face_track", False))
            if faces:
                log.info("face shape keys on %s", ", ".join(faces))
        action["signllm_gloss"] = inference.format_gloss(items)
        action["signllm_language"] = opt.language
        if opt.markers:
            blender_io.replace_markers(scene, [(s.gloss, s.start + start) for s in track.segments
                                               if s.kind != "pause"])
        if opt.set_frame_range:
            scene.frame_start = start
            scene.frame_end = start + track.n_frames - 1
    timings["write"] = time.perf_counter() - t
    t = time.perf_counter()
    check = verify.check_hands(obj, scene, plan, profile, start, rig.unit)   # Blender's evaluated rig vs targets
    timings["self_check"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    log.info("signed %d glosses, %d frames, %d keys on %s (%s)", len(items), track.n_frames, plan.n_keys,
             obj.name, profile.label)
    return Result(items, track, plan, action, profile.label, timings,
                  gloss_warnings + profile.warnings + list(plan.warnings) + check.warnings, check)
