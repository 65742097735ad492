"""Real English–Korean sentence pairs (Tatoeba, via manythings.org/anki; CC-BY 2.0 France).

    pairs = read_pairs()                       # every pair with its split: train / val / test
    [p for p in pairs if p.split == "test"]

The split is fixed and recorded in assets/data/tatoeba-kor-eng/splits.tsv. It is by English sentence:
all translations of one English sentence are on the same side, so a test sentence was never seen.
Credit: tatoeba.org and manythings.org/anki.
"""

from __future__ import annotations

import argparse
import hashlib
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CREDIT", "DATA_DIR", "Pair", "read_pairs", "split_of"]

DATA_DIR = Path(__file__).resolve().parents[2] / "assets" / "data" / "tatoeba-kor-eng"
CREDIT = "Sentence pairs: tatoeba.org and manythings.org/anki (CC-BY 2.0 France)"


@dataclass(frozen=True)
class Pair:
    english: str
    korean: str
    split: str  # "train" | "val" | "test"
    line: int  # 1-based line in kor.txt (0 for the added lecture examples)


def _normalise(sentence: str) -> str:
    return " ".join(sentence.lower().split())


def split_of(english: str) -> str:
    """train (90 %), val (5 %) or test (5 %), by a hash of the normalised English sentence."""
    bucket = int(hashlib.sha256(_normalise(english).encode()).hexdigest(), 16) % 20
    return "test" if bucket == 0 else "val" if bucket == 1 else "train"


def _read_corpus(folder: Path) -> list[tuple[int, str, str]]:
    rows = []
    for number, line in enumerate((folder / "kor.txt").read_text(encoding="utf-8").splitlines(), 1):
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0].strip() and parts[1].strip():
            rows.append((number, parts[0].strip(), parts[1].strip()))
    return rows


def read_pairs(folder: Path = DATA_DIR, extra: bool = True) -> list[Pair]:
    """Every pair of kor.txt with its recorded split (and the added lecture examples, in train)."""
    splits_path = folder / "splits.tsv"
    recorded = {}
    if splits_path.is_file():
        for line in splits_path.read_text(encoding="utf-8").splitlines():
            number, split = line.split("\t")
            recorded[int(number)] = split
    pairs = [Pair(en, ko, recorded.get(n, split_of(en)), n) for n, en, ko in _read_corpus(folder)]
    if extra and (folder / "extra.tsv").is_file():
        for line in (folder / "extra.tsv").read_text(encoding="utf-8").splitlines():
            en, ko = line.split("\t")[:2]
            pairs.append(Pair(en.strip(), ko.strip(), "train", 0))
    return pairs


def write_splits(folder: Path = DATA_DIR) -> Path:
    """Record the split of every line of kor.txt in splits.tsv."""
    path = folder / "splits.tsv"
    path.write_text("".join(f"{n}\t{split_of(en)}\n" for n, en, _ in _read_corpus(folder)), encoding="utf-8")
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Write the recorded split of the Tatoeba pairs.")
    parser.add_argument("--write-splits", action="store_true")
    if parser.parse_args().write_splits:
        print(write_splits())


LECTURE = {"en-ko": "I love you.", "ko-en": "나는 널 사랑해."}  # the notes' first example
EVERYDAY = {
    "en-ko": ["Thank you.", "I'm hungry.", "Where is the station?", "She likes music."],
    "ko-en": ["고마워.", "배고파.", "역이 어디예요?", "그녀는 음악을 좋아해."],
}
UNSEEN_MARK = "  ⟨unseen⟩"


def page_examples(direction: str, pairs: list[Pair] | None = None) -> list[str]:
    """The examples /text offers for ``direction`` ("en-ko" or "ko-en"): the lecture's sentence, up to three
    everyday training sentences, and four test sentences (marked with UNSEEN_MARK)."""
    pairs = read_pairs() if pairs is None else pairs
    side = (lambda p: p.english) if direction == "en-ko" else (lambda p: p.korean)
    train_text = {side(p) for p in pairs if p.split == "train"}
    seen = [s for s in EVERYDAY[direction] if s in train_text][:3] or sorted(train_text, key=len)[20:23]
    unseen = sorted({side(p) for p in pairs if p.split == "test" and 12 <= len(side(p)) <= 30})[:4]
    return [LECTURE[direction], *seen, *(u + UNSEEN_MARK for u in unseen)]


def training_sentences(direction: str, pairs: list[Pair] | None = None) -> frozenset[str]:
    """Every source sentence of ``direction``'s training split."""
    pairs = read_pairs() if pairs is None else pairs
    return frozenset((p.english if direction == "en-ko" else p.korean) for p in pairs if p.split == "train")
