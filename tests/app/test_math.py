"""/math under AppTest: the worked example and its bad edits, the real model's step, and √d_k, in English and Korean."""

import numpy as np
import pytest

from models import registry
from models import worked_example as wx
from tests.app.conftest import assert_clean, open_app

STEP_TABLES = 3  # softmax, weighted sum, coordinate bounds: the worked example's tables before W_c


def latex(at) -> str:
    return "\n".join(x.value for x in at.latex)


def edit(table: str, edited_rows=None, added_rows=None, deleted_rows=None, lang: str = "en"):
    """The page after a student's edit of one table (keys as the page builds them before any reset)."""
    at = open_app("math", lang=lang)
    at.session_state[f"math_{table}_0"] = {
        "edited_rows": edited_rows or {},
        "added_rows": added_rows or [],
        "deleted_rows": deleted_rows or [],
    }
    at.run()
    return at


def softmax_table(at):
    """The softmax table of step ②: token, e_j, exp(e_j), α_j, then the Σ row."""
    return at.table[0].value


# ----------------------------------------------------------------------------- the worked example


def test_first_paint_works_the_lecture_example_with_the_dot_product():
    at = open_app("math")
    assert_clean(at)
    assert not at.error
    table = softmax_table(at)
    ex = wx.work("dot", *wx.default_example("en")[1:], wx.default_parameters())
    assert table.iloc[:4, 1].tolist() == pytest.approx([1.0, 3.0, 2.0, 0.0])
    assert table.iloc[:4, 3].tolist() == pytest.approx(ex.weights.tolist(), abs=1e-9)
    assert table.iloc[4, 3] == pytest.approx(1.0)  # the Σ row
    assert r"= \mathbf{3}" in latex(at)  # e_2 = 1·1 + 2·1 + 0·0 + 1·0 = 3
    assert any("sum to 1.0000" in s.value for s in at.success)
    assert at.get("vega_lite_chart") or at.get("arrow_vega_lite_chart"), "no softmax bars"


@pytest.mark.parametrize("kind", ["general", "additive", "scaled_dot"])
def test_switching_the_score_function_recomputes_every_step(kind):
    at = open_app("math")
    at.segmented_control(key="math_kind").set_value(kind).run()
    assert_clean(at)
    assert not at.error
    ex = wx.work(kind, *wx.default_example("en")[1:], wx.default_parameters())
    table = softmax_table(at)
    assert table.iloc[:4, 1].tolist() == pytest.approx(ex.scores.tolist(), abs=1e-9)
    assert table.iloc[:4, 3].tolist() == pytest.approx(ex.weights.tolist(), abs=1e-9)
    context_row = at.table[1].value.iloc[4, 2:].tolist()
    assert context_row == pytest.approx(ex.context.tolist(), abs=1e-9)
    editors = {e.key for e in at.data_editor}
    if kind == "general":
        assert "math_W_0" in editors
        assert r"\mathbf{s}^\top W &=" in latex(at)
    elif kind == "additive":
        assert {"math_Wq_0", "math_Wk_0", "math_v_0"} <= editors
        assert r"W_q \mathbf{s} &=" in latex(at)
    else:
        assert r"\sqrt{4}" in latex(at)


def test_an_edit_changes_the_numbers():
    at = edit("query", edited_rows={0: {"x1": 0.0, "x2": 0.0, "x3": 0.0, "x4": 0.0}})  # s = 0: every score 0
    assert_clean(at)
    assert softmax_table(at).iloc[:4, 3].tolist() == pytest.approx([0.25] * 4)  # uniform


def test_an_added_token_gets_a_row_everywhere():
    at = edit("states", added_rows=[{"token": "!", "x1": 2.0, "x2": 2.0, "x3": 0.0, "x4": 0.0}])
    assert_clean(at)
    table = softmax_table(at)
    assert len(table) == 6  # five tokens and Σ
    assert table.iloc[4, 0] == "5 · !"
    assert table.iloc[4, 1] == pytest.approx(6.0)  # (1, 2, 0, 1) · (2, 2, 0, 0)


