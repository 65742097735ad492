"""NSMC, the Naver sentiment movie corpus: 200,000 Korean movie reviews, positive or negative.

    read_nsmc("train")            # 150,000 reviews (the official train split)
    read_nsmc("test")             #  50,000 reviews (the official test split)

Files: ``ratings_train.txt`` / ``ratings_test.txt`` as published, or the same split into parts
(``ratings_train.part1of4.txt`` …, a header line in every part); tab-separated ``id document label``,
label 1 = positive (rated 9–10), 0 = negative (1–4). Read with no quote handling: a few hundred
documents keep stray quotes, and a handful are empty (kept: every official review is counted).

Source: Lucy Park, github.com/e9t/nsmc. Licence: CC0 1.0 (public domain).
"""

from __future__ import annotations

from pathlib import Path

from models.data.reviews import DataMissingError, Review, shared_folder

__all__ = ["CREDIT", "DEFAULT_DIR", "read_nsmc"]

DEFAULT_DIR = shared_folder("nsmc")
CREDIT = "NSMC (Naver sentiment movie corpus), Lucy Park, github.com/e9t/nsmc (CC0 1.0)"
SPLITS = ("train", "test")


def _files(folder: Path, split: str) -> list[Path]:
    whole = folder / f"ratings_{split}.txt"
    if whole.is_file():
        return [whole]
    parts = sorted(
        folder.glob(f"ratings_{split}.part*of*.txt"), key=lambda p: int(p.name.split("part")[1].split("of")[0])
    )
    return parts


def read_nsmc(split: str, folder: str | Path | None = None) -> list[Review]:
    """Every review of the official ``split`` ("train" or "test"), in file order."""
    if split not in SPLITS:
        raise ValueError(f"NSMC has the splits {SPLITS}, not {split!r}")
    folder = Path(folder) if folder else DEFAULT_DIR
    files = _files(folder, split)
    if not files:
        raise DataMissingError(
            f"NSMC is not in {folder}: expected ratings_{split}.txt (or its parts). Download ratings_train.txt "
            "and ratings_test.txt from github.com/e9t/nsmc into that folder, or pass --data-dir."
        )
    reviews = []
    for path in files:
        lines = path.read_text(encoding="utf-8").splitlines()
        if lines and lines[0].startswith("id\t"):
            lines = lines[1:]
        for number, line in enumerate(lines, 2):
            parts = line.split("\t")
            if len(parts) != 3 or parts[2] not in ("0", "1"):
                raise ValueError(f"{path.name} line {number}: expected 'id<TAB>document<TAB>0|1', got {line[:80]!r}")
            reviews.append(Review(parts[0], parts[1], int(parts[2])))
    return reviews
