"""Body model: the proportions a pose track is synthesised for (canonical default or a rig's own).

Positions are in the armature's space (metres in the default). Signer-frame offsets are
(d, f, u): d toward the side of the hand that uses the location, f forward, u up; units are the
head height H or the shoulder width W, so locations scale with the character.
"""
from dataclasses import dataclass, field

import numpy as np

from .transforms import normalize

# Rigify human metarig rest pose (Blender 5.0), left side; the right side mirrors x.
_DEFAULT = {
    "shoulder_L": (0.195, 0.027, 1.585),
    "elbow_L": (0.442, 0.089, 1.449),
    "wrist_L": (0.659, 0.049, 1.306),
    "head_base": (0.0, -0.025, 1.781),
    "head_top": (0.0, -0.025, 1.980),
    "neck_base": (0.0, 0.011, 1.658),
    "pelvis": (0.0, 0.055, 1.010),
}
SIDES = ("L", "R")


@dataclass
class BodyModel:
    joints: dict
    forward: np.ndarray = field(default_factory=lambda: np.array([0.0, -1.0, 0.0]))
    up: np.ndarray = field(default_factory=lambda: np.array([0.0, 0.0, 1.0]))
    left: np.ndarray = field(default_factory=lambda: np.array([1.0, 0.0, 0.0]))
    hand_scale: float = 1.1
    skin: object = None   # the character's own skin (rigs.skin_body.SkinBody) when the rig has a mesh
    hands: dict = field(default_factory=dict)   # side -> hand.HandGeometry: the rig's own hand (canonical if absent)

    def hand_geometry(self, side):
        """The character's own hand on `side` (inference.hand.HandGeometry), None for the canonical one."""
        return self.hands.get(side)

    @classmethod
    def default(cls):
        j = {k: np.array(v, float) for k, v in _DEFAULT.items()}
        for k in ("shoulder", "elbow", "wrist"):
            p = j[f"{k}_L"].copy()
            p[0] = -p[0]
            j[f"{k}_R"] = p
        return cls(j)

    def __post_init__(self):
        self.joints = {k: np.asarray(v, float) for k, v in self.joints.items()}
        self.forward, self.up, self.left = (normalize(np.asarray(v, float)) for v in (self.forward, self.up, self.left))
        j = self.joints
        j.setdefault("chest", (j["shoulder_L"] + j["shoulder_R"]) * 0.5)

    @property
    def H(self):
        return float(np.linalg.norm(self.joints["head_top"] - self.joints["head_base"]))

    @property
    def W(self):
        return float(np.linalg.norm(self.joints["shoulder_L"] - self.joints["shoulder_R"]))

    def side_vec(self, side):
        """Unit vector toward the given side of the body ('L' or 'R')."""
        return self.left if side == "L" else -self.left

    def arm_lengths(self, side):
        s, e, w = (self.joints[f"{k}_{side}"] for k in ("shoulder", "elbow", "wrist"))
        return float(np.linalg.norm(e - s)), float(np.linalg.norm(w - e))

    def vec(self, d, f, u, side):
        """Signer-frame vector (d toward `side`) to armature space."""
        return d * self.side_vec(side) + f * self.forward + u * self.up

    def anchor(self, name, side):
        """Anchor point; *_dom / *_nondom pick the shoulder of the using hand or the other one."""
        if name == "shoulder_dom":
            return self.joints[f"shoulder_{side}"]
        if name == "shoulder_nondom":
            return self.joints["shoulder_" + ("L" if side == "R" else "R")]
        return self.joints[name]

    def location(self, spec, side):
        """World point and outward surface normal of a location spec from locations.json."""
        unit = self.H if spec["unit"] == "H" else self.W
        off = self.vec(spec["d"], spec["f"], spec["u"], side) * unit
        point = self.anchor(spec["anchor"], side) + off
        horiz = self.vec(spec["d"], spec["f"], 0.0, side)
        if np.linalg.norm(horiz) > 0.25 * max(abs(spec["u"]), 1e-6) or abs(spec["u"]) < 0.5:
            normal = normalize(horiz + 1e-9 * self.forward)
        else:
            normal = self.up * np.sign(spec["u"])
        if self.skin is not None:   # on the character's own skin, at its own face's landmarks
            point = self.skin.place(spec, side, point, normal, self)
        return point, normal

    def penetration(self, points, normals=False, margin=None):
        """How deep (m, >= 0) each point lies inside the body: a head ellipsoid and a torso box, both drawn
        a little inside the skin points of locations.json, so touching the skin never counts as inside.
        With normals=True also the outward direction that gets each point out fastest.
        A body with the character's skin measures against that skin instead (`margin`: how far out of
        the skin each point counts as touching, see rigs.skin_body.SkinBody.penetration)."""
        if self.skin is not None:
            return self.skin.penetration(points, normals, margin)
        P = np.asarray(points, float)
        j = self.joints
        H, W = self.H, self.W
        frame = np.stack([self.left, self.forward, self.up])          # rows: across, forward, up
        # head: centre above the neck joint, semi-axes across / front-back / up (in head heights)
        c = j["head_base"] + (0.12 * self.forward + 0.45 * self.up) * H
        axes = np.array([0.40, 0.46, 0.55]) * H
        q = ((P - c) @ frame.T) / axes
        r = np.linalg.norm(q, axis=-1)
        head = np.where(r < 1, (1 - r) * axes.min(), 0.0)
        # torso: from the pelvis to just under the shoulders, front face under the chest skin points
        d = (P - j["chest"]) @ frame.T
        x, y, z = d[..., 0], d[..., 1], d[..., 2]
        bottom = float((j["pelvis"] - j["chest"]) @ self.up)
        inside = np.stack([0.42 * W - x, 0.42 * W + x, 0.26 * W - y, y + 0.30 * W, -0.12 * W - z, z - bottom], -1)
        # a hand inside the torso leaves by the front or a side (never up through the shoulders or back)
        exits = inside[..., :3]
        torso = np.where(inside.min(axis=-1) > 0, exits.min(axis=-1), 0.0)
        depth = np.maximum(head, torso)
        if not normals:
            return depth
        face_dirs = np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0]], float)
        n_torso = face_dirs[exits.argmin(axis=-1)] @ frame
        g = q / axes
        n_head = (g / np.maximum(np.linalg.norm(g, axis=-1, keepdims=True), 1e-12)) @ frame
        n = np.where((head >= torso)[..., None], n_head, n_torso)
        return depth, n
