"""/math: attention worked out on small vectors a student can edit, the same step inside a trained model, and √d_k.

Three tabs, each drawn by one function that returns early, after its message, on a bad input, so that a bad
edit in one tab never blanks the other two. The numbers come from models/worked_example.py and the models.
"""

import html

import numpy as np
import pandas as pd
import streamlit as st

from app import services
from app.charts import heatmap, math_charts, theme
from app.examples import DATE_EXAMPLES
from app.i18n import current_language, t
from models import worked_example as wx
from models.registry import CheckpointError

st.title(t("math.title"))
st.write(t("math.intro"))
lang = current_language()  # format_func may be called after the run (AppTest): fix the language now

COLUMNS = [f"x{i + 1}" for i in range(wx.DIM)]  # the number columns of the editable tables
SHOWN_DIMS = 8  # how many coordinates of the real model's 128-dimensional vectors are listed
TABLE_STYLE = [
    {"selector": "th, td", "props": "font-size: 1.25rem; padding: 0.25rem 0.9rem; text-align: right;"},
    {"selector": "th", "props": "font-weight: 600;"},
]
SCORE_LATEX = {
    "dot": r"e_j = \operatorname{score}(\mathbf{s}, \mathbf{h}_j) = \mathbf{s}^\top \mathbf{h}_j",
    "general": r"e_j = \operatorname{score}(\mathbf{s}, \mathbf{h}_j) = \mathbf{s}^\top W \mathbf{h}_j",
    "additive": r"e_j = \operatorname{score}(\mathbf{s}, \mathbf{h}_j)"
    r" = \mathbf{v}^\top \tanh(W_q \mathbf{s} + W_k \mathbf{h}_j)",
    "scaled_dot": r"e_j = \operatorname{score}(\mathbf{s}, \mathbf{h}_j)"
    r" = \frac{\mathbf{s}^\top \mathbf{h}_j}{\sqrt{d}}",
}
SOFTMAX_LATEX = r"\alpha_j = \operatorname{softmax}(e)_j = \frac{\exp(e_j)}{\sum_k \exp(e_k)}"
CONTEXT_LATEX = r"\mathbf{c} = \sum_j \alpha_j \mathbf{h}_j"
CONCAT_LATEX = r"\tilde{\mathbf{h}} = \tanh\!\left(W_c \begin{bmatrix} \mathbf{c} \\ \mathbf{s} \end{bmatrix}\right)"
V = math_charts.latex_vector


def big_table(frame: pd.DataFrame, digits: int = 3) -> None:
    """A small table in large type for the projector: every number visible at once, nothing to scroll."""
    st.table(frame.style.format(precision=digits, na_rep="").set_table_styles(TABLE_STYLE).hide(axis="index"))


def number_columns(names: list[str], labels: list[str] | None = None) -> dict:
    labels = labels or [str(i + 1) for i in range(len(names))]
    return {c: st.column_config.NumberColumn(label, width="small") for c, label in zip(names, labels, strict=True)}


def read_table(frame: pd.DataFrame, columns: list[str], what: str) -> np.ndarray | None:
    """The numbers of an edited table, or None after an error naming the cells that are not usable numbers."""
    values, bad = wx.read_numbers(frame[columns].astype(object).to_numpy().tolist())
    if not bad:
        return values
    lines = [
        t(f"math.bad_{b.problem}", row=b.row + 1, column=b.column + 1, value=html.escape(str(b.value))[:20])
        for b in bad[:4]
    ]
    if len(bad) > 4:
        lines.append(t("math.bad_more", n=len(bad) - 4))
    st.error(t("math.bad_title", table=what, limit=f"{wx.LIMIT:g}") + "\n\n" + "\n".join(f"- {x}" for x in lines))
    return None


def matrix_editor(matrix: np.ndarray, key: str, name: str, tex: str) -> np.ndarray | None:
    """An editable matrix (or a vector, as one row) under its formula name and size; the edited numbers, or None."""
    rows = np.atleast_2d(matrix)
    columns = [f"x{i + 1}" for i in range(rows.shape[1])]
    st.latex(rf"{tex} \;({rows.shape[0]} \times {rows.shape[1]})")
    edited = st.data_editor(
        pd.DataFrame(rows, columns=columns), key=key, hide_index=True, column_config=number_columns(columns)
    )
    values = read_table(edited, columns, name)
    return None if values is None else values.reshape(matrix.shape)


