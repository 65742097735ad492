"""/image, acting on attention: force one word to look at a region you choose and watch the rest of the caption
change (what-if), the beam search as a tree, and a quiz — guess where a word looks, then see.

Regions are picked by clicking the picture (a Plotly selection) or with the row and column sliders; both write
the same session keys. A click is applied once: afterwards the sliders rule until the next click.
"""

from __future__ import annotations

import streamlit as st

from app import services
from app.charts import beam_tree, overlay
from app.i18n import t
from app.logic import whatif
from app.pages.text import tree as tree_nodes
from models.results import VisualAttention

WORD, ROW, COL, PATCH = "image_edit_word", "image_edit_row", "image_edit_col", "image_edit_patch"
NODE = "image_tree_node"


# ----------------------------------------------------------------------------- picking a region


def _apply_click(chart_key: str, row_key: str, col_key: str) -> None:
    """A new click on the chart moves the row and column sliders there (before they are drawn)."""
    event = st.session_state.get(chart_key) or {}  # a PlotlyState, a dict: {"selection": {"points": [...]}}
    points = event.get("selection", {}).get("points", [])
    data = points[0].get("customdata") if points else None  # [row, column]; the frontend sends {"0": r, "1": c}
    if data is None:
        return
    values = list(data.values()) if isinstance(data, dict) else list(data)
    row, col = int(values[0]), int(values[1])
    if st.session_state.get(f"{chart_key}_applied") != (row, col):
        st.session_state[f"{chart_key}_applied"] = (row, col)
        st.session_state[row_key], st.session_state[col_key] = row, col


