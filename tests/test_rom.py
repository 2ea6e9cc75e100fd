"""Ranges of motion (rigs/rom.py), pure numpy: the joint angles mean what their names say, clamping puts
a pose inside the ranges, the elbow choice keeps shoulder and wrist and avoids what it can."""
import numpy as np
import pytest

from signllm.inference.transforms import frame_from_y_z
from signllm.rigs import rom

S = np.array([-0.2, 0.0, 1.5])      # a right arm hanging, forearm forward (-y), elbow at 90 degrees
E = S + [0.0, 0.0, -0.28]
W = E + [0.0, -0.26, 0.0]
M = np.array([-1.0, 1.0, 1.0])      # mirror to the left arm


def angles(y, z, side="R"):
    P = frame_from_y_z(np.array(y, float), np.array(z, float))
    if side == "L":
        return rom.arm_angles(S * M, E * M, W * M, P, "L")
    return rom.arm_angles(S, E, W, P, "R")


@pytest.mark.parametrize("side,m", [("R", 1.0), ("L", -1.0)])
def test_angles_mean_what_they_say(side, m):
    medial = [m, 0, 0]                                  # the palm toward the body: neutral
    a = angles([0, -1, 0], medial, side)
    assert abs(a["elbow"] - 90) < 1e-6 and abs(a["pronation"]) < 1e-6 and abs(a["wrist_flexion"]) < 1e-6
    assert abs(angles([0, -1, 0], [0, 0, -1], side)["pronation"] - 90) < 1e-6     # palm down: pronated
    assert abs(angles([0, -1, 0], [0, 0, 1], side)["pronation"] + 90) < 1e-6      # palm up: supinated
    assert abs(angles([m, -1, 0], [m, 1, 0], side)["wrist_flexion"] - 45) < 1e-6  # toward the palm
    assert abs(angles([-m, -1, 0], [m, -1, 0], side)["wrist_flexion"] + 45) < 1e-6
    assert abs(angles([0, -1, 1], medial, side)["wrist_deviation"] - 45) < 1e-6   # toward the thumb (up)


def test_clamp_brings_every_angle_inside_and_leaves_good_frames():
    rng = np.random.default_rng(0)
    T = 200
    y = rng.normal(size=(T, 3))
    z = rng.normal(size=(T, 3))
    P = frame_from_y_z(y, z)
    Sb, Eb, Wb = (np.broadcast_to(p, (T, 3)) for p in (S, E, W))
    a = rom.arm_angles(Sb, Eb, Wb, P, "R")
    P2, changed = rom.clamp_palm(Sb, Eb, Wb, P, "R", a)
    a2 = rom.arm_angles(Sb, Eb, Wb, P2, "R")
    assert changed.any() and not rom.violations(a2, tol=1e-6)
    assert np.allclose(P2[~changed], P[~changed])
    assert np.allclose(np.einsum("tji,tjk->tik", P2, P2), np.eye(3), atol=1e-9)   # still rotations


def test_elbow_choice_keeps_the_arm_and_finds_a_natural_elbow():
    """Palm down with the hand in front of the chest: the elbow that needs no more than 80 degrees of
    pronation is found although the preferred elbow (down and in, in front of the belly) needs more."""
    from signllm.inference.body import BodyModel
    body = BodyModel.default()
    Sr = body.joints["shoulder_R"]
    a, b = body.arm_lengths("R")
    T = 30
    wrist = np.broadcast_to(Sr + [0.12, -0.3, -0.2], (T, 3))
    palm = np.broadcast_to(frame_from_y_z(np.array([1.0, -0.3, 0.0]), np.array([0.0, 0.0, -1.0])), (T, 3, 3))
    pref = np.broadcast_to(Sr + [0.15, -0.15, -0.2], (T, 3))
    E0 = rom.choose_elbows(np.broadcast_to(Sr, (T, 3)), wrist, a, b, palm, "R", pref, None, pref_weight=1e4)[1]
    assert rom.violations(E0)      # the preferred elbow alone would turn the forearm too far
    Eb, ang = rom.choose_elbows(np.broadcast_to(Sr, (T, 3)), wrist, a, b, palm, "R", pref, body)
    assert np.allclose(np.linalg.norm(Eb - Sr, axis=-1), a) and np.allclose(np.linalg.norm(wrist - Eb, axis=-1), b)
    assert not rom.violations(ang)
    assert np.ptp(Eb, axis=0).max() < 1e-6                 # a held pose keeps its elbow
    assert (Eb[0] - Sr)[2] < 0                               # the elbow below the shoulder


def test_finger_ranges():
    p = np.zeros(21)
    p[[0, 1, 2]] = [120, 130, 95]
    p[19], p[20] = 70, 95
    q, n = rom.clamp_hand_params(p)
    assert n == 5 and q[0] == rom.FINGER_MCP[1] and q[1] == rom.FINGER_PIP[1] and q[2] == rom.FINGER_DIP[1]
    assert q[19] == rom.THUMB_MCP[1] and q[20] == rom.THUMB_IP[1]
