"""Face profiles: how the track's face channels (ARKit's 52 names, 0..1) reach a face. No bpy.

rigs/data/face_profiles.json holds two kinds, like the body profiles in profiles.json:
- shape-key faces (ARKit, VRoid Fcl_ keys, VRM 1.0 expression names), detected from the shape keys of the
  meshes bound to the armature: each target key is clip(sum of channel x weight, 0, 1);
- bone faces (Rigify face controls; jaw and eye bones of game rigs), detected from the bone names and
  solved with the body in rigs/face_bones.py.
A face mapping (slot -> shape key or role -> bone) can be corrected by the user and is stored on the
armature (signllm_face_mapping: {"shapes": {...}, "bones": {...}}), as the body mapping is.
"""
import functools
import os

import numpy as np

from ..inference.mouth import channels
from ..inference.phonology import load_json
from . import keyreduce
from .retarget import CurveKeys

_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "face_profiles.json")
SIDE_WORD = {"L": "Left", "R": "Right"}


@functools.lru_cache(maxsize=1)
def face_profiles():
    data = load_json(_PATH, "signllm.faceprofiles/1")
    known = set(channels())
    for kind in ("shapes", "bones"):
        for p in data[kind]:
            recipes = [t["from"] for t in p.get("targets", [])]
            for r in p.get("roles", {}).values():
                recipes += [t["from"] for t in r.get("rotate", []) + r.get("move", [])]
            for rec in recipes:
                bad = [c for c in rec if c not in known]
                if bad:
                    raise ValueError(f"face_profiles.json: {p['key']}: unknown face channel {bad[0]!r}")
    return data


@functools.lru_cache(maxsize=1)
def _arkit_targets():
    return [{"slot": c, "names": [c], "from": {c: 1.0}} for c in channels()]


def _targets(profile):
    return _arkit_targets() if profile.get("identity") else profile["targets"]


def _find(names, lower):
    """The first of `names` on the mesh (case-insensitive; 'prefix.name' exports count too)."""
    for n in names:
        hit = lower.get(n.lower())
        if hit:
            return hit
    return None


def _lower_map(available):
    lower = {}
    for n in available:
        lower.setdefault(n.lower(), n)
        if "." in n:                       # 'blendShape1.browInnerUp' (Maya/FBX exports)
            lower.setdefault(n.rsplit(".", 1)[1].lower(), n)
    return lower


class ShapeFace:
    """A shape-key face profile resolved on one mesh: slot -> (shape key name, {channel: weight})."""

    def __init__(self, key, label, slots):
        self.key = key
        self.label = label
        self.slots = slots                 # slot -> (key name or None, recipe)

    @property
    def mapping(self):
        return {s: k for s, (k, _) in self.slots.items()}

    def with_mapping(self, user):
        """A copy with slots pointed at other shape keys ('' or None turns a slot off)."""
        slots = dict(self.slots)
        for slot, name in (user or {}).items():
            if slot in slots:
                slots[slot] = (name or None, slots[slot][1])
        return ShapeFace(self.key, self.label, slots)

    def found(self):
        return {s: k for s, (k, _) in self.slots.items() if k}


def detect_shapes(available, user=None):
    """The ShapeFace for a mesh's shape-key names (first profile with enough keys), or None."""
    lower = _lower_map(available)
    for prof in face_profiles()["shapes"]:
        slots = {}
        for t in _targets(prof):
            slots[t["slot"]] = (_find(t["names"], lower), t["from"])
        for t in _targets(prof):
            fb = t.get("fallback_for")
            if fb and any(slots.get(s, (None,))[0] for s in fb):
                slots[t["slot"]] = (None, t["from"])
        n = sum(1 for k, _ in slots.values() if k)
        if n >= prof.get("min_found", 1):
            face = ShapeFace(prof["key"], prof["label"], slots)
            return face.with_mapping({s: k for s, k in (user or {}).items() if not k or k in set(available)})
    return None


def channel_sum(track, recipe):
    """(T,) sum of channel x weight over the track's face channels (weights may be negative: eye look)."""
    v = np.zeros(track.n_frames)
    for ch, w in recipe.items():
        c = track.face.get(ch)
        if c is not None:
            v = v + w * np.asarray(c, float)
    return v


def target_values(track, recipe):
    """(T,) value of one shape-key target: its channel sum clipped to [0, 1]."""
    return np.clip(channel_sum(track, recipe), 0.0, 1.0)


def shape_key_curves(track, available, tol=0.02, user=None, still=False):
    """CurveKeys for the shape keys among `available` (names on the mesh); [] when the mesh has no face we
    know. Targets that stay at rest are left out, or with `still` given as two keys at 0 and group
    'face_still' (the writer keys them at the value the user had, unless the user animates them)."""
    face = detect_shapes(available, user)
    if face is None or not getattr(track, "face", None):
        return []
    fixed = sorted({s.start for s in track.segments} | {max(s.end - 1, 0) for s in track.segments})
    by_key = {}                            # two slots on one key (a corrected mapping) add up
    for name, recipe in face.slots.values():
        if name:
            r = by_key.setdefault(name, {})
            for ch, w in recipe.items():
                r[ch] = r.get(ch, 0.0) + w
    out = []
    for name, recipe in by_key.items():
        v = target_values(track, recipe)[:, None]
        if not np.any(v):
            if still:
                out.append(CurveKeys(name, f'key_blocks["{name}"].value', 0, np.array([0, track.n_frames - 1]),
                                     np.zeros(2), "face_still"))
            continue
        keys = keyreduce.reduce_keys(v, lambda rec, v=v: np.abs(rec[:, 0] - v[:, 0]), tol, fixed=fixed)
        out.append(CurveKeys(name, f'key_blocks["{name}"].value', 0, keys, np.clip(v[keys, 0], 0.0, 1.0), "face"))
    return out


# -- bone faces ------------------------------------------------------------------------------------
class BoneFace:
    """A bone face profile resolved on one armature: role -> bone name, with the role's spec."""

    def __init__(self, key, label, roles, specs):
        self.key = key
        self.label = label
        self.roles = roles                 # role -> bone name or None
        self.specs = specs                 # role -> spec from the data

    @property
    def mapping(self):
        return dict(self.roles)

    def with_mapping(self, user):
        roles = dict(self.roles)
        for role, bone in (user or {}).items():
            if role in roles:
                roles[role] = bone or None
        return BoneFace(self.key, self.label, roles, self.specs)

    def found(self):
        return {r: b for r, b in self.roles.items() if b}


def detect_bones(names, user=None):
    """The BoneFace of an armature's bone names (first profile that finds any role), or None."""
    names = set(names)
    lower = {n.lower(): n for n in names}
    for prof in face_profiles()["bones"]:
        roles = {r: _find(spec["names"], lower) for r, spec in prof["roles"].items()}
        if any(roles.values()):
            face = BoneFace(prof["key"], prof["label"], roles, prof["roles"])
            return face.with_mapping({r: b for r, b in (user or {}).items() if not b or b in names})
    return None
