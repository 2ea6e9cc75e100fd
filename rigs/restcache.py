"""Rest-pose quantities of one rig + profile, computed once and reused by every solver call. No bpy.

A live edit solves a window of a few dozen frames, where the solver's fixed cost (4x4 inverses of rest and
pose matrices, hand frames, finger geometry, twist shares: all functions of the rig alone) dominated. A
`RigData` is a snapshot (rigs/blender_io reads a new one whenever the armature is read), never changed in
place, so the cache is found by the rig object and its content; a new rig or a changed profile (bone mapping,
measure bones, mode) finds other entries. Every value is computed by the same code as without the cache, so
cached and uncached solves agree exactly (tests/test_rest_cache.py).
"""
from __future__ import annotations

import hashlib
import weakref
from collections import OrderedDict

import numpy as np

ENABLED = True            # False: every solve computes its rest data afresh (the reference, for tests)
_MAX = 6                  # rigs (x profiles) kept
_BY_ID: dict = {}         # id(rig) -> (weakref to rig, content fingerprint)
_BY_KEY: OrderedDict = OrderedDict()   # (rig fingerprint, profile fingerprint) -> RestData


def rig_fingerprint(rig) -> bytes:
    """Digest of everything a RigData holds that the solver reads (bones, hierarchy, units, axes)."""
    h = hashlib.blake2b(digest_size=16)
    bones = list(rig.bones.values())
    if bones:
        h.update(np.stack([b.rest for b in bones]).tobytes())
        h.update(np.stack([b.pose for b in bones]).tobytes())
    h.update(repr([(b.name, b.parent, float(b.length), bool(b.local_location), b.rotation_mode, bool(b.deform),
                    bool(b.constrained)) for b in bones]).encode())
    h.update(repr((float(rig.world_scale), float(rig.unit), sorted(rig.props.items()) if rig.props else None))
             .encode())
    h.update(b"-" if rig.axes is None else np.asarray(rig.axes, float).tobytes())
    return h.digest()


def profile_fingerprint(profile) -> tuple:
    """What of a profile the rest data depends on: its mode and the role -> bone mappings."""
    return (profile.key, profile.mode, profile.prefix, tuple(sorted(profile.mapping.items())),
            tuple(sorted(profile.measure_map.items())))


class RestData:
    """Lazily computed rest quantities of one rig (and profile); each is computed on first use."""

    def __init__(self, rig, profile):
        self.rig = rig
        self.profile = profile
        self.memo = {}

    def _get(self, key, fn):
        v = self.memo.get(key)
        if v is None:
            v = self.memo[key] = fn()
        return v

    def offset(self, name: str) -> np.ndarray:
        """parent.rest^-1 @ bone.rest: the bone's rest matrix in its parent's rest axes."""
        return self._get(("offset", name), lambda: np.linalg.inv(self.rig[self.rig[name].parent].rest)
                         @ self.rig[name].rest)

    def relative(self, a: str, b: str, attr: str = "rest") -> np.ndarray:
        """a.M^-1 @ b.M for M = rest or pose: b carried rigidly by a."""
        return self._get(("rel", a, b, attr), lambda: np.linalg.inv(getattr(self.rig[a], attr))
                         @ getattr(self.rig[b], attr))

    def inv3(self, name: str, attr: str = "pose") -> np.ndarray:
        """Inverse of the bone's 3x3 rest or pose rotation part."""
        return self._get(("inv3", name, attr), lambda: np.linalg.inv(getattr(self.rig[name], attr)[:3, :3]))

    def value(self, key: tuple, fn):
        """Any other rest quantity, by a key naming it and its arguments."""
        return self._get(key, fn)


def rest_data(rig, profile) -> RestData:
    """The RestData for this rig and profile: cached unless `ENABLED` is False."""
    if not ENABLED:
        return RestData(rig, profile)
    hit = _BY_ID.get(id(rig))
    if hit is None or hit[0]() is not rig:
        if len(_BY_ID) > 4 * _MAX:
            for k in [k for k, (ref, _fp) in _BY_ID.items() if ref() is None]:
                del _BY_ID[k]
        hit = _BY_ID[id(rig)] = (weakref.ref(rig), rig_fingerprint(rig))
    key = (hit[1], profile_fingerprint(profile))
    rd = _BY_KEY.get(key)
    if rd is None:
        rd = _BY_KEY[key] = RestData(rig, profile)
        while len(_BY_KEY) > _MAX:
            _BY_KEY.popitem(last=False)
    else:
        _BY_KEY.move_to_end(key)
    return rd


def clear() -> None:
    """Forget every cached rig."""
    _BY_ID.clear()
    _BY_KEY.clear()
