"""/experiments under AppTest: the shipped results, one input through both models, and the live panel."""

import pytest

from app.i18n import t
from tests.app.conftest import assert_clean, open_app


def test_results_chart_and_summary():
    at = open_app("experiments")
    assert_clean(at)
    assert at.get("vega_lite_chart") or at.get("arrow_vega_lite_chart")
    assert len(at.metric) >= 2


def test_a_long_input_through_both_models():
    at = open_app("experiments")
    typed = "qkzdwmnpqrstuwxzabcdefghkmnpqrstuwxzabcdefghk"  # 45 symbols: 1.5 L, the longest the models read
    at.text_input(key="exp_input").set_value(typed).run()
    assert_clean(at)
    assert not at.error
    assert any("right answer" in m.value for m in at.markdown)
    assert any(typed[::-1] in m.value for m in at.markdown), "the reversed input, shown as the right answer"
    assert at.get("plotly_chart"), "the attention model's heatmap"


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_unknown_symbols_are_named(lang):
    """Only l and o are outside the 20 symbols; the message names them (not the date models' alphabet)."""
    at = open_app("experiments", lang=lang)
    at.text_input(key="exp_input").set_value("hello world").run()
    assert_clean(at, errors=True)
    assert [e.value for e in at.error] == [t("exp.unknown_symbols", lang=lang, symbols="lo")]


def test_copy_task_and_token_metric():
    at = open_app("experiments")
    at.segmented_control(key="exp_task").set_value("copy").run()
    assert_clean(at)
    at.segmented_control(key="exp_task").set_value("reverse").run()
    at.radio(key="exp_metric").set_value("token").run()
    assert_clean(at)


def test_live_panel_is_ready_to_start():
    at = open_app("experiments")
    assert_clean(at)
    assert not at.button(key="exp_live_start").disabled
    assert at.button(key="exp_live_stop").disabled


def test_korean():
    at = open_app("experiments", lang="ko")
    assert_clean(at)
    assert "병목" in at.title[0].value
