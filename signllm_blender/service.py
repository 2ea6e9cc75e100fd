"""The one bpy-facing signing pipeline: text | gloss | subtitle cues | pose file -> plan -> keys.

Every entry point (the panel's buttons, `build.py batch` / `demo`, scripts) comes here with one
`Options` (studio/options.py). `job_for` reads the rig and builds a `studio.jobs.SignJob` (pure: gloss,
synthesis, solve, key reduction, in chunks); `write` puts the finished plan into the scene in one go.
A short text is a job of one chunk, a long text or a subtitle file a job of many: the same code.

The user's scene stays theirs: our previous signing action is replaced (never stacked), the user's own
action stays in the file and comes back with `remove_signing`, the frame range is only ever extended,
and a failure part-way leaves the scene as it was (`safety.scene_guard`).
"""
from __future__ import annotations

import difflib
import json
import logging
import time
from dataclasses import dataclass, field

import numpy as np

from .. import inference
from ..inference import SignLLMError
from ..inference.arguments import check_options
from ..rigs import blender_io
from ..rigs.profiles import NotHumanoid, detect
from ..rigs.retarget import plan_keys
from ..rigs.solve import canonical, measure_body
from ..studio import glossedit, live, timing
from ..studio.jobs import SHIPPED_POSE_MODEL, SignJob, neural_track  # noqa: F401  (part of this API)
from ..studio.options import Options
from ..studio.subtitles import Cue, split_paragraph
from . import face_mapping, safety, verify

log = logging.getLogger(__name__)

CUE_SEP = "||"                    # between cues in the editable gloss of a subtitle signing
CUES_PROP = "signllm_cues"        # action and scene: the cues signed [[index, start, end, text]] (JSON)
ROWS_PROP = "signllm_rows"        # action and scene: the Signs list as plain data (JSON)
REPORT_PROP = "signllm_cue_report"  # scene: the last job's lines about cues that need attention
GLOSS_PROP = "signllm_gloss_text"  # scene: the editable gloss of the last signing
OPTIONS_PROP = "signllm_options"  # action: the options it was signed with (JSON)
RANGE_PROP = "signllm_user_range"  # scene: the user's frame range before signing extended it
SET_RANGE_PROP = "signllm_set_range"  # scene: the range signing last set
_CACHE = {}                       # solved cues of this session (see SignJob.cache)


@dataclass
class Result:
    items: list
    track: object
    plan: object
    action: object
    profile: str
    timings: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    job: object = None
    check: object = None    # verify.Check: the evaluated deform hands against their targets

    @property
    def verified(self):
        """True when Blender's evaluated deform hands are within 1 cm of their targets on the checked frames."""
        return self.check is not None and self.check.ok

    @property
    def gloss_text(self):
        return inference.format_gloss(self.items)


# -- the rig ----------------------------------------------------------------------------------------------

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
    ours = ad is not None and blender_io.is_ours(ad.action)
    frame = scene.frame_current
    if not ours:
        return blender_io.read_rig(obj)
    action, slot = ad.action, ad.action_slot
    prev, slot_id, _fake = blender_io.user_action(action)
    try:
        ad.action = prev
        if prev is not None:
            s = prev.slots.get(slot_id) if slot_id else None
            s = s or (prev.slots.get(slot.identifier) if slot is not None else None)
            if s is not None:
                ad.action_slot = s
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
    return rig, profile, _with_skin(obj, rig, body, bool(top and top in rig), profile)


def _with_skin(obj, rig, body, head_top_bone=False, profile=None):
    """Contact and collision on the character's own skin (and hands) when the rig deforms a body mesh."""
    from .skin import skin_body
    return skin_body(obj, rig, body, head_top_bone, profile)


def rig_key(obj, rig, profile):
    """What a cue's solution depends on besides the cue: the rest pose, the current pose of the bones the
    solver carries rigidly (the arm chains' ancestors, the head control) and the rotation modes (Euler
    bones are keyed in their own mode). Cached cues are reused only then."""
    names = set()
    for side in "LR":
        # the arm chain's root; a half-body avatar has no arm chain, its floating hand is the root
        root = profile.measure("upper_arm", side) or profile.measure("hand", side)
        b = rig[root].parent if root in rig.bones else None
        while b is not None:
            names.add(b)
            b = rig[b].parent
    head = profile.spec.get("head_control")
    if head and head in rig.bones:
        names.add(head)
    rest = np.stack([b.rest for b in rig.bones.values()])
    pose = np.stack([rig[n].pose for n in sorted(names)]) if names else np.zeros(1)
    modes = tuple(b.rotation_mode for b in rig.bones.values())
    return (obj.name, profile.label, len(rest), hash(np.round(rest, 6).tobytes()), hash(np.round(pose, 6).tobytes()),
            hash(modes))


