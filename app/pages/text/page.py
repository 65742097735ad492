"""/text: type a date (or an English or Korean sentence) and watch a seq2seq model write its answer, seeing
where it looked for every character or word piece; then change where it looks ("What if?"), or guess first
("Quiz"). The view is kept in the URL, so a link opens it again."""

import functools
import html
from dataclasses import dataclass

import streamlit as st

from app import services
from app.charts import heatmap
from app.i18n import current_language, t
from app.logic import share
from app.logic.examples import DATE_EXAMPLES
from app.pages.text import quiz as quiz_view
from app.pages.text import tree as tree_view
from app.pages.text import whatif as whatif_view
from app.services import live_models as live
from app.ui import components, links, presenter

lang = current_language()  # format_funcs may be called after the run (AppTest): fix the language now
TASKS = {"date": "date", "en-ko": "translate-en-ko", "ko-en": "translate-ko-en"}  # picker value -> card task
UNSEEN = "  ⟨unseen⟩"  # the mark of test sentences among the examples
TAB_IDS = share.TEXT_TABS  # alignment, steps, beams, compare
catalogs = {k: [e for e in services.model_catalog(task) if e.kind == "seq2seq"] for k, task in TASKS.items()}
available = [k for k in TASKS if catalogs[k]]
if not available:
    st.title(t("text.title"))
    st.error(t("errors.no_models", task="date"))
    st.stop()
live_models = live.session_models("date")  # trained in class on /experiments, this session only


def model_names(task: str, catalogs: dict[str, list], live_models: dict[str, dict]) -> list[str]:
    """The models of ``task``: shipped ones, and for dates the ones trained live in this session."""
    return [e.name for e in catalogs[task]] + (list(live_models) if task == "date" else [])


def restore(given: dict, available: list[str], catalogs: dict[str, list], live_models: dict[str, dict]) -> None:
    """A shared link's view into the widgets' state, before they are drawn."""
    if "task" in given:
        st.session_state["text_task"] = given["task"]
    task = st.session_state.get("text_task", available[0])
    if "text" in given:
        st.session_state[f"text_input_{task}"] = given["text"]
    if "model" in given:
        if given["model"] in model_names(task, catalogs, live_models):
            st.session_state[f"text_model_{task}"] = given["model"]
        else:
            links.ignored_notice(["model"])
    for name, key in (("beam", "text_beam"), ("mode", "text_mode"), ("step", "text_steps_step")):
        if name in given:
            st.session_state[key] = given[name]
    if "node" in given:
        st.session_state[tree_view.NODE] = given["node"]
    if "tab" in given:
        st.session_state["text_tab_opened"] = given["tab"]
    whatif_view.restore(given)


every_name = tuple(n for k in available for n in model_names(k, catalogs, live_models))
link = links.Link("text", share.text_fields(tuple(available), every_name))
given = link.incoming()
restore(given, available, catalogs, live_models)
st.session_state.setdefault("text_task", available[0])
top, share_slot = st.columns([3, 1], vertical_alignment="bottom")
task_key = top.segmented_control(
    t("text.task_label"),
    available,
    required=True,
    key="text_task",
    format_func=lambda k: t(f"text.task_{k.replace('-', '_')}", lang=lang),
)
share_slot = share_slot.empty()
is_date = task_key == "date"
st.title(t("text.title") if is_date else t("text.title_translate"))
st.write(t("text.intro") if is_date else t("text.intro_translate"))


@dataclass(frozen=True)
class Task:
    """The task picked at the top (dates, or a translation direction) and what every part below draws from."""

    key: str  # "date", "en-ko", "ko-en"
    entries: list  # its shipped models (catalog entries)
    names: list[str]  # its models: shipped, then (dates) the ones trained live in this session
    attention_of: dict[str, str]  # model name -> its kind of attention ("none" for the baseline)
    live: frozenset[str]  # the names of models trained live in this session
    examples: list[str]
    link: links.Link
    lang: str  # the reader's language, fixed for format_funcs that run after the script (AppTest)

    @property
    def is_date(self) -> bool:
        return self.key == "date"

    @property
    def input_key(self) -> str:
        return f"text_input_{self.key}"  # each task keeps its own text

    def shared_kind(self, model_name: str) -> bool:
        """Whether another shipped model of this task has the same kind of attention."""
        kind = self.attention_of[model_name]
        return sum(self.attention_of[n] == kind for n in self.attention_of if n not in self.live) > 1


attention_of = {e.name: e.card.attention for e in catalogs[task_key]}
attention_of.update({name: info["attention"] for name, info in (live_models if is_date else {}).items()})
task = Task(
    key=task_key,
    entries=catalogs[task_key],
    names=model_names(task_key, catalogs, live_models),
    attention_of=attention_of,
    live=frozenset(live_models if is_date else ()),
    examples=DATE_EXAMPLES if is_date else services.translation_examples(task_key),
    link=link,
    lang=lang,
)
st.session_state.setdefault(task.input_key, task.examples[0].removesuffix(UNSEEN))
st.session_state.setdefault(
    f"text_model_{task.key}", next((n for n in task.names if attention_of[n] == "additive"), task.names[0])
)
st.session_state.setdefault("text_beam", 1)


