"""Builds manual alphabets (inference/data/<code>/fingerspelling.json) from the MIT-licensed SignWriting
alphabets in the `signwriting` package (signwriting/fingerspelling/data/*.json).

Each letter's first FSW form gives the hand symbol S<base><fill><rotation>: the base names the handshape
(data/fingerspelling/signwriting_bases.json: anchors learnt from ASL + hand-written guesses), the fill the
palm facing (0 toward the signer, 1 side, 2 away; 3-5 the same with the hand horizontal), the rotation
45-degree steps counter-clockwise as the signer sees it (8-15: mirrored). Letters with two hands, a
movement symbol, or a base that is only guessed get "review": true; unknown bases fall back to the ASL
letter's handshape (review). Run: .venv/bin/python tools/make_fingerspelling.py
"""
import json
import math
import os
import re
from importlib.resources import files

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "inference", "data")
BASES = os.path.join(DATA, "fingerspelling", "signwriting_bases.json")
HAND = re.compile(r"S(1[0-9a-f]{2}|20[0-4])([0-5])([0-9a-f])")
MOVE = re.compile(r"S(2[2-9a-f][0-9a-f])[0-5][0-9a-f]")

# code -> (SignWriting file, name, text language for the glosser, folder)
ALPHABETS = {
    "DGS": ("gsg", "German Sign Language (DGS)", "de"),
    "LSF": ("fsl", "French Sign Language (LSF)", "fr"),
    "DSGS": ("sgg", "Swiss German Sign Language (DSGS)", "de"),
    "LIS": ("ise", "Italian Sign Language (LIS)", "it"),
    "LSE": ("ssp", "Spanish Sign Language (LSE)", "es"),
    "ISL": ("isg", "Irish Sign Language (ISL)", "en"),
    "DTS": ("dsl", "Danish Sign Language (DTS)", "da"),
    "STS": ("swl", "Swedish Sign Language (STS)", "sv"),
    "NTS": ("nsl", "Norwegian Sign Language (NTS)", "nb"),
    "LGP": ("psr", "Portuguese Sign Language (LGP)", "pt"),
    "LIBRAS": ("bzs", "Brazilian Sign Language (Libras)", "pt"),
    "LSM": ("mfs", "Mexican Sign Language (LSM)", "es"),
    "VGT": ("vgt", "Flemish Sign Language (VGT)", "nl"),
    "LSFB": ("sfb", "French Belgian Sign Language (LSFB)", "fr"),
}


def _vec(v):
    n = math.sqrt(sum(x * x for x in v)) or 1.0
    return [x / n for x in v]


def orientation(fill, rot):
    """(palm [d,f,u], fingers [d,f,u]) for the right hand; rotation counter-clockwise, signer's view."""
    mirror = rot >= 8
    th = math.radians(45 * (rot % 8))
    s, c = math.sin(th), math.cos(th)
    if fill <= 2:   # wall plane: fingers in the frontal plane
        fingers = [-s, 0.0, c]
        palm = {0: [0.0, -1.0, 0.0], 1: [-c, 0.0, -s], 2: [0.0, 1.0, 0.0]}[fill]
    else:           # floor plane: fingers in the horizontal plane
        fingers = [-s, c, 0.0]
        palm = {3: [0.0, 0.0, 1.0], 4: [-c, -s, 0.0], 5: [0.0, 0.0, -1.0]}[fill]
    if mirror:
        fingers[0], palm[0] = -fingers[0], -palm[0]
    return _vec(palm), _vec(fingers)


def nearest(vec, directions, avoid=None):
    best, bc = None, -9
    for w, d in directions.items():
        d = _vec(d)
        if avoid is not None and abs(sum(a * b for a, b in zip(d, _vec(directions[avoid])))) > 0.85:
            continue
        c = sum(a * b for a, b in zip(d, vec))
        if c > bc:
            best, bc = w, c
    return best


def sw_alphabet(code):
    return json.loads(files("signwriting.fingerspelling").joinpath("data", f"{code}.json").read_text("utf-8"))


def first_form(v):
    if isinstance(v, dict):
        v = v.get("default", [])
    return v[0] if v else ""


def anchors(directions):
    """Base -> (handshape, rotation offset) learnt from the ASL alphabet (ase.json vs asl/fingerspelling.json)."""
    asl = json.load(open(os.path.join(DATA, "asl", "fingerspelling.json"), encoding="utf-8"))["letters"]
    out = {}
    for letter, forms in sw_alphabet("ase").items():
        spec = asl.get(letter.upper())
        if spec is None or len(letter) != 1:
            continue
        forms = forms if isinstance(forms, list) else [first_form(forms)]
        for fsw in forms:
            hands = HAND.findall(fsw)
            if len(hands) != 1:
                continue
            base, fill, rot = hands[0][0], int(hands[0][1]), int(hands[0][2], 16)
            if base in out:
                continue
            want = _vec(directions[spec["fingers"]])
            best = max(range(8), key=lambda k: sum(a * b for a, b in zip(orientation(fill, (rot + k) % 8 + (8 if rot >= 8 else 0))[1], want)))
            out[base] = {"hs": spec["hs"], "rot_offset": best, "from": f"ASL {letter.upper()}"}
    return out


