"""/transformer, MiniLM: the self-attention of a real pretrained sentence Transformer (all-MiniLM-L6-v2, 6 layers ×
12 heads) on the student's own sentence — every head at once, one head large, lines from one token, rollout, the
seven steps of the notes in the model's own numbers, head patterns measured, and two sentences across [SEP].

Only the open view runs. The model (and ``transformers``) load the first time this view opens, never before.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app.charts import heatmap, theme
from app.charts import self_attention as sa_charts
from app.charts import transformer_charts as charts
from app.i18n import t
from app.logic import share
from app.pages.transformer import steps_view
from app.services import selfattention as sa
from app.ui import components, links, presenter
from models.results import SelfAttention

EXAMPLES = [
    "The animal didn't cross the street because it was too tired.",  # a pronoun and its noun
    "The dog chased the other dog around the dog park.",  # a repeated word
    "Wait, what? No, no, no: stop, please!",  # punctuation
    "She gave him her book, and he read it twice.",
]
PAIRS = [  # (first, second): the same meaning, a related one, an unrelated one
    ("How old are you?", "What is your age?"),
    ("A man is playing a guitar.", "Someone is playing an instrument."),
    ("The cat sleeps on the sofa.", "Stock markets fell sharply today."),
]
VIEWS = ("grid", "one", "lines", "rollout", "steps", "patterns")
PAIR_VIEW = "pair"  # only with two sentences
LAYERS, HEADS = 6, 12
TOP = 12  # rows of the ranked table
LINE_ALL_MAX = 30  # the line view draws every token's lines up to this many tokens


def fields() -> dict[str, share.Field]:
    """This view's part of the URL: the sentence(s), the view, the layer, the head and the token."""
    return {
        "model": share.Choice(("date", "minilm")),  # the page's picker, so that the link opens this view
        "s": share.Text(sa.MAX_SENTENCE_CHARS),
        "s2": share.Text(sa.MAX_SENTENCE_CHARS),
        "mview": share.Choice((*VIEWS, PAIR_VIEW)),
        "mlayer": share.Integer(1, LAYERS),
        "mhead": share.Integer(1, HEADS),
        "mtoken": share.Integer(1, sa.MINILM_LIMIT),
    }


def read_link(link: links.Link) -> None:
    """A shared link's values go into the widgets first."""
    given = link.incoming()
    for field, key, shift in (
        ("s", "ml_text", 0),
        ("s2", "ml_pair", 0),
        ("mview", "ml_view", 0),
        ("mlayer", "ml_layer", 1),
        ("mhead", "ml_head", 1),
        ("mtoken", "ml_token", 1),
    ):
        if field in given:
            st.session_state[key] = given[field] - shift if shift else given[field]
    if "s2" in given:
        st.session_state["ml_mode"] = "two"


def clear_link(link: links.Link) -> None:
    """The date view is open: this view's values leave the URL."""
    link.keep(**dict.fromkeys(fields()))


def _use_pair() -> None:
    picked = st.session_state.get("ml_pair_example")
    if picked is not None:
        st.session_state["ml_text"], st.session_state["ml_pair"] = PAIRS[picked]


def _mode_changed() -> None:
    """Two sentences: an example's first sentence goes with its pair (a typed one stays)."""
    if st.session_state.get("ml_mode") == "two" and st.session_state.get("ml_text") in EXAMPLES:
        st.session_state["ml_text"], st.session_state["ml_pair"] = PAIRS[0]


def inputs(lang: str) -> tuple[str, str | None]:
    """The sentence box (and the second sentence's), with examples: (text, pair or None)."""
    st.session_state.setdefault("ml_mode", "one")
    mode = st.segmented_control(
        t("minilm.mode_label"),
        ["one", "two"],
        required=True,
        key="ml_mode",
        format_func=lambda m: t(f"minilm.mode_{m}", lang=lang),
        on_change=_mode_changed,
    )
    st.session_state.setdefault("ml_text", EXAMPLES[0])
    typed = st.text_input(
        t("minilm.input_label"), key="ml_text", max_chars=sa.MAX_SENTENCE_CHARS, placeholder=t("minilm.placeholder")
    )
    pair = None
    if mode == "two":
        st.session_state.setdefault("ml_pair", PAIRS[0][1])
        pair = st.text_input(
            t("minilm.pair_label"), key="ml_pair", max_chars=sa.MAX_SENTENCE_CHARS, placeholder=t("minilm.placeholder")
        )
        st.pills(
            t("minilm.pair_examples"),
            range(len(PAIRS)),
            key="ml_pair_example",
            on_change=_use_pair,
            format_func=lambda i: f"{PAIRS[i][0]} · {PAIRS[i][1]}",
        )
    else:
        components.example_pills(t("minilm.examples"), EXAMPLES, "ml_example", "ml_text")
    st.caption(t("minilm.scripts_note"))
    return " ".join(typed.split()), (" ".join(pair.split()) if pair is not None else None)


