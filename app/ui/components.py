"""Pieces of pages that more than one page draws: the big output, the alignment views, downloads.

They read widgets and draw; the figures come from app/charts and the numbers from the models.
"""

from __future__ import annotations

import html
import time
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from app.charts import heatmap, theme
from app.i18n import t
from app.ui import presenter
from models.results import Alignment

if TYPE_CHECKING:  # pandas loads with the first table (the first page paints sooner without it)
    import pandas as pd


def big_output(text: str, note: str = "") -> None:
    """The model's answer, large enough for the back of a classroom."""
    shown = html.escape(text) if text else "∅"
    st.markdown(
        f'<div data-testid="al-output" style="font-family:{theme.MONO_FAMILY};font-size:3.4rem;'
        f'font-weight:700;line-height:1.2;color:#0b1220;letter-spacing:0.04em">{shown}</div>'
        + (f'<div style="color:#475569;font-size:1rem">{html.escape(note)}</div>' if note else ""),
        unsafe_allow_html=True,
    )


def example_pills(label: str, examples: list[str], key: str, input_key: str, suffix: str = "", format_func=str) -> None:
    """Examples to pick from; picking one puts it (without ``suffix``) into the text box ``input_key``.

    ``format_func``: how a pill shows its example (a long review shortened), when not as it is.
    """

    def use() -> None:
        picked = st.session_state.get(key)
        if picked:
            st.session_state[input_key] = picked.removesuffix(suffix)

    # wrap: in a column they would scroll, hiding some
    st.pills(label, examples, key=key, on_change=use, wrap=True, format_func=format_func)


def heatmap_chart(alignment: Alignment, key: str, title: str = "", compact: bool = False, **kwargs) -> None:
    """The alignment heatmap with the app's axis titles, hover text and PNG export."""
    fig = heatmap.alignment_heatmap(
        alignment,
        title=title,
        x_title=t("charts.input_axis"),
        y_title=t("charts.output_axis"),
        hover=t("charts.hover"),
        compact=compact,
        **kwargs,
    )
    st.plotly_chart(presenter.fit(fig), key=key, config=theme.png_config(key), width="stretch")


def downloads(alignment: Alignment, stem: str, key: str, **extra: object) -> None:
    """CSV and JSON of the weights (the PNG comes from the chart's camera button), written when clicked: a new
    input then costs no file that nobody downloads."""
    left, right, note = st.columns([1, 1.2, 2.5], vertical_alignment="center")
    left.download_button(
        t("text.download_csv"),
        lambda: heatmap.alignment_csv(alignment),
        file_name=f"{stem}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        icon=":material/table:",
        on_click="ignore",  # a download changes nothing on the page: no run
    )
    right.download_button(
        t("text.download_json"),
        lambda: heatmap.alignment_json(alignment, **extra),
        file_name=f"{stem}.json",
        mime="application/json",
        key=f"{key}_json",
        icon=":material/data_object:",
        on_click="ignore",
    )
    note.caption(t("text.download_png_hint"))


def _step_view(alignment: Alignment, step: int, bars_slot, tokens_slot, stats_slot) -> None:
    w = alignment.weights[step]
    best = int(np.argmax(w))
    out_so_far = "".join(
        f"<b style='color:#e11d48;text-decoration:underline'>{html.escape(c)}</b>" if i == step else html.escape(c)
        for i, c in enumerate(alignment.target[: step + 1])
    )
    stats_slot.markdown(
        t(
            "text.step_stats",
            step=step + 1,
            total=len(alignment.target),
            token=html.escape(alignment.target[step]),
            best=html.escape(theme.show_token(alignment.source[best])),
            position=best + 1,
            peak=float(w[best]),
            entropy=heatmap.entropy(w),
            uniform=np.log2(len(w)),
        )
        + f"  \n<span style='font-family:monospace;font-size:1.6rem'>{out_so_far}</span>",
        unsafe_allow_html=True,
    )
    tokens_slot.markdown(heatmap.tinted_tokens_html(alignment.source, w, highlight=best), unsafe_allow_html=True)
    bars_slot.vega_lite_chart(
        spec=heatmap.step_bars(alignment, step, x_title=t("charts.input_axis"), y_title=t("charts.weight_axis")),
        width="stretch",
    )


def step_through(alignment: Alignment, key: str) -> None:
    """A decoding-step slider (and a play button): that step's weights as bars and as tinted input."""
    T = len(alignment.target)
    if T == 0:
        st.info(t("text.no_output_steps"))
        return
    controls, play = st.columns([5, 1], vertical_alignment="bottom")
    if T > 1:
        step = controls.slider(
            t("text.step_slider"),
            1,
            T,
            1,
            key=f"{key}_step",
            format="%d",
            help=t("text.step_slider_help"),
        )
    else:
        step = 1
    playing = play.button(t("text.play"), key=f"{key}_play", icon=":material/play_arrow:", width="stretch")
    stats_slot, tokens_slot, bars_slot = st.empty(), st.empty(), st.empty()
    if playing:
        for s in range(T):
            _step_view(alignment, s, bars_slot, tokens_slot, stats_slot)
            time.sleep(0.7)
    _step_view(alignment, step - 1, bars_slot, tokens_slot, stats_slot)


def diff_html(output: str, truth: str, size: float = 1.5) -> str:
    """The output in large monospace (``size`` rem), every character that differs from the truth in red (missing
    ones as ·)."""
    cells = []
    for i in range(max(len(output), len(truth))):
        got = output[i] if i < len(output) else "·"
        ok = i < len(output) and i < len(truth) and output[i] == truth[i]
        style = "" if ok else "color:#e11d48;text-decoration:underline"
        cells.append(f'<span style="{style}">{html.escape(got)}</span>')
    return (
        f'<div style="font-family:{theme.MONO_FAMILY};font-size:{float(size)}rem;'
        'word-break:break-all;line-height:1.4">' + "".join(cells) + "</div>"
    )


TABLE_STYLE = [  # large type for the projector
    {"selector": "th, td", "props": "font-size: 1.25rem; padding: 0.25rem 0.9rem; text-align: right;"},
    {"selector": "th", "props": "font-weight: 600;"},
]


NARROW_TABLE_STYLE = [{**TABLE_STYLE[0], "props": TABLE_STYLE[0]["props"].replace("0.9rem", "0.45rem")}, TABLE_STYLE[1]]


def big_table(frame: pd.DataFrame, digits: int = 3, narrow: bool = False, labels: bool = False) -> None:
    """A small table in large type for the projector: every number visible at once, nothing to scroll.

    ``narrow``: less space between the columns, for a table that shares the row with a chart.
    ``labels``: the first column names the rows ("3 · 사랑해"), kept on one line.
    """
    styles = NARROW_TABLE_STYLE if narrow else TABLE_STYLE
    styler = frame.style.format(precision=digits, na_rep="").set_table_styles(styles).hide(axis="index")
    if labels:
        styler = styler.set_properties(subset=[frame.columns[0]], **{"white-space": "nowrap"})
    st.table(styler)
