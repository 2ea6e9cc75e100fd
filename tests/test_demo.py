"""The README's main command: scene, signing, .blend and a contact sheet someone can look at."""
import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT

pytest.importorskip("bpy")


def test_demo_command(tmp_path, bpy_mod):
    r = subprocess.run([sys.executable, os.path.join(ROOT, "build.py"), "demo", "Hello, what is your name?",
                        "--out", str(tmp_path), "--frames", "4", "--resolution", "160"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert "gloss:  HELLO / wh[ YOUR NAME WHAT ]" in r.stdout
    blend = tmp_path / "signing.blend"
    sheet = tmp_path / "contact_sheet.png"
    assert blend.exists() and sheet.exists()
    img = bpy_mod.data.images.load(str(sheet))
    px = np.empty(img.size[0] * img.size[1] * 4, np.float32)
    img.pixels.foreach_get(px)
    w, h = img.size
    rgb = px.reshape(h, w, 4)[..., :3]
    # not blank: a lit figure on the background
    assert rgb.std() > 0.05
    # animated: the four tiles (2x2 grid of 160 px frames, 4 px gaps) are not the same picture
    tiles = [rgb[4 + r * 164:164 + r * 164, 4 + c * 164:164 + c * 164] for r in (1, 0) for c in range(4)]
    tiles = [t for t in tiles if t.size and t.std() > 0.02]
    assert len(tiles) == 4
    # first and last frames are the rest pose; the ones between show signing
    rest = np.abs(tiles[0] - tiles[3]).mean()
    signing = [np.abs(tiles[k] - tiles[0]).mean() for k in (1, 2)]
    assert min(signing) > 3 * rest and min(signing) > 0.004, (rest, signing)
    # the saved file opens and still has the signing action on the rig
    bpy_mod.ops.wm.open_mainfile(filepath=str(blend))
    rig = next(o for o in bpy_mod.data.objects if o.type == "ARMATURE" and o.animation_data
               and o.animation_data.action)
    assert rig.get("signllm_character") == "default"         # the demo signs on the default human
    assert rig.animation_data.action.get("signllm_gloss") == "HELLO / wh[ YOUR NAME WHAT ]"