def selectors(result: SelfAttention, *, head: bool = True, token: bool = False, average: bool = False):
    """Layer (and head, and query token) pickers in one row: 0-based (layer, head or "avg", token)."""
    T = len(result.tokens)
    if st.session_state.get("ml_token", 0) >= T:
        st.session_state["ml_token"] = min(1, T - 1)
    if not average and st.session_state.get("ml_head") == "avg":
        st.session_state["ml_head"] = 0
    cols = st.columns(3)
    st.session_state.setdefault("ml_layer", 0)
    layer = cols[0].selectbox(t("tf.layer"), range(LAYERS), key="ml_layer", format_func=lambda i: f"{i + 1}")
    picked_head = None
    if head:
        st.session_state.setdefault("ml_head", 2)  # layer 1, head 3 looks at the previous token
        options = [*range(HEADS), "avg"] if average else list(range(HEADS))
        picked_head = cols[1].selectbox(
            t("tf.head"),
            options,
            key="ml_head",
            format_func=lambda h: t("tf.head_average") if h == "avg" else f"{h + 1}",
        )
    picked_token = None
    if token:
        st.session_state.setdefault("ml_token", min(1, T - 1))
        picked_token = cols[2].selectbox(
            t("tf.token"),
            range(T),
            key="ml_token",
            format_func=lambda i: f"{i + 1} · {theme.show_token(result.tokens[i])}",
        )
    return layer, picked_head, picked_token


def head_weights(result: SelfAttention, layer: int, head) -> np.ndarray:
    return result.maps[layer].mean(0) if head == "avg" else result.maps[layer, head]


def head_name(layer: int, head) -> str:
    return t("minilm.head_title", layer=layer + 1, head=t("tf.head_average") if head == "avg" else head + 1)


def grid_view(result: SelfAttention) -> None:
    """The model view: 6 × 12 thumbnails, the chosen head outlined."""
    st.caption(t("minilm.grid_note"))
    if len(result.tokens) > sa_charts.THUMB_CELLS:
        st.caption(t("minilm.grid_pooled", n=len(result.tokens), cells=sa_charts.THUMB_CELLS))
    head = st.session_state.get("ml_head", 2)
    selected = (st.session_state.get("ml_layer", 0), head if isinstance(head, int) else 0)
    fig = sa_charts.head_grid(
        result.maps, result.tokens, layer_label=t("tf.layer_n"), head_label=t("minilm.head_short"), selected=selected
    )
    st.plotly_chart(fig, key="ml_grid", config=theme.png_config("minilm-heads"), width="stretch")


def one_view(result: SelfAttention) -> None:
    """One head large, with its peak weight and entropy (one scale for every map)."""
    layer, head, _ = selectors(result, average=True)
    w = head_weights(result, layer, head)
    fig = charts.single_map(
        w,
        result.tokens,
        result.tokens,
        title=head_name(layer, head),
        hover=t("tf.hover"),
        x_title=t("tf.keys_axis"),
        y_title=t("tf.queries_axis"),
    )
    st.plotly_chart(presenter.fit(fig), key="ml_map", config=theme.png_config("minilm-head"), width="stretch")
    entropy = float(np.mean([heatmap.entropy(row) for row in w]))
    st.caption(t("minilm.map_stats", peak=float(w.max()), entropy=entropy, uniform=float(np.log2(w.shape[1]))))


PRONOUN = (3, 1, "it")  # layer 4, head 2 links "it" to "animal" in the first example (0.68; "street" 0.05)


def _show_pronoun(token: int) -> None:
    st.session_state["ml_layer"], st.session_state["ml_head"] = PRONOUN[:2]
    st.session_state["ml_token"] = token


