"""/classify: type a movie review (Korean or English) and see the label a BiLSTM gives it, every word tinted by
the attention that pooled it or by Integrated Gradients, and three tests of whether that attention explains the
decision (Jain & Wallace 2019, "Attention is not Explanation"; Wiegreffe & Pinter 2019, "Attention is not not
Explanation")."""

import functools
from dataclasses import asdict, dataclass

import streamlit as st

from app import services
from app.charts import reviews, theme
from app.i18n import current_language, t
from app.logic import share
from app.logic.examples import REVIEW_EXAMPLES
from app.ui import components, links, presenter
from app.ui.tabs import lazy_tabs
from models.cards import Explanations, ModelCard
from models.results import Classification

lang = current_language()  # format_funcs may be called after the run (AppTest): fix the language now
entries = services.review_models()
if not entries:
    st.title(t("classify.title"))
    st.error(t("errors.no_models", task="classify"))
    st.stop()
cards = {e.name: e.card for e in entries}
names = list(cards)


def default_model(cards: dict[str, ModelCard], lang: str) -> str:
    """An attention model in the reader's language if there is one, else the first attention model."""
    attention_models = [n for n, card in cards.items() if card.has_attention]
    return next((n for n in attention_models if cards[n].language == lang), (attention_models or list(cards))[0])


