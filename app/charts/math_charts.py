"""Figures and formulas of the /math page: bars of scores and weights, the convex hull, the √d_k curves.

Pure functions of numbers (numpy arrays, lists); no streamlit, no torch. Bars are labelled by position,
showing the token, so that repeated tokens keep their own bar; weights always use one 0–1 axis.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from app.charts import theme
from app.charts.math_latex import latex_dot, latex_number, latex_vector, number

__all__ = [
    "context_figure",
    "convex_hull",
    "entropy_chart",
    "grouped_bars",
    "latex_dot",  # re-exported from math_latex, where the formulas live
    "latex_number",
    "latex_vector",
    "number",
    "score_bars",
    "weight_bars",
]

NEGATIVE = "#b45309"  # bars below zero (amber: not red, which marks the chosen bar)
HIGHLIGHT = "#e11d48"  # the largest weight
UNSCALED = "#9ca3af"  # the √d_k comparison: grey for the problem, the accent for the fix
BAR_LABEL_SIZE = 16
_LABEL_EXPR = "slice(datum.label, indexof(datum.label, ':') + 1)"  # "3:you" -> "you"


def _labels(tokens: Sequence[str]) -> list[str]:
    return [f"{j + 1}:{theme.show_token(tok)}" for j, tok in enumerate(tokens)]


def _x(title: str, n: int) -> alt.X:
    """The token axis: one label per position, showing the token, large while they fit."""
    size = 22 if n <= 12 else 18 if n <= 24 else 14
    return alt.X(
        "label:N",
        sort=None,
        title=title,
        axis=alt.Axis(labelAngle=0, labelFontSize=size, labelExpr=_LABEL_EXPR, labelFont=theme.MONO_FAMILY),
    )


def _style(chart: alt.Chart | alt.LayerChart, height: int) -> alt.Chart | alt.LayerChart:
    return chart.properties(height=height).configure_axis(titleFontSize=17, labelFontSize=16)


def weight_bars(
    tokens: Sequence[str],
    weights: np.ndarray,
    *,
    x_title: str = "input",
    y_title: str = "weight α",
    label_from: float | None = 0.0,
    height: int = 300,
) -> alt.LayerChart:
    """The softmax as bars on a fixed 0–1 axis, the largest in red; bars of at least ``label_from`` show their value."""
    w = np.asarray(weights, dtype=np.float64)
    frame = pd.DataFrame({"label": _labels(tokens), "token": list(tokens), "weight": w})
    frame["best"] = np.arange(len(w)) == int(np.argmax(w))
    base = alt.Chart(frame).encode(
        x=_x(x_title, len(w)),
        y=alt.Y("weight:Q", scale=alt.Scale(domain=[0, 1]), title=y_title),
    )
    bars = base.mark_bar().encode(
        color=alt.condition(alt.datum.best, alt.value(HIGHLIGHT), alt.value(theme.ACCENT)),
        tooltip=["token", alt.Tooltip("weight:Q", format=".4f")],
    )
    layers = [bars]
    if label_from is not None:
        size = BAR_LABEL_SIZE if len(w) <= 24 else BAR_LABEL_SIZE - 3
        text = base.mark_text(dy=-10, fontSize=size, fontWeight="bold").transform_filter(alt.datum.weight >= label_from)
        layers.append(text.encode(text=alt.Text("weight:Q", format=".3f" if len(w) <= 12 else ".2f")))
    return _style(alt.layer(*layers), height)


def score_bars(
    tokens: Sequence[str],
    scores: np.ndarray,
    *,
    x_title: str = "input",
    y_title: str = "score e",
    values: bool = True,
    height: int = 300,
) -> alt.LayerChart:
    """Raw scores as bars around zero (they can be any real number), negative ones in amber."""
    e = np.asarray(scores, dtype=np.float64)
    frame = pd.DataFrame({"label": _labels(tokens), "token": list(tokens), "score": e, "negative": e < 0})
    base = alt.Chart(frame).encode(x=_x(x_title, len(e)), y=alt.Y("score:Q", title=y_title))
    bars = base.mark_bar().encode(
        color=alt.condition(alt.datum.negative, alt.value(NEGATIVE), alt.value(theme.ACCENT)),
        tooltip=["token", alt.Tooltip("score:Q", format=".4f")],
    )
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color="#0b1220").encode(y="y:Q")
    layers = [bars, zero]
    if values:
        size = BAR_LABEL_SIZE - 2 if len(e) <= 12 else BAR_LABEL_SIZE - 4
        for negative, dy in ((False, -10), (True, 12)):  # the value above a bar that rises, below one that falls
            text = base.mark_text(fontSize=size, fontWeight="bold", dy=dy).transform_filter(
                alt.datum.negative == negative
            )
            layers.append(text.encode(text=alt.Text("score:Q", format=".2f")))
    return _style(alt.layer(*layers), height)


def grouped_bars(
    tokens: Sequence[str],
    series: dict[str, np.ndarray],
    *,
    x_title: str = "key",
    y_title: str = "weight",
    colors: Sequence[str] = (UNSCALED, theme.ACCENT),
    height: int = 380,
) -> alt.Chart:
    """Several distributions over the same tokens side by side (e.g. unscaled and scaled), 0–1 axis."""
    labels = _labels(tokens)
    names = list(series)
    frame = pd.DataFrame(
        [
            {"label": labels[j], "token": tokens[j], "series": name, "weight": float(w)}
            for name, values in series.items()
            for j, w in enumerate(values)
        ]
    )
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=_x(x_title, len(tokens)),
            xOffset=alt.XOffset("series:N", sort=names),
            y=alt.Y("weight:Q", scale=alt.Scale(domain=[0, 1]), title=y_title),
            color=alt.Color(
                "series:N",
                sort=names,
                scale=alt.Scale(domain=names, range=list(colors)[: len(names)]),
                legend=alt.Legend(title=None, orient="top", labelFontSize=16, symbolSize=200),
            ),
            tooltip=["series", "token", alt.Tooltip("weight:Q", format=".4f")],
        )
    )
    return _style(chart, height)


def entropy_chart(
    d_ks: Sequence[int],
    curves: dict[str, Sequence[float]],
    *,
    chosen: int,
    uniform: float,
    uniform_name: str = "uniform",
    x_title: str = "d_k",
    y_title: str = "entropy (bits)",
    colors: Sequence[str] = (UNSCALED, theme.ACCENT),
    height: int = 420,  # with the legend's two lines above the plot
) -> alt.LayerChart:
    """Mean softmax entropy against d_k (log₂ axis), one line per curve; the uniform level and the chosen d_k."""
    names = list(curves)
    frame = pd.DataFrame(
        [
            {"d_k": d, "curve": name, "bits": float(b)}
            for name, bits in curves.items()
            for d, b in zip(d_ks, bits, strict=True)
        ]
    )
    x = alt.X(
        "d_k:Q",
        scale=alt.Scale(type="log", base=2, domain=[min(d_ks), max(d_ks)]),
        axis=alt.Axis(values=list(d_ks), format="d", labelFontSize=15),
        title=x_title,
    )
    color = alt.Color(
        "curve:N",
        sort=names,
        scale=alt.Scale(domain=names, range=list(colors)[: len(names)]),
        legend=alt.Legend(  # one entry a line: side by side they are wider than half the page at 1280 px
            title=None, orient="top", direction="vertical", labelFontSize=16, symbolSize=200, labelLimit=400
        ),
    )
    lines = (
        alt.Chart(frame)
        .mark_line(point=alt.OverlayMarkDef(size=90), strokeWidth=4)
        .encode(
            x=x,
            y=alt.Y("bits:Q", scale=alt.Scale(domain=[0, max(uniform, 0.5) * 1.08]), title=y_title),
            color=color,
            tooltip=["curve", "d_k", alt.Tooltip("bits:Q", format=".3f")],
        )
    )
    level = pd.DataFrame({"bits": [uniform], "d_k": [max(d_ks)], "text": [f"{uniform_name}: {uniform:.2f}"]})
    rule = alt.Chart(level).mark_rule(strokeDash=[6, 4], color="#475569").encode(y="bits:Q")
    rule_text = (
        alt.Chart(level)
        .mark_text(align="right", dy=-12, fontSize=16, color="#475569")
        .encode(y="bits:Q", x="d_k:Q", text="text:N")
    )
    here = alt.Chart(pd.DataFrame({"d_k": [chosen]})).mark_rule(color=HIGHLIGHT, strokeWidth=2).encode(x="d_k:Q")
    return _style(alt.layer(lines, rule, rule_text, here), height)


def convex_hull(points: np.ndarray) -> np.ndarray:
    """The corners of the convex hull of 2-D points, counter-clockwise (Andrew's monotone chain)."""
    pts = sorted({(float(x), float(y)) for x, y in np.asarray(points)})
    if len(pts) <= 2:
        return np.array(pts)

    def cross(o, a, b) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list = []
    upper: list = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return np.array(lower[:-1] + upper[:-1])


def context_figure(
    tokens: Sequence[str],
    states: np.ndarray,
    weights: np.ndarray,
    context: np.ndarray,
    *,
    dims: tuple[int, int] = (0, 1),
    x_title: str = "coordinate 1",
    y_title: str = "coordinate 2",
    hull_name: str = "every convex combination",
    context_name: str = "c",
    height: int = 420,
) -> go.Figure:
    """Two coordinates of the states h_j (dots sized by α_j) and of the context c (a star) inside their hull."""
    i, k = dims
    xy = np.asarray(states)[:, [i, k]]  # (S, 2)
    c = np.asarray(context)[[i, k]]
    w = np.asarray(weights, dtype=np.float64)
    fig = go.Figure()
    hull = convex_hull(xy)
    if len(hull) >= 2:
        fig.add_trace(_hull_trace(hull, hull_name))
    for j in range(len(xy)):  # a thin line from c to each h_j, as thick as its weight
        fig.add_trace(
            go.Scatter(
                x=[c[0], xy[j, 0]],
                y=[c[1], xy[j, 1]],
                mode="lines",
                line={"color": "rgba(225,29,72,0.6)", "width": 1 + 8 * float(w[j])},
                showlegend=False,
                hoverinfo="skip",
            )
        )
    fig.add_trace(_states_trace(tokens, xy, w, c))
    fig.add_trace(_context_trace(c, context_name))
    _frame(fig, xy, c, x_title=x_title, y_title=y_title, height=height)
    return fig


def _hull_trace(hull: np.ndarray, name: str) -> go.Scatter:
    """The convex hull of the states, shaded: where every weighted sum of them lies."""
    closed = np.vstack([hull, hull[:1]])
    return go.Scatter(
        x=closed[:, 0],
        y=closed[:, 1],
        fill="toself",
        fillcolor="rgba(26,86,219,0.10)",
        line={"color": "rgba(26,86,219,0.5)", "width": 2, "dash": "dot"},
        name=name,
        hoverinfo="skip",
    )


def _states_trace(tokens: Sequence[str], xy: np.ndarray, w: np.ndarray, c: np.ndarray) -> go.Scatter:
    """The states h_j as dots, each as large as its weight, labelled with its token and α_j (two short lines).

    A label sits on the far side of its dot from c (below a dot lower than c), clear of the lines from c.
    """
    return go.Scatter(
        x=xy[:, 0],
        y=xy[:, 1],
        mode="markers+text",
        marker={"size": 14 + 40 * w, "color": theme.ACCENT, "line": {"color": "white", "width": 2}},
        text=[f"h{j + 1} {tok}<br>α={number(a, 2)}" for j, (tok, a) in enumerate(zip(tokens, w, strict=True))],
        textposition=["bottom center" if y < c[1] else "top center" for y in xy[:, 1]],
        textfont={"size": 16, "family": theme.FONT_FAMILY},
        name="h",
        showlegend=False,
        hovertemplate="%{text}<br>(%{x:.3f}, %{y:.3f})<extra></extra>",
    )


def _context_trace(c: np.ndarray, name: str) -> go.Scatter:
    """The context vector c as a red star."""
    return go.Scatter(
        x=[c[0]],
        y=[c[1]],
        mode="markers+text",
        marker={"size": 26, "color": HIGHLIGHT, "symbol": "star", "line": {"color": "white", "width": 1}},
        text=[name],
        textposition="bottom center",
        textfont={"size": 20, "color": HIGHLIGHT},
        name=name,
        hovertemplate="c = (%{x:.3f}, %{y:.3f})<extra></extra>",
    )


def _frame(fig: go.Figure, xy: np.ndarray, c: np.ndarray, *, x_title: str, y_title: str, height: int) -> None:
    """Equal axes around every point with some room for the labels; the legend on top."""
    span = np.ptp(np.vstack([xy, c[None]]), axis=0).max() if len(xy) else 1.0
    pad = max(0.3, 0.2 * float(span))
    wide = pad * 1.8  # the dots' labels are centred on them: room for half a label on either side
    fig.update_xaxes(title=x_title, range=[xy[:, 0].min() - wide, xy[:, 0].max() + wide], zeroline=True)
    fig.update_yaxes(
        title=y_title, range=[xy[:, 1].min() - pad * 1.6, xy[:, 1].max() + pad * 1.6], zeroline=True, scaleanchor="x"
    )
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        font={"family": theme.FONT_FAMILY, "size": theme.FONT_SIZE},
        legend={"orientation": "h", "y": 1.08, "x": 0},
        plot_bgcolor="white",
    )
