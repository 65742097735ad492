"""The class quiz on /text: predict where the model looks, then see. Pure helpers (no streamlit, no torch).

A round is five questions drawn from the examples: for one input and one output step, the student picks the
input token they think the step looks at; the page then reveals the real weights and scores the guess by its
rank among the input tokens (2 points for the token with the most weight, 1 for the next two, else 0).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

__all__ = [
    "MAX_POINTS",
    "QUESTIONS",
    "TOP_K",
    "Question",
    "RegionScore",
    "Round",
    "Score",
    "pick_examples",
    "pick_step",
    "pick_word",
    "score",
    "score_region",
]

QUESTIONS = 5  # questions in a round
TOP_K = 3  # a guess among the k tokens with the most weight earns a point
MAX_POINTS = 2  # for the token with the most weight
CLEAR = 0.5  # a step is asked about when one token has at least this much weight (there is a right answer)


@dataclass(frozen=True)
class Question:
    """Where does output step ``step`` (0-based) of ``text`` look?"""

    text: str
    step: int


@dataclass(frozen=True)
class Score:
    """How good one guess was."""

    guess: int  # the input position picked (0-based)
    rank: int  # 1: it had the most weight; ties share the better rank
    weight: float  # the weight it had
    best: int  # the position with the most weight
    best_weight: float

    @property
    def in_top_k(self) -> bool:
        return self.rank <= TOP_K

    @property
    def points(self) -> int:
        return MAX_POINTS if self.rank == 1 else 1 if self.in_top_k else 0


@dataclass(frozen=True)
class Round:
    """One round: its questions and the answers so far (one Score per answered question, in order)."""

    model: str
    questions: tuple[Question, ...]
    answers: tuple[Score, ...] = ()

    @property
    def current(self) -> int:
        """The question being asked (0-based); len(questions) when the round is over."""
        return len(self.answers)

    @property
    def done(self) -> bool:
        return self.current >= len(self.questions)

    def answered(self, result: Score) -> Round:
        """This round with one more answer."""
        if self.done:
            raise ValueError("the round is over")
        return replace(self, answers=(*self.answers, result))

    @property
    def points(self) -> int:
        return sum(a.points for a in self.answers)

    @property
    def max_points(self) -> int:
        return MAX_POINTS * len(self.questions)


def pick_examples(examples: Sequence[str], seed: int, n: int = QUESTIONS) -> list[str]:
    """``n`` of the examples in a random order, each once while there are enough (a fixed seed: the same round)."""
    if not examples:
        return []
    rng = random.Random(seed)
    pool = list(examples)
    picked: list[str] = []
    while len(picked) < n:
        rng.shuffle(pool)
        picked += pool[: n - len(picked)]
    return picked


def pick_step(weights: np.ndarray, seed: int) -> int:
    """An output step to ask about: one whose attention is clear (a token has ≥ CLEAR), when there is one."""
    weights = np.asarray(weights, dtype=np.float64)
    if weights.ndim != 2 or weights.shape[0] == 0:
        raise ValueError(f"expected weights of shape (steps, tokens) with at least one step, got {weights.shape}")
    clear = [i for i, row in enumerate(weights) if row.max() >= CLEAR]
    return random.Random(seed).choice(clear or list(range(weights.shape[0])))


def score(row: np.ndarray, guess: int) -> Score:
    """Score ``guess`` against one step's weights ``row`` (S,)."""
    row = np.asarray(row, dtype=np.float64)
    if not 0 <= guess < row.size:
        raise ValueError(f"guess {guess} is not one of the {row.size} input tokens")
    best = int(np.argmax(row))
    rank = 1 + int((row > row[guess]).sum())
    return Score(guess, rank, float(row[guess]), best, float(row[best]))


REGION_SHARE = 0.1  # /image: a guess among the regions holding the top tenth of the weight ranks earns a point


@dataclass(frozen=True)
class RegionScore:
    """How good one guess of a region was (/image): ``rank`` among all regions, and whether it touches the peak."""

    guess: tuple[int, int]  # (row, column)
    rank: int  # 1: the region with the most weight
    weight: float
    best: tuple[int, int]
    best_weight: float
    regions: int  # how many regions the grid has

    @property
    def near_peak(self) -> bool:
        """The guess is the peak region or one of its eight neighbours."""
        return max(abs(self.guess[0] - self.best[0]), abs(self.guess[1] - self.best[1])) <= 1

    @property
    def in_top_k(self) -> bool:
        return self.near_peak or self.rank <= max(1, round(REGION_SHARE * self.regions))

    @property
    def points(self) -> int:
        return MAX_POINTS if self.near_peak else 1 if self.in_top_k else 0


def score_region(weights: np.ndarray, row: int, col: int) -> RegionScore:
    """Score a guessed region (row, col) against one word's map ``weights`` (h, w)."""
    weights = np.asarray(weights, dtype=np.float64)
    if weights.ndim != 2 or not (0 <= row < weights.shape[0] and 0 <= col < weights.shape[1]):
        raise ValueError(f"region ({row}, {col}) is not on a map of shape {weights.shape}")
    best = tuple(int(v) for v in np.unravel_index(int(np.argmax(weights)), weights.shape))
    rank = 1 + int((weights > weights[row, col]).sum())
    return RegionScore((row, col), rank, float(weights[row, col]), best, float(weights[best]), weights.size)


def pick_word(weights: np.ndarray, words: Sequence[str], seed: int, skip: Sequence[str] = ()) -> int:
    """/image: a word to ask about — one that names something (not in ``skip``) and whose map has a clear peak
    (its peak region holds at least 3 × the uniform weight), when there is one."""
    weights = np.asarray(weights, dtype=np.float64)  # (words, h, w)
    if weights.ndim != 3 or weights.shape[0] != len(words) or not len(words):
        raise ValueError(f"expected one (h, w) map per word, got {weights.shape} for {len(words)} words")
    uniform = 1.0 / (weights.shape[1] * weights.shape[2])
    named = [i for i, w in enumerate(words) if w not in skip]
    clear = [i for i in named if weights[i].max() >= 3 * uniform]
    return random.Random(seed).choice(clear or named or list(range(len(words))))