def _reset() -> None:
    st.session_state["math_version"] += 1  # new editor keys: the tables start again from the defaults


# ----------------------------------------------------------------------------- tab 1: the worked example


def score_lines(ex: wx.WorkedExample, tokens: list[str]) -> str:
    """Every e_j written out with the example's numbers, one line per input token."""
    lines = []
    if ex.kind == "general":
        lines.append(r"\mathbf{s}^\top W &= " + V(ex.projected_query))
    if ex.kind == "additive":
        lines.append(r"W_q \mathbf{s} &= " + V(ex.projected_query))
    for j, tok in enumerate(tokens):
        name = rf"e_{{{j + 1}}}\ \text{{({_tex_text(tok)})}}"
        h, e = ex.states[j], math_charts.number(ex.scores[j])
        if ex.kind == "dot":
            lines.append(rf"{name} &= {math_charts.latex_dot(ex.query, h)} = \mathbf{{{e}}}")
        elif ex.kind == "scaled_dot":
            raw = math_charts.number(float(ex.query @ h))
            lines.append(rf"{name} &= \frac{{{math_charts.latex_dot(ex.query, h)}}}{{\sqrt{{{len(h)}}}}}")
            lines[-1] += rf" = \frac{{{raw}}}{{{math_charts.number(np.sqrt(len(h)))}}} = \mathbf{{{e}}}"
        elif ex.kind == "general":
            lines.append(rf"{name} &= {math_charts.latex_dot(ex.projected_query, h)} = \mathbf{{{e}}}")
        else:
            z = ex.hidden[j]
            lines.append(
                rf"{name} &= \mathbf{{v}}^\top \tanh\!\left({V(ex.projected_keys[j] + ex.projected_query)}\right)"
            )
            lines[-1] += rf" = \mathbf{{v}}^\top {V(z)} = \mathbf{{{e}}}"
    return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"


def _tex_text(token: str) -> str:
    """A token inside \\text{...}: LaTeX's special characters escaped or dropped."""
    return "".join(" " if ch in "\\^~" else ("\\" + ch if ch in "{}$%&#_" else ch) for ch in token)


