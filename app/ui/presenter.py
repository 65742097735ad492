"""Presenter mode, for a projector at 1280×720: larger type, no sidebar, one chart per row, charts that fit.

The switch lives in the sidebar; while presenting the sidebar is hidden, so the switch moves to the top of the
page. ``?present=1`` in a link turns it on. Pages ask ``active()`` and use ``columns`` and ``fit`` to lay out.
"""

from __future__ import annotations

import streamlit as st

from app.i18n import t
from app.logic import share

STATE_KEY = "present"
MAX_CHART_PX = 540  # a chart's height while presenting: it fits under the page's header at 720 px
FONT_SCALE = 1.3  # chart text is this much larger while presenting
CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stSidebarNav"] { display: none !important; }
html { font-size: 22px; }
[data-testid="stMainBlockContainer"] { max-width: 100% !important; padding: 2.2rem 2rem 2rem 2rem !important; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.15rem; }
h1 { font-size: 2.4rem !important; }
input, textarea, [data-baseweb="select"] div, [data-testid="stCaptionContainer"] { font-size: 1.05rem !important; }
</style>"""


def active() -> bool:
    """Whether the page is being presented."""
    return bool(st.session_state.get(STATE_KEY, False))


def control() -> None:
    """The switch (from the entry point, before the page runs) and, while presenting, the style that hides the
    sidebar and enlarges the type."""
    if STATE_KEY not in st.session_state:
        st.session_state[STATE_KEY] = bool(share.Flag().read(str(st.query_params.get(STATE_KEY, "0"))))

    def sync_url() -> None:
        if st.session_state[STATE_KEY]:
            st.query_params[STATE_KEY] = "1"
        elif STATE_KEY in st.query_params:
            del st.query_params[STATE_KEY]

    place = st.container() if active() else st.sidebar
    place.toggle(t("present.toggle"), key=STATE_KEY, on_change=sync_url, help=t("present.help"))
    if active():
        st.html(CSS)


def columns(spec, **kwargs) -> list:
    """``st.columns(spec)``, or the same number of full-width rows while presenting (one chart per row)."""
    if active():
        count = spec if isinstance(spec, int) else len(spec)
        return [st.container() for _ in range(count)]
    return st.columns(spec, **kwargs)


def fit(fig):
    """A Plotly figure sized for the projector while presenting (larger text, at most MAX_CHART_PX tall)."""
    if not active():
        return fig
    layout = fig.layout
    fig.update_layout(font_size=round((layout.font.size or 16) * FONT_SCALE))
    if layout.title.font.size:
        fig.update_layout(title_font_size=round(layout.title.font.size * FONT_SCALE))
    fig.update_xaxes(tickfont_size=round((fig.layout.xaxis.tickfont.size or 16) * FONT_SCALE))
    fig.update_yaxes(tickfont_size=round((fig.layout.yaxis.tickfont.size or 16) * FONT_SCALE))
    margin = layout.margin
    if margin.autoexpand is False:  # margins computed for the labels (app/charts/heatmap.py): they grow with them
        fig.update_layout(margin={s: round((margin[s] or 0) * FONT_SCALE) for s in "lrt"})
        if layout.height:
            fig.update_layout(height=round(layout.height + (margin.t or 0) * (FONT_SCALE - 1)))
    if layout.height and layout.height > MAX_CHART_PX:
        fig.update_layout(height=MAX_CHART_PX)
    return fig
