"""Measure signing on the character's skin (real bpy): the deformed mesh, evaluated frame by frame.

- depth of hand and forearm vertices inside the body (head, neck, torso, thighs): nearest point on the
  deformed body surface (BVH of the body's faces), inside when behind that face;
- depth of the dominant hand and forearm inside the other arm: capsules on its posed forearm and upper arm
  bones, radius measured on their deformed vertices that frame;
- contact: closest approach of the named hand surface's vertices (fingertip, palm, ...) to the skin point
  during the sign, and how far that skin point lies from the deformed body surface.
Which vertices are hand, forearm or body comes from the bone that drives each most (rigs.skin_body labels).
"""
from dataclasses import dataclass, field

import numpy as np

from signllm.inference.synthesis import Synthesizer

BODY_PARTS = ("head", "neck", "torso", "leg_L", "leg_R")
# m around a contact's skin point where the hand may press into the skin: the synthesiser's own radius for the
# touching surface (a tip or a side touches with a spot); the named surface's own vertices (SkinProbe.surfaces)
# press wherever they are, and a palm or the back of the hand laid on the body touches with the whole of that side,
# heel to knuckles and edge to edge (SkinProbe.press_zones)
PRESS_RADIUS = Synthesizer.PRESS_RADIUS


def make_skinned_mannequin(bpy, rig, deform_prefix="DEF-"):
    """A quick skinned body for a Rigify rig: the demo mannequin's shapes joined into one mesh, each shape's
    vertices weighted 1.0 to its bone, deformed by an Armature modifier (development stand-in for a human)."""
    from signllm.signllm_blender import demo_scene
    coll = demo_scene.add_mannequin(rig, deform_prefix)
    shapes = list(coll.objects)
    bpy.context.view_layer.update()
    for ob in shapes:
        bone = ob.parent_bone
        mw = ob.matrix_world.copy()
        ob.parent = None
        ob.matrix_world = mw
        vg = ob.vertex_groups.new(name=bone)
        vg.add(range(len(ob.data.vertices)), 1.0, "REPLACE")
    with bpy.context.temp_override(active_object=shapes[0], selected_editable_objects=shapes,
                                   selected_objects=shapes):
        bpy.ops.object.join()
    body = shapes[0]
    body.name = "SkinBody"
    import bmesh
    bm = bmesh.new()
    bm.from_mesh(body.data)
    bmesh.ops.subdivide_edges(bm, edges=bm.edges[:], cuts=2, use_grid_fill=True)
    bmesh.ops.recalc_face_normals(bm, faces=bm.faces[:])
    bm.to_mesh(body.data)
    bm.free()
    with bpy.context.temp_override(active_object=body, selected_editable_objects=[body], selected_objects=[body]):
        bpy.ops.object.transform_apply(location=True, rotation=True, scale=True)
    body.parent = rig
    body.matrix_parent_inverse = rig.matrix_world.inverted()
    mod = body.modifiers.new("Armature", "ARMATURE")
    mod.object = rig
    return body


@dataclass
class Report:
    body_depth: float = 0.0          # m, worst hand/forearm vertex inside the body outside contact
    body_where: str = ""
    arm_depth: float = 0.0           # m, worst dominant hand/forearm vertex inside the other arm
    arm_where: str = ""
    contacts: dict = field(default_factory=dict)   # gloss -> (miss m, skin point off the skin m)
    whole_hand: set = field(default_factory=set)    # contacts measured on the whole hand (no finger bones)
    eyes_clear: dict = field(default_factory=dict)  # gloss -> closest dominant-hand vertex to an eye, seen from the front (m)
    # gloss -> (m, frame) the deepest dominant-hand/forearm vertex in the body within PRESS_RADIUS of its skin
    # point (or on the flat side laid on the body) during the sign: the press body_depth leaves out (a rigid palm
    # bridging a hollow presses its pads in)
    press: dict = field(default_factory=dict)
    # the most an edge of the forearm's and hand's skin is stretched against its rest length, and where:
    # a torn skin (a helper bone left behind at rest) stretches its edges 12x; bending stretches them up to ~3x
    stretch: float = 1.0
    stretch_where: str = ""

    def worst_contact(self):
        if not self.contacts:
            return 0.0, ""
        g = max(self.contacts, key=lambda k: self.contacts[k][0])
        return self.contacts[g][0], g


