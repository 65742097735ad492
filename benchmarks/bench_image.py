"""Captioners: load time, one-image latency (caption + one attention map per word), batch throughput on the
CPU (and CUDA), and, in a full run, quality on 500 fresh scenes against the bars of tests/models.

python -m benchmarks.bench_image [--quick] [--device cpu]
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from benchmarks.common import Options, Row, quality_bar
from benchmarks.speed import model_rows
from models import registry
from models.data.shapes import ShapesGenerator, render
from models.tasks.captions import evaluate_shapes

TASKS = ("caption", "caption-photos")


def rows(opts: Options) -> Iterator[Row]:
    entries = [e for task in TASKS for e in registry.catalog(task=task)]
    images = [render(s) for s in ShapesGenerator(seed=4242).scenes(opts.pick(64, 512))]
    for entry in entries:
        for device in opts.devices:
            yield from model_rows(
                entry.name,
                device,
                opts,
                images,
                run=lambda m, xs: m.caption(xs),
                batch_size=64,
                what="greedy caption + a map per word, 128 px scene",
                unit="images/s",
            )
    if opts.quick:
        return
    scenes = ShapesGenerator(seed=2027).scenes(500)
    for entry in registry.catalog(task="caption"):
        measured = evaluate_shapes(registry.load_checkpoint(entry.name, device="cpu").model, scenes)
        bar = quality_bar(entry.name)
        yield Row(
            "quality",
            f"{entry.name}: exact caption, {len(scenes)} fresh scenes",
            100 * measured["exact_match"],
            "%",
            target=f">= {100 * bar[1]:g}" if bar else "",
            note=f"object F1 {measured['object_f1']:.1%}",
        )
        yield Row("quality", f"{entry.name}: pointing game", 100 * measured["pointing_game"], "%", target=">= 90")
        yield Row(
            "quality",
            f"{entry.name}: attention mass inside the named object's box",
            100 * measured["attention_correctness"],
            "%",
            target=">= 50",
        )


def main(argv: list[str] | None = None) -> int:
    from benchmarks import run

    return run.main(argv, scripts=["image"])


if __name__ == "__main__":
    sys.exit(main())
