"""/image: the caption and its maps — word by word, all words, the beams, the numbers. The same views for every
captioner (shapes world or photos); ``hits`` (did a word look at its object?) exist only where the truth is known.
"""

from __future__ import annotations

import io
import time

import numpy as np
import streamlit as st

from app import services
from app.charts import heatmap, overlay, theme
from app.i18n import t
from models.results import VisualAttention


def map_stats(best: VisualAttention, i: int) -> str:
    """Peak weight and entropy of word ``i``'s map (and its β gate)."""
    w = best.weights[i]
    gate = f" · β\u00a0{best.gates[i]:.2f}" if best.gates is not None else ""
    return t("image.map_stats", peak=float(w.max()), entropy=heatmap.entropy(w.ravel())) + gate


def caption_summary(best: VisualAttention, scene: services.Scene | None, hits: list | None) -> None:
    """The caption as chips, and for a generated scene whether it is right and how many words looked right."""
    st.markdown(overlay.word_chips_html(best.words, hits=hits), unsafe_allow_html=True)
    if scene is None:
        return
    if " ".join(best.words) == scene.caption:
        st.success(t("image.caption_right"))
    else:
        st.warning(t("image.caption_wrong", truth=scene.caption))
    scored = [h for h in (hits or []) if h is not None]
    if scored:
        st.caption(t("image.hits_summary", hit=sum(scored), n=len(scored)))


def one_word(best: VisualAttention, i: int, hits: list | None, cmap: str, opacity: float, slots) -> None:
    """Word ``i``'s map over the picture, large, with its chips, numbers and the colour scale beside it."""
    big_slot, side_slot = slots
    vmax = float(best.weights.max())
    big = overlay.attention_overlay(best.image, best.weights[i], vmax, cmap, opacity, scale=4)
    big_slot.image(big, width="stretch")
    with side_slot.container():
        st.markdown(overlay.word_chips_html(best.words, active=i, hits=hits), unsafe_allow_html=True)
        st.markdown(f"### “{best.words[i]}”")
        st.markdown(map_stats(best, i))
        if hits is not None and hits[i] is not None:
            st.markdown(t("image.hit") if hits[i] else t("image.miss"))
        st.markdown(overlay.colorbar_html(cmap, vmax), unsafe_allow_html=True)
        st.caption(t("image.scale_note"))


def word_view(best: VisualAttention, hits: list | None, cmap: str, opacity: float) -> None:
    """A word slider (starting at the first object word) and a play button; the chosen word's map."""
    controls, play = st.columns([5, 1], vertical_alignment="bottom")
    n_words = len(best.words)
    index = 0
    if n_words > 1:
        named = [i for i, h in enumerate(hits or []) if h is not None]
        index = controls.select_slider(
            t("image.word_slider"),
            options=list(range(n_words)),
            value=named[0] if named else min(1, n_words - 1),
            format_func=lambda i: f"{i + 1} · {best.words[i]}",
            key="image_word",
        )
    playing = play.button(t("text.play"), key="image_play", icon=":material/play_arrow:", width="stretch")
    left, right = st.columns([3, 2], gap="large")
    slots = (left.empty(), right.empty())
    if playing:
        for i in range(n_words):
            one_word(best, i, hits, cmap, opacity, slots)
            time.sleep(0.8)
    one_word(best, index, hits, cmap, opacity, slots)


def grid_view(best: VisualAttention, name: str, cmap: str, opacity: float) -> None:
    """Every word's map, five to a row, and the sheet and the numbers to download."""
    vmax = float(best.weights.max())
    per_row = 5
    for start in range(0, len(best.words), per_row):
        for column, i in zip(st.columns(per_row), range(start, min(start + per_row, len(best.words))), strict=False):
            panel = overlay.attention_overlay(best.image, best.weights[i], vmax, cmap, opacity, scale=2)
            column.image(panel, caption=f"{best.words[i]} · {map_stats(best, i)}", width="stretch")
    st.markdown(overlay.colorbar_html(cmap, vmax), unsafe_allow_html=True)

    def sheet() -> bytes:  # made when clicked: encoding the sheet cost more than the rest of the page
        buffer = io.BytesIO()
        overlay.overlay_grid(best, cmap, opacity).save(buffer, format="PNG")
        return buffer.getvalue()

    d1, d2, _ = st.columns([1.3, 1.3, 2])
    d1.download_button(
        t("image.download_png"),
        sheet,
        "attention-grid.png",
        "image/png",
        key="image_dl_png",
        icon=":material/image:",
        on_click="ignore",  # a download changes nothing on the page: no run
    )
    d2.download_button(
        t("image.download_json"),
        lambda: overlay.maps_json(best, model=name),
        "attention-maps.json",
        "application/json",
        key="image_dl_json",
        icon=":material/data_object:",
        on_click="ignore",  # a download changes nothing on the page: no run
    )


def beams_view(beams: list[VisualAttention], beam_width: int) -> None:
    """The beam's captions with their scores."""
    if beam_width == 1:
        st.info(t("text.beams_hint"))
    rows = [
        {
            t("text.beam_rank"): i + 1,
            t("image.beam_caption"): " ".join(b.words),
            t("text.beam_logprob"): round(b.score, 3),
            t("text.beam_normalised"): round(b.score / (len(b.words) + 1), 3),
        }
        for i, b in enumerate(beams)
    ]
    st.dataframe(rows, hide_index=True, width="stretch")


def numbers_view(best: VisualAttention, hits: list | None) -> None:
    """Per word: its peak weight, where it is, the entropy, β and whether it hit its object; the model's input."""
    st.markdown(t("image.numbers_intro", h=best.weights.shape[1], w=best.weights.shape[2], size=best.image.width))
    rows = []
    for i, w in enumerate(best.words):
        m = best.weights[i]
        y, x = np.unravel_index(int(np.argmax(m)), m.shape)
        rows.append(
            {
                "#": i + 1,
                t("image.col_word"): w,
                t("image.col_peak"): round(float(m.max()), 4),
                t("image.col_where"): f"({y}, {x})",
                t("image.col_entropy"): round(heatmap.entropy(m.ravel()), 3),
                "β": None if best.gates is None else round(float(best.gates[i]), 3),
                t("image.col_hit"): None if hits is None or hits[i] is None else ("✓" if hits[i] else "✗"),
            }
        )
    st.dataframe(rows, hide_index=True, width="stretch")
    st.image(
        best.image.resize((best.image.width * 2, best.image.height * 2)),
        caption=t("image.as_seen"),
        width=theme.CELL_PX * 8,
    )
