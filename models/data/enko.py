"""English–Korean pairs from every source we have, de-duplicated, with one leak-free split.

    pairs = read_enko()                                   # ../shared/data/enko-parallel/pairs.tsv + Tatoeba
    train = [p for p in pairs if p.split == "train"]
    items = reference_items(pairs, "en-ko", "test")       # [(English, [every Korean reference])]
    references_of(pairs, "Where is the station?")         # the Korean references of one test sentence

Sources (``pairs.tsv``: ``en<TAB>ko<TAB>source``; its README gives the licences) fall into groups:

    kss          everyday textbook sentences             captions    KorSTS image/video captions (-human, -mt)
    jhe          English-education sentences             storybooks  global-asp children's storybook pages
    tatoeba      the Tatoeba pairs of models/data/tatoeba news        KorSTS news and forum, kepark-news
    ntrex        NTREX-128 (out of domain, test only)    ud-pud      UD PUD treebanks (out of domain, test only)

De-duplication: text is compared normalised (NFKC, lower-cased, whitespace collapsed, trailing
punctuation ignored); a pair whose English and Korean both match an earlier one is dropped, the earlier
one kept in the order of GROUPS (out-of-domain first, then Tatoeba, kss, …). One English with several
different Korean translations is one sentence with several references: all of them share its split.

Split, by a stable hash of the normalised English (sha1 → a fraction in [0, 1)):

    test   fraction < TEST_FRACTION                   \\  only from the everyday sources: kss, Tatoeba and
    val    TEST_FRACTION ≤ fraction < + VAL_FRACTION  /   the human-edited captions (EVERYDAY_TEST)
    train  the rest, and every sentence that no everyday source has
    ood    ntrex and ud-pud: out-of-domain test sets, never trained or tuned on
    excluded  rows set aside so that nothing held out leaks into training: another source's translation of
           a test/val English; any row sharing its English or Korean with ntrex/ud-pud; a val or train row
           whose Korean is a test Korean (and a train row whose Korean is a val Korean), so ko→en is clean too

The lecture examples that Tatoeba's reader adds ("I love you.") are always train: the pages teach with them.
"""

from __future__ import annotations

import argparse
import hashlib
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from models.data import tatoeba
from models.data.reviews import DataMissingError, shared_folder

__all__ = [
    "EVERYDAY_TEST",
    "GROUPS",
    "PAIRS_PATH",
    "SPLITS",
    "TEST_FRACTION",
    "VAL_FRACTION",
    "DataMissingError",
    "EnKoPair",
    "counts",
    "group_of",
    "normalise",
    "read_enko",
    "read_pairs_tsv",
    "reference_items",
    "references_of",
    "split_of",
]

PAIRS_PATH = shared_folder("enko-parallel") / "pairs.tsv"
TATOEBA_DIR = tatoeba.DATA_DIR  # the shipped copy (the same kor.txt as ../shared/data/tatoeba-kor-eng)
GROUPS = ("ntrex", "ud-pud", "tatoeba", "kss", "captions", "jhe", "storybooks", "news")  # de-duplication order
OUT_OF_DOMAIN = ("ntrex", "ud-pud")
EVERYDAY_TEST = ("kss", "tatoeba", "captions")  # captions: only the human-edited ones
SPLITS = ("train", "val", "test", "ood", "excluded")
TEST_FRACTION = 0.04  # of the everyday English sentences
VAL_FRACTION = 0.02
_NEWS_PREFIXES = ("korsts-news-human", "korsts-news-mt", "korsts-forum-human", "korsts-forum-mt")
_CAPTION_PREFIXES = ("korsts-caption-human", "korsts-caption-mt")


@dataclass(frozen=True)
class EnKoPair:
    """One English–Korean pair, its source and its split."""

    en: str
    ko: str
    group: str  # one of GROUPS
    source: str  # the raw source: "kss", "korsts-caption-human:images", "tatoeba:123", "tatoeba:lecture", …
    split: str  # one of SPLITS

    @property
    def human_edited(self) -> bool:
        """False only for KorSTS's machine-translated training split (``korsts-*-mt``)."""
        return not self.source.split(":", 1)[0].endswith("-mt")