def worked_example() -> None:
    version = st.session_state.setdefault("math_version", 0)
    tokens0, states0, query0 = wx.default_example(lang)
    params0 = wx.default_parameters()
    st.write(t("math.example_intro"))

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
        st.caption(t("math.states_help", max=wx.MAX_TOKENS, limit=f"{wx.LIMIT:g}"))
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
            wx.KINDS,
            default="dot",
            required=True,
            key="math_kind",
            format_func=lambda k: t(f"math.kind_{k}", lang=lang),
        )
        st.button(t("math.reset"), key="math_reset", icon=":material/restart_alt:", on_click=_reset)

    params = params0
    if kind in ("general", "additive"):
        with st.expander(t("math.weights_title"), expanded=True, icon=":material/tune:"):
            st.caption(t("math.weights_help"))
            if kind == "general":
                W = matrix_editor(params0.W, f"math_W_{version}", "W", "W")
                params = None if W is None else wx.Parameters(W, params0.W_q, params0.W_k, params0.v, params0.W_c)
            else:
                cols = st.columns(3, gap="medium")
                with cols[0]:
                    W_q = matrix_editor(params0.W_q, f"math_Wq_{version}", "W_q", "W_q")
                with cols[1]:
                    W_k = matrix_editor(params0.W_k, f"math_Wk_{version}", "W_k", "W_k")
                with cols[2]:
                    v = matrix_editor(params0.v, f"math_v_{version}", "v", r"\mathbf{v}^\top")
                ok = W_q is not None and W_k is not None and v is not None
                params = wx.Parameters(params0.W, W_q, W_k, v, params0.W_c) if ok else None

    if len(states_frame) == 0:
        st.info(t("math.no_rows"))
        return
    if len(states_frame) > wx.MAX_TOKENS:
        st.warning(t("math.too_many_rows", n=len(states_frame), max=wx.MAX_TOKENS))
        states_frame = states_frame.iloc[: wx.MAX_TOKENS]
    states = read_table(states_frame, COLUMNS, t("math.states_short"))
    query = read_table(query_frame, COLUMNS, t("math.query_short"))
    if states is None or query is None or params is None:
        st.info(t("math.fix_to_continue"))
        return
    raw_tokens = states_frame["token"].tolist()
    tokens = [
        str(x).strip()[:12] if isinstance(x, str) and x.strip() else f"h{j + 1}" for j, x in enumerate(raw_tokens)
    ]
    ex = wx.work(kind, states, query[0], params)
    labels = [f"{j + 1} · {tok}" for j, tok in enumerate(tokens)]

    # ① score
    st.subheader(t("math.step1_title"))
    st.latex(SCORE_LATEX[kind] + (r"\qquad d = " + str(wx.DIM) if kind == "scaled_dot" else ""))
    st.latex(score_lines(ex, tokens))
    st.caption(t(f"math.step1_{kind}"))

    # ② softmax
    st.subheader(t("math.step2_title"))
    st.latex(SOFTMAX_LATEX)
    st.latex(r"\alpha = \operatorname{softmax}" + V(ex.scores) + " = " + V(ex.weights))
    terms, shift = wx.exp_terms(ex.scores)
    exp_name = "exp(eⱼ)" if shift == 0 else f"exp(eⱼ − {math_charts.number(shift)})"
    table, chart = st.columns([1, 1], gap="large")
    with table:
        frame = pd.DataFrame({t("math.col_token"): labels, "eⱼ": ex.scores, exp_name: terms, "αⱼ": ex.weights})
        total = {
            t("math.col_token"): "Σ",
            "eⱼ": np.nan,
            exp_name: terms.sum(),
            "αⱼ": ex.weights.sum(),
        }
        big_table(pd.concat([frame, pd.DataFrame([total])], ignore_index=True), digits=3)
        if shift:
            st.caption(t("math.shift_note", m=math_charts.number(shift)))
    with chart:
        st.altair_chart(
            math_charts.weight_bars(tokens, ex.weights, x_title=t("math.axis_token"), y_title=t("math.axis_weight")),
            width="stretch",
        )
    st.success(t("math.softmax_check", smallest=f"{ex.weights.min():.3g}", total=f"{ex.weights.sum():.4f}"))

    # ③ weighted sum
    st.subheader(t("math.step3_title"))
    st.latex(CONTEXT_LATEX + " = " + V(ex.context))
    rows = {t("math.col_token"): labels, "αⱼ": ex.weights}
    rows |= {f"αⱼ·hⱼ[{i + 1}]": (ex.weights * ex.states[:, i]) for i in range(ex.states.shape[1])}
    frame = pd.DataFrame(rows)
    total = {t("math.col_token"): "c = Σ", "αⱼ": ex.weights.sum()}
    total |= {f"αⱼ·hⱼ[{i + 1}]": ex.context[i] for i in range(ex.context.size)}
    big_table(pd.concat([frame, pd.DataFrame([total])], ignore_index=True))
    st.info(t("math.convex_note"), icon=":material/hexagon:")
    left, right = st.columns([1, 1], gap="large")
    with left:
        bounds = pd.DataFrame(
            {
                t("math.col_coordinate"): [str(i + 1) for i in range(ex.context.size)],
                "minⱼ hⱼ": ex.states.min(axis=0),
                "c": ex.context,
                "maxⱼ hⱼ": ex.states.max(axis=0),
            }
        )
        big_table(bounds)
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

    # ④ concat and h̃
    st.subheader(t("math.step4_title"))
    st.latex(CONCAT_LATEX)
    D = ex.context.size
    cells = " & ".join(math_charts.number(x) for x in ex.concat)
    st.latex(
        rf"[\mathbf{{c}}; \mathbf{{s}}] = \left[\begin{{array}}{{{'c' * D}|{'c' * D}}} {cells} \end{{array}}\right]"
    )
    names = [f"c{i + 1}" for i in range(D)] + [f"s{i + 1}" for i in range(D)]
    st.markdown(f"**{t('math.wc_label')}**")
    big_table(pd.DataFrame(params.W_c, columns=names), digits=1)
    st.latex(
        r"W_c [\mathbf{c}; \mathbf{s}] = "
        + V(ex.combined)
        + r"\qquad \tilde{\mathbf{h}} = \tanh(\cdot) = "
        + V(ex.h_tilde)
    )
    st.caption(t("math.step4_note"))


# ----------------------------------------------------------------------------- tab 2: the real model


