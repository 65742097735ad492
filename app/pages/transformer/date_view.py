"""/transformer, the date Transformer: the same date task with self-attention — every layer and head, and how it
differs from attention.

Encoder self-attention can also be shown rolled out through the layers (Abnar & Zuidema 2020). The view is kept in
the URL, so a link opens it again."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from app import services
from app.charts import self_attention as sa_charts
from app.charts import theme
from app.charts import transformer_charts as charts
from app.i18n import t
from app.logic import share
from app.logic.examples import DATE_EXAMPLES
from app.services import selfattention
from app.ui import components, links, presenter
from models.results import TransformerAttention

TAB_IDS = share.TF_TABS  # one, grid, lines, compare
KINDS = list(share.TF_KINDS)  # cross, encoder_self, decoder_self


@dataclass
class View:
    """What the tabs draw from: the model, the date, its maps of the chosen kind, and the page's link."""

    name: str
    text: str
    result: TransformerAttention
    kind: str
    link: links.Link
    given: dict
    lang: str

    @property
    def maps(self) -> np.ndarray:
        return getattr(self.result, self.kind)  # (L, H, T_q, T_k)

    @property
    def queries(self) -> list[str]:
        return self.result.source if self.kind == "encoder_self" else self.result.target

    @property
    def keys(self) -> list[str]:
        return self.result.target if self.kind == "decoder_self" else self.result.source

    @property
    def causal(self) -> bool:
        return self.kind == "decoder_self"

    def head_label(self, h) -> str:
        return t("tf.head_average", lang=self.lang) if h == "avg" else f"{h + 1}"


def read_link(link: links.Link) -> dict:
    """A shared link's values go into the widgets first; returns them (to name the ones that do not fit)."""
    given = link.incoming()
    for field, key, shift in (
        ("text", "tf_input", 0),
        ("kind", "tf_kind", 0),
        ("view", "tf_view", 0),
        ("layer", "tf_layer", 1),
    ):
        if field in given:
            st.session_state[key] = given[field] - shift if shift else given[field]
    if "head" in given:
        st.session_state["tf_head"] = "avg" if given["head"] == 0 else given["head"] - 1
    if "token" in given:
        st.session_state["tf_line_token"] = None if given["token"] == 0 else given["token"] - 1
    if "tab" in given:
        st.session_state["tf_tab_opened"] = given["tab"]
    return given


def check_state(v: View) -> None:
    """Forget a layer, head or token that this kind of attention or this input does not have (named, when a
    link asked for it)."""
    L, H = v.maps.shape[:2]
    bad = []
    for key, field, valid in (
        ("tf_layer", "layer", range(L)),
        ("tf_line_layer", None, range(L)),
        ("tf_head", "head", ["avg", *range(H)]),
        ("tf_line_head", None, ["avg", *range(H)]),
        ("tf_line_token", "token", [None, *range(len(v.queries))]),
    ):
        if key in st.session_state and st.session_state[key] not in valid:
            bad += [field] if field in v.given else []
            del st.session_state[key]
    links.ignored_notice(bad)


def rollout_view(v: View, layer: int) -> None:
    """Encoder self-attention rolled out through layers 1..layer (heads averaged)."""
    rolled = services.encoder_rollout(v.name, v.text)  # (L, T, T)
    fig = charts.single_map(
        rolled[layer],
        v.queries,
        v.keys,
        title=t("rollout.map_title", layer=layer + 1),
        hover=t("tf.hover"),
        x_title=t("tf.keys_axis"),
        y_title=t("tf.queries_axis"),
    )
    st.plotly_chart(
        presenter.fit(fig), key="tf_rollout", config=theme.png_config("transformer-rollout"), width="stretch"
    )


def pick_map(v: View) -> tuple[str, int, int | str]:
    """Raw or rollout (encoder self-attention only), the layer and the head: (view, layer, head)."""
    L, H = v.maps.shape[:2]
    view = "raw"
    if v.kind == "encoder_self":
        st.session_state.setdefault("tf_view", "raw")
        view = st.segmented_control(
            t("rollout.view_label"),
            list(share.TF_VIEWS),
            required=True,
            key="tf_view",
            format_func=lambda x: t(f"rollout.view_{x}", lang=v.lang),
        )
        st.caption(t(f"rollout.about_{view}"))
    c1, c2 = st.columns(2)
    st.session_state.setdefault("tf_layer", L - 1)
    layer = c1.selectbox(t("tf.layer"), range(L), key="tf_layer", format_func=lambda i: f"{i + 1}")
    head = c2.selectbox(
        t("tf.head"), ["avg", *range(H)], key="tf_head", format_func=v.head_label, disabled=view == "rollout"
    )
    v.link.keep(view=view if v.kind == "encoder_self" else None, layer=layer + 1, head=0 if head == "avg" else head + 1)
    return view, layer, head


def one_map(v: View) -> None:
    """One layer and head of the chosen kind (or, for encoder self-attention, its rollout)."""
    view, layer, head = pick_map(v)
    if view == "rollout":
        rollout_view(v, layer)
        return
    weights = v.maps[layer].mean(0) if head == "avg" else v.maps[layer, head]
    title = t(
        "tf.map_title",
        kind=t(f"tf.kind_{v.kind}"),
        layer=layer + 1,
        head=t("tf.head_average") if head == "avg" else t("tf.head_n", n=head + 1),
    )
    fig = charts.single_map(
        weights,
        v.queries,
        v.keys,
        causal=v.causal,
        title=title,
        hover=t("tf.hover"),
        x_title=t("tf.keys_axis"),
        y_title=t("tf.queries_axis"),
    )
    st.plotly_chart(presenter.fit(fig), key="tf_map", config=theme.png_config("transformer-map"), width="stretch")
    if v.causal:
        st.caption(t("tf.mask_note"))
    if v.kind == "cross":
        st.caption(t("tf.cross_rows_note"))


