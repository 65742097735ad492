"""Symbol sequences of widely varying length, for the bottleneck experiment (Bahdanau et al. 2015, fig. 2).

    reverse   "qkzdw"  -> "wdzkq"      the alignment is the anti-diagonal
    copy      "qkzdw"  -> "QKZDW"      transliteration: every symbol to its capital, in order (the diagonal)

A model without attention must squeeze the whole input into one vector before it writes anything;
the longer the input, the more it loses. With attention it looks back at the input at every step.
Inputs are random symbols, so nothing but the input itself can tell the model what to write.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["SYMBOLS", "TASKS", "SequenceExample", "SequenceGenerator", "target_of", "token_accuracy"]

SYMBOLS = "abcdefghkmnpqrstuwxz"  # 20 symbols, no look-alikes (no i/l/o/j/v/y)
TASKS = ("reverse", "copy")


@dataclass(frozen=True)
class SequenceExample:
    source: str
    target: str

    @property
    def length(self) -> int:
        return len(self.source)


def target_of(task: str, source: str) -> str:
    """The right answer for ``source``."""
    if task == "reverse":
        return source[::-1]
    if task == "copy":
        return source.upper()
    raise ValueError(f"unknown task {task!r}; known: {', '.join(TASKS)}")


def token_accuracy(predicted: str, target: str) -> float:
    """The share of positions written right, counting missing and extra symbols as wrong."""
    if not predicted and not target:
        return 1.0
    right = sum(p == t for p, t in zip(predicted, target, strict=False))
    return right / max(len(predicted), len(target))


class SequenceGenerator:
    """Random sequences with lengths drawn uniformly from [min_len, max_len]."""

    def __init__(self, task: str = "reverse", min_len: int = 5, max_len: int = 40, seed: int = 0) -> None:
        if task not in TASKS:
            raise ValueError(f"unknown task {task!r}; known: {', '.join(TASKS)}")
        if not 1 <= min_len <= max_len:
            raise ValueError(f"need 1 <= min_len <= max_len, got {min_len} and {max_len}")
        self.task, self.min_len, self.max_len = task, min_len, max_len
        self.rng = random.Random(seed)

    def sample(self, length: int | None = None) -> SequenceExample:
        n = length if length is not None else self.rng.randint(self.min_len, self.max_len)
        source = "".join(self.rng.choice(SYMBOLS) for _ in range(n))
        return SequenceExample(source, target_of(self.task, source))

    def samples(self, n: int, length: int | None = None) -> list[SequenceExample]:
        return [self.sample(length) for _ in range(n)]
