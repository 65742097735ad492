"""The Tatoeba pairs: the recorded split keeps every English sentence on one side; the tokenizers round-trip."""

from collections import defaultdict

from models.data.tatoeba import DATA_DIR, read_pairs, split_of
from models.seq2seq import word_ids
from models.tokenizers import PieceTokenizer, train_sentencepiece


def test_no_english_sentence_is_on_two_sides_of_the_split():
    sides = defaultdict(set)
    for p in read_pairs():
        sides[" ".join(p.english.lower().split())].add(p.split)
    assert all(len(s) == 1 for s in sides.values())


def test_recorded_split_is_complete_and_matches_the_rule():
    lines = (DATA_DIR / "splits.tsv").read_text().splitlines()
    corpus = list(read_pairs(extra=False))
    assert len(lines) == len(corpus) == 5749
    for p in corpus:
        assert p.split == split_of(p.english)
    counts = {s: sum(p.split == s for p in corpus) for s in ("train", "val", "test")}
    assert counts["train"] > 0.85 * len(corpus) and counts["test"] > 200 and counts["val"] > 200


def test_lecture_examples_are_training_only():
    extra = [p for p in read_pairs() if p.line == 0]
    assert extra and all(p.split == "train" for p in extra)
    assert any(p.english == "I love you." for p in extra)


def test_sentencepiece_round_trip_and_word_ids(tmp_path):
    pairs = [p for p in read_pairs() if p.split == "train"]
    tok = PieceTokenizer(train_sentencepiece([p.english for p in pairs], tmp_path / "en.spm", 500))
    ko = PieceTokenizer(train_sentencepiece([p.korean for p in pairs], tmp_path / "ko.spm", 1500))
    for sentence in ["I love you.", "Where is the station?", "Tom doesn't like cheese."]:
        assert tok.decode(tok.encode(sentence)) == sentence
    for sentence in ["나는 널 사랑해.", "역이 어디예요?"]:
        assert ko.decode(ko.encode(sentence)) == sentence
    pieces = tok.encode("I love unbelievable things.")
    ids = word_ids(pieces)
    assert ids[0] == 0 and ids[-1] == 3 and ids == sorted(ids)
    assert tok.uncovered("I love ☃ snow") == ["☃"]
    assert tok.label("▁love") == "love" and tok.label("s") == "·s"
