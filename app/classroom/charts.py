"""What the projector shows at the reveal, and the picture a student taps: pure builders (no streamlit).

Text: one bar chart with two bars per input token, the model's attention weight and the share of the class that
picked the token, on one 0–1 axis. Image: the class's picks as a map over the same picture as the model's map
(both through app/charts/overlay.py). The spread of scores is a bar per 0, 1 and 2 points. Charts are Vega-Lite
specifications drawn with ``st.vega_lite_chart``, like app/charts/heatmap.step_bars.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw

from app.charts import overlay, theme
from app.classroom.rounds import Question

__all__ = ["class_map", "column_label", "compare_bars", "grid_picture", "picture", "spread_bars"]

MODEL_COLOUR, CLASS_COLOUR = theme.ACCENT, "#f59e0b"


def compare_bars(question: Question, counts: np.ndarray, *, model: str, klass: str, x_title: str, y_title: str) -> dict:
    """The model's weight and the class's share, side by side for every input token of a text question."""
    total = max(int(counts.sum()), 1)
    rows = []
    for i, (token, weight, count) in enumerate(zip(question.tokens, question.attention, counts, strict=True)):
        label = f"{i + 1} {theme.show_token(token)}"
        rows.append({"label": label, "series": model, "value": float(weight), "n": ""})
        rows.append({"label": label, "series": klass, "value": float(count) / total, "n": str(int(count))})
    return {
        "data": {"values": rows},
        "mark": {"type": "bar"},
        "encoding": {
            "x": {
                "field": "label",
                "type": "nominal",
                "sort": None,
                "title": x_title,
                "axis": {"labelAngle": 0, "labelFontSize": 16, "labelExpr": "split(datum.label, ' ')[1]"},
            },
            "xOffset": {"field": "series", "type": "nominal", "sort": [model, klass]},
            "y": {"field": "value", "type": "quantitative", "scale": {"domain": [0, 1]}, "title": y_title},
            "color": {
                "field": "series",
                "type": "nominal",
                "sort": [model, klass],
                "scale": {"domain": [model, klass], "range": [MODEL_COLOUR, CLASS_COLOUR]},
                "legend": {"orient": "top", "title": None, "labelFontSize": 15},
            },
            "tooltip": [
                {"field": "label", "type": "nominal"},
                {"field": "series", "type": "nominal"},
                {"field": "value", "type": "quantitative", "format": ".2f"},
                {"field": "n", "type": "nominal"},
            ],
        },
        "height": 280,
        "config": {"axis": {"titleFontSize": 15, "labelFontSize": 14}},
    }


def spread_bars(spread: dict[int, int], *, x_title: str, y_title: str) -> dict:
    """How many answers got 0, 1 and 2 points."""
    rows = [{"points": str(p), "answers": int(n)} for p, n in sorted(spread.items())]
    return {
        "data": {"values": rows},
        "mark": {"type": "bar", "color": CLASS_COLOUR},
        "encoding": {
            "x": {"field": "points", "type": "ordinal", "title": x_title, "axis": {"labelAngle": 0}},
            "y": {"field": "answers", "type": "quantitative", "title": y_title, "axis": {"tickMinStep": 1}},
        },
        "height": 180,
    }


def picture(question: Question) -> Image.Image:
    """An image question's picture as the model saw it."""
    return Image.open(io.BytesIO(question.image_png)).convert("RGB")


def class_map(question: Question, counts: np.ndarray, scale: int = 2) -> Image.Image:
    """The class's picks laid over the picture like an attention map (each region by the share that picked it)."""
    share = counts / max(int(counts.sum()), 1)
    return overlay.attention_overlay(picture(question), share, float(share.max()) or 1.0, "Inferno", 0.75, scale)


def model_map(question: Question, scale: int = 2) -> Image.Image:
    """The asked word's real attention map over the picture."""
    return overlay.attention_overlay(
        picture(question), question.attention, float(question.attention.max()), scale=scale
    )


def column_label(col: int) -> str:
    """Columns are letters (A, B, …), rows numbers (1, 2, …): "C4" names one region aloud."""
    return chr(ord("A") + col) if col < 26 else f"A{chr(ord('A') + col - 26)}"


def grid_picture(question: Question, chosen: tuple[int, int] | None = None, width: int = 360) -> Image.Image:
    """The picture enlarged to ``width`` with its regions outlined and named (letters across, numbers down),
    the chosen region framed: what a student taps on."""
    h, w = question.attention.shape
    seen = picture(question)
    base = seen.resize((width, round(width * seen.height / seen.width)), Image.Resampling.LANCZOS)
    draw = ImageDraw.Draw(base)
    cell_w, cell_h = base.width / w, base.height / h
    for c in range(1, w):
        draw.line([(c * cell_w, 0), (c * cell_w, base.height)], fill=(255, 255, 255), width=1)
    for r in range(1, h):
        draw.line([(0, r * cell_h), (base.width, r * cell_h)], fill=(255, 255, 255), width=1)
    ink = {"fill": (255, 255, 255), "stroke_width": 2, "stroke_fill": (0, 0, 0)}
    for c in range(w):  # letters at the top of the first row, centred; numbers low in the first column
        draw.text(((c + 0.5) * cell_w, 1), column_label(c), anchor="mt", **ink)
    for r in range(h):
        draw.text((2, (r + 1) * cell_h - 1), str(r + 1), anchor="ld", **ink)
    if chosen is not None:
        r, c = chosen
        box = [c * cell_w, r * cell_h, (c + 1) * cell_w, (r + 1) * cell_h]
        draw.rectangle(box, outline=(225, 29, 72), width=4)
    return base