def test_a_weight_matrix_can_be_edited():
    at = open_app("math")
    at.segmented_control(key="math_kind").set_value("general").run()
    identity = {i: {f"x{j + 1}": float(i == j) for j in range(4)} for i in range(4)}
    at.session_state["math_W_0"] = {"edited_rows": identity, "added_rows": [], "deleted_rows": []}
    at.run()
    assert_clean(at)
    assert softmax_table(at).iloc[:4, 1].tolist() == pytest.approx([1.0, 3.0, 2.0, 0.0])  # W = I: the dot product


@pytest.mark.parametrize(
    ("table", "cell", "message"),
    [
        ("states", {1: {"x2": None}}, "row 2, column 2 is empty"),
        ("states", {0: {"x1": 1e6}}, "row 1, column 1: 1000000.0 is too large"),
        ("query", {0: {"x3": float("inf")}}, "row 1, column 3: “inf” is not a finite number"),
        ("states", {2: {"x4": "abc"}}, "row 3, column 4 is empty"),  # the editor turns text in a number column to None
    ],
)
def test_a_bad_edit_names_the_cell_and_stops_the_steps(table, cell, message):
    at = edit(table, edited_rows=cell)
    assert_clean(at, errors=True)
    assert at.error, "no message for a bad cell"
    assert message in at.error[0].value
    assert not any(tb.value.shape[1] == 4 and "αⱼ" in tb.value.columns for tb in at.table), "steps still drawn"
    assert any("Fix the cells" in i.value for i in at.info)
    assert at.metric, "a bad edit in the first tab must not blank the √d_k tab"


