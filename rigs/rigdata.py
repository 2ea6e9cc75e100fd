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
    deform: bool = False          # it deforms a mesh (Bone.use_deform)
    constrained: bool = False     # a constraint drives it (an unmuted one)

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
    world_scale: float = 1.0                     # object scale (world units per armature unit)
    axes: np.ndarray = None                      # (3, 3) armature -> canonical rotation (rows: left, back, up)
    unit: float = 1.0                            # canonical units per armature unit

    def transformed(self, axes, unit):
        """A copy in canonical space (x = character's left, -y = forward, z = up, metres)."""
        G = np.eye(4)
        G[:3, :3] = axes * unit
        D = np.diag([1.0 / unit] * 3 + [1.0])
        bones = {n: RigBone(b.name, b.parent, G @ b.rest @ D, G @ b.pose @ D, b.rotation_mode, b.length * unit,
                            b.local_location, b.deform, b.constrained) for n, b in self.bones.items()}
        return RigData(bones, self.props, self.world_scale, np.asarray(axes, float), float(unit))

    def to_armature(self, points):
        """Canonical points (..., 3) back to armature space."""
        if self.axes is None:
            return points
        return (np.asarray(points) / self.unit) @ self.axes

    def rot_to_armature(self, mats):
        if self.axes is None:
            return mats
        return self.axes.T @ mats

    def __contains__(self, name):
        return name in self.bones

    def __getitem__(self, name):
        return self.bones[name]
