"""/text, "What if?": pick a decoding step, set where it looks by hand, and watch the model write on from there.

The edit replaces that one step's softmax (ForcedAttention); the steps before run as they did, the steps after
follow from the new context. The model decodes greedily here, whatever the beam width.
"""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from app import services
from app.charts import heatmap, theme
from app.i18n import t
from app.logic import whatif
from app.ui import components, links, presenter
from models.results import Alignment

STEP, HOW, AT, RAW, VERSION = "text_wi_step", "text_wi_how", "text_wi_at", "text_wi_raw", "text_wi_version"
OUTPUT_REM = 2.6  # the outputs' type size, two side by side
EXAMPLE_TEXT = "september 27, 1994"  # the page's suggestion when the typed date has no four-digit year


def restore(given: dict) -> None:
    """A shared link's edit into the controls' state (checked against the input in ``draw``)."""
    if "edit" in given:
        st.session_state[STEP] = given["edit"] - 1
    if "at" in given:
        st.session_state[HOW] = "point"
        st.session_state[AT] = given["at"] - 1
    if "w" in given:
        st.session_state[HOW] = "spread"
        st.session_state[RAW] = (given.get("edit", 1) - 1, given["w"])
        st.session_state[VERSION] = st.session_state.get(VERSION, 0) + 1


def _drop_stale(T: int, S: int, given: dict) -> list[str]:
    """Forget state that does not fit this input; the link's values among it are named for a notice."""
    bad = []
    if st.session_state.get(STEP) not in range(T):
        bad += ["edit"] if STEP in st.session_state and "edit" in given else []
        st.session_state.pop(STEP, None)
    if AT in st.session_state and st.session_state[AT] not in (None, *range(S)):
        bad += ["at"] if "at" in given else []
        st.session_state.pop(AT)
    raw = st.session_state.get(RAW)
    if raw is not None and len(raw[1]) != S:
        bad += ["w"] if "w" in given else []
        st.session_state.pop(RAW)
    return bad


def _reset() -> None:
    for key in (AT, RAW):
        st.session_state.pop(key, None)
    st.session_state[HOW] = "point"
    st.session_state[VERSION] = st.session_state.get(VERSION, 0) + 1


def _try_example(input_key: str, example: tuple[int, int] | None) -> None:
    """The suggested edit: the first day digit looks at the first digit of the year."""
    if example is None:  # the typed date has no four-digit year: use the page's own example
        st.session_state[input_key] = EXAMPLE_TEXT
        example = (8, EXAMPLE_TEXT.index("1994"))
    _reset()
    st.session_state[STEP], st.session_state[AT] = example


def controls(original: Alignment, is_date: bool, input_key: str) -> tuple[int, str]:
    """The example and reset buttons, the step to edit and the way to edit it: (step, "point" | "spread")."""
    T = len(original.target)
    example = whatif.day_digit_example(original.target, original.source) if is_date else None
    st.session_state.setdefault(STEP, example[0] if example else 0)
    st.session_state.setdefault(HOW, "point")
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    if is_date:
        left.button(
            t("whatif.example"),
            key="text_wi_example",
            icon=":material/lightbulb:",
            on_click=_try_example,
            args=(input_key, example),
            help=t("whatif.example_help"),
        )
    right.button(t("whatif.reset"), key="text_wi_reset", icon=":material/undo:", on_click=_reset, width="stretch")
    step = st.segmented_control(
        t("whatif.step_label"),
        list(range(T)),
        key=STEP,
        required=True,
        format_func=whatif.option_labels(original.target).__getitem__,
    )
    how = st.segmented_control(
        t("whatif.how_label"),
        ["point", "spread"],
        key=HOW,
        required=True,
        format_func=lambda h: t(f"whatif.how_{h}"),
    )
    return step, how


def point_edit(original: Alignment, step: int) -> whatif.Edit | None:
    """Click an input token: all of the step's attention goes there."""
    S = len(original.source)
    at = st.pills(
        t("whatif.at_label", step=step + 1, token=theme.show_token(original.target[step])),
        list(range(S)),
        key=AT,
        format_func=whatif.option_labels(original.source).__getitem__,
    )
    if at is None:
        st.caption(t("whatif.pick_hint"))
        return None
    weights = whatif.one_hot(S, at)
    return whatif.Edit(step, weights, weights)


