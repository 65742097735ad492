"""Measure a model: `python -m models.evaluate --model NAME [the task's options]`. Prints JSON.

The model's card says its task; that task's module (models/tasks/) adds its options and measures:

    dates         --generated N --seed S (fresh held-out dates): exact match, per format family, alignment
                  accuracy; or --pairs FILE (input<TAB>expected lines): exact match, the first misses and
                  every output ("outputs": [{"input", "expected", "output"}, ...], in the file's order)
    translation   --split test|val|train: chrF, BLEU, exact match, and the no-attention baseline beside it;
                  or --pairs FILE, as for dates
    captions      --generated N --seed S (shapes scenes): BLEU-4, exact caption, object F1, the pointing game,
                  attention mass in the named object's box; or --captions FILE (photos: a captions TSV or a
                  Karpathy JSON) [--images DIR] [--split val]: BLEU-1..4, CIDEr-D, distinct captions (beam 3),
                  with --deletion the deletion test of the attention
    bottleneck    --lengths ... --n N: exact match and token accuracy by input length
    sentiment     --split test (accuracy, by length quartile, explanations) or --pairs FILE (label<TAB>text)
    ntm           --lengths ... --n N --seed S: wrong bits per pattern and exact copies by length, LSTM beside

    python -m models.evaluate --model date-additive --generated 10000 --seed 1234
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from models import registry, tasks

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> dict:
    """Load the model, let its task parse the rest and measure; print and return the result."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="python -m models.evaluate", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", required=True, help="a shipped model's name, or a path to its .json/.safetensors")
    parser.add_argument("--device", default=None, help="cpu, cuda, ... (default: auto)")
    parser.add_argument("--misses", type=int, default=20, help="how many misses to print")
    known, _ = parser.parse_known_args(argv)
    checkpoint = registry.load_checkpoint(known.model, device=known.device)
    task = tasks.for_card(checkpoint.card.get("task", ""))
    task.add_evaluate_arguments(parser)
    args = parser.parse_args(argv)
    result = {"model": checkpoint.name, **task.evaluate(checkpoint, args)}
    json.dump(result, sys.stdout, indent=2, ensure_ascii=False)
    print()
    return result


if __name__ == "__main__":
    main()
