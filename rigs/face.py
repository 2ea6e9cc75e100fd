"""Non-manual face channels as shape-key curves (ARKit browInnerUp, browDownLeft, ... or VRoid Fcl_BRW_*).

The PoseTrack carries brows (-1 lowered .. +1 raised); rigs/data/face_shapes.json says which shape keys
take them. Keys the mesh lacks are skipped; the mouth and eyes are not in the track, so no mouth or eye
shape keys are written. No bpy.
"""
import functools
import os

import numpy as np

from ..inference.phonology import load_json
from . import keyreduce
from .retarget import CurveKeys

_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "face_shapes.json")


@functools.lru_cache(maxsize=1)
def brow_families():
    return load_json(_PATH, "signllm.faceshapes/1")["brows"]


def brow_shapes(available):
    """{shape key name on the mesh: (raise weight, lower weight)} from the first family the mesh has."""
    lower = {n.lower(): n for n in available}
    for fam in brow_families():
        found = {lower[k.lower()]: tuple(w) for k, w in fam["shapes"].items() if k.lower() in lower}
        if found:
            return found
    return {}


def shape_key_curves(track, available, tol=0.02):
    """CurveKeys for the brow shape keys among `available` (names on the mesh); [] when none apply."""
    b = np.asarray(track.brows, float)
    shapes = brow_shapes(available)
    if not np.any(b) or not shapes:
        return []
    up, down = np.clip(b, 0, 1), np.clip(-b, 0, 1)
    fixed = sorted({s.start for s in track.segments} | {max(s.end - 1, 0) for s in track.segments})
    out = []
    for name, (wu, wd) in shapes.items():
        v = (wu * up + wd * down)[:, None]
        if not np.any(v):
            continue
        keys = keyreduce.reduce_keys(v, lambda rec, v=v: np.abs(rec[:, 0] - v[:, 0]), tol, fixed=fixed)
        out.append(CurveKeys(name, f'key_blocks["{name}"].value', 0, keys, v[keys, 0], "face"))
    return out
