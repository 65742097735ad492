"""/transformer: the same date task with self-attention — every layer and head, and how it differs from attention."""

import numpy as np
import streamlit as st

from app import components, services
from app.charts import theme
from app.charts import transformer_charts as charts
from app.examples import DATE_EXAMPLES
from app.i18n import current_language, t

st.title(t("tf.title"))
st.write(t("tf.intro"))
lang = current_language()

entries = [e for e in services.model_catalog("date") if e.kind == "transformer"]
if not entries:
    st.error(t("errors.no_models", task="date (Transformer)"))
    st.stop()
name = entries[0].name


st.session_state.setdefault("tf_input", DATE_EXAMPLES[1])
typed = st.text_input(t("text.input_label"), key="tf_input", max_chars=200, placeholder=t("text.input_placeholder"))
components.example_pills(t("text.examples"), DATE_EXAMPLES, "tf_example", "tf_input")
text = services.tidy(typed)

model = services.require_model(name)
services.require_text(model, text)

result = services.transformer_maps(name, text)
components.big_output(result.text, t("tf.output_note", layers=result.cross.shape[0], heads=result.cross.shape[1]))

KINDS = ["cross", "encoder_self", "decoder_self"]
kind = st.segmented_control(
    t("tf.kind_label"),
    KINDS,
    default="cross",
    required=True,
    key="tf_kind",
    format_func=lambda k: t(f"tf.kind_{k}", lang=lang),
)
st.caption(t(f"tf.about_{kind}"))
maps = getattr(result, kind)  # (L, H, T_q, T_k)
queries = result.source if kind == "encoder_self" else result.target
keys = result.target if kind == "decoder_self" else result.source
causal = kind == "decoder_self"
L, H = maps.shape[:2]

tab_one, tab_grid, tab_lines, tab_compare = st.tabs(
    [t("tf.tab_one"), t("tf.tab_grid"), t("tf.tab_lines"), t("tf.tab_compare")]
)

with tab_one:
    c1, c2 = st.columns(2)
    layer = c1.selectbox(t("tf.layer"), range(L), index=L - 1, key="tf_layer", format_func=lambda i: f"{i + 1}")
    heads = ["avg", *range(H)]
    head = c2.selectbox(
        t("tf.head"),
        heads,
        key="tf_head",
        format_func=lambda h: t("tf.head_average", lang=lang) if h == "avg" else f"{h + 1}",
    )
    weights = maps[layer].mean(0) if head == "avg" else maps[layer, head]
    title = t(
        "tf.map_title",
        kind=t(f"tf.kind_{kind}"),
        layer=layer + 1,
        head=t("tf.head_average") if head == "avg" else t("tf.head_n", n=head + 1),
    )
    fig = charts.single_map(
        weights,
        queries,
        keys,
        causal=causal,
        title=title,
        hover=t("tf.hover"),
        x_title=t("tf.keys_axis"),
        y_title=t("tf.queries_axis"),
    )
    st.plotly_chart(fig, key="tf_map", config=theme.png_config("transformer-map"), width="stretch")
    if causal:
        st.caption(t("tf.mask_note"))
    if kind == "cross":
        st.caption(t("tf.cross_rows_note"))

with tab_grid:
    st.caption(t("tf.grid_note", layers=L, heads=H))
    grid = charts.heads_grid(maps, queries, keys, causal=causal, layer_label=t("tf.layer_n"), head_label=t("tf.head_n"))
    st.plotly_chart(grid, key="tf_grid", config=theme.png_config("transformer-heads"), width="stretch")

with tab_lines:
    c1, c2, c3 = st.columns(3)
    line_layer = c1.selectbox(
        t("tf.layer"), range(L), index=L - 1, key="tf_line_layer", format_func=lambda i: f"{i + 1}"
    )
    line_head = c2.selectbox(
        t("tf.head"),
        ["avg", *range(H)],
        key="tf_line_head",
        format_func=lambda h: t("tf.head_average", lang=lang) if h == "avg" else f"{h + 1}",
    )
    pick = c3.selectbox(
        t("tf.token"),
        [None, *range(len(queries))],
        key="tf_line_token",
        format_func=lambda i: (
            t("tf.all_tokens", lang=lang) if i is None else f"{i + 1} · {theme.show_token(queries[i])}"
        ),
    )
    w = maps[line_layer].mean(0) if line_head == "avg" else maps[line_layer, line_head]
    fig = charts.line_view(
        w, queries, keys, selected=pick, left_title=t("tf.queries_axis"), right_title=t("tf.keys_axis")
    )
    st.plotly_chart(fig, key="tf_lines", config=theme.png_config("transformer-lines"), width="stretch")
    if pick is not None:
        best = int(np.argmax(w[pick]))
        st.markdown(
            t(
                "tf.line_summary",
                token=theme.show_token(queries[pick]),
                best=theme.show_token(keys[best]),
                weight=float(w[pick, best]),
            )
        )

with tab_compare:
    st.markdown(t("tf.compare_intro"))
    left, right = st.columns(2, gap="large")
    rnn_name = next((e.name for e in services.model_catalog("date") if e.name == "date-additive"), None)
    with left:
        st.subheader(t("tf.rnn_side"))
        if rnn_name is None:
            st.info(t("errors.no_models", task="date-additive"))
        else:
            alignment = services.decode_text(rnn_name, text, 1)[0]
            components.big_output(alignment.text)
            components.heatmap_chart(alignment, key="tf_rnn_map", compact=True)
    with right:
        st.subheader(t("tf.tf_side"))
        components.big_output(result.text)
        n = len(result.output)
        cross = result.cross[-1].mean(0)[:n]
        fig = charts.single_map(cross, result.output, result.source, hover=t("tf.hover"))
        st.plotly_chart(fig, key="tf_cross_compare", width="stretch")
    st.markdown(t("tf.differences"))
