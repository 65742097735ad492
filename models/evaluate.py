"""Measure a model: `python -m models.evaluate --model NAME (--pairs FILE | --generated N --seed S)`.

Prints JSON. For the captioners (``--generated N`` scenes of the shapes world, or ``--karpathy FILE
--images DIR`` for photos): BLEU-4, exact caption match, object precision/recall/F1, the pointing
game and attention correctness (see models/metrics.py). For the date models:

    n, exact_match, misses            always
    per_family                        exact match per format family (with --generated)
    alignment_accuracy                with --generated: the share of year, month and day output characters
                                      whose highest attention weight falls inside the right input span

FILE has one ``input<TAB>expected`` per line (blank lines and lines starting with # are skipped).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from models.data.dates import FAMILIES, TARGET_FIELDS, DateExample, DateGenerator
from models.results import Alignment

__all__ = ["alignment_hits", "decode_all", "evaluate_dates", "evaluate_pairs", "main"]


def decode_all(model, texts: Sequence[str], batch_size: int = 1000, beam_width: int = 1) -> list[Alignment]:
    """The best Alignment for every text, decoded in batches."""
    out: list[Alignment] = []
    for i in range(0, len(texts), batch_size):
        out += [hyps[0] for hyps in model.decode(list(texts[i : i + batch_size]), beam_width=beam_width)]
    return out


def alignment_hits(example: DateExample, alignment: Alignment) -> tuple[int, int]:
    """(hits, counted): over output characters that carry the year, month or day, how many looked
    (highest attention weight) inside that field's span of the input."""
    hits = counted = 0
    for i, name in enumerate(TARGET_FIELDS[: len(alignment.target)]):
        if name is None or name not in example.spans:
            continue
        start, end = example.spans[name]
        counted += 1
        hits += int(start <= int(np.argmax(alignment.weights[i])) < end)
    return hits, counted


def evaluate_pairs(
    model, pairs: Sequence[tuple[str, str]], max_misses: int = 50, outputs: Sequence[Alignment] | None = None
) -> dict:
    """Exact match of the model's output against the expected text, with the first misses."""
    outputs = outputs if outputs is not None else decode_all(model, [p[0] for p in pairs])
    misses = [{"input": src, "expected": want, "got": a.text} for (src, want), a in zip(pairs, outputs, strict=True)]
    misses = [m for m in misses if m["got"] != m["expected"]]
    n = len(pairs)
    return {
        "n": n,
        "exact_match": round(1 - len(misses) / n, 6) if n else None,
        "misses": misses[:max_misses],
        "miss_count": len(misses),
    }


def evaluate_dates(model, examples: Sequence[DateExample], max_misses: int = 50) -> dict:
    """Exact match overall and per family, alignment accuracy, and the first misses."""
    outputs = decode_all(model, [e.source for e in examples])
    result = evaluate_pairs(model, [(e.source, e.target) for e in examples], max_misses, outputs)
    by_family: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    hits = counted = 0
    for example, alignment in zip(examples, outputs, strict=True):
        by_family[example.family][0] += int(alignment.text == example.target)
        by_family[example.family][1] += 1
        h, c = alignment_hits(example, alignment)
        hits, counted = hits + h, counted + c
    result["per_family"] = {f: round(by_family[f][0] / by_family[f][1], 6) for f in FAMILIES if f in by_family}
    has_attention = bool(outputs) and outputs[0].has_attention
    result["alignment_accuracy"] = round(hits / counted, 6) if counted and has_attention else None
    return result


def evaluate_translations(checkpoint, split: str) -> dict:
    """chrF, BLEU and exact match on a split of the Tatoeba pairs, for the model and its no-attention baseline."""
    from models import registry
    from models.data.tatoeba import read_pairs as read_tatoeba
    from models.train_translate import evaluate_translation, references, training_sample

    direction = checkpoint.card["task"].removeprefix("translate-")
    items = references([p for p in read_tatoeba() if p.split == split], direction)
    result = {"split": split, **evaluate_translation(checkpoint.model, items)}
    result["training_sample"] = {
        k: v for k, v in evaluate_translation(checkpoint.model, training_sample(direction)).items() if k != "examples"
    }
    baseline = f"{checkpoint.name}-none"
    if checkpoint.card["config"]["attention"] != "none" and (registry.ASSETS_DIR / f"{baseline}.json").is_file():
        other = registry.load_checkpoint(baseline, device=checkpoint.device)
        result["baseline"] = {
            "model": baseline,
            **{k: v for k, v in evaluate_translation(other.model, items).items() if k != "examples"},
        }
    return result


def read_pairs(path: Path) -> list[tuple[str, str]]:
    pairs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        if "\t" not in line:
            raise SystemExit(f"{path}:{number}: expected 'input<TAB>expected', got {line!r}")
        source, expected = line.split("\t", 1)
        pairs.append((source, expected.strip()))
    return pairs


def main(argv: Sequence[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="a shipped model's name, or a path to its .json/.safetensors")
    source = parser.add_mutually_exclusive_group(required=False)
    source.add_argument("--pairs", type=Path, help="a file of input<TAB>expected lines")
    source.add_argument("--generated", type=int, metavar="N", help="evaluate on N freshly generated examples")
    source.add_argument("--karpathy", type=Path, help="captioners: a Karpathy split JSON (with --images)")
    parser.add_argument("--images", type=Path, help="the folder of the Karpathy split's images")
    parser.add_argument("--seed", type=int, default=1234, help="seed of the generated examples")
    parser.add_argument(
        "--split",
        default="test",
        choices=["test", "train", "any"],
        help="generated dates from the held-out days (test) or not",
    )
    parser.add_argument("--device", default=None, help="cpu, cuda, ... (default: auto)")
    parser.add_argument("--misses", type=int, default=20, help="how many misses to print")
    args = parser.parse_args(argv)

    from models import registry

    checkpoint = registry.load_checkpoint(args.model, device=args.device)
    task = checkpoint.card.get("task")
    if args.pairs:
        result = evaluate_pairs(checkpoint.model, read_pairs(args.pairs), max_misses=args.misses)
    elif task and task.startswith("translate-"):
        result = evaluate_translations(checkpoint, args.split)
    elif task == "date":
        examples = DateGenerator(seed=args.seed, split=args.split).samples(args.generated)
        result = evaluate_dates(checkpoint.model, examples, max_misses=args.misses)
    elif task == "caption" and args.generated:
        from models.data.shapes import ShapesGenerator
        from models.train_caption import evaluate_shapes

        scenes = ShapesGenerator(seed=args.seed, size=checkpoint.model.cfg.image_size).scenes(args.generated)
        result = evaluate_shapes(checkpoint.model, scenes, max_misses=args.misses)
    elif args.karpathy:
        from models.data.karpathy import read_karpathy
        from models.train_caption import evaluate_karpathy

        if not args.images:
            raise SystemExit("--karpathy needs --images DIR")
        items = [i for i in read_karpathy(args.karpathy, args.images) if i.split == args.split]
        result = evaluate_karpathy(checkpoint.model, items)
    else:
        raise SystemExit(f"give --pairs FILE, --generated N or --karpathy FILE for task {task!r}")
    result = {"model": checkpoint.name, **result}
    json.dump(result, sys.stdout, indent=2, ensure_ascii=False)
    print()
    return result


if __name__ == "__main__":
    main()
