"""Cross-checks the HamNoSys mapping against the SignWriting of the same DGS signs (MIT signwriting package,
signwriting/hamnosys/parallel.json): how often the first SignWriting hand symbol agrees with the handshape
and the palm facing read from the HamNoSys. SignWriting's first hand may be the other hand or a later phase,
so 100% is not reachable; the numbers guard the mapping against regressions.

    .venv/bin/python tools/hamnosys_crosscheck.py
"""
import json
import os
import re
import sys
from importlib.resources import files

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HAND = re.compile(r"S(1[0-9a-f]{2}|20[0-4])([0-5])([0-9a-f])")
SW_FILL = {0: "back", 1: "side", 2: "forward", 3: "up", 4: "side", 5: "down"}
SAME = ({"U", "H"}, {"B", "thumb-across B"}, {"S", "A"})


def _palm_class(p):
    c = {"back": -p[1], "forward": p[1], "up": p[2], "down": -p[2], "side": abs(p[0])}
    return max(c, key=c.get)


def run(H=None):
    if H is None:
        sys.path.insert(0, ROOT)
        from inference import hamnosys as H
    data = json.loads(files("signwriting.hamnosys").joinpath("parallel.json").read_text("utf-8"))
    path = os.path.join(os.path.dirname(H.__file__), "data", "fingerspelling", "signwriting_bases.json")
    anchors = {k: v["hs"] for k, v in json.load(open(path, encoding="utf-8"))["anchors"].items()}
    phon = H.default_phonology()
    hs_ok = hs_n = palm_ok = palm_n = 0
    for rec in data:
        if not rec.get("hamnosys"):
            continue
        hands = HAND.findall(rec["signwriting"])
        if not hands:
            continue
        entry = H.parse(rec["hamnosys"][0]).entry
        base, fill = hands[0][0], int(hands[0][1])
        if base in anchors:
            a, h = anchors[base], entry["dom"]["hs"]
            hs_n += 1
            hs_ok += a == h or {a, h} in SAME
        if entry.get("hands", 1) == 1:
            p = phon.directions[entry["dom"]["palm"]]
            palm_n += 1
            palm_ok += _palm_class(np.asarray(p, float)) == SW_FILL[fill]
    return {"handshape_agreement": hs_ok / max(hs_n, 1), "handshape_signs": hs_n,
            "palm_agreement": palm_ok / max(palm_n, 1), "palm_signs": palm_n}


if __name__ == "__main__":
    r = run()
    print(f"handshape agrees with SignWriting in {100 * r['handshape_agreement']:.1f}% of {r['handshape_signs']} signs; "
          f"palm facing in {100 * r['palm_agreement']:.1f}% of {r['palm_signs']} one-handed signs")