def short(text: str, limit: int = 24) -> str:
    """An example as its pill shows it."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


VIEWS = ("both", "attention", "ig")
LINK_TEXT_CHARS = 2_000  # a longer review is left out of the link (the rest of the view is kept)
link = links.Link(
    "classify", {"model": share.Choice(tuple(names)), "text": share.Text(LINK_TEXT_CHARS), "view": share.Choice(VIEWS)}
)
given = link.incoming()
if "model" in given:
    st.session_state["classify_model"] = given["model"]
if "view" in given:
    st.session_state["classify_view"] = given["view"]
if st.session_state.get("classify_model") not in names:
    st.session_state["classify_model"] = default_model(cards, lang)
head, share_slot = st.columns([3, 1], vertical_alignment="center")
head.title(t("classify.title"))
share_slot = share_slot.empty()  # drawn again once the whole view is known (one popover, replaced)
st.caption(t("classify.intro"))
left, right = st.columns([3, 2], gap="large")
with right:
    name = st.selectbox(t("classify.model_label"), names, key="classify_model", format_func=lambda n: cards[n].title)
    language = cards[name].language
    gauge_slot = st.empty()
examples = REVIEW_EXAMPLES.get(language, [])
input_key = f"classify_text_{language}"  # each language keeps its own text
if "text" in given:
    st.session_state[input_key] = given["text"]
st.session_state.setdefault(input_key, examples[0] if examples else "")
with left:
    typed = st.text_area(
        t("classify.input_label", language=t(f"classify.language_{language}")),
        key=input_key,
        height=90,
        max_chars=services.MAX_REVIEW_CHARS,
    )
text = services.tidy(typed)
link.keep(model=name, text=typed if len(typed) <= LINK_TEXT_CHARS else None)
link.share_button(share_slot)
model = services.require_model(name)


def problem_message(problem: services.InputProblem) -> str:
    """The problem worded for a review (the shared messages speak of dates)."""
    params = dict(problem.params)
    if "language" in params:
        params["language"] = t(f"classify.language_{params['language']}")
    if "words" in params:
        params["words"] = ", ".join(f"“{w}”" for w in params["words"])
    kind = problem.kind.value
    if kind in ("empty", "too_long", "no_words", "unseen_language", "uncovered"):
        return t(f"classify.problem_{kind}", **params)
    return problem.message


def offer_other_model(problem: services.InputProblem, language: str, typed: str, cards: dict[str, ModelCard]) -> None:
    """Under "a language the model never saw": a button for an attention model in another language, with the
    review ``typed`` carried over."""
    other = next((n for n, card in cards.items() if card.has_attention and card.language != language), None)
    if problem.kind.value != "unseen_language" or other is None:
        return

    def switch() -> None:
        st.session_state[f"classify_text_{cards[other].language}"] = typed
        st.session_state["classify_model"] = other

    st.button(t("classify.use_other", title=cards[other].title), key="classify_other", on_click=switch)


problem = services.check_review(model, text, language)
if problem is not None:
    services.show_problem(problem, problem_message(problem))
    if problem.level != "warning":
        offer_other_model(problem, language, typed, cards)
        st.stop()
result = services.classify_review(name, text)
labels = [t(f"classify.label_{label}") for label in result.labels]
right_share = float(result.probs[-1])  # the bar fills from the right with the last label's p (positive)
gauge_slot.markdown(
    reviews.gauge_html(labels[result.probs.argmax()], result.confidence, right_share, labels[0], labels[-1]),
    unsafe_allow_html=True,
)
if result.truncated:
    head = result.gap or result.n_read
    st.info(
        t(
            "classify.truncated",
            read=result.n_read,
            total=result.n_total,
            head=head,
            tail=result.n_read - head,
            skipped=result.n_total - result.n_read,
        )
    )


@dataclass(frozen=True)
class Review:
    """The review on the page and what the model said of it: what every view below draws from."""

    name: str  # the model
    text: str
    result: Classification
    labels: list[str]  # the model's labels in the reader's language

    @property
    def predicted(self) -> str:
        return self.labels[self.result.probs.argmax()]


review = Review(name, text, result, labels)


def tinted(review: Review, values, diverging: bool, font_rem: float) -> None:
    """The review, each word tinted by ``values`` (per word), a hover tip per word."""
    result = review.result
    attention = result.per_word(result.weights) if result.has_attention else None
    ig = result.per_word(result.attributions)
    tips = [
        t("classify.tip", a=attention[i], g=ig[i]) if attention is not None else t("classify.tip_ig", g=ig[i])
        for i in range(len(result.words))
    ]
    gap_before = result.word_ids[result.gap] if result.gap else None
    note = t("classify.gap_note", n=result.n_total - result.n_read)
    st.markdown(
        reviews.tinted_words_html(
            result.words,
            values,
            diverging=diverging,
            tips=tips,
            gap_before=gap_before,
            gap_note=note,
            font_rem=font_rem,
        ),
        unsafe_allow_html=True,
    )


def attention_view(review: Review, font_rem: float) -> None:
    st.markdown(reviews.legend_html(t("classify.legend_attention")), unsafe_allow_html=True)
    tinted(review, review.result.per_word(review.result.weights), False, font_rem)


def ig_view(review: Review, font_rem: float) -> None:
    result, predicted = review.result, review.predicted
    legend = reviews.legend_html(
        t("classify.legend_ig", label=predicted),
        diverging=True,
        against=t("classify.legend_against", label=predicted),
        toward=t("classify.legend_for", label=predicted),
    )
    st.markdown(legend, unsafe_allow_html=True)
    tinted(review, result.per_word(result.attributions), True, font_rem)
    gap = abs(float(result.attribution_gap or 0.0))  # IG's completeness: Σ IG − (p(x) − p(empty)), 0 when exact
    if gap > 0.05:
        st.caption(t("classify.ig_rough", gap=gap))
    else:
        st.caption(t("classify.ig_complete", gap=gap))


def _view_label(view: str, lang: str) -> str:
    return t(f"classify.view_{view}", lang=lang)


def view_picker(review: Review) -> str:
    """Under the gauge: tint by attention, by IG, or both side by side (the baseline has only IG)."""
    if not review.result.has_attention:
        return "ig"
    st.session_state.setdefault("classify_view", "both")
    return st.segmented_control(
        t("classify.view_label"),
        list(VIEWS),
        key="classify_view",
        required=True,
        format_func=functools.partial(_view_label, lang=current_language()),
    )


def word_views(review: Review, view: str) -> None:
    """Attention and IG tints side by side (columns stack on a narrow screen), or the one picked."""
    if not review.result.has_attention:
        st.info(t("classify.no_attention_note"))
    if view == "both":
        columns = st.columns(2, gap="large")  # words, not charts: side by side while presenting too
        with columns[0]:
            attention_view(review, 1.3)
        with columns[1]:
            ig_view(review, 1.3)
    elif view == "attention":
        attention_view(review, 1.4)
    else:
        ig_view(review, 1.4)


with left:
    view = view_picker(review)
link.keep(view=view)
link.share_button(share_slot)
word_views(review, view)
components.example_pills(t("classify.examples"), examples, f"classify_example_{language}", input_key, "", short)
csv_col, json_col, credit = st.columns([1.5, 1.5, 3], vertical_alignment="center")
csv_col.download_button(
    t("classify.download_csv"),
    lambda: reviews.review_csv(result),
    file_name=f"{name}-words.csv",
    mime="text/csv",
    key="classify_dl_csv",
    icon=":material/table:",
    on_click="ignore",  # a download changes nothing on the page: no run
)
json_col.download_button(
    t("classify.download_json"),
    lambda: reviews.review_json(result, model=name, input=text),
    file_name=f"{name}-words.json",
    mime="application/json",
    key="classify_dl_json",
    icon=":material/data_object:",
    on_click="ignore",  # a download changes nothing on the page: no run
)
if language in ("ko", "en"):
    credit.caption(t(f"classify.examples_credit_{language}") + " · " + cards[name].credit)


def tau_part(review: Review, found: Explanations | None) -> None:
    """Kendall τ between this review's attention and |IG|, beside the card's median; what τ means."""
    number, words = st.columns([2, 3], gap="large")
    tau = services.review_tau(review.result)
    number.metric(t("classify.tau_label"), f"{tau:+.2f}" if tau is not None else t("classify.tau_none"))
    if found is not None and found.tau_median is not None:
        number.caption(t("classify.tau_card", n=f"{found.n:,}", median=found.tau_median))
    words.write(t("classify.tau_explain"))


def permutation_part(review: Review, found: Explanations | None) -> None:
    """The shuffle histogram, its median |Δp| and flip rate; what they mean."""
    name = review.name
    test = services.review_permutation(name, review.text)
    chart, words = presenter.columns([3, 2], gap="large")
    fig = reviews.permutation_figure(
        test, x_title=t("classify.perm_x"), y_title=t("classify.perm_y"), own=t("classify.perm_own")
    )
    with chart:
        st.markdown(f"**{t('classify.perm_title')}**")
        st.plotly_chart(presenter.fit(fig), key="classify_perm", config=theme.png_config(f"{name}-permutation"))
    with words:
        a, b = st.columns(2)
        a.metric(t("classify.perm_median"), f"{test.median_change:.3f}")
        b.metric(t("classify.perm_flip"), f"{test.flip_rate:.0%}")
        if found is not None and found.permutation_median is not None:
            st.caption(t("classify.perm_card", n=f"{found.n:,}", median=found.permutation_median))
        st.write(t("classify.perm_explain"))


def erasure_part(review: Review) -> None:
    """The review without its top-attention, top-IG and a random word: which moved the decision most."""
    rows = services.review_erasure(review.name, review.text)
    table_col, words = presenter.columns([3, 2], gap="large")
    table = [
        {
            t("classify.erasure_by"): t(f"classify.erasure_by_{r.chosen_by}"),
            t("classify.erasure_word"): r.word,
            t("classify.erasure_after"): round(r.p_after, 3),
            t("classify.erasure_change"): round(r.p_after - r.p_before, 3),
            t("classify.erasure_flipped"): "✓" if r.flipped else "✗",
        }
        for r in rows
    ]
    most = max(rows, key=lambda r: abs(r.p_after - r.p_before))
    by = t(f"classify.erasure_by_{most.chosen_by}")
    label = review.predicted
    with table_col:
        st.markdown(f"**{t('classify.erasure_title')}**")
        st.dataframe(table, hide_index=True, width="stretch")
    with words:
        st.write(t("classify.erasure_most", word=most.word, by=by, label=label, change=most.p_after - most.p_before))
        st.write(t("classify.erasure_explain"))


def review_tests(review: Review) -> None:
    """This review's three tests, one row each: the number or chart, and two sentences on what it means."""
    if not review.result.has_attention:
        st.info(t("classify.no_attention_tests"))
        erasure_part(review)
        return
    scores = services.review_scores(review.name)
    found = scores.explanations if scores is not None else None
    tau_part(review, found)
    st.divider()
    permutation_part(review, found)
    st.divider()
    erasure_part(review)


