"""The class quiz: rounds drawn from the examples, clear steps asked about, guesses scored by rank."""

import numpy as np
import pytest

from app.logic import quiz


def test_a_round_draws_each_example_once_while_there_are_enough():
    examples = [f"e{i}" for i in range(12)]
    picked = quiz.pick_examples(examples, seed=1)
    assert len(picked) == quiz.QUESTIONS and len(set(picked)) == quiz.QUESTIONS
    assert picked == quiz.pick_examples(examples, seed=1)  # the same seed, the same round
    assert quiz.pick_examples(["a", "b"], seed=3, n=5).count("a") >= 2
    assert quiz.pick_examples([], seed=3) == []


def test_the_step_asked_about_has_a_clear_answer():
    weights = np.array([[0.3, 0.3, 0.4], [0.9, 0.05, 0.05], [0.34, 0.33, 0.33]])
    assert {quiz.pick_step(weights, seed) for seed in range(20)} == {1}
    flat = np.full((3, 4), 0.25)
    assert {quiz.pick_step(flat, seed) for seed in range(40)} == {0, 1, 2}
    with pytest.raises(ValueError):
        quiz.pick_step(np.zeros((0, 3)), 0)


@pytest.mark.parametrize(
    ("guess", "rank", "points"),
    [(2, 1, 2), (0, 2, 1), (3, 3, 1), (1, 4, 0)],
)
def test_a_guess_is_scored_by_its_rank(guess, rank, points):
    row = np.array([0.2, 0.05, 0.6, 0.15])
    s = quiz.score(row, guess)
    assert (s.rank, s.points, s.best) == (rank, points, 2)
    assert s.weight == pytest.approx(row[guess]) and s.best_weight == pytest.approx(0.6)
    assert s.in_top_k == (rank <= quiz.TOP_K)


def test_ties_share_the_better_rank():
    assert quiz.score(np.array([0.5, 0.5]), 1).rank == 1


def test_a_bad_guess_is_refused():
    with pytest.raises(ValueError):
        quiz.score(np.array([0.5, 0.5]), 2)


def test_a_round_counts_its_points_to_the_end():
    r = quiz.Round("date-additive", tuple(quiz.Question("x", i) for i in range(2)))
    assert r.current == 0 and not r.done and r.max_points == 4
    r = r.answered(quiz.score(np.array([1.0, 0.0]), 0)).answered(quiz.score(np.array([0.0, 0.3, 0.7]), 0))
    assert r.done and r.points == 3
    with pytest.raises(ValueError):
        r.answered(quiz.score(np.array([1.0]), 0))


# ----------------------------------------------------------------------------- /image: guessing a region


def test_a_region_guess_at_or_next_to_the_peak_earns_two_points():
    weights = np.full((6, 6), 0.01)
    weights[2, 3] = 1 - 0.01 * 35
    assert quiz.score_region(weights, 2, 3).points == 2 and quiz.score_region(weights, 2, 3).rank == 1
    assert quiz.score_region(weights, 3, 4).points == 2  # a neighbour of the peak
    far = quiz.score_region(weights, 5, 0)
    assert far.best == (2, 3) and not far.near_peak


def test_a_region_among_the_top_tenth_earns_one_point_and_the_rest_none():
    weights = np.arange(100, dtype=float)[::-1].reshape(10, 10)  # the most weight at (0, 0), falling row by row
    weights /= weights.sum()
    assert quiz.score_region(weights, 0, 5).rank == 6 and quiz.score_region(weights, 0, 5).points == 1
    assert quiz.score_region(weights, 9, 9).points == 0
    with pytest.raises(ValueError):
        quiz.score_region(weights, 10, 0)


def test_pick_word_asks_about_a_named_word_with_a_clear_peak():
    words = ["a", "river", "with", "trees"]
    maps = np.full((4, 4, 4), 1 / 16)
    maps[1] = 0.0
    maps[1, 0, 0] = 1.0  # "river" looks at one region
    assert {quiz.pick_word(maps, words, seed, skip=["a", "with"]) for seed in range(20)} == {1}
    assert {quiz.pick_word(maps, words, seed, skip=["a", "with", "river"]) for seed in range(20)} == {3}
