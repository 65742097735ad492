"""Acting on attention under AppTest: the what-if edit, the beam tree, the quiz, shared links and presenter mode."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from app.navigation import PAGES
from tests.app.conftest import ROOT, assert_clean, open_app
from tests.unit.test_share import HOSTILE


def open_link(page: str, query: dict, lang: str | None = None) -> AppTest:
    """The app opened from a shared link: the query in the URL from the first run."""
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    at.query_params.update(query)
    if lang:
        at.query_params["lang"] = lang
    at.run()
    at.switch_page(str(next(spec.file for spec in PAGES if spec.name == page)))
    at.run()
    return at


def outputs(at) -> str:
    return "\n".join(m.value for m in at.markdown if "al-output" in m.value)


def edited_text(at, testid: str = "al-edited") -> str:
    """An output of the what-if view as a person reads it (the characters of diff_html)."""
    html = next(m.value for m in at.markdown if testid in m.value)
    return "".join(re.findall(r"<span[^>]*>([^<]*)</span>", html))


def whatif(lang: str = "en") -> AppTest:
    at = open_app("text", lang=lang)
    at.segmented_control(key="text_mode").set_value("whatif").run()
    return at


# ----------------------------------------------------------------------------- what if


def test_the_suggested_edit_makes_the_date_go_wrong():
    at = whatif()
    assert_clean(at)
    assert not any("al-edited" in m.value for m in at.markdown), "no edit yet, nothing to compare"
    at.button(key="text_wi_example").click().run()
    assert_clean(at)
    assert edited_text(at) == "1994-09-17"
    assert edited_text(at, "al-own") == "1994-09-27"  # the model's own output beside it
    assert any("1 character(s) changed" in w.value for w in at.warning)
    assert at.query_params["edit"] == "9" and at.query_params["at"] == "15"
    assert len(at.get("plotly_chart")) == 2  # both heatmaps


def test_clicking_another_token_and_reset():
    at = whatif()
    at.segmented_control(key="text_wi_step").set_value(5).run()  # the month's first digit
    at.pills(key="text_wi_at").set_value(14).run()  # looks at the "1" of 1994 and copies it
    assert_clean(at)
    assert edited_text(at) == "1994-19-27"
    assert any("not a real calendar date" in c.value for c in at.caption)
    at.button(key="text_wi_reset").click().run()
    assert_clean(at)
    assert not any("al-edited" in m.value for m in at.markdown)
    assert "at" not in at.query_params


def test_spreading_the_weights_from_a_link():
    query = {"mode": "whatif", "edit": "9", "w": ",".join(["0"] * 14 + ["1"] + ["0"] * 3)}
    at = open_link("text", query)
    assert_clean(at)
    assert edited_text(at) == "1994-09-17"
    assert at.segmented_control(key="text_wi_how").value == "spread"


@pytest.mark.parametrize(
    "query",
    [
        {"edit": "99"},  # the output has 10 steps
        {"at": "300"},  # the input has 18 tokens
        {"w": "1,2,3"},  # weights for 3 tokens, the input has 18
        {"edit": "-1", "at": "NaN"},
        {"w": "<script>alert(1)</script>"},
    ],
)
def test_an_edit_that_does_not_fit_is_ignored_with_a_notice(query):
    at = open_link("text", {"mode": "whatif", **query})
    assert_clean(at)
    assert any("could not be used" in i.value for i in at.info)
    edited = any("al-edited" in m.value for m in at.markdown)
    assert not edited or edited_text(at) == "1994-09-27"  # spread mode starts from the model's own weights


def test_the_baseline_has_nothing_to_edit():
    at = whatif()
    at.selectbox(key="text_model_date").set_value("date-none").run()
    assert_clean(at)
    assert any("nothing to edit" in i.value for i in at.info)


def test_what_if_on_a_translation():
    at = open_app("text")
    at.segmented_control(key="text_task").set_value("en-ko").run()
    at.segmented_control(key="text_mode").set_value("whatif").run()
    at.pills(key="text_wi_at").set_value(0).run()
    assert_clean(at)
    assert any("al-edited" in m.value for m in at.markdown)


def test_what_if_in_korean():
    at = whatif(lang="ko")
    at.button(key="text_wi_example").click().run()
    assert_clean(at)
    assert any("글자가 바뀌었습니다" in w.value for w in at.warning)


# ----------------------------------------------------------------------------- the beam tree


def test_a_wider_beam_draws_its_tree_and_a_prefix_heatmap():
    at = open_app("text")
    at.session_state["text_tab"] = "Beams"  # only the open tab runs
    at.slider(key="text_beam").set_value(3).run()
    assert_clean(at)
    node = at.selectbox(key="text_tree_node")
    assert "1994-09-27⟨end⟩" in node.format_func(node.value)  # the best finished hypothesis, chosen first
    charts = len(at.get("plotly_chart"))
    other = next(i for i in node.options if "pruned" in i)
    node.set_value(node.options.index(other) + 1).run()
    assert_clean(at)
    assert len(at.get("plotly_chart")) == charts
    assert at.query_params["node"] == str(node.options.index(other) + 1)


def test_width_one_has_no_tree():
    at = open_app("text")
    at.session_state["text_tab"] = "Beams"
    at.run()
    assert_clean(at)
    with pytest.raises(KeyError):
        at.selectbox(key="text_tree_node")


def test_a_bad_node_in_a_link_is_ignored():
    at = open_link("text", {"beam": "2", "node": "99999", "tab": "beams"})
    assert_clean(at)
    assert any("“node”" in i.value for i in at.info)


# ----------------------------------------------------------------------------- the quiz


def play_round(at) -> AppTest:
    for _ in range(5):
        pills = next(p for p in at.get("button_group") if str(p.key).startswith("text_quiz_guess_"))
        at.pills(key=pills.key).set_value(0).run()
        at.button(key="text_quiz_check").click().run()
        assert_clean(at)
        assert at.success or at.info or at.warning
        at.button(key="text_quiz_next").click().run()
    return at


def test_a_quiz_round_ends_with_a_score():
    at = open_app("text")
    at.segmented_control(key="text_mode").set_value("quiz").run()
    assert_clean(at)
    assert not at.get("plotly_chart"), "the heatmap stays hidden until the guess"
    assert any("Question 1 of 5" in m.value for m in at.markdown)
    play_round(at)
    assert any("Your score:" in h.value for h in at.subheader)
    assert len(at.dataframe[0].value) == 5
    at.button(key="text_quiz_again").click().run()
    assert any("Question 1 of 5" in m.value for m in at.markdown)


def test_a_reveal_shows_the_real_attention():
    at = open_app("text")
    at.segmented_control(key="text_mode").set_value("quiz").run()
    pills = next(p for p in at.get("button_group") if str(p.key).startswith("text_quiz_guess_"))
    at.pills(key=pills.key).set_value(2).run()
    at.button(key="text_quiz_check").click().run()
    assert_clean(at)
    assert len(at.get("plotly_chart")) == 1 and at.get("vega_lite_chart")


def test_the_quiz_needs_attention():
    at = open_app("text")
    at.selectbox(key="text_model_date").set_value("date-none").run()
    at.segmented_control(key="text_mode").set_value("quiz").run()
    assert_clean(at)
    assert any("nothing to guess" in i.value for i in at.info)


# ----------------------------------------------------------------------------- shared links


def test_a_link_opens_the_same_view():
    query = {"task": "date", "text": "2/10/93", "model": "date-dot", "beam": "4", "tab": "beams", "lang": "ko"}
    at = open_link("text", query)
    assert_clean(at)
    assert at.text_input(key="text_input_date").value == "2/10/93"
    assert at.selectbox(key="text_model_date").value == "date-dot"
    assert at.slider(key="text_beam").value == 4
    assert at.session_state["text_tab_opened"] == "beams" and at.query_params["tab"] == "beams"
    assert ">1993-02-10<" in outputs(at)
    assert not at.info


def test_the_link_to_copy_names_the_view():
    at = open_app("text")
    at.slider(key="text_beam").set_value(2).run()
    code = at.code[0].value
    assert code.startswith("/text?task=date&text=september%2027,%201994&model=date-additive&beam=2")
    assert "lang=en" in code


@pytest.mark.parametrize("raw", HOSTILE[::3])
def test_hostile_links_never_break_a_page(raw):
    names = ("task", "text", "model", "beam", "mode", "tab", "step", "edit", "at", "w", "node")
    at = open_link("text", dict.fromkeys(names, raw))
    assert_clean(at, errors=True)  # a text the model cannot read is an error box, as when typed


@pytest.mark.parametrize("raw", ["99", "-2", "nan", "<b>x</b>", "9" * 5000])
def test_hostile_transformer_links(raw):
    at = open_link("transformer", dict.fromkeys(("kind", "view", "layer", "head", "tab", "token"), raw))
    assert_clean(at)
    assert at.info


def test_a_transformer_link_opens_the_same_view():
    query = {"text": "2/10/93", "kind": "encoder_self", "view": "rollout", "layer": "1", "tab": "one"}
    at = open_link("transformer", query)
    assert_clean(at)
    assert at.segmented_control(key="tf_view").value == "rollout"
    assert at.selectbox(key="tf_layer").value == 0
    assert any("rollout" in c.value.lower() for c in at.caption)


# ----------------------------------------------------------------------------- /transformer: rollout


def test_rollout_toggle_explains_each_view():
    at = open_app("transformer")
    at.segmented_control(key="tf_kind").set_value("encoder_self").run()
    assert_clean(at)
    assert any("alone" in c.value for c in at.caption)
    at.segmented_control(key="tf_view").set_value("rollout").run()
    assert_clean(at)
    assert any("Abnar" in c.value for c in at.caption)
    assert at.selectbox(key="tf_head").disabled


def test_rollout_in_korean():
    at = open_app("transformer", lang="ko")
    at.segmented_control(key="tf_kind").set_value("encoder_self").run()
    at.segmented_control(key="tf_view").set_value("rollout").run()
    assert_clean(at)
    assert any("롤아웃" in c.value for c in at.caption)


# ----------------------------------------------------------------------------- presenter mode


def test_presenter_mode_moves_its_switch_onto_the_page_and_hides_the_sidebar():
    at = open_app("text")
    assert at.sidebar.toggle(key="present")
    at.toggle(key="present").set_value(True).run()
    assert_clean(at)
    assert at.query_params["present"] == "1"
    assert any("stSidebar" in h.proto.body for h in at.get("html"))
    assert "present=1" in at.code[0].value
    at.toggle(key="present").set_value(False).run()
    assert "present" not in at.query_params


@pytest.mark.parametrize(("raw", "on"), [("1", True), ("0", False), ("yes please", False), ("", False)])
def test_presenter_mode_from_a_link(raw, on):
    at = open_link("text", {"present": raw})
    assert_clean(at)
    assert at.session_state["present"] is on


# ----------------------------------------------------------------------------- /math and /image links


def test_a_math_link_opens_the_same_step():
    at = open_link("math", {"mtext": "2/10/93", "mmodel": "date-dot", "mstep": "4"})
    assert_clean(at)
    assert at.text_input(key="math_text").value == "2/10/93"
    assert at.selectbox(key="math_model").value == "date-dot"
    assert at.slider(key="math_step").value == 4
    assert any(c.value.startswith("/math?mtext=2%2F10%2F93&mmodel=date-dot&mstep=4") for c in at.code)


@pytest.mark.parametrize("raw", ["x" * 500, "date-none", "0", "-4", "<script>", "NaN"])
def test_hostile_math_links(raw):
    at = open_link("math", {"mtext": raw, "mmodel": raw, "mstep": raw})
    assert_clean(at, errors=True)
    assert any("could not be used" in i.value for i in at.info)


def test_an_image_link_opens_the_same_picture_and_word():
    at = open_link("image", {"pick": "3", "word": "2", "beam": "2", "model": "caption-shapes"})
    assert_clean(at)
    assert at.session_state["image_pick"] == 2
    assert at.select_slider(key="image_word").value == 1
    assert at.slider(key="image_beam").value == 2
    assert any(c.value.startswith("/image?model=caption-shapes&pick=3&word=2&beam=2") for c in at.code)


@pytest.mark.parametrize("query", [{"pick": "30"}, {"word": "99"}, {"beam": "-1"}, {"model": "<b>x</b>"}])
def test_hostile_image_links(query):
    at = open_link("image", query)
    assert_clean(at)
    assert any("could not be used" in i.value for i in at.info)
