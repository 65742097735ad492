"""Shared by the benchmark scripts: the options, timing, the quality bars, and (from testkit.report) one row of
the table, percentiles and the table itself (Markdown for the README, JSON for machines).

Every ``benchmarks/bench_<name>.py`` has ``rows(opts) -> Iterator[Row]``; ``benchmarks/run.py`` collects
them into one table. A row is ``area, measure, value, unit, target, ok`` (and a note).
"""

from __future__ import annotations

import fnmatch
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from testkit import chromium
from testkit.report import Row, fmt_value, machine, median_p95, percentile, table, write_json
from testkit.server import ROOT

# Every bench script imports these from here; they live in testkit, which the tests use too.
__all__ = [
    "ROOT",
    "Options",
    "Row",
    "Skipped",
    "browser_missing",
    "default_devices",
    "fmt_value",
    "machine",
    "median_p95",
    "percentile",
    "quality_bar",
    "table",
    "time_ms",
    "timings_ms",
    "write_json",
]


# --------------------------------------------------------------------------- options


@dataclass
class Options:
    """What `python -m benchmarks.run` was asked for; every bench script reads the same object."""

    quick: bool = False  # a smoke run: few repeats, small batches, no training, no quality evaluation
    devices: list[str] = field(default_factory=lambda: ["cpu"])  # where the models are timed
    sessions: int = 30  # load: concurrent sessions (websocket clients, benchmarks/load.py)
    interactions: int = 10  # load: dates per session (and gallery pictures, for every third session)
    think: tuple[float, float] = (2.0, 5.0)  # load: seconds between a session's actions, like a person reading
    timeout_s: float = 120.0  # browser: longest wait for one interaction before it counts as failed

    def pick(self, quick: int, full: int) -> int:
        """``quick`` in a smoke run, else ``full``."""
        return quick if self.quick else full


class Skipped(Exception):
    """Raised by a bench script that cannot run on this machine (say, no Chromium); the table says why."""


# --------------------------------------------------------------------------- timing


def time_ms(fn: Callable[[], object]) -> float:
    """Wall time of one ``fn()`` in milliseconds."""
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def timings_ms(fn: Callable[[Any], object], inputs: Sequence[Any], repeat: int, warmup: int = 3) -> list[float]:
    """Wall times of ``fn(x)`` in ms, cycling through ``inputs`` (distinct inputs defeat any caching)."""
    for i in range(warmup):
        fn(inputs[i % len(inputs)])
    times = []
    for i in range(repeat):
        x = inputs[(warmup + i) % len(inputs)]
        start = time.perf_counter()
        fn(x)
        times.append((time.perf_counter() - start) * 1000)
    return times


# --------------------------------------------------------------------------- quality bars

# The bars of tests/models, in one place for the training and quality rows: card name pattern ->
# (metric in the card's training history, threshold). The first matching pattern wins.
QUALITY_BARS: list[tuple[str, str, float]] = [
    ("date-transformer", "exact_match", 0.995),
    ("date-*", "exact_match", 0.999),
    ("caption-shapes", "exact_match", 0.90),
]


def quality_bar(name: str) -> tuple[str, float] | None:
    """(metric, threshold) of the shipped model ``name``, or None when its bar is not a single number."""
    for pattern, metric, threshold in QUALITY_BARS:
        if fnmatch.fnmatch(name, pattern):
            return metric, threshold
    return None


# --------------------------------------------------------------------------- where it runs


def default_devices() -> list[str]:
    """cpu, and cuda when torch sees a GPU."""
    return ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]


def browser_missing() -> str | None:
    """Why the browser benchmarks cannot run here, or None when Playwright and Chromium are present."""
    return chromium.missing()
