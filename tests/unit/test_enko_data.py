"""The English–Korean reader: sources grouped, pairs read once, a stable hash split that leaks nothing
held out into training (either direction), and references gathered per sentence."""

import re
from collections import Counter
from itertools import count

import pytest

from models.data.enko import (
    EVERYDAY_TEST,
    PAIRS_PATH,
    TEST_FRACTION,
    VAL_FRACTION,
    DataMissingError,
    EnKoPair,
    group_of,
    normalise,
    read_enko,
    reference_items,
    references_of,
    split_of,
)


def sentence_in(bucket: str, skip: int = 0) -> str:
    """The (skip+1)-th English sentence "Sentence number i." whose hash falls in ``bucket``."""
    found = (f"Sentence number {i}." for i in count() if split_of(f"Sentence number {i}.") == bucket)
    for _ in range(skip):
        next(found)
    return next(found)


TEST_A, TEST_B, TEST_C = (sentence_in("test", k) for k in range(3))
VAL_A = sentence_in("val")
TRAIN_A, TRAIN_B = sentence_in("train"), sentence_in("train", 1)


def write_data(tmp_path, rows, kor=(), extra=()):
    """pairs.tsv (with its header) and a Tatoeba folder (kor.txt, extra.tsv) in tmp_path."""
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("en\tko\tsource\n" + "".join(f"{en}\t{ko}\t{src}\n" for en, ko, src in rows), encoding="utf-8")
    folder = tmp_path / "tatoeba"
    folder.mkdir()
    (folder / "kor.txt").write_text("".join(f"{en}\t{ko}\tCC-BY 2.0 (France)\n" for en, ko in kor), encoding="utf-8")
    if extra:
        (folder / "extra.tsv").write_text("".join(f"{en}\t{ko}\tlecture\n" for en, ko in extra), encoding="utf-8")
    return pairs, folder


def by_english(pairs: list[EnKoPair]) -> dict[str, list[EnKoPair]]:
    out: dict[str, list[EnKoPair]] = {}
    for p in pairs:
        out.setdefault(p.en, []).append(p)
    return out


def assert_leak_free(pairs: list[EnKoPair]) -> None:
    """No held-out English or Korean sentence (test, val, ood) is a training sentence; test and val are disjoint."""
    sides = {
        split: (
            {normalise(p.en) for p in pairs if p.split == split},
            {normalise(p.ko) for p in pairs if p.split == split},
        )
        for split in ("train", "val", "test", "ood")
    }
    for held in ("val", "test", "ood"):
        assert not sides[held][0] & sides["train"][0], f"{held} English in train"
        assert not sides[held][1] & sides["train"][1], f"{held} Korean in train"
    assert not sides["test"][0] & sides["val"][0] and not sides["test"][1] & sides["val"][1]


def test_every_source_falls_into_its_group():
    assert [group_of(s) for s in ("kss", "jhe", "global-asp", "ntrex", "ud-pud", "tatoeba:12")] == [
        "kss",
        "jhe",
        "storybooks",
        "ntrex",
        "ud-pud",
        "tatoeba",
    ]
    assert {group_of(s) for s in ("korsts-caption-human:images", "korsts-caption-mt:MSRvid")} == {"captions"}
    news = ("korsts-news-human:headlines", "korsts-news-mt:MSRpar", "korsts-forum-mt:deft-forum", "kepark-news")
    assert {group_of(s) for s in news} == {"news"}
    with pytest.raises(ValueError, match="unknown source 'wikipedia'"):
        group_of("wikipedia")


def test_human_edited_captions_are_told_from_machine_translated_ones(tmp_path):
    rows = [
        ("A dog runs.", "개가 달린다.", "korsts-caption-human:images"),
        ("A cat sits.", "고양이가 앉아 있다.", "korsts-caption-mt:images"),
    ]
    pairs = read_enko(*write_data(tmp_path, rows))
    assert {p.en: (p.group, p.human_edited) for p in pairs} == {
        "A dog runs.": ("captions", True),
        "A cat sits.": ("captions", False),
    }


def test_normalised_form_ignores_case_spacing_and_trailing_punctuation():
    assert normalise("  Where is   the STATION?! ") == normalise("where is the station") == "where is the station"
    assert normalise("I’m hungry…") == "i'm hungry"
    assert normalise("역이 어디예요?") == normalise("역이  어디예요") == "역이 어디예요"
    assert normalise("U.S.A.") == "u.s.a"  # only trailing punctuation goes


