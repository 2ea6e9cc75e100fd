"""The gloss editor's model: one row per generated sign, edits, and rows back to gloss items. No bpy.

Rows are plain dicts (the Blender side mirrors them in a CollectionProperty). Regeneration re-synthesises
every cue from the rows (not only the edited sign): a changed duration moves every later sign of that
cue, so re-keying only the edited span would leave the rest of the cue out of step.
"""
import re

from ..inference.gloss import GlossItem, MARKS, pause_item, spell_item

FIELDS = ("gloss", "kind", "words", "source", "review", "marks", "letters", "name", "duration", "speed",
          "cue", "start", "frames", "seconds")
_MARK_TEXT = {v: k for k, v in MARKS.items()}


def flag(row):
    """Why a row deserves a warning icon: 'fingerspelled', 'review' or ''."""
    if row["kind"] == "spell":
        return "fingerspelled"
    if row.get("review"):
        return "review"
    return ""


def rows_from(placements, frame_start=0):
    """Rows for placed cues (timing.Placement with items and a track); frames are absolute."""
    rows = []
    for p in placements:
        if p.track is None:
            continue
        segs = list(p.track.segments)
        j = 0
        for it in p.items:
            seg = None
            if j < len(segs) and segs[j].gloss == it.gloss and segs[j].kind == it.kind:
                seg = segs[j]
                j += 1
            if seg is None:
                continue  # a spelled word with no letters produced no segment
            rows.append({
                "gloss": it.gloss, "kind": it.kind, "words": it.words, "source": it.source,
                "review": bool(it.review or seg.review), "marks": "+".join(_MARK_TEXT.get(m, m) for m in it.marks),
                "letters": it.letters, "name": bool(it.name), "duration": float(it.duration or 0.0),
                "speed": 1.0, "cue": int(p.cue.index), "start": int(frame_start + p.start + seg.start),
                "frames": int(seg.end - seg.start), "rate": float(p.rate),
                # how long the sign really took, at speed 1 (running signing shortens citation forms)
                "seconds": float((seg.end - seg.start) / p.track.fps * p.rate)})
    return rows


def item_from_row(row, lexicon_duration=None):
    """One row back to a GlossItem (an edited gloss text is re-read: fs-NAME spells, / pauses)."""
    g = (row["gloss"] or "").strip()
    marks = tuple(MARKS[m] for m in row.get("marks", "").split("+") if m in MARKS)
    if g in ("/", "") or row["kind"] == "pause" and g == "/":
        it = pause_item(text=row.get("words", ""))
        if row.get("duration"):
            it.duration = float(row["duration"]) / max(row.get("speed") or 1.0, 1e-3)
        return it
    if g.lower().startswith("fs-"):
        it = spell_item(g[3:], name=bool(row.get("name")), marks=marks)
        it.words = row.get("words", "") or it.words
        return it
    g = re.sub(r"\s+", "-", g.upper())
    it = GlossItem(g, "sign", row.get("words", ""), marks=marks, review=bool(row.get("review")),
                   source="lexicon")
    speed = row.get("speed") or 1.0
    base = row.get("duration") or 0.0
    if base > 0 or abs(speed - 1.0) > 1e-6:
        if base <= 0:
            base = row.get("seconds") or (lexicon_duration(g) if lexicon_duration else 0.5)
        it.duration = base / max(speed, 1e-3)
    return it


def items_by_cue(rows, lexicon_duration=None):
    """{cue index: [GlossItem]} from the rows, in row order."""
    out = {}
    for r in rows:
        out.setdefault(int(r["cue"]), []).append(item_from_row(r, lexicon_duration))
    return out


def insert_pause(rows, index, seconds=0.5):
    """A pause row after rows[index] (same cue); returns the new row's index."""
    if not rows:
        raise IndexError("no signs to insert a pause after")
    index = max(0, min(index, len(rows) - 1))
    ref = rows[index]
    new = {"gloss": "/", "kind": "pause", "words": "", "source": "pause", "review": False, "marks": "",
           "letters": "", "name": False, "duration": float(seconds), "speed": 1.0, "cue": ref["cue"],
           "start": ref["start"] + ref["frames"], "frames": 0, "rate": ref.get("rate", 1.0), "seconds": 0.0}
    rows.insert(index + 1, new)
    return index + 1


def unknown_glosses(rows, lexicon):
    """Edited glosses with no sign in the lexicon (they must be fixed or fingerspelled)."""
    bad = []
    for r in rows:
        it = item_from_row(r)
        if it.kind == "sign" and it.gloss not in lexicon:
            bad.append(it.gloss)
    return list(dict.fromkeys(bad))
