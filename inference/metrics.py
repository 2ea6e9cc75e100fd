"""Metrics for two pose tracks (generated vs reference), the numbers sign-language-production papers report.

Both tracks are reduced to joints (elbows, wrists and 2 x 21 hand joints), each frame centred on the
shoulder midpoint and divided by the median shoulder width, so signers of any size and file units compare.
DTW error alone rewards standing still, so `compare` always also returns hand travel and duration ratio.
Plain numpy; no bpy.
"""
from dataclasses import asdict, dataclass

import numpy as np

from .errors import SignLLMError
from .formats.joints import ELBOW_L, ELBOW_R, SHOULDER_L, SHOULDER_R, as_joint_track


def normalised_joints(track):
    """(T, 44, 3) elbows + hand joints (left, right) in shoulder widths around the shoulder midpoint,
    and (T, 44) validity."""
    jt = as_joint_track(track)
    W = jt.shoulder_width()
    ok = jt.body_valid[:, SHOULDER_L] & jt.body_valid[:, SHOULDER_R]
    mid = (jt.body[:, SHOULDER_L] + jt.body[:, SHOULDER_R]) * 0.5
    if not ok.all():
        mid[~ok] = mid[ok].mean(0)
    J = np.concatenate([jt.body[:, [ELBOW_L, ELBOW_R]], jt.hands.reshape(jt.n_frames, 42, 3)], axis=1)
    V = np.concatenate([jt.body_valid[:, [ELBOW_L, ELBOW_R]], jt.hand_valid.reshape(jt.n_frames, 42)], axis=1)
    return (J - mid[:, None]) / W, V


