"""Non-manual face channels as ARKit-named shape-key curves (browInnerUp, browDownLeft, ...). No bpy.

The PoseTrack carries brows (-1 lowered .. +1 raised); each ARKit channel present on the user's mesh
gets a sparse Bezier curve. Channels the mesh lacks are skipped; the mouth and eyes are not in the
track yet, so their ARKit names are not written.
"""
import numpy as np

from . import keyreduce
from .retarget import CurveKeys

# ARKit blend shape -> (weight on raised brows, weight on lowered brows)
BROW_SHAPES = {
    "browInnerUp": (1.0, 0.0),
    "browOuterUpLeft": (0.7, 0.0),
    "browOuterUpRight": (0.7, 0.0),
    "browDownLeft": (0.0, 1.0),
    "browDownRight": (0.0, 1.0),
}


def shape_key_curves(track, available, tol=0.02):
    """CurveKeys for the ARKit shape keys in `available` (names on the mesh); [] when none apply."""
    b = np.asarray(track.brows, float)
    if not np.any(b):
        return []
    up, down = np.clip(b, 0, 1), np.clip(-b, 0, 1)
    fixed = sorted({s.start for s in track.segments} | {max(s.end - 1, 0) for s in track.segments})
    out = []
    for name, (wu, wd) in BROW_SHAPES.items():
        if name not in available:
            continue
        v = (wu * up + wd * down)[:, None]
        if not np.any(v):
            continue
        keys = keyreduce.reduce_keys(v, lambda rec, v=v: np.abs(rec[:, 0] - v[:, 0]), tol, fixed=fixed)
        out.append(CurveKeys(name, f'key_blocks["{name}"].value', 0, keys, v[keys, 0], "face"))
    return out
