"""Eyebrows a viewer can see: tint the brow faces of a mesh with ARKit brow shape keys (Workbench material
colour). A face without brow colour hides the grammar the brows carry (questions, topics)."""
import bpy
import numpy as np

BROW_KEYS = ("browInnerUp", "browOuterUpLeft", "browOuterUpRight", "browDownLeft", "browDownRight")
BROW_COLOR = (0.09, 0.05, 0.03, 1.0)


def _co(kb, n):
    a = np.empty(n * 3, np.float32)
    kb.data.foreach_get("co", a)
    return a.reshape(-1, 3)


def tint_brows(ob, share=0.8, color=BROW_COLOR):
    """Give the faces the brow shape keys move most (their vertices moved over `share` of a key's largest
    displacement, on average) a brow material. Returns the number of faces tinted (0 when the mesh has no brow keys)."""
    key = ob.data.shape_keys
    if key is None:
        return 0
    names = {k.name.lower(): k for k in key.key_blocks}
    found = [names[b.lower()] for b in BROW_KEYS if b.lower() in names]
    if not found:
        return 0
    n = len(ob.data.vertices)
    base = _co(key.reference_key, n)
    moved = np.zeros(n)
    for kb in found:
        d = np.linalg.norm(_co(kb, n) - base, axis=1)
        if d.max() > 0:
            moved = np.maximum(moved, d / d.max())
    mat = bpy.data.materials.get("SignLLM brow") or bpy.data.materials.new("SignLLM brow")
    mat.diffuse_color = color
    if mat.name not in ob.data.materials:
        ob.data.materials.append(mat)
    idx = list(ob.data.materials).index(mat)
    loops = np.empty(len(ob.data.loops), np.int32)
    ob.data.loops.foreach_get("vertex_index", loops)
    start = np.empty(len(ob.data.polygons), np.int32)
    total = np.empty(len(ob.data.polygons), np.int32)
    ob.data.polygons.foreach_get("loop_start", start)
    ob.data.polygons.foreach_get("loop_total", total)
    mi = np.empty(len(ob.data.polygons), np.int32)
    ob.data.polygons.foreach_get("material_index", mi)
    hit = np.array([moved[loops[s:s + t]].mean() > share for s, t in zip(start, total)], bool)
    mi[hit] = idx
    ob.data.polygons.foreach_set("material_index", mi)
    ob.data.update()
    return int(hit.sum())
