"""Everyday photos with human captions from a Karpathy split file (Flickr8k, Flickr30k, COCO), on the frozen
EfficientNet-Lite0: the pipeline of an everyday-photo captioner.

    python -m models.train caption --data photos --karpathy DIR/dataset_flickr8k.json [--images DIR/images] \\
        --name caption-photo --feature-layer stride16 --image-size 224 --deep-output ...
    python -m models.evaluate --model caption-photo --captions DIR/captions.tsv --split val     (or the .json)

The recipe is the one of every photo captioner (models/tasks/captions_common.py): features once (Karpathy's
train and val photos; test stays untouched), the decoder trained on train, validated on the first ``--val``
val photos (greedy), the "does this look like my training photos?" rule fitted with val as held-out photos,
and val measured with beam search (BLEU-1..4, CIDEr-D, distinct captions).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from models.tasks.captions_common import read_photos, train_on_features
from models.training import RunConfig

__all__ = ["source_name", "train"]


def source_name(split_file: str | Path) -> str:
    """The data set a split file names: ``dataset_flickr8k.json`` -> ``flickr8k`` (the card's metric prefix)."""
    return Path(split_file).stem.removeprefix("dataset_") or "photos"


def train(args: argparse.Namespace, run: RunConfig) -> dict:
    """A Karpathy split: returns the card (saved unless --no-save)."""
    if not args.karpathy:
        raise SystemExit("--data photos needs --karpathy FILE (a Karpathy split JSON, e.g. dataset_flickr8k.json)")
    items = [i for s in ("train", "val") for i in read_photos(args.karpathy, args.images, split=s)]
    images = Path(args.images) if args.images else Path(args.karpathy).parent / "images"
    source = source_name(args.karpathy)
    val = f"{source}_val"
    command = f"python -m models.evaluate --model {run.name} --captions {args.karpathy} --images {images} --split val"
    n_train = sum(it.split == "train" for it in items)
    return train_on_features(
        args,
        run,
        items,
        {val: ([i for i in items if i.split == "val"], command)},
        val_rows=[k for k, it in enumerate(items) if it.split == "val"][: args.val],
        data=f"{n_train} training photos of {Path(args.karpathy).name} (Karpathy train split), all their captions",
        held_out=f"{source} val",
        task="caption-photo",
        title="Everyday photo captioner",
    )
