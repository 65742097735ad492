"""/math tab ①: attention worked out on four small vectors a student can edit, step by step.

score → softmax → weighted sum → [c; s] and h̃, each with its formula, its numbers and a chart. A bad cell is
named in an error and the steps stop there (this tab only: the function returns, the page goes on).
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import streamlit as st

from app import services
from app.charts import math_charts, theme
from app.charts import math_latex as tex
from app.i18n import t
from app.ui.components import big_table

COLUMNS = [f"x{i + 1}" for i in range(services.WORKED_DIM)]  # the number columns of the editable tables


NUMBER_WIDTH = 56  # pixels of a number column: the token and four numbers fit half the page at 1280 px


def number_columns(names: list[str], labels: list[str] | None = None) -> dict:
    labels = labels or [str(i + 1) for i in range(len(names))]
    return {c: st.column_config.NumberColumn(label, width=NUMBER_WIDTH) for c, label in zip(names, labels, strict=True)}


def read_table(frame: pd.DataFrame, columns: list[str], what: str) -> np.ndarray | None:
    """The numbers of an edited table, or None after an error naming the cells that are not usable numbers."""
    values, bad = services.read_numbers(frame[columns].astype(object).to_numpy().tolist())
    if not bad:
        return values
    lines = [
        t(f"math.bad_{b.problem}", row=b.row + 1, column=b.column + 1, value=html.escape(str(b.value))[:20])
        for b in bad[:4]
    ]
    if len(bad) > 4:
        lines.append(t("math.bad_more", n=len(bad) - 4))
    limit = f"{services.WORKED_LIMIT:g}"
    st.error(t("math.bad_title", table=what, limit=limit) + "\n\n" + "\n".join(f"- {x}" for x in lines))
    return None


def matrix_editor(matrix: np.ndarray, key: str, name: str, latex: str) -> np.ndarray | None:
    """An editable matrix (or a vector, as one row) under its formula name and size; the edited numbers, or None."""
    rows = np.atleast_2d(matrix)
    columns = [f"x{i + 1}" for i in range(rows.shape[1])]
    st.latex(rf"{latex} \;({rows.shape[0]} \times {rows.shape[1]})")
    edited = st.data_editor(
        pd.DataFrame(rows, columns=columns), key=key, hide_index=True, column_config=number_columns(columns)
    )
    values = read_table(edited, columns, name)
    return None if values is None else values.reshape(matrix.shape)


def _reset() -> None:
    st.session_state["math_version"] += 1  # new editor keys: the tables start again from the defaults


# ----------------------------------------------------------------------------- the inputs


def input_tables(version: int, lang: str) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """The states table, the query row and the score function: (states frame, query frame, kind)."""
    tokens0, states0, query0 = services.default_example(lang)
    left, right = st.columns([1, 1], gap="large")
    with left:
        st.markdown(f"**{t('math.states_label')}**")
        states_frame = st.data_editor(
            pd.DataFrame({"token": tokens0, **{c: states0[:, i] for i, c in enumerate(COLUMNS)}}),
            key=f"math_states_{version}",
            num_rows="dynamic",
            hide_index=True,
            width="stretch",
            column_config={
                "token": st.column_config.TextColumn(t("math.col_token"), max_chars=12, width="small"),
                **number_columns(COLUMNS),
            },
        )
        st.caption(t("math.states_help", max=services.WORKED_MAX_TOKENS, limit=f"{services.WORKED_LIMIT:g}"))
    with right:
        st.markdown(f"**{t('math.query_label')}**")
        query_frame = st.data_editor(
            pd.DataFrame([query0], columns=COLUMNS),
            key=f"math_query_{version}",
            hide_index=True,
            width="stretch",
            column_config=number_columns(COLUMNS),
        )
        kind = st.segmented_control(
            t("math.kind_label"),
            services.WORKED_KINDS,
            default="dot",
            required=True,
            key="math_kind",
            format_func=lambda k: t(f"math.kind_{k}", lang=lang),
        )
        st.button(t("math.reset"), key="math_reset", icon=":material/restart_alt:", on_click=_reset)
    return states_frame, query_frame, kind


def weight_editors(kind: str, version: int) -> services.Parameters | None:
    """The learned weights of the general (W) and additive (W_q, W_k, v) scores, editable; None after a bad cell."""
    params0 = services.default_parameters()
    if kind not in ("general", "additive"):
        return params0
    with st.expander(t("math.weights_title"), expanded=True, icon=":material/tune:"):
        st.caption(t("math.weights_help"))
        if kind == "general":
            W = matrix_editor(params0.W, f"math_W_{version}", "W", "W")
            return None if W is None else services.Parameters(W, params0.W_q, params0.W_k, params0.v, params0.W_c)
        cols = st.columns(3, gap="medium")
        with cols[0]:
            W_q = matrix_editor(params0.W_q, f"math_Wq_{version}", "W_q", "W_q")
        with cols[1]:
            W_k = matrix_editor(params0.W_k, f"math_Wk_{version}", "W_k", "W_k")
        with cols[2]:
            v = matrix_editor(params0.v, f"math_v_{version}", "v", r"\mathbf{v}^\top")
        if W_q is None or W_k is None or v is None:
            return None
        return services.Parameters(params0.W, W_q, W_k, v, params0.W_c)


def read_inputs(states_frame: pd.DataFrame, query_frame: pd.DataFrame):
    """(tokens, states, query) from the edited tables, or None after a message (no rows, bad cells)."""
    if len(states_frame) == 0:
        st.info(t("math.no_rows"))
        return None
    if len(states_frame) > services.WORKED_MAX_TOKENS:
        st.warning(t("math.too_many_rows", n=len(states_frame), max=services.WORKED_MAX_TOKENS))
        states_frame = states_frame.iloc[: services.WORKED_MAX_TOKENS]
    states = read_table(states_frame, COLUMNS, t("math.states_short"))
    query = read_table(query_frame, COLUMNS, t("math.query_short"))
    if states is None or query is None:
        return None
    tokens = [
        str(x).strip()[:12] if isinstance(x, str) and x.strip() else f"h{j + 1}"
        for j, x in enumerate(states_frame["token"].tolist())
    ]
    return tokens, states, query[0]


# ----------------------------------------------------------------------------- the four steps


def step_score(ex: services.WorkedExample, tokens: list[str]) -> None:
    """① every score e_j, written out with the numbers."""
    st.subheader(t("math.step1_title"))
    st.latex(tex.SCORE_LATEX[ex.kind] + (r"\qquad d = " + str(services.WORKED_DIM) if ex.kind == "scaled_dot" else ""))
    st.latex(tex.score_lines(ex, tokens))
    st.caption(t(f"math.step1_{ex.kind}"))


def step_softmax(ex: services.WorkedExample, tokens: list[str], labels: list[str]) -> None:
    """② softmax: the exponentials, their sum, the weights as a table and as bars."""
    st.subheader(t("math.step2_title"))
    st.latex(tex.SOFTMAX_LATEX)
    st.latex(r"\alpha = \operatorname{softmax}" + tex.latex_vector(ex.scores) + " = " + tex.latex_vector(ex.weights))
    terms, shift = services.exp_terms(ex.scores)
    exp_name = "exp(eⱼ)" if shift == 0 else f"exp(eⱼ − {tex.number(shift)})"
    table, chart = st.columns([1, 1], gap="large")
    with table:
        frame = pd.DataFrame({t("math.col_token"): labels, "eⱼ": ex.scores, exp_name: terms, "αⱼ": ex.weights})
        total = {t("math.col_token"): "Σ", "eⱼ": np.nan, exp_name: terms.sum(), "αⱼ": ex.weights.sum()}
        big_table(pd.concat([frame, pd.DataFrame([total])], ignore_index=True), digits=3, narrow=True, labels=True)
        if shift:
            st.caption(t("math.shift_note", m=tex.number(shift)))
    with chart:
        st.altair_chart(
            math_charts.weight_bars(tokens, ex.weights, x_title=t("math.axis_token"), y_title=t("math.axis_weight")),
            width="stretch",
        )
    st.success(t("math.softmax_check", smallest=f"{ex.weights.min():.3g}", total=f"{ex.weights.sum():.4f}"))


def step_context(ex: services.WorkedExample, tokens: list[str], labels: list[str]) -> None:
    """③ the weighted sum c, term by term, and why it stays inside the states' hull."""
    st.subheader(t("math.step3_title"))
    st.latex(tex.CONTEXT_LATEX + " = " + tex.latex_vector(ex.context))
    rows = {t("math.col_token"): labels, "αⱼ": ex.weights}
    rows |= {f"αⱼ·hⱼ[{i + 1}]": (ex.weights * ex.states[:, i]) for i in range(ex.states.shape[1])}
    total = {t("math.col_token"): "c = Σ", "αⱼ": ex.weights.sum()}
    total |= {f"αⱼ·hⱼ[{i + 1}]": ex.context[i] for i in range(ex.context.size)}
    big_table(pd.concat([pd.DataFrame(rows), pd.DataFrame([total])], ignore_index=True), labels=True)
    st.info(t("math.convex_note"), icon=":material/hexagon:")
    left, right = st.columns([1, 1], gap="medium")
    with left:
        bounds = {
            t("math.col_coordinate"): [str(i + 1) for i in range(ex.context.size)],
            "minⱼ hⱼ": ex.states.min(axis=0),
            "c": ex.context,
            "maxⱼ hⱼ": ex.states.max(axis=0),
        }
        big_table(pd.DataFrame(bounds), narrow=True)  # all four columns in half the width
    with right:
        fig = math_charts.context_figure(
            tokens,
            ex.states,
            ex.weights,
            ex.context,
            x_title=t("math.coordinate", i=1),
            y_title=t("math.coordinate", i=2),
            hull_name=t("math.hull_name"),
            height=380,
        )
        st.plotly_chart(fig, key="math_hull", config=theme.png_config("math-context"), width="stretch")


