"""Loads the phonology data (handshapes, locations, directions) and resolves names to numbers."""
import functools
import json
import os

import numpy as np

from . import hand
from .errors import DataError

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def load_json(path, schema=None):
    """Read a data file, turning every failure into a DataError that names the file."""
    try:
        with open(path, "r", encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        raise DataError(f"Data file not found: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"Cannot read {os.path.basename(path)}: {exc}") from None
    if not isinstance(data, dict):
        raise DataError(f"{os.path.basename(path)}: expected a JSON object at the top level")
    if schema and data.get("schema") != schema:
        raise DataError(f"{os.path.basename(path)}: schema is {data.get('schema')!r}, expected {schema!r}")
    return data


class Phonology:
    """Handshapes (as 21 articulation angles), locations and direction words."""

    def __init__(self, handshapes_path=None, locations_path=None):
        hs = load_json(handshapes_path or os.path.join(DATA_DIR, "handshapes.json"), "signllm.handshapes/1")
        loc = load_json(locations_path or os.path.join(DATA_DIR, "locations.json"), "signllm.locations/1")
        self._hs_raw = hs
        self.finger_presets = hs.get("finger_presets", {})
        self.spread_presets = hs.get("spread_presets", {})
        self.thumb_presets = hs.get("thumb_presets", {})
        self.handshapes = {}
        self.handshape_review = {}
        for name, spec in hs.get("handshapes", {}).items():
            self.handshapes[name] = self._resolve_handshape(name, spec)
            self.handshape_review[name] = bool(spec.get("review", False))
        self.aliases = {k: v for k, v in hs.get("aliases", {}).items() if k != "about"}
        for old, new in self.aliases.items():
            if new not in self.handshapes or old in self.handshapes:
                raise DataError(f"handshapes.json: alias {old!r} -> {new!r} must name a current handshape")
        self.locations = loc.get("locations", {})
        self.hand_locations = {k: v for k, v in loc.get("hand_locations", {}).items() if k != "about"}
        self.directions = {k: np.asarray(v, float) for k, v in loc.get("directions", {}).items() if k != "about"}
        self.sizes = {k: float(v) for k, v in loc.get("sizes", {}).items() if k != "about"}
        for name, spec in self.locations.items():
            for key in ("anchor", "d", "f", "u", "unit"):
                if key not in spec:
                    raise DataError(f"locations.json: location {name!r} lacks {key!r}")

    def _resolve_handshape(self, name, spec):
        if not isinstance(spec, dict):
            raise DataError(f"handshapes.json: {name!r} must be an object")
        spread = spec.get("spread", "together")
        spreads = self.spread_presets.get(spread) if isinstance(spread, str) else spread
        if spreads is None or len(spreads) != 4:
            raise DataError(f"handshapes.json: {name!r} has unknown spread {spread!r}")
        p = np.zeros(hand.N_PARAMS)
        fingers = spec.get("fingers", {})
        for i, f in enumerate(hand.FINGERS):
            v = fingers.get(f, "closed")
            if isinstance(v, str):
                if v not in self.finger_presets:
                    raise DataError(f"handshapes.json: {name!r} {f} uses unknown preset {v!r}")
                v = self.finger_presets[v]
            v = list(v)
            if len(v) not in (3, 4):
                raise DataError(f"handshapes.json: {name!r} {f} needs [mcp, pip, dip(, spread)]")
            p[4 * i: 4 * i + 3] = v[:3]
            p[4 * i + 3] = v[3] if len(v) == 4 else spreads[i]
        t = spec.get("thumb", "tucked")
        if isinstance(t, str):
            if t not in self.thumb_presets:
                raise DataError(f"handshapes.json: {name!r} thumb uses unknown preset {t!r}")
            t = self.thumb_presets[t]
        if len(t) != 5:
            raise DataError(f"handshapes.json: {name!r} thumb needs [spread, lift, oppose, mcp, ip]")
        p[hand.THUMB] = t
        bad = hand.out_of_range(p)
        if bad:
            raise DataError(f"handshapes.json: {name!r} bends a joint beyond the human range: {'; '.join(bad)}")
        contact = spec.get("contact") or {}
        if "thumb" in contact:
            target = contact["thumb"]
            if not (target.endswith("_tip") and target[:-4] in hand.TIPS):
                raise DataError(f"handshapes.json: {name!r} thumb contact {target!r} is not a fingertip")
            p = hand.solve_thumb_contact(p, hand.TIPS[target[:-4]], target_offset=hand.FINGER_THICKNESS * 0.8)
        return p

    def canonical(self, name):
        """The current name of a handshape: retired names (older data files) map to their standard name."""
        return self.aliases.get(name, name)

    def handshape(self, name):
        try:
            return self.handshapes[self.canonical(name)]
        except KeyError:
            raise DataError(f"Unknown handshape {name!r}") from None

    def contact_pairs(self):
        """(handshape, finger tip joint) pairs that must touch the thumb tip."""
        out = []
        for name, spec in self._hs_raw.get("handshapes", {}).items():
            target = (spec.get("contact") or {}).get("thumb")
            if target:
                out.append((name, hand.TIPS[target[:-4]]))
        return out

    def direction(self, word):
        try:
            return self.directions[word]
        except KeyError:
            raise DataError(f"Unknown direction {word!r}") from None


@functools.lru_cache(maxsize=4)
def default_phonology():
    return Phonology()
