"""What-if edits of one decoding step's attention, for /text: pure helpers (no streamlit, no torch).

A student sets the weights of one output step by hand (all on one input token, or spread over several); the
model then decodes again with that step's context c_t = Σ_j α_j h_j built from the edited α, the steps before
unchanged (ForcedAttention in models/results.py). These helpers check what was typed and compare the outputs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "PATCHES",
    "Edit",
    "changed_positions",
    "day_digit_example",
    "one_hot",
    "option_labels",
    "read_weights",
    "region_weights",
]

PATCHES = (1, 3, 5)  # /image: a word's attention put on one region, or spread evenly over a square around it

DECIMALS = 4  # weights typed by hand are kept to this many decimals (what a shared link carries)
SPACE = "␣"  # how a space token is shown (as on the heatmap axes)
INVISIBLE = "\u200b"  # a zero-width space: tells two equal labels apart without showing anything


@dataclass(frozen=True)
class Edit:
    """One step's attention set by hand: ``weights`` (summing to 1) over the input tokens at output ``step``."""

    step: int  # 0-based output step
    weights: tuple[float, ...]  # (S,) sums to 1
    raw: tuple[float, ...]  # the numbers as typed (what a link carries); weights = raw / sum(raw)

    @property
    def target(self) -> int | None:
        """The one input token that has all the weight, if there is one."""
        full = [j for j, w in enumerate(self.weights) if w == 1.0]
        return full[0] if len(full) == 1 else None


def one_hot(n: int, j: int) -> tuple[float, ...]:
    """All the weight on token ``j`` of ``n``."""
    if not 0 <= j < n:
        raise ValueError(f"token {j} is not one of the {n} input tokens")
    return tuple(1.0 if i == j else 0.0 for i in range(n))


def read_weights(values: Sequence[object]) -> tuple[tuple[float, ...] | None, tuple[float, ...] | None, str | None]:
    """Numbers typed into the weight editor -> (as typed, rounded; divided by their sum; None) or (None, None, why).

    Why is a problem kind for the page to word: "empty" (no numbers), "not_a_number" (a blank cell, text, NaN
    or infinity), "negative", "all_zero".
    """
    if len(values) == 0:
        return None, None, "empty"
    numbers = []
    for value in values:
        number = _number(value)
        if number is None:
            return None, None, "not_a_number"
        numbers.append(number)
    if any(x < 0 for x in numbers):
        return None, None, "negative"
    raw = tuple(round(x, DECIMALS) for x in numbers)
    total = math.fsum(raw)
    if total <= 0:
        return None, None, "all_zero"
    return raw, tuple(x / total for x in raw), None


def _number(value: object) -> float | None:
    """A finite float from a cell (a number, or text such as "0.5"); None for anything else."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        if not re.fullmatch(r"[+-]?[0-9]+(\.[0-9]*)?|[+-]?\.[0-9]+", value):
            return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def changed_positions(original: str, edited: str) -> list[int]:
    """The character positions where two outputs differ (a missing character counts as a difference)."""
    return [i for i in range(max(len(original), len(edited))) if original[i : i + 1] != edited[i : i + 1]]


def day_digit_example(target: Sequence[str], source: Sequence[str]) -> tuple[int, int] | None:
    """The page's suggested edit for a date: (the step that writes the first day digit, the first digit of a
    four-digit year in the input), both 0-based; None when the output is not YYYY-MM-DD or there is no such year.

    For "september 27, 1994" -> 1994-09-27 this is step 8 (the "2") and the "1" of 1994: the model then
    writes 1994-09-17, the digit it was told to look at (measured for every shipped date model but date-general,
    which writes 07; tests/unit/test_whatif.py).
    """
    written = "".join(target)
    if len(target) != 10 or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", written):
        return None
    year = re.search(r"(?<![0-9])[0-9]{4}(?![0-9])", "".join(source)) if all(len(s) == 1 for s in source) else None
    if year is None:
        return None
    return 8, year.start()


def option_labels(tokens: Sequence[str]) -> list[str]:
    """Labels for a row of buttons, one per token: the token as the axes show it, each label unique.

    The browser tells the buttons of a segmented control or of pills apart by their label, so the two 9s of
    "1994" would be one button; a repeated token gets zero-width spaces after it, one more each time.
    """
    seen: dict[str, int] = {}
    labels = []
    for token in tokens:
        shown = token.replace(" ", SPACE) if token.strip() == "" or " " in token else token
        labels.append(shown + INVISIBLE * seen.get(shown, 0))
        seen[shown] = seen.get(shown, 0) + 1
    return labels


def region_weights(side: int, row: int, col: int, patch: int = 1) -> tuple[float, ...]:
    """/image: all of a word's attention spread evenly over the ``patch`` × ``patch`` regions around (row, col) of
    a side × side grid (cut at the border), as side² weights row by row."""
    if not (0 <= row < side and 0 <= col < side):
        raise ValueError(f"region ({row}, {col}) is not on the {side} × {side} grid")
    if patch < 1 or patch % 2 == 0:
        raise ValueError(f"the patch must be an odd number of regions across, got {patch}")
    half = patch // 2
    cells = [(r, c) for r in range(row - half, row + half + 1) for c in range(col - half, col + half + 1)]
    inside = {r * side + c for r, c in cells if 0 <= r < side and 0 <= c < side}
    return tuple(1.0 / len(inside) if k in inside else 0.0 for k in range(side * side))
