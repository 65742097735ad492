"""Beam search drawn as a tree: every prefix the search weighed is a node, placed by its step (x) and its
rank among that step's candidates (y), with its log-probability. Kept beams are blue, pruned candidates grey,
finished hypotheses (an <eos> among the best) green diamonds; the chosen node's path is drawn thick in red.

Pure: a SearchTree (models/results.py) in, a Plotly figure or an Alignment out.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from app.charts import theme
from models.results import Alignment, SearchTree

__all__ = ["EOS", "beam_tree", "best_finished", "layout", "node_label", "prefix_alignment"]

EOS = "<eos>"
EOS_SHOWN = "⟨end⟩"  # how an ending is drawn on a node and an axis (no emoji: a classroom PC may lack the font)
STYLES = {  # status -> marker colour, size, symbol, text colour (a token is written inside its node)
    "root": ("#0b1220", 14, "circle", "#0b1220"),
    "kept": (theme.ACCENT, 26, "circle", "#ffffff"),
    "pruned": ("#dde3ec", 24, "circle", "#475569"),
    "finished": ("#15803d", 22, "diamond", "#15803d"),  # an ending: "⟨end⟩" beside it
}
PATH_COLOUR = "#e11d48"
EDGE_GREY = "#94a3b8"  # the edges to pruned candidates
ROW_PX = 34  # vertical space per candidate of a step


def layout(tree: SearchTree) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of every node: x its step, y its rank among that step's candidates (the likeliest on top).

    This is how beam search works, step by step: of the candidates it weighs, it keeps the best K (blue) and
    prunes the rest (grey); the edges back to each node's prefix make the whole search a tree.
    """
    x = np.array([n.step for n in tree.nodes], dtype=float)
    y = np.zeros(len(tree.nodes))
    by_step: dict[int, list[int]] = {}
    for i, node in enumerate(tree.nodes):
        by_step.setdefault(node.step, []).append(i)
    for members in by_step.values():
        for rank, i in enumerate(sorted(members, key=lambda k: -tree.nodes[k].logprob)):
            y[i] = rank
    return x, y


def node_label(token: str) -> str:
    """A token as a node shows it."""
    return EOS_SHOWN if token == EOS else theme.show_token(token)


def _prefix(tree: SearchTree, index: int, joiner: str = "") -> str:
    return joiner.join(node_label(tree.nodes[i].token) for i in tree.path(index))


def _lines(xs, ys, line: dict) -> go.Scatter:
    return go.Scatter(x=xs, y=ys, mode="lines", line=line, hoverinfo="skip", showlegend=False)


def _edges(tree: SearchTree, x: np.ndarray, y: np.ndarray, nodes: list[int]) -> tuple[list, list]:
    xs: list = []
    ys: list = []
    for i in nodes:
        parent = tree.nodes[i].parent
        xs += [x[parent], x[i], None]
        ys += [y[parent], y[i], None]
    return xs, ys


def beam_tree(
    tree: SearchTree,
    *,
    selected: int | None = None,
    status_names: dict[str, str] | None = None,
    hover: str = "{prefix} · log p = {logprob:.3f} · {status}",
    title: str = "",
    x_title: str = "step",
    joiner: str = "",
) -> go.Figure:
    """The search tree; ``selected`` (a node index) has its path from the root drawn thick. ``joiner`` goes
    between the tokens of a prefix in the hover text (" " for words)."""
    names = status_names or {s: s for s in STYLES}
    x, y = layout(tree)
    fig = go.Figure()
    for status, dash, width in (("pruned", "dot", 1), ("kept", "solid", 2), ("finished", "solid", 2)):
        members = [i for i, n in enumerate(tree.nodes) if n.status == status]
        colour = EDGE_GREY if status == "pruned" else STYLES[status][0]
        fig.add_trace(_lines(*_edges(tree, x, y, members), {"color": colour, "width": width, "dash": dash}))
    chosen = selected is not None and 0 < selected < len(tree.nodes)
    if chosen:
        path = tree.path(selected)
        fig.add_trace(_lines([0, *x[path]], [y[0], *y[path]], {"color": PATH_COLOUR, "width": 5}))
    for status, style in STYLES.items():
        members = [i for i, n in enumerate(tree.nodes) if n.status == status]
        if members:
            fig.add_trace(_nodes(tree, members, x, y, names.get(status, status), hover, style, joiner))
    if chosen:
        ring = {"size": 34, "color": "rgba(0,0,0,0)", "line": {"color": PATH_COLOUR, "width": 3}}
        ring_trace = go.Scatter(x=[x[selected]], y=[y[selected]], mode="markers", marker=ring, hoverinfo="skip")
        fig.add_trace(ring_trace.update(showlegend=False))
    _size(fig, title, x_title, rows=int(y.max()) + 1 if len(y) else 1, steps=int(x.max()) if len(x) else 0)
    return fig


