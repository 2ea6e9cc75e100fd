"""Contact sheets: render evenly spaced frames with Workbench and tile them into one PNG."""
import os
import tempfile

import bpy
import numpy as np


def pick_frames(scene, count, segments=None, offset=0):
    """Frames to show: the middle of each sign when given (up to count), else evenly spaced."""
    if segments:
        mids = [offset + (s.start + s.end) // 2 for s in segments if s.kind != "pause"]
        if len(mids) > count:
            idx = np.linspace(0, len(mids) - 1, count).round().astype(int)
            mids = [mids[i] for i in idx]
        return mids
    return [int(f) for f in np.linspace(scene.frame_start, scene.frame_end, count).round()]


def render_frames(scene, frames, folder):
    paths = []
    for f in frames:
        scene.frame_set(int(f))
        path = os.path.join(folder, f"f{int(f):05d}.png")
        scene.render.filepath = path
        bpy.ops.render.render(write_still=True)
        paths.append(path)
    return paths


def _load(path):
    img = bpy.data.images.load(path)
    w, h = img.size
    px = np.empty(w * h * 4, np.float32)
    img.pixels.foreach_get(px)
    bpy.data.images.remove(img)
    return px.reshape(h, w, 4)


def tile(paths, out_path, columns=4, pad=4):
    tiles = [_load(p) for p in paths]
    h, w = tiles[0].shape[:2]
    rows = (len(tiles) + columns - 1) // columns
    sheet = np.ones((rows * (h + pad) + pad, columns * (w + pad) + pad, 4), np.float32)
    sheet[..., :3] = 0.3
    for i, t in enumerate(tiles):
        r = rows - 1 - i // columns  # Blender images are bottom-up
        c = i % columns
        y, x = pad + r * (h + pad), pad + c * (w + pad)
        sheet[y:y + h, x:x + w] = t
    H, W = sheet.shape[:2]
    img = bpy.data.images.new("contact_sheet", W, H, alpha=True)
    img.pixels.foreach_set(sheet.ravel())
    img.filepath_raw = out_path
    img.file_format = "PNG"
    img.save()
    bpy.data.images.remove(img)
    return sheet


def contact_sheet(scene, out_path, count=12, columns=4, segments=None, offset=0):
    """Render `count` frames and write one tiled PNG; returns the frame numbers shown."""
    frames = pick_frames(scene, count, segments, offset)
    with tempfile.TemporaryDirectory() as tmp:
        paths = render_frames(scene, frames, tmp)
        tile(paths, out_path, columns)
    return frames