@st.cache_data(max_entries=256, show_spinner=False)
def explain(name: str, text: str) -> list:
    """Every number of every greedy decoding step of model ``name`` on ``text`` (see Seq2Seq.explain)."""
    return services.load_model(name).model.explain(text)


def _use_example() -> None:
    if st.session_state.get("math_example"):
        st.session_state["math_text"] = st.session_state["math_example"]


MODEL_LATEX = {
    "dot": r"e_{t,j} = \mathbf{s}_t^\top \mathbf{h}_j",
    "general": r"e_{t,j} = \mathbf{s}_t^\top W \mathbf{h}_j",
    "additive": r"e_{t,j} = \mathbf{v}^\top \tanh(W_q \mathbf{s}_{t-1} + W_k \mathbf{h}_j)",
    "scaled_dot": r"e_{t,j} = \mathbf{s}_t^\top \mathbf{h}_j / \sqrt{d}",
}


def vector_table(vector: np.ndarray) -> None:
    """The first coordinates of a long vector and its length ‖·‖, in one row."""
    shown = {str(i + 1): [round(float(x), 4)] for i, x in enumerate(vector[:SHOWN_DIMS])}
    big_table(pd.DataFrame({**shown, "…": ["…"], "‖·‖": [round(float(np.linalg.norm(vector)), 4)]}))


def real_model() -> None:
    catalog = services.model_catalog("date")
    entries = [e for e in catalog if e.kind == "seq2seq" and e.card["config"]["attention"] != "none"]
    if not entries:
        st.error(t("errors.no_models", task="date"))
        return
    kind_of = {e.name: e.card["config"]["attention"] for e in entries}
    names = list(kind_of)
    st.write(t("math.model_intro"))

    st.session_state.setdefault("math_text", DATE_EXAMPLES[0])
    left, right = st.columns([3, 2], gap="large")
    with left:
        typed = st.text_input(t("math.text_label"), key="math_text", max_chars=200)
        st.pills(t("math.examples"), DATE_EXAMPLES, key="math_example", on_change=_use_example)
    with right:
        default = names.index("date-additive") if "date-additive" in names else 0
        name = st.selectbox(
            t("math.model_label"),
            names,
            index=default,
            key="math_model",
            format_func=lambda n: f"{n} · {t(f'math.kind_{kind_of[n]}', lang=lang)}",
        )
        st.latex(MODEL_LATEX[kind_of[name]])
        st.caption(t("math.query_bahdanau" if kind_of[name] == "additive" else "math.query_luong"))
        if len(entries) < len(catalog):
            st.caption(t("math.none_skipped"))

    text = services.tidy(typed)
    try:
        model = services.load_model(name).model
    except CheckpointError as err:
        services.model_error(err)
        return
    problem = services.check_text(model, text)
    if problem is not None:
        getattr(st, problem.level)(problem.message)
        return
    steps = explain(name, text)
    if not steps:
        st.info(t("math.no_steps"))
        return

    T = len(steps)
    if st.session_state.get("math_step", 1) > T:
        st.session_state["math_step"] = T
    step = st.slider(t("math.step_label"), 1, T, 1, key="math_step") if T > 1 else 1
    now = steps[step - 1]
    written = "".join(
        f"<b style='color:{math_charts.HIGHLIGHT};text-decoration:underline'>{html.escape(s.token)}</b>"
        if i == step - 1
        else html.escape(s.token)
        for i, s in enumerate(steps)
    )
    st.markdown(
        t("math.step_line", step=step, total=T, token=html.escape(now.token))
        + f"<div style='font-family:{theme.MONO_FAMILY};font-size:2.4rem;font-weight:700'>{written}</div>",
        unsafe_allow_html=True,
    )
    source = model.tokenize(text)
    q_name = r"\mathbf{s}_{t-1}" if kind_of[name] == "additive" else r"\mathbf{s}_t"

    st.subheader(t("math.real_query_title"))
    st.latex(rf"{q_name} \in \mathbb{{R}}^{{{now.query.size}}}")
    vector_table(now.query)

    st.subheader(t("math.real_scores_title"))
    st.altair_chart(
        math_charts.score_bars(
            source, now.scores, x_title=t("charts.input_axis"), y_title=t("math.axis_score"), values=len(source) <= 24
        ),
        width="stretch",
    )

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
    st.page_link("app/pages/text.py", label=t("math.open_text"), icon=":material/translate:")
    with st.expander(t("math.every_input"), icon=":material/table:"):
        st.dataframe(
            pd.DataFrame(
                {
                    "#": np.arange(1, len(source) + 1),
                    t("math.col_char"): [theme.show_token(c) for c in source],
                    "eⱼ": now.scores.round(4),
                    "αⱼ": now.weights.round(4),
                }
            ),
            hide_index=True,
            width="stretch",
        )

    st.subheader(t("math.real_context_title"))
    st.latex(r"\mathbf{c}_t = \sum_j \alpha_{t,j} \mathbf{h}_j \in \mathbb{R}^{" + str(now.context.size) + "}")
    vector_table(now.context)

    st.subheader(t("math.real_top_title"))
    st.caption(t("math.real_top_note"))
    left, right = st.columns([1, 2], gap="large")
    with left:
        big_table(
            pd.DataFrame({t("math.col_next"): [c for c, _ in now.top], t("math.col_prob"): [p for _, p in now.top]}),
            digits=4,
        )
    with right:
        st.altair_chart(
            math_charts.weight_bars(
                [c for c, _ in now.top],
                np.array([p for _, p in now.top]),
                x_title=t("math.col_next"),
                y_title=t("math.col_prob"),
                height=300,
            ),
            width="stretch",
        )