def model_numbers(name: str) -> None:
    """The card's test numbers: accuracy beside the baseline, by length, and the explanation aggregates."""
    scores = services.review_scores(name)
    if scores is None:
        st.info(t("classify.no_scores"))
        return
    st.write(t("classify.model_intro", n=f"{scores.n:,}", model=scores.model, baseline=scores.baseline or "—"))
    columns = st.columns(4)
    columns[0].metric(
        t("classify.acc_model" if scores.attention else "classify.acc_baseline"), f"{scores.accuracy:.1%}"
    )
    if scores.baseline_accuracy is not None:
        columns[1].metric(t("classify.acc_baseline"), f"{scores.baseline_accuracy:.1%}")
    found = scores.explanations
    if found is not None and found.tau_median is not None:
        columns[2].metric(t("classify.card_tau"), f"{found.tau_median:+.2f}")
    if found is not None and found.permutation_median is not None:
        columns[3].metric(t("classify.card_perm"), f"{found.permutation_median:.3f}")
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.markdown(f"**{t('classify.by_length_title')}**")
        rows = [
            {
                t("classify.col_words"): r.words,
                t("classify.col_n"): r.n,
                t("classify.col_model" if scores.attention else "classify.col_baseline"): f"{r.model:.1%}",
                t("classify.col_baseline"): "" if r.baseline is None else f"{r.baseline:.1%}",
            }
            for r in scores.by_length
        ]
        st.dataframe(rows, hide_index=True, width="stretch")
    with right:
        st.markdown(f"**{t('classify.flip_title')}**")
        rates = found.erasure_flip_rate if found is not None else None
        flips = {k: v for k, v in asdict(rates).items() if v is not None} if rates is not None else {}
        st.dataframe(
            [
                {t("classify.col_chosen"): t(f"classify.erasure_by_{k}"), t("classify.col_flip_rate"): f"{v:.1%}"}
                for k, v in flips.items()
            ],
            hide_index=True,
            width="stretch",
        )
        st.caption(t("classify.explain_title", n=found.n if found is not None else 0))
    st.write(t("classify.card_explain"))


tabs = lazy_tabs(("review", "model"), "classify_tab", lambda i: t(f"classify.tab_{i}"))
with tabs["review"]:
    if tabs["review"].open:
        review_tests(review)
with tabs["model"]:
    if tabs["model"].open:
        model_numbers(name)
with st.expander(t("classify.how_title"), icon=":material/help:"):
    st.markdown(t("classify.how_body"))
