"""/image: what the model is, what it knows about this picture, and whether its attention is on the thing it
names — the deletion test (blank the area a word looked at; does the word lose more than with a random area?)."""

from __future__ import annotations

import streamlit as st

from app import services
from app.charts import overlay
from app.i18n import t
from models.cards import ModelCard
from models.results import VisualAttention


def model_notes(card: ModelCard) -> None:
    """A standing line on what the model was trained on (and how well it does on photos it never saw)."""
    if card.task == "caption":
        st.info(t("image.shapes_notice"), icon=":material/category:")
        return
    lines = [t("image.aerial_hint")] if card.familiarity is not None else []
    val = card.caption_scores
    if val is not None:
        numbers = {"n": val.n_images, "bleu4": val.bleu4, "cider": val.cider, "distinct": val.distinct_captions}
        lines.append(t("image.aerial_numbers", **numbers))
    if lines:
        st.caption(":material/satellite_alt: " + " ".join(lines))


def picture_notes(name: str, best: VisualAttention, image, photo: services.GalleryPhoto | None) -> None:
    """Beside the caption: what a person wrote for a gallery photo, and a warning when the picture looks nothing
    like the photos the model learned from (the model's own measured rule)."""
    if photo is not None:
        st.caption(t("image.person_wrote", caption=photo.caption, label=photo.label))
    check = services.aerial_check(name, image)
    if check is not None and not check.looks_aerial:
        st.warning(
            t("image.not_aerial", distance=check.distance, threshold=check.threshold),
            icon=":material/travel_explore:",
        )


def _card_summary(card: ModelCard) -> None:
    deletion = card.deletion
    if deletion is not None:
        st.caption(
            t(
                "image.deletion_card",
                share=deletion.attended_hurts_more,
                words=deletion.words,
                n=deletion.n_images,
                ratio=deletion.median_drop_ratio,
            )
        )


def deletion_view(name: str, card: ModelCard, image, best: VisualAttention) -> None:
    """The deletion test for this picture, on request (it re-reads the picture about eleven times a word)."""
    st.markdown(t("image.deletion_intro"))
    _card_summary(card)
    asked = st.session_state.get("image_deletion_for")
    current = f"{name}:{services.image_key(image)}"
    if asked != current:
        st.button(
            t("image.deletion_run"),
            key="image_deletion_run",
            icon=":material/science:",
            on_click=lambda: st.session_state.update(image_deletion_for=current),
        )
        return
    with st.spinner(t("image.deletion_running")):
        results = services.word_deletion(name, image)
    if not results:
        st.info(t("image.deletion_none"))
        return
    hurt = sum(r.attention_matters for r in results)
    st.markdown(t("image.deletion_summary", hurt=hurt, n=len(results)))
    rows = [
        {
            t("image.col_word"): r.word,
            t("image.del_full"): round(r.p_full, 3),
            t("image.del_attended"): round(r.p_attended, 3),
            t("image.del_random"): round(float(r.p_random.mean()), 3),
            t("image.del_verdict"): "✓" if r.attention_matters else "✗",
        }
        for r in results
    ]
    st.dataframe(rows, hide_index=True, width="stretch")
    k = st.selectbox(
        t("image.del_word"), range(len(results)), key="image_deletion_word", format_func=lambda i: results[i].word
    )
    left, right = st.columns(2)
    seen = overlay.blanked(best.image, results[k].mask)  # what the model saw when it re-scored the word
    left.image(seen, caption=t("image.del_blanked", word=results[k].word), width="stretch")
    right.markdown(t("image.deletion_read"))