def test_a_bad_weight_is_named():
    at = open_app("math")
    at.segmented_control(key="math_kind").set_value("additive").run()
    at.session_state["math_v_0"] = {"edited_rows": {0: {"x2": -500.0}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert_clean(at, errors=True)
    assert "too large" in at.error[0].value


def test_an_empty_table_asks_for_a_row():
    at = edit("states", deleted_rows=[0, 1, 2, 3])
    assert_clean(at)
    assert any("Add at least one row" in i.value for i in at.info)


def test_too_many_rows_are_cut_with_a_warning():
    rows = [{"token": f"t{i}", "x1": 1.0, "x2": 0.0, "x3": 0.0, "x4": 0.0} for i in range(6)]
    at = edit("states", added_rows=rows)
    assert_clean(at)
    assert "first 8" in at.warning[0].value
    assert len(softmax_table(at)) == 9  # 8 tokens and Σ


def test_reset_brings_the_example_back():
    at = edit("query", edited_rows={0: {"x1": 0.0, "x2": 0.0, "x3": 0.0, "x4": 0.0}})
    at.button(key="math_reset").click().run()
    assert_clean(at)
    assert softmax_table(at).iloc[:4, 1].tolist() == pytest.approx([1.0, 3.0, 2.0, 0.0])


def test_korean_worked_example_and_bad_edit():
    at = open_app("math", lang="ko")
    assert_clean(at)
    assert [tab.label for tab in at.tabs] == ["① 예제 풀이", "② 실제 모델에서", "③ 왜 √dₖ인가"]
    assert softmax_table(at).iloc[1, 0] == "2 · 널"
    assert r"\text{(사랑해)}" in latex(at)
    at = edit("states", edited_rows={1: {"x2": None}}, lang="ko")
    assert_clean(at, errors=True)
    assert "2행 2열이 비어 있습니다" in at.error[0].value


# ----------------------------------------------------------------------------- the real model


@pytest.fixture(scope="module")
def models():
    names = [e.name for e in registry.catalog(task="date") if e.kind == "seq2seq" and e.card.attention != "none"]
    return {name: registry.load_checkpoint(name, device="cpu").model for name in names}


@pytest.mark.parametrize("text", ["september 27, 1994", "2026년 3월 5일 목요일", "2/10/93"])
def test_explain_step_equals_the_heatmap_row(models, text):
    assert len(models) == 4
    for model in models.values():
        alignment = model.decode([text])[0][0]
        steps = model.explain(text)
        assert [s.token for s in steps] == alignment.target
        for step, s in enumerate(steps):
            assert s.weights == pytest.approx(alignment.weights[step], abs=1e-6)
            assert s.weights == pytest.approx(wx.softmax(s.scores), abs=1e-5)  # weights = softmax(scores)


def shown_step(at) -> dict:
    """The numbers the real-model tab shows: the every-character table, the query/context rows, the top 5."""
    frames = [d.value for d in at.dataframe if d.key is None]
    every = next(f for f in frames if "αⱼ" in f.columns)
    vectors = [tb.value for tb in at.table if "‖·‖" in tb.value.columns]
    top = next(tb.value for tb in at.table if "probability" in tb.value.columns)
    return {"every": every, "query": vectors[0], "context": vectors[1], "top": top}


@pytest.mark.parametrize(("name", "step"), [("date-additive", 3), ("date-general", 6), ("date-scaled-dot", 10)])
def test_the_page_shows_the_models_numbers_for_a_step(models, name, step):
    text = "TUESDAY, SEPTEMBER 25, 1984"
    at = open_app("math")
    at.text_input(key="math_text").set_value(text).run()
    at.selectbox(key="math_model").set_value(name).run()
    at.slider(key="math_step").set_value(step).run()
    assert_clean(at)
    assert not at.error
    shown = shown_step(at)
    model = models[name]
    row = model.decode([text])[0][0].weights[step - 1]
    now = model.explain(text)[step - 1]
    assert shown["every"]["αⱼ"].tolist() == pytest.approx(row.tolist(), abs=1e-4)
    assert shown["every"]["eⱼ"].tolist() == pytest.approx(now.scores.tolist(), abs=1e-4)
    assert shown["query"].iloc[0, :8].astype(float).tolist() == pytest.approx(now.query[:8].tolist(), abs=1e-4)
    assert float(shown["query"]["‖·‖"].iloc[0]) == pytest.approx(np.linalg.norm(now.query), abs=1e-4)
    assert float(shown["context"]["‖·‖"].iloc[0]) == pytest.approx(np.linalg.norm(now.context), abs=1e-4)
    assert shown["top"].iloc[:, 0].tolist() == [c for c, _ in now.top]
    assert shown["top"].iloc[0, 0] == "1984-09-25"[step - 1]
    assert any(f"row {step} of the heatmap" in s.value for s in at.success)


def test_bad_input_in_the_real_model_tab_keeps_the_other_tabs():
    at = open_app("math")
    at.text_input(key="math_text").set_value("march 5, 2026 ☃").run()
    assert_clean(at, errors=True)
    assert "“☃”" in at.error[0].value
    assert softmax_table(at) is not None and at.metric, "the other tabs disappeared"
    at.text_input(key="math_text").set_value("   ").run()
    assert_clean(at)
    assert any("Type a date" in i.value for i in at.info)


def test_the_no_attention_model_is_not_offered():
    at = open_app("math")
    assert "date-none" not in at.selectbox(key="math_model").options
    assert any("no-attention baseline" in c.value for c in at.caption)


def test_korean_real_model_tab():
    at = open_app("math", lang="ko")
    at.pills(key="math_example").set_value("1999년 12월 31일").run()
    assert_clean(at)
    assert at.text_input(key="math_text").value == "1999년 12월 31일"
    assert any("히트맵의 1번째 행" in s.value for s in at.success)


# ----------------------------------------------------------------------------- why √d_k


def metrics(at) -> dict[str, float]:
    return {m.label: float(m.value) for m in at.metric}


def test_the_dk_slider_shows_saturation_without_scaling():
    at = open_app("math")
    small = metrics(at)
    at.select_slider(key="math_dk").set_value(512).run()
    assert_clean(at)
    big = metrics(at)
    assert big["entropy, unscaled (bits)"] < 0.5 < small["entropy, unscaled (bits)"]
    assert big["entropy, scaled (bits)"] > 2.5
    assert big["spread of qᵀk"] == pytest.approx(512**0.5, rel=0.15)
    assert big["spread of qᵀk / √dₖ"] == pytest.approx(1.0, rel=0.15)


def test_korean_dk_tab():
    at = open_app("math", lang="ko")
    at.slider(key="math_keys").set_value(30).run()
    assert_clean(at)
    assert "엔트로피, 스케일링 (비트)" in [m.label for m in at.metric]
