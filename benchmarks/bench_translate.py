"""Translation models (English ↔ Korean): load time, one-sentence latency, batch throughput on the CPU (and
CUDA), and, in a full run, chrF and BLEU on the test split. The bar of tests/models is relative: the model
with attention must beat its same-size no-attention baseline by 3 chrF.

python -m benchmarks.bench_translate [--quick] [--device cpu]
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from benchmarks.common import Options, Row
from benchmarks.speed import model_rows
from models import registry
from models.data.tatoeba import read_pairs
from models.tasks.translation import evaluate_translation, references

DIRECTIONS = ("en-ko", "ko-en")


def rows(opts: Options) -> Iterator[Row]:
    pairs = None
    for direction in DIRECTIONS:
        entries = registry.catalog(task=f"translate-{direction}")
        if not entries:
            continue
        pairs = pairs or [p for p in read_pairs() if p.split == "test"]
        items = references(pairs, direction)
        sentences = [source for source, _ in items][: opts.pick(64, len(items))]
        for entry in entries:
            for device in opts.devices:
                yield from model_rows(
                    entry.name,
                    device,
                    opts,
                    sentences,
                    run=lambda m, xs: m.decode(xs),
                    batch_size=64,
                    what="greedy translation + attention weights, test-split sentences",
                    unit="sentences/s",
                )
        if opts.quick:
            continue
        chrf = {}
        for entry in entries:
            model = registry.load_checkpoint(entry.name, device="cpu").model
            measured = evaluate_translation(model, items)
            chrf[entry.name] = (entry.card.attention, measured["chrf"], measured["bleu"])
        baseline = next((c for a, c, _ in chrf.values() if a == "none"), None)
        for name, (attention, value, bleu) in chrf.items():
            relative = attention != "none" and baseline is not None
            yield Row(
                "quality",
                f"{name}: chrF, test split ({len(items)} sentences)",
                value,
                "chrF",
                target=f">= {baseline + 3:g}" if relative else "",
                note=f"BLEU {bleu:.1f}" + (f"; target = no-attention baseline {baseline:g} + 3" if relative else ""),
            )


def main(argv: list[str] | None = None) -> int:
    from benchmarks import run

    return run.main(argv, scripts=["translate"])


if __name__ == "__main__":
    sys.exit(main())
