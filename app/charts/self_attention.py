"""Views of one encoder's self-attention (``SelfAttention``), for any model that returns one: the model view of
BertViz (every layer × head as a thumbnail), a layers × heads grid of one number per head (a measured pattern,
the share that crosses between two sentences), and the numbers of one head's seven steps.

The grid of thumbnails is one heatmap (the maps laid side by side with a blank cell between them), not 72
subplots: the browser draws it in one pass. Pure functions: no streamlit, no torch.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from app.charts import theme
from app.charts.heatmap import chart_title, label_column

__all__ = ["THUMB_CELLS", "head_grid", "heads_lines", "pooled", "share_grid", "vector_bars"]

THUMB_CELLS = 32  # a thumbnail shows at most this many rows and columns; longer inputs are pooled into blocks
GRID_COLOURS = "Viridis"  # one number per head (a share from 0 to 1)


def pooled(weights: np.ndarray, cells: int = THUMB_CELLS) -> np.ndarray:
    """(..., T, T) maps cut into at most (cells, cells) blocks: each cell is the attention a block of queries
    puts on a block of keys (mean over the queries, sum over the keys), so every row still sums to 1."""
    T = weights.shape[-1]
    if cells >= T:
        return weights
    edges = np.linspace(0, T, cells + 1).round().astype(int)
    rows = np.add.reduceat(weights, edges[:-1], axis=-2) / np.diff(edges)[:, None]  # mean over queries
    return np.add.reduceat(rows, edges[:-1], axis=-1)  # sum over keys: each row still sums to 1


def head_grid(
    maps: np.ndarray,
    tokens: list[str],
    *,
    layer_label: str = "layer {n}",
    head_label: str = "head {n}",
    hover: str = "{q} → {k}",
    selected: tuple[int, int] | None = None,
    colorscale: str = theme.COLOR_SCALE,
) -> go.Figure:
    """Every head of every layer at once (rows: layers, columns: heads), on one 0–1 scale. maps: (L, H, T, T).

    Inputs longer than ``THUMB_CELLS`` are pooled into blocks (hover then shows only the weight).
    ``selected`` (layer, head) is outlined.
    """
    L, H, T, _ = maps.shape
    small = pooled(maps)  # (L, H, n, n)
    n = small.shape[-1]
    step = n + 1  # one blank cell between thumbnails
    z = np.full((L * step - 1, H * step - 1), np.nan)
    for layer in range(L):
        for head in range(H):
            z[layer * step : layer * step + n, head * step : head * step + n] = small[layer, head]
    labels = [theme.show_token(tok) for tok in tokens]
    trace = {
        "z": z.astype(np.float32),
        "zmin": 0,
        "zmax": 1,
        "colorscale": colorscale,
        "showscale": False,
        "hoverongaps": False,
    }
    if n == T:  # one cell per token pair: the hover names them
        trace |= {"customdata": _grid_hover(L, H, n, step, labels, hover), "hovertemplate": "%{customdata}: %{z:.3f}"}
    else:
        trace["hovertemplate"] = "%{z:.3f}"
    fig = go.Figure(go.Heatmap(**trace, name=""))
    _grid_axes(fig, L, H, n, step, layer_label, head_label)
    if selected is not None:
        layer, head = selected
        fig.add_shape(
            type="rect",
            x0=head * step - 0.5,
            x1=head * step + n - 0.5,
            y0=layer * step - 0.5,
            y1=layer * step + n - 0.5,
            line={"color": "#e11d48", "width": 3},
        )
    fig.update_layout(
        height=int(90 + 680 * L / H),  # square thumbnails across a wide column
        margin={"l": 70, "r": 10, "t": 40, "b": 10},
        plot_bgcolor="white",
        font={"family": theme.FONT_FAMILY, "size": theme.FONT_SIZE - 2},
    )
    return fig


def _grid_axes(fig: go.Figure, L: int, H: int, n: int, step: int, layer_label: str, head_label: str) -> None:
    """Head names across the top and layer names down the side, one at the middle of each thumbnail."""
    centre = (n - 1) / 2
    fig.update_xaxes(
        tickvals=[h * step + centre for h in range(H)],
        ticktext=[head_label.format(n=h + 1) for h in range(H)],
        side="top",
        showgrid=False,
        zeroline=False,
        tickfont={"size": theme.TICK_FONT_SIZE - 4},
    )
    fig.update_yaxes(
        tickvals=[layer * step + centre for layer in range(L)],
        ticktext=[layer_label.format(n=layer + 1) for layer in range(L)],
        autorange="reversed",
        showgrid=False,
        zeroline=False,
        scaleanchor="x",
        tickfont={"size": theme.TICK_FONT_SIZE - 4},
    )


def _grid_hover(L: int, H: int, n: int, step: int, labels: list[str], hover: str) -> np.ndarray:
    """The hover text of every cell of the mosaic ("query → key"), blank between thumbnails: one thumbnail's
    token pairs, tiled (the axes name the layer and the head)."""
    pair = np.full((step, step), "", dtype=object)
    pair[:n, :n] = [[hover.format(q=labels[i], k=labels[j]) for j in range(n)] for i in range(n)]
    return np.tile(pair, (L, H))[:-1, :-1]


def _share_hover(shares: np.ndarray, layer_label: str, head_label: str, hover: str) -> list[list[str]]:
    """The hover text of each head's cell ("—" where the share is not defined)."""
    L, H = shares.shape
    return [
        [
            "—"
            if np.isnan(shares[layer, head])
            else hover.format(
                layer=layer_label.format(n=layer + 1),
                head=head_label.format(n=head + 1),
                share=float(shares[layer, head]),
            )
            for head in range(H)
        ]
        for layer in range(L)
    ]


