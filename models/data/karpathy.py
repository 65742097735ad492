"""Real photos with captions, from the standard Karpathy split files (Flickr8k, Flickr30k, COCO).

    dataset_flickr8k.json = {"images": [{"filename": "1000268201_693b08cb0e.jpg",
                                         "filepath": "val2014",            # COCO only, optional
                                         "split": "train" | "val" | "test" | "restval",
                                         "sentences": [{"tokens": ["a", "child", ...], "raw": "..."}, ...]},
                                        ...]}

``read_karpathy(json_path, images_dir)`` returns one ``CaptionedImage`` per image (``restval`` counts
as train, as usual), and ``build_vocabulary`` keeps the words seen at least ``min_count`` times.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CaptionedImage", "KarpathyError", "build_vocabulary", "read_karpathy"]


class KarpathyError(ValueError):
    """The split file or its images are not what the Karpathy format promises."""


@dataclass(frozen=True)
class CaptionedImage:
    """One photo and its reference captions (lower-case tokens)."""

    path: Path
    split: str  # "train" | "val" | "test"
    captions: tuple[tuple[str, ...], ...]


def read_karpathy(json_path: str | Path, images_dir: str | Path, max_tokens: int = 22) -> list[CaptionedImage]:
    """Every image of the split file whose file exists, with its captions cut to ``max_tokens`` tokens."""
    json_path, images_dir = Path(json_path), Path(images_dir)
    try:
        data = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise KarpathyError(f"cannot read the split file {json_path}: {err}") from err
    if not isinstance(data, dict) or not isinstance(data.get("images"), list):
        raise KarpathyError(f"{json_path} has no 'images' list: is it a Karpathy split file?")
    items, missing = [], 0
    for entry in data["images"]:
        try:
            name, split = entry["filename"], entry["split"]
            sentences = entry["sentences"]
        except (KeyError, TypeError) as err:
            raise KarpathyError(f"an entry of {json_path} lacks {err}: expected filename, split, sentences") from err
        path = images_dir / entry.get("filepath", "") / name
        if not path.is_file():
            path = images_dir / name
        if not path.is_file():
            missing += 1
            continue
        captions = tuple(tuple(tok.lower() for tok in s["tokens"][:max_tokens]) for s in sentences if s.get("tokens"))
        if captions:
            items.append(CaptionedImage(path, "train" if split == "restval" else split, captions))
    if not items:
        raise KarpathyError(f"none of the {len(data['images'])} images of {json_path} were found in {images_dir}")
    if missing:
        print(f"karpathy: {missing} images listed in {json_path.name} are missing from {images_dir}; skipped")
    return items


def build_vocabulary(items: Iterable[CaptionedImage], min_count: int = 5) -> list[str]:
    """The words of the training captions seen at least ``min_count`` times, most frequent first."""
    counts = Counter(tok for item in items if item.split == "train" for cap in item.captions for tok in cap)
    return [w for w, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if c >= min_count]
