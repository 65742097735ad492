"""The class round as data (app/classroom/rounds.py): questions checked and stored, answers checked and scored,
join codes and tokens, the class's tally."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from app.classroom import rounds
from app.logic import quiz

TOKENS = list("TUESDAY 1984")
TARGET = list("1984-09-25")


def text_q(step: int = 0) -> rounds.Question:
    weights = np.full((len(TARGET), len(TOKENS)), 0.01)
    weights[:, 8] = 1.0  # every step looks at "1"
    return rounds.text_question(TOKENS, TARGET, weights / weights.sum(1, keepdims=True), step, model="date-additive")


def image_q() -> rounds.Question:
    maps = np.full((3, 4, 4), 1.0)
    maps[1, 2, 3] = 30.0
    return rounds.image_question(["a", "red", "circle"], maps, 1, Image.new("RGB", (32, 32), "white"))


def test_a_text_question_is_one_attention_row_over_the_input():
    q = text_q(3)
    assert q.kind == "text" and q.asked == "4" and q.step == 3 and q.written == tuple("1984")
    assert q.attention.shape == (len(TOKENS),) and q.choices == len(TOKENS)
    assert q.attention.sum() == pytest.approx(1.0)


def test_questions_survive_their_stored_form():
    for q in (text_q(2), image_q()):
        back = rounds.Question.from_json(q.to_json())
        assert back.kind == q.kind and back.written == q.written and back.tokens == q.tokens
        assert back.image_png == q.image_png and back.model == q.model
        np.testing.assert_allclose(back.attention, q.attention, atol=1e-6)


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "{}",
        '{"kind": "sql", "attention": [1], "written": ["a"], "tokens": ["x"]}',
        '{"kind": "text", "attention": [1, 2], "written": ["a"], "tokens": ["x"]}',  # 2 weights, 1 token
        '{"kind": "text", "attention": [-1], "written": ["a"], "tokens": ["x"]}',
        '{"kind": "text", "attention": [0], "written": ["a"], "tokens": ["x"]}',
        '{"kind": "text", "attention": [1], "written": [], "tokens": ["x"]}',
        '{"kind": "image", "attention": [[1]], "written": ["a"], "image_png": "aGVsbG8="}',  # not a PNG
        '{"kind": "image", "attention": [1, 2], "written": ["a"]}',
    ],
)
def test_a_broken_stored_question_is_refused_with_a_reason(body):
    with pytest.raises(ValueError):
        rounds.Question.from_json(body)


def test_join_codes_are_six_symbols_of_a_large_alphabet_without_look_alikes():
    codes = {rounds.new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == rounds.CODE_LENGTH == 6 and set(c) <= set(rounds.CODE_ALPHABET) for c in codes)
    assert len(rounds.CODE_ALPHABET) >= 30 and not set("0O1IL") & set(rounds.CODE_ALPHABET)


@pytest.mark.parametrize(
    ("raw", "want"),
    [("abc234", "ABC234"), (" ab c-23 4 ", "ABC234"), ("ABC23", None), ("ABC2345", None), ("ABCD0O", None)],
)
def test_a_typed_code_is_tidied_or_refused(raw, want):
    assert rounds.clean_code(raw) == want


@pytest.mark.parametrize("raw", [None, 7, ["ABC234"], "'; DROP TABLE al_rounds; --", "<script>", "Ａ" * 6, "x" * 5000])
def test_a_hostile_code_is_refused(raw):
    assert rounds.clean_code(raw) is None


def test_teacher_tokens_are_random_and_compared_by_their_hash():
    token = rounds.new_token()
    assert len(token) >= 32 and rounds.new_token() != token
    stored = rounds.token_hash(token)
    assert token not in stored
    assert rounds.same_token(token, stored)
    assert not rounds.same_token(rounds.new_token(), stored)
    assert not rounds.same_token(None, stored) and not rounds.same_token("short", stored)


@pytest.mark.parametrize("raw", [0, 11, "0", "11"])
def test_a_text_answer_is_a_token_index_in_range(raw):
    assert rounds.parse_answer(text_q(), raw) == int(raw)


@pytest.mark.parametrize("raw", [-1, 12, "12", "-1", "1e3", " 3", True, 2.0, None, (1, 2), "3,4", "9" * 10])
def test_a_text_answer_out_of_range_or_of_the_wrong_type_is_refused(raw):
    assert rounds.parse_answer(text_q(), raw) is None


@pytest.mark.parametrize(("raw", "want"), [((2, 3), (2, 3)), ("0,0", (0, 0)), ([3, 3], (3, 3))])
def test_an_image_answer_is_a_region_on_the_grid(raw, want):
    assert rounds.parse_answer(image_q(), raw) == want


@pytest.mark.parametrize("raw", [(4, 0), (0, 4), (-1, 0), "4,0", 3, (True, 1), "1,2,3", ""])
def test_an_image_answer_off_the_grid_is_refused(raw):
    assert rounds.parse_answer(image_q(), raw) is None


def test_points_are_the_quizs():
    q = text_q()
    assert rounds.points(q, 8) == quiz.MAX_POINTS == quiz.score(q.attention, 8).points
    assert rounds.points(q, 0) == quiz.score(q.attention, 0).points
    img = image_q()
    assert rounds.points(img, (2, 3)) == 2 and rounds.points(img, (1, 2)) == 2  # the peak and its neighbour
    assert rounds.points(img, (0, 0)) == quiz.score_region(img.attention, 0, 0).points


def test_the_tally_counts_each_pick_and_the_spread_each_score():
    q, img = text_q(), image_q()
    counts = rounds.tally(q, [8, 8, 0])
    assert counts.shape == q.attention.shape and counts[8] == 2 and counts[0] == 1 and counts.sum() == 3
    assert rounds.tally(img, [(2, 3), (2, 3)])[2, 3] == 2
    assert rounds.spread([2, 2, 0, 1]) == {0: 1, 1: 1, 2: 2}
    assert rounds.mean_points([2, 1]) == 1.5
    assert np.isnan(rounds.mean_points([]))


def test_encoded_answers_parse_back():
    assert rounds.parse_answer(text_q(), rounds.encode_answer(5)) == 5
    assert rounds.parse_answer(image_q(), rounds.encode_answer((1, 2))) == (1, 2)


def test_the_reveal_charts_are_valid_vega_lite_with_both_series():
    import altair as alt

    from app.classroom import charts

    q = text_q()
    counts = rounds.tally(q, [8, 8, 0])
    spec = charts.compare_bars(q, counts, model="model", klass="class", x_title="input", y_title="share")
    alt.Chart.from_dict(spec)  # validates against the Vega-Lite schema
    values = spec["data"]["values"]
    assert len(values) == 2 * len(TOKENS)
    assert max(v["value"] for v in values if v["series"] == "class") == pytest.approx(2 / 3)
    alt.Chart.from_dict(charts.spread_bars(rounds.spread([2, 0]), x_title="points", y_title="answers"))


def test_the_picture_to_tap_names_its_regions_and_frames_the_pick():
    from app.classroom import charts

    q = image_q()
    plain, framed = charts.grid_picture(q, None, width=200), charts.grid_picture(q, (2, 3), width=200)
    assert plain.size == framed.size == (200, 200)
    assert framed.getpixel((175, 125)) != plain.getpixel((175, 125)) or framed.getpixel((151, 101)) != plain.getpixel(
        (151, 101)
    )
    assert [charts.column_label(c) for c in (0, 1, 25, 26)] == ["A", "B", "Z", "AA"]
    assert charts.class_map(q, rounds.tally(q, [(2, 3)])).size == (64, 64)