def step_concat(ex: services.WorkedExample, params: services.Parameters) -> None:
    """④ [c; s], W_c and h̃ = tanh(W_c [c; s])."""
    st.subheader(t("math.step4_title"))
    st.latex(tex.CONCAT_LATEX)
    st.latex(tex.concat_line(ex.concat))
    D = ex.context.size
    names = [f"c{i + 1}" for i in range(D)] + [f"s{i + 1}" for i in range(D)]
    st.markdown(f"**{t('math.wc_label')}**")
    big_table(pd.DataFrame(params.W_c, columns=names), digits=1)
    st.latex(r"W_c [\mathbf{c}; \mathbf{s}] = " + tex.latex_vector(ex.combined))  # two lines: one is too wide
    st.latex(r"\tilde{\mathbf{h}} = \tanh(W_c [\mathbf{c}; \mathbf{s}]) = " + tex.latex_vector(ex.h_tilde))
    st.caption(t("math.step4_note"))


def draw(lang: str) -> None:
    """The whole tab: the editable inputs, then the four steps (or the message that stops them)."""
    version = st.session_state.setdefault("math_version", 0)
    st.write(t("math.example_intro"))
    states_frame, query_frame, kind = input_tables(version, lang)
    params = weight_editors(kind, version)
    inputs = read_inputs(states_frame, query_frame)
    if inputs is None or params is None:
        if len(states_frame) > 0:
            st.info(t("math.fix_to_continue"))
        return
    tokens, states, query = inputs
    ex = services.work_example(kind, states, query, params)
    labels = [f"{j + 1} · {tok}" for j, tok in enumerate(tokens)]
    step_score(ex, tokens)
    step_softmax(ex, tokens, labels)
    step_context(ex, tokens, labels)
    step_concat(ex, params)
