"""Rig profiles (data in rigs/data/profiles.json), detection, and the canonical joint -> bone mapping. No bpy.

A Profile is resolved against one armature: `mapping` holds canonical roles ("hips", "hand.L",
"index.2.R", "thumb.tip.L", ...) -> bone names, which the solver reads and the user can correct.
"""
import functools
import os
import re

from ..inference.phonology import load_json

_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "profiles.json")
FINGERS = ("thumb", "index", "middle", "ring", "pinky")
SIDES = ("L", "R")
BODY_ROLES = ("hips", "spine", "chest", "neck", "head", "head_top")
ARM_ROLES = ("shoulder", "upper_arm", "forearm", "hand")
REQUIRED = ("hips", "head", "upper_arm.L", "forearm.L", "hand.L", "upper_arm.R", "forearm.R", "hand.R")
REQUIRED_FLOATING = ("hips", "head", "hand.L", "hand.R")   # half-body avatars: hands without arms


def roles():
    """Every canonical role, in display order."""
    out = list(BODY_ROLES)
    for s in SIDES:
        out += [f"{r}.{s}" for r in ARM_ROLES]
        for f in FINGERS:
            out += [f"{f}.{k}.{s}" for k in (1, 2, 3)] + [f"{f}.tip.{s}"]
    return out


class NotHumanoid(Exception):
    """The armature matches no profile: the message says what was missing."""


@functools.lru_cache(maxsize=1)
def profiles():
    return load_json(_PATH, "signllm.rigprofiles/2")["profiles"]


def _fill(template, side, sides, prefix):
    return prefix + (template.replace("{s}", sides[side]) if side else template)


def _pick(templates, side, sides, prefix, names):
    """First alternative that exists (a template or list of templates); else the first one."""
    alts = templates if isinstance(templates, list) else [templates]
    filled = [_fill(t, side, sides, prefix) for t in alts]
    return next((n for n in filled if n in names), filled[0])


def resolve_mapping(spec, names, prefix="", key="bones"):
    """Canonical role -> bone name for a profile spec (names that do not exist map to None)."""
    sides = spec.get("sides", {"L": ".L", "R": ".R"})
    m = {}
    for role, t in spec.get(key, {}).items():
        sided = any("{s}" in x for x in (t if isinstance(t, list) else [t]))
        for side in (SIDES if sided else (None,)):
            n = _pick(t, side, sides, prefix, names)
            m[f"{role}.{side}" if side else role] = n if n in names else None
    fkey = "fingers" if key == "bones" else "finger_" + key
    for side in SIDES:
        for f in FINGERS:
            chain = spec.get(fkey, {}).get(f, [])
            if chain and isinstance(chain[0], list):  # alternatives: the first complete one
                filled = [[_fill(t, side, sides, prefix) for t in alt] for alt in chain]
                chain = next((a for a in filled if all(n in names for n in a)), filled[0])
            else:
                chain = [_fill(t, side, sides, prefix) for t in chain]
            for k, n in enumerate(chain, 1):
                m[f"{f}.{k}.{side}"] = n if n in names else None
            tip = spec.get("tips", {}).get(f) if key == "bones" else None
            if tip:
                n = _fill(tip, side, sides, prefix)
                m[f"{f}.tip.{side}"] = n if n in names else None
    return m


class Profile:
    """A profile resolved for one armature: canonical role -> bone name (`mapping`)."""

    def __init__(self, key, spec, mapping, prefix="", measure_map=None, label=None):
        self.key = key
        self.spec = spec
        self.prefix = prefix
        self.label = label or spec.get("label", key)
        self.mode = spec.get("mode", "fk")
        self.sides = spec.get("sides", {"L": ".L", "R": ".R"})
        self.mapping = dict(mapping)
        self.measure_map = dict(measure_map or {})
        self.warnings = list(self.mapping.pop("_warnings", []))

    def bone(self, role):
        return self.mapping.get(role)

    def measure(self, part, side=None):
        role = f"{part}.{side}" if side else part
        return self.measure_map.get(role) or self.mapping.get(role)

    def fingers(self, side, key="fingers"):
        src = self.measure_map if key == "finger_measure" and self.measure_map else self.mapping
        return {f: [src.get(f"{f}.{k}.{side}") for k in (1, 2, 3)] for f in FINGERS}

    def tip(self, finger, side):
        return self.mapping.get(f"{finger}.tip.{side}")

    def fill(self, template, side=None):
        return _fill(template, side, self.sides, self.prefix)

    def ik(self, part, side):
        concrete = self.spec.get("ik_bones")
        if concrete is not None:
            return concrete.get(f"{part}.{side}")
        t = self.spec["ik"].get(part)
        return _fill(t, side, self.sides, self.prefix) if t else None

    def deform_hand(self, side):
        t = self.spec.get("deform_hand")
        return self.fill(t, side) if t else self.mapping.get(f"hand.{side}")

    def with_ik_controls(self, bones):
        """This FK profile keyed through IK controls added by SignLLM (bones: 'hand.L'/'pole.L' -> name)."""
        spec = dict(self.spec, mode="rigify_ik", ik_bones=dict(bones), ik={"props": {}})
        p = Profile(self.key, spec, self.mapping, self.prefix, self.measure_map, self.label + ", IK controls")
        p.warnings = list(self.warnings)
        return p

    def missing_required(self):
        need = REQUIRED_FLOATING if self.mode == "floating" else REQUIRED
        return [r for r in need if not self.mapping.get(r)]

    def with_mapping(self, user):
        """A copy whose mapping is corrected by `user` (role -> bone; '' or None unmaps a role)."""
        m = dict(self.mapping)
        changed = [r for r, b in (user or {}).items() if (b or None) != m.get(r)]
        for role, bone in (user or {}).items():
            m[role] = bone or None
        p = Profile(self.key, self.spec, m, self.prefix, self.measure_map, self.label)
        p.warnings = list(self.warnings)
        for role in changed:  # a corrected joint is measured on the bone the user chose
            p.measure_map.pop(role, None)
        if changed and self.key not in ("custom",):
            p.label = f"{self.label}, {len(changed)} joints set by hand"
        return p


