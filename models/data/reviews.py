"""What the sentiment readers share: one review, a held-out validation part of train, a clear missing-data error.

    Review(id="9976970", text="아 더빙.. 진짜 짜증나네요 목소리", label=0)     # 0 = negative, 1 = positive
    train, val = holdout(read_nsmc("train"))                                  # 10 % of train, fixed by id

The data sets are read from a folder outside the repository (``../shared/data/<name>`` next to the
checkout by default); they are never copied into it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LABELS", "ROOT", "DataMissingError", "Review", "holdout", "shared_folder"]

ROOT = Path(__file__).resolve().parents[2]  # the repository
LABELS = ("negative", "positive")  # label 0, label 1


class DataMissingError(FileNotFoundError):
    """A data set is not where it was looked for; the message says where and how to get it."""


@dataclass(frozen=True)
class Review:
    """One labelled review."""

    id: str  # the data set's own id (unique within a split)
    text: str
    label: int  # 0 = negative, 1 = positive


def shared_folder(name: str) -> Path:
    """The default place of a data set: ``<repo>/../shared/data/<name>``."""
    return ROOT.parent / "shared" / "data" / name


def holdout(reviews: Sequence[Review], fraction: float = 0.1, salt: str = "val") -> tuple[list[Review], list[Review]]:
    """(train, validation): a fixed ``fraction`` of the reviews, chosen by a hash of their id (no randomness)."""
    train, val = [], []
    for r in reviews:
        bucket = int(hashlib.sha256(f"{salt}:{r.id}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
        (val if bucket < fraction else train).append(r)
    return train, val
