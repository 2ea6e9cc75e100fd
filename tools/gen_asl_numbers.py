"""Authoring tool: writes inference/data/asl/lexicon/numbers.json (ASL number-system signs 0-100, HUNDRED,
THOUSAND, DOLLAR, CENT). Run once after changing the forms below; the JSON is what ships and is reviewed.

Rule implemented (documented in docs/asl_numbers.md):
- Cardinal ONE..FIVE in core.json (counting, "how many") face the signer (palm back).
- The digit glosses "0".."9" here are the number-system forms used inside clock times, ages, years,
  prices and multi-digit numbers: palm forward (out) for 1-5 too.
- 11-15 palm toward the signer with finger flicks; 16-19 A-hand twisting to the digit; 20-99
  compositional (tens digit, then units digit with a small move to the dominant side), doubles
  (22, 33, ...) bounce sideways, 21/23/25 special forms, 100 = 1 then C.
"""
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "inference", "data", "asl", "lexicon", "numbers.json")

# handshape of each digit in handshapes.json (2 = V, 0 = the O-like '0' shape)
DIGIT_HS = {0: "0", 1: "1", 2: "V", 3: "3", 4: "4", 5: "5", 6: "6", 7: "7", 8: "8", 9: "9"}
NAMES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
         "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
TENS = {2: "twenty", 3: "thirty", 4: "forty", 5: "fifty", 6: "sixty", 7: "seventy", 8: "eighty", 9: "ninety"}


def name(n):
    if n < 20:
        return NAMES[n]
    if n == 100:
        return "one hundred"
    t, u = divmod(n, 10)
    return TENS[t] + ("" if u == 0 else "-" + NAMES[u])


def digit_posture(d):
    # 0 is an O seen from the side (palm toward the midline); every other digit faces out here
    return {"hs": DIGIT_HS[d], "loc": "spelling", "palm": "in" if d == 0 else "forward", "fingers": "up"}


def entry(gloss, dom, move, duration, notes, review=False, words=None):
    e = {"gloss": gloss}
    if words:
        e["words"] = words
    e["dom"] = dom
    e["move"] = move
    e["duration"] = duration
    e["review"] = review
    e["notes"] = notes
    return e


def number(n):
    g = str(n)
    if n < 10:
        note = "number-system digit (times, ages, years, prices, inside larger numbers): palm out"
        if n == 0:
            note = "0: O-shape seen from the side"
        elif n >= 6:
            note = "palm out, thumb touches the " + {6: "pinky", 7: "ring", 8: "middle", 9: "index"}[n] + " fingertip"
        return entry(g, digit_posture(n), [], 0.4, note)
    if n == 10:
        return entry(g, {"hs": "10", "loc": "spelling", "palm": "in", "fingers": "up"},
                     [{"type": "twist", "angle": 30, "repeat": 2}], 0.5, "A-hand, thumb up, shaken (twist)")
    if 11 <= n <= 15:
        base_hs, flick_hs = {11: ("S", "1"), 12: ("S", "V"), 13: ("3", "bent 3"), 14: ("4", "bent B"),
                             15: ("5", "bent 5")}[n]
        notes = {11: "fist facing the signer, index flicks up twice",
                 12: "fist facing the signer, index and middle flick up twice",
                 13: "3-hand facing the signer, index and middle bend twice",
                 14: "4-hand facing the signer, fingers bend twice",
                 15: "5-hand facing the signer, fingers bend twice"}[n]
        return entry(g, {"hs": base_hs, "loc": "spelling", "palm": "back", "fingers": "up"},
                     [{"type": "change", "hs": flick_hs, "repeat": 2}], 0.55, notes)
    if 16 <= n <= 19:
        return entry(g, {"hs": "A", "loc": "spelling", "palm": "back", "fingers": "up"},
                     [{"type": "change", "hs": DIGIT_HS[n - 10], "palm": "forward"}], 0.55,
                     f"A-hand facing the signer twists out into {n - 10}")
    if n == 21:
        return entry(g, {"hs": "L", "loc": "spelling", "palm": "forward", "fingers": "up"},
                     [{"type": "change", "hs": "1"}, {"type": "straight", "dir": "out", "size": "xs"}], 0.5,
                     "L then 1: the thumb folds in, with a small move to the dominant side (a thumb that bends "
                     "twice is also seen). " + SOURCES_TWENTIES)
    if n == 20:
        return entry(g, {"hs": "L", "loc": "spelling", "palm": "forward", "fingers": "up"},
                     [{"type": "change", "hs": "baby O", "repeat": 2}], 0.5,
                     "L-hand: index and thumb close twice")
    if n == 23:
        return entry(g, {"hs": "3", "loc": "spelling", "palm": "forward", "fingers": "up"},
                     flutter("L"), 0.55,
                     "3-hand, the middle finger flutters: it bends down and straightens again, twice, ending as 3 "
                     "(the bent finger is shown folded, as in L). " + SOURCES_23_25)
    if n == 25:
        return entry(g, {"hs": "5", "loc": "spelling", "palm": "forward", "fingers": "up"},
                     flutter("open 8"), 0.55,
                     "5-hand, the middle finger flutters: it bends forward (open 8) and straightens again, twice, "
                     "ending as 5. " + SOURCES_23_25)
    if n == 100:
        return entry(g, digit_posture(1), [{"type": "change", "hs": "C", "palm": "in"}], 0.55,
                     "1 then C (C for hundred)")
    t, u = divmod(n, 10)
    if t == u:
        return entry(g, digit_posture(t), [{"type": "arc", "dir": "out", "size": "xs", "bend": "up"}], 0.5,
                     f"{t} then {t} again: a small bounce to the dominant side")
    move = [{"type": "change", "hs": DIGIT_HS[u], "palm": "in" if u == 0 else "forward"},
            {"type": "straight", "dir": "out", "size": "xs"}]
    if t == 2:   # the twenties start from L, not V (21, 24, 26-29)
        return entry(g, dict(digit_posture(2), hs="L"), move, 0.55,
                     f"L then {u}: the twenties start from an L hand (thumb and index), which changes into the unit "
                     f"digit with a small move to the dominant side. " + SOURCES_TWENTIES)
    return entry(g, digit_posture(t), move, 0.55, f"{t} then {u} (digits in sequence, palm out)")


