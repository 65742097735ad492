"""The numbers of the /math page that need no torch: the toy example, its weights, what a student typed.

The worked example's inputs (``default_example``, ``Parameters``) and results (``WorkedExample``,
``ScalingPoint``) are plain numpy; models/worked_example.py computes them with the real attention code.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

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


def exp_terms(scores: np.ndarray, readable: float = 30.0) -> tuple[np.ndarray, float]:
    """(exp(e_j − m), m): m = 0 while every exp(e_j) stays readable, else m = max_k e_k.

    The softmax does not change, because exp(−m) cancels: exp(e_j − m) / Σ_k exp(e_k − m) = α_j.
    """
    e = np.asarray(scores, dtype=np.float64)
    shift = float(e.max()) if e.size and float(np.abs(e).max()) > readable else 0.0
    return np.exp(e - shift), shift


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
