"""Face bones (Rigify face controls, jaw and eye bones of game rigs) solved from the track's face channels.

Called by rigs/solve.py after the head, so each face bone is carried by the solved head and adds its own
turn or shift in the body's axes: `rotate` terms turn the bone about left/up/forward by degrees per unit,
`move` terms shift it by a share of the head height, `aim` moves an eye target (Rigify `eyes`) by the gaze
angle at its distance from the eyes. Profiles are data (rigs/data/face_profiles.json). No bpy.
"""
import numpy as np

from ..inference.transforms import axis_angle_matrix
from .face import channel_sum, detect_bones
from .solve import Channel, _angle_part, _distance_part, _m4, _quat_channel, _split

_GAZE = ("eyeLookOutLeft", "eyeLookInLeft", "eyeLookInRight", "eyeLookOutRight", "eyeLookUpLeft",
         "eyeLookUpRight", "eyeLookDownLeft", "eyeLookDownRight")
LEVER = 0.05       # metres: a face bone's rotation error is measured at this distance (the jaw's length)


def _axis(body, name, side):
    if name == "side":
        return body.left * (1.0 if side == "L" else -1.0)
    return {"left": body.left, "up": body.up, "forward": body.forward}[name]


def face_of(rig, profile):
    """The BoneFace for a rig: the user's stored face mapping (profile.face_bones_user) corrects it."""
    return detect_bones(rig.bones.keys(), getattr(profile, "face_bones_user", None))


def solve_face_bones(sol, poses, rig, profile, track):
    """Channels (group 'face') for every mapped face bone whose channels move in this track."""
    face = getattr(track, "face", None)
    if not face:
        return
    bf = face_of(rig, profile)
    if bf is None:
        return
    body = track.body
    refs_loc, refs_rot = {}, {}
    T = track.n_frames
    shown = set(getattr(profile, "face_shape_channels", None) or ())
    for role, bone in bf.found().items():
        if bone not in rig:
            continue
        spec = bf.specs[role]
        used = {c for t in spec.get("rotate", []) + spec.get("move", []) for c in t["from"]}
        if spec.get("aim"):
            used |= set(_GAZE)
        if used and used <= shown:      # the shape keys show these already
            continue
        side = spec.get("side")
        R = np.broadcast_to(np.eye(3), (T, 3, 3))
        for term in spec.get("rotate", []):
            a = channel_sum(track, term["from"])
            if np.any(a):
                R = axis_angle_matrix(_axis(body, term["axis"], side)[None], np.radians(term["deg"]) * a) @ R
        shift = np.zeros((T, 3))
        for term in spec.get("move", []):
            a = channel_sum(track, term["from"])
            if np.any(a):
                shift += (a * term["H"] * body.H)[:, None] * _axis(body, term["axis"], side)
        aim = spec.get("aim")
        if aim:
            eyes = [rig[n].head for n in aim["eyes"] if n in rig]
            if eyes:
                centre = np.mean(eyes, axis=0)
                dist = max(float(np.linalg.norm(rig[bone].head - centre)), 0.05 * body.H)
                yaw = (channel_sum(track, {"eyeLookOutLeft": 0.5, "eyeLookInLeft": -0.5, "eyeLookInRight": 0.5,
                                       "eyeLookOutRight": -0.5}))
                pitch = channel_sum(track, {"eyeLookUpLeft": 0.5, "eyeLookUpRight": 0.5, "eyeLookDownLeft": -0.5,
                                        "eyeLookDownRight": -0.5})
                rng = np.radians(30.0)
                if np.any(yaw) or np.any(pitch):
                    shift += dist * (np.tan(yaw * rng)[:, None] * body.left + np.tan(pitch * rng)[:, None] * body.up)
            # a still role is keyed too (at the pose it is carried to), so an earlier take's open jaw does not stay
        M = poses.of(bone).copy()
        # turn about the bone's own head and shift, in the frame the (solved) head carries it in
        head_R = poses.of(bone)[:, :3, :3] @ poses.rest.inv3(bone)
        Rw = head_R @ R @ np.linalg.inv(head_R)
        M = _m4(Rw @ M[:, :3, :3], M[:, :3, 3] + np.einsum("tij,tj->ti", head_R, shift))
        L = poses.local(bone, M)
        if spec.get("rotate"):
            q = _quat_channel(L)
            sol.channels.append(Channel(bone, "rotation_quaternion", q, "face"))
            refs_rot[bone] = q
        if spec.get("move") or aim:
            ch = Channel(bone, "location", L[:, :3, 3].copy(), "face")
            sol.channels.append(ch)
            refs_loc[bone] = ch
    if refs_loc or refs_rot:
        unit = rig.unit if rig.axes is not None else 1.0   # locations are in armature units once solved
        terms = {("location", n): _distance_part(c, unit) for n, c in refs_loc.items()}
        terms.update({("rotation_quaternion", n): _angle_part(q, LEVER) for n, q in refs_rot.items()})

        def err(rec, terms=terms):
            e = np.zeros(T)
            for k, f in terms.items():
                e = np.maximum(e, f(rec[k]))
            return e
        _split(err, "max", terms)     # the largest bone error: each bone is keyed on its own
        sol.error_fns["face"] = err
