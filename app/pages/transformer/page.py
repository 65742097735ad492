"""/transformer: self-attention, in the small date Transformer of the other pages or in MiniLM, a real pretrained
sentence Transformer (all-MiniLM-L6-v2). A picker under the title chooses; each model's view is its own module,
and only the open one runs (MiniLM and ``transformers`` load the first time its view opens). The choice is kept
in the URL (``model=minilm``) with the rest of the view."""

import streamlit as st

from app.i18n import current_language, t
from app.logic import share
from app.pages.transformer import date_view, minilm_view
from app.ui import links

lang = current_language()
MODELS = ("date", "minilm")

picker_link = links.Link("transformer-model", {"model": share.Choice(MODELS)})
minilm_link = links.Link("transformer-minilm", minilm_view.fields())
given = picker_link.incoming()
if "model" in given:
    st.session_state["tf_model"] = given["model"]
st.session_state.setdefault("tf_model", "date")

share_slot = st.columns([3, 1])[1].empty()  # the copy-link control, above the title on the right
title = st.empty()
picked = st.segmented_control(
    t("minilm.model_label"),
    MODELS,
    required=True,
    key="tf_model",
    format_func=lambda m: t(f"minilm.model_{m}", lang=lang),
)
title.title(t("tf.title") if picked == "date" else t("minilm.title"))
picker_link.keep(model=None if picked == "date" else picked)
if picked == "minilm":
    minilm_view.draw(share_slot, lang, minilm_link)
else:
    minilm_link.keep(**dict.fromkeys(minilm_view.fields()))
    date_view.draw(share_slot, lang)
