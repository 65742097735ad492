"""/transformer, MiniLM: the seven steps of the notes for one head and one query token, in the model's own numbers
(like /math, on a real model): embedding (+ position) → Q, K, V → q·k → ÷√d_k → softmax → Σ α v → the head's
output. The weights of step 5 are checked against the map's row on the page itself."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import streamlit as st

from app.charts import math_charts, theme
from app.charts import self_attention as sa_charts
from app.i18n import t
from app.ui.components import big_table
from models.results import HeadSteps, SelfAttention

SHOWN_DIMS = 6  # coordinates of a vector listed on the page (all of them are in the download)
ROWS = 24  # tokens listed in a table before it scrolls


def vector_row(vector: np.ndarray, name: str) -> dict:
    """One row of a table: a vector's first coordinates, "…", and its length."""
    shown = {str(i + 1): round(float(x), 4) for i, x in enumerate(vector[:SHOWN_DIMS])}
    return {"": name, **shown, "…": "…", "‖·‖": round(float(np.linalg.norm(vector)), 4)}


def vectors_csv(steps: HeadSteps) -> str:
    """Every token's x, q, k and v in full, one row per token and kind, for the download."""
    rows = []
    T = len(steps.tokens)
    for j in range(T):
        rows.append(["x", j + 1, steps.tokens[j], *steps.inputs[j]])
        rows.append(["k", j + 1, steps.tokens[j], *steps.keys[j]])
        rows.append(["v", j + 1, steps.tokens[j], *steps.values[j]])
    rows.append(["q", steps.token + 1, steps.tokens[steps.token], *steps.query])
    rows.append(["z", steps.token + 1, steps.tokens[steps.token], *steps.output])
    rows.append(["z W_O", steps.token + 1, steps.tokens[steps.token], *steps.projected])
    width = max(len(r) for r in rows) - 3
    rows = [r + [""] * (width + 3 - len(r)) for r in rows]  # x and z W_O are longer than q, k, v and z
    frame = pd.DataFrame(rows, columns=["vector", "position", "token", *[f"d{i + 1}" for i in range(width)]])
    out = io.StringIO()
    frame.to_csv(out, index=False, float_format="%.6g")
    return out.getvalue()


def vectors_table(rows: list[dict]) -> None:
    big_table(pd.DataFrame(rows), digits=4, narrow=True, labels=True)


def inputs_step(steps: HeadSteps) -> None:
    """① x: in layer 1 the embeddings summed and normalised; later, the layer below's output."""
    i = steps.token
    st.subheader(t("minilm.step1_title"))
    if steps.word is not None:
        st.latex(r"\mathbf{x}_i = \mathrm{LayerNorm}(E_{\text{token}} + E_{\text{position}} + E_{\text{segment}})")
        vectors_table(
            [
                vector_row(steps.word[i], t("minilm.row_word")),
                vector_row(steps.position[i], t("minilm.row_position")),
                vector_row(steps.segment[i], t("minilm.row_segment")),
                vector_row(steps.word[i] + steps.position[i] + steps.segment[i], t("minilm.row_sum")),
                vector_row(steps.inputs[i], t("minilm.row_x")),
            ]
        )
    else:
        st.latex(rf"\mathbf{{x}}_i = \text{{{t('minilm.layer_output', layer=steps.layer)}}}")
        vectors_table([vector_row(steps.inputs[i], t("minilm.row_x"))])
    st.caption(t("minilm.step1_note", d=steps.inputs.shape[1]))


def qkv_step(steps: HeadSteps) -> None:
    """② q, k and v of the chosen token; every token's in the download."""
    i, d_k = steps.token, steps.d_k
    token = theme.show_token(steps.tokens[i])
    st.subheader(t("minilm.step2_title"))
    st.latex(
        rf"\mathbf{{q}}_i = \mathbf{{x}}_i W_Q^{{({steps.head + 1})}},\quad \mathbf{{k}}_j = \mathbf{{x}}_j W_K,\quad"
        rf" \mathbf{{v}}_j = \mathbf{{x}}_j W_V \in \mathbb{{R}}^{{{d_k}}}"
    )
    vectors_table(
        [
            vector_row(steps.query, f"q · {token}"),
            vector_row(steps.keys[i], f"k · {token}"),
            vector_row(steps.values[i], f"v · {token}"),
        ]
    )
    st.download_button(
        t("minilm.download_vectors"),
        vectors_csv(steps),
        file_name=f"minilm-layer{steps.layer + 1}-head{steps.head + 1}-token{i + 1}.csv",
        mime="text/csv",
        key="ml_steps_csv",
        on_click="ignore",
        icon=":material/download:",
    )