def group_of(source: str) -> str:
    """The group of a raw source name; ValueError for a source we do not know."""
    prefix = source.split(":", 1)[0]
    if source in ("kss", "jhe", "ntrex", "ud-pud"):
        return source
    if source == "global-asp":
        return "storybooks"
    if prefix == "tatoeba":
        return "tatoeba"
    if prefix in _CAPTION_PREFIXES:
        return "captions"
    if prefix in _NEWS_PREFIXES or source == "kepark-news":
        return "news"
    raise ValueError(
        f"unknown source {source!r}: expected one of kss, jhe, global-asp, ntrex, ud-pud, kepark-news, "
        f"{', '.join(p + ':*' for p in _CAPTION_PREFIXES + _NEWS_PREFIXES)}"
    )


def normalise(text: str) -> str:
    """The form sentences are compared in: NFKC, curly apostrophes straight, lower-cased, whitespace
    collapsed, trailing punctuation (``. ! ? … " )`` and the like) dropped."""
    text = " ".join(unicodedata.normalize("NFKC", text).replace("\u2019", "'").lower().split())
    end = len(text)
    while end and (unicodedata.category(text[end - 1]).startswith("P") or text[end - 1].isspace()):
        end -= 1
    return text[:end]


def _fraction(english: str) -> float:
    """sha1 of the normalised English as a number in [0, 1): the same on every machine and every run."""
    return int(hashlib.sha1(normalise(english).encode()).hexdigest(), 16) / 2**160


def split_of(english: str) -> str:
    """The hash bucket of an English sentence: "test", "val" or "train" (see the module's docstring for
    which rows actually take a held-out bucket)."""
    fraction = _fraction(english)
    return "test" if fraction < TEST_FRACTION else "val" if fraction < TEST_FRACTION + VAL_FRACTION else "train"


def read_pairs_tsv(path: Path = PAIRS_PATH) -> list[tuple[str, str, str]]:
    """(en, ko, source) of every row of pairs.tsv (a header line ``en ko source`` is skipped)."""
    path = Path(path)
    if not path.is_file():
        raise DataMissingError(
            f"the English–Korean pairs are not at {path}: expected a file of en<TAB>ko<TAB>source lines "
            "(../shared/data/enko-parallel/pairs.tsv), or pass its path"
        )
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or (number == 1 and line.split("\t")[:3] == ["en", "ko", "source"]):
            continue
        parts = [part.strip() for part in line.split("\t")]
        if len(parts) != 3 or not all(parts):
            raise ValueError(f"{path} line {number}: expected 'en<TAB>ko<TAB>source', got {line[:80]!r}")
        group_of(parts[2])  # an unknown source fails here, with its line
        rows.append((parts[0], parts[1], parts[2]))
    return rows


def _tatoeba_rows(folder: Path) -> list[tuple[str, str, str]]:
    """(en, ko, "tatoeba:<line of kor.txt>" or "tatoeba:lecture") through models/data/tatoeba's reader."""
    folder = Path(folder)
    if not (folder / "kor.txt").is_file():
        raise DataMissingError(
            f"the Tatoeba pairs are not at {folder / 'kor.txt'}: expected manythings.org/anki's kor.txt "
            "(assets/data/tatoeba-kor-eng or ../shared/data/tatoeba-kor-eng), or pass tatoeba=None"
        )
    return [(p.english, p.korean, f"tatoeba:{p.line or 'lecture'}") for p in tatoeba.read_pairs(folder)]


def _unique(rows: Iterable[tuple[str, str, str]]) -> list[tuple[str, str, str, str]]:
    """(en, ko, source, group) in the order of GROUPS, each normalised pair once."""
    order = {g: i for i, g in enumerate(GROUPS)}
    grouped = sorted(((en, ko, src, group_of(src)) for en, ko, src in rows), key=lambda r: order[r[3]])
    seen: set[tuple[str, str]] = set()
    out = []
    for row in grouped:
        key = (normalise(row[0]), normalise(row[1]))
        if key in seen or not all(key):
            continue
        seen.add(key)
        out.append(row)
    return out


def _everyday(group: str, source: str) -> bool:
    """Whether a row may be drawn into the everyday test and validation sets."""
    return group in EVERYDAY_TEST and (group != "captions" or not source.startswith("korsts-caption-mt"))


