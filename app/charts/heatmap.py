"""Alignment heatmaps and per-step bars: where each output token looked in the input.

Axes are labelled by position, showing the token: "1999" has two 9s, and each keeps its own
column. The colour scale is fixed from 0 to 1 for every map, so a flat map looks flat.
"""

from __future__ import annotations

import functools
import json
import math
import unicodedata

import numpy as np
import plotly.graph_objects as go

from app.charts import theme
from models.results import Alignment

__all__ = [
    "alignment_csv",
    "alignment_heatmap",
    "alignment_json",
    "chart_title",
    "entropy",
    "join_words",
    "label_angles",
    "label_margins",
    "step_bars",
    "tinted_tokens_html",
]


def entropy(weights: np.ndarray) -> float:
    """Shannon entropy in bits of one attention distribution (0 = one position; log2 n = uniform)."""
    p = np.asarray(weights, dtype=np.float64)
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


def alignment_heatmap(
    alignment: Alignment,
    *,
    title: str = "",
    x_title: str = "input",
    y_title: str = "output",
    hover: str = "output {i} “{out}” → input {j} “{inp}”: {w:.3f}",
    highlight_row: int | None = None,
    colorscale: str = theme.COLOR_SCALE,
    compact: bool = False,
    show_values: bool = False,
) -> go.Figure:
    """The weights as a heatmap: input tokens on x, output tokens on y (first output at the top).

    Written as one plain specification, handed to Plotly unvalidated: Plotly's property-by-property checks
    took ten times longer than the rest of the chart, on every new input. tests/unit/test_charts_fast.py
    checks that Plotly, validating, makes the very same figure of it.
    """
    w = alignment.weights
    T, S = w.shape
    source = [theme.show_token(s) for s in alignment.source]
    target = [theme.show_token(s) for s in alignment.target]
    text = [
        [hover.format(i=i + 1, out=target[i], j=j + 1, inp=source[j], w=w[i, j]) for j in range(S)] for i in range(T)
    ]
    trace = {
        "type": "heatmap",
        "z": w,
        "x": list(range(S)),
        "y": list(range(T)),
        "zmin": 0.0,
        "zmax": 1.0,
        "colorscale": _scale(colorscale),
        "text": text,
        "hovertemplate": "%{text}<extra></extra>",
        "colorbar": {"title": {"text": "α"}, "thickness": 14, "len": 0.9},
        "xgap": 1,
        "ygap": 1,
        "showscale": not compact,
    }
    if show_values:
        trace["texttemplate"] = "%{z:.2f}"
    layout = _layout(source, target, title=title, x_title=x_title, y_title=y_title, compact=compact)
    if highlight_row is not None and 0 <= highlight_row < T:
        layout["shapes"] = [
            {
                "type": "rect",
                "x0": -0.5,
                "x1": S - 0.5,
                "y0": highlight_row - 0.5,
                "y1": highlight_row + 0.5,
                "line": {"color": "#e11d48", "width": 3},
            }
        ]
    return go.Figure({"data": [trace], "layout": layout}, _validate=False)  # checked by a test


@functools.cache
def _scale(name: str) -> tuple:
    """A named colour scale as the stops Plotly's validation makes of the name (validated once per name)."""
    return go.Heatmap(colorscale=name).colorscale


def _layout(source: list[str], target: list[str], *, title: str, x_title: str, y_title: str, compact: bool) -> dict:
    """Axes, title, fonts, margins and height (one cell per output row) of an alignment heatmap."""
    layout = _token_axes(
        source, target, x_title="" if compact else x_title, y_title="" if compact else y_title, compact=compact
    )
    layout |= _size(title, compact=compact)
    tick = layout["xaxis"]["tickfont"]["size"]
    layout["margin"] = label_margins(
        source,
        target,
        tick=tick,
        font=layout["font"]["size"],
        title_size=layout["title"]["font"]["size"] if title else None,
        x_titled=bool(layout["xaxis"]["title"]["text"]),
        y_titled=bool(layout["yaxis"]["title"]["text"]),
        colorbar=not compact,
    )
    layout["xaxis"]["autotickangles"] = label_angles(source, tick)
    cell = theme.CELL_PX * (0.6 if compact else 1)
    layout["height"] = int(max(160, cell * len(target) + layout["margin"]["t"] + layout["margin"]["b"]))
    return layout


def _token_axes(source: list[str], target: list[str], *, x_title: str, y_title: str, compact: bool) -> dict:
    """One tick per position, showing its token: input along the top, output down the side (first at the top)."""
    tickfont = {"size": theme.TICK_FONT_SIZE - (4 if compact else 0), "family": theme.MONO_FAMILY}
    return {
        "xaxis": {
            "tickmode": "array",
            "tickvals": list(range(len(source))),
            "ticktext": source,
            "tickfont": tickfont,
            "title": {"text": x_title},
            "side": "top",
            "showgrid": False,
            "ticklabeloverflow": "allow",  # else Plotly measures every label once per label, on every redraw
        },
        "yaxis": {
            "tickmode": "array",
            "tickvals": list(range(len(target))),
            "ticktext": target,
            "tickfont": tickfont,
            "title": {"text": y_title},
            "autorange": "reversed",
            "showgrid": False,
            "ticklabeloverflow": "allow",
        },
    }