# ----------------------------------------------------------------------------- tab 3: why √d_k


@st.cache_data(max_entries=64, show_spinner=False)
def scaling(n_keys: int) -> list[wx.ScalingPoint]:
    return wx.scaling_curve(n_keys=n_keys)


def why_sqrt_dk() -> None:
    st.write(t("math.scale_intro"))
    st.latex(
        r"q_i, k_i \sim \mathcal{N}(0, 1) \;\Rightarrow\; \operatorname{Var}(q^\top k)"
        r" = \sum_{i=1}^{d_k} \operatorname{Var}(q_i k_i) = d_k,"
        r"\qquad \operatorname{Var}\!\left(\frac{q^\top k}{\sqrt{d_k}}\right) = 1"
    )
    left, right = st.columns(2, gap="large")
    d_k = left.select_slider(t("math.dk_label"), options=wx.DK_CHOICES, value=64, key="math_dk")
    n_keys = right.slider(t("math.keys_label"), 2, 50, 10, key="math_keys")
    curve = scaling(n_keys)
    point = next(p for p in curve if p.d_k == d_k)
    a, b, c, d = st.columns(4)
    a.metric(t("math.metric_std"), f"{point.std_unscaled:.2f}", help=t("math.metric_std_help", root=f"{d_k**0.5:.2f}"))
    b.metric(t("math.metric_std_scaled"), f"{point.std_scaled:.2f}")
    c.metric(t("math.metric_entropy"), f"{point.entropy_unscaled:.2f}")
    d.metric(t("math.metric_entropy_scaled"), f"{point.entropy_scaled:.2f}")
    names = (t("math.unscaled"), t("math.scaled"))
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown(f"**{t('math.curve_title', n=n_keys)}**")
        st.altair_chart(
            math_charts.entropy_chart(
                [p.d_k for p in curve],
                {names[0]: [p.entropy_unscaled for p in curve], names[1]: [p.entropy_scaled for p in curve]},
                chosen=d_k,
                uniform=float(np.log2(n_keys)),
                uniform_name=t("math.uniform"),
                x_title="d_k",
                y_title=t("math.axis_entropy"),
            ),
            width="stretch",
        )
    with right:
        st.markdown(f"**{t('math.example_title', d=d_k)}**")
        raw, scaled = wx.scaling_example(d_k, n_keys)
        st.altair_chart(
            math_charts.grouped_bars(
                [f"k{j + 1}" for j in range(n_keys)],
                {names[0]: raw, names[1]: scaled},
                x_title=t("math.axis_key"),
                y_title=t("math.axis_weight"),
            ),
            width="stretch",
        )
    st.caption(t("math.scale_note"))


tab_example, tab_model, tab_scale = st.tabs([t("math.tab_example"), t("math.tab_model"), t("math.tab_scale")])
with tab_example:
    worked_example()
with tab_model:
    real_model()
with tab_scale:
    why_sqrt_dk()