def read_enko(pairs_path: Path = PAIRS_PATH, tatoeba_dir: Path | None = TATOEBA_DIR) -> list[EnKoPair]:
    """Every unique pair of pairs.tsv and Tatoeba (``tatoeba_dir=None``: without it) with its group and split."""
    rows = read_pairs_tsv(pairs_path) + (_tatoeba_rows(tatoeba_dir) if tatoeba_dir is not None else [])
    rows = _unique(rows)
    ood_en = {normalise(en) for en, _, _, g in rows if g in OUT_OF_DOMAIN}
    ood_ko = {normalise(ko) for _, ko, _, g in rows if g in OUT_OF_DOMAIN}
    everyday = {normalise(en) for en, _, src, g in rows if _everyday(g, src)}
    lecture = {normalise(en) for en, _, src, _ in rows if src == "tatoeba:lecture"}

    def first_split(en: str, ko: str, source: str, group: str) -> str:
        key = normalise(en)
        if group in OUT_OF_DOMAIN:
            return "ood"
        if key in ood_en or normalise(ko) in ood_ko:
            return "excluded"
        if key not in everyday or key in lecture:
            return "train"
        bucket = split_of(en)
        return bucket if bucket == "train" or _everyday(group, source) else "excluded"

    splits = [first_split(*row) for row in rows]
    # ko→en: a held-out Korean sentence is never a training (or, for a test Korean, a validation) target
    test_ko = {normalise(r[1]) for r, s in zip(rows, splits, strict=True) if s == "test"}
    splits = ["excluded" if s == "val" and normalise(r[1]) in test_ko else s for r, s in zip(rows, splits, strict=True)]
    held_ko = test_ko | {normalise(r[1]) for r, s in zip(rows, splits, strict=True) if s == "val"}
    splits = [
        "excluded" if s == "train" and normalise(r[1]) in held_ko else s for r, s in zip(rows, splits, strict=True)
    ]
    return [EnKoPair(en, ko, g, src, s) for (en, ko, src, g), s in zip(rows, splits, strict=True)]


def reference_items(
    pairs: Sequence[EnKoPair], direction: str = "en-ko", split: str = "test"
) -> list[tuple[str, list[str]]]:
    """(source sentence, every reference translation of it), one entry per normalised source sentence of
    ``split``: what models/tasks/translation.evaluate_translation measures against."""
    if direction not in ("en-ko", "ko-en"):
        raise ValueError(f"direction is 'en-ko' or 'ko-en', not {direction!r}")
    first: dict[str, str] = {}
    refs: dict[str, dict[str, str]] = defaultdict(dict)
    for p in pairs:
        if p.split != split:
            continue
        src, tgt = (p.en, p.ko) if direction == "en-ko" else (p.ko, p.en)
        key = normalise(src)
        first.setdefault(key, src)
        refs[key].setdefault(normalise(tgt), tgt)
    return [(first[key], list(refs[key].values())) for key in first]


def references_of(pairs: Sequence[EnKoPair], sentence: str, direction: str = "en-ko", split: str = "test") -> list[str]:
    """Every reference translation of ``sentence`` (English for en-ko, Korean for ko-en) in ``split``,
    matched normalised; KeyError when the sentence is not in that split."""
    key = normalise(sentence)
    for src, refs in reference_items(pairs, direction, split):
        if normalise(src) == key:
            return refs
    raise KeyError(f"{sentence!r} is not a source sentence of the {split} split ({direction})")


def counts(pairs: Sequence[EnKoPair]) -> dict[str, dict[str, int]]:
    """Pairs per group and split: ``{group: {split: n, …, "all": n}}``."""
    table: dict[str, Counter] = {g: Counter() for g in GROUPS}
    for p in pairs:
        table[p.group][p.split] += 1
        table[p.group]["all"] += 1
    return {g: {s: c[s] for s in (*SPLITS, "all")} for g, c in table.items()}


def _print_counts(pairs: Sequence[EnKoPair]) -> None:
    table = counts(pairs)
    print(f"{'group':<12}" + "".join(f"{s:>10}" for s in (*SPLITS, "all")))
    for group, row in table.items():
        print(f"{group:<12}" + "".join(f"{row[s]:>10}" for s in (*SPLITS, "all")))
    total = {s: sum(row[s] for row in table.values()) for s in (*SPLITS, "all")}
    print(f"{'all':<12}" + "".join(f"{total[s]:>10}" for s in (*SPLITS, "all")))
    human = sum(p.split == "test" and p.group == "captions" and p.human_edited for p in pairs)
    sentences = {s: len(reference_items(pairs, "en-ko", s)) for s in ("test", "val")}
    print(
        f"test: {total['test']} pairs, {sentences['test']} English sentences ({human} human-edited captions); "
        f"val: {total['val']} pairs, {sentences['val']} English sentences"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Count the English–Korean pairs per group and split.")
    parser.add_argument("--pairs", type=Path, default=PAIRS_PATH)
    parser.add_argument("--tatoeba", type=Path, default=TATOEBA_DIR)
    args = parser.parse_args()
    _print_counts(read_enko(args.pairs, args.tatoeba))