LABEL_ANGLE = 30  # degrees: how far input labels along the top may slant
CHAR_EM = 0.62  # width of a Latin character in the tick font (Source Code Pro), in ems; Hangul is 1 em
COLORBAR_PX = 80  # the colour bar with its ticks and title, right of the map


def text_px(text: str, size: float) -> float:
    """How wide ``text`` is drawn in the monospaced tick font at ``size`` px (wide East Asian characters are
    one em, the rest CHAR_EM): enough to reserve room for it, never measured in the browser."""
    return size * sum(1.0 if unicodedata.east_asian_width(c) in "WF" else CHAR_EM for c in text)


def _widest(labels: list[str], tick: float) -> float:
    return max((text_px(s, tick) for s in labels), default=0)


def _slants(widest: float, tick: float) -> bool:
    """Whether labels this wide are words, which slant by LABEL_ANGLE when cells are narrow. Single characters
    stand upright, or on end in very narrow cells, where they take no more room."""
    return widest > tick * 1.5


def label_angles(source: list[str], tick: float) -> list[int]:
    """The angles Plotly may give the labels along the top, for which ``label_margins`` reserved room."""
    return [0, LABEL_ANGLE] if _slants(_widest(source, tick), tick) else [0, 90]


def label_margins(
    source: list[str],
    target: list[str],
    *,
    tick: float,
    font: float,
    title_size: float | None,
    x_titled: bool,
    y_titled: bool,
    colorbar: bool,
) -> dict:
    """Margins that hold the tick labels (``source`` along the top, ``target`` down the side, at ``tick`` px),
    the axis titles, the chart title (``title_size`` px, or None without one) and the colour bar. Computed
    here, with ``autoexpand`` off, rather than by Plotly: Plotly's own fitting draws the chart, measures it and
    draws it again, a third of the time a new heatmap takes to appear. app/presenter.py scales these with the
    fonts."""
    widest_x, widest_y = _widest(source, tick), _widest(target, tick)
    slanting = _slants(widest_x, tick)
    slant = math.radians(LABEL_ANGLE)
    # labels along the top: upright, or slanted when wider than a cell might be (the chart's width is the page's)
    x_labels = widest_x * math.sin(slant) + tick * math.cos(slant) if slanting else tick * 1.3
    top = 10 + x_labels + (font * 1.9 if x_titled else 0) + (title_size * 2 if title_size else 0)
    left = 16 + widest_y + (font * 1.9 if y_titled else 0)
    right = COLORBAR_PX if colorbar else 10 + (widest_x * math.cos(slant) if slanting else 0)
    return {"l": round(left), "r": round(right), "t": round(top), "b": 10, "autoexpand": False}


def chart_title(text: str, size: float) -> dict:
    """A map's title at the top left of the chart, inside the room ``label_margins`` reserves for it."""
    return {
        "text": text,
        "font": {"size": size},
        "y": 0.995,
        "yanchor": "top",
        "yref": "container",
        "pad": {"t": 6},  # its glyphs start inside the chart, not above it
    }


def _size(title: str, *, compact: bool) -> dict:
    """Title and fonts; compact for the side-by-side comparisons."""
    return {
        "title": chart_title(title, theme.TITLE_FONT_SIZE - (4 if compact else 0)),
        "font": {"family": theme.FONT_FAMILY, "size": theme.FONT_SIZE},
        "plot_bgcolor": "white",
    }


def step_bars(alignment: Alignment, step: int, *, x_title: str = "input", y_title: str = "weight") -> dict:
    """One decoding step: a bar per input token, its height the attention weight (fixed 0–1 axis).

    A Vega-Lite specification, drawn with ``st.vega_lite_chart``: it is what an Altair chart of the same bars
    becomes, written out, because Altair's type inference and schema validation took longer than the whole step
    view on every move of the step slider. tests/unit/test_charts_fast.py validates it against the schema.
    """
    w = alignment.weights[step]
    tokens = [theme.show_token(s) for s in alignment.source]
    rows = [
        {"position": i + 1, "token": token, "weight": float(weight), "label": f"{i + 1} {token}"}
        for i, (token, weight) in enumerate(zip(tokens, w, strict=True))
    ]
    best = int(np.argmax(w))
    return {
        "data": {"values": rows},
        "mark": {"type": "bar"},
        "encoding": {
            "x": {
                "field": "label",
                "type": "nominal",
                "sort": None,
                "title": x_title,
                "axis": {"labelAngle": 0, "labelFontSize": 15, "labelExpr": "split(datum.label, ' ')[1]"},
            },
            "y": {"field": "weight", "type": "quantitative", "scale": {"domain": [0, 1]}, "title": y_title},
            "color": {
                "condition": {"test": f"(datum.position === {best + 1})", "value": "#e11d48"},
                "value": theme.ACCENT,
            },
            "tooltip": [
                {"field": "position", "type": "quantitative"},
                {"field": "token", "type": "nominal"},
                {"field": "weight", "type": "quantitative", "format": ".3f"},
            ],
        },
        "height": 260,
        "config": {"axis": {"titleFontSize": 15, "labelFontSize": 14}},
    }


