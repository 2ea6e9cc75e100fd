"""JointTrack -> PoseTrack: fit the canonical skeleton to observed joints so any rig can be driven.

Per hand: the wrist is the hand's own wrist joint (else the body's), moved onto the target body with the
arm's reach fraction kept (so it is never out of reach); the palm frame is the best rotation (Kabsch)
taking the canonical wrist + four knuckles onto the observed ones; the 21 articulation angles are fitted
to the observed finger joints by damped Gauss-Newton (all frames at once). Elbows come from two-bone IK
with the observed elbow as the pole. Head and brows are left neutral (not fitted).
"""
import numpy as np

from .. import hand as chand
from ..body import BodyModel
from ..errors import DataError
from ..kinematics import two_bone_ik
from ..track import PoseTrack, Segment
from ..transforms import normalize
from .joints import SIDE_INDEX, interpolate_missing

PALM_IDX = (0, 5, 9, 13, 17)
LO = np.array([-30.0, -10.0, -10.0, -35.0] * 4 + [-40.0, -20.0, -30.0, -20.0, -20.0])
HI = np.array([110.0, 120.0, 100.0, 35.0] * 4 + [90.0, 90.0, 130.0, 90.0, 90.0])
REST = np.array([15.0, 20.0, 10.0, 0.0] * 4 + [20.0, 10.0, 20.0, 10.0, 10.0])


def kabsch(src, dst):
    """Rotations R (..., 3, 3) and scales s minimising |s R src + t - dst| over point sets (..., n, 3)."""
    a = src - src.mean(-2, keepdims=True)
    b = dst - dst.mean(-2, keepdims=True)
    H = np.einsum("...ki,...kj->...ij", a, b)
    U, S, Vt = np.linalg.svd(H)
    d = np.sign(np.linalg.det(np.einsum("...ji,...kj->...ik", Vt, U)))
    D = np.zeros(H.shape)
    D[..., 0, 0] = 1.0
    D[..., 1, 1] = 1.0
    D[..., 2, 2] = d
    R = np.einsum("...ji,...jk,...lk->...il", Vt, D, U)
    s = (S[..., 0] + S[..., 1] + d * S[..., 2]) / np.maximum(np.sum(a * a, (-1, -2)), 1e-12)
    return R, s


def _solve_spd(A, b):
    """Batched solve of symmetric positive-definite systems (..., n, n) by elimination in numpy.

    np.linalg.solve on many tiny systems goes through threaded BLAS, which is 100x slower on a busy machine.
    """
    A = A.copy()
    b = b.copy()
    n = A.shape[-1]
    for k in range(n):
        piv = A[..., k, k]
        f = A[..., k + 1:, k] / piv[..., None]
        A[..., k + 1:, :] -= f[..., None] * A[..., k, None, :]
        b[..., k + 1:] -= f * b[..., k, None]
    x = np.zeros_like(b)
    for k in range(n - 1, -1, -1):
        x[..., k] = (b[..., k] - np.sum(A[..., k, k + 1:] * x[..., k + 1:], -1)) / A[..., k, k]
    return x


def fit_hand_params(local, side, init=None, iters=12, prior=0.03):
    """Articulation vectors (N, 21) whose canonical joints (scale 1) best match `local` (N, 21, 3).

    Damped Gauss-Newton with a numeric Jacobian, batched over N; a weak prior toward a relaxed hand keeps
    unobservable angles (e.g. finger spread of a fist) sensible. Returns (params, rms residual per hand, m).
    """
    N = local.shape[0]
    p = np.broadcast_to(REST if init is None else init, (N, 21)).astype(float).copy()
    lam = np.full(N, 1e-2)
    w = prior * 1e-3  # metres per degree of distance from a relaxed hand

    def resid(q):
        r = (chand.joints_local(q, 1.0, side) - local)[:, 1:].reshape(N, -1)
        return np.concatenate([r, w * (q - REST)], axis=1)

    r = resid(p)
    cost = np.sum(r * r, 1)
    eps = 0.5
    for _ in range(iters):
        J = np.empty((N, r.shape[1], 21))
        for k in range(21):
            q = p.copy()
            q[:, k] += eps
            J[:, :, k] = (resid(q) - r) / eps
        A = np.einsum("nik,nil->nkl", J, J)
        g = np.einsum("nik,ni->nk", J, r)
        diag = np.einsum("nkk->nk", A)
        step = _solve_spd(A + lam[:, None, None] * (np.eye(21) * (diag[:, None, :] + 1e-9)), g)
        cand = np.clip(p - step, LO, HI)
        rc = resid(cand)
        cc = np.sum(rc * rc, 1)
        better = cc < cost
        p[better] = cand[better]
        r[better] = rc[better]
        cost[better] = cc[better]
        lam = np.where(better, lam * 0.3, lam * 10.0)
    n_res = 20 * 3
    rms = np.sqrt(np.sum(r[:, :n_res] ** 2, 1) / 20)
    return p, rms


def _resting_wrist(body, side):
    """A hand hanging at the side, slightly forward (for a hand that is never seen)."""
    a, b = body.arm_lengths(side)
    S = body.joints[f"shoulder_{side}"]
    return S + normalize(-body.up * 0.9 + body.forward * 0.25 + body.side_vec(side) * 0.1) * (a + b) * 0.9


