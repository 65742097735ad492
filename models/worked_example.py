"""The numbers of the /math page: attention worked out on a handful of small vectors, every step kept.

For encoder states h_1..h_S (keys and values) and a decoder state s (the query), as in the lecture notes:

    e_j = score(s, h_j)                   one score per input token             (models/attention.py)
    α_j = exp(e_j) / Σ_k exp(e_k)         softmax: every α_j > 0 and Σ_j α_j = 1
    c   = Σ_j α_j h_j                     the context: a convex combination of the h_j
    h̃   = tanh(W_c [c; s])                the attentional state (Luong et al. 2015, eq. 5)

The scores come from ``models.attention`` itself (``Attention.scores`` and ``attend``), so the page
shows the numbers of the code the real models run, not a second copy of the formulas.

And why the Transformer divides by √d_k (Vaswani et al. 2017, footnote 4): for q, k with independent
N(0, 1) entries, qᵀk = Σ_i q_i k_i has mean 0 and variance d_k. Unscaled scores therefore spread out as
d_k grows, the softmax puts almost all its weight on one key, and its gradients vanish; qᵀk / √d_k has
variance 1 whatever d_k, so the softmax stays soft.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor

from models.attention import Attention, attend, dot_scores, masked_softmax, scaled_dot_scores
from models.worked_numbers import (
    DIM,
    DK_CHOICES,
    KINDS,
    LIMIT,
    MAX_TOKENS,
    BadCell,
    Parameters,
    ScalingPoint,
    WorkedExample,
    default_example,
    default_parameters,
    exp_terms,
    read_numbers,
)

__all__ = [
    "DIM",
    "DK_CHOICES",
    "KINDS",
    "LIMIT",
    "MAX_TOKENS",
    "BadCell",
    "Parameters",
    "ScalingPoint",
    "WorkedExample",
    "attention_module",
    "default_example",
    "default_parameters",
    "entropy_bits",
    "exp_terms",
    "read_numbers",
    "scaling_curve",
    "scaling_example",
    "softmax",
    "work",
]

# --------------------------------------------------------------------------- the worked example


def attention_module(kind: str, params: Parameters, dim: int) -> Attention:
    """An ``Attention`` of models/attention.py (float64) that holds ``params``; the additive bias is 0."""
    attention_dim = params.W_q.shape[0]
    module = Attention(kind, dim, dim, attention_dim).double()
    with torch.no_grad():
        if kind == "general":
            module.W.weight.copy_(torch.from_numpy(params.W.T))  # nn.Linear computes weight · s = Wᵀs
        elif kind == "additive":
            module.W_q.weight.copy_(torch.from_numpy(params.W_q))  # (A, D)
            module.W_k.weight.copy_(torch.from_numpy(params.W_k))  # (A, D)
            module.W_k.bias.zero_()
            module.v.weight.copy_(torch.from_numpy(params.v[None]))  # (1, A)
    return module


def work(kind: str, states: np.ndarray, query: np.ndarray, params: Parameters) -> WorkedExample:
    """One attention step on the example: score → softmax → weighted sum → concat → tanh."""
    S, D = states.shape
    if query.shape != (D,):
        raise ValueError(f"the query must have the states' size {D}, got shape {query.shape}")
    module = attention_module(kind, params, D)
    H = torch.as_tensor(states, dtype=torch.float64)[None]  # (1, S, D)
    s = torch.as_tensor(query, dtype=torch.float64)[None, None]  # (1, 1, D)
    with torch.no_grad():
        e = module.scores(s, H)  # (1, 1, S)
        context, weights = attend(e, H, mask=None)  # (1, 1, D), (1, 1, S)
        concat = torch.cat([context[0, 0], s[0, 0]])  # (2D,)
        combined = torch.from_numpy(params.W_c) @ concat  # (D, 2D) x (2D,) -> (D,)
        projected_query = projected_keys = hidden = None
        if kind == "general":
            projected_query = query @ params.W  # (D,) x (D, D) -> (D,)
        elif kind == "additive":
            q_part, k_part = module.W_q(s)[0], module.W_k(H)[0]  # (1, A), (S, A)
            projected_query, projected_keys = q_part[0].numpy(), k_part.numpy()
            hidden = torch.tanh(q_part + k_part).numpy()  # (S, A)
    return WorkedExample(
        kind=kind,
        states=np.asarray(states, dtype=np.float64),
        query=np.asarray(query, dtype=np.float64),
        scores=e[0, 0].numpy(),
        weights=weights[0, 0].numpy(),
        context=context[0, 0].numpy(),
        concat=concat.numpy(),
        combined=combined.numpy(),
        h_tilde=torch.tanh(combined).numpy(),
        projected_query=projected_query,
        projected_keys=projected_keys,
        hidden=hidden,
    )


def softmax(scores: np.ndarray) -> np.ndarray:
    """α = softmax(e) with models/attention.py's ``masked_softmax`` (float64)."""
    return masked_softmax(torch.as_tensor(scores, dtype=torch.float64), None).numpy()


# --------------------------------------------------------------------------- why √d_k


def entropy_bits(p: Tensor) -> Tensor:
    """H(p) = −Σ_j p_j log₂ p_j over the last axis, with 0 log 0 = 0 (0 bits: one key; log₂ n: uniform)."""
    return -torch.special.xlogy(p, p).sum(-1) / math.log(2)


def _random_scores(d_k: int, n_keys: int, trials: int, seed: int) -> tuple[Tensor, Tensor]:
    """(qᵀk, qᵀk / √d_k) for ``trials`` random queries, each against ``n_keys`` random keys: (trials, 1, n_keys)."""
    g = torch.Generator().manual_seed(seed * 1009 + d_k)  # one stream per d_k: a point does not depend on the others
    q = torch.randn(trials, 1, d_k, generator=g, dtype=torch.float64)  # (trials, 1, d_k)
    k = torch.randn(trials, n_keys, d_k, generator=g, dtype=torch.float64)  # (trials, n_keys, d_k)
    return dot_scores(q, k), scaled_dot_scores(q, k)


def scaling_curve(
    dims: Sequence[int] = DK_CHOICES, n_keys: int = 10, trials: int = 400, seed: int = 0
) -> list[ScalingPoint]:
    """For each d_k: q, k ~ N(0, I_d_k); how peaked softmax(qᵀk) and softmax(qᵀk / √d_k) are on average."""
    points = []
    for d_k in dims:
        raw, scaled = _random_scores(d_k, n_keys, trials, seed)
        p_raw, p_scaled = masked_softmax(raw, None), masked_softmax(scaled, None)  # (trials, 1, n_keys)
        points.append(
            ScalingPoint(
                d_k=d_k,
                entropy_unscaled=float(entropy_bits(p_raw).mean()),
                entropy_scaled=float(entropy_bits(p_scaled).mean()),
                peak_unscaled=float(p_raw.amax(-1).mean()),
                peak_scaled=float(p_scaled.amax(-1).mean()),
                std_unscaled=float(raw.std()),
                std_scaled=float(scaled.std()),
            )
        )
    return points


def scaling_example(d_k: int, n_keys: int = 10, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """One random query against ``n_keys`` random keys: (softmax(qᵀk), softmax(qᵀk / √d_k)), each (n_keys,)."""
    raw, scaled = _random_scores(d_k, n_keys, 1, seed)
    return masked_softmax(raw, None)[0, 0].numpy(), masked_softmax(scaled, None)[0, 0].numpy()
