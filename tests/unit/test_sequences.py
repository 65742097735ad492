"""The sequence tasks of the bottleneck experiment."""

import pytest

from models.data.sequences import SYMBOLS, SequenceGenerator, target_of, token_accuracy


def test_targets():
    assert target_of("reverse", "qkzdw") == "wdzkq"
    assert target_of("copy", "qkzdw") == "QKZDW"
    with pytest.raises(ValueError, match="unknown task"):
        target_of("sort", "abc")


def test_lengths_and_symbols():
    gen = SequenceGenerator("reverse", 5, 60, seed=1)
    examples = gen.samples(2000)
    lengths = {e.length for e in examples}
    assert min(lengths) == 5 and max(lengths) == 60
    assert set("".join(e.source for e in examples)) == set(SYMBOLS)
    assert all(e.target == e.source[::-1] for e in examples)
    assert {e.length for e in gen.samples(10, length=33)} == {33}


def test_same_seed_same_sequences():
    assert SequenceGenerator(seed=3).samples(20) == SequenceGenerator(seed=3).samples(20)


def test_token_accuracy_counts_missing_and_extra_symbols_as_wrong():
    assert token_accuracy("abcd", "abcd") == 1.0
    assert token_accuracy("abxd", "abcd") == 0.75
    assert token_accuracy("ab", "abcd") == 0.5
    assert token_accuracy("abcdef", "abcd") == pytest.approx(4 / 6)
    assert token_accuracy("", "") == 1.0
