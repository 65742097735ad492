"""Aerial photos with human captions: RSICD (Lu et al. 2017) and UCM-captions (Qu et al. 2016), read from a folder.

Both come as ``images/`` and a ``captions.tsv`` with a header and one line per caption (five per image):

    RSICD          file<TAB>split<TAB>caption              split: train | val | val-overlap (test kept apart)
    UCM-captions   file<TAB>split<TAB>class<TAB>caption    split: train | val | test (Qu et al.'s split)
    any other      file<TAB>caption                        (no split: every image is "test")

Columns are found by their header names, so one reader serves all three. Captions become lower-case word tokens
without punctuation (``models.metrics.caption_tokens``), the same tokens the scores compare.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from models.data.shapes import ShapesGenerator, render
from models.metrics import caption_tokens

__all__ = [
    "NON_AERIAL_KINDS",
    "CaptionedImage",
    "build_vocabulary",
    "read_captions",
    "scene_class",
    "synthetic_non_aerial",
]

NON_AERIAL_KINDS = ("shapes", "noise", "flat", "gradient", "stripes", "checkerboard")


@dataclass(frozen=True)
class CaptionedImage:
    """One photo and its human captions."""

    file: str  # the file name inside the images folder
    path: Path
    split: str  # "train" | "val" | "test"
    scene: str  # the land-use class ("airport", "tenniscourt"), or "" when unknown
    captions: tuple[tuple[str, ...], ...]  # each caption as tokens
    texts: tuple[str, ...]  # each caption as written


def scene_class(file: str) -> str:
    """The class a file name carries (``airport_12.jpg`` -> airport, ``tenniscourt07.jpg`` -> tenniscourt), or ""."""
    stem = Path(file).stem.rstrip("0123456789").rstrip("_")
    return stem if stem.isalpha() else ""


def read_captions(tsv: str | Path, images: str | Path | None = None, split: str | None = None) -> list[CaptionedImage]:
    """Every image of a captions TSV (only those of ``split`` when given), in order of first appearance;
    ``images`` defaults to ``images/`` beside it.

    Raises ValueError when the header has no ``file`` or ``caption`` column, or a listed image is missing
    (only the images of ``split`` need to be there).
    """
    tsv = Path(tsv)
    folder = Path(images) if images is not None else tsv.parent / "images"
    with tsv.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    if not rows or "file" not in rows[0] or "caption" not in rows[0]:
        raise ValueError(f"{tsv} needs a header with 'file' and 'caption' columns (tab-separated)")
    grouped: dict[str, list[dict]] = {}
    for row in rows:
        if split is None or (row.get("split") or "test") == split:
            grouped.setdefault(row["file"], []).append(row)
    out = []
    for file, lines in grouped.items():
        path = folder / file
        if not path.is_file():
            raise ValueError(f"{tsv.name} lists {file}, which is not in {folder}")
        first = lines[0]
        texts = tuple(line["caption"] for line in lines)
        out.append(
            CaptionedImage(
                file=file,
                path=path,
                split=first.get("split") or "test",
                scene=first.get("class") or scene_class(file),
                captions=tuple(tuple(caption_tokens(t)) for t in texts),
                texts=texts,
            )
        )
    return out


def build_vocabulary(items: list[CaptionedImage], min_count: int = 5) -> list[str]:
    """The words of the training captions seen at least ``min_count`` times, most frequent first."""
    counts = Counter(tok for item in items if item.split == "train" for cap in item.captions for tok in cap)
    return [w for w, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if n >= min_count]


def synthetic_non_aerial(n: int, size: int = 224, seed: int = 0) -> list[tuple[str, Image.Image]]:
    """``n`` images that are not aerial photos, (kind, image), cycling through six kinds: scenes of the shapes
    world, pixel noise, a flat colour, a colour gradient, stripes and a checkerboard. For measuring a
    "does this look aerial?" rule; a fresh seed gives fresh images."""
    rng = np.random.default_rng(seed)
    scenes = ShapesGenerator(seed=seed, size=size).scenes((n + 5) // 6)
    out = []
    for i in range(n):
        kind = NON_AERIAL_KINDS[i % len(NON_AERIAL_KINDS)]
        a, b = rng.integers(0, 256, 3), rng.integers(0, 256, 3)  # two random colours
        y, x = np.mgrid[0:size, 0:size] / size
        if kind == "shapes":
            out.append((kind, render(scenes[i // 6])))
            continue
        if kind == "noise":
            pixels = rng.integers(0, 256, (size, size, 3))
        elif kind == "flat":
            pixels = np.broadcast_to(a, (size, size, 3))
        elif kind == "gradient":
            t = (x * np.cos(rng.uniform(0, np.pi)) + y * np.sin(rng.uniform(0, np.pi)))[..., None] % 1.0
            pixels = a * (1 - t) + b * t
        elif kind == "stripes":
            pixels = np.where((np.floor(x * rng.integers(3, 12) * 2) % 2)[..., None] == 0, a, b)
        else:  # checkerboard
            k = rng.integers(3, 10)
            pixels = np.where(((np.floor(x * k) + np.floor(y * k)) % 2)[..., None] == 0, a, b)
        out.append((kind, Image.fromarray(np.asarray(pixels, dtype=np.uint8))))
    return out