def joints_to_track(jt, body=None, fps=None, name=None, hand_iters=12):
    """A PoseTrack on `body` (default: the canonical body) reproducing a JointTrack's arms and hands.

    The JointTrack must be in canonical axes (any importer's output); it is scaled to the body's shoulder
    width first. Returns (track, report) where report holds fit residuals in metres.
    """
    body = body or BodyModel.default()
    src = jt.normalised(BodyModel.default())  # canonical axes, metres
    T = src.n_frames
    if T < 1:
        raise DataError("The pose has no frames.")
    # canonical axes -> the target body's axes
    M = np.stack([body.left, -body.forward, body.up], axis=1)
    B = interpolate_missing(src.body, src.body_valid)
    Hj = interpolate_missing(src.hands, src.hand_valid)
    hand_seen = src.hand_valid[:, :, list(PALM_IDX)].all(-1)     # (T, 2)
    wrist = np.zeros((T, 2, 3))
    elbow = np.zeros((T, 2, 3))
    palm = np.zeros((T, 2, 3, 3))
    params = np.zeros((T, 2, 21))
    report = {"hand_rms_m": {}, "hand_seen": {}, "wrist_scale": {}}
    for h, side in enumerate("LR"):
        s_i, e_i, w_i = SIDE_INDEX[side]
        S_t = body.joints[f"shoulder_{side}"]
        a, b = body.arm_lengths(side)
        body_ok = src.body_valid[:, s_i].any() and (src.body_valid[:, e_i].any())
        has_hand = src.hand_valid[:, h, 0].any() or src.body_valid[:, w_i].any()
        if not (body_ok and has_hand):
            wrist[:, h] = _resting_wrist(body, side)
            elbow[:, h] = two_bone_ik(S_t, wrist[:, h], a, b, body.side_vec(side))[0]
            palm[:, h] = np.stack([body.forward * (1 if side == "R" else -1), -body.up,
                                   -body.side_vec(side)], -1)
            params[:, h] = REST
            report["hand_seen"][side] = 0.0
            continue
        w_src = np.where(src.hand_valid[:, h, 0:1], Hj[:, h, 0], B[:, w_i])
        w_ok = src.hand_valid[:, h, 0] | src.body_valid[:, w_i]
        w_src = interpolate_missing(w_src[:, None], w_ok[:, None])[:, 0]
        S_s, E_s = B[:, s_i], B[:, e_i]
        ok = src.body_valid[:, s_i] & src.body_valid[:, e_i] & w_ok
        L_s = np.median((np.linalg.norm(E_s - S_s, axis=-1) + np.linalg.norm(w_src - E_s, axis=-1))[ok]) \
            if ok.any() else (a + b)
        k = (a + b) / max(L_s, 1e-9)
        off = np.einsum("ij,tj->ti", M, w_src - S_s) * k
        d = np.linalg.norm(off, axis=-1, keepdims=True)
        off = off * np.minimum(1.0, 0.995 * (a + b) / np.maximum(d, 1e-9))
        wrist[:, h] = S_t + off
        pole = np.einsum("ij,tj->ti", M, E_s - S_s)
        elbow[:, h] = two_bone_ik(S_t, wrist[:, h], a, b, pole)[0]
        report["wrist_scale"][side] = float(k)
        # palm frame + hand shape
        canon = chand.joints_local(np.zeros(21), 1.0, side)
        obs = Hj[:, h] - Hj[:, h, :1]
        seen = hand_seen[:, h]
        report["hand_seen"][side] = float(seen.mean())
        if not seen.any():
            palm[:, h] = np.stack([body.forward * (1 if side == "R" else -1), -body.up,
                                   -body.side_vec(side)], -1)
            params[:, h] = REST
            continue
        R, s = kabsch(np.broadcast_to(canon[list(PALM_IDX)], (T, 5, 3)), obs[:, list(PALM_IDX)])
        # fix frames without a hand: nearest seen frame
        idx = np.arange(T)
        seen_idx = idx[seen]
        near = seen_idx[np.clip(np.searchsorted(seen_idx, idx), 0, len(seen_idx) - 1)]
        R = R[near]
        s = s[near]
        local = np.einsum("tji,tkj->tki", R, obs[near]) / np.maximum(s, 1e-9)[:, None, None]
        p, rms = fit_hand_params(local, side, iters=hand_iters)
        palm[:, h] = np.einsum("ij,tjk->tik", M, R)
        params[:, h] = p
        report["hand_rms_m"][side] = float(np.median(rms[seen]) * body.hand_scale) if seen.any() else None
    track = PoseTrack(fps=float(fps or jt.fps), body=body, wrist=wrist, palm=palm, hand_params=params,
                      elbow=elbow, head=np.zeros((T, 3)), brows=np.zeros(T),
                      segments=[Segment(name if name is not None else (jt.name or "IMPORTED"), "sign", 0, T,
                                        source=jt.source or "import")],
                      hand_scale=body.hand_scale)
    track.check()
    return track, report


__all__ = ["fit_hand_params", "joints_to_track", "kabsch"]
