"""Does a photo split leak? Near-duplicate photos and shared captions between train and a held-out split.

    python scripts/photo_duplicates.py ../shared/data/flickr8k/dataset_flickr8k.json [--split val]

Three checks, each printed with its worst cases:

* the same file bytes (md5) in both splits;
* near-duplicate pictures: a 64-bit difference hash (dHash: is each pixel of a 9 × 8 grey thumbnail brighter than
  its right neighbour?) within ``--bits`` bits of a train photo's (a resized, re-encoded or slightly cropped
  copy stays within a few bits; unrelated photos differ by about 32);
* captions written word for word in both splits (a held-out photo whose every caption also describes a train
  photo is a scene the model may have memorised).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def dhash(path: Path) -> int:
    """The 64-bit difference hash of a picture."""
    grey = np.asarray(Image.open(path).convert("L").resize((9, 8), Image.Resampling.LANCZOS), dtype=np.int16)
    bits = (grey[:, 1:] > grey[:, :-1]).flatten()
    return int("".join("1" if b else "0" for b in bits), 2)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("karpathy", type=Path, help="a Karpathy split JSON (dataset_flickr8k.json)")
    parser.add_argument("--images", type=Path, help="the photos (default: images/ beside the JSON)")
    parser.add_argument("--split", default="val", help="the held-out split to check against train")
    parser.add_argument("--bits", type=int, default=6, help="dHash distance that counts as a near-duplicate")
    args = parser.parse_args(argv)
    from models.data.karpathy import read_karpathy

    folder = args.images or args.karpathy.parent / "images"
    photos = read_karpathy(args.karpathy)
    train = [p for p in photos if p.split == "train"]
    held = [p for p in photos if p.split == args.split]

    def md5(p) -> str:
        return hashlib.md5((folder / p.file).read_bytes()).hexdigest()

    train_md5 = {md5(p): p.file for p in train}
    same_bytes = [(p.file, train_md5[h]) for p in held if (h := md5(p)) in train_md5]
    train_hash = np.array([dhash(folder / p.file) for p in train], dtype=np.uint64)
    near = []
    for p in held:
        distance = np.array([bin(int(x)).count("1") for x in train_hash ^ np.uint64(dhash(folder / p.file))])
        k = int(distance.argmin())
        near.append((int(distance[k]), p.file, train[k].file))
    near.sort()
    train_captions = {" ".join(c) for p in train for c in p.captions}
    shared = [sum(" ".join(c) in train_captions for c in p.captions) for p in held]
    held_captions = [" ".join(c) for p in held for c in p.captions]
    report = {
        "split": args.split,
        "photos": {"train": len(train), args.split: len(held)},
        "same_bytes": same_bytes,
        "near_duplicates": [{"bits": b, args.split: f, "train": g} for b, f, g in near if b <= args.bits],
        "closest_dhash_bits": [b for b, _, _ in near[:10]],
        "median_closest_dhash_bits": float(np.median([b for b, _, _ in near])),
        "captions_shared_word_for_word": sum(c in train_captions for c in held_captions),
        "captions": len(held_captions),
        "photos_with_every_caption_in_train": sum(s == len(p.captions) for s, p in zip(shared, held, strict=True)),
    }
    print(json.dumps(report, indent=1))
    return report


if __name__ == "__main__":
    main()