def score_steps(steps: HeadSteps) -> None:
    """③ q·k for every key, ④ divided by √d_k."""
    T, d_k = len(steps.tokens), steps.d_k
    st.subheader(t("minilm.step3_title"))
    st.latex(r"s_j = \mathbf{q}_i \cdot \mathbf{k}_j = \sum_{d=1}^{" + str(d_k) + r"} q_{i,d}\, k_{j,d}")
    st.altair_chart(
        math_charts.score_bars(
            steps.tokens, steps.scores, x_title=t("tf.keys_axis"), y_title="q·k", values=T <= 24, height=260
        ),
        width="stretch",
    )
    st.subheader(t("minilm.step4_title"))
    st.latex(rf"\tilde s_j = s_j / \sqrt{{{d_k}}} = s_j / {np.sqrt(d_k):.3f}")
    st.altair_chart(
        math_charts.score_bars(
            steps.tokens, steps.scaled, x_title=t("tf.keys_axis"), y_title=f"q·k / √{d_k}", values=T <= 24, height=220
        ),
        width="stretch",
    )
    st.caption(t("minilm.step4_note"))


def softmax_step(steps: HeadSteps, result: SelfAttention) -> None:
    """⑤ the weights, checked against the head's map row; every key's numbers in a table."""
    i, T, d_k = steps.token, len(steps.tokens), steps.d_k
    st.subheader(t("minilm.step5_title"))
    st.latex(r"\alpha_{j} = \frac{\exp \tilde s_j}{\sum_{m} \exp \tilde s_m}")
    st.altair_chart(
        math_charts.weight_bars(
            steps.tokens, steps.weights, x_title=t("tf.keys_axis"), y_title="α", label_from=0.05, height=260
        ),
        width="stretch",
    )
    row = result.maps[steps.layer, steps.head, i]
    diff = f"{float(np.abs(row - steps.weights).max()):.1e}"
    st.success(
        t("minilm.same_as_map", row=i + 1, diff=diff, total=f"{steps.weights.sum():.4f}"), icon=":material/grid_on:"
    )
    with st.expander(t("minilm.every_key"), icon=":material/table:"):
        every = {
            t("tf.token"): [f"{j + 1} · {theme.show_token(tok)}" for j, tok in enumerate(steps.tokens)],
            "q·k": steps.scores.round(4),
            f"÷√{d_k}": steps.scaled.round(4),
            "α": steps.weights.round(4),
        }
        height = min(38 + 35 * T, 38 + 35 * ROWS)
        st.dataframe(pd.DataFrame(every), hide_index=True, width="stretch", height=height)


def output_steps(steps: HeadSteps) -> None:
    """⑥ z = Σ α v, ⑦ its share of the layer's attention output through W_O."""
    st.subheader(t("minilm.step6_title"))
    st.latex(r"\mathbf{z}_i = \sum_j \alpha_j \mathbf{v}_j \in \mathbb{R}^{" + str(steps.d_k) + "}")
    st.plotly_chart(sa_charts.vector_bars(steps.output, shown=steps.d_k), key="ml_steps_z", width="stretch")
    st.subheader(t("minilm.step7_title"))
    st.latex(r"\mathbf{z}_i W_O^{(" + str(steps.head + 1) + r")} \in \mathbb{R}^{" + str(steps.projected.size) + "}")
    vectors_table([vector_row(steps.projected, t("minilm.row_head_out"))])
    st.caption(t("minilm.step7_note"))


def draw(steps: HeadSteps, result: SelfAttention) -> None:
    """The seven steps, each a heading, its formula and its numbers."""
    token = theme.show_token(steps.tokens[steps.token])
    st.markdown(t("minilm.steps_intro", layer=steps.layer + 1, head=steps.head + 1, token=token, d_k=steps.d_k))
    inputs_step(steps)
    qkv_step(steps)
    score_steps(steps)
    softmax_step(steps, result)
    output_steps(steps)
