"""SignLLM-style priority sampling (numpy only, so it is testable without torch).

Sample i is drawn with P(i) = p_i^alpha / sum_k p_k^alpha, p_i its latest loss; alpha = 0 is uniform.
Its loss is then weighted by the importance weight w_i = (N P(i))^-beta / max_j w_j, which undoes the bias
of the non-uniform draw as beta -> 1.
"""
import numpy as np


def priority_probs(priority, alpha):
    p = np.power(np.maximum(np.asarray(priority, float), 1e-12), alpha)
    return p / p.sum()


def draw(priority, batch, alpha, beta, rng):
    """(indices, importance weights) for one batch."""
    N = len(priority)
    if alpha <= 0:
        return rng.choice(N, size=batch), np.ones(batch)
    p = priority_probs(priority, alpha)
    idx = rng.choice(N, size=batch, p=p)
    w = (N * p[idx]) ** (-beta)
    return idx, w / w.max()