def _nodes(tree: SearchTree, members: list[int], x, y, status: str, hover: str, style, joiner: str) -> go.Scatter:
    colour, size, symbol, text_colour = style
    beside = symbol == "diamond"
    words = bool(joiner)  # whole words do not fit inside a node: they go above it, smaller
    texts = [
        hover.format(prefix=_prefix(tree, i, joiner) or "∅", logprob=tree.nodes[i].logprob, status=status)
        for i in members
    ]
    return go.Scatter(
        x=x[members],
        y=y[members],
        mode="markers+text",
        name=status,
        marker={
            "color": colour,
            "size": size * 0.6 if words else size,
            "symbol": symbol,
            "line": {"color": "white", "width": 1},
        },
        text=[node_label(tree.nodes[i].token) for i in members],
        textposition="middle right" if beside else "top center" if words else "middle center",
        textfont={
            "family": theme.MONO_FAMILY,
            "size": theme.FONT_SIZE - 2 if words else theme.FONT_SIZE,
            "color": "#0f172a" if words and not beside else text_colour,
        },
        hovertext=texts,
        hovertemplate="%{hovertext}<extra></extra>",
        cliponaxis=False,  # a word above the top row stays whole
    )


def _size(fig: go.Figure, title: str, x_title: str, rows: int, steps: int) -> None:
    fig.update_layout(
        title={"text": title, "font": {"size": theme.TITLE_FONT_SIZE}},
        height=int(min(2400, max(320, ROW_PX * rows + 140))),
        margin={"l": 10, "r": 10, "t": 60 if title else 20, "b": 40},
        font={"family": theme.FONT_FAMILY, "size": theme.FONT_SIZE},
        plot_bgcolor="white",
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
        hovermode="closest",
    )
    fig.update_xaxes(title={"text": x_title}, tickmode="linear", dtick=1, range=[-0.4, steps + 1.3], showgrid=False)
    fig.update_yaxes(visible=False, autorange="reversed")


def best_finished(tree: SearchTree, target: list[str]) -> int | None:
    """The finished node whose path writes ``target`` then <eos> (the best beam's ending), else None."""
    for i, node in enumerate(tree.nodes):
        if node.status == "finished" and [tree.nodes[k].token for k in tree.path(i)] == [*target, EOS]:
            return i
    return None


def prefix_alignment(tree: SearchTree, index: int, source: list[str]) -> Alignment | None:
    """The prefix ending at node ``index`` as an Alignment: its tokens, and as rows the weights of the steps that
    wrote them (None without weights, e.g. the no-attention baseline or the root)."""
    path = tree.path(index)
    rows = [tree.nodes[i].weights for i in path]
    if not path or any(w is None or np.shape(w) != (len(source),) for w in rows):
        return None
    return Alignment(
        source=list(source),
        target=[node_label(tree.nodes[i].token) for i in path],
        weights=np.stack(rows).astype(np.float64),
        score=float(tree.nodes[index].logprob),
        text="".join(node_label(tree.nodes[i].token) for i in path),
    )