def test_a_pair_in_tatoeba_and_in_kss_is_read_once(tmp_path):
    rows = [
        ("where is the  station", "역이 어디예요", "kss"),  # Tatoeba's pair, written differently
        ("Where is the station?", "역은 어디에 있어요?", "kss"),  # another translation: a second reference
        ("Thank you.", "고마워요.", "kss"),
        ("Thank you!", "고마워요!", "jhe"),  # the same pair again, in another source
    ]
    pairs = read_enko(*write_data(tmp_path, rows, kor=[("Where is the station?", "역이 어디예요?")]))
    assert sorted((p.en, p.ko, p.group) for p in pairs) == [
        ("Thank you.", "고마워요.", "kss"),
        ("Where is the station?", "역은 어디에 있어요?", "kss"),
        ("Where is the station?", "역이 어디예요?", "tatoeba"),
    ]
    assert {p.source for p in pairs if p.group == "tatoeba"} == {"tatoeba:1"}


def test_the_split_is_a_stable_hash_of_the_normalised_english():
    assert split_of("I love you.") == split_of("i love you!") == split_of("  I LOVE   you ") == "train"
    assert [split_of(s) for s in (TEST_A, VAL_A, TRAIN_A)] == ["test", "val", "train"]
    buckets = Counter(split_of(f"Sentence number {i}.") for i in range(20_000))
    assert buckets["test"] / 20_000 == pytest.approx(TEST_FRACTION, abs=0.005)
    assert buckets["val"] / 20_000 == pytest.approx(VAL_FRACTION, abs=0.005)


def test_every_reference_of_a_held_out_english_is_held_out_with_it(tmp_path):
    rows = [
        (TEST_A, "테스트 하나", "kss"),
        (TEST_A.upper(), "테스트 일", "korsts-caption-human:images"),
        (TEST_A.rstrip("."), "기계 번역 하나", "korsts-caption-mt:images"),  # machine-translated: set aside
        (TEST_A, "뉴스 하나", "kepark-news"),  # not an everyday source: set aside, never trained on
        (VAL_A, "검증 하나", "kss"),
        (VAL_A, "검증 일", "global-asp"),
        (TRAIN_A, "훈련 하나", "kss"),
        (TRAIN_A, "훈련 일", "jhe"),
        (TEST_B, "뉴스 둘", "korsts-news-mt:headlines"),  # in the test bucket, but no everyday source has it
    ]
    pairs = read_enko(*write_data(tmp_path, rows, kor=[(TEST_A, "테스트 하나 더")]))
    splits = {en: sorted((p.group, p.split) for p in ps) for en, ps in by_english(pairs).items()}
    assert {p.split for p in pairs if normalise(p.en) == normalise(TEST_A)} == {"test", "excluded"}
    assert sorted((p.ko, p.split) for p in pairs if normalise(p.en) == normalise(TEST_A)) == [
        ("기계 번역 하나", "excluded"),
        ("뉴스 하나", "excluded"),
        ("테스트 일", "test"),
        ("테스트 하나", "test"),
        ("테스트 하나 더", "test"),
    ]
    assert splits[VAL_A] == [("kss", "val"), ("storybooks", "excluded")]
    assert splits[TRAIN_A] == [("jhe", "train"), ("kss", "train")]
    assert splits[TEST_B] == [("news", "train")]
    assert_leak_free(pairs)


def test_a_held_out_korean_sentence_is_never_a_training_target(tmp_path):
    rows = [
        (TEST_A, "고마워.", "kss"),
        (TRAIN_A, "고마워!", "kss"),  # the test Korean, as the translation of a training English: set aside
        (VAL_A, "배고파.", "kss"),
        (TRAIN_B, "배고파", "jhe"),  # the val Korean
        (TEST_B, "역이 어디예요?", "kss"),
        (VAL_A, "역이 어디예요", "kss"),  # a test Korean in val: set aside
    ]
    pairs = read_enko(write_data(tmp_path, rows)[0], tatoeba_dir=None)
    assert {(p.en, p.ko): p.split for p in pairs} == {
        (TEST_A, "고마워."): "test",
        (TRAIN_A, "고마워!"): "excluded",
        (VAL_A, "배고파."): "val",
        (TRAIN_B, "배고파"): "excluded",
        (TEST_B, "역이 어디예요?"): "test",
        (VAL_A, "역이 어디예요"): "excluded",
    }
    assert_leak_free(pairs)


