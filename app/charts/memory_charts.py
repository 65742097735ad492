"""Charts of /memory (Plotly): bit grids with the wrong bits marked, the heads' weightings over memory rows
for every step, the memory matrix, and one step's addressing pipeline as bars."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from app.charts import theme

__all__ = ["addressing_bars", "bit_grid", "memory_matrix", "shift_bars", "weightings_heatmap"]

WRONG = "#e11d48"  # a wrong bit
BIT_SCALE = [[0.0, "#f1f5f9"], [1.0, "#1e293b"]]  # 0 light, 1 dark
PIPELINE = ("#94a3b8", "#60a5fa", "#2563eb", theme.ACCENT)  # content → gated → shifted → final


def _style(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(
        title={"text": title, "font": {"size": theme.TITLE_FONT_SIZE - 2}, "x": 0, "xanchor": "left"},
        height=height,
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
        font={"family": theme.FONT_FAMILY, "size": theme.FONT_SIZE - 2},
        plot_bgcolor="white",
    )
    return fig


def bit_grid(
    bits: np.ndarray,
    *,
    title: str,
    x_title: str,
    y_title: str,
    errors: np.ndarray | None = None,
    probs: np.ndarray | None = None,
    wrong_label: str = "wrong",
) -> go.Figure:
    """A pattern (L, bits) as a grid: one column per vector, one row per bit; wrong bits crossed in red.

    ``probs`` (L, bits): the model's p(bit = 1), shown as shades instead of black and white.
    """
    L, B = bits.shape
    shown = probs if probs is not None else bits
    fig = go.Figure(
        go.Heatmap(
            z=np.asarray(shown, dtype=float).T,  # (bits, L)
            x=list(range(1, L + 1)),
            y=list(range(1, B + 1)),
            zmin=0,
            zmax=1,
            colorscale=BIT_SCALE,
            showscale=False,
            xgap=1,
            ygap=1,
            hovertemplate="t=%{x} bit %{y}: %{z:.2f}<extra></extra>",
        )
    )
    if errors is not None and errors.any():
        t_idx, b_idx = np.nonzero(errors)
        fig.add_trace(
            go.Scatter(
                x=t_idx + 1,
                y=b_idx + 1,
                mode="markers",
                marker={"symbol": "x-thin", "size": 12, "line": {"width": 3, "color": WRONG}},
                name=wrong_label,
                hovertemplate=wrong_label + " t=%{x} bit %{y}<extra></extra>",
            )
        )
    fig.update_xaxes(title=x_title, showgrid=False, zeroline=False)
    fig.update_yaxes(title=y_title, autorange="reversed", showgrid=False, zeroline=False, dtick=1)
    fig.update_layout(showlegend=False)
    return _style(fig, title, 230)


def weightings_heatmap(
    weights: np.ndarray,
    *,
    title: str,
    x_title: str,
    y_title: str,
    length: int,
    marker: int | None = None,
    delimiter_label: str = "delimiter",
) -> go.Figure:
    """(T, N) weightings: x the step, y the memory row; the delimiter step and a chosen step marked.

    Only the rows that get any weight (and a few around them) are drawn, so a short copy is not a sliver.
    """
    T, N = weights.shape
    used = np.nonzero(weights.max(0) > 0.02)[0]
    top = int(min(N, (used.max() + 4) if used.size else N))
    z = weights[:, :top].T  # (rows, T)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=list(range(T)),
            y=list(range(top)),
            zmin=0,
            zmax=1,
            colorscale=theme.COLOR_SCALE,
            colorbar={"title": "w", "thickness": 12},
            hovertemplate="step %{x}, row %{y}: %{z:.3f}<extra></extra>",
        )
    )
    fig.add_vline(x=length, line={"color": WRONG, "width": 2, "dash": "dot"})
    fig.add_annotation(x=length, y=top - 1, text=delimiter_label, showarrow=False, xanchor="left", yanchor="top")
    if marker is not None:
        fig.add_vrect(x0=marker - 0.5, x1=marker + 0.5, line={"color": "white", "width": 2})
    fig.update_xaxes(title=x_title, showgrid=False)
    fig.update_yaxes(title=y_title, autorange="reversed", showgrid=False)
    return _style(fig, title, max(260, min(520, 120 + 6 * top)))


def memory_matrix(memory: np.ndarray, *, title: str, x_title: str, y_title: str, highlight: int | None = None):
    """The memory (N, M) at one step: a row per location; the rows in use are the ones far from 0."""
    N, M = memory.shape
    used = np.nonzero(np.abs(memory).max(1) > 1e-3)[0]
    top = int(min(N, (used.max() + 4) if used.size else min(N, 16)))
    bound = float(max(np.abs(memory[:top]).max(), 1e-6))
    fig = go.Figure(
        go.Heatmap(
            z=memory[:top],
            x=list(range(M)),
            y=list(range(top)),
            zmin=-bound,
            zmax=bound,
            colorscale="RdBu",
            reversescale=True,
            colorbar={"thickness": 12},
            hovertemplate="row %{y}, column %{x}: %{z:.3f}<extra></extra>",
        )
    )
    if highlight is not None and highlight < top:
        fig.add_hrect(y0=highlight - 0.5, y1=highlight + 0.5, line={"color": "#111827", "width": 2})
    fig.update_xaxes(title=x_title, showgrid=False)
    fig.update_yaxes(title=y_title, autorange="reversed", showgrid=False)
    return _style(fig, title, max(260, min(520, 120 + 6 * top)))


def addressing_bars(
    stages: list[tuple[str, np.ndarray]], *, title: str, x_title: str, rows: tuple[int, int] | None = None
) -> go.Figure:
    """One step's pipeline: a bar chart of each weighting over memory rows, one panel per stage, top to bottom.

    stages: (panel title, weights (N,)); ``rows`` (first, last): the window of rows drawn (default: all).
    """
    first, last = rows or (0, len(stages[0][1]) - 1)
    x = list(range(first, last + 1))
    fig = make_subplots(
        rows=len(stages), cols=1, shared_xaxes=True, vertical_spacing=0.08, subplot_titles=[s[0] for s in stages]
    )
    for i, (name, w) in enumerate(stages):
        fig.add_trace(
            go.Bar(
                x=x,
                y=w[first : last + 1],
                marker_color=PIPELINE[i % len(PIPELINE)],
                name=name,
                hovertemplate="row %{x}: %{y:.3f}<extra></extra>",
            ),
            row=i + 1,
            col=1,
        )
        fig.update_yaxes(range=[0, 1.05], row=i + 1, col=1, nticks=3)
    fig.update_xaxes(title=x_title, row=len(stages), col=1)
    fig.update_layout(showlegend=False, bargap=0.1)
    for annotation in fig.layout.annotations:  # the panel titles: left, readable
        annotation.update(x=0, xanchor="left", font={"size": theme.FONT_SIZE - 1})
    return _style(fig, title, 130 * len(stages) + 80)


def shift_bars(shift: np.ndarray, *, title: str, x_title: str) -> go.Figure:
    """The shift weighting s over the moves −R..R."""
    R = len(shift) // 2
    fig = go.Figure(
        go.Bar(
            x=[f"{k:+d}" if k else "0" for k in range(-R, R + 1)],
            y=shift,
            marker_color=PIPELINE[2],
            hovertemplate="%{x}: %{y:.3f}<extra></extra>",
        )
    )
    fig.update_yaxes(range=[0, 1.05], nticks=3)
    fig.update_xaxes(title=x_title, type="category")
    return _style(fig, title, 240)
