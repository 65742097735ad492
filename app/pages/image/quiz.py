"""/image, "Quiz": predict where a word looks, then see. Five questions from the gallery, a score.

Each question shows a gallery picture without any overlay and the caption up to one word; the student clicks the
region they think that word looked at most. The page then shows the word's real map and scores the guess
(app/quiz.py, ``score_region``: 2 points at or next to the peak, 1 among the top tenth of the regions).
"""

from __future__ import annotations

import html
import random

import streamlit as st

from app import services
from app.charts import overlay
from app.i18n import t
from app.logic import quiz
from app.pages.image.acting import region_input

ROUND, PHASE, SEED = "image_quiz_round", "image_quiz_phase", "image_quiz_seed"


def _pictures(name: str, photos: list[services.GalleryPhoto]) -> list:
    """The gallery of this model, as images."""
    if photos:
        return [services.gallery_image(p.path) for p in photos]
    return [services.render_scene(s) for s in services.gallery_scenes()]


def new_round(name: str, pictures: list, seed: int) -> quiz.Round:
    """Five questions: a gallery picture each, and a word of its caption that names something."""
    questions = []
    for i, pick in enumerate(quiz.pick_examples([str(k) for k in range(len(pictures))], seed)):
        best = services.caption_image(name, pictures[int(pick)], 1)[0]
        named = set(services.named_words(best.words))
        skip = [w for k, w in enumerate(best.words) if k not in named]
        if best.words:
            questions.append(quiz.Question(pick, quiz.pick_word(best.weights, best.words, seed + i, skip=skip)))
    return quiz.Round(name, tuple(questions))


def _start(name: str, pictures: list) -> None:
    seed = random.randrange(1_000_000)
    st.session_state[ROUND], st.session_state[SEED] = new_round(name, pictures, seed), seed
    st.session_state[PHASE] = "ask"


def _ask(words: list[str], step: int) -> None:
    written = " ".join(
        f"<b style='color:#e11d48;text-decoration:underline'>{html.escape(w)}</b>" if i == step else html.escape(w)
        for i, w in enumerate(words[: step + 1])
    )
    st.markdown(
        f"<div data-testid='al-quiz-caption' style='font-size:2rem;font-weight:700'>{written}"
        f"<span style='color:#94a3b8'> …</span></div>",
        unsafe_allow_html=True,
    )
    st.markdown(t("image.quiz_ask", word=words[step], n=step + 1))


def _verdict(result: quiz.RegionScore) -> None:
    values = {
        "row": result.guess[0],
        "col": result.guess[1],
        "weight": result.weight,
        "rank": result.rank,
        "regions": result.regions,
        "best_row": result.best[0],
        "best_col": result.best[1],
        "best_weight": result.best_weight,
        "points": result.points,
    }
    if result.near_peak:
        st.success(t("image.quiz_right", **values), icon=":material/target:")
    elif result.in_top_k:
        st.info(t("image.quiz_close", **values), icon=":material/near_me:")
    else:
        st.warning(t("image.quiz_miss", **values), icon=":material/explore:")


def _summary(rnd: quiz.Round, name: str, pictures: list) -> None:
    st.subheader(t("quiz.final", points=rnd.points, max=rnd.max_points))
    st.progress(rnd.points / max(rnd.max_points, 1))
    rows = [
        {
            "#": i + 1,
            t("image.quiz_col_rank"): a.rank,
            t("quiz.col_weight"): round(a.weight, 3),
            t("quiz.col_points"): a.points,
        }
        for i, a in enumerate(rnd.answers)
    ]
    st.dataframe(rows, hide_index=True, width="stretch")
    st.button(t("quiz.again"), key="image_quiz_again", icon=":material/replay:", on_click=_start, args=(name, pictures))


def draw(name: str, photos: list[services.GalleryPhoto], cmap: str, opacity: float) -> None:
    """The quiz for model ``name`` over its gallery."""
    pictures = _pictures(name, photos)
    rnd = st.session_state.get(ROUND)
    if rnd is None or rnd.model != name or not rnd.questions:  # started by hand: a round captions five pictures
        st.markdown(t("image.quiz_intro", n=quiz.QUESTIONS))
        st.button(
            t("image.quiz_start"),
            key="image_quiz_start",
            type="primary",
            icon=":material/quiz:",
            on_click=_start,
            args=(name, pictures),
        )
        return
    revealing = st.session_state.get(PHASE) == "reveal"
    if rnd.done and not revealing:
        _summary(rnd, name, pictures)
        return
    index = rnd.current - 1 if revealing else rnd.current
    question = rnd.questions[index]
    best = services.caption_image(name, pictures[int(question.text)], 1)[0]
    st.markdown(t("quiz.progress", n=index + 1, total=len(rnd.questions), points=rnd.points, max=rnd.max_points))
    _ask(best.words, question.step)
    left, right = st.columns(2, gap="large")
    prefix = f"image_quiz_{st.session_state.get(SEED, 0)}_{index}"
    with left:
        guess = region_input(best.image, best.weights.shape[1], prefix)
    with right:
        if not revealing:
            st.button(
                t("quiz.check"),
                key="image_quiz_check",
                type="primary",
                icon=":material/visibility:",
                on_click=lambda: _check(best.weights[question.step], guess),
            )
            return
        _verdict(rnd.answers[index])
        vmax = float(best.weights[question.step].max())
        st.image(
            overlay.attention_overlay(best.image, best.weights[question.step], vmax, cmap, opacity, scale=2),
            caption=t("image.quiz_real_map", word=best.words[question.step]),
            width="stretch",
        )
        label = t("quiz.see_score") if rnd.done else t("quiz.next")
        st.button(
            label, key="image_quiz_next", type="primary", on_click=lambda: st.session_state.update({PHASE: "ask"})
        )


def _check(weights, guess: tuple[int, int]) -> None:
    st.session_state[ROUND] = st.session_state[ROUND].answered(quiz.score_region(weights, *guess))
    st.session_state[PHASE] = "reveal"