def inputs(task: Task) -> tuple[str, str, str, int, str]:
    """The text box, the model, the beam width, the examples and the mode: (typed, tidied text, model name,
    beam width, mode)."""
    is_date, input_key, attention_of, lang = task.is_date, task.input_key, task.attention_of, task.lang
    left, right = st.columns([3, 2], gap="large")  # inputs side by side, also while presenting
    with left:
        typed = st.text_input(
            t("text.input_label") if is_date else t("text.input_label_translate"),
            key=input_key,
            max_chars=share.MAX_TEXT,
            placeholder=t("text.input_placeholder") if is_date else "",
        )
        if not is_date:
            st.caption(t("text.tatoeba_credit"))
        # under the box, beside the model's settings: the answer comes a screen higher than with a row of its own
        components.example_pills(
            t("text.examples") if is_date else t("text.examples_translate"),
            task.examples,
            "text_example",
            input_key,
            UNSEEN,
        )
    with right:
        name = st.selectbox(
            t("text.model_label"),
            task.names,
            key=f"text_model_{task.key}",
            format_func=lambda n: (
                t(f"text.model_{attention_of[n]}", lang=lang)
                + (t("text.live_suffix", lang=lang) if n in task.live else "")
                # two models of one kind (your own beside ours): tell them apart
                + (f" · {n}" if task.shared_kind(n) else "")
            ),
        )
        st.caption(t(f"text.about_{attention_of[name]}"))
        beam_width = st.slider(t("text.beam_label"), 1, 10, key="text_beam", help=t("text.beam_help"))
        st.session_state.setdefault("text_mode", "look")
        mode = st.segmented_control(
            t("textmode.label"),
            share.TEXT_MODES,
            key="text_mode",
            required=True,
            format_func=lambda m: t(f"textmode.{m}", lang=lang),
            help=t("textmode.help"),
        )
    return typed, services.tidy(typed), name, beam_width, mode


def offer_cleaned(task: Task, model, text: str, problem: services.InputProblem) -> None:
    """Under an error about a date: a button that removes what the model cannot read."""
    usable = problem.level == "error" and text.strip() and task.is_date
    cleaned = services.cleaned_text(model, text) if usable else None
    if cleaned:
        st.button(
            t("errors.try_cleaned", text=cleaned),
            key="text_clean",
            on_click=lambda: st.session_state.update({task.input_key: cleaned}),
        )


def answer(task: Task, name: str, text: str, beam_width: int) -> tuple[list, object]:
    """The output in large type, with what to know about it: (the beam's outputs, the alignment to show)."""
    is_date = task.is_date
    # the same one search gives the outputs and, with a beam, its tree
    beams = services.search_text(name, text, beam_width) if beam_width > 1 else services.decode_text(name, text, 1)
    best = beams[0]
    components.big_output(best.text, t("text.output_note", n=len(best.target), score=best.score))
    if is_date and not services.is_real_date(best.text):
        st.warning(t("text.not_a_date", output=best.text))
    if not is_date:
        seen = services.seen_in_training(task.key, text)
        st.caption(t("text.seen_note") if seen else t("text.unseen_note"))
    if not best.has_attention:
        st.info(t("text.no_attention_note"))
    join_words = False
    if best.source_words is not None:
        join_words = st.toggle(t("text.join_words"), key="text_join", help=t("text.join_words_help"))
    return beams, heatmap.join_words(best) if join_words else best


def beams_tab(task: Task, beams: list, beam_width: int, given: dict) -> None:
    """The beam's outputs with their scores (and, for dates, whether each is a real date); any one's heatmap;
    the search as a tree."""
    is_date = task.is_date
    if beam_width == 1:
        st.info(t("text.beams_hint"))
    rows = [
        {
            t("text.beam_rank"): i + 1,
            t("text.beam_output"): b.text,
            t("text.beam_logprob"): round(b.score, 4),
            t("text.beam_normalised"): round(b.score / (len(b.target) + 1), 4),
            **({t("text.beam_real"): "✓" if services.is_real_date(b.text) else "✗"} if is_date else {}),
        }
        for i, b in enumerate(beams)
    ]
    st.dataframe(rows, hide_index=True, width="stretch")
    if len(beams) > 1 and beams[0].has_attention:
        chosen = st.selectbox(
            t("text.beam_show"),
            range(len(beams)),
            format_func=lambda i: f"#{i + 1} · {beams[i].text}",
            key="text_beam_pick",
        )
        title = f"#{chosen + 1} · {beams[chosen].text}"
        components.heatmap_chart(beams[chosen], key="text_beam_heatmap", title=title)
    if beam_width > 1:
        tree_view.draw(beams, given, task.link)


