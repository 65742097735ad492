"""/text, "Quiz": predict where the model looks, then see. Five questions drawn from the examples, a score.

The heatmap stays hidden until the student has picked the input token they think the step looks at; then the
page shows the real weights and scores the guess (app/quiz.py). The round lives in this browser session only.
"""

from __future__ import annotations

import html
import random

import pandas as pd
import streamlit as st

from app import services
from app.charts import heatmap, theme
from app.i18n import t
from app.logic import quiz, whatif
from app.ui import presenter
from models.results import Alignment

ROUND, PHASE, SEED = "text_quiz_round", "text_quiz_phase", "text_quiz_seed"  # the Round; "ask" | "reveal"; its seed


def _examples(model, examples: list[str], suffix: str) -> list[str]:
    """The examples this model can read, without their ⟨unseen⟩ mark."""
    cleaned = [e.removesuffix(suffix) for e in examples]
    return [e for e in cleaned if services.check_text(model, e) is None]


def new_round(name: str, examples: list[str], seed: int) -> quiz.Round:
    """Five questions: an example each, and a step of it whose attention has a clear answer."""
    questions = []
    for i, text in enumerate(quiz.pick_examples(examples, seed)):
        alignment = services.decode_text(name, text, 1)[0]
        if alignment.target:
            questions.append(quiz.Question(text, quiz.pick_step(alignment.weights, seed + i)))
    return quiz.Round(name, tuple(questions))


def _start(name: str, examples: list[str]) -> None:
    seed = random.randrange(1_000_000)
    st.session_state[ROUND], st.session_state[SEED] = new_round(name, examples, seed), seed
    st.session_state[PHASE] = "ask"


def _check(alignment: Alignment, step: int, guess_key: str) -> None:
    guess = st.session_state.get(guess_key)
    if guess is None:
        return
    st.session_state[ROUND] = st.session_state[ROUND].answered(quiz.score(alignment.weights[step], guess))
    st.session_state[PHASE] = "reveal"


def _question(alignment: Alignment, question: quiz.Question) -> None:
    """The input, and the output written so far with the asked step underlined (what comes after is hidden)."""
    step = question.step
    written = "".join(
        f"<b style='color:#e11d48;text-decoration:underline'>{html.escape(c)}</b>" if i == step else html.escape(c)
        for i, c in enumerate(alignment.target[: step + 1])
    )
    st.markdown(t("quiz.input", text=question.text))
    st.markdown(
        f"<div data-testid='al-quiz-output' style='font-family:{theme.MONO_FAMILY};font-size:2.6rem;"
        f"font-weight:700'>{written}<span style='color:#94a3b8'>…</span></div>",
        unsafe_allow_html=True,
    )
    st.markdown(t("quiz.ask", step=step + 1, token=theme.show_token(alignment.target[step])))


def _verdict(result: quiz.Score, source: list[str]) -> None:
    """The score of one guess, in words."""
    values = {
        "guess": theme.show_token(source[result.guess]),
        "weight": result.weight,
        "best": theme.show_token(source[result.best]),
        "best_weight": result.best_weight,
        "rank": result.rank,
        "points": result.points,
    }
    if result.rank == 1:
        st.success(t("quiz.right", **values), icon=":material/target:")
    elif result.in_top_k:
        st.info(t("quiz.close", **values), icon=":material/near_me:")
    else:
        st.warning(t("quiz.miss", **values), icon=":material/explore:")


def _reveal(alignment: Alignment, step: int, result: quiz.Score) -> None:
    _verdict(result, alignment.source)
    bars, full = presenter.columns([1, 1], gap="large")
    bars.vega_lite_chart(
        spec=heatmap.step_bars(alignment, step, x_title=t("charts.input_axis"), y_title=t("charts.weight_axis")),
        width="stretch",
    )
    with full:
        fig = heatmap.alignment_heatmap(
            alignment,
            x_title=t("charts.input_axis"),
            y_title=t("charts.output_axis"),
            hover=t("charts.hover"),
            highlight_row=step,
            compact=not presenter.active(),
        )
        st.plotly_chart(presenter.fit(fig), key="text_quiz_heatmap", config=theme.png_config("quiz"), width="stretch")


def _summary(rnd: quiz.Round, name: str, examples: list[str]) -> None:
    st.subheader(t("quiz.final", points=rnd.points, max=rnd.max_points))
    st.progress(rnd.points / max(rnd.max_points, 1))
    rows = [
        {
            "#": i + 1,
            t("quiz.col_input"): q.text,
            t("quiz.col_step"): q.step + 1,
            t("quiz.col_rank"): a.rank,
            t("quiz.col_weight"): round(a.weight, 3),
            t("quiz.col_points"): a.points,
        }
        for i, (q, a) in enumerate(zip(rnd.questions, rnd.answers, strict=True))
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.button(t("quiz.again"), key="text_quiz_again", icon=":material/replay:", on_click=_start, args=(name, examples))


def draw(name: str, model, has_attention: bool, examples: list[str], suffix: str = "") -> None:
    """The quiz for model ``name`` over ``examples``."""
    if not has_attention:
        st.info(t("quiz.no_attention"), icon=":material/block:")
        return
    pool = _examples(model, examples, suffix)
    rnd = st.session_state.get(ROUND)
    if not pool:
        st.info(t("quiz.no_examples"))
        return
    if rnd is None or rnd.model != name or any(q.text not in pool for q in rnd.questions) or not rnd.questions:
        _start(name, pool)
        rnd = st.session_state[ROUND]
    st.caption(t("quiz.intro", n=len(rnd.questions), k=quiz.TOP_K))
    revealing = st.session_state.get(PHASE) == "reveal"
    if rnd.done and not revealing:
        _summary(rnd, name, pool)
        return
    index = rnd.current - 1 if revealing else rnd.current
    question = rnd.questions[index]
    alignment = services.decode_text(name, question.text, 1)[0]
    st.markdown(t("quiz.progress", n=index + 1, total=len(rnd.questions), points=rnd.points, max=rnd.max_points))
    _question(alignment, question)
    guess_key = f"text_quiz_guess_{st.session_state.get(SEED, 0)}_{index}"
    st.pills(
        t("quiz.guess_label"),
        list(range(len(alignment.source))),
        key=guess_key,
        format_func=whatif.option_labels(alignment.source).__getitem__,
        disabled=revealing,
    )
    if not revealing:
        st.button(
            t("quiz.check"),
            key="text_quiz_check",
            type="primary",
            icon=":material/visibility:",
            disabled=st.session_state.get(guess_key) is None,
            on_click=_check,
            args=(alignment, question.step, guess_key),
        )
        return
    _reveal(alignment, question.step, rnd.answers[index])
    label = t("quiz.see_score") if rnd.done else t("quiz.next")
    st.button(label, key="text_quiz_next", type="primary", on_click=lambda: st.session_state.update({PHASE: "ask"}))
