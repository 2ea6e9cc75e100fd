"""The solver's per-rig rest cache (rigs/restcache.py) and the lock-step key reduction change no number: a
cached solve equals an uncached one, a changed rig or profile is not served stale rest data, and
`reduce_keys_many` chooses the keys `reduce_keys` chooses alone. No bpy: the rig is built as plain data."""
import numpy as np
import pytest

from rig_builders import RIGS, bone_list


def _rig(kind, stretch=1.0):
    """RigData of a test humanoid (tests/rigs/humanoids.json): bones along head -> tail, a fixed roll."""
    from signllm.rigs.rigdata import RigBone, RigData
    bones = {}
    for name, parent, head, tail in bone_list(kind)[0]:
        y = tail - head
        length = float(np.linalg.norm(y)) * stretch
        y = y / max(np.linalg.norm(y), 1e-12)
        ref = np.array([0.0, 0.0, 1.0]) if abs(y[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
        x = np.cross(y, ref)
        x /= np.linalg.norm(x)
        z = np.cross(x, y)
        m = np.eye(4)
        m[:3, :3] = np.stack([x, y, z], -1)
        m[:3, 3] = head * stretch
        bones[name] = RigBone(name, parent, m, m.copy(), length=length)
    return RigData(bones)


def _solve_both(rig, profile, track):
    from signllm.rigs import restcache
    from signllm.rigs.solve import solve
    restcache.ENABLED = True
    try:
        cached = [solve(track, rig, profile) for _ in range(2)]    # the second call is served from the cache
        restcache.ENABLED = False
        plain = solve(track, rig, profile)
    finally:
        restcache.ENABLED = True
    return cached[1], plain


def _channels(sol):
    return {(c.bone, c.path): c.values for c in sol.channels}


def _track(rig, profile):
    from signllm import inference
    from signllm.rigs.solve import canonical, measure_body
    from signllm.studio.options import Options
    rc = canonical(rig, profile)
    items = inference.text_to_gloss("Hello, my name is Anna. Are you happy?")
    return rc, inference.gloss_to_track(items, "ASL", measure_body(rc, profile), Options().settings(24.0))


@pytest.mark.parametrize("kind", ["mixamo", "ue5", "makehuman"])
def test_cached_solve_equals_uncached(kind):
    from signllm.rigs import restcache
    from signllm.rigs.profiles import detect
    rig = _rig(kind)
    profile = detect(rig)
    rc, track = _track(rig, profile)
    restcache.clear()
    cached, plain = _solve_both(rc, profile, track)
    a, b = _channels(cached), _channels(plain)
    assert a.keys() == b.keys() and len(a) > 20
    for k in a:
        assert np.abs(a[k] - b[k]).max() <= 1e-9, k


def test_a_changed_rig_or_profile_is_not_served_stale_rest_data():
    from signllm.rigs import restcache
    from signllm.rigs.profiles import detect
    from signllm.rigs.solve import canonical
    kind = RIGS[0]
    rig = _rig(kind)
    profile = detect(rig)
    rc, track = _track(rig, profile)
    restcache.clear()
    first = _channels(_solve_both(rc, profile, track)[0])
    # the same armature with longer bones (a new snapshot, as blender_io reads after an edit): new rest data
    rig2 = _rig(kind, stretch=1.15)
    rc2 = canonical(rig2, profile)
    cached2, plain2 = _solve_both(rc2, profile, track)
    c2, p2 = _channels(cached2), _channels(plain2)
    assert all(np.abs(c2[k] - p2[k]).max() <= 1e-9 for k in c2)
    assert max(np.abs(c2[k] - first[k]).max() for k in c2 if k in first) > 1e-3, "the new rig moved nothing"
    # a profile mapped differently (the user's correction: one finger bone unmapped): its own entry
    role = next(r for r, b in profile.mapping.items() if r.startswith("index.3.") and b)
    prof2 = profile.with_mapping({role: ""})
    assert restcache.profile_fingerprint(prof2) != restcache.profile_fingerprint(profile)
    cached3, plain3 = _solve_both(rc, prof2, track)
    c3, p3 = _channels(cached3), _channels(plain3)
    assert c3.keys() == p3.keys() and c3.keys() != first.keys()
    assert all(np.abs(c3[k] - p3[k]).max() <= 1e-9 for k in c3)
    # a rig object whose content is the same shares the entry (a full regeneration reads a new snapshot)
    assert restcache.rest_data(canonical(_rig(kind), profile), profile) is restcache.rest_data(rc, profile)


def test_lock_step_reduction_chooses_the_same_keys():
    from signllm.rigs import keyreduce
    rng = np.random.default_rng(3)
    T = 90
    problems = []
    for g in range(7):
        C = (4, 12, 12, 3, 12, 7, 4)[g]
        t = np.linspace(0, 1, T)[:, None]
        v = np.sin(2 * np.pi * t * rng.uniform(0.5, 3, C) + rng.uniform(0, 6, C)) * rng.uniform(0.1, 1, C)
        v[30:40] = v[30]                                       # a hold
        tol = (0.002, 0.003, 0.01)[g % 3]
        problems.append((v, lambda rec, v=v: np.abs(rec - v).max(-1), tol, (0, 45, 89)))
    many = keyreduce.reduce_keys_many(problems)
    for (v, fn, tol, fixed), keys in zip(problems, many):
        alone = keyreduce.reduce_keys(v, fn, tol, fixed=fixed)
        assert np.array_equal(keys, alone)
        assert fn(keyreduce.evaluate(keys.astype(float), v[keys], np.arange(T, dtype=float))).max() <= tol
    recs = keyreduce.evaluate_many(many, [p[0] for p in problems], np.arange(T, dtype=float))
    for (v, *_), keys, rec in zip(problems, many, recs):
        assert np.array_equal(rec, keyreduce.evaluate(keys.astype(float), v[keys], np.arange(T, dtype=float)))


@pytest.mark.parametrize("kind", ["mixamo", "makehuman"])
def test_a_loose_helper_follows_the_arm(kind):
    """A deform bone with neither parent nor constraint at a joint of the arm (MPFB Rigify's elbow and shoulder
    helpers after an FBX or glTF round trip) is keyed to follow the bones that meet there: on every frame its
    head is on the solved elbow (shoulder), and a helper far from the arm is left alone."""
    from signllm.rigs.profiles import detect
    from signllm.rigs.rigdata import RigBone
    from signllm.rigs.solve import solve
    rig = _rig(kind)
    profile = detect(rig)
    for name, role in (("elbow_helper.R", "forearm.R"), ("shoulder_helper.R", "upper_arm.R"), ("belly", "hips")):
        m = rig.bones[profile.bone(role)].rest.copy()
        if name == "belly":
            m[:3, 3] += np.array([0.0, -0.1, 0.2])
        rig.bones[name] = RigBone(name, None, m, m.copy(), length=0.05, deform=True)
    rc, track = _track(rig, profile)
    sol = solve(track, rc, profile)
    ch = {(c.bone, c.path): c.values for c in sol.channels}
    assert ("belly", "location") not in ch
    elbow = sol.targets["R"]["elbow"]
    shoulder = rig.bones[profile.bone("upper_arm.R")].head
    for name, want in (("elbow_helper.R", elbow), ("shoulder_helper.R", shoulder)):
        rest = rig.bones[name].rest
        head = ch[(name, "location")] @ rest[:3, :3].T + rest[:3, 3]      # no parent: posed = rest @ basis
        off = np.linalg.norm(head - want, axis=-1).max()
        assert off < 1e-3, f"{name} {off * 1000:.1f} mm off its joint"
    # the elbow helper turns with the arm, halfway between the upper arm's and the forearm's turns
    q = ch[("elbow_helper.R", "rotation_quaternion")]
    assert np.degrees(2 * np.arccos(np.clip(np.abs(q[:, 0]), 0, 1))).max() > 20.0


def test_a_loose_helper_under_ik_controls_is_reported():
    """Through IK controls the solver keys the controls, not the deform bones a loose helper would follow: a
    loose elbow helper is named in a warning (its skin would stretch), a helper away from the arms is not."""
    from signllm.rigs.profiles import detect
    from signllm.rigs.rigdata import RigBone
    from signllm.rigs.solve import solve
    rig = _rig("makehuman")
    fk = detect(rig)
    ctrl = {}
    for side in "LR":
        for role, ref in (("hand", f"hand.{side}"), ("pole", f"forearm.{side}")):
            name = f"SIGNLLM_{role}_ik.{side}"
            m = rig.bones[fk.bone(ref)].rest.copy()
            rig.bones[name] = RigBone(name, None, m, m.copy(), length=0.05)
            ctrl[f"{role}.{side}"] = name
    profile = fk.with_ik_controls(ctrl)

    def warned():
        return [w for w in solve(*_track(rig, profile)[::-1], profile).warnings if "no parent and no constraint" in w]
    assert not warned()
    for name, role in (("elbow_helper.R", "forearm.R"), ("belly", "hips")):
        m = rig.bones[fk.bone(role)].rest.copy()
        if name == "belly":
            m[:3, 3] += np.array([0.0, -0.1, 0.2])
        rig.bones[name] = RigBone(name, None, m, m.copy(), length=0.05, deform=True)
    w = warned()
    assert len(w) == 1 and "Right arm" in w[0] and "elbow_helper.R" in w[0] and "belly" not in w[0]
