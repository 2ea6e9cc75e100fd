"""Skin table for docs/notes/skin.md: every test character (tests/characters.py) signs 26 contact signs, the two
with known data problems (SORRY, SHOULDER) apart, the demo sentence and A-Z; measured on the deformed mesh by tests/skin_metrics.py. Usage: python tools/skin_table.py default:native mixamo:fbx ..."""
import os
import sys
import time
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT); sys.path.insert(0, os.path.join(ROOT, 'tests'))
import build; build.import_package()
import bpy, numpy as np
from signllm.signllm_blender import service
from signllm.inference.languages import load_language
import skin_metrics as sm, characters
from test_skin import CONTACT_SIGNS, SENTENCE, DATA_PROBLEMS
lang = load_language('ASL')
for arg in sys.argv[1:]:
    sk, via = arg.split(":")
    t0 = time.time()
    try:
        scene, rig, body = characters.open_character(sk, via)
        probe = sm.SkinProbe(bpy, rig, scene)
    except Exception as exc:
        print(f"ROW {sk} {via} ERROR {type(exc).__name__}: {exc}", flush=True); continue
    runs = [("contact", {"gloss": " ".join(CONTACT_SIGNS)}), ("data", {"gloss": " ".join(DATA_PROBLEMS)})]
    if via == "native":
        runs += [("sentence", {"text": SENTENCE}), ("A-Z", {"gloss": "fs-ABCDEFGHIJKLMNOPQRSTUVWXYZ"})]
    for label, kw in runs:
        try:
            res = service.generate(rig, scene, **kw)
        except Exception as exc:
            print(f"ROW {sk} {via} {label} ERROR {type(exc).__name__}: {exc}", flush=True); continue
        rep = probe.measure(res, lang.lexicon, lang.phonology.locations, step=3)
        line = f"ROW {sk} {via} {label} pen {rep.body_depth*1000:.1f} [{rep.body_where}] arm {rep.arm_depth*1000:.1f} [{rep.arm_where}] stretch {rep.stretch:.1f} [{rep.stretch_where}]"
        if rep.contacts:
            c = {k: v for k, v in rep.contacts.items() if k not in DATA_PROBLEMS} or rep.contacts
            g = max(c, key=lambda k: c[k][0])
            ok = sum(1 for v in c.values() if v[0] <= 0.01)
            offg = max(c, key=lambda k: c[k][1] or 0)
            pr = {k: v for k, v in rep.press.items() if k not in DATA_PROBLEMS}
            pg = max(pr, key=lambda k: pr[k][0]) if pr else None
            line += f" | press {pr[pg][0]*1000:.1f} {pg}" if pg else " | press 0"
            line += f" | within1cm {ok}/{len(c)} worst {c[g][0]*1000:.1f} {g} | off {c[offg][1]*1000:.1f} {offg} | eyesHELLO {rep.eyes_clear.get('HELLO', np.nan)*1000:.0f} | data {[(k, round(rep.contacts[k][0]*1000)) for k in DATA_PROBLEMS if k in rep.contacts]} | all " + " ".join(f"{k}:{v[0]*1000:.0f}" for k, v in rep.contacts.items())
        print(line, f"({time.time()-t0:.0f}s)", flush=True)
