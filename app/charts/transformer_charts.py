"""Transformer attention maps: single maps with the causal mask visible, all heads at a glance, and a
line view in the spirit of BertViz's head view (choose a token, see what it attends to).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from app.charts import theme
from app.charts.heatmap import chart_title, label_angles, label_column, label_margins

__all__ = ["heads_grid", "line_view", "single_map"]

MASKED = "#cbd5e1"  # the colour of cells a causal mask forbids


def _labels(tokens: list[str]) -> list[str]:
    return [theme.show_token(t) for t in tokens]


def _masked(weights: np.ndarray, causal: bool) -> np.ndarray:
    """The map with the forbidden (future) cells as NaN, so they are drawn in the mask colour."""
    if not causal:
        return weights
    shown = weights.astype(float).copy()
    shown[np.triu(np.ones_like(shown, dtype=bool), k=1)] = np.nan
    return shown


def single_map(
    weights: np.ndarray,
    queries: list[str],
    keys: list[str],
    *,
    causal: bool = False,
    title: str = "",
    x_title: str = "",
    y_title: str = "",
    hover: str = "{q} → {k}: {w:.3f}",
    colorscale: str = theme.COLOR_SCALE,
) -> go.Figure:
    """One attention map (T_q, T_k) on a fixed 0–1 scale; with ``causal`` the future cells are greyed out."""
    q_lab, k_lab = _labels(queries), _labels(keys)
    z = _masked(weights, causal)
    text = [
        [hover.format(q=f"{i + 1} {q_lab[i]}", k=f"{j + 1} {k_lab[j]}", w=weights[i, j]) for j in range(len(k_lab))]
        for i in range(len(q_lab))
    ]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=list(range(len(k_lab))),
            y=list(range(len(q_lab))),
            zmin=0,
            zmax=1,
            colorscale=colorscale,
            text=text,
            hovertemplate="%{text}<extra></extra>",
            xgap=1,
            ygap=1,
            hoverongaps=False,
            colorbar={"title": {"text": "α"}, "thickness": 14},
        )
    )
    _label_axes(fig, q_lab, k_lab, title=title, x_title=x_title, y_title=y_title)
    return fig


def _label_axes(fig: go.Figure, q_lab: list[str], k_lab: list[str], *, title: str, x_title: str, y_title: str) -> None:
    """Keys along the top, queries down the side (one tick per token), the title, and the margins and height
    they need: reserved here, so that the map is drawn once, not fitted and redrawn."""
    tick = {"size": theme.TICK_FONT_SIZE - 2, "family": theme.MONO_FAMILY}
    fig.update_xaxes(
        tickvals=list(range(len(k_lab))),
        ticktext=k_lab,
        tickfont=tick,
        side="top",
        title=x_title,
        autotickangles=label_angles(k_lab, tick["size"]),
        ticklabeloverflow="allow",
    )
    fig.update_yaxes(
        tickvals=list(range(len(q_lab))),
        ticktext=q_lab,
        tickfont=tick,
        autorange="reversed",
        title=y_title,
        ticklabeloverflow="allow",
    )
    margin = label_margins(  # the map is drawn once, not fitted and redrawn
        k_lab,
        q_lab,
        tick=tick["size"],
        font=theme.FONT_SIZE,
        title_size=theme.TITLE_FONT_SIZE if title else None,
        x_titled=bool(x_title),
        y_titled=bool(y_title),
        colorbar=True,
    )
    fig.update_layout(
        title=chart_title(title, theme.TITLE_FONT_SIZE),
        height=int(max(220, 28 * len(q_lab) + margin["t"] + margin["b"])),
        margin=margin,
        plot_bgcolor=MASKED,
        font={"family": theme.FONT_FAMILY, "size": theme.FONT_SIZE},
    )


def heads_grid(
    maps: np.ndarray,
    queries: list[str],
    keys: list[str],
    *,
    causal: bool = False,
    layer_label: str = "layer {n}",
    head_label: str = "head {n}",
    colorscale: str = theme.COLOR_SCALE,
) -> go.Figure:
    """Every head of every layer as small multiples: rows are layers, columns are heads. maps: (L, H, T_q, T_k)."""
    L, H = maps.shape[:2]
    titles = [
        f"{layer_label.format(n=layer + 1)} · {head_label.format(n=head + 1)}"
        for layer in range(L)
        for head in range(H)
    ]
    fig = make_subplots(rows=L, cols=H, subplot_titles=titles, horizontal_spacing=0.02, vertical_spacing=0.08)
    q_lab, k_lab = _labels(queries), _labels(keys)
    for layer in range(L):
        for head in range(H):
            w = maps[layer, head]
            fig.add_trace(
                go.Heatmap(
                    z=_masked(w, causal),
                    zmin=0,
                    zmax=1,
                    colorscale=colorscale,
                    showscale=False,
                    xgap=0.5,
                    ygap=0.5,
                    customdata=[[f"{q_lab[i]} → {k_lab[j]}" for j in range(len(k_lab))] for i in range(len(q_lab))],
                    hovertemplate="%{customdata}: %{z:.3f}<extra></extra>",
                    hoverongaps=False,
                ),
                row=layer + 1,
                col=head + 1,
            )
    fig.update_xaxes(showticklabels=False, showgrid=False)
    fig.update_yaxes(showticklabels=False, showgrid=False, autorange="reversed")
    side = 210
    fig.update_layout(
        height=L * side + 60,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        plot_bgcolor=MASKED,
        font={"family": theme.FONT_FAMILY, "size": theme.FONT_SIZE - 2},
    )
    return fig


def line_view(
    weights: np.ndarray,
    queries: list[str],
    keys: list[str],
    *,
    selected: int | None = None,
    left_title: str = "query",
    right_title: str = "key",
) -> go.Figure:
    """Queries on the left, keys on the right, a line for every weight (darker = more attention).

    With ``selected`` only that query's lines are drawn, labelled with their weights.
    """
    q_lab, k_lab = _labels(queries), _labels(keys)
    Tq, Tk = weights.shape
    n = max(Tq, Tk)
    y_q = np.linspace(0, n - 1, Tq) if Tq > 1 else np.array([0.0])
    y_k = np.linspace(0, n - 1, Tk) if Tk > 1 else np.array([0.0])
    fig = go.Figure()
    for i in [selected] if selected is not None else range(Tq):
        for j in range(Tk):
            if float(weights[i, j]) >= 0.02:
                fig.add_trace(_line(float(weights[i, j]), (y_q[i], y_k[j]), f"{q_lab[i]} → {k_lab[j]}"))
    q_colors = ["#e11d48" if i == selected else "#0b1220" for i in range(Tq)]
    fig.add_trace(label_column(0.1, y_q, q_lab, "middle left", q_colors))
    k_text = k_lab if selected is None else [f"{k}  {weights[selected, j]:.2f}" for j, k in enumerate(k_lab)]
    fig.add_trace(label_column(0.9, y_k, k_text, "middle right"))
    fig.update_xaxes(visible=False, range=[-0.1, 1.15])
    fig.update_yaxes(visible=False, autorange="reversed")
    fig.update_layout(
        height=int(max(260, 30 * n + 90)),
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        plot_bgcolor="white",
        annotations=[
            {"x": 0.05, "y": 1.04, "xref": "x", "yref": "paper", "text": f"<b>{left_title}</b>", "showarrow": False},
            {"x": 0.95, "y": 1.04, "xref": "x", "yref": "paper", "text": f"<b>{right_title}</b>", "showarrow": False},
        ],
    )
    return fig


def _line(w: float, ys: tuple[float, float], name: str) -> go.Scatter:
    """One query–key line, as dark and as thick as its weight ``w``."""
    return go.Scatter(
        x=[0.12, 0.88],
        y=list(ys),
        mode="lines",
        hoverinfo="text",
        text=f"{name}: {w:.3f}",
        line={"color": f"rgba(26,86,219,{min(1.0, 0.15 + w):.3f})", "width": 1 + 9 * w},
        showlegend=False,
    )
