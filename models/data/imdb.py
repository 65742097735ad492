"""IMDB, the large movie review data set: 50,000 English reviews, positive or negative (Maas et al. 2011).

    read_imdb("train")            # 25,000 reviews (the official train split)
    read_imdb("test")             # 25,000 reviews (the official test split; other movies than train)

Files: ``train.tsv.gz`` / ``test.tsv.gz`` (``id rating label text`` with a header; label 1 = positive,
rating 7–10; 0 = negative, 1–4), or the original ``aclImdb/{train,test}/{pos,neg}/*.txt`` folders.
The text keeps the original ``<br />`` tags (the classifier's ``normalize`` turns them into spaces).

Cite: Andrew L. Maas, Raymond E. Daly, Peter T. Pham, Dan Huang, Andrew Y. Ng and Christopher Potts,
"Learning Word Vectors for Sentiment Analysis", ACL 2011 (ai.stanford.edu/~amaas/data/sentiment).
"""

from __future__ import annotations

import gzip
from pathlib import Path

from models.data.reviews import DataMissingError, Review, shared_folder

__all__ = ["CREDIT", "DEFAULT_DIR", "read_imdb"]

DEFAULT_DIR = shared_folder("imdb")
CREDIT = 'IMDB reviews: Maas et al., "Learning Word Vectors for Sentiment Analysis", ACL 2011'
SPLITS = ("train", "test")


def _read_tsv(path: Path) -> list[Review]:
    reviews = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        if header != ["id", "rating", "label", "text"]:
            raise ValueError(f"{path.name}: expected the header 'id rating label text', got {header}")
        for number, line in enumerate(f, 2):
            parts = line.rstrip("\n").split("\t", 3)
            if len(parts) != 4 or parts[2] not in ("0", "1"):
                raise ValueError(f"{path.name} line {number}: expected 'id<TAB>rating<TAB>0|1<TAB>text'")
            reviews.append(Review(parts[0], parts[3], int(parts[2])))
    return reviews


def _read_folders(folder: Path, split: str) -> list[Review]:
    reviews = []
    for label, side in ((0, "neg"), (1, "pos")):
        for path in sorted((folder / split / side).glob("*.txt")):
            reviews.append(Review(f"{split}_{side}_{path.stem}", path.read_text(encoding="utf-8"), label))
    return reviews


def read_imdb(split: str, folder: str | Path | None = None) -> list[Review]:
    """Every review of the official ``split`` ("train" or "test"); texts as published."""
    if split not in SPLITS:
        raise ValueError(f"IMDB has the splits {SPLITS}, not {split!r}")
    folder = Path(folder) if folder else DEFAULT_DIR
    if (folder / f"{split}.tsv.gz").is_file():
        return _read_tsv(folder / f"{split}.tsv.gz")
    for root in (folder, folder / "aclImdb"):
        if (root / split / "pos").is_dir():
            return _read_folders(root, split)
    raise DataMissingError(
        f"IMDB is not in {folder}: expected {split}.tsv.gz or aclImdb/{split}/pos|neg/*.txt. Download "
        "aclImdb_v1.tar.gz from ai.stanford.edu/~amaas/data/sentiment and unpack it there, or pass --data-dir."
    )
