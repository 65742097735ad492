"""Numbers as the benchmarks report them: percentiles, one row of the table with its target, the Markdown
table for the README and the same rows as JSON; the first evaluation of a training run over a bar."""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# --------------------------------------------------------------------------- rows

_OPS: dict[str, tuple[str, Callable[[float, float], bool]]] = {
    "<=": ("≤", lambda v, t: v <= t),
    ">=": ("≥", lambda v, t: v >= t),
    "==": ("=", lambda v, t: math.isclose(v, t, abs_tol=1e-9)),
}


@dataclass(frozen=True)
class Row:
    """One line of the table. ``target`` is "<= 3", ">= 99.9" or "== 100" in the row's unit, or empty."""

    area: str
    measure: str
    value: float | None
    unit: str = ""
    target: str = ""
    note: str = ""

    def _target(self) -> tuple[str, float] | None:
        if not self.target:
            return None
        op, _, number = self.target.partition(" ")
        if op not in _OPS:
            raise ValueError(f"target {self.target!r}: expected '<= N', '>= N' or '== N'")
        return op, float(number)

    @property
    def ok(self) -> bool | None:
        """Whether the value meets the target; None when there is no target or no value."""
        target = self._target()
        if target is None or self.value is None:
            return None
        return _OPS[target[0]][1](self.value, target[1])

    def target_text(self) -> str:
        target = self._target()
        return "" if target is None else f"{_OPS[target[0]][0]} {target[1]:g}"

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


# --------------------------------------------------------------------------- statistics


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), interpolated linearly between the closest ranks (as numpy's default)."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"q must be within 0..100, got {q}")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median_p95(values: Sequence[float]) -> tuple[float, float]:
    """(median, 95th percentile)."""
    return statistics.median(values), percentile(values, 95)


def first_crossing(history: list[dict[str, Any]], metric: str, threshold: float) -> dict[str, Any] | None:
    """The first evaluation in a training history with ``metric >= threshold``."""
    return next((h for h in history if h.get(metric) is not None and h[metric] >= threshold), None)


# --------------------------------------------------------------------------- where it ran


def _first_line(path: str, key: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def machine() -> str:
    """One line that says where the numbers were measured: CPU, cores, memory, GPU, OS, torch."""
    import torch

    cpu = _first_line("/proc/cpuinfo", "model name") or platform.processor() or platform.machine()
    parts = [f"{cpu}, {os.cpu_count()} cores"]
    mem_kb = _first_line("/proc/meminfo", "MemTotal").split(" ")[0]
    if mem_kb.isdigit():
        parts.append(f"{int(mem_kb) / 2**20:.0f} GiB RAM")
    if torch.cuda.is_available():
        parts.append(f"GPU {torch.cuda.get_device_name(0)}")
    parts.append(f"{platform.system()} {platform.release()}")
    parts.append(f"Python {platform.python_version()}, torch {torch.__version__} ({torch.get_num_threads()} threads)")
    return " · ".join(parts)


# --------------------------------------------------------------------------- the table


def fmt_value(value: float | None) -> str:
    """Numbers as people read them: 1,234 · 12.3 · 1.23 · 0.012."""
    if value is None:
        return "—"
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    size = abs(value)
    if size >= 1000:
        return f"{value:,.0f}"
    if size >= 100:
        return f"{value:.0f}"
    if size >= 10:
        return f"{value:.1f}"
    if size >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def _ok_mark(ok: bool | None) -> str:
    return {True: "✓", False: "✗", None: ""}[ok]


def table(rows: Iterable[Row]) -> str:
    """One Markdown table, ready to paste into the README."""
    header = ["area", "measure", "value", "unit", "target", "ok", "note"]
    cells = [[r.area, r.measure, fmt_value(r.value), r.unit, r.target_text(), _ok_mark(r.ok), r.note] for r in rows]
    widths = [max([len(h), *(len(c[i]) for c in cells)]) for i, h in enumerate(header)]

    def line(row: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    return "\n".join([line(header), "| " + " | ".join("-" * w for w in widths) + " |", *map(line, cells)])


def write_json(path: Path, rows: Sequence[Row], meta: dict[str, Any]) -> None:
    """The same rows as JSON: ``{"measured": ..., "machine": ..., ..., "rows": [{area, measure, ...}]}``."""
    document = {
        "measured": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine(),
        **meta,
        "rows": [r.as_dict() for r in rows],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