# -- options ---------------------------------------------------------------------------------------------

def scene_fps(scene):
    return scene.render.fps / scene.render.fps_base


def apply_options(scene, options=None) -> Options:
    """Checked options for this scene: Options.fps (when set) becomes the scene's frame rate; the copy
    returned carries the rate actually signed at."""
    # the shared wording for bad numbers (inference.arguments, the same as the command line), then the rest
    opt = check_options(options or Options()).check()
    if opt.fps is not None and abs(scene_fps(scene) - float(opt.fps)) > 1e-6:
        whole = max(1, int(round(float(opt.fps))))
        scene.render.fps, scene.render.fps_base = whole, whole / float(opt.fps)
    return opt.with_(fps=scene_fps(scene))


# -- sources -> a job --------------------------------------------------------------------------------------

def text_cues(text, opt):
    """An untimed text as cues of about opt.chunk_chars (sentence groups): the steps of one job."""
    if text is None or not str(text).strip():
        raise SignLLMError("Type some text to sign.")
    if len(text) > inference.MAX_TEXT:
        raise SignLLMError(f"The text is {len(text):,} characters; the limit is {inference.MAX_TEXT:,}. Split it.")
    chunks = split_paragraph(str(text), int(opt.chunk_chars))
    if not chunks:
        raise SignLLMError("Type some text to sign.")
    return [Cue(i + 1, 0.0, 0.0, c, c) for i, c in enumerate(chunks)]


def stored_signing(obj, scene=None):
    """{'cues': [Cue], 'rows': [row]} of the signing obj plays now (read from its action, else the scene's
    copy, so a .blend written headless by `batch` regenerates and edits like one signed in the panel)."""
    ad = obj.animation_data if obj is not None else None
    src = ad.action if ad is not None and blender_io.is_ours(ad.action) else None
    if src is None and ad is not None:
        src = next((s.action for t in ad.nla_tracks if t.name.startswith(blender_io.NLA_PREFIX)
                    for s in t.strips if blender_io.is_ours(s.action)), None)
    out = {"cues": [], "rows": []}
    for holder in (src, scene):
        if holder is None or CUES_PROP not in holder:
            continue
        try:
            out["cues"] = [Cue(int(i), float(s), float(e), str(t)) for i, s, e, t in json.loads(holder[CUES_PROP])]
            out["rows"] = json.loads(holder.get(ROWS_PROP, "[]"))
        except (TypeError, ValueError):
            continue
        break
    return out


def carry_over(items, old_rows):
    """Signs the user did not change keep what the list knew of them: source words, review flags,
    names and their own durations (the edited gloss text cannot hold those)."""
    if not old_rows:
        return items
    old = [r.get("gloss", "") for r in old_rows]
    new = [it.gloss if it.kind != "spell" else f"fs-{it.letters}" for it in items]
    sm = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for a, b, n in sm.get_matching_blocks():
        for k in range(n):
            r, it = old_rows[a + k], items[b + k]
            it.words = r.get("words", "") or it.words
            it.review = bool(r.get("review")) or it.review
            it.name = bool(r.get("name")) or it.name
            if it.kind == "sign" and r.get("duration"):
                it.duration = float(r["duration"]) / max(float(r.get("speed") or 1.0), 1e-3)
    return items


def gloss_cues(obj, scene, gloss):
    """Cues and their gloss items from an edited gloss. After subtitles the gloss holds one part per cue
    (separated by '||'): each part keeps its cue's timing, and unchanged cues are reused as they were."""
    parts = [p.strip() for p in str(gloss).split(CUE_SEP)]
    prev = stored_signing(obj, scene)
    cues = prev["cues"]
    timed = any(c.end > c.start for c in cues)
    if len(cues) == len(parts) and (timed or len(parts) > 1):
        pass
    elif timed:
        raise SignLLMError(f"The gloss has {len(parts)} parts but the subtitles had {len(cues)} cues: keep one "
                           f"'{CUE_SEP}' between the cues' glosses so each keeps its timing.")
    elif len(parts) > 1:
        cues = [Cue(i + 1, 0.0, 0.0, "") for i in range(len(parts))]
    else:
        cues = [Cue(1, 0.0, 0.0, "")]
    items = {}
    by_cue = {}
    for r in prev["rows"]:
        by_cue.setdefault(int(r.get("cue", 0)), []).append(r)
    for cue, part in zip(cues, parts):
        its = inference.parse_gloss(part) if part or len(parts) == 1 else []
        items[cue.index] = carry_over(its, by_cue.get(cue.index, []))
    return cues, items


