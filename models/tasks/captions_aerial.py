"""Aerial photos with human captions: RSICD (+ UCM-captions) on the frozen EfficientNet-Lite0.

    python -m models.train caption --data rsicd --rsicd DIR [--ucm DIR] --name caption-aerial ...
    python -m models.evaluate --model caption-aerial --captions DIR/captions.tsv --split val [--deletion]

The recipe is the one of every photo captioner (models/tasks/captions_common.py): features once, the decoder
trained on them, the "does this look aerial?" rule fitted on the training photos, RSICD val and UCM test
measured with beam search.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from models.data.rsicd import CaptionedImage, read_captions
from models.tasks.captions_common import train_on_features
from models.training import RunConfig

__all__ = ["train"]


def _items(args: argparse.Namespace) -> tuple[list[CaptionedImage], list[CaptionedImage]]:
    """(RSICD's photos: train + val, UCM-captions' photos: train + val + test, or none without --ucm)."""
    if not args.rsicd:
        raise SystemExit("--data rsicd needs --rsicd DIR (the folder with captions.tsv and images/)")
    rsicd = [i for s in ("train", "val") for i in read_captions(Path(args.rsicd) / "captions.tsv", split=s)]
    return rsicd, read_captions(Path(args.ucm) / "captions.tsv") if args.ucm else []


def train(args: argparse.Namespace, run: RunConfig) -> dict:
    """RSICD (+ UCM-captions): returns the card of ``caption-aerial`` (saved unless --no-save)."""
    rsicd, ucm = _items(args)
    items = rsicd + ucm  # RSICD first: its rows in the feature cache are its own indices
    rsicd_dir = Path(args.rsicd)
    finals = {
        "rsicd_val": (
            [i for i in rsicd if i.split == "val"],
            f"python -m models.evaluate --model {run.name} --captions {rsicd_dir / 'captions.tsv'} "
            f"--images {rsicd_dir / 'images'} --split val",
        )
    }
    if args.ucm:
        ucm_dir = Path(args.ucm)
        finals["ucm_test"] = (
            [i for i in ucm if i.split == "test"],
            f"python -m models.evaluate --model {run.name} --captions {ucm_dir / 'captions.tsv'} "
            f"--images {ucm_dir / 'images'} --split test",
        )
    n_train = sum(it.split == "train" for it in items)
    return train_on_features(
        args,
        run,
        items,
        finals,
        val_rows=[k for k, it in enumerate(items) if it.split == "val"][: args.val],
        data=f"{n_train} training photos × 5 captions: RSICD train" + (" + UCM-captions train" if args.ucm else ""),
        held_out="RSICD val, UCM val+test",
        task="caption-aerial",
        title="Aerial photo captioner",
        gallery="samples/aerial",  # the photos the app offers for this model (public domain, in assets/)
    )
