"""Read the character's skin for contact and collision: the meshes an armature deforms, at rest, as numpy.

One way: this reader (bpy) -> rigs.skin_body (pure fit) -> BodyModel.skin -> synthesis.
"""
import numpy as np

from ..rigs import blender_io
from ..rigs.skin_body import fit_skin_body, label_vertices

MIN_VERTICES = 200      # a smaller bound mesh is a prop or a marker, not a body


def _polygons(me):
    """(loop vertex indices, each polygon's first loop, its loop count) of a mesh."""
    loops = np.empty(len(me.loops), np.int32)
    me.loops.foreach_get("vertex_index", loops)
    start = np.empty(len(me.polygons), np.int32)
    total = np.empty(len(me.polygons), np.int32)
    me.polygons.foreach_get("loop_start", start)
    me.polygons.foreach_get("loop_total", total)
    return loops, start, total


def mesh_triangles(ob):
    """(K, 3) vertex indices: the mesh's polygons as fans of triangles."""
    loops, start, total = _polygons(ob.data)
    tris = [np.stack([loops[start[sel]], loops[start[sel] + k], loops[start[sel] + k + 1]], -1)
            for k in range(1, int(total.max(initial=2)) - 1) for sel in [total > k + 1]]
    return np.concatenate(tris) if tris else np.zeros((0, 3), np.int32)


def mesh_rest(ob, obj, rig, faces=False):
    """(vertices (N, 3) canonical, bone weights (N, G) over rig's bones) of one mesh deformed by `obj`;
    faces=True appends each face's centre (weights averaged) after the vertices."""
    index = {n: i for i, n in enumerate(rig.bones)}
    me = ob.data
    n = len(me.vertices)
    co = np.empty(n * 3, np.float32)
    me.vertices.foreach_get("co", co)
    M = np.linalg.inv(np.array(obj.matrix_world, float)) @ np.array(ob.matrix_world, float)
    co = co.reshape(n, 3).astype(float) @ M[:3, :3].T + M[:3, 3]
    G = rig.axes * rig.unit if rig.axes is not None else np.eye(3)
    W = np.zeros((n, len(index)), np.float32)
    groups = {g.index: index.get(g.name) for g in ob.vertex_groups}
    for v in me.vertices:          # per-vertex group lists have no foreach access
        for g in v.groups:
            col = groups.get(g.group)
            if col is not None:
                W[v.index, col] = g.weight
    V = co @ G.T
    if faces and len(me.polygons):  # face centres too: the skin between vertices, for a closer fit
        loops, start, total = _polygons(me)
        poly = np.repeat(np.arange(len(start)), total)
        cnt = total[:, None].astype(float)
        C = np.zeros((len(start), 3))
        np.add.at(C, poly, V[loops])
        Wc = np.zeros((len(start), W.shape[1]), np.float32)
        np.add.at(Wc, poly, W[loops])
        V = np.concatenate([V, C / cnt])
        W = np.concatenate([W, Wc / cnt.astype(np.float32)])
    return V, W


def rest_skin(obj, rig):
    """(vertices (N, 3) in the canonical space of `rig` (RigData from rigs.solve.canonical), bone weights
    (N, G) over the rig's bones, mask (N,) True for mesh vertices, False for face centres, triangles (K, 3)
    indices of vertices) of every mesh `obj` deforms; None when there is none. Rest positions are the meshes'
    own coordinates (what the Armature modifier deforms from), not the posed result."""
    verts, weights, is_vertex, tris = [], [], [], []
    n = 0
    for ob in blender_io.bound_meshes(obj):
        if len(ob.data.vertices) < MIN_VERTICES:
            continue
        V, W = mesh_rest(ob, obj, rig, faces=True)
        if W.any():
            verts.append(V)
            weights.append(W)
            is_vertex.append(np.arange(len(V)) < len(ob.data.vertices))
            tris.append(mesh_triangles(ob) + n)
            n += len(V)
    if not verts:
        return None
    return np.concatenate(verts), np.concatenate(weights), np.concatenate(is_vertex), np.concatenate(tris)


def skin_body(obj, rig, body, head_top_bone=False, profile=None):
    """`body` with the character's fitted skin (contact on the skin, collision with it), or `body`
    unchanged when the rig deforms no mesh that covers a head and a torso. With the rig's `profile` the hands
    are measured too (rigs.solve.measure_hands): fingertips on the mesh's, a fingerless rig's hand as modelled.

    Without a head-top bone (`head_top_bone` False) the rig's head_top came from the head bone's tail, which
    importers invent for a leaf bone (glTF: 2.7 cm lower on the Mixamo human, 3 cm higher on MakeHuman's);
    the top of the head's skin replaces it, and the skin is fitted again with that head height."""
    data = rest_skin(obj, rig)
    if data is None:
        return body
    skin = fit_skin_body(data[0], data[1], body, landmark_points=data[2], triangles=data[3])
    if skin is None:
        return body
    top = skin.head_heights.get("top")
    if not head_top_bone and top is not None and 0.3 * body.W < top < 0.9 * body.W:
        body.joints["head_top"] = body.joints["head_base"] + body.up * top
        skin = fit_skin_body(data[0], data[1], body, landmark_points=data[2], triangles=data[3]) or skin
    body.skin = skin
    if profile is not None:
        from ..rigs.solve import measure_hands
        labels = label_vertices(data[0], data[1], body)
        hands = {s: data[0][labels == f"hand_{s}"] for s in ("L", "R")}
        # the heel of the hand is partly the forearm's skin (weighted to it) just past the wrist joint
        palms = {s: data[0][(labels == f"hand_{s}") | (labels == f"fore_{s}")] for s in ("L", "R")}
        body.hands.update(measure_hands(rig, profile, body.hand_scale, data[0], data[1], hands, palms))
    return body