def tinted_tokens_html(tokens: list[str], weights: np.ndarray, highlight: int | None = None) -> str:
    """The input as a row of boxes, each tinted by its weight (one fixed scale: 0 white, 1 full colour)."""
    cells = []
    for i, (tok, w) in enumerate(zip(tokens, weights, strict=True)):
        shown = tok if tok.strip() else "&nbsp;"
        shown = shown.replace("<", "&lt;").replace(">", "&gt;")
        border = "3px solid #e11d48" if i == highlight else "1px solid #94a3b8"
        text_color = "#ffffff" if w > 0.55 else "#0b1220"
        cells.append(
            f'<span title="{w:.3f}" style="display:inline-block;min-width:1.6em;padding:0.15em 0.25em;'
            f"margin:1px;text-align:center;border:{border};border-radius:4px;"
            f"background:rgba(26,86,219,{min(max(w, 0.0), 1.0):.3f});color:{text_color};"
            f'font-family:{theme.MONO_FAMILY};font-size:1.6rem">{shown}</span>'
        )
    return '<div style="line-height:2.4;direction:ltr">' + "".join(cells) + "</div>"


def join_words(alignment: Alignment) -> Alignment:
    """Subword pieces joined into words: a word's column sums its pieces' weights, and its row averages them.

    Rows still sum to 1. Labels are the pieces joined (their "·" continuation marks dropped).
    """
    if alignment.source_words is None or alignment.target_words is None:
        return alignment

    def groups(words: list[int], labels: list[str]) -> tuple[list[list[int]], list[str]]:
        members: dict[int, list[int]] = {}
        for i, w in enumerate(words):
            members.setdefault(w, []).append(i)
        ordered = [members[w] for w in sorted(members)]
        joined = ["".join(labels[i].removeprefix("·") for i in g) for g in ordered]
        return ordered, [w.removeprefix("␣") if len(w) > 1 else w for w in joined]

    cols, source = groups(alignment.source_words, alignment.source)
    rows, target = groups(alignment.target_words, alignment.target)
    summed = np.stack([alignment.weights[:, g].sum(axis=1) for g in cols], axis=1)  # (T, words_S)
    averaged = np.stack([summed[g].mean(axis=0) for g in rows], axis=0) if rows else summed[:0]  # (words_T, words_S)
    return Alignment(
        source=source,
        target=target,
        weights=averaged,
        score=alignment.score,
        text=alignment.text,
        has_attention=alignment.has_attention,
    )


def alignment_csv(alignment: Alignment) -> str:
    """The weights as CSV: one row per output token, one column per input token (position:token)."""
    columns = [f"{j + 1}:{tok}" for j, tok in enumerate(alignment.source)]
    index = [f"{i + 1}:{tok}" for i, tok in enumerate(alignment.target)]
    import pandas as pd  # only for a download: the first page paints sooner without it

    frame = pd.DataFrame(alignment.weights, index=pd.Index(index, name="output"), columns=columns)
    return frame.to_csv(float_format="%.6f")


def alignment_json(alignment: Alignment, **extra: object) -> str:
    """The alignment as JSON: source, target, weights (rows = output tokens), score and any extra fields."""
    payload = {
        "source": alignment.source,
        "target": alignment.target,
        "output": alignment.text,
        "weights": [[round(float(x), 6) for x in row] for row in alignment.weights],
        "log_probability": None if math.isnan(alignment.score) else round(alignment.score, 6),
        **extra,
    }
    return json.dumps(payload, ensure_ascii=False, indent=1)


def label_column(
    x: float, ys: np.ndarray, text: list[str], position: str, colors: list[str] | None = None, size: int = 20
) -> go.Scatter:
    """The token labels down one side of a line view (BertViz-style), in large monospace; ``colors`` per label."""
    font = {"size": size, "family": theme.MONO_FAMILY}
    return go.Scatter(
        x=[x] * len(text),
        y=ys,
        mode="text",
        text=text,
        textposition=position,
        textfont={**font, "color": colors} if colors is not None else font,
        hoverinfo="skip",
        showlegend=False,
    )
