"""Rig profiles (data in rigs/data/profiles.json) and detection from bone names. No bpy."""
import functools
import os

from ..inference.phonology import load_json

_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "profiles.json")
FINGERS = ("thumb", "index", "middle", "ring", "pinky")


class NotHumanoid(Exception):
    """The armature matches no profile: the message says what was missing."""


@functools.lru_cache(maxsize=1)
def profiles():
    return load_json(_PATH, "signllm.rigprofiles/1")["profiles"]


class Profile:
    """A profile resolved for one side-naming scheme: canonical part -> bone name."""

    def __init__(self, key, spec):
        self.key = key
        self.spec = spec
        self.label = spec.get("label", key)
        self.mode = spec.get("mode", "fk")
        self.sides = spec.get("sides", {"L": ".L", "R": ".R"})

    def bone(self, template, side=None):
        return template.replace("{s}", self.sides[side]) if side else template

    def measure(self, part, side=None):
        return self.bone(self.spec["measure"][part], side)

    def fingers(self, side, key="fingers"):
        spec = self.spec.get(key) or self.spec.get("fingers", {})
        return {f: [self.bone(b, side) for b in spec.get(f, [])] for f in FINGERS}

    def ik(self, part, side):
        return self.bone(self.spec["ik"][part], side)


def detect(bone_names):
    """The best matching Profile for a set of bone names, or raise NotHumanoid."""
    names = set(bone_names)
    best, best_missing = None, None
    for key, spec in profiles().items():
        missing = [b for b in spec["detect"] if b not in names]
        if not missing:
            return Profile(key, spec)
        if best_missing is None or len(missing) < len(best_missing):
            best, best_missing = key, missing
    raise NotHumanoid(
        "This armature is not a supported humanoid rig (closest: "
        f"{profiles()[best]['label']}, missing bones: {', '.join(best_missing[:4])}).")
