"""Bone-mapping presets: canonical joint -> bone name, as small JSON files the user can share. No bpy."""
import json
import os

from ..inference.errors import DataError
from .profiles import roles

SCHEMA = "signllm.mapping/1"


def to_preset(mapping, label=""):
    """The JSON-ready preset of a mapping (unknown roles and private keys dropped)."""
    return {"schema": SCHEMA, "rig": label, "mapping": {r: mapping.get(r) for r in roles() if r in mapping}}


def save(path, mapping, label=""):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(to_preset(mapping, label), fh, indent=1)


def load(path):
    """(mapping, label) from a preset file; DataError with the file's name on anything malformed."""
    name = os.path.basename(path)
    try:
        with open(path, "r", encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        raise DataError(f"Mapping preset not found: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"Cannot read mapping preset {name}: {exc}") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA or not isinstance(data.get("mapping"), dict):
        raise DataError(f"{name} is not a SignLLM bone-mapping preset (schema {SCHEMA}).")
    known = set(roles())
    bad = [r for r in data["mapping"] if r not in known]
    if bad:
        raise DataError(f"{name}: unknown joints {', '.join(bad[:5])}")
    m = {}
    for r, b in data["mapping"].items():
        if b is not None and not isinstance(b, str):
            raise DataError(f"{name}: the bone for {r} must be a name or null")
        m[r] = b or None
    return m, str(data.get("rig", ""))
