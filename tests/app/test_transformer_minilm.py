"""/transformer with MiniLM under AppTest: the picker, a sentence in every view, two sentences, bad inputs, Korean."""

from __future__ import annotations

import pytest

from tests.app.conftest import assert_clean, open_app


def open_minilm(lang: str = "en"):
    at = open_app("transformer", lang=lang)
    at.segmented_control(key="tf_model").set_value("minilm").run()
    assert_clean(at)
    return at


def test_the_picker_opens_minilm_on_its_first_example():
    at = open_minilm()
    assert "MiniLM" in at.title[0].value
    assert any("[CLS]" in c.value and "[SEP]" in c.value for c in at.code)
    assert len(at.get("plotly_chart")) == 1  # the grid of 72 heads, one figure


def test_the_picker_goes_back_to_the_date_model():
    at = open_minilm()
    at.segmented_control(key="tf_model").set_value("date").run()
    assert_clean(at)
    assert "1984-09-25" in "".join(m.value for m in at.markdown)


@pytest.mark.parametrize("view", ["grid", "one", "lines", "rollout", "steps", "patterns"])
def test_a_typed_sentence_in_every_view(view):
    at = open_minilm()
    at.text_input(key="ml_text").set_value("The dog chased the other dog, and it barked.").run()
    at.segmented_control(key="ml_view").set_value(view).run()
    assert_clean(at)
    assert at.get("plotly_chart") or at.get("arrow_vega_lite_chart") or at.table
    if view == "steps":
        assert any("of this head's map" in s.value for s in at.success)


def test_show_me_a_head_opens_the_strongest_one():
    at = open_minilm()
    at.segmented_control(key="ml_view").set_value("patterns").run()
    at.button(key="ml_show_previous").click().run()
    assert_clean(at)
    assert at.segmented_control(key="ml_view").value == "one"


def test_two_sentences_show_attention_across_and_similarity():
    at = open_minilm()
    at.segmented_control(key="ml_mode").set_value("two").run()
    at.segmented_control(key="ml_view").set_value("pair").run()
    assert_clean(at)
    assert any("similarity" in m.label.lower() for m in at.metric)
    assert sum(c.value.count("[SEP]") for c in at.code) == 2


@pytest.mark.parametrize(
    ("text", "kind"),
    [("   ", "info"), ("?!… 😀 ###", "error"), ("word " * 300, "warning")],
)
def test_bad_input_is_a_message(text, kind):
    at = open_minilm()
    at.text_input(key="ml_text").set_value(text).run()
    assert not at.exception, [e.value for e in at.exception]
    boxes = {"info": at.info, "error": at.error, "warning": at.warning}[kind]
    assert boxes, (kind, [m.value for m in at.markdown][:5])
    if kind == "warning":  # read in part, and drawn
        assert "256" in boxes[0].value and len(at.get("plotly_chart")) == 1


def test_korean():
    at = open_minilm(lang="ko")
    assert "셀프 어텐션" in at.title[0].value


def test_the_date_encoder_grid_is_drawn_from_the_same_result_type():
    at = open_app("transformer")
    at.segmented_control(key="tf_kind").set_value("encoder_self").run()
    at.session_state["tf_tab"] = "All heads"
    at.run()
    assert_clean(at)
    assert len(at.get("plotly_chart")) == 1


def test_a_shared_link_opens_the_same_view():
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    at.session_state["lang"] = "en"
    for key, value in {"model": "minilm", "s": "Where is my umbrella?", "mview": "steps", "mlayer": "2"}.items():
        at.query_params[key] = value
    at.query_params["mhead"], at.query_params["mtoken"] = "5", "99"  # token 99: past the end, clamped
    at.run()
    at.switch_page("app/pages/transformer/page.py").run()
    assert_clean(at)
    assert at.text_input(key="ml_text").value == "Where is my umbrella?"
    assert at.segmented_control(key="ml_view").value == "steps"
    assert (at.selectbox(key="ml_layer").value, at.selectbox(key="ml_head").value) == (1, 4)
    assert at.selectbox(key="ml_token").value < 8


def test_the_first_example_shows_the_pronoun_and_its_noun():
    at = open_minilm()
    at.segmented_control(key="ml_view").set_value("lines").run()
    at.button(key="ml_show_pronoun").click().run()
    assert_clean(at)
    assert any("“it” attends most to “animal”" in m.value for m in at.markdown)


def test_the_line_view_draws_every_head_of_a_layer_in_colour():
    at = open_minilm()
    at.segmented_control(key="ml_view").set_value("lines").run()
    at.toggle(key="ml_all_heads").set_value(True).run()
    assert_clean(at)
    assert len(at.get("plotly_chart")) == 1
