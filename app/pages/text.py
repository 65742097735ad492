"""/text: type a date, watch a seq2seq model rewrite it and see where it looked for every character."""

import streamlit as st

from app import components, services
from app.examples import DATE_EXAMPLES
from app.i18n import current_language, t
from models.data.dates import iso_is_real_date
from models.registry import CheckpointError

st.title(t("text.title"))
st.write(t("text.intro"))

entries = services.model_catalog("date")
if not entries:
    st.error(t("errors.no_models", task="date"))
    st.stop()
names = [e.name for e in entries]
attention_of = {e.name: e.card["config"]["attention"] for e in entries}


def _use_example() -> None:
    if st.session_state.get("text_example"):
        st.session_state["text_input"] = st.session_state["text_example"]


st.session_state.setdefault("text_input", DATE_EXAMPLES[0])
left, right = st.columns([3, 2], gap="large")
with left:
    typed = st.text_input(
        t("text.input_label"), key="text_input", max_chars=200, placeholder=t("text.input_placeholder")
    )
text = services.tidy(typed)
lang = current_language()  # format_func may be called after the run (AppTest): fix the language now
with right:
    default = names.index("date-additive") if "date-additive" in names else 0
    name = st.selectbox(
        t("text.model_label"),
        names,
        index=default,
        key="text_model",
        format_func=lambda n: t(f"text.model_{attention_of[n]}", lang=lang),
    )
    st.caption(t(f"text.about_{attention_of[name]}"))
    beam_width = st.slider(t("text.beam_label"), 1, 10, 1, key="text_beam", help=t("text.beam_help"))
st.pills(t("text.examples"), DATE_EXAMPLES, key="text_example", on_change=_use_example)

try:
    model = services.load_model(name).model
except CheckpointError as err:
    services.model_error(err)
    st.stop()

problem = services.check_text(model, text)
if problem is not None:
    getattr(st, problem.level)(problem.message)
    if problem.level == "error" and text.strip():
        cleaned = services.without_unknown(model, text)[: model.cfg.max_source_len]
        if cleaned and cleaned != text and services.check_text(model, cleaned) is None:
            st.button(
                t("errors.try_cleaned", text=cleaned),
                key="text_clean",
                on_click=lambda: st.session_state.update(text_input=cleaned),
            )
    st.stop()

beams = services.decode_text(name, text, beam_width)
best = beams[0]
components.big_output(best.text, t("text.output_note", n=len(best.target), score=best.score))
if not iso_is_real_date(best.text):
    st.warning(t("text.not_a_date", output=best.text))
if not best.has_attention:
    st.info(t("text.no_attention_note"))

tab_map, tab_steps, tab_beams, tab_compare = st.tabs(
    [t("text.tab_alignment"), t("text.tab_steps"), t("text.tab_beams"), t("text.tab_compare")]
)

with tab_map:
    if best.has_attention:
        components.heatmap_chart(best, key="text_heatmap", title=t("text.heatmap_title", model=name))
        st.caption(t("text.heatmap_caption"))
        components.downloads(best, f"{name}-alignment", key="text_dl", model=name, input=text)
    else:
        st.write(t("text.no_attention_body"))

with tab_steps:
    if best.has_attention:
        components.step_through(best, key="text_steps")
    else:
        st.write(t("text.no_attention_body"))

with tab_beams:
    if beam_width == 1:
        st.info(t("text.beams_hint"))
    rows = [
        {
            t("text.beam_rank"): i + 1,
            t("text.beam_output"): b.text,
            t("text.beam_logprob"): round(b.score, 4),
            t("text.beam_normalised"): round(b.score / (len(b.target) + 1), 4),
            t("text.beam_real"): "✓" if iso_is_real_date(b.text) else "✗",
        }
        for i, b in enumerate(beams)
    ]
    st.dataframe(rows, hide_index=True, width="stretch")
    if len(beams) > 1 and best.has_attention:
        chosen = st.selectbox(
            t("text.beam_show"),
            range(len(beams)),
            format_func=lambda i: f"#{i + 1} · {beams[i].text}",
            key="text_beam_pick",
        )
        components.heatmap_chart(beams[chosen], key="text_beam_heatmap", title=f"#{chosen + 1} · {beams[chosen].text}")

with tab_compare:
    st.write(t("text.compare_intro"))
    columns = st.columns(3, gap="medium")
    for i, entry in enumerate(entries):
        with columns[i % 3], st.container(border=True):
            st.markdown(f"**{t(f'text.model_{attention_of[entry.name]}')}**")
            try:
                other = services.load_model(entry.name).model
            except CheckpointError as err:
                services.model_error(err)
                continue
            if services.check_text(other, text) is not None:
                st.warning(t("errors.model_cannot_read"))
                continue
            result = services.decode_text(entry.name, text, 1)[0]
            mark = "" if iso_is_real_date(result.text) else " ⚠"
            st.markdown(
                f"<span style='font-family:monospace;font-size:1.8rem'>{result.text}</span>{mark}",
                unsafe_allow_html=True,
            )
            if result.has_attention:
                components.heatmap_chart(result, key=f"text_cmp_{entry.name}", compact=True)
            else:
                st.caption(t("text.no_attention_short"))

with st.expander(t("text.how_to_read_title"), icon=":material/help:"):
    st.markdown(t("text.how_to_read"))
