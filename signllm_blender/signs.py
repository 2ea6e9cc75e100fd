"""The Signs list (gloss editor rows) in the scene, kept as plain data too.

`service.write` stores the rows as JSON on the signing action and the scene, so a .blend written headless
(`build.py batch`, where the add-on's properties are not registered) opens with its Signs list filled:
`sync_rows` (a load_post handler) rebuilds the list from that JSON when the list is empty.
"""
import json

import bpy

from ..studio import glossedit

ROWS_PROP = "signllm_rows"


def set_rows(scene, rows):
    """Show rows in scene.signllm_signs (no-op when the add-on's properties are not registered)."""
    if not hasattr(scene, "signllm_signs"):
        return
    coll = scene.signllm_signs
    coll.clear()
    for r in rows:
        it = coll.add()
        for k in glossedit.FIELDS:
            if k in r:
                setattr(it, k, r[k])
        it.flag = glossedit.flag(r)
    scene.signllm_sign_index = 0 if rows else -1


def rows(scene):
    """The Signs list as plain rows: the (possibly edited) collection, else the stored JSON."""
    if hasattr(scene, "signllm_signs") and len(scene.signllm_signs):
        return [{k: getattr(it, k) for k in glossedit.FIELDS} for it in scene.signllm_signs]
    try:
        return json.loads(scene.get(ROWS_PROP, "[]"))
    except (TypeError, ValueError):
        return []


def show(scene, row_list, gloss):
    """After a signing: the list, the panel's editable gloss and its review line."""
    set_rows(scene, row_list)
    if hasattr(scene, "signllm"):
        scene.signllm.gloss = gloss[:4000]
        scene.signllm.review = " ".join(dict.fromkeys(r["gloss"] for r in row_list if r.get("review")))


def fill_from_json(scene):
    """Fill an empty Signs list from the rows stored with the signing (a .blend from `batch`)."""
    if not hasattr(scene, "signllm_signs") or len(scene.signllm_signs) or ROWS_PROP not in scene:
        return False
    try:
        stored = json.loads(scene[ROWS_PROP])
    except (TypeError, ValueError):
        return False
    if not stored:
        return False
    set_rows(scene, stored)
    if hasattr(scene, "signllm") and not scene.signllm.gloss:
        scene.signllm.gloss = str(scene.get("signllm_gloss_text", ""))[:4000]
        scene.signllm.review = " ".join(dict.fromkeys(r["gloss"] for r in stored if r.get("review")))
    return True


@bpy.app.handlers.persistent
def sync_rows(*_args):
    for scene in bpy.data.scenes:
        fill_from_json(scene)


def register():
    if sync_rows not in bpy.app.handlers.load_post:
        bpy.app.handlers.load_post.append(sync_rows)


def unregister():
    if sync_rows in bpy.app.handlers.load_post:
        bpy.app.handlers.load_post.remove(sync_rows)
