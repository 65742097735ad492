"""Visual attention drawn on the image: smooth overlays, word chips, and a grid like the paper's figure.

All maps of one caption share one colour scale, from 0 to the largest weight of any word (never a
per-map min–max, which would make a flat map look sharp); each map's peak and entropy are shown.
"""

from __future__ import annotations

import functools
import html
import json

import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps
from plotly.colors import get_colorscale, sample_colorscale

from app.charts import theme
from models.results import VisualAttention

__all__ = [
    "COLOR_MAPS",
    "attention_overlay",
    "blanked",
    "colorbar_html",
    "framed",
    "maps_json",
    "overlay_grid",
    "region_picker",
    "upsample_map",
    "word_chips_html",
]

COLOR_MAPS = ["Viridis", "Inferno", "Turbo", "Hot", "Greys"]


@functools.cache  # sampling a scale takes longer than laying a map over a picture: once per colour map
def _lut(name: str) -> np.ndarray:
    """A 256 × 3 uint8 lookup table sampled from a Plotly colour scale (read-only: it is shared)."""
    colors = sample_colorscale(get_colorscale(name), list(np.linspace(0, 1, 256)), colortype="tuple")
    table = (np.array(colors) * (255 if max(max(c) for c in colors) <= 1 else 1)).clip(0, 255).astype(np.uint8)
    table.flags.writeable = False
    return table


