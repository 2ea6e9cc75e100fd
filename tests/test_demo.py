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
    rgb = px.reshape(-1, 4)[:, :3]
    # not blank: the background, the shirt and the skin are all there in quantity
    assert rgb.std() > 0.1
    skin = (rgb[:, 0] > 0.6) & (rgb[:, 0] > rgb[:, 2] + 0.15)
    shirt = (rgb[:, 2] > rgb[:, 0] + 0.1)
    assert skin.mean() > 0.005 and shirt.mean() > 0.01
    # the saved file opens and still has the signing action on the rig
    bpy_mod.ops.wm.open_mainfile(filepath=str(blend))
    rig = bpy_mod.data.objects["rig"]
    assert rig.animation_data.action.get("signllm_gloss") == "HELLO / wh[ YOUR NAME WHAT ]"
