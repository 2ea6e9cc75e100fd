#!/usr/bin/env python3
"""Format lexicon files one field per line (the form reviewers diff and editors validate), or check them.

    python3 tools/format_lexicon.py [--check] [--lang dgs --lang lse ...]   # default: every language

The form is json.dumps(indent=1, ensure_ascii=False) plus a newline: every field and list item on a line of
its own. inference/data/lexicon.schema.json describes the entries.
"""
import argparse
import glob
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "inference", "data")


def canonical(text):
    return json.dumps(json.loads(text), indent=1, ensure_ascii=False) + "\n"


def files(langs=None):
    out = sorted(glob.glob(os.path.join(DATA, "*", "lexicon", "*.json")))
    if langs:
        out = [f for f in out if os.path.basename(os.path.dirname(os.path.dirname(f))) in langs]
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--check", action="store_true", help="list files not in the form; change nothing")
    p.add_argument("--lang", action="append", help="only these languages (repeatable)")
    args = p.parse_args(argv)
    bad = []
    for path in files(args.lang):
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        want = canonical(text)
        if want != text:
            bad.append(os.path.relpath(path, ROOT))
            if not args.check:
                with open(path, "w", encoding="utf-8") as fh:
                    fh.write(want)
    for b in bad:
        print(("not formatted: " if args.check else "formatted: ") + b)
    return 1 if bad and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