def spread_edit(original: Alignment, step: int) -> whatif.Edit | None:
    """A column of numbers, one per input token (the model's own weights to start with), divided by their sum."""
    saved = st.session_state.get(RAW)
    start = (
        saved[1]
        if saved is not None and saved[0] == step
        else tuple(round(float(w), 4) for w in original.weights[step])
    )
    weight_col, token_col = t("whatif.col_weight"), t("whatif.col_token")
    frame = pd.DataFrame(
        {
            "#": range(1, len(original.source) + 1),
            token_col: [theme.show_token(s) for s in original.source],
            weight_col: list(start),
        }
    )
    st.caption(t("whatif.spread_hint"))
    edited = st.data_editor(
        frame,
        key=f"text_wi_editor_{step}_{st.session_state.get(VERSION, 0)}",
        hide_index=True,
        disabled=["#", token_col],
        height=min(36 * (len(frame) + 1) + 3, 420),
        width=520,
        column_config={
            "#": st.column_config.NumberColumn(width="small"),
            token_col: st.column_config.TextColumn(width="small"),
            weight_col: st.column_config.NumberColumn(min_value=0.0, step=0.05, format="%.4f"),
        },
    )
    raw, weights, problem = whatif.read_weights(edited[weight_col].tolist())
    if problem is not None:
        st.warning(t(f"whatif.bad_{problem}"), icon=":material/edit_off:")
        return None
    return whatif.Edit(step, weights, raw)


def compare(original: Alignment, edited: Alignment, step: int, is_date: bool) -> None:
    """The model's own output and the edited one, side by side (stacked while presenting), each with its heatmap."""
    changed = whatif.changed_positions(original.text, edited.text)
    left, right = presenter.columns(2, gap="large")
    for column, result, testid, label in (
        (left, original, "al-own", t("whatif.own")),
        (right, edited, "al-edited", t("whatif.edited")),
    ):
        with column:
            st.markdown(f"**{label}**")
            st.markdown(  # the same large type for both; the edited one has its changed characters in red
                f'<div data-testid="{html.escape(testid)}" style="font-weight:700;letter-spacing:0.04em;color:#0b1220">'
                + components.diff_html(result.text, original.text, size=OUTPUT_REM)
                + "</div>",
                unsafe_allow_html=True,
            )
            _heatmap(result, step, f"text_wi_{testid.removeprefix('al-')}")
    if changed:
        st.warning(t("whatif.changed", n=len(changed), step=step + 1, before=original.text, after=edited.text))
    else:
        st.success(t("whatif.unchanged", step=step + 1))
    if is_date and changed and not services.is_real_date(edited.text):
        st.caption(t("whatif.not_a_date", output=edited.text))


def _heatmap(alignment: Alignment, step: int, key: str) -> None:
    fig = heatmap.alignment_heatmap(
        alignment,
        x_title=t("charts.input_axis"),
        y_title=t("charts.output_axis"),
        hover=t("charts.hover"),
        highlight_row=step,
        compact=not presenter.active(),
    )
    st.plotly_chart(presenter.fit(fig), key=key, config=theme.png_config(key), width="stretch")


def draw(name: str, text: str, original: Alignment, is_date: bool, input_key: str, given: dict, link) -> None:
    """The whole what-if view for ``text`` decoded greedily by model ``name`` (``original``)."""
    if not original.has_attention:
        st.info(t("whatif.no_attention"), icon=":material/block:")
        return
    T, S = len(original.target), len(original.source)
    if T == 0:
        st.info(t("text.no_output_steps"))
        return
    links.ignored_notice(_drop_stale(T, S, given))
    st.markdown(t("whatif.intro"))
    step, how = controls(original, is_date, input_key)
    edit = point_edit(original, step) if how == "point" else spread_edit(original, step)
    link.keep(
        edit=step + 1,
        at=None if edit is None or how != "point" else edit.target + 1,
        w=None if edit is None or how != "spread" else edit.raw,
    )
    if edit is None:
        return
    edited = services.decode_forced(name, text, step, edit.weights)
    compare(original, edited, step, is_date)
