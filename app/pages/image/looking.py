"""/image: what the model is, what it knows about this picture, and whether its attention is on the thing it
names — the deletion test (blank the area a word looked at; does the word lose more than with a random area?)."""

from __future__ import annotations

import streamlit as st

from app import services
from app.charts import overlay
from app.i18n import t
from models.cards import ModelCard
from models.results import VisualAttention

EVERYDAY = "caption-photo"  # the task of the everyday-photo captioner; the aerial one's is "caption-aerial"
NOT_FAMILIAR = {"caption": "image.photo_on_shapes_model", EVERYDAY: "image.not_everyday"}  # else: not_aerial


def model_notes(card: ModelCard) -> None:
    """A standing line on what the model was trained on (and how well it does on photos it never saw)."""
    if card.task == "caption":
        st.info(t("image.shapes_notice"), icon=":material/category:")
        return
    everyday = card.task == EVERYDAY
    lines = [t("image.hint_caption-photo" if everyday else "image.aerial_hint")] if card.familiarity else []
    val = card.caption_scores
    if val is not None:
        numbers = {"n": val.n_images, "bleu4": val.bleu4, "cider": val.cider, "distinct": val.distinct_captions}
        lines.append(t("image.numbers_caption-photo" if everyday else "image.aerial_numbers", **numbers))
    if lines:
        icon = ":material/photo_camera:" if everyday else ":material/satellite_alt:"
        st.caption(icon + " " + " ".join(lines))


def route_line(route: services.Route, titles: dict[str, str]) -> None:
    """Which captioner an upload went to and why: every rule's distance over its limit."""
    parts = [
        t("image.route_part", model=titles.get(n, n), ratio=c.distance / max(c.threshold, 1e-9))
        for n, c in route.checks
    ]
    why = " · ".join(parts) + "; " + t("image.route_scale")
    key = "image.routed" if route.recognised else "image.routed_none"
    st.caption(":material/alt_route: " + t(key, model=titles.get(route.name, route.name), why=why))


def picture_notes(
    name: str,
    card: ModelCard,
    image,
    photo: services.GalleryPhoto | None,
    route: services.Route | None,
    titles: dict[str, str],
) -> None:
    """Beside the caption: what a person wrote for a gallery photo, and, when the picture looks nothing like
    what this model learned from (its own measured rule), which captioner it does look like — or a warning
    when none of them recognises it."""
    if photo is not None:
        st.caption(t("image.person_wrote", caption=photo.caption, label=photo.label))
    check = services.aerial_check(name, image)
    if check is None or check.looks_aerial:
        return
    if route is not None and route.recognised and route.name != name:
        st.info(t("image.better_elsewhere", other=titles.get(route.name, route.name)), icon=":material/alt_route:")
        return
    st.warning(
        t(NOT_FAMILIAR.get(card.task, "image.not_aerial"), distance=check.distance, threshold=check.threshold),
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
        if deletion.by_word:
            with st.expander(t("image.deletion_by_word", n=deletion.n_images)):
                rows = [
                    {
                        t("image.col_word"): w.word,
                        t("image.del_times"): w.n,
                        t("image.del_share"): f"{w.attended_hurts_more:.0%}",
                    }
                    for w in deletion.by_word
                ]
                st.dataframe(rows, hide_index=True, width="stretch")


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
