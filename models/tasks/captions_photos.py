"""Everyday photos with human captions from a Karpathy split file (Flickr8k, Flickr30k, COCO), on the frozen
EfficientNet-Lite0: the pipeline of an everyday-photo captioner.

    python -m models.train caption --data photos --karpathy DIR/dataset_flickr8k.json [--images DIR/images] \\
        --name caption-photo --feature-layer head --image-size 224 --input-dropout 0.4 --output-projection ...
    python -m models.evaluate --model caption-photo --captions DIR/captions.tsv --split val     (or the .json)

The recipe is the one of every photo captioner (models/tasks/captions_common.py): features once (Karpathy's
train and val photos; test stays untouched), the decoder trained on train, validated on the first ``--val``
val photos (greedy), the "does this look like my training photos?" rule fitted with val as held-out photos,
and val measured with beam search (BLEU-1..4, CIDEr-D, distinct captions).

Near-duplicates. Flickr8k's official split puts some photos of one burst (the same photographer, the same scene
a second later) on both sides: a val photo whose twin the decoder learned from scores what was memorised. Such
a val photo is one whose Flickr photo id lies within ``BURST_IDS`` of a train photo's (ids grow with upload
time: the same photographer, the same afternoon) and whose encoder features, averaged over the grid and centred
on the mean photo, have a cosine of at least ``BURST_SIMILARITY`` with that photo's. The card lists them; the
score is reported without them (``{source}_val``) and, for comparison, with them (``{source}_val_all``);
``python -m models.evaluate`` leaves them out of ``--split val`` the same way. The rule was calibrated on
Lite0's stride-16 features, which describe how a scene looks (its head layer says more what it shows, and
rates two shots of one burst far apart): a captioner that reads another layer is checked on both, and a photo
flagged by either is left out (``near_duplicates``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from models.captioner import Captioner, CaptionerConfig
from models.data.rsicd import CaptionedImage
from models.distributed import Distributed
from models.tasks.captions_common import extract_features, read_photos, train_on_features
from models.training import RUNS_DIR, RunConfig

__all__ = [
    "BURST_IDS",
    "BURST_LAYER",
    "BURST_SIMILARITY",
    "NEAR_DUPLICATES_KEY",
    "burst_duplicates",
    "near_duplicates",
    "source_name",
    "train",
]

BURST_IDS = 100_000  # Flickr photo ids closer than this: one photographer's uploads of about the same hour
BURST_SIMILARITY = 0.6  # cosine of the centred, grid-averaged encoder features: the same scene, a moment apart
NEAR_DUPLICATES_KEY = "held_out_near_duplicates"  # the card's list of val photos left out of the score
BURST_LAYER = ("efficientnet_lite0", "stride16")  # the features BURST_SIMILARITY was calibrated on (at 224 px)


def _photo_id(item: CaptionedImage) -> int | None:
    head = Path(item.file).stem.split("_")[0]
    return int(head) if head.isdigit() else None


def burst_duplicates(features: np.ndarray, items: list[CaptionedImage]) -> list[dict]:
    """The held-out photos shot in the same burst as a training photo (see the module's docstring): for each,
    {"photo", "train_photo", "cosine"}, most alike first. Photos without a numeric Flickr id are never flagged."""
    pooled = np.concatenate([features[i : i + 256].astype(np.float32).mean((2, 3)) for i in range(0, len(items), 256)])
    pooled -= pooled.mean(0)
    pooled /= np.linalg.norm(pooled, axis=1, keepdims=True) + 1e-9  # (N, C) unit vectors
    ids = np.array([-(10**12) if (i := _photo_id(it)) is None else i for it in items], dtype=np.int64)
    train = np.array([it.split == "train" for it in items])
    train_rows = np.flatnonzero(train & (ids >= 0))
    found = []
    for k in np.flatnonzero(~train & (ids >= 0)):
        near = train_rows[np.abs(ids[train_rows] - ids[k]) < BURST_IDS]
        if not len(near):
            continue
        cosine = pooled[near] @ pooled[k]
        best = int(cosine.argmax())
        if cosine[best] >= BURST_SIMILARITY:
            twin, similarity = items[near[best]].file, round(float(cosine[best]), 4)
            found.append({"photo": items[k].file, "train_photo": twin, "cosine": similarity})
    return sorted(found, key=lambda d: -d["cosine"])


def burst_reference(
    items: list[CaptionedImage], folder: Path, distributed: Distributed | None = None, progress: bool = True
) -> np.ndarray:
    """Lite0's stride-16 feature grid of every photo (cached in ``folder`` beside the captioner's own), the
    features the burst rule was calibrated on."""
    encoder, layer = BURST_LAYER
    cfg = CaptionerConfig(
        vocab=["<pad>", "<sos>", "<eos>", "<unk>"], encoder=encoder, feature_layer=layer, image_size=224, grid=14
    )
    features, _ = extract_features(Captioner(cfg), items, folder, progress=progress, distributed=distributed)
    return features


def near_duplicates(own: np.ndarray, own_layer: tuple, items: list[CaptionedImage], reference=None) -> list[dict]:
    """The held-out photos of a training photo's burst by the captioner's own features (``own``, from the layer
    ``own_layer`` = (encoder, layer)) and, when those are not the calibrated ones, by ``reference``
    (a function returning the calibrated features) too: each photo once, with the higher cosine."""
    found = {d["photo"]: d for d in burst_duplicates(own, items)}
    if tuple(own_layer) != BURST_LAYER and reference is not None:
        for d in burst_duplicates(reference(), items):
            if d["photo"] not in found or d["cosine"] > found[d["photo"]]["cosine"]:
                found[d["photo"]] = d
    return sorted(found.values(), key=lambda d: -d["cosine"])


def source_name(split_file: str | Path) -> str:
    """The data set a captions file names (the card's metric prefix): ``dataset_flickr8k.json`` -> ``flickr8k``;
    a captions TSV, its folder's name: ``flickr8k/captions.tsv`` -> ``flickr8k``."""
    path = Path(split_file)
    if path.suffix.lower() == ".json":
        return path.stem.removeprefix("dataset_") or "photos"
    return path.resolve().parent.name or "photos"


def train(args: argparse.Namespace, run: RunConfig) -> dict:
    """A Karpathy split: returns the card (saved unless --no-save)."""
    if not args.karpathy:
        raise SystemExit("--data photos needs --karpathy FILE (a Karpathy split JSON, e.g. dataset_flickr8k.json)")
    items = [i for s in ("train", "val") for i in read_photos(args.karpathy, args.images, split=s)]
    images = Path(args.images) if args.images else Path(args.karpathy).parent / "images"
    source = source_name(args.karpathy)
    command = f"python -m models.evaluate --model {run.name} --captions {args.karpathy} --images {images} --split val"
    n_train = sum(it.split == "train" for it in items)
    near: list[dict] = []
    val_rows = [k for k, it in enumerate(items) if it.split == "val"]  # the greedy checks while training

    folder = Path(args.features or RUNS_DIR / run.name / "features")
    layer = (f"efficientnet_{args.encoder}", args.feature_layer)

    def finals(features: np.ndarray) -> dict:
        """val without the photos of a training photo's burst, and val whole (for comparison)."""
        near.extend(near_duplicates(features, layer, items, lambda: burst_reference(items, folder, run.distributed)))
        left_out = {d["photo"] for d in near}
        val = [i for i in items if i.split == "val"]
        clean = [i for i in val if i.file not in left_out]
        val_rows[:] = [k for k in val_rows if items[k].file not in left_out][: args.val]  # nor in the greedy checks
        print(f"{len(left_out)} val photos share a burst with a train photo: left out of {source}_val", file=sys.stderr)
        return {f"{source}_val": (clean, command), f"{source}_val_all": (val, command + " --with-near-duplicates")}

    rule = f"Flickr photo ids within {BURST_IDS:,} and a cosine >= {BURST_SIMILARITY} of the centred, grid-averaged "
    rule += "encoder features: Lite0's stride-16 layer (where the rule was calibrated) and the captioner's own "
    rule += "(scripts/photo_duplicates.py checks bytes, picture hashes and shared captions too)"
    return train_on_features(
        args,
        run,
        items,
        finals,
        val_rows=val_rows,
        data=f"{n_train} training photos of {Path(args.karpathy).name} (Karpathy train split), all their captions",
        held_out=f"{source} val",
        task="caption-photo",
        title="Everyday photo captioner",
        gallery="samples/everyday",  # the photos the app offers for this model (public domain or CC0, in assets/)
        **{NEAR_DUPLICATES_KEY: {"rule": rule, "photos": near}},  # filled by finals() once the features exist
        order=10,  # before the aerial captioner in the menu: the photos people bring are everyday ones
    )