def job_for(obj, scene, options=None, text=None, gloss=None, cues=None, items=None) -> SignJob:
    """The signing job for one source (reads the rig; writes nothing). Exactly one of text, gloss, cues."""
    check_armature(obj)
    opt = apply_options(scene, options)
    if cues is None:
        if gloss is not None and str(gloss).strip():
            cues, items = gloss_cues(obj, scene, gloss)
        else:
            cues = text_cues(text, opt)
    inference.load_language(opt.language)    # an unknown language fails before the rig is read
    rig, profile, body = read_character(obj, scene)
    face_user = face_mapping.stored(obj)
    profile.face_bones_user = face_user.get("bones")
    profile.face_shape_channels = face_mapping.shape_channels(obj) if opt.face_shape_keys else set()
    job = SignJob(cues, body, opt, rig=rig, profile=profile, items=items, cache=_CACHE,
                  rig_key=rig_key(obj, rig, profile), planner=plan_keys)
    job.label = ""
    return job


# -- the one writer ---------------------------------------------------------------------------------------

def cue_marker_name(p):
    text = p.cue.text or "(no words)"
    flag = "" if p.status == "ok" else "! "
    return f"{flag}{p.cue.index}: {text[:28]}"


MAX_SIGN_MARKERS = 2000   # a longer text gets a marker per chunk (a timeline of 10,000 markers is unreadable)


def _markers(job, start):
    res = job.result
    timed = any(c.end > c.start for c in job.cues)
    signs = [s for s in res.track.segments if s.kind != "pause"]
    if timed or len(signs) > MAX_SIGN_MARKERS:
        return [(cue_marker_name(p), start + p.start) for p in res.placements]
    return [(s.label or s.gloss, s.start + start) for s in signs]


def _extend_range(scene, start, end):
    """The scene's range covers the signing; it is only ever extended, never shrunk. The user's own range
    is remembered (until they change it themselves) so Remove Signing can give it back."""
    now = [scene.frame_start, scene.frame_end]
    if SET_RANGE_PROP in scene and list(scene[SET_RANGE_PROP]) == now and RANGE_PROP in scene:
        user = list(scene[RANGE_PROP])          # still the range we set: extend the user's, not ours
    else:
        user = now
        scene[RANGE_PROP] = now
    lo, hi = min(user[0], start), max(user[1], end)
    scene.frame_start, scene.frame_end = lo, hi
    scene[SET_RANGE_PROP] = [lo, hi]


def gloss_text_of(job):
    """The editable gloss of a finished job: one part per cue when it signed timed cues."""
    res = job.result
    parts = [inference.format_gloss(p.items) for p in res.placements]
    if any(c.end > c.start for c in job.cues) or len(parts) > 1:
        return f" {CUE_SEP} ".join(parts)
    return parts[0] if parts else ""