def from_hamnosys():
    """Base -> handshape learnt from DGS signs with both SignWriting and HamNoSys (parallel.json)."""
    import collections
    import sys
    sys.path.insert(0, ROOT)
    from inference import hamnosys as H
    data = json.loads(files("signwriting.hamnosys").joinpath("parallel.json").read_text("utf-8"))
    counts = collections.defaultdict(collections.Counter)
    for rec in data:
        if not rec.get("hamnosys"):
            continue
        m = HAND.search(rec["signwriting"])
        sign = H.parse(rec["hamnosys"][0])
        if m and sign.entry.get("hands", 1) == 1:
            counts[m.group(1)][sign.entry["dom"]["hs"]] += 1
    out = {}
    for base, c in counts.items():
        hs, n = c.most_common(1)[0]
        total = sum(c.values())
        if n >= 5 and n >= 0.5 * total:
            out[base] = {"hs": hs, "rot_offset": 0, "from": f"HamNoSys {n}/{total}"}
    return out


def build(code, sw_code, name, table, asl_letters, directions):
    letters, review_n = {}, 0
    for letter, forms in sw_alphabet(sw_code).items():
        if len(letter) != 1 or not ("a" <= letter <= "z"):
            continue
        fsw = first_form(forms)
        hands = HAND.findall(fsw)
        notes = []
        if not hands:
            continue
        base, fill, rot = hands[0][0], int(hands[0][1]), int(hands[0][2], 16)
        known = table.get(base)
        if known is None:
            hs = asl_letters.get(letter.upper(), {}).get("hs", "5")
            notes.append(f"SignWriting hand S{base} not mapped: ASL {letter.upper()} handshape used")
            off = 0
        else:
            hs, off = known["hs"], known.get("rot_offset", 0)
            if known.get("guess"):
                notes.append(f"S{base} -> {hs} is a nearest-shape guess")
        r = (rot + off) % 8 + (8 if rot >= 8 else 0)
        palm_v, fing_v = orientation(fill, r)
        fingers = nearest(fing_v, directions)
        palm = nearest(palm_v, directions, avoid=fingers)
        if len(hands) > 1:
            notes.append("two hands in SignWriting: only the dominant hand is signed")
        if MOVE.search(fsw):
            notes.append("letter has a movement in SignWriting: signed as a hold")
        spec = {"hs": hs, "palm": palm, "fingers": fingers}
        if notes:
            spec["review"] = True
            spec["notes"] = "; ".join(notes)
            review_n += 1
        letters[letter.upper()] = spec
    return {"schema": "signllm.fingerspelling/1", "language": code,
            "about": f"{name} manual alphabet, generated by tools/make_fingerspelling.py from the SignWriting "
                     f"alphabet '{sw_code}' of the MIT-licensed signwriting package (Sutton SignWriting, "
                     "sign-language-processing). Letters marked review map poorly onto the handshape model.",
            "letters": letters}, review_n


def main():
    loc = json.load(open(os.path.join(DATA, "locations.json"), encoding="utf-8"))
    directions = {k: v for k, v in loc["directions"].items() if k != "about"}
    bases = json.load(open(BASES, encoding="utf-8"))
    learnt = from_hamnosys()
    table = {k: dict(v, guess=True) for k, v in bases["guesses"].items()}
    table.update(learnt)
    table.update(anchors(directions))
    bases["anchors"] = {k: v for k, v in sorted(anchors(directions).items())}
    bases["from_hamnosys"] = {k: v for k, v in sorted(learnt.items())}
    with open(BASES, "w", encoding="utf-8") as fh:
        json.dump(bases, fh, indent=1, ensure_ascii=False)
        fh.write("\n")
    asl_letters = json.load(open(os.path.join(DATA, "asl", "fingerspelling.json"), encoding="utf-8"))["letters"]
    reg_path = os.path.join(DATA, "languages.json")
    reg = json.load(open(reg_path, encoding="utf-8"))
    for code, (sw_code, name, text_lang) in ALPHABETS.items():
        data, review_n = build(code, sw_code, name, table, asl_letters, directions)
        folder = os.path.join(DATA, code.lower())
        os.makedirs(os.path.join(folder, "lexicon"), exist_ok=True)
        with open(os.path.join(folder, "fingerspelling.json"), "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, ensure_ascii=False)
            fh.write("\n")
        lex_dir = os.path.join(folder, "lexicon")
        if not any(f.endswith(".json") for f in os.listdir(lex_dir)):
            with open(os.path.join(lex_dir, "signs.json"), "w", encoding="utf-8") as fh:
                json.dump({"schema": "signllm.lexicon/1", "about": f"{name}: no signs yet; words are fingerspelled. "
                           "Add signs here or load a SiGML file.", "signs": []}, fh, indent=1)
                fh.write("\n")
        spec = reg["languages"].setdefault(code, {})
        spec.update({"name": name, "text_language": text_lang, "lexicon": f"{code.lower()}/lexicon",
                     "fingerspelling": f"{code.lower()}/fingerspelling.json"})
        if os.path.exists(os.path.join(folder, "grammar.json")):
            spec["grammar"] = f"{code.lower()}/grammar.json"
        print(f"{code}: {len(data['letters'])} letters, {review_n} flagged review")
    with open(reg_path, "w", encoding="utf-8") as fh:
        json.dump(reg, fh, indent=2, ensure_ascii=False)
        fh.write("\n")


if __name__ == "__main__":
    main()
