"""Text (date) models: time to train the default model to 99.9 %, decoding latency and throughput.

python -m benchmarks.bench_text            # everything (about 2 minutes on 2 cores)
python -m benchmarks.bench_text --no-train # decoding only
"""

from __future__ import annotations

import argparse
import sys
import time

import torch

from benchmarks.common import median_ms, table
from models import registry
from models.data.dates import DateGenerator
from models.evaluate import decode_all, evaluate_dates
from models.train import main as train_main


def training_row() -> list[object]:
    """Train date-additive from scratch with its defaults until 99.9 % on the validation set."""
    start = time.perf_counter()
    card = train_main(
        [
            "date",
            "--attention",
            "additive",
            "--budget",
            "120",
            "--target",
            "0.999",
            "--no-save",
            "--quiet",
            "--eval-n",
            "10000",
        ]
    )
    wall = time.perf_counter() - start
    metrics = card["metrics"]
    return [
        "train date-additive to ≥ 99.9 % (validation)",
        f"{wall:.1f} s",
        f"{card['training']['steps']} steps; 10k held-out exact {metrics['exact_match']:.2%}, "
        f"alignment {metrics['alignment_accuracy']:.2%}",
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-train", action="store_true")
    args = parser.parse_args(argv if argv is not None else sys.argv[2:] if sys.argv[0].endswith("run.py") else None)
    rows = []
    examples = DateGenerator(seed=99, split="test").samples(10_000)
    texts = [e.source for e in examples]
    for entry in registry.catalog(task="date"):
        model = registry.load_checkpoint(entry.name, device="cpu").model
        one = median_ms(lambda m=model: m.decode(["TUESDAY, SEPTEMBER 25, 1984"]), repeat=100)
        beam = median_ms(lambda m=model: m.decode(["TUESDAY, SEPTEMBER 25, 1984"], beam_width=5), repeat=30)
        start = time.perf_counter()
        decode_all(model, texts, batch_size=1000)
        rate = len(texts) / (time.perf_counter() - start)
        quality = evaluate_dates(model, examples[:2000])
        rows.append([entry.name, f"{one:.2f}", f"{beam:.2f}", f"{rate:,.0f}", f"{quality['exact_match']:.2%}"])
    print(
        table(
            f"Date models on CPU ({torch.get_num_threads()} threads)",
            [
                "model",
                "greedy decode + attention, median ms",
                "beam 5, median ms",
                "batched dates/s (1000 per batch)",
                "exact match (2k held-out)",
            ],
            rows,
        )
    )
    if not args.no_train:
        print(table("Training on CPU", ["what", "wall time", "result"], [training_row()]))


if __name__ == "__main__":
    main()
