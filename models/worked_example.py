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
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from models.attention import Attention, attend, dot_scores, masked_softmax, scaled_dot_scores

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

KINDS = ("dot", "general", "additive", "scaled_dot")  # the order of the page's switch
DIM = 4  # size of every vector of the worked example (√4 = 2 keeps the scaled dot easy by hand)
ATTENTION_DIM = 3  # hidden size of the additive score's tanh layer
LIMIT = 100.0  # the largest |number| a student may type: the products stay readable on a projector
MAX_TOKENS = 8  # rows of the editable table
DK_CHOICES = tuple(2**i for i in range(10))  # d_k = 1, 2, 4, …, 512

# The lecture notes' toy sentence: 4 encoder states h_j and the decoder state s, small integers so that
# every dot product can be done in one's head (sᵀh = 1, 3, 2, 0: "love" should win).
_TOKENS = {"en": ["I", "love", "you", "<eos>"], "ko": ["나는", "널", "사랑해", "<eos>"]}
_STATES = [[1.0, 0.0, 2.0, 0.0], [1.0, 1.0, 0.0, 0.0], [0.0, 1.0, -1.0, 0.0], [-1.0, 0.0, 1.0, 1.0]]
_QUERY = [1.0, 2.0, 0.0, 1.0]


def default_example(lang: str = "en") -> tuple[list[str], np.ndarray, np.ndarray]:
    """(tokens, states (S, D), query (D,)) of the example the page starts from, in English or Korean."""
    return list(_TOKENS.get(lang, _TOKENS["en"])), np.array(_STATES), np.array(_QUERY)


# --------------------------------------------------------------------------- the worked example


@dataclass(frozen=True)
class Parameters:
    """The small weight matrices, written the way the formulas use them (not nn.Linear's orientation)."""

    W: np.ndarray  # (D, D)   general:  score(s, h) = sᵀ W h
    W_q: np.ndarray  # (A, D)  additive: score(s, h) = vᵀ tanh(W_q s + W_k h)
    W_k: np.ndarray  # (A, D)
    v: np.ndarray  # (A,)
    W_c: np.ndarray  # (D, 2D)  h̃ = tanh(W_c [c; s])


def default_parameters(dim: int = DIM, attention_dim: int = ATTENTION_DIM, seed: int = 44) -> Parameters:
    """Fixed, seeded weights ~ N(0, 0.5²) rounded to one decimal, so that a student can redo every product.

    With seed 44 the general and additive scores, like the dot product, favour "love", each by its own margin:
    these weights are random, not learned, yet every score function ranks the toy states the same way.
    """
    rng = np.random.default_rng(seed)

    def draw(*shape: int) -> np.ndarray:
        return np.round(rng.normal(0.0, 0.5, size=shape), 1) + 0.0  # + 0.0 turns -0.0 into 0.0

    return Parameters(
        W=draw(dim, dim),
        W_q=draw(attention_dim, dim),
        W_k=draw(attention_dim, dim),
        v=draw(attention_dim),
        W_c=draw(dim, 2 * dim),
    )


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


@dataclass(frozen=True)
class WorkedExample:
    """Every number of one attention step on the example, from the score to h̃."""

    kind: str  # dot | general | additive | scaled_dot
    states: np.ndarray  # (S, D) the encoder states h_j: keys and values
    query: np.ndarray  # (D,) the decoder state s
    scores: np.ndarray  # (S,) e_j = score(s, h_j)
    weights: np.ndarray  # (S,) α_j = softmax(e)_j
    context: np.ndarray  # (D,) c = Σ_j α_j h_j
    concat: np.ndarray  # (2D,) [c; s]
    combined: np.ndarray  # (D,) W_c [c; s], before the tanh
    h_tilde: np.ndarray  # (D,) h̃ = tanh(W_c [c; s])
    projected_query: np.ndarray | None  # general: sᵀW (D,), so that e_j = (sᵀW) · h_j; additive: W_q s (A,)
    projected_keys: np.ndarray | None  # additive only: W_k h_j (S, A)
    hidden: np.ndarray | None  # additive only: tanh(W_q s + W_k h_j) (S, A), so that e_j = v · hidden_j


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


def exp_terms(scores: np.ndarray, readable: float = 30.0) -> tuple[np.ndarray, float]:
    """(exp(e_j − m), m): m = 0 while every exp(e_j) stays readable, else m = max_k e_k.

    The softmax does not change, because exp(−m) cancels: exp(e_j − m) / Σ_k exp(e_k − m) = α_j.
    """
    e = np.asarray(scores, dtype=np.float64)
    shift = float(e.max()) if e.size and float(np.abs(e).max()) > readable else 0.0
    return np.exp(e - shift), shift


def softmax(scores: np.ndarray) -> np.ndarray:
    """α = softmax(e) with models/attention.py's ``masked_softmax`` (float64)."""
    return masked_softmax(torch.as_tensor(scores, dtype=torch.float64), None).numpy()


# --------------------------------------------------------------------------- reading what a student typed


@dataclass(frozen=True)
class BadCell:
    """A cell of an edited table that is not a usable number."""

    row: int  # 0-based
    column: int  # 0-based, among the number columns
    value: object
    problem: str  # "missing" | "not_a_number" | "not_finite" | "too_big"


def _check_cell(value: object, limit: float) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return "missing"
    if isinstance(value, bool):
        return "not_a_number"
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "not_a_number"
    if math.isnan(number):
        return "missing" if not isinstance(value, str) else "not_finite"  # an emptied cell reads as NaN
    if math.isinf(number):
        return "not_finite"
    return "too_big" if abs(number) > limit else None


def read_numbers(rows: Sequence[Sequence[object]], limit: float = LIMIT) -> tuple[np.ndarray | None, list[BadCell]]:
    """The cells as a float array (rows, columns), or None and every cell that is not a number in [-limit, limit].

    Empty cells, text, NaN and ±infinity are refused, and so are numbers too large to exponentiate safely.
    """
    bad = [
        BadCell(i, j, value, problem)
        for i, row in enumerate(rows)
        for j, value in enumerate(row)
        if (problem := _check_cell(value, limit)) is not None
    ]
    if bad:
        return None, bad
    return np.array([[float(v) for v in row] for row in rows], dtype=np.float64).reshape(len(rows), -1), []


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


@dataclass(frozen=True)
class ScalingPoint:
    """Softmax statistics of random dot products at one d_k, without and with the 1/√d_k."""

    d_k: int
    entropy_unscaled: float  # mean entropy of softmax(qᵀk), bits
    entropy_scaled: float  # mean entropy of softmax(qᵀk / √d_k), bits
    peak_unscaled: float  # mean largest weight of softmax(qᵀk)
    peak_scaled: float  # mean largest weight of softmax(qᵀk / √d_k)
    std_unscaled: float  # standard deviation of qᵀk (≈ √d_k)
    std_scaled: float  # standard deviation of qᵀk / √d_k (≈ 1)


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