def share_grid(
    shares: np.ndarray,
    *,
    title: str = "",
    layer_label: str = "layer {n}",
    head_label: str = "head {n}",
    hover: str = "{layer} · {head}: {share:.0%}",
    selected: tuple[int, int] | None = None,
) -> go.Figure:
    """One number per head, 0 to 1 (NaN drawn blank), as a coloured layers × heads grid with the value in
    each cell. shares: (L, H)."""
    L, H = shares.shape
    text = [["" if np.isnan(v) else f"{v:.2f}" for v in row] for row in shares]
    custom = _share_hover(shares, layer_label, head_label, hover)
    fig = go.Figure(
        go.Heatmap(
            z=shares,
            x=[head_label.format(n=h + 1) for h in range(H)],
            y=[layer_label.format(n=layer + 1) for layer in range(L)],
            zmin=0,
            zmax=1,
            colorscale=GRID_COLOURS,
            text=text,
            texttemplate="%{text}",
            textfont={"size": theme.TICK_FONT_SIZE - 4},
            customdata=custom,
            hovertemplate="%{customdata}<extra></extra>",
            xgap=2,
            ygap=2,
            colorbar={"thickness": 14, "tickformat": ".0%"},
        )
    )
    if selected is not None:
        layer, head = selected
        fig.add_shape(
            type="rect",
            x0=head - 0.5,
            x1=head + 0.5,
            y0=layer - 0.5,
            y1=layer + 0.5,
            line={"color": "#e11d48", "width": 3},
        )
    fig.update_xaxes(side="top", showgrid=False)
    fig.update_yaxes(autorange="reversed", showgrid=False)
    fig.update_layout(
        title=chart_title(title, theme.TITLE_FONT_SIZE) if title else None,
        height=int(120 + 52 * L) + (40 if title else 0),
        margin={"l": 70, "r": 10, "t": 70 if title else 40, "b": 10},
        plot_bgcolor="white",
        font={"family": theme.FONT_FAMILY, "size": theme.FONT_SIZE - 2},
    )
    return fig


def vector_bars(vector: np.ndarray, *, title: str = "", shown: int = 32, colour: str = "#1a56db") -> go.Figure:
    """The first ``shown`` coordinates of a vector as bars (one per dimension), for q, k, v and z."""
    values = np.asarray(vector, dtype=float)[:shown]
    fig = go.Figure(
        go.Bar(
            x=np.arange(1, len(values) + 1),
            y=values,
            marker_color=colour,
            hovertemplate="%{x}: %{y:.4f}<extra></extra>",
        )
    )
    fig.update_layout(
        title=chart_title(title, theme.TITLE_FONT_SIZE - 4) if title else None,
        height=200,
        margin={"l": 40, "r": 10, "t": 40 if title else 10, "b": 30},
        plot_bgcolor="white",
        font={"family": theme.FONT_FAMILY, "size": theme.FONT_SIZE - 4},
        bargap=0.15,
    )
    return fig


HEAD_COLOURS = (  # one colour per head (12), as BertViz's head view: Plotly's D3 palette and two more
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
    "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939",
)  # fmt: skip


def heads_lines(
    layer_maps: np.ndarray,
    tokens: list[str],
    token: int,
    *,
    head_label: str = "head {n}",
    left_title: str = "query",
    right_title: str = "key",
    least: float = 0.05,
) -> go.Figure:
    """BertViz's head view for one query token: a line to every key from every head of one layer, one colour per
    head, as opaque and as thick as its weight (weights below ``least`` left out). layer_maps: (H, T, T)."""
    H, T, _ = layer_maps.shape
    labels = [theme.show_token(tok) for tok in tokens]
    ys = np.arange(T, dtype=float)
    fig = go.Figure()
    for head in range(H):
        colour = HEAD_COLOURS[head % len(HEAD_COLOURS)]
        shown = [j for j in range(T) if layer_maps[head, token, j] >= least]
        for first, j in enumerate(shown):
            w = float(layer_maps[head, token, j])
            fig.add_trace(
                go.Scatter(
                    x=[0.12, 0.88],
                    y=[ys[token], ys[j]],
                    mode="lines",
                    line={"color": colour, "width": 1 + 8 * w},
                    opacity=min(1.0, 0.25 + w),
                    name=head_label.format(n=head + 1),
                    legendgroup=str(head),
                    showlegend=first == 0,
                    hoverinfo="text",
                    text=f"{head_label.format(n=head + 1)}: {labels[token]} → {labels[j]} {w:.2f}",
                )
            )
    _token_columns(fig, labels, token)
    fig.update_xaxes(visible=False, range=[-0.15, 1.2])
    fig.update_yaxes(visible=False, autorange="reversed")
    fig.update_layout(
        height=int(max(260, 28 * T + 120)),
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        plot_bgcolor="white",
        legend={"orientation": "h", "y": -0.02, "yanchor": "top"},
        annotations=[
            {"x": 0.05, "y": 1.04, "xref": "x", "yref": "paper", "text": f"<b>{left_title}</b>", "showarrow": False},
            {"x": 0.95, "y": 1.04, "xref": "x", "yref": "paper", "text": f"<b>{right_title}</b>", "showarrow": False},
        ],
    )
    return fig


def _token_columns(fig: go.Figure, labels: list[str], token: int) -> None:
    """The tokens down both sides of a line view, the query in red on the left."""
    ys = np.arange(len(labels), dtype=float)
    colours = ["#e11d48" if i == token else "#0b1220" for i in range(len(labels))]
    fig.add_trace(label_column(0.1, ys, labels, "middle left", colours, size=18))
    fig.add_trace(label_column(0.9, ys, labels, "middle right", size=18))
