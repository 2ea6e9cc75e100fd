"""The Signs list (gloss editor rows) in the scene, kept as plain data too.

`service.write` stores the rows as JSON on the signing action and the scene, so a .blend written headless
(`build.py batch`, where the add-on's properties are not registered) opens with its Signs list filled:
`sync_rows` (a load_post handler) rebuilds the list from that JSON when the list is empty.
"""
import json

import bpy

from ..studio import glossedit

ROWS_PROP = "signllm_rows"


_UPDATING = []   # set while rows are written (the rows' update callbacks must not react to our own writes)


def set_rows(scene, rows, index=None):
    """Show rows in scene.signllm_signs (no-op when the add-on's properties are not registered).
    index: the row to select afterwards (None: the first)."""
    if not hasattr(scene, "signllm_signs"):
        return
    coll = scene.signllm_signs
    _UPDATING.append(True)
    try:
        coll.clear()
        for r in rows:
            it = coll.add()
            for k in glossedit.FIELDS:
                if k in r:
                    setattr(it, k, r[k])
            it.flag = glossedit.flag(r)
    finally:
        _UPDATING.pop()
    want = (index if index is not None and 0 <= index < len(rows) else 0) if rows else -1
    if scene.signllm_sign_index != want:
        scene.signllm_sign_index = want


def rows(scene):
    """The Signs list as plain rows: the (possibly edited) collection, else the stored JSON."""
    if hasattr(scene, "signllm_signs") and len(scene.signllm_signs):
        return [{k: getattr(it, k) for k in glossedit.FIELDS} for it in scene.signllm_signs]
    try:
        return json.loads(scene.get(ROWS_PROP, "[]"))
    except (TypeError, ValueError):
        return []


def show(scene, row_list, gloss, index=None):
    """After a signing: the list, the panel's editable gloss and its review line."""
    set_rows(scene, row_list, index)
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


def live_items(scene):
    """The Signs list as gloss items of one untimed text (None when it holds several cues)."""
    from .. import inference
    rows_ = rows(scene)
    if not rows_ or len({int(r["cue"]) for r in rows_}) != 1:
        return None
    lang = inference.load_language(scene.signllm.language) if hasattr(scene, "signllm") else None

    def lex_duration(g):
        entry = lang.lexicon.get(g) if lang else None
        return float(entry.get("duration", 0.5)) if entry else 0.5
    return next(iter(glossedit.items_by_cue(rows_, lex_duration).values()))


def live_update(scene, obj):
    """The Live toggle: re-sign the edited neighbourhood (or everything, when that is not possible).
    Returns a short status line (also kept on the scene for the panel)."""
    from ..inference import SignLLMError
    from . import service
    index = scene.signllm_sign_index if hasattr(scene, "signllm_sign_index") else None
    try:
        items = live_items(scene)
        lex = service.inference.load_language(scene.signllm.language).lexicon if hasattr(scene, "signllm") else {}
        bad = [it.gloss for it in items or [] if it.kind == "sign" and it.gloss not in lex]
        if bad:
            raise SignLLMError(f"No sign for {', '.join(bad)} (yet)")
        if items is not None and service.live_edit(obj, scene, items):
            status = "live: re-signed the edited neighbourhood"
        else:
            from . import studio
            stored = json.loads(obj.animation_data.action.get(service.OPTIONS_PROP, "{}"))
            stored["rate_limits"] = tuple(stored.get("rate_limits", (0.7, 1.6)))
            studio.regenerate(obj, scene, service.Options(**stored))
            status = "live: re-signed in full"
    except (SignLLMError, AttributeError, TypeError, ValueError) as exc:
        status = f"live: {exc}"
    scene["signllm_live_status"] = status
    if index is not None and hasattr(scene, "signllm_sign_index") and 0 <= index < len(scene.signllm_signs):
        scene.signllm_sign_index = index
    return status


def row_edited(row, context):
    """A row of the Signs list changed: with Live on, re-sign on the next tick (not inside the callback,
    which must not rebuild the list that called it)."""
    if _UPDATING or context is None or context.scene is None:
        return
    scene = context.scene
    if not getattr(getattr(scene, "signllm", None), "live", False):
        return
    obj = context.active_object
    if obj is None or obj.type != "ARMATURE":
        return
    name_scene, name_obj = scene.name, obj.name

    def run():
        sc, ob = bpy.data.scenes.get(name_scene), bpy.data.objects.get(name_obj)
        if sc is not None and ob is not None:
            live_update(sc, ob)
        return None
    if not bpy.app.timers.is_registered(run):
        bpy.app.timers.register(run, first_interval=0.0)


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
