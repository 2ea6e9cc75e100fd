"""The one table of export formats: the panel's buttons, the export operator's enum, `batch --export` and
the checks all read it. No bpy (the exporter calls live in signllm_blender/studio.py, keyed by `key`)."""
from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class ExportFormat:
    key: str                 # the operator's enum value and the exporter's name
    label: str               # button text
    extensions: tuple        # file extensions accepted (first: the default)
    meshes: bool             # the bound meshes are exported with the armature
    description: str


FORMATS = (
    ExportFormat("FBX", "FBX", (".fbx",), True, "Autodesk FBX: armature, meshes and baked animation"),
    ExportFormat("BVH", "BVH", (".bvh",), False, "Motion capture: the skeleton's motion only"),
    ExportFormat("GLTF", "glTF", (".glb", ".gltf"), True, "glTF 2.0 (.glb binary or .gltf + files)"),
)
BY_KEY = {f.key: f for f in FORMATS}


def extensions() -> tuple:
    return tuple(e for f in FORMATS for e in f.extensions)


def for_path(path: str, key: str | None = None) -> ExportFormat | None:
    """The format named by key (any case; 'GLB' is glTF), else the one of the path's extension."""
    if key:
        key = {"GLB": "GLTF"}.get(key.upper(), key.upper())
        return BY_KEY.get(key)
    ext = os.path.splitext(path)[1].lower()
    return next((f for f in FORMATS if ext in f.extensions), None)


def describe() -> str:
    """'FBX, BVH or glTF (.fbx, .bvh, .glb, .gltf)' for messages."""
    names = [f.label for f in FORMATS]
    return f"{', '.join(names[:-1])} or {names[-1]} ({', '.join(extensions())})"


def enum_items():
    return [(f.key, f.label, f.description) for f in FORMATS]
