"""Random bit vectors for the copy task of the Neural Turing Machine (Graves et al. 2014, §4.1).

One example is a pattern of L random 8-bit vectors. The network sees it one vector a step, then a
delimiter (a flag on its own input channel), then L empty steps in which it must write the pattern back:

    step      0 .. L-1          L            L+1 .. 2L
    input     [bits, 0]         [0…0, 1]     [0…0, 0]
    target    —                 —            the pattern, vector by vector

Nothing but the pattern itself can tell the network what to write, so it has to store it somewhere.
A typed pattern is rows of 0/1, one vector per row ("10110010 01100111 ..."); ``parse_pattern`` reads it.
"""

from __future__ import annotations

import re

import numpy as np
import torch
from torch import Tensor

__all__ = ["BITS", "PatternError", "copy_batch", "copy_inputs", "parse_pattern", "random_pattern"]

BITS = 8  # width of every vector of the pattern


def copy_inputs(pattern: Tensor) -> Tensor:
    """(B, L, bits) 0/1 patterns -> (B, 2L + 1, bits + 1) network inputs: the pattern, the delimiter, silence."""
    B, L, bits = pattern.shape
    x = pattern.new_zeros(B, 2 * L + 1, bits + 1)  # (batch, steps, bits + delimiter channel)
    x[:, :L, :bits] = pattern
    x[:, L, bits] = 1.0  # the delimiter
    return x


def copy_batch(size: int, length: int, generator: torch.Generator, bits: int = BITS) -> tuple[Tensor, Tensor]:
    """``size`` random patterns of ``length`` vectors: (inputs (B, 2L+1, bits+1), targets (B, L, bits))."""
    pattern = torch.randint(0, 2, (size, length, bits), generator=generator).float()  # (B, L, bits)
    return copy_inputs(pattern), pattern


def random_pattern(length: int, seed: int, bits: int = BITS) -> np.ndarray:
    """One random pattern (L, bits) of 0/1, the same for the same seed."""
    return np.random.default_rng(seed).integers(0, 2, size=(length, bits)).astype(np.int8)


class PatternError(ValueError):
    """A typed pattern that cannot be read: ``code`` says why (empty, not_bits, row_width, too_long) and
    ``detail`` the fact its message needs (the bad characters, the row, the length)."""

    def __init__(self, code: str, detail: str = "", limit: int = 0) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code, self.detail, self.limit = code, detail, limit


def parse_pattern(text: str, max_length: int, bits: int = BITS) -> np.ndarray:
    """Rows of 0/1 separated by spaces, commas, semicolons or new lines -> (L, bits) int8.

    Raises PatternError: nothing typed, characters other than 0/1, a row not ``bits`` wide, more than
    ``max_length`` rows.
    """
    rows = [r for r in re.split(r"[\s,;|/]+", text.strip()) if r]
    if not rows:
        raise PatternError("empty")
    bad = sorted({c for r in rows for c in r if c not in "01"})
    if bad:
        raise PatternError("not_bits", " ".join(bad[:8]))
    for i, row in enumerate(rows):
        if len(row) != bits:
            raise PatternError("row_width", f"{i + 1}:{len(row)}", limit=bits)
    if len(rows) > max_length:
        raise PatternError("too_long", str(len(rows)), limit=max_length)
    return np.array([[int(c) for c in r] for r in rows], dtype=np.int8)