def compare_card(task: Task, model_name: str, text: str) -> None:
    """One shipped model's answer to the same input, with its heatmap (or why it has none)."""
    st.markdown(f"**{t(f'text.model_{task.attention_of[model_name]}')}**")
    other = services.model_or_message(model_name)
    if other is None:
        return
    if services.check_text(other, text) is not None:
        st.warning(t("errors.model_cannot_read"))
        return
    result = services.decode_text(model_name, text, 1)[0]
    mark = "" if not task.is_date or services.is_real_date(result.text) else " ⚠"
    st.markdown(
        f"<span style='font-family:monospace;font-size:1.8rem'>{html.escape(result.text)}</span>{mark}",
        unsafe_allow_html=True,
    )
    if result.has_attention:
        components.heatmap_chart(result, key=f"text_cmp_{model_name}", compact=True)
    else:
        st.caption(t("text.no_attention_short"))


@st.fragment
def steps_view(alignment, link: links.Link, name: str) -> None:
    """The step slider and its view: moving the slider reruns only this part (and keeps the step in the URL);
    the chosen step can become a question for the whole class (/class)."""
    components.step_through(alignment, key="text_steps")
    step = st.session_state.get("text_steps_step")
    link.keep(step=step)
    from app.classroom import views as class_views  # SQLAlchemy only once a view is asked about

    class_views.ask_about_text(alignment, (step or 1) - 1, model=name)


def views(task: Task, name: str, text: str, beams: list, shown, beam_width: int, given: dict) -> None:
    """The tabs. Only the open one runs: the beams' search tree and the compare tab's five models are paid for
    when asked. A link may open another tab than the first; the URL follows the tab clicked since."""
    if st.session_state.get("text_steps_step", 1) not in range(1, len(shown.target) + 1):
        if "step" in given:
            links.ignored_notice(["step"])
        st.session_state.pop("text_steps_step", None)
    is_date = task.is_date
    tab_map, tab_steps, tab_beams, tab_compare = task.link.tabs(TAB_IDS, "text_tab", lambda i: t(f"text.tab_{i}"))
    with tab_map:
        if tab_map.open and shown.has_attention:
            components.heatmap_chart(shown, key="text_heatmap", title=t("text.heatmap_title", model=name))
            st.caption(t("text.heatmap_caption") if is_date else t("text.heatmap_caption_translate"))
            components.downloads(shown, f"{name}-alignment", key="text_dl", model=name, input=text)
        elif tab_map.open:
            st.write(t("text.no_attention_body"))
    with tab_steps:
        if tab_steps.open and shown.has_attention:
            steps_view(shown, task.link, name)
        elif tab_steps.open:
            st.write(t("text.no_attention_body"))
    with tab_beams:
        if tab_beams.open:
            beams_tab(task, beams, beam_width, given)
    with tab_compare:
        if tab_compare.open:
            st.write(t("text.compare_intro"))
            columns = presenter.columns(3, gap="medium")
            for i, entry in enumerate(task.entries):
                with columns[i % 3], st.container(border=True):
                    compare_card(task, entry.name, text)


# Everything from the inputs down is one fragment: typing a date, moving the beam or opening a tab reruns this
# part only, so the browser redraws the answer and its chart, not the page around them (measured: a quarter
# of the time from Enter to the heatmap). The task picker, the title and the sidebar rerun the whole page.
@st.fragment
def interact(task: Task, given: dict, share_slot) -> None:
    """The inputs, the answer and its views. ``given`` (a shared link's values) applies once: a later run of
    this part alone must not put the link's values back over the student's own."""
    link = task.link
    try:
        typed, text, name, beam_width, mode = inputs(task)
        link.keep(task=task.key, text=typed, model=name, beam=beam_width, mode=mode)
        model = services.require_model(name)
        if mode == "quiz":  # the quiz draws its own inputs from the examples: the typed one is not needed
            quiz_view.draw(name, model, task.attention_of[name] != "none", task.examples, UNSEEN)
            return
        # a warning (words it cannot cover) still translates
        services.require_text(model, text, before_stop=functools.partial(offer_cleaned, task, model, text))
        if mode == "whatif":
            if beam_width > 1:
                st.caption(t("whatif.greedy_note"))
            original = services.decode_text(name, text, 1)[0]
            whatif_view.draw(name, text, original, task.is_date, task.input_key, given, link)
            return
        beams, shown = answer(task, name, text, beam_width)
        views(task, name, text, beams, shown, beam_width, given)
    finally:
        link.share_button(share_slot)  # the link as the view now stands, also after a message that stops here
        given.clear()


interact(task, given, share_slot)
with st.expander(t("text.how_to_read_title"), icon=":material/help:"):
    st.markdown(t("text.how_to_read"))