SOURCES_TWENTIES = (
    "Checked against (lexb): Lifeprint/ASLU 'L' (the L shape is the usual first part of 21, 24 and 26-29; 22 uses V) "
    "and W. C. Stokoe, 'Sign Language Structure' (1960), table of numerals, reprinted in SASLJ vol. 2 no. 2 "
    "(21 and 23-29: L changing into the unit digit, which may move slightly to the right).")
SOURCES_23_25 = (
    "Checked against (lexb): Lifeprint/ASLU 'L' (23 and 25 have their own handshapes, 3 and 5, with a fluttering "
    "middle finger).")


def flutter(bent):
    """A finger that flutters twice (23, 25): to the bent shape and back to the start shape, twice; the sign ends
    in its start handshape."""
    start = {"open 8": "5", "L": "3"}[bent]
    return [{"type": "change", "hs": bent}, {"type": "change", "hs": start},
            {"type": "change", "hs": bent}, {"type": "change", "hs": start}]


def extra():
    return [
        entry("HUNDRED", {"hs": "C", "loc": "spelling", "palm": "in", "fingers": "up"}, [], 0.4,
              "C-hand after a digit (2 HUNDRED = 200)"),
        entry("THOUSAND", {"hs": "bent B", "loc": "base_palm", "contact": "fingertips", "palm": "down",
                           "fingers": "forward-in"}, [{"type": "tap"}], 0.5,
              "fingertips of the bent B tap the base palm (M-like). Reviewed (lexicon review 2026-12): matches the "
              "common citation form. Checked against (lexb): W. C. Stokoe, 'Sign Language Structure' (1960), table "
              "of numerals, reprinted in SASLJ vol. 2 no. 2 (1000: the tips of the bent M fingers touch the palm of "
              "the held-out other hand, after the digit); the bent B shows the same bent fingertips on the palm")
        | {"hands": 2, "sym": "base", "base": {"hs": "open B", "loc": "neutral", "palm": "up", "fingers": "forward-in"}},
        entry("DOLLAR", {"hs": "flat O", "loc": "base_fingers", "contact": "fingertips", "palm": "in",
                         "fingers": "forward-in"}, [{"type": "brush", "dir": "forward-in", "size": "s", "repeat": 2}],
              0.6, "dominant hand grips the base fingers and slides off twice (a bill). Reviewed (lexicon review 2026-12): matches the common citation form; matches 'Bills' in J. S. Long, The Sign Language: A Manual of Signs (1918, Wikisource)")
        | {"hands": 2, "sym": "base", "base": {"hs": "B", "loc": "neutral", "palm": "back", "fingers": "in"}},
        entry("CENT", {"hs": "1", "loc": "temple", "contact": "index_tip", "palm": "back", "fingers": "in"},
              [{"type": "straight", "dir": "forward", "size": "s"}], 0.45,
              "index touches the dominant side of the forehead and moves forward off it; the number follows in front "
              "of the forehead. Checked against (lexb): W. C. Stokoe, 'Sign Language Structure' (1960), money "
              "section, reprinted in SASLJ vol. 2 no. 2 (cents: the index (G) hand, palm toward the signer, first "
              "touches the right part of the forehead, then the numeral is signed in front of the forehead); fixed: "
              "was the forehead centre with the palm toward the midline"),
    ]


def main():
    signs = [number(n) for n in range(0, 101)] + extra()
    for s in signs:  # stable key order (gloss, words, dom, hands, sym, base, move, ...)
        order = ["gloss", "words", "dom", "hands", "sym", "base", "move", "duration", "review", "notes"]
        s_sorted = {k: s[k] for k in order if k in s}
        s.clear()
        s.update(s_sorted)
    data = {"schema": "signllm.lexicon/1", "language": "ASL",
            "about": "ASL number-system signs (tools/gen_asl_numbers.py writes this file; rule in docs/asl_numbers.md).",
            "signs": signs}
    with open(OUT, "w", encoding="utf-8") as fh:   # one field per line, as tools/format_lexicon.py checks
        fh.write(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {len(signs)} signs to {OUT}")


if __name__ == "__main__":
    main()
