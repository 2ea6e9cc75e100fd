"""Lexicon files: every entry matches inference/data/lexicon.schema.json, and files are formatted one field
per line (tools/format_lexicon.py)."""
import glob
import json
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "inference", "data")
FILES = sorted(glob.glob(os.path.join(DATA, "*", "lexicon", "*.json")))


def test_every_lexicon_file_matches_the_schema():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.load(open(os.path.join(DATA, "lexicon.schema.json"), encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    v = jsonschema.Draft202012Validator(schema)
    bad = []
    for path in FILES:
        for err in v.iter_errors(json.load(open(path, encoding="utf-8"))):
            bad.append(f"{os.path.relpath(path, ROOT)}: {'/'.join(map(str, err.path))}: {err.message[:120]}")
    assert bad == [], "\n".join(bad[:20])


def test_the_schema_rejects_a_broken_entry():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.load(open(os.path.join(DATA, "lexicon.schema.json"), encoding="utf-8"))
    entry = {"gloss": "BAD GLOSS", "dom": {"hs": "B", "loc": "chest", "palm": "back"}, "move": [],
             "duration": 0, "review": "no", "notes": ""}
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors({"schema": "signllm.lexicon/1",
                                                                       "signs": [entry]}))
    assert len(errors) >= 4      # gloss with a space, no fingers, duration 0, review not a boolean


def test_lexicon_files_are_formatted_one_field_per_line():
    import sys
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import format_lexicon
    langs = sorted({os.path.basename(os.path.dirname(os.path.dirname(f))) for f in FILES})
    assert "asl" in langs
    assert langs
    assert format_lexicon.main(["--check"] + [a for lang in langs for a in ("--lang", lang)]) == 0