def _frame_costs(A, Va, B, Vb):
    """(Ta, Tb) mean distance over joints valid in both frames (nan where none are)."""
    Ta, Tb, J = A.shape[0], B.shape[0], A.shape[1]
    out = np.empty((Ta, Tb))
    step = max(1, int(2_000_000 // max(Tb * J, 1)))             # bound the (rows, Tb, J) temporaries
    for r in range(0, Ta, step):
        d = np.linalg.norm(A[r:r + step, None] - B[None], axis=-1)
        both = Va[r:r + step, None] & Vb[None]
        n = both.sum(-1)
        s = np.where(both, d, 0.0).sum(-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[r:r + step] = np.where(n > 0, s / np.maximum(n, 1), np.nan)
    return out


def dtw(cost):
    """Accumulated-cost DTW over a (Ta, Tb) cost matrix. Returns (path as (k, 2) indices, total cost).

    Vectorised over anti-diagonals (Ta + Tb python steps); steps (1,0), (0,1), (1,1).
    """
    C = np.where(np.isfinite(cost), cost, np.nanmax(cost) if np.isfinite(cost).any() else 1.0)
    Ta, Tb = C.shape
    D = np.full((Ta + 1, Tb + 1), np.inf)
    D[0, 0] = 0.0
    for s in range(2, Ta + Tb + 1):
        i = np.arange(max(1, s - Tb), min(Ta, s - 1) + 1)
        j = s - i
        D[i, j] = C[i - 1, j - 1] + np.minimum(np.minimum(D[i - 1, j - 1], D[i - 1, j]), D[i, j - 1])
    i, j = Ta, Tb
    path = [(i - 1, j - 1)]
    while i > 1 or j > 1:
        cand = ((D[i - 1, j - 1], i - 1, j - 1), (D[i - 1, j], i - 1, j), (D[i, j - 1], i, j - 1))
        _, i, j = min(cand, key=lambda c: c[0])
        path.append((i - 1, j - 1))
    path = np.array(path[::-1])
    return path, float(D[Ta, Tb])


def dtw_joint_error(a, b):
    """Mean joint error (shoulder widths) along the DTW alignment of two tracks, and the path."""
    A, Va = normalised_joints(a)
    B, Vb = normalised_joints(b)
    cost = _frame_costs(A, Va, B, Vb)
    if not np.isfinite(cost).any():
        raise SignLLMError("The two tracks share no visible joint: nothing to compare.")
    path, _ = dtw(cost)
    c = cost[path[:, 0], path[:, 1]]
    return float(np.nanmean(c)), path


def hand_travel(track):
    """Total path length of each wrist (left, right) in shoulder widths."""
    J, V = normalised_joints(track)
    out = []
    for k in (2, 23):   # wrist joints of the left and right hand in the normalised layout
        ok = V[:, k]
        p = J[ok, k]
        out.append(float(np.linalg.norm(np.diff(p, axis=0), axis=-1).sum()) if len(p) > 1 else 0.0)
    return tuple(out)


def wrist_jerk(track):
    """Mean magnitude of the wrists' third time derivative (shoulder widths / s^3), both hands averaged."""
    jt = as_joint_track(track)
    J, V = normalised_joints(jt)
    dt = 1.0 / jt.fps
    vals = []
    for k in (2, 23):
        if V[:, k].sum() < 4 or not V[:, k].all():
            p = J[V[:, k], k]
        else:
            p = J[:, k]
        if len(p) < 4:
            continue
        j = np.diff(p, n=3, axis=0) / dt ** 3
        vals.append(np.linalg.norm(j, axis=-1).mean())
    return float(np.mean(vals)) if vals else 0.0


@dataclass
class Metrics:
    dtw_error: float            # mean joint error along DTW, shoulder widths
    travel: tuple               # (generated, reference) total wrist travel, both hands, shoulder widths
    travel_ratio: float         # generated / reference
    duration: tuple             # seconds (generated, reference)
    duration_ratio: float       # generated / reference
    jerk: tuple                 # mean wrist jerk (generated, reference), shoulder widths / s^3
    frames: tuple

    def as_dict(self):
        return asdict(self)

    def lines(self):
        """Human-readable lines; DTW error is never shown without travel and duration ratio."""
        return [
            f"DTW joint error {self.dtw_error:.3f} shoulder widths "
            f"(travel ratio {self.travel_ratio:.2f}, duration ratio {self.duration_ratio:.2f})",
            f"hand travel {self.travel[0]:.2f} vs {self.travel[1]:.2f} shoulder widths",
            f"duration {self.duration[0]:.2f} s vs {self.duration[1]:.2f} s ({self.frames[0]} vs {self.frames[1]} frames)",
            f"wrist jerk {self.jerk[0]:.0f} vs {self.jerk[1]:.0f} shoulder widths/s^3",
        ]


def compare(generated, reference):
    """All metrics of a generated track against a reference (PoseTrack or JointTrack each)."""
    g = as_joint_track(generated)
    r = as_joint_track(reference)
    if g.n_frames < 1 or r.n_frames < 1:
        raise SignLLMError("A track has no frames.")
    err, _ = dtw_joint_error(g, r)
    tg, tr = sum(hand_travel(g)), sum(hand_travel(r))
    return Metrics(
        dtw_error=err,
        travel=(tg, tr),
        travel_ratio=tg / tr if tr > 0 else float("inf") if tg > 0 else 1.0,
        duration=(g.duration, r.duration),
        duration_ratio=g.duration / r.duration,
        jerk=(wrist_jerk(g), wrist_jerk(r)),
        frames=(g.n_frames, r.n_frames),
    )


__all__ = ["Metrics", "compare", "dtw", "dtw_joint_error", "hand_travel", "normalised_joints", "wrist_jerk"]


# -- gloss text against a reference gloss (the gold set, tests/data/asl_gold.tsv) -------------------------
def gloss_tokens(text):
    """[(sign, marks)] of a gloss in the text form: pauses dropped, each sign with the non-manual spans
    it is under (`wh[ YOU LIVE WHERE ]` -> (YOU, ('wh',)), ...). Loci stay part of the sign (`a-GIVE-b`)."""
    out, stack = [], []                 # spans nest: `wh[ YOU neg[ HAPPY NOT ] WHY ]`
    for tok in str(text).split():
        if tok.endswith("["):
            stack.append(tok[:-1].split("+"))
        elif tok == "]":
            if stack:
                stack.pop()
        elif tok != "/":
            out.append((tok, tuple(sorted({m for g in stack for m in g}))))
    return out


def _f1(hyp, ref):
    from collections import Counter
    h, r = Counter(hyp), Counter(ref)
    tp = sum((h & r).values())
    p = tp / max(sum(h.values()), 1)
    rc = tp / max(sum(r.values()), 1)
    return (2 * p * rc / (p + rc)) if p + rc else 0.0, tp, sum(h.values()), sum(r.values())


def corpus_bleu(hyps, refs, n=4):
    """Corpus BLEU-n (0-100) on whitespace tokens, one reference each, no smoothing (the figure sacrebleu
    gives with tokenize='none')."""
    import math
    from collections import Counter
    match, total = [0] * n, [0] * n
    hl = rl = 0
    for h, r in zip(hyps, refs):
        h, r = h.split(), r.split()
        hl += len(h)
        rl += len(r)
        for k in range(1, n + 1):
            hc = Counter(tuple(h[i:i + k]) for i in range(len(h) - k + 1))
            rc = Counter(tuple(r[i:i + k]) for i in range(len(r) - k + 1))
            match[k - 1] += sum((hc & rc).values())
            total[k - 1] += max(len(h) - k + 1, 0)
    if min(match) == 0 or hl == 0:
        return 0.0
    logp = sum(math.log(m / t) for m, t in zip(match, total)) / n
    bp = 1.0 if hl > rl else math.exp(1 - rl / hl)
    return 100.0 * bp * math.exp(logp)


def score_glosses(hyps, refs):
    """Exact-sentence match, sign-level F1 (signs as a multiset, loci included, spans ignored), F1 of signs
    with their non-manual spans, and BLEU-4 on the sign sequence, for hypothesis and reference gloss texts."""
    if len(hyps) != len(refs) or not refs:
        raise SignLLMError("Need one hypothesis per reference, and at least one.")
    norm = lambda s: " ".join(str(s).split())  # noqa: E731
    exact = sum(norm(h) == norm(r) for h, r in zip(hyps, refs)) / len(refs)
    hs, rs = [gloss_tokens(h) for h in hyps], [gloss_tokens(r) for r in refs]
    sign_f1 = _f1([s for t in hs for s, _ in t], [s for t in rs for s, _ in t])[0]
    nmm_f1 = _f1([x for t in hs for x in t], [x for t in rs for x in t])[0]
    bleu = corpus_bleu([" ".join(s for s, _ in t) for t in hs], [" ".join(s for s, _ in t) for t in rs])
    return {"sentences": len(refs), "exact": exact, "sign_f1": sign_f1, "nmm_f1": nmm_f1, "bleu": bleu}


__all__ += ["corpus_bleu", "gloss_tokens", "score_glosses"]
