"""Text models: every date model (the RNN with each score function, the no-attention baseline, the
Transformer) and the bottleneck pair. Load time, one-input latency, batch throughput on the CPU (and CUDA),
and, in a full run, exact match on fresh held-out dates against the bar of tests/models.

python -m benchmarks.bench_text [--quick] [--device cpu]
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from benchmarks.common import Options, Row, quality_bar
from benchmarks.speed import model_rows
from models import registry
from models.data.dates import DateGenerator
from models.data.sequences import SequenceGenerator
from models.tasks.dates import evaluate_dates

TASKS = ("date", "experiment-reverse")


def inputs(task: str, n: int) -> list[str]:
    """``n`` distinct fresh inputs for a text task (held-out dates; sequences as long as in training)."""
    if task == "date":
        return [e.source for e in DateGenerator(seed=99, split="test").samples(n)]
    kind = task.removeprefix("experiment-")
    return [e.source for e in SequenceGenerator(kind, 5, 30, seed=99).samples(n)]


def rows(opts: Options) -> Iterator[Row]:
    for task in TASKS:
        batch = 1000 if task == "date" else 250
        texts = inputs(task, opts.pick(batch, 5 * batch))
        for entry in registry.catalog(task=task):
            for device in opts.devices:
                yield from model_rows(
                    entry.name,
                    device,
                    opts,
                    texts,
                    run=lambda m, xs: m.decode(xs),
                    batch_size=batch,
                    what="greedy decode + attention weights",
                    unit="texts/s",
                )
    if opts.quick:
        return
    examples = DateGenerator(seed=2027, split="test").samples(2000)
    for entry in registry.catalog(task="date"):
        model = registry.load_checkpoint(entry.name, device="cpu").model
        measured = evaluate_dates(model, examples)
        bar = quality_bar(entry.name)
        note = "" if measured["alignment_accuracy"] is None else f"alignment {measured['alignment_accuracy']:.1%}"
        yield Row(
            "quality",
            f"{entry.name}: exact match, {len(examples):,} fresh held-out dates",
            100 * measured["exact_match"],
            "%",
            target=f">= {100 * bar[1]:g}" if bar else "",
            note=note,
        )


def main(argv: list[str] | None = None) -> int:
    from benchmarks import run

    return run.main(argv, scripts=["text"])


if __name__ == "__main__":
    sys.exit(main())