def grid_tab(v: View) -> None:
    """Every head of every layer of the chosen kind; the encoder's from its SelfAttention, as MiniLM's grid."""
    L, H = v.maps.shape[:2]
    st.caption(t("tf.grid_note", layers=L, heads=H))
    if v.kind == "encoder_self":
        encoder = selfattention.date_self_attention(v.name, v.text)
        grid = sa_charts.head_grid(encoder.maps, encoder.tokens, layer_label=t("tf.layer_n"), head_label=t("tf.head_n"))
    else:
        grid = charts.heads_grid(
            v.maps, v.queries, v.keys, causal=v.causal, layer_label=t("tf.layer_n"), head_label=t("tf.head_n")
        )
    st.plotly_chart(grid, key="tf_grid", config=theme.png_config("transformer-heads"), width="stretch")


def line_tab(v: View) -> None:
    """Choose a token and see what it attends to, as lines from queries to keys."""
    L, H = v.maps.shape[:2]
    queries, keys = v.queries, v.keys
    c1, c2, c3 = st.columns(3)
    line_layer = c1.selectbox(
        t("tf.layer"), range(L), index=L - 1, key="tf_line_layer", format_func=lambda i: f"{i + 1}"
    )
    line_head = c2.selectbox(t("tf.head"), ["avg", *range(H)], key="tf_line_head", format_func=v.head_label)
    pick = c3.selectbox(
        t("tf.token"),
        [None, *range(len(queries))],
        key="tf_line_token",
        format_func=lambda i: (
            t("tf.all_tokens", lang=v.lang) if i is None else f"{i + 1} · {theme.show_token(queries[i])}"
        ),
    )
    v.link.keep(token=0 if pick is None else pick + 1)
    w = v.maps[line_layer].mean(0) if line_head == "avg" else v.maps[line_layer, line_head]
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


def compare_tab(v: View) -> None:
    """The RNN model's attention and the Transformer's last-layer cross-attention, side by side."""
    st.markdown(t("tf.compare_intro"))
    left, right = presenter.columns(2, gap="large")
    rnn_name = next((e.name for e in services.model_catalog("date") if e.name == "date-additive"), None)
    with left:
        st.subheader(t("tf.rnn_side"))
        if rnn_name is None:
            st.info(t("errors.no_models", task="date-additive"))
        else:
            alignment = services.decode_text(rnn_name, v.text, 1)[0]
            components.big_output(alignment.text)
            components.heatmap_chart(alignment, key="tf_rnn_map", compact=True)
    with right:
        st.subheader(t("tf.tf_side"))
        components.big_output(v.result.text)
        n = len(v.result.output)
        cross = v.result.cross[-1].mean(0)[:n]
        fig = charts.single_map(cross, v.result.output, v.result.source, hover=t("tf.hover"))
        st.plotly_chart(fig, key="tf_cross_compare", width="stretch")
    st.markdown(t("tf.differences"))


def pick_input(link: links.Link, share_slot) -> str:
    """The date box and its examples: the tidied text."""
    st.write(t("tf.intro"))
    st.session_state.setdefault("tf_input", DATE_EXAMPLES[1])
    typed = st.text_input(t("text.input_label"), key="tf_input", max_chars=200, placeholder=t("text.input_placeholder"))
    components.example_pills(t("text.examples"), DATE_EXAMPLES, "tf_example", "tf_input")
    link.keep(text=typed)
    link.share_button(share_slot)
    return services.tidy(typed)


def pick_kind(result: TransformerAttention, lang: str) -> str:
    """The output, then the kind of attention to show."""
    components.big_output(result.text, t("tf.output_note", layers=result.cross.shape[0], heads=result.cross.shape[1]))
    st.session_state.setdefault("tf_kind", "cross")
    kind = st.segmented_control(
        t("tf.kind_label"),
        KINDS,
        required=True,
        key="tf_kind",
        format_func=lambda k: t(f"tf.kind_{k}", lang=lang),
    )
    st.caption(t(f"tf.about_{kind}"))
    return kind


def draw(share_slot, lang: str) -> None:
    """The whole date view (the page's title and model picker are drawn above it); ``share_slot`` holds the
    copy-link control."""
    entries = [e for e in services.model_catalog("date") if e.kind == "transformer"]
    if not entries:
        st.error(t("errors.no_models", task="date (Transformer)"))
        st.stop()
    name = entries[0].name
    shape = entries[0].card.multihead  # layers (the larger of encoder and decoder) and heads
    link = links.Link("transformer", share.transformer_fields(shape.layers, shape.heads))
    given = read_link(link)
    text = pick_input(link, share_slot)
    model = services.require_model(name)
    services.require_text(model, text)
    result = services.transformer_maps(name, text)
    kind = pick_kind(result, lang)
    link.keep(kind=kind)
    v = View(name=name, text=text, result=result, kind=kind, link=link, given=given, lang=lang)
    check_state(v)
    # Only the open tab runs: the grid of every head, the line view and the comparison with the RNN are drawn when
    # asked for, not for every date. A link may open another tab than the first; the URL follows the tab clicked since.
    tab_one, tab_grid, tab_lines, tab_compare = link.tabs(TAB_IDS, "tf_tab", lambda i: t(f"tf.tab_{i}"))
    for tab, drawn in ((tab_one, one_map), (tab_grid, grid_tab), (tab_lines, line_tab), (tab_compare, compare_tab)):
        with tab:
            if tab.open:
                drawn(v)
    link.share_button(share_slot)