def region_input(image, side: int, prefix: str, patch: int = 1, default: tuple[int, int] | None = None):
    """The picture to click on (one point per region) and the row / column sliders; the chosen (row, column)."""
    chart, row_key, col_key = f"{prefix}_chart", f"{prefix}_row", f"{prefix}_col"
    _apply_click(chart, row_key, col_key)
    middle = default or (side // 2, side // 2)
    st.session_state.setdefault(row_key, middle[0])
    st.session_state.setdefault(col_key, middle[1])
    for key in (row_key, col_key):  # a smaller grid after a model switch
        st.session_state[key] = min(max(int(st.session_state[key]), 0), side - 1)
    chosen = (st.session_state[row_key], st.session_state[col_key])
    fig = overlay.region_picker(image, side, chosen, patch)
    st.plotly_chart(
        fig, key=chart, on_select="rerun", selection_mode="points", config={"displayModeBar": False}, width="stretch"
    )
    c1, c2 = st.columns(2)
    row = c1.slider(t("image.region_row"), 0, side - 1, key=row_key)
    col = c2.slider(t("image.region_col"), 0, side - 1, key=col_key)
    return row, col


# ----------------------------------------------------------------------------- what if?


def _example_button(scene, original: VisualAttention, side: int) -> None:
    example = services.colour_swap_example(scene, original.words, side) if scene is not None else None
    if example is None:
        return
    step, row, col, colour = example

    def use() -> None:
        st.session_state.update({WORD: step, ROW: row, COL: col, PATCH: 3})

    st.button(
        t("image.whatif_example", word=original.words[step], colour=colour),
        key="image_whatif_example",
        icon=":material/lightbulb:",
        on_click=use,
    )


def _verdict(scene, original: VisualAttention, edited: VisualAttention, step: int, region: tuple[int, int]) -> None:
    """What changed; on a shapes scene, whether the word now names the object it was made to look at."""
    changed = [i for i, (a, b) in enumerate(zip(original.words, edited.words, strict=False)) if a != b]
    changed += list(range(min(len(original.words), len(edited.words)), max(len(original.words), len(edited.words))))
    if changed:
        st.warning(t("image.whatif_changed", before=" ".join(original.words), after=" ".join(edited.words)))
    else:
        st.success(t("image.whatif_unchanged", word=original.words[step]))
    if scene is None or step >= len(edited.words):
        return
    kind, thing = services.word_kind(original.words[step]), services.object_at(scene, *region, edited.weights.shape[1])
    if kind is None or thing is None:
        return
    expected = getattr(thing, kind)
    key = "image.whatif_followed" if edited.words[step] == expected else "image.whatif_not_followed"
    st.markdown(t(key, word=edited.words[step], expected=expected, kind=t(f"image.kind_{kind}")))


def whatif_view(name: str, image, scene, cmap: str, opacity: float, link) -> None:
    """Pick a word, then a region: that word looks there, the rest of the caption follows."""
    original = services.caption_image(name, image, 1)[0]
    side = original.weights.shape[1]
    st.markdown(t("image.whatif_intro"))
    st.caption(t("whatif.greedy_note"))
    _example_button(scene, original, side)
    if st.session_state.get(WORD) not in range(len(original.words)):
        named = services.named_words(original.words)
        st.session_state[WORD] = named[0] if named else 0
    step = st.selectbox(
        t("image.whatif_word"),
        range(len(original.words)),
        key=WORD,
        format_func=lambda i: f"{i + 1} · {original.words[i]}",
    )
    patch = st.segmented_control(
        t("image.whatif_patch"),
        whatif.PATCHES,
        key=PATCH,
        default=None if PATCH in st.session_state else 1,
        required=True,
        format_func=lambda p: t("image.patch_one") if p == 1 else f"{p} × {p}",
    )
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown(t("image.whatif_click"))
        peak = divmod(int(original.weights[step].argmax()), side)  # to start with: where the word looked itself
        region = region_input(original.image, side, "image_edit", patch, default=peak)
    weights = whatif.region_weights(side, *region, patch)
    edited = services.caption_forced(name, image, step, weights)
    link.keep(edit=step + 1, row=region[0] + 1, col=region[1] + 1, patch=patch)
    with right:
        st.markdown(f"**{t('whatif.own')}**")
        st.markdown(overlay.word_chips_html(original.words, active=step), unsafe_allow_html=True)
        st.markdown(f"**{t('whatif.edited')}**")
        st.markdown(overlay.word_chips_html(edited.words, active=step), unsafe_allow_html=True)
        _verdict(scene, original, edited, step, region)
        vmax = float(max(original.weights.max(), edited.weights.max()))
        a, b = st.columns(2)
        a.image(
            overlay.attention_overlay(original.image, original.weights[step], vmax, cmap, opacity, scale=2),
            caption=t("image.whatif_own_map", word=original.words[step]),
            width="stretch",
        )
        if step < len(edited.words):
            b.image(
                overlay.attention_overlay(edited.image, edited.weights[step], vmax, cmap, opacity, scale=2),
                caption=t("image.whatif_edited_map", word=edited.words[step]),
                width="stretch",
            )


def restore(given: dict) -> None:
    """A shared link's what-if edit (1-based in the URL) into the widgets' state."""
    for field, key in (("edit", WORD), ("row", ROW), ("col", COL)):
        if field in given:
            st.session_state[key] = given[field] - 1
    if given.get("patch") in whatif.PATCHES:
        st.session_state[PATCH] = given["patch"]
    if "edit" in given:  # a link with an edit opens on it
        st.session_state["image_tab"] = t("image.tab_whatif")


# ----------------------------------------------------------------------------- the beam tree


def tree_view(beams: list[VisualAttention], cmap: str, opacity: float) -> None:
    """The search that found the beams, as a tree; a chosen node's prefix with the map of each of its words."""
    tree = beams[0].tree
    if tree is None or len(tree.nodes) < 2:
        return
    node, names = tree_nodes.choose_node(tree, beams[0].words, NODE, joiner=" ")
    fig = beam_tree.beam_tree(
        tree, selected=node, status_names=names, hover=t("tree.hover"), x_title=t("tree.step_axis"), joiner=" "
    )
    st.plotly_chart(fig, key="image_tree", config={"displaylogo": False}, width="stretch")
    path = [k for k in tree.path(node) if tree.nodes[k].weights is not None]
    vmax = max(float(tree.nodes[k].weights.max()) for k in path) if path else 1.0
    for start in range(0, len(path), 6):
        for column, k in zip(st.columns(6), path[start : start + 6], strict=False):
            panel = overlay.attention_overlay(beams[0].image, tree.nodes[k].weights, vmax, cmap, opacity, scale=1)
            column.image(panel, caption=beam_tree.node_label(tree.nodes[k].token), width="stretch")