def lines_view(result: SelfAttention) -> None:
    """BertViz's head view: lines from the chosen token to what it looks at, in one head (or the average) or in
    every head of the layer, one colour each. On the first example, a button shows the head that links the
    pronoun to its noun."""
    if result.text == EXAMPLES[0] and PRONOUN[2] in result.tokens:
        st.button(
            t("minilm.show_pronoun"),
            key="ml_show_pronoun",
            on_click=_show_pronoun,
            args=(result.tokens.index(PRONOUN[2]),),
            icon=":material/link:",
        )
    if st.toggle(t("minilm.all_heads_lines"), key="ml_all_heads"):
        layer, _, token = selectors(result, head=False, token=True)
        fig = sa_charts.heads_lines(
            result.maps[layer],
            result.tokens,
            token,
            head_label=t("minilm.head_short"),
            left_title=t("tf.queries_axis"),
            right_title=t("tf.keys_axis"),
        )
        st.plotly_chart(fig, key="ml_lines", config=theme.png_config("minilm-heads-lines"), width="stretch")
        st.caption(t("minilm.all_heads_note"))
        return
    layer, head, token = selectors(result, token=True, average=True)
    w = head_weights(result, layer, head)
    every = len(result.tokens) <= LINE_ALL_MAX and st.toggle(t("minilm.all_lines"), key="ml_all_lines")
    fig = charts.line_view(
        w,
        result.tokens,
        result.tokens,
        selected=None if every else token,
        left_title=t("tf.queries_axis"),
        right_title=t("tf.keys_axis"),
    )
    st.plotly_chart(fig, key="ml_lines", config=theme.png_config("minilm-lines"), width="stretch")
    best = int(np.argmax(w[token]))
    st.markdown(
        t(
            "tf.line_summary",
            token=theme.show_token(result.tokens[token]),
            best=theme.show_token(result.tokens[best]),
            weight=float(w[token, best]),
        )
    )


def rollout_view(result: SelfAttention, text: str, pair: str | None) -> None:
    """Attention rollout through layers 1..l, heads averaged."""
    st.caption(t("rollout.about_rollout"))
    layer, _, _ = selectors(result, head=False)
    rolled = sa.sentence_rollout(text, pair)
    fig = charts.single_map(
        rolled[layer],
        result.tokens,
        result.tokens,
        title=t("rollout.map_title", layer=layer + 1),
        hover=t("tf.hover"),
        x_title=t("tf.keys_axis"),
        y_title=t("tf.queries_axis"),
    )
    st.plotly_chart(presenter.fit(fig), key="ml_rollout", config=theme.png_config("minilm-rollout"), width="stretch")


def _show_head(pattern: str, patterns: dict[str, np.ndarray]) -> None:
    """'Show me a head that …': the strongest head for the pattern, opened large."""
    shares = patterns[pattern]
    if np.all(np.isnan(shares)):
        return
    layer, head = np.unravel_index(int(np.nanargmax(shares)), shares.shape)
    st.session_state["ml_layer"], st.session_state["ml_head"] = int(layer), int(head)
    st.session_state["ml_view"] = "one"


