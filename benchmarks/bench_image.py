"""Captioners: latency of one caption with its maps, batched throughput, and quality on fresh scenes.

python -m benchmarks.bench_image
"""

from __future__ import annotations

import time

import torch

from benchmarks.common import median_ms, table
from models import registry
from models.data.shapes import ShapesGenerator, render
from models.train_caption import evaluate_shapes


def main() -> None:
    rows = []
    scenes = ShapesGenerator(seed=4242).scenes(512)
    images = [render(s) for s in scenes]
    for entry in registry.catalog(task="caption"):
        model = registry.load_checkpoint(entry.name, device="cpu").model
        one = images[0]
        greedy = median_ms(lambda m=model, one=one: m.caption([one]), repeat=30)
        beam3 = median_ms(lambda m=model, one=one: m.caption([one], beam_width=3), repeat=30)
        start = time.perf_counter()
        for i in range(0, len(images), 64):
            model.caption(images[i : i + 64])
        rate = len(images) / (time.perf_counter() - start)
        quality = evaluate_shapes(model, scenes[:500])
        rows.append(
            [
                entry.name,
                f"{greedy:.1f}",
                f"{beam3:.1f}",
                f"{rate:.0f}",
                f"{quality['exact_match']:.1%}",
                f"{quality['object_f1']:.1%}",
                f"{quality['pointing_game']:.1%}",
                f"{quality['attention_correctness']:.1%}",
            ]
        )
    print(
        table(
            f"Captioners on CPU ({torch.get_num_threads()} threads), 128 px",
            [
                "model",
                "greedy + maps, median ms",
                "beam 3 + maps, median ms",
                "batched greedy images/s (64 per batch)",
                "exact (500 fresh)",
                "object F1",
                "pointing game",
                "mass in box",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
