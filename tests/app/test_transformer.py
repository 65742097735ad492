"""/transformer under AppTest: every kind of attention, layers and heads, the line view, bad input."""

import pytest

from tests.app.conftest import assert_clean, open_app


def output(at) -> str:
    return "\n".join(m.value for m in at.markdown if 'data-testid="al-output"' in m.value)


def test_default_input_is_translated_with_all_maps():
    at = open_app("transformer")
    assert_clean(at)
    assert ">1984-09-25<" in output(at)
    assert len(at.get("plotly_chart")) == 1  # only the open tab runs: its one map
    drawn = {}
    for label in ("All heads", "Line view", "Attention vs self-attention"):
        at.session_state["tf_tab"] = label
        at.run()
        assert_clean(at)
        drawn[label] = len(at.get("plotly_chart"))
    # all heads in one figure, the line view, and the RNN's map beside the Transformer's cross-attention
    assert drawn == {"All heads": 1, "Line view": 1, "Attention vs self-attention": 2}


@pytest.mark.parametrize("kind", ["encoder_self", "decoder_self", "cross"])
def test_every_kind_layer_and_head(kind):
    at = open_app("transformer")
    at.segmented_control(key="tf_kind").set_value(kind).run()
    at.selectbox(key="tf_layer").set_value(0).run()
    at.selectbox(key="tf_head").set_value(2).run()
    assert_clean(at)
    if kind == "decoder_self":
        assert any("masked" in c.value for c in at.caption)


def test_line_view_for_one_token():
    at = open_app("transformer")
    at.session_state["tf_tab"] = "Line view"  # only the open tab runs
    at.run()
    at.selectbox(key="tf_line_token").set_value(3).run()
    assert_clean(at)
    assert any("attends most to" in m.value for m in at.markdown)


def test_bad_input_is_a_message():
    at = open_app("transformer")
    at.text_input(key="tf_input").set_value("march 5 ☃").run()
    assert_clean(at, errors=True)
    assert at.error and "☃" in at.error[0].value


def test_korean():
    at = open_app("transformer", lang="ko")
    assert_clean(at)
    assert "셀프 어텐션" in at.title[0].value
