"""Training time to each shipped model's quality bar, read from its card (nothing is trained here).

Every card records the training run's wall time and its validation history; the row gives the first
evaluation at which the bar of tests/models was crossed, on the device the card names. A model whose bar is
not one number in its history (the bottleneck pair, a no-attention baseline) gets its whole run's time.

python -m benchmarks.bench_training
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from benchmarks.common import Options, Row, fmt_value, quality_bar
from models import registry
from testkit.report import first_crossing


def bar_of(entry: registry.ModelEntry, entries: list[registry.ModelEntry]) -> tuple[str, float, str] | None:
    """(history metric, threshold, how it was set) for a model, or None."""
    bar = quality_bar(entry.name)
    if bar is not None:
        return bar[0], bar[1], "tests/models"
    if entry.task.startswith("translate") and entry.card.attention != "none":
        baselines = [e for e in entries if e.task == entry.task and e.card.attention == "none"]
        baseline = baselines[0] if baselines else None
        chrf = (baseline.card.raw.get("training", {}).get("validation") or {}).get("chrf") if baseline else None
        if chrf is not None:
            return "chrf", chrf + 3, f"{baseline.name}'s validation chrF {chrf:g} + 3"
    return None


def rows(opts: Options) -> Iterator[Row]:
    entries = registry.catalog()
    for entry in entries:
        training = entry.card.raw.get("training", {})
        wall, history = training.get("wall_time_s"), training.get("history") or []
        run = f"whole run {fmt_value(wall)} s, {training.get('steps', '?')} steps, stopped by {training.get('stopped')}"
        where = f"on {training.get('device', '?')}"
        bar = bar_of(entry, entries)
        if bar is None:
            yield Row("training", f"{entry.name}: whole run (no single-number bar)", wall, "s", note=f"{run}; {where}")
            continue
        metric, threshold, source = bar
        shown = f"{100 * threshold:g} %" if threshold <= 1 else f"{threshold:g}"
        crossed = first_crossing(history, metric, threshold)
        if crossed is None:
            best = max((h[metric] for h in history if h.get(metric) is not None), default=None)
            note = f"never crossed in the history (best {best}); {run}; {where}"
            yield Row("training", f"{entry.name}: time to validation {metric} ≥ {shown}", None, "s", note=note)
            continue
        yield Row(
            "training",
            f"{entry.name}: time to validation {metric} ≥ {shown}",
            crossed["seconds"],
            "s",
            note=f"step {crossed['step']}; {run}; {where}; bar from {source}",
        )


def main(argv: list[str] | None = None) -> int:
    from benchmarks import run

    return run.main(argv, scripts=["training"])


if __name__ == "__main__":
    sys.exit(main())
