"""Missing, empty, truncated, corrupt or wrongly encoded data files give a DataError naming the file."""
import json
import os
import shutil

import pytest

from signllm.inference import DataError
from signllm.inference.lexicon import Lexicon
from signllm.inference.phonology import DATA_DIR, Phonology, default_phonology

CORE = os.path.join(DATA_DIR, "asl", "lexicon", "core.json")


def _corruptions(raw):
    text = raw.decode("utf-8")
    entry = json.loads(text)["signs"][0]
    return {
        "empty": b"",
        "truncated": raw[: len(raw) // 2],
        "binary": bytes(range(256)) * 4,
        "latin1": text.replace("HELLO", "HÉLLO").encode("latin-1", "replace"),
        "utf16": text.encode("utf-16"),
        "list_top": b"[1, 2, 3]",
        "wrong_schema": json.dumps({"schema": "other/9", "signs": []}).encode(),
        "signs_not_list": json.dumps({"schema": "signllm.lexicon/1", "signs": {"a": 1}}).encode(),
        "bad_handshape": json.dumps({"schema": "signllm.lexicon/1", "signs": [
            dict(entry, gloss="BROKEN", dom=dict(entry["dom"], hs="no-such-shape"))]}).encode(),
        "missing_dom": json.dumps({"schema": "signllm.lexicon/1", "signs": [
            {k: v for k, v in entry.items() if k != "dom"} | {"gloss": "BROKEN"}]}).encode(),
    }


@pytest.mark.parametrize("kind", ["empty", "truncated", "binary", "latin1", "utf16", "list_top", "wrong_schema",
                                  "signs_not_list", "bad_handshape", "missing_dom"])
def test_corrupt_lexicon_file(tmp_path, kind):
    raw = open(CORE, "rb").read()
    shutil.copy(CORE, tmp_path / "core.json")
    (tmp_path / "extra.json").write_bytes(_corruptions(raw)[kind])
    if kind == "latin1":   # the same file, re-encoded: must not load as if it were fine
        (tmp_path / "core.json").unlink()
    with pytest.raises(DataError) as info:
        Lexicon(str(tmp_path), default_phonology())
    msg = str(info.value)
    assert ("extra.json" in msg) or (kind in ("bad_handshape", "missing_dom") and "BROKEN" in msg), msg


def test_missing_lexicon_folder_and_files(tmp_path):
    with pytest.raises(DataError, match="No lexicon files"):
        Lexicon(str(tmp_path / "nowhere"), default_phonology())
    with pytest.raises(DataError, match="not found"):
        Phonology(handshapes_path=str(tmp_path / "handshapes.json"))


def test_duplicate_gloss_across_files_names_both(tmp_path):
    shutil.copy(CORE, tmp_path / "a.json")
    shutil.copy(CORE, tmp_path / "b.json")
    with pytest.raises(DataError, match="already defined in a.json"):
        Lexicon(str(tmp_path), default_phonology())


@pytest.mark.parametrize("which", ["handshapes.json", "locations.json"])
def test_corrupt_phonology_files(tmp_path, which):
    p = tmp_path / which
    p.write_bytes(open(os.path.join(DATA_DIR, which), "rb").read()[:100])
    kw = {"handshapes_path" if which == "handshapes.json" else "locations_path": str(p)}
    with pytest.raises(DataError, match=which):
        Phonology(**kw)
