"""/memory: the Neural Turing Machine that copies bit patterns, its LSTM baseline, and what-if reads.

A pattern travels as text ("10110010 01100111 ..."), so that results cache by it; ``read_pattern`` turns
what a person typed into a pattern or a ``PatternProblem`` that the page shows in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from app.i18n import t
from app.services.cache import cached_call, model_catalog, operation
from models.data import bits as _bits
from models.results import ForcedRead, MemoryTrace

__all__ = [
    "BASELINE",
    "BITS",
    "MAX_LENGTH",
    "NTM_MODEL",
    "PatternProblem",
    "memory_trace",
    "pattern_text",
    "random_pattern_text",
    "read_pattern",
    "shipped",
    "show_pattern_problem",
]

NTM_MODEL = "ntm-copy"
BASELINE = "ntm-copy-lstm"
BITS = _bits.BITS
MAX_LENGTH = 60  # the longest pattern the page feeds the models (the NTM has 80 memory rows)


@dataclass(frozen=True)
class PatternProblem:
    """Why a typed pattern cannot be copied: a code (empty, not_bits, row_width, too_long) and its facts."""

    code: str
    detail: str = ""
    limit: int = 0

    def message_in(self, lang: str | None = None) -> str:
        if self.code == "row_width":
            row, width = self.detail.split(":")
            return t("memory.error_row_width", lang=lang, row=row, width=width, bits=self.limit)
        return t(f"memory.error_{self.code}", lang=lang, detail=self.detail, limit=self.limit)


def read_pattern(text: str) -> np.ndarray | PatternProblem:
    """What a person typed -> a pattern (L, 8) of 0/1, or why it cannot be one."""
    try:
        return _bits.parse_pattern(text or "", MAX_LENGTH)
    except _bits.PatternError as err:
        return PatternProblem(err.code, err.detail, err.limit)


def show_pattern_problem(problem: PatternProblem) -> None:
    st.error(problem.message_in())


def pattern_text(pattern: np.ndarray) -> str:
    """(L, 8) 0/1 -> "10110010 01100111 ..." (the canonical form results are cached by)."""
    return " ".join("".join(str(int(b)) for b in row) for row in np.asarray(pattern))


def random_pattern_text(length: int, seed: int) -> str:
    """A fresh random pattern of ``length`` vectors, as text."""
    return pattern_text(_bits.random_pattern(length, seed))


def shipped(name: str) -> bool:
    """Whether model ``name`` is among the checkpoints on disk."""
    return any(e.name == name for e in model_catalog())


@operation
def _trace(model, text: str, force: tuple[int, ...]) -> MemoryTrace:
    pattern = _bits.parse_pattern(text, MAX_LENGTH)
    return model.trace(pattern, ForcedRead(*force) if force else None)


def memory_trace(name: str, pattern: np.ndarray, force: tuple[int, int] | None = None) -> MemoryTrace:
    """Model ``name`` copying ``pattern``, every step kept; ``force`` = (step, row) reads that row at that step.

    Raises ``CheckpointError`` when the model cannot be loaded (pages check with ``model_or_message`` first).
    """
    return cached_call(_trace, name, pattern_text(pattern), tuple(force) if force else ())