def test_ntrex_and_ud_pud_are_out_of_domain_tests_only(tmp_path):
    rows = [
        (TRAIN_A, "뉴스 번역", "ntrex"),
        (TEST_A, "위키 문장", "ud-pud"),
        (TRAIN_A, "다른 번역", "kss"),  # an ntrex English: never trained on
        (TRAIN_B, "위키 문장", "korsts-news-human:headlines"),  # a ud-pud Korean: never trained on
        ("A plain news line.", "평범한 뉴스.", "kepark-news"),
    ]
    pairs = read_enko(*write_data(tmp_path, rows, kor=[(TRAIN_A, "뉴스 번역")]))  # Tatoeba repeats ntrex's pair
    assert sorted((p.group, p.split) for p in pairs) == [
        ("kss", "excluded"),
        ("news", "excluded"),
        ("news", "train"),
        ("ntrex", "ood"),
        ("ud-pud", "ood"),
    ]
    assert_leak_free(pairs)


def test_the_lecture_examples_stay_in_training(tmp_path):
    pairs = read_enko(*write_data(tmp_path, [(TEST_A, "수업 예문", "kss")], extra=[(TEST_A, "수업의 예문")]))
    assert {p.source: p.split for p in pairs} == {"tatoeba:lecture": "train", "kss": "train"}


def test_references_gather_every_translation_of_a_test_sentence(tmp_path):
    rows = [
        (TEST_A, "테스트 하나", "kss"),
        (TEST_A.lower(), "테스트 일", "korsts-caption-human:MSRvid"),
        (TEST_B, "테스트 하나!", "kss"),  # the same Korean as TEST_A's first reference
        (TRAIN_A, "훈련", "kss"),
    ]
    pairs = read_enko(*write_data(tmp_path, rows, kor=[(TEST_C, "셋")]))
    assert references_of(pairs, TEST_A) == ["테스트 하나", "테스트 일"]
    assert references_of(pairs, TEST_A.upper().rstrip(".")) == ["테스트 하나", "테스트 일"]
    assert references_of(pairs, "테스트 하나", direction="ko-en") == [TEST_A, TEST_B]
    items = reference_items(pairs, "en-ko", "test")
    assert sorted(items) == sorted(
        [(TEST_A, ["테스트 하나", "테스트 일"]), (TEST_B, ["테스트 하나!"]), (TEST_C, ["셋"])]
    )
    with pytest.raises(KeyError, match="not a source sentence of the test split"):
        references_of(pairs, TRAIN_A)
    assert references_of(pairs, TRAIN_A, split="train") == ["훈련"]


def test_missing_or_malformed_files_say_which_file(tmp_path):
    missing = tmp_path / "nowhere" / "pairs.tsv"
    with pytest.raises(DataMissingError, match=re.escape(str(missing))):
        read_enko(missing, tatoeba_dir=None)
    pairs, _ = write_data(tmp_path, [("Hi.", "안녕.", "kss")])
    with pytest.raises(DataMissingError, match=re.escape(str(tmp_path / "no-tatoeba" / "kor.txt"))):
        read_enko(pairs, tatoeba_dir=tmp_path / "no-tatoeba")
    pairs.write_text("en\tko\tsource\nHi.\t안녕.\tkss\nonly one column\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"pairs.tsv line 3: expected 'en<TAB>ko<TAB>source'"):
        read_enko(pairs, tatoeba_dir=None)
    pairs.write_text("Hi.\t안녕.\tsomewhere-else\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown source 'somewhere-else'"):
        read_enko(pairs, tatoeba_dir=None)


@pytest.mark.skipif(not PAIRS_PATH.is_file(), reason=f"{PAIRS_PATH} is not here")
def test_the_real_pairs_give_a_leak_free_everyday_test_set():
    pairs = read_enko()
    assert_leak_free(pairs)
    test = [p for p in pairs if p.split == "test"]
    assert len(test) >= 600
    assert {p.group for p in test} == set(EVERYDAY_TEST) and all(p.human_edited for p in test)
    assert {p.group for p in pairs if p.split == "val"} <= set(EVERYDAY_TEST)
    assert {p.group for p in pairs if p.split == "ood"} == {"ntrex", "ud-pud"}
    assert all(p.split == "ood" for p in pairs if p.group in ("ntrex", "ud-pud"))
    assert len({(normalise(p.en), normalise(p.ko)) for p in pairs}) == len(pairs)
    assert references_of(pairs, "I love you.", split="train")
