"""Plain-data snapshot of an armature (rest and current pose matrices), read by rigs/blender_io.py."""
from dataclasses import dataclass, field

import numpy as np


@dataclass
class RigBone:
    name: str
    parent: str
    rest: np.ndarray           # (4, 4) bone.matrix_local (armature space)
    pose: np.ndarray           # (4, 4) pose_bone.matrix now (armature space)
    rotation_mode: str = "QUATERNION"
    length: float = 0.0
    local_location: bool = True   # False: location keys are in the parent's axes (Bone.use_local_location)

    @property
    def head(self):
        return self.rest[:3, 3]

    @property
    def tail(self):
        return self.rest[:3, 3] + self.rest[:3, 1] * self.length


@dataclass
class RigData:
    bones: dict
    props: dict = field(default_factory=dict)   # bone -> {custom property: value}

    def __contains__(self, name):
        return name in self.bones

    def __getitem__(self, name):
        return self.bones[name]