def upsample_map(attention_map: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A (h, w) map resized smoothly (bicubic) to ``size`` = (width, height), negatives clipped."""
    image = Image.fromarray(np.asarray(attention_map, dtype=np.float32), mode="F")
    return np.clip(np.asarray(image.resize(size, Image.Resampling.BICUBIC)), 0, None)


def attention_overlay(
    image: Image.Image,
    attention_map: np.ndarray,
    vmax: float,
    cmap: str = theme.COLOR_SCALE,
    opacity: float = 0.6,
    scale: int = 1,
) -> Image.Image:
    """The image with the attention map laid over it: colour from ``cmap``, stronger where weight is higher.

    vmax: the weight shown at full colour (shared by every word of a caption).
    """
    base = image.convert("RGB")
    if scale != 1:
        base = base.resize((base.width * scale, base.height * scale), Image.Resampling.LANCZOS)
    level = upsample_map(attention_map, base.size) / max(vmax, 1e-12)  # (H, W), 0..1 on the shared scale
    level = level.clip(0, 1)
    colors = _lut(cmap)[(level * 255).astype(np.uint8)].astype(np.float32)  # (H, W, 3)
    alpha = (opacity * np.sqrt(level))[..., None]  # the image shows through where the model did not look
    out = np.asarray(base, dtype=np.float32) * (1 - alpha) + colors * alpha
    return Image.fromarray(out.clip(0, 255).astype(np.uint8))


def word_chips_html(words: list[str], active: int | None = None, hits: list[bool | None] | None = None) -> str:
    """The caption as a row of chips; the active word is filled, and a ✓/✗ shows whether it looked at its object."""
    chips = []
    for i, word in enumerate(words):
        on = i == active
        mark = ""
        if hits is not None and hits[i] is not None:
            mark = " ✓" if hits[i] else " ✗"
        chips.append(  # min-width: a one-letter word ("a") is a round chip, not a tall oval
            f'<span style="display:inline-block;padding:0.2em 0.6em;min-width:1em;text-align:center;'
            f"line-height:1.3;white-space:nowrap;border-radius:999px;font-size:1.5rem;border:2px solid {theme.ACCENT};"
            f'background:{theme.ACCENT if on else "#ffffff"};color:{"#ffffff" if on else "#0b1220"}">'
            f"{html.escape(word)}{mark}</span>"
        )
    return (
        '<div data-testid="al-caption" style="display:flex;flex-wrap:wrap;gap:6px;margin:4px 0">'
        + "".join(chips)
        + "</div>"
    )


def colorbar_html(cmap: str, vmax: float, label: str = "α") -> str:
    """A small horizontal legend of the shared colour scale, 0 to vmax."""
    stops = ", ".join(f"rgb({r},{g},{b}) {i / 10:.0%}" for i, (r, g, b) in enumerate(_lut(cmap)[::28][:11]))
    return (
        f'<div style="display:flex;align-items:center;gap:0.5em;font-size:0.95rem">{label} 0'
        f'<span style="display:inline-block;width:180px;height:14px;border-radius:3px;'
        f'background:linear-gradient(to right, {stops})"></span>{vmax:.3f}</div>'
    )


def _font(size: int) -> ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType
        return ImageFont.load_default()


def overlay_grid(
    result: VisualAttention, cmap: str = theme.COLOR_SCALE, opacity: float = 0.6, columns: int = 5, cell: int = 192
) -> Image.Image:
    """Every word's overlay in one image, each labelled with its word (for the PNG download)."""
    vmax = float(result.weights.max()) if result.weights.size else 1.0
    panels = [("(image)", result.image)] + [
        (word, attention_overlay(result.image, result.weights[i], vmax, cmap, opacity))
        for i, word in enumerate(result.words)
    ]
    rows = -(-len(panels) // columns)
    label_h = cell // 7
    sheet = Image.new("RGB", (columns * cell, rows * (cell + label_h)), "white")
    draw = ImageDraw.Draw(sheet)
    font = _font(label_h - 6)
    for k, (word, panel) in enumerate(panels):
        x, y = (k % columns) * cell, (k // columns) * (cell + label_h)
        sheet.paste(panel.resize((cell - 4, cell - 4), Image.Resampling.LANCZOS), (x + 2, y + label_h))
        draw.text((x + 6, y + 2), word, fill="black", font=font)
    return sheet


def maps_json(result: VisualAttention, **extra: object) -> str:
    """The caption, its maps (words × grid_h × grid_w), gates and score as JSON."""
    return json.dumps(
        {
            "words": result.words,
            "grid": list(result.weights.shape[1:]),
            "weights": np.round(result.weights, 6).tolist(),
            "gates": None if result.gates is None else np.round(result.gates, 6).tolist(),
            "log_probability": round(result.score, 6),
            **extra,
        },
        ensure_ascii=False,
    )


def blanked(image: Image.Image, mask: np.ndarray, scale: int = 2) -> Image.Image:
    """``image`` with the pixels of ``mask`` (H, W bool) filled with its mean colour, as the deletion test
    shows it to the model, outlined in red so that the blanked area can be seen; enlarged ``scale`` times."""
    pixels = np.asarray(image.convert("RGB"), dtype=np.float32)  # (H, W, 3)
    filled = np.where(mask[..., None], pixels.reshape(-1, 3).mean(0), pixels)
    edge = mask ^ (np.roll(mask, 1, 0) & np.roll(mask, -1, 0) & np.roll(mask, 1, 1) & np.roll(mask, -1, 1))
    filled[edge & mask] = (225, 29, 72)  # the area's border
    out = Image.fromarray(filled.astype(np.uint8))
    return out.resize((out.width * scale, out.height * scale), Image.Resampling.NEAREST)


def region_picker(image: Image.Image, side: int, chosen: tuple[int, int] | None, patch: int = 1):
    """A Plotly figure of ``image`` with a clickable point at the centre of each of its side × side regions
    (customdata: row, column) and the chosen patch outlined: clicks on it come back to the page as a selection."""
    import plotly.graph_objects as go

    size = image.width
    cell = size / side
    rows, cols = np.divmod(np.arange(side * side), side)
    fig = go.Figure()
    fig.add_layout_image(  # the picture behind the points (an Image trace would take the clicks)
        source=image.convert("RGB"), x=0, y=0, sizex=size, sizey=size, xref="x", yref="y", layer="below"
    )
    fig.add_trace(
        go.Scatter(
            x=(cols + 0.5) * cell,
            y=(rows + 0.5) * cell,
            mode="markers",
            marker={"symbol": "square", "size": 330 / side, "color": "rgba(255,255,255,0.02)"},  # ≈ a cell
            customdata=np.stack([rows, cols], axis=1),
            hovertemplate="row %{customdata[0]}, column %{customdata[1]}<extra></extra>",
            showlegend=False,
        )
    )
    if chosen is not None:
        r, c = chosen
        half = patch // 2
        x0, y0 = max(c - half, 0) * cell, max(r - half, 0) * cell
        x1, y1 = min(c + half + 1, side) * cell, min(r + half + 1, side) * cell
        fig.add_shape(type="rect", x0=x0, y0=y0, x1=x1, y1=y1, line={"color": "#e11d48", "width": 3})
    fig.update_xaxes(visible=False, range=[0, size])
    fig.update_yaxes(visible=False, range=[size, 0], scaleanchor="x")
    fig.update_layout(
        margin={"l": 0, "r": 0, "t": 0, "b": 0}, height=360, clickmode="event+select", plot_bgcolor="white"
    )
    return fig


def framed(image: Image.Image, colour: str = "#1a56db") -> Image.Image:
    """``image`` with a thick frame: the chosen picture of a strip of thumbnails."""
    border = max(4, image.width // 20)
    inner = image.resize((image.width - 2 * border, image.height - 2 * border))
    return ImageOps.expand(inner, border=border, fill=colour)
