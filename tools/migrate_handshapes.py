"""One-off migration of handshape names to the standard inventory (docs/handshapes.md), kept to document it
and to migrate data files written before it.

    .venv/bin/python tools/migrate_handshapes.py [FILE ...]     (default: every data file in inference/data)

Before the migration the project's 'B' had the thumb folded across the palm and 'flat B' was the B hand with the
thumb alongside. Standard inventories call the latter 'B'. So:
- ASL lexicon entries: 'flat B' -> 'B'; 'B' stays 'B' (the lexical B hand: its thumb now lies alongside, as
  dictionaries show it; the thumb across the palm was an artefact of the old definition).
- everything else (alphabets, HamNoSys mapping, DGS signs, SignWriting bases): 'B' -> 'thumb-across B' (exactly
  the old shape), then 'flat B' -> 'B' (exactly the old shape).
'bent B' keeps its name everywhere; its thumb now lies alongside (standard bent B) instead of across the palm.
Run it once per file: on a migrated file it would read the new 'B' as the old one.
"""
import glob
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "inference", "data")


def _sub(text, old, new):
    # "hs": "old" (signs, letters, change moves) and "symbol": "old" (mapping tables)
    return re.sub(r'(":\s*)"' + re.escape(old) + r'"', lambda m: m.group(1) + '"' + new + '"', text)


def migrate_text(text, asl_lexicon):
    if asl_lexicon:
        return _sub(text, "flat B", "B")
    if '"thumb-across B"' in text:
        return text      # already migrated
    return _sub(_sub(text, "B", "thumb-across B"), "flat B", "B")


def data_files():
    out = []
    for path in sorted(glob.glob(os.path.join(DATA, "**", "*.json"), recursive=True)):
        if os.path.basename(path) == "handshapes.json":
            continue
        out.append(path)
    return out


def main(argv):
    paths = argv or data_files()
    changed = 0
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        if '"B"' not in text and '"flat B"' not in text:
            continue
        asl = os.sep + os.path.join("asl", "lexicon") + os.sep in os.path.abspath(path)
        new = migrate_text(text, asl)
        if new != text:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(new)
            changed += 1
            print("migrated", os.path.relpath(path, ROOT))
    print(changed, "files changed")


if __name__ == "__main__":
    main(sys.argv[1:])