def write(obj, scene, job, options=None, label=None):
    """Write a finished job into the scene in one go: the action (or NLA strips), face shape keys, markers,
    frame range, and the Signs list as plain data. Our previous signing is replaced. Returns the action."""
    res = job.result
    if res is None or res.plan is None:
        raise SignLLMError("The job has not finished; nothing was written.")
    opt = options or job.opt
    start = scene.frame_start if opt.frame_start is None else int(opt.frame_start)
    gloss = gloss_text_of(job)
    name = "SignLLM " + (label or gloss[:40] or f"{len(job.cues)} cues")
    track = res.track
    replaced = []
    rows = glossedit.rows_from(res.placements, start)
    with safety.scene_guard(obj, scene):     # a failure part-way leaves the scene as it was
        blender_io.remove_our_tracks(obj, replaced)
        if opt.nla == "STRIPS":
            action = blender_io.write_nla(obj, res.plan, track.segments, start, name, per_sign=True,
                                          replaced=replaced)
        elif opt.face_track:     # face bones on an NLA track of their own (face_mapping.write_body_and_face)
            face = [c for c in res.plan.curves if c.group == "face"]
            body = [c for c in res.plan.curves if c.group != "face"]
            action = blender_io.write_plan(obj, res.plan, start, name, curves=body, replaced=replaced)
            if face:
                blender_io.write_face_nla(obj, obj, face, start, f"{name} [face]", "OBJECT")
        else:
            action = blender_io.write_plan(obj, res.plan, start, name, replaced=replaced)
        if opt.face_shape_keys:
            from ..rigs.face import shape_key_curves
            user_shapes = face_mapping.stored(obj).get("shapes")
            faces = blender_io.write_shape_keys(
                obj, lambda names: shape_key_curves(track, names, user=user_shapes, still=True), start, name,
                nla=opt.face_track, replaced=replaced)
            if faces:
                log.info("face shape keys on %s", ", ".join(faces))
        else:
            for ob in blender_io.bound_meshes(obj):    # no face keys this time: not our old ones either
                key = ob.data.shape_keys
                if key is not None and key.animation_data is not None and blender_io.is_ours(key.animation_data.action):
                    replaced.append(key.animation_data.action)
                    blender_io.restore_user_action(key)
        cues = json.dumps([[c.index, c.start, c.end, c.text] for c in job.cues])
        rows_json = json.dumps(rows)
        action["signllm_gloss"] = gloss
        action["signllm_language"] = opt.language
        action[CUES_PROP] = cues
        action[ROWS_PROP] = rows_json
        action[OPTIONS_PROP] = json.dumps({k: v for k, v in vars(opt).items() if k != "frame_start"},
                                          default=list)
        action["signllm_frame_start"] = start
        if opt.markers:
            blender_io.replace_markers(scene, _markers(job, start))
        if opt.set_frame_range:
            _extend_range(scene, start, start + track.n_frames - 1)
        scene[CUES_PROP] = cues
        scene[ROWS_PROP] = rows_json
        scene[GLOSS_PROP] = gloss
        scene[REPORT_PROP] = json.dumps(res.report)
    blender_io.drop_replaced(replaced, keep={action})
    # Blender's evaluated deform hands against their targets (rigs/verify): a wrong rig is reported
    job.check = verify.check_hands(obj, scene, res.plan, job.profile, start, job.rig.unit)
    _keep_live_state(obj, job, opt, action)
    from . import signs
    signs.show(scene, rows, gloss)
    return action


# -- live editing -----------------------------------------------------------------------------------------

_LIVE = {}                # armature name -> (action name, studio.live.LiveState) of its last short signing
LIVE_MAX_FRAMES = 6000    # longer signings are re-signed in full (their chunks are reused by the job cache)


def _keep_live_state(obj, job, opt, action):
    """Remember what a live edit of this signing needs (a single untimed text of the lexicon generator)."""
    _LIVE.pop(obj.name, None)
    res = job.result
    if len(job.cues) != 1 or job.cues[0].end > job.cues[0].start or opt.generator != "lexicon" \
            or opt.nla != "ACTION" or res.track.n_frames > LIVE_MAX_FRAMES or job.rig is None:
        return
    from ..inference.synthesis import Synthesizer
    lang = inference.load_language(opt.language)
    lead, hold = job._holds(job.cues[0])
    synth = live.memoise_signs(Synthesizer(lang.phonology, lang.lexicon, lang.alphabet, job.body,
                                           opt.settings(job.fps, 1.0, lead, hold)))
    state = live.LiveState(list(res.placements[0].items), res.track, res.plan, synth, job.rig, job.profile,
                           opt.tolerance, opt.finger_tolerance, int(round(0.2 * job.fps)))
    _LIVE[obj.name] = (action.name, state, opt)


