"""A review classifier's result drawn: the label gauge, words tinted by attention or by Integrated Gradients,
their legends, the permutation histogram and the downloads.

One fixed scale for every review (never min–max per review, which makes a flat distribution look sharp):
a word's tint is √|value| of full colour, 0 → white, 1 → full colour. The square root keeps the small weights
of a long review visible (1/100 → 10 % tint) while the order of the words stays the order of their values.
Attention is violet (0 … 1); Integrated Gradients diverge: blue toward the predicted label, red against it.
"""

from __future__ import annotations

import html
import json
import math

import numpy as np
import plotly.graph_objects as go

from app.charts import theme
from models.results import AttentionPermutation, Classification

__all__ = [
    "AGAINST_RGB",
    "ATTENTION_RGB",
    "FOR_RGB",
    "gauge_html",
    "legend_html",
    "permutation_figure",
    "review_csv",
    "review_json",
    "tint",
    "tinted_words_html",
]

ATTENTION_RGB = (109, 40, 217)  # violet: attention (not to be read as IG's blue or red)
FOR_RGB = (29, 78, 216)  # blue: this word pushes toward the predicted label
AGAINST_RGB = (220, 38, 38)  # red: this word pushes against it
LEGEND_TICKS = (0.0, 0.01, 0.05, 0.25, 1.0)


def tint(value: float) -> float:
    """The opacity of a word's colour: √|value|, capped at 1 (the same scale for every review)."""
    return min(math.sqrt(abs(float(value))), 1.0) if math.isfinite(value) else 0.0


def _word_span(word: str, value: float, diverging: bool, tip: str) -> str:
    alpha = tint(value)
    r, g, b = (FOR_RGB if value >= 0 else AGAINST_RGB) if diverging else ATTENTION_RGB
    color = "#ffffff" if alpha > 0.6 else "#0b1220"
    return (
        f'<span data-testid="al-word" title="{html.escape(tip, quote=True)}" style="background:rgba({r},{g},{b},'
        f"{alpha:.3f});color:{color};padding:0.05em 0.22em;margin:0 0.06em;border-radius:4px;"
        f'box-decoration-break:clone;-webkit-box-decoration-break:clone">{html.escape(word)}</span>'
    )


def tinted_words_html(
    words: list[str],
    values: np.ndarray,
    *,
    diverging: bool,
    tips: list[str],
    gap_before: int | None = None,
    gap_note: str = "",
    font_rem: float = 1.35,
) -> str:
    """The review as text, each word on a background of its value's colour; hovering a word shows ``tips[i]``.

    ``gap_before``: the word where the read tail starts, after the part of a long review that was not read
    (shown as ``gap_note``).
    """
    spans = []
    for i, (word, value) in enumerate(zip(words, values, strict=True)):
        if i == gap_before:
            spans.append(f'<span style="color:#64748b;font-style:italic"> … {html.escape(gap_note)} … </span>')
        spans.append(_word_span(word, float(value), diverging, tips[i]))
    return (
        f'<div data-testid="al-review" style="font-family:{theme.FONT_FAMILY};font-size:{font_rem}rem;'
        'line-height:2;word-break:keep-all;overflow-wrap:anywhere">' + " ".join(spans) + "</div>"
    )


def _gradient(rgb: tuple[int, int, int]) -> str:
    """CSS gradient stops of the √ scale from 0 to 1, in one colour."""
    return ", ".join(
        f"rgba({rgb[0]},{rgb[1]},{rgb[2]},{tint(v):.3f}) {math.sqrt(v):.0%}" for v in (0, 0.01, 0.05, 0.25, 1)
    )


def _ticks(values: tuple[float, ...], positions: list[float]) -> str:
    return "".join(
        f'<span style="position:absolute;left:{p:.1%};transform:translateX(-50%);font-size:0.8rem;'
        f'color:#334155">{v:g}</span>'
        for v, p in zip(values, positions, strict=True)
    )


def legend_html(title: str, *, diverging: bool = False, against: str = "", toward: str = "") -> str:
    """The fixed colour scale with its ticks: attention 0 … 1, or IG −1 … 0 … 1 with what each side means."""
    if diverging:
        background = (
            "linear-gradient(to right, "
            + ", ".join(
                f"rgba({AGAINST_RGB[0]},{AGAINST_RGB[1]},{AGAINST_RGB[2]},{tint(v):.3f}) {(1 - math.sqrt(v)) / 2:.1%}"
                for v in (1, 0.25, 0.05, 0.01)
            )
            + ", #ffffff 50%, "
            + ", ".join(
                f"rgba({FOR_RGB[0]},{FOR_RGB[1]},{FOR_RGB[2]},{tint(v):.3f}) {(1 + math.sqrt(v)) / 2:.1%}"
                for v in (0.01, 0.05, 0.25, 1)
            )
            + ")"
        )
        values = (-1.0, -0.25, -0.05, 0.0, 0.05, 0.25, 1.0)
        positions = [(1 + math.copysign(math.sqrt(abs(v)), v)) / 2 for v in values]
        ends = (
            f'<span style="color:rgb{AGAINST_RGB}">◀ {html.escape(against)}</span>'
            f'<span style="color:rgb{FOR_RGB}">{html.escape(toward)} ▶</span>'
        )
    else:
        background = f"linear-gradient(to right, {_gradient(ATTENTION_RGB)})"
        values, ends = LEGEND_TICKS, ""
        positions = [math.sqrt(v) for v in values]
    return (
        '<div data-testid="al-legend" style="font-size:0.9rem;max-width:420px;margin:0.2rem 0 0.6rem 0;'
        'word-break:keep-all">'
        f'<div style="font-weight:700;font-size:1.1rem">{html.escape(title)}</div>'
        f'<div style="height:14px;border:1px solid #cbd5e1;border-radius:3px;background:{background}"></div>'
        f'<div style="position:relative;height:1.1rem;margin:0 0.4rem">{_ticks(values, positions)}</div>'
        + (f'<div style="display:flex;justify-content:space-between">{ends}</div>' if ends else "")
        + "</div>"
    )