def pattern_tables(patterns: dict[str, np.ndarray], pattern: str) -> None:
    """The strongest head for each pattern, and the heads ranked on the chosen one."""
    shares = patterns[pattern]
    best_rows = []
    for p in sa.PATTERNS:
        if not np.all(np.isnan(patterns[p])):
            layer, head = np.unravel_index(int(np.nanargmax(patterns[p])), patterns[p].shape)
            best_rows.append((t(f"minilm.pattern_{p}"), layer + 1, head + 1, float(patterns[p][layer, head])))
    columns = [t("minilm.col_pattern"), t("tf.layer"), t("tf.head"), t("minilm.col_share")]
    best = pd.DataFrame(best_rows, columns=columns).sort_values(columns[-1], ascending=False)
    best.index = range(1, len(best) + 1)  # the rank
    st.subheader(t("minilm.best_title"))
    components.big_table(best.reset_index(names="#"), digits=3)
    if not np.all(np.isnan(shares)):
        order = np.argsort(np.nan_to_num(shares, nan=-1.0), axis=None)[::-1][:TOP]
        ranked = pd.DataFrame(
            [(i + 1, int(k) // HEADS + 1, int(k) % HEADS + 1, float(shares.flat[k])) for i, k in enumerate(order)],
            columns=["#", t("tf.layer"), t("tf.head"), t("minilm.col_share")],
        )
        st.subheader(t("minilm.ranked_title", n=TOP, pattern=t(f"minilm.pattern_{pattern}")))
        components.big_table(ranked, digits=3)


def patterns_view(result: SelfAttention, text: str, lang: str) -> None:
    """For every head, the share of its attention on the previous token, the next, [CLS], [SEP], ...: a ranked
    table and a coloured grid, on this sentence or on the examples; a button opens the strongest head."""
    st.caption(t("minilm.patterns_note"))
    st.session_state.setdefault("ml_scope", "sentence")
    scope = st.segmented_control(
        t("minilm.scope_label"),
        ["sentence", "examples"],
        required=True,
        key="ml_scope",
        format_func=lambda s: t(f"minilm.scope_{s}", lang=lang, n=len(EXAMPLES)),
    )
    texts = (text,) if scope == "sentence" else tuple(EXAMPLES)
    patterns = sa.patterns_of(texts)
    st.session_state.setdefault("ml_pattern", "previous")
    pattern = st.selectbox(
        t("minilm.pattern_label"),
        sa.PATTERNS,
        key="ml_pattern",
        format_func=lambda p: t(f"minilm.pattern_{p}", lang=lang),
    )
    shares = patterns[pattern]
    if np.all(np.isnan(shares)):
        st.info(t("minilm.pattern_absent", pattern=t(f"minilm.pattern_{pattern}")))
    else:
        best = np.unravel_index(int(np.nanargmax(shares)), shares.shape)
        fig = sa_charts.share_grid(
            shares,
            title=t("minilm.pattern_grid_title", pattern=t(f"minilm.pattern_{pattern}")),
            layer_label=t("tf.layer_n"),
            head_label=t("minilm.head_short"),
            hover=t("minilm.share_hover"),
            selected=(int(best[0]), int(best[1])),
        )
        st.plotly_chart(fig, key="ml_pattern_grid", config=theme.png_config(f"minilm-{pattern}"), width="stretch")
    st.markdown(t("minilm.show_me"))
    buttons = st.columns(4)
    for i, p in enumerate(sa.PATTERNS):
        buttons[i % 4].button(
            t(f"minilm.pattern_{p}"),
            key=f"ml_show_{p}",
            on_click=_show_head,
            args=(p, patterns),
            disabled=bool(np.all(np.isnan(patterns[p]))),
            width="stretch",
        )
    pattern_tables(patterns, pattern)


def pair_view(result: SelfAttention, text: str, pair: str) -> None:
    """Two sentences across [SEP]: how much each head looks across, the model's similarity beside it."""
    similarity = sa.sentence_similarity(text, pair)
    across = sa.pair_patterns(text, pair)
    layer, head = np.unravel_index(int(np.argmax(across)), across.shape)
    left, right = st.columns(2, gap="large")
    left.metric(t("minilm.similarity"), f"{similarity:.3f}")
    left.caption(t("minilm.similarity_note"))
    right.metric(t("minilm.most_across"), f"{across[layer, head]:.0%}")
    right.caption(t("minilm.head_title", layer=layer + 1, head=head + 1))
    fig = sa_charts.share_grid(
        across,
        title=t("minilm.across_title"),
        layer_label=t("tf.layer_n"),
        head_label=t("minilm.head_short"),
        hover=t("minilm.share_hover"),
        selected=(int(layer), int(head)),
    )
    st.plotly_chart(fig, key="ml_across", config=theme.png_config("minilm-across"), width="stretch")
    w = result.maps[layer, head]
    fig = charts.single_map(
        w,
        result.tokens,
        result.tokens,
        title=t("minilm.head_title", layer=layer + 1, head=head + 1),
        hover=t("tf.hover"),
        x_title=t("tf.keys_axis"),
        y_title=t("tf.queries_axis"),
    )
    st.plotly_chart(presenter.fit(fig), key="ml_pair_map", config=theme.png_config("minilm-pair"), width="stretch")


def draw(share_slot, lang: str, link: links.Link) -> None:
    """The whole MiniLM view, under the page's title and model picker."""
    read_link(link)
    st.write(t("minilm.intro"))
    text, pair = inputs(lang)
    link.keep(model="minilm", s=text or None, s2=pair or None)
    link.share_button(share_slot)
    with st.spinner(t("minilm.loading")):
        model = sa.minilm_or_message()
    if model is None:
        return
    sa.require_sentence(model, text, pair)
    result = sa.sentence_attention(text, pair)
    unknown = sa.unknown_words(text + (" " + pair if pair else ""))
    if unknown:
        st.warning(t("minilm.unknown", words=", ".join(f"“{w}”" for w in unknown[:10])))
    st.caption(t("minilm.pieces", n=len(result.tokens)))
    st.code(" ".join(result.tokens), language=None, wrap_lines=True)

    views = (*VIEWS, PAIR_VIEW) if pair is not None else VIEWS
    if st.session_state.get("ml_view") not in views:
        st.session_state["ml_view"] = "grid"
    view = st.segmented_control(
        t("minilm.view_label"),
        views,
        required=True,
        key="ml_view",
        format_func=lambda v: t(f"minilm.view_{v}", lang=lang),
    )
    if view == "grid":
        grid_view(result)
    elif view == "one":
        one_view(result)
    elif view == "lines":
        lines_view(result)
    elif view == "rollout":
        rollout_view(result, text, pair)
    elif view == "steps":
        layer, head, token = selectors(result, token=True)
        steps_view.draw(sa.head_steps(text, layer, head, token, pair), result)
    elif view == "patterns":
        patterns_view(result, text, lang)
    elif view == PAIR_VIEW and pair is not None:
        pair_view(result, text, pair)
    layer, head, token = (st.session_state.get(k) for k in ("ml_layer", "ml_head", "ml_token"))
    link.keep(
        mview=view,
        mlayer=layer + 1 if isinstance(layer, int) else None,
        mhead=head + 1 if isinstance(head, int) else None,
        mtoken=token + 1 if isinstance(token, int) else None,
    )
    link.share_button(share_slot)