def live_edit(obj, scene, items) -> bool:
    """Re-sign after an edit of the sign list, re-keying only the edited sign's neighbourhood, into the
    action already there. False when that is not possible (no live state, a long or subtitle signing, a
    change that is not local): the caller then regenerates in full."""
    entry = _LIVE.get(obj.name)
    ad = obj.animation_data
    if entry is None or ad is None or ad.action is None or ad.action.name != entry[0]:
        return False
    _name, state, opt = entry
    action = ad.action
    old = state.plan
    try:
        track, plan = live.edit(state, items, plan_keys)
    except live.NotLocal:
        return False
    t0 = time.perf_counter()
    start = int(action.get("signllm_frame_start", scene.frame_start))
    blender_io.write_curves(action, ad.action_slot, obj, plan.curves, start, keep=live.unchanged(old, plan))
    if opt.face_shape_keys:
        from ..rigs.face import shape_key_curves
        for ob in blender_io.bound_meshes(obj):
            key = ob.data.shape_keys
            kad = key.animation_data if key is not None else None
            if kad is not None and blender_io.is_ours(kad.action):
                curves = shape_key_curves(track, {kb.name for kb in key.key_blocks})
                blender_io.write_curves(kad.action, kad.action_slot, ob, curves, start)
    t1 = time.perf_counter()
    cue = Cue(1, 0.0, 0.0, "")
    rows = glossedit.rows_from([timing.Placement(cue, list(items), track, frames=track.n_frames)], start)
    gloss = inference.format_gloss(items)
    action["signllm_gloss"] = gloss
    action[ROWS_PROP] = scene[ROWS_PROP] = json.dumps(rows)
    scene[GLOSS_PROP] = gloss
    if opt.markers:
        blender_io.replace_markers(scene, [(s.gloss, s.start + start) for s in track.segments if s.kind != "pause"])
    if opt.set_frame_range:
        _extend_range(scene, start, start + track.n_frames - 1)
    from . import signs
    signs.show(scene, rows, gloss)
    state.timings["write"] = t1 - t0
    state.timings["rows"] = time.perf_counter() - t1
    return True


def remove_signing(obj, scene):
    """Take our signing off obj: the user's own action (and slot, and fake-user flag) comes back, our
    actions, NLA tracks, face keys and markers go, and the frame range returns to the user's."""
    check_armature(obj)
    removed = False
    ad = obj.animation_data
    if ad is not None:
        ours = [s.action for t in ad.nla_tracks if t.name.startswith(blender_io.NLA_PREFIX) for s in t.strips]
        removed |= bool(ours)
        blender_io.remove_our_tracks(obj)
        blender_io.drop_replaced(ours)
        removed |= blender_io.restore_user_action(obj)
    for ob in blender_io.bound_meshes(obj):
        key = ob.data.shape_keys
        if key is not None:
            removed |= blender_io.restore_user_action(key)
    if not removed:
        raise SignLLMError(f"'{obj.name}' has no signing to remove.")
    blender_io.replace_markers(scene, [])
    if SET_RANGE_PROP in scene and list(scene[SET_RANGE_PROP]) == [scene.frame_start, scene.frame_end] \
            and RANGE_PROP in scene:
        scene.frame_start, scene.frame_end = (int(v) for v in scene[RANGE_PROP])
    for k in (SET_RANGE_PROP, RANGE_PROP, CUES_PROP, ROWS_PROP, REPORT_PROP, GLOSS_PROP):
        scene.pop(k, None)
    from . import signs
    signs.show(scene, [], "")
    return True


# -- the Python API -------------------------------------------------------------------------------------

def run(obj, scene, job, progress=None, label=None) -> Result:
    """Run a job to the end and write it; a Result with timings per stage."""
    t0 = time.perf_counter()
    job.run(progress)
    t = time.perf_counter()
    action = write(obj, scene, job, label=label)
    timings = dict(job.timings)
    timings["write"] = time.perf_counter() - t
    check = job.check
    timings["solve_reduce"] = timings["solve"] + timings["reduce"]
    timings["total"] = time.perf_counter() - t0 + getattr(job, "read_s", 0.0)
    res = job.result
    log.info("signed %d glosses, %d frames, %d keys on %s (%s)", len(res.items), res.track.n_frames,
             res.plan.n_keys, obj.name, job.profile.label)
    return Result(res.items, res.track, res.plan, action, job.profile.label, timings,
                  list(dict.fromkeys(job.warnings + job.profile.warnings + list(res.plan.warnings) + res.report
                                     + list(check.warnings))), job, check)


def generate(obj, scene, text=None, gloss=None, options=None, progress=None) -> Result:
    """Sign `text` (or an edited `gloss`) on armature `obj`. Raises SignLLMError with a clear message."""
    t0 = time.perf_counter()
    job = job_for(obj, scene, options, text=text, gloss=gloss)
    job.read_s = time.perf_counter() - t0
    return run(obj, scene, job, progress)


def sign_cues(obj, scene, cues, options=None, items=None, progress=None, label=None) -> Result:
    """Sign timed cues (or untimed paragraphs) on obj in one action."""
    job = job_for(obj, scene, options, cues=cues, items=items)
    return run(obj, scene, job, progress, label)
