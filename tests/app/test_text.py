"""/text under AppTest: typical inputs, every model, beams, and bad inputs that must become messages."""

import json
import shutil

import pytest
import streamlit as st

from models import registry
from tests.app.conftest import assert_clean, open_app


def texts(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def typed(value: str, lang: str = "en"):
    at = open_app("text", lang=lang)
    at.text_input(key="text_input_date").set_value(value).run()
    return at


@pytest.mark.parametrize(
    ("date", "iso"),
    [("september 27, 1994", "1994-09-27"), ("2/10/93", "1993-02-10"), ("2026년 3월 5일 목요일", "2026-03-05")],
)
def test_typed_date_is_rewritten_in_iso_form(date, iso):
    at = typed(date)
    assert_clean(at)
    assert not at.error
    assert f">{iso}<" in texts(at)


def test_first_paint_shows_the_default_example_and_its_heatmap():
    at = open_app("text")
    assert_clean(at)
    assert ">1994-09-27<" in texts(at)
    assert at.get("plotly_chart"), "no heatmap"


def test_korean_interface():
    at = typed("1999년 12월 31일", lang="ko")
    assert_clean(at)
    assert ">1999-12-31<" in texts(at)
    assert "정렬 히트맵" in [tab.label for tab in at.tabs]


@pytest.mark.parametrize("name", ["date-dot", "date-general", "date-scaled-dot", "date-none"])
def test_every_model_can_be_picked(name):
    at = open_app("text")
    at.selectbox(key="text_model_date").set_value(name).run()
    assert_clean(at)
    assert ">1994-09-27<" in texts(at)
    if name == "date-none":
        assert at.info, "the baseline should say it has no attention"


def test_wider_beams_list_their_candidates():
    at = open_app("text")
    at.session_state["text_tab"] = "Beams"  # only the open tab runs
    at.slider(key="text_beam").set_value(4).run()
    assert_clean(at)
    table = at.dataframe[0].value
    assert len(table) == 4
    assert table.iloc[0, 1] == "1994-09-27"


def test_step_slider_moves_through_the_output():
    at = open_app("text")
    at.session_state["text_tab"] = "Step by step"  # only the open tab runs
    at.run()
    at.slider(key="text_steps_step").set_value(3).run()
    assert_clean(at)
    assert "Step **3** of 10" in texts(at)


def test_empty_input_asks_for_a_date():
    at = typed("   ")
    assert_clean(at)
    assert any("Type a date" in i.value for i in at.info)
    assert not at.get("plotly_chart")


def test_too_long_input_names_the_limit():
    at = typed("march " * 20)
    assert_clean(at, errors=True)
    assert "at most 40" in at.error[0].value


def test_unknown_characters_are_named_and_can_be_removed():
    at = typed("march 5, 2026 ☃!")
    assert_clean(at, errors=True)
    message = at.error[0].value
    assert "“☃”" in message and "“!”" in message
    at.button(key="text_clean").click().run()
    assert_clean(at)
    assert at.text_input(key="text_input_date").value == "march 5, 2026"
    assert ">2026-03-05<" in texts(at)


def test_invisible_characters_are_described():
    at = typed("march\u200b 5, 2026")
    assert "U+200B" in at.error[0].value


def test_huge_paste_is_refused_without_a_crash():
    at = typed("1" * 100_000)
    assert_clean(at, errors=True)
    assert at.error


def test_a_corrupt_checkpoint_becomes_a_message(tmp_path, monkeypatch):
    shutil.copy(registry.ASSETS_DIR / "date-dot.json", tmp_path / "date-broken.json")
    card = json.loads((tmp_path / "date-broken.json").read_text())
    card["name"] = "date-broken"
    (tmp_path / "date-broken.json").write_text(json.dumps(card))
    (tmp_path / "date-broken.safetensors").write_bytes(b"\0" * 100)
    monkeypatch.setenv(registry.EXTRA_MODELS_ENV, str(tmp_path))
    st.cache_resource.clear()  # the catalog is cached per server
    try:
        at = open_app("text")
        at.selectbox(key="text_model_date").set_value("date-broken").run()
        assert_clean(at, errors=True)
        assert "could not be loaded" in at.error[0].value
        assert "truncated" in at.error[0].value
    finally:
        monkeypatch.delenv(registry.EXTRA_MODELS_ENV)
        st.cache_resource.clear()


def test_translation_task_with_credit_and_joined_words():
    at = open_app("text")
    at.segmented_control(key="text_task").set_value("en-ko").run()
    assert_clean(at)
    assert any("tatoeba.org" in c.value for c in at.caption)
    at.text_input(key="text_input_en-ko").set_value("I love you.").run()
    assert_clean(at)
    assert "사랑해" in texts(at)
    at.toggle(key="text_join").set_value(True).run()
    assert_clean(at)
    assert at.get("plotly_chart")


def test_translation_of_uncovered_characters_is_a_note_not_a_crash():
    at = open_app("text")
    at.segmented_control(key="text_task").set_value("en-ko").run()
    at.text_input(key="text_input_en-ko").set_value("I love ☃.").run()
    assert_clean(at)
    assert at.warning and "☃" in at.warning[0].value
