"""Translation models: latency of one sentence with its attention, and quality on the test split.

python -m benchmarks.bench_translate
"""

from __future__ import annotations

import torch

from benchmarks.common import median_ms, table
from models import registry
from models.data.tatoeba import read_pairs
from models.train_translate import evaluate_translation, references


def main() -> None:
    rows = []
    for direction in ("en-ko", "ko-en"):
        entries = registry.catalog(task=f"translate-{direction}")
        items = references([p for p in read_pairs() if p.split == "test"], direction)
        for entry in entries:
            model = registry.load_checkpoint(entry.name, device="cpu").model
            sentence = "I love you." if direction == "en-ko" else "나는 널 사랑해."
            greedy = median_ms(lambda m=model, s=sentence: m.decode([s]), repeat=50)
            beam = median_ms(lambda m=model, s=sentence: m.decode([s], beam_width=5), repeat=20)
            quality = evaluate_translation(model, items)
            rows.append(
                [entry.name, f"{greedy:.1f}", f"{beam:.1f}", quality["chrf"], quality["bleu"], quality["exact_match"]]
            )
    print(
        table(
            f"Translation on CPU ({torch.get_num_threads()} threads)",
            [
                "model",
                "one sentence, greedy + attention, median ms",
                "beam 5, median ms",
                "test chrF",
                "test BLEU",
                "test exact",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