class SkinProbe:
    """The character's body mesh split into parts, and per-frame measurements on it."""

    def __init__(self, bpy, obj, scene, mesh=None):
        from signllm.rigs import blender_io
        from signllm.rigs.skin_body import label_vertices
        from signllm.rigs.solve import _finger_end, hand_frame_rest
        from signllm.signllm_blender import service, skin
        self.bpy, self.obj, self.scene = bpy, obj, scene
        self.rig, self.profile, self.body = service.read_character(obj, scene)
        assert self.body.skin is not None, "the character's skin was not fitted"
        meshes = [m for m in blender_io.bound_meshes(obj) if len(m.data.vertices) >= skin.MIN_VERTICES]
        self.mesh = mesh or max(meshes, key=lambda m: len(m.data.vertices))
        V, W = skin.mesh_rest(self.mesh, obj, self.rig)
        self.rest = V
        self.labels = label_vertices(V, W, self.body)
        me = self.mesh.data
        nl = len(me.loops)
        loops = np.empty(nl, np.int32)
        me.loops.foreach_get("vertex_index", loops)
        np_ = len(me.polygons)
        start = np.empty(np_, np.int32)
        total = np.empty(np_, np.int32)
        me.polygons.foreach_get("loop_start", start)
        me.polygons.foreach_get("loop_total", total)
        self.polys = [loops[s:s + t] for s, t in zip(start, total)]
        # every face of the body's parts, also those across two parts (the throat's faces join the neck's
        # vertices to the jaw's and the chest's: without them the body had holes where NECKTIE touches)
        lab = self.labels
        body = np.isin(lab, BODY_PARTS)
        self.body_polys = [p.tolist() for p in self.polys if body[p].all()]
        edges = np.empty(len(me.edges) * 2, np.int32)
        me.edges.foreach_get("vertices", edges)
        edges = edges.reshape(-1, 2)
        arm = np.array([str(x).startswith(("fore_", "hand_")) for x in lab])
        self.arm_edges = edges[arm[edges].all(axis=1)]
        self.arm_rest = np.linalg.norm(V[self.arm_edges[:, 0]] - V[self.arm_edges[:, 1]], axis=-1)
        # named hand surfaces: vertex sets picked at rest in the rig's own hand frame
        self.surfaces = {}
        self.press_zones = {}     # side -> surface -> the vertices that press when that surface touches
        scale = self.body.hand_scale
        for side in "LR":
            hand = np.flatnonzero(lab == f"hand_{side}")
            P = V[hand]
            R = hand_frame_rest(self.rig, self.profile, side)
            x, z = R[:, 0], R[:, 2]
            wrist = self.rig[self.profile.measure("hand", side)].head
            fm = self.profile.fingers(side, "finger_measure")
            tips, knuck, middle = {}, {}, {}
            for f, chain in fm.items():
                if chain and all(b and b in self.rig for b in chain):
                    tips[f] = _finger_end(self.rig, self.profile, f, side, chain)
                    knuck[f] = self.rig[chain[0]].head
                    middle[f] = self.rig[chain[1]].head if len(chain) > 1 else None
            sx = 1.0 if side == "R" else -1.0     # +x of the hand frame is the thumb side for both hands here
            near = lambda c, r: np.linalg.norm(P - c, axis=-1) < r * scale  # noqa: E731
            s, flat_sides = {}, {}
            for f, t in tips.items():
                sel = near(t, 0.014)
                s[f"{f}_tip"] = s[f"{f}_pad"] = hand[sel]
            if "middle" in knuck:
                c = (wrist + knuck["middle"]) * 0.5
                s["palm"] = hand[near(c, 0.035) & ((P - c) @ z > 0)]
                s["back"] = hand[near(c, 0.035) & ((P - c) @ z < 0)]
                # the whole flat side, heel to knuckles, edge to edge: what a palm laid on the body touches with
                along = (P - wrist) @ R[:, 1]
                flat = (along > -0.015 * scale) & (along < (knuck["middle"] - wrist) @ R[:, 1])
                flat_sides = {"palm": hand[flat & ((P - c) @ z > 0)], "back": hand[flat & ((P - c) @ z < 0)]}
                s["knuckles"] = hand[near(knuck["middle"], 0.02) & ((P - knuck["middle"]) @ z < 0)]
            if middle.get("middle") is not None:     # a fist's front: around the middle finger's middle knuckle
                s["fist"] = hand[near(middle["middle"], 0.014)]
            tipsets = [s[k] for k in ("index_tip", "middle_tip", "ring_tip") if k in s]
            if tipsets:
                s["fingertips"] = np.concatenate(tipsets)
            if "index" in knuck:
                s["index_side"] = hand[near(knuck["index"], 0.025) & ((P - knuck["index"]) @ x * sx > 0)]
            if "pinky" in knuck:
                c = (knuck["pinky"] + wrist) * 0.5
                s["pinky_side"] = hand[near(c, 0.03) & ((P - c) @ x * sx < 0)]
            s["wrist"] = hand[near(wrist, 0.025)]
            self.surfaces[side] = s
            # the touching surface's own vertices press wherever they are: B's four fingertips side by side span
            # more than the radius around the one point (GOOD's index tip, 34 mm from the middle one, 5 mm in the
            # chin); a palm or back laid on the body presses with all of that side
            self.press_zones[side] = {k: np.union1d(v, flat_sides.get(k, [])).astype(int) for k, v in s.items()}

    # -- evaluation -----------------------------------------------------------------------------
    def world_vertices(self):
        dg = self.bpy.context.evaluated_depsgraph_get()
        ev = self.mesh.evaluated_get(dg)
        me = ev.to_mesh()
        n = len(me.vertices)
        co = np.empty(n * 3, np.float32)
        me.vertices.foreach_get("co", co)
        ev.to_mesh_clear()
        assert n == len(self.rest), "a modifier changed the vertex count"
        M = np.array(self.mesh.matrix_world, float)
        return co.reshape(n, 3).astype(float) @ M[:3, :3].T + M[:3, 3]

    def joint_world(self, role, side):
        """World position of a joint now (the head of the rig's bone for that role)."""
        pb = self.obj.pose.bones[self.profile.measure(role, side)]
        return np.array(self.obj.matrix_world @ pb.head, float)

    def to_world(self, p):
        a = self.rig.to_armature(np.asarray(p, float))
        M = np.array(self.obj.matrix_world, float)
        return M[:3, :3] @ a + M[:3, 3]

    def world_forward(self):
        """The character's facing direction in world space (unit): toward a viewer in front."""
        f = np.array(self.obj.matrix_world, float)[:3, :3] @ self.rig.to_armature(self.body.forward)
        return f / np.linalg.norm(f)

    def world_scale(self):
        """World metres per canonical metre (1 unless the object scale is odd)."""
        M = np.array(self.obj.matrix_world, float)
        return float(np.cbrt(abs(np.linalg.det(M[:3, :3])))) / self.rig.unit

    @staticmethod
    def _depths(bvh, pts):
        """Depth (>= 0) of each point behind the nearest face of a BVH (0 outside or nothing near). Behind
        means within 60 degrees of the face's inward normal: a point level with a face's edge (its nearest
        point on the rim) is beside the surface, not in it."""
        out = np.zeros(len(pts))
        for i, p in enumerate(pts):
            hit = bvh.find_nearest(p.tolist(), 0.06)
            if hit[0] is None:
                continue
            loc, nrm, _, dist = hit
            if (p[0] - loc[0]) * nrm[0] + (p[1] - loc[1]) * nrm[1] + (p[2] - loc[2]) * nrm[2] < -0.5 * dist:
                # deeper than a millimetre or two: confirmed by ray parity (2 of 3 directions), since a body
                # mesh has openings (eye sockets, the cut at the neck of a head part) whose rim faces mislead
                if dist < 0.002 or SkinProbe._parity_inside(bvh, p):
                    out[i] = dist
        return out

    _RAYS = np.array([[0.31, -0.93, 0.19], [0.93, 0.19, -0.31], [-0.19, 0.31, 0.93]])

    @staticmethod
    def _parity_inside(bvh, p):
        votes = 0
        for d in SkinProbe._RAYS:
            o, hits = p.copy(), 0
            while hits < 50:
                loc, _, _, dist = bvh.ray_cast(o.tolist(), d.tolist(), 2.0)
                if loc is None:
                    break
                hits += 1
                o = np.array(loc) + d * 1e-5
            votes += hits % 2
        return votes >= 2

    def measure(self, result, lexicon, locations, step=2, dominant="R"):
        """Report for a generated result (service.Result) over its frames (every `step`-th, plus every frame
        of a contact sign)."""
        from mathutils.bvhtree import BVHTree
        scene = self.scene
        start = scene.frame_start
        track = result.track
        lab = self.labels
        nd = "L" if dominant == "R" else "R"
        limbs = {s: np.flatnonzero((lab == f"hand_{s}") | (lab == f"fore_{s}")) for s in "LR"}
        contacts = {}     # frame -> list of (world skin point, gloss)
        goals = {}
        skin_pts = {}     # gloss -> the skin point itself (a 'near' contact aims a little off it)
        for seg in track.segments:
            if seg.kind != "sign":
                continue
            entry = lexicon.get(seg.gloss)
            spec = entry["dom"] if entry else {}
            if not spec.get("contact") or spec.get("loc") not in locations:
                continue
            point, normal = self.body.location(locations[spec["loc"]], dominant)
            goal = self.to_world(point + normal * float(spec.get("near", 0.0)))
            goals[seg.gloss] = (seg, goal, spec["contact"])
            skin_pts[seg.gloss] = self.to_world(point)
            for f in range(seg.start, seg.end):
                contacts.setdefault(f, []).append((goal, PRESS_RADIUS.get(spec["contact"], PRESS_RADIUS[None]),
                                                   self.press_zones[dominant].get(spec["contact"])))
        frames = sorted(set(range(0, track.n_frames, step)) | set(contacts))
        rep = Report()
        best = {g: (np.inf, None) for g in goals}
        sk = self.body.skin
        eyes = [self.to_world(sk.landmarks[k]) for k in ("eyes_L", "eyes_R") if k in sk.landmarks]
        scale_w = self.world_scale()
        fwd = self.world_forward()
        for f in frames:
            g_now = _gloss_at(track, f)
            scene.frame_set(start + f)
            Vw = self.world_vertices()
            verts = Vw.tolist()
            body_bvh = BVHTree.FromPolygons(verts, self.body_polys)
            for side in "LR":
                idx = limbs[side]
                d = self._depths(body_bvh, Vw[idx])
                for goal, radius, zone in contacts.get(f, []) if side == dominant else []:
                    at = np.linalg.norm(Vw[idx] - goal, axis=-1) < radius
                    if zone is not None:
                        at |= np.isin(idx, zone)
                    deep = float(d[at].max()) if at.any() else 0.0
                    if g_now in goals and deep >= rep.press.get(g_now, (-1.0, 0))[0]:
                        rep.press[g_now] = (deep, f)
                    d = np.where(at, 0.0, d)
                if d.max() > rep.body_depth:
                    k = int(d.argmax())
                    rep.body_depth = float(d.max())
                    rep.body_where = f"frame {f}, {lab[idx[k]]} vertex {idx[k]} ({_gloss_at(track, f)})"
            if len(self.arm_edges):
                e = self.arm_edges
                ratio = np.linalg.norm(Vw[e[:, 0]] - Vw[e[:, 1]], axis=-1) / np.maximum(self.arm_rest * scale_w, 1e-9)
                if ratio.max() > rep.stretch:
                    k = int(ratio.argmax())
                    rep.stretch = float(ratio.max())
                    rep.stretch_where = f"frame {f}, {lab[e[k, 0]]} edge {e[k, 0]}-{e[k, 1]} ({g_now})"
            # the other arm: capsules on its posed bones, radius measured on its deformed vertices this frame
            idx = limbs[dominant]
            for part, (ja, jb) in ((f"fore_{nd}", ("forearm", "hand")), (f"upper_{nd}", ("upper_arm", "forearm"))):
                a, b = self.joint_world(ja, nd), self.joint_world(jb, nd)
                own = np.flatnonzero(lab == part)
                if not len(own):
                    continue
                r = float(np.median(_seg_dist(Vw[own], a, b)[0]))
                dist, t = _seg_dist(Vw[idx], a, b)
                d = np.where((t > 0.1) & (t < 0.9), r - dist, 0.0)
                if d.max() > rep.arm_depth:
                    k = int(d.argmax())
                    rep.arm_depth = float(d.max())
                    rep.arm_where = f"frame {f}, {lab[idx[k]]} vertex {idx[k]} in {part} ({_gloss_at(track, f)})"
            if eyes and g_now != "transition":
                P = Vw[np.flatnonzero(lab == f"hand_{dominant}")]
                for e in eyes:
                    rel = P - e
                    ahead = rel @ fwd > -0.01
                    side = rel - (rel @ fwd)[:, None] * fwd
                    dist = np.linalg.norm(side[ahead], axis=-1).min() if ahead.any() else np.inf
                    rep.eyes_clear[g_now] = min(rep.eyes_clear.get(g_now, np.inf), float(dist))
            for g, (seg, goal, surf) in goals.items():
                if seg.start <= f < seg.end:
                    vs = self.surfaces[dominant].get(surf)
                    if vs is None or not len(vs):     # a rig without that finger's bones: any of the hand
                        vs = np.flatnonzero(lab == f"hand_{dominant}")
                        rep.whole_hand.add(g)
                    miss = float(np.linalg.norm(Vw[vs] - goal, axis=-1).min())
                    if miss < best[g][0]:
                        loc, _, _, dist = body_bvh.find_nearest(skin_pts[g].tolist(), 1.0)
                        best[g] = (miss, dist if loc is not None else np.inf)
        rep.contacts = best
        return rep


def _seg_dist(P, a, b):
    """Distance of points to segment a-b and their position along it (0 at a, 1 at b, unclamped)."""
    ab = b - a
    t = ((P - a) @ ab) / max(float(ab @ ab), 1e-12)
    return np.linalg.norm(P - (a + np.clip(t, 0, 1)[:, None] * ab), axis=-1), t


def _gloss_at(track, f):
    for s in track.segments:
        if s.start <= f < s.end:
            return s.gloss
    return "transition"