def _prefix_for(spec, names):
    """The name prefix this profile's detect bones carry on this rig, or None if they are not all there."""
    pattern = spec.get("prefix", "")
    sides = spec.get("sides", {"L": ".L", "R": ".R"})
    detect = [_fill(t, "L", sides, "") for t in spec["detect"]]
    first = detect[0]
    cands = {n[: len(n) - len(first)] for n in names if n.endswith(first)}
    for p in sorted(cands, key=len):
        if re.fullmatch(pattern, p) and all(p + d in names for d in detect):
            return p
    return None


def _closest(names):
    best, best_missing = None, None
    for key, spec in profiles().items():
        sides = spec.get("sides", {"L": ".L", "R": ".R"})
        missing = [_fill(t, "L", sides, "") for t in spec["detect"] if _fill(t, "L", sides, "") not in names]
        if best_missing is None or len(missing) < len(best_missing):
            best, best_missing = key, missing
    return profiles()[best]["label"], best_missing


def partial_mapping(rig):
    """(mapping, label) to show when a rig is not recognised: the closest named rig's bones that exist here
    (the others empty), so Detect Bones can list every row the user still has to map."""
    names = set(getattr(rig, "bones", rig))
    best = None
    for key, spec in profiles().items():
        m = resolve_mapping(spec, names)
        found = sum(1 for b in m.values() if b)
        if best is None or found > best[0]:
            best = (found, spec.get("label", key), m)
    mapping = {r: None for r in roles()}
    if best is not None:
        mapping.update({r: b for r, b in best[2].items() if r in mapping})
    label = f"Not recognised (closest: {best[1]}): map the red rows" if best else "Not recognised: map the red rows"
    return mapping, label


def detect(rig, user_mapping=None):
    """The Profile for a rig (RigData, or bone names: then no generic fallback); raise NotHumanoid.

    Named profiles first (in file order), then the generic detector on the hierarchy and rest pose.
    `user_mapping` (role -> bone), when given, corrects the result.
    """
    bones = getattr(rig, "bones", None)
    names = set(bones if bones is not None else rig)
    prof = None
    for key, spec in profiles().items():
        prefix = _prefix_for(spec, names)
        if prefix is None:
            continue
        label = spec.get("label", key)
        for bone, text in spec.get("variants", {}).items():
            if prefix + bone in names:
                label = text
                break
        mm = resolve_mapping(spec, names, prefix, "measure") if "measure" in spec else None
        prof = Profile(key, spec, resolve_mapping(spec, names, prefix), prefix, mm, label)
        break
    if prof is None and bones is not None:
        from .generic import guess_half_body, guess_mapping
        mapping, why = guess_mapping(rig)
        half = guess_half_body(rig)[0] if mapping is None else None
        if mapping is not None:
            prof = Profile("generic", {"label": "Generic humanoid (found from the hierarchy)", "mode": "fk"},
                           mapping)
        elif half is not None:
            prof = Profile("half_body", {"label": "Half-body avatar (hands without arms: placed directly)",
                                         "mode": "floating"}, half)
        elif user_mapping and all(user_mapping.get(r) in names for r in REQUIRED):
            prof = Profile("custom", {"label": "Custom mapping", "mode": "fk"}, {})
        else:
            label, missing = _closest(names)
            raise NotHumanoid(f"This armature is not a supported humanoid rig: {why} "
                              f"(closest named rig: {label}, missing {', '.join(missing[:3])}). "
                              "Map its bones in the Sign > Bone Mapping panel.")
    if prof is None:
        label, missing = _closest(names)
        raise NotHumanoid(f"This armature is not a supported humanoid rig (closest: {label}, "
                          f"missing bones: {', '.join(missing[:4])}).")
    if user_mapping:
        prof = prof.with_mapping({r: b for r, b in user_mapping.items() if not b or b in names})
    missing = prof.missing_required()
    if missing:
        raise NotHumanoid(f"This armature is not a supported humanoid rig: no bone for {', '.join(missing)} "
                          "(set them in the Sign > Bone Mapping panel).")
    return prof
