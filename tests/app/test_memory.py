"""/memory under AppTest: a pattern through the NTM and its LSTM baseline, the heads' maps, the addressing
pipeline, the what-if read, and bad patterns as messages."""

import pytest

from app.i18n import t
from tests.app.conftest import assert_clean, open_app


@pytest.fixture(scope="module")
def page():
    at = open_app("memory")
    assert_clean(at)
    return at


def test_the_page_draws_the_copies_heads_memory_and_pipeline(page):
    charts = page.get("plotly_chart")
    # target, NTM copy, LSTM copy, write map, read map, memory, pipeline, shift, forced copy
    assert len(charts) >= 9, len(charts)
    assert any(t("memory.attention_title") in h.value for h in page.subheader)
    assert page.slider(key="mem_step").value == 13  # L + 1: the first output step of the default 12-vector pattern


def test_a_typed_pattern_is_copied_by_both_models(page):
    page.text_area(key="mem_input").set_value("10110010 01100111 11110000").run()
    assert_clean(page)
    assert page.slider(key="mem_step").max == 6  # 2L + 1 steps, numbered from 0
    page.slider(key="mem_step").set_value(2).run()
    page.segmented_control(key="mem_head").set_value("write").run()
    assert_clean(page)
    assert any("e (" in c.value or "e(" in c.value for c in page.caption)  # the erase/add line of the write head


def test_the_what_if_read_reports_the_change(page):
    page.text_area(key="mem_input").set_value(" ".join(["10101010", "01010101", "11001100", "00110011"])).run()
    page.number_input(key="mem_force_row").set_value(3).run()
    assert_clean(page)
    assert any("row **3**" in m.value for m in page.markdown)


def test_a_long_pattern_runs(page):
    page.slider(key="mem_length").set_value(60).run()
    page.button(key="mem_generate").click().run()
    assert_clean(page)
    assert page.slider(key="mem_step").max == 120


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize(
    "typed, key, values",
    [
        ("", "memory.error_empty", {}),
        ("1011001x", "memory.error_not_bits", {"detail": "x"}),
        ("101 11110000", "memory.error_row_width", {"row": "1", "width": "3", "bits": 8}),
        (" ".join(["10101010"] * 61), "memory.error_too_long", {"detail": "61", "limit": 60}),
    ],
)
def test_bad_patterns_get_a_message_not_a_traceback(lang, typed, key, values):
    at = open_app("memory", lang=lang)
    at.text_area(key="mem_input").set_value(typed).run()
    assert_clean(at, errors=True)
    assert [e.value for e in at.error] == [t(key, lang=lang, **values)]


def test_korean():
    at = open_app("memory", lang="ko")
    assert_clean(at)
    assert "메모리" in at.title[0].value