def gauge_html(label: str, probability: float, positive_share: float, left: str, right: str) -> str:
    """The decision, large, and a bar from one label to the other with a mark at p(positive).

    ``label``: the predicted label as shown; ``probability``: its probability; ``positive_share``: p of the
    label on the right (``right``), the bar's fill; ``left``/``right``: the two ends' names.
    """
    toward_right = positive_share >= 0.5
    rgb = FOR_RGB if toward_right else AGAINST_RGB
    return (
        '<div data-testid="al-gauge" style="margin:0.3rem 0 0.6rem 0">'
        f'<div style="font-size:2.4rem;font-weight:700;line-height:1.15;color:rgb{rgb}">'
        f'<span data-testid="al-label">{html.escape(label)}</span>'
        f' <span style="font-size:1.6rem;color:#0b1220">{probability:.1%}</span></div>'
        '<div style="position:relative;height:22px;border-radius:11px;overflow:hidden;'
        f'background:rgba({AGAINST_RGB[0]},{AGAINST_RGB[1]},{AGAINST_RGB[2]},0.18);margin-top:0.35rem">'
        f'<div style="position:absolute;right:0;top:0;bottom:0;width:{positive_share:.1%};'
        f'background:rgba({FOR_RGB[0]},{FOR_RGB[1]},{FOR_RGB[2]},0.85)"></div>'
        '<div style="position:absolute;left:50%;top:0;bottom:0;width:2px;background:#0b1220"></div></div>'
        '<div style="display:flex;justify-content:space-between;font-size:0.95rem;color:#334155">'
        f"<span>{html.escape(left)} {1 - positive_share:.1%}</span><span>50 %</span>"
        f"<span>{html.escape(right)} {positive_share:.1%}</span></div></div>"
    )


def permutation_figure(test: AttentionPermutation, *, x_title: str, y_title: str, own: str) -> go.Figure:
    """How p(predicted label) spreads when the attention weights are shuffled, with the model's own p marked."""
    fig = go.Figure(
        go.Histogram(
            x=test.permuted,
            xbins={"start": 0.0, "end": 1.0001, "size": 0.025},
            marker={"color": f"rgb{ATTENTION_RGB}", "line": {"color": "#ffffff", "width": 1}},
            hovertemplate="p %{x}<br>%{y}<extra></extra>",
        )
    )
    fig.add_vline(x=test.p, line={"color": "#0b1220", "width": 3, "dash": "dash"})
    side = "right" if test.p > 0.5 else "left"  # the label stays inside the plot, above its line
    fig.add_annotation(x=test.p, y=1, yref="paper", text=own, showarrow=False, xanchor=side, yanchor="bottom")
    fig.add_vline(x=0.5, line={"color": "#94a3b8", "width": 1})
    fig.update_layout(
        height=300,
        margin={"l": 60, "r": 20, "t": 30, "b": 55},
        font={"family": theme.FONT_FAMILY, "size": theme.FONT_SIZE},
        xaxis={"title": x_title, "range": [0, 1]},
        yaxis={"title": y_title},
        bargap=0.05,
        showlegend=False,
    )
    return fig


def _rows(result: Classification) -> list[dict]:
    """One row per piece read: its position, piece, word, attention and IG."""
    rows = []
    for j, (token, word) in enumerate(zip(result.tokens, result.word_ids, strict=True)):
        rows.append(
            {
                "position": j + 1,
                "token": token,
                "word_index": word + 1,
                "word": result.words[word],
                "attention": None if result.weights is None else round(float(result.weights[j]), 6),
                "integrated_gradients": None
                if result.attributions is None
                else round(float(result.attributions[j]), 6),
            }
        )
    return rows


def review_csv(result: Classification) -> str:
    """The weights and attributions as CSV, one row per piece read (empty cells: the baseline has no attention)."""
    import csv
    import io

    out = io.StringIO()
    rows = _rows(result)
    writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["position"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def review_json(result: Classification, **extra: object) -> str:
    """The whole result as JSON: label, probabilities, per word and per piece attention and attributions."""

    def per_word(values: np.ndarray | None) -> list[float] | None:
        return None if values is None else [round(float(v), 6) for v in result.per_word(values)]

    payload = {
        **extra,
        "text": result.text,
        "label": result.label,
        "probabilities": {label: round(float(p), 6) for label, p in zip(result.labels, result.probs, strict=True)},
        "pieces_read": result.n_read,
        "pieces_total": result.n_total,
        "words": result.words,
        "word_attention": per_word(result.weights),
        "word_integrated_gradients": per_word(result.attributions),
        "pieces": _rows(result),
    }
    return json.dumps(payload, ensure_ascii=False, indent=1)
