"""/image: a CNN + LSTM captioner writes a caption, and for every word we see where in the image it looked.

Every captioner gets the same views (the shapes world, where the truth of every scene is known, and photo models
such as the aerial captioner): word by word, all words, the beams and their search tree, whether the attention
is on the thing named (deletion), what-if edits of one word's attention, a quiz, and the numbers.
"""

import streamlit as st

from app import services
from app.charts import overlay
from app.i18n import current_language, t
from app.logic import share
from app.pages.image import acting, looking, picture, views
from app.pages.image import quiz as quiz_view
from app.ui import links
from app.ui.tabs import lazy_tabs

st.title(t("image.title"))
st.write(t("image.intro"))
lang = current_language()  # format_func may run after the script (AppTest): fix the language now

entries = services.image_models()
if not entries:
    st.error(t("errors.no_models", task="caption"))
    st.stop()
titles = {e.name: e.card.title for e in entries}
most_pictures = max([len(services.gallery_scenes())] + [len(services.photo_gallery(e.name)[0]) for e in entries])
link = links.Link("image", share.image_fields(tuple(titles), most_pictures))
given = link.incoming()  # a shared link: the model, the gallery picture, the word, the beam width, the edit
if "model" in given:
    st.session_state["image_model"] = given["model"]
if "pick" in given:
    st.session_state["image_source"], st.session_state["image_pick"] = "gallery", given["pick"] - 1
for field, key, shift in (("word", "image_word", 1), ("beam", "image_beam", 0)):
    if field in given:
        st.session_state[key] = given[field] - shift
acting.restore(given)
top_left, top_right, share_column = st.columns([5, 4, 3], gap="medium", vertical_alignment="bottom")
share_slot = share_column.empty()  # the copy-link control
name = top_right.selectbox(t("image.model_label"), list(titles), key="image_model", format_func=titles.get)
entry = next(e for e in entries if e.name == name)
photos, credit = services.photo_gallery(name)
choices = picture.sources(entry.task, bool(photos))
if st.session_state.get("image_source") not in choices:
    st.session_state["image_source"] = choices[0]
source = top_left.segmented_control(
    t("image.source_label"),
    choices,
    required=True,
    key="image_source",
    format_func=lambda s: t(f"image.source_{s}", lang=lang),
)
looking.model_notes(entry.card)

chosen = picture.picture(source, photos)
route = picture.route_of(chosen.image) if source in ("upload", "camera") else None
if route is not None:
    looking.route_line(route, titles)

caption_slot = st.container()  # the caption goes above the settings that shape it: it is what people look for
c1, c2, c3 = st.columns(3)
beam_width = c1.slider(t("image.beam_label"), 1, 10, 3, key="image_beam", help=t("image.beam_help"))
cmap = c2.selectbox(t("image.cmap_label"), overlay.COLOR_MAPS, key="image_cmap")
opacity = c3.slider(t("image.opacity_label"), 0.1, 1.0, 0.65, 0.05, key="image_opacity")
link.keep(model=name, pick=st.session_state.get("image_pick", 0) + 1 if source == "gallery" else None, beam=beam_width)
link.share_button(share_slot)

services.require_model(name)
with st.spinner(t("image.thinking")):
    beams = services.caption_search(name, chosen.image, beam_width)
best = beams[0]
if not best.words:
    st.warning(t("image.no_words"))
    st.stop()

hits = services.word_hits(best, chosen.scene) if chosen.scene is not None and entry.task == "caption" else None
if "image_word" in st.session_state and st.session_state["image_word"] not in range(len(best.words)):
    links.ignored_notice(["word"] if "word" in given else [])
    del st.session_state["image_word"]
with caption_slot:
    views.caption_summary(best, chosen.scene, hits)
    if chosen.scene is None:  # a scene's truth is known: no need to ask whether it looks like one
        looking.picture_notes(name, entry.card, chosen.image, chosen.photo, route, titles)
TABS = ("word", "grid", "beams", "looking", "whatif", "quiz", "numbers")
# Only the open tab runs (each tab's work — a forced decode, a search tree, a quiz round — is paid when asked for).
tabs = lazy_tabs(TABS, "image_tab", lambda i: t(f"image.tab_{i}"))
with tabs["word"]:
    if tabs["word"].open:
        views.word_view(best, hits, cmap, opacity)
        word = st.session_state.get("image_word")
        link.keep(word=None if word is None else word + 1)
        from app.classroom import views as class_views  # SQLAlchemy only once a view is asked about

        class_views.ask_about_image(best, word or 0, model=name)
with tabs["grid"]:
    if tabs["grid"].open:
        views.grid_view(best, name, cmap, opacity)
with tabs["beams"]:
    if tabs["beams"].open:
        views.beams_view(beams, beam_width)
        acting.tree_view(beams, cmap, opacity)
with tabs["looking"]:
    if tabs["looking"].open:
        looking.deletion_view(name, entry.card, chosen.image, best)
with tabs["whatif"]:
    if tabs["whatif"].open:
        acting.whatif_view(name, chosen.image, chosen.scene, cmap, opacity, link)
with tabs["quiz"]:
    if tabs["quiz"].open:
        quiz_view.draw(name, photos, cmap, opacity)
with tabs["numbers"]:
    if tabs["numbers"].open:
        views.numbers_view(best, hits)
link.share_button(share_slot)

with st.expander(t("image.how_title"), icon=":material/help:"):
    st.markdown(t("image.how_body"))
if credit:
    with st.expander(t("image.credits_title"), icon=":material/copyright:"):
        st.markdown(t("image.credits_body", gallery=credit))
with st.expander(t("image.own_model_title"), icon=":material/folder_open:"):
    st.markdown(t("image.own_model_body"))
