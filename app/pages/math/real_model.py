"""/math tab ②: the same score → softmax → weighted sum inside a trained date model, one decoding step at a time.

The numbers are the model's own (``services.explain_steps``); the weights shown are checked against the row
of the heatmap on /text. A bad input or a broken checkpoint is a message in this tab only.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import streamlit as st

from app import services
from app.charts import heatmap, math_charts, theme
from app.charts import math_latex as tex
from app.i18n import t
from app.logic import share
from app.logic.examples import DATE_EXAMPLES
from app.ui import links
from app.ui.components import big_table, example_pills
from models.results import AttentionStep

SHOWN_DIMS = 8  # how many coordinates of the real model's 128-dimensional vectors are listed


def vector_table(vector: np.ndarray) -> None:
    """The first coordinates of a long vector and its length ‖·‖, in one row."""
    shown = {str(i + 1): [round(float(x), 4)] for i, x in enumerate(vector[:SHOWN_DIMS])}
    big_table(pd.DataFrame({**shown, "…": ["…"], "‖·‖": [round(float(np.linalg.norm(vector)), 4)]}))


def pick_input(kind_of: dict[str, str], skipped: bool, lang: str) -> tuple[str, str]:
    """The date to decode and the model (attention models only): (text, model name)."""
    names = list(kind_of)
    st.session_state.setdefault("math_text", DATE_EXAMPLES[0])
    left, right = st.columns([3, 2], gap="large")
    with left:
        typed = st.text_input(t("math.text_label"), key="math_text", max_chars=200)
        example_pills(t("math.examples"), DATE_EXAMPLES, "math_example", "math_text")
    with right:
        default = names.index("date-additive") if "date-additive" in names else 0
        name = st.selectbox(
            t("math.model_label"),
            names,
            index=default,
            key="math_model",
            format_func=lambda n: f"{n} · {t(f'math.kind_{kind_of[n]}', lang=lang)}",
        )
        st.latex(tex.MODEL_LATEX[kind_of[name]])
        st.caption(t("math.query_bahdanau" if kind_of[name] == "additive" else "math.query_luong"))
        if skipped:
            st.caption(t("math.none_skipped"))
    return services.tidy(typed), name


def pick_step(steps: list[AttentionStep]) -> int:
    """A step slider (1-based) and the output written so far, the current token underlined."""
    T = len(steps)
    if st.session_state.get("math_step", 1) > T:
        st.session_state["math_step"] = T
    step = st.slider(t("math.step_label"), 1, T, 1, key="math_step") if T > 1 else 1
    written = "".join(
        f"<b style='color:{math_charts.HIGHLIGHT};text-decoration:underline'>{html.escape(s.token)}</b>"
        if i == step - 1
        else html.escape(s.token)
        for i, s in enumerate(steps)
    )
    st.markdown(
        t("math.step_line", step=step, total=T, token=html.escape(steps[step - 1].token))
        + f"<div style='font-family:{theme.MONO_FAMILY};font-size:2.4rem;font-weight:700'>{written}</div>",
        unsafe_allow_html=True,
    )
    return step


def weights_view(name: str, text: str, source: list[str], now: AttentionStep, step: int) -> None:
    """α_t as tinted input and bars; the check that it is the heatmap's row; every input's e and α."""
    st.subheader(t("math.real_weights_title"))
    st.latex(r"\alpha_{t} = \operatorname{softmax}(e_{t})")
    st.markdown(heatmap.tinted_tokens_html(source, now.weights, int(np.argmax(now.weights))), unsafe_allow_html=True)
    st.altair_chart(
        math_charts.weight_bars(
            source, now.weights, x_title=t("charts.input_axis"), y_title=t("math.axis_weight"), label_from=0.05
        ),
        width="stretch",
    )
    row = services.decode_text(name, text, 1)[0].weights[step - 1]
    same = float(np.abs(row - now.weights).max())
    st.success(
        t("math.same_as_heatmap", step=step, diff=f"{same:.1e}", total=f"{now.weights.sum():.4f}"),
        icon=":material/grid_on:",
    )
    st.page_link("app/pages/text/page.py", label=t("math.open_text"), icon=":material/translate:")
    with st.expander(t("math.every_input"), icon=":material/table:"):
        every = {
            "#": np.arange(1, len(source) + 1),
            t("math.col_char"): [theme.show_token(c) for c in source],
            "eⱼ": now.scores.round(4),
            "αⱼ": now.weights.round(4),
        }
        st.dataframe(pd.DataFrame(every), hide_index=True, width="stretch")


def next_token_view(now: AttentionStep) -> None:
    """The five likeliest next tokens, as a table and as bars."""
    st.subheader(t("math.real_top_title"))
    st.caption(t("math.real_top_note"))
    tokens, probs = [c for c, _ in now.top], [p for _, p in now.top]
    left, right = st.columns([1, 2], gap="large")
    with left:
        big_table(pd.DataFrame({t("math.col_next"): tokens, t("math.col_prob"): probs}), digits=4)
    with right:
        st.altair_chart(
            math_charts.weight_bars(
                tokens, np.array(probs), x_title=t("math.col_next"), y_title=t("math.col_prob"), height=300
            ),
            width="stretch",
        )


def view_link(kind_of: dict[str, str]) -> links.Link:
    """This tab's view in the URL (date, model, step), so a link opens it again; a link's values go into the
    widgets first (checked: app/share.py)."""
    link = links.Link("math", share.math_fields(tuple(kind_of)))
    given = link.incoming()
    for field, key in (("mtext", "math_text"), ("mmodel", "math_model"), ("mstep", "math_step")):
        if field in given:
            st.session_state[key] = given[field]
    return link


def draw(lang: str) -> None:
    """The whole tab: pick a date, a model and a step; query, scores, weights, context and the next token."""
    catalog = services.model_catalog("date")
    entries = [e for e in catalog if e.kind == "seq2seq" and e.card.has_attention]
    if not entries:
        st.error(t("errors.no_models", task="date"))
        return
    kind_of = {e.name: e.card.attention for e in entries}
    link = view_link(kind_of)
    slot = st.empty()  # the copy-link control
    st.write(t("math.model_intro"))
    text, name = pick_input(kind_of, skipped=len(entries) < len(catalog), lang=lang)
    link.keep(mtext=text, mmodel=name)
    link.share_button(slot)
    model = services.model_or_message(name)
    if model is None:
        return
    problem = services.check_text(model, text)
    if problem is not None:
        services.show_problem(problem)
        return
    steps = services.explain_steps(name, text)
    if not steps:
        st.info(t("math.no_steps"))
        return
    step = pick_step(steps)
    link.keep(mstep=step)
    link.share_button(slot)
    now, source = steps[step - 1], model.tokenize(text)

    st.subheader(t("math.real_query_title"))
    q_name = r"\mathbf{s}_{t-1}" if kind_of[name] == "additive" else r"\mathbf{s}_t"
    st.latex(rf"{q_name} \in \mathbb{{R}}^{{{now.query.size}}}")
    vector_table(now.query)
    st.subheader(t("math.real_scores_title"))
    scores = math_charts.score_bars(
        source, now.scores, x_title=t("charts.input_axis"), y_title=t("math.axis_score"), values=len(source) <= 24
    )
    st.altair_chart(scores, width="stretch")
    weights_view(name, text, source, now, step)
    st.subheader(t("math.real_context_title"))
    st.latex(r"\mathbf{c}_t = \sum_j \alpha_{t,j} \mathbf{h}_j \in \mathbb{R}^{" + str(now.context.size) + "}")
    vector_table(now.context)
    next_token_view(now)
