"""Caption metrics: phrases, object scores, pointing game and attention mass, BLEU from sacrebleu."""

import numpy as np
import pytest

from models import metrics


def test_object_phrases_and_word_objects():
    words = ["a", "small", "red", "circle", ",", "a", "large", "blue", "square", "and", "a", "small", "green", "star"]
    assert metrics.object_phrases(words) == [
        (3, ("small", "red", "circle")),
        (8, ("large", "blue", "square")),
        (13, ("small", "green", "star")),
    ]
    truth = [("small", "red", "circle"), ("large", "blue", "square"), ("small", "green", "triangle")]
    assert metrics.word_objects(words, truth) == [None, 0, 0, 0, None, None, 1, 1, 1, None, None, None, None, None]


def test_object_scores_count_matching_triples():
    predicted = [("small", "red", "circle"), ("small", "red", "circle"), ("large", "blue", "star")]
    truth = [("small", "red", "circle"), ("large", "blue", "square")]
    assert metrics.object_scores(predicted, truth) == (1, 3, 2)


def test_pointing_game_and_attention_mass():
    grid = np.zeros((4, 4))
    grid[1, 2] = 1.0  # all attention on row 1, column 2 of a 4 x 4 grid over a 64 px image
    up = metrics.upsample(grid, 64)
    assert up.sum() == pytest.approx(1.0)
    assert metrics.peak_in_box(up, (32, 16, 48, 32), tolerance=0)  # the cell's own 16 px square
    assert not metrics.peak_in_box(up, (0, 40, 16, 64), tolerance=0)
    assert metrics.peak_in_box(up, (0, 36, 30, 64), tolerance=16)  # within the tolerance
    assert metrics.mass_in_box(up, (0, 0, 64, 64)) == pytest.approx(1.0)
    inside = metrics.mass_in_box(up, (32, 16, 48, 32))
    assert 0.3 < inside < 1.0  # bilinear spreading leaks some mass to the neighbours


def test_bleu4_is_100_for_identical_and_lower_otherwise():
    refs = [["a small red circle"], ["a large blue square and a small green star"]]
    perfect = metrics.bleu4(["a small red circle", "a large blue square and a small green star"], refs)
    assert perfect == pytest.approx(100.0)
    assert metrics.bleu4(["a small red circle", "a large blue star and a small green star"], refs) < 100.0
