"""The hot charts are written as plain specifications (no validation on every input): Plotly and Vega-Lite,
validating, must find nothing to change or refuse in them. Times: benchmarks/profile.py, make bench."""

import json

import altair as alt
import numpy as np
import plotly.graph_objects as go
import pytest

from app.charts import heatmap, overlay
from models.results import Alignment

ALIGNMENTS = [
    Alignment(["2", "/", "1", "0"], ["1", "9"], np.array([[0.1, 0.2, 0.3, 0.4], [0.7, 0.1, 0.1, 0.1]]), -0.5),
    Alignment([" ", "a b", "<x>"], ["가", " ", "z"], np.full((3, 3), 1 / 3), -2.0, has_attention=False),
]
OPTIONS = [
    {},
    {"title": "T", "compact": True},
    {"highlight_row": 1, "show_values": True, "colorscale": "Blues"},
    {"x_title": "in", "y_title": "out", "hover": "{i} {out} {j} {inp} {w:.1f}", "colorscale": "Magma"},
]


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("alignment", ALIGNMENTS)
def test_the_heatmap_is_the_figure_plotly_makes_when_it_validates(alignment, options):
    fast = heatmap.alignment_heatmap(alignment, **options)
    validated = go.Figure(fast.to_plotly_json())  # raises on any property Plotly does not know
    assert json.loads(validated.to_json()) == json.loads(fast.to_json())


@pytest.mark.parametrize("step", [0, 1])
def test_the_step_bars_are_valid_vega_lite_with_the_step_highlighted(step):
    alignment = ALIGNMENTS[0]
    spec = heatmap.step_bars(alignment, step, x_title="input", y_title="weight")
    alt.Chart.from_dict(spec)  # validates against the Vega-Lite schema
    rows = spec["data"]["values"]
    assert [r["weight"] for r in rows] == pytest.approx(alignment.weights[step])
    best = int(np.argmax(alignment.weights[step])) + 1
    assert spec["encoding"]["color"]["condition"]["test"] == f"(datum.position === {best})"


def test_a_colour_table_is_made_once_and_cannot_be_changed():
    assert overlay._lut("Viridis") is overlay._lut("Viridis")
    with pytest.raises(ValueError):
        overlay._lut("Viridis")[0, 0] = 1


def _margin(alignment, **options) -> dict:
    return heatmap.alignment_heatmap(alignment, **options).to_plotly_json()["layout"]["margin"]


def test_the_heatmap_reserves_room_for_its_labels_instead_of_letting_plotly_redraw_to_fit_them():
    short = Alignment(["a", "b"], ["x", "y"], np.full((2, 2), 0.5), 0.0)
    long_out = Alignment(["a", "b"], ["xxxxxxxx", "y"], np.full((2, 2), 0.5), 0.0)
    hangul_out = Alignment(["a", "b"], ["가나다라마바사아", "y"], np.full((2, 2), 0.5), 0.0)
    words_in = Alignment(["tomorrow", "weather"], ["x", "y"], np.full((2, 2), 0.5), 0.0)
    base = _margin(short)
    assert base["autoexpand"] is False
    assert _margin(long_out)["l"] >= base["l"] + heatmap.text_px("xxxxxxx", 18) - 1  # seven more characters
    assert _margin(hangul_out)["l"] > _margin(long_out)["l"]  # Hangul is drawn wider than Latin
    assert _margin(words_in)["t"] > base["t"]  # slanted words along the top
    assert _margin(short, title="A title")["t"] > base["t"]
    assert base["r"] >= heatmap.COLORBAR_PX and _margin(short, compact=True)["r"] < heatmap.COLORBAR_PX
    figure = heatmap.alignment_heatmap(words_in)
    assert figure.layout.xaxis.autotickangles == (0, heatmap.LABEL_ANGLE)  # never on end: the room is for a slant
    assert figure.layout.height >= base["t"] + 2 * 30  # the rows keep their height under the margin


def test_presenting_scales_the_reserved_margins_with_the_fonts(monkeypatch):
    from app.ui import presenter

    alignment = ALIGNMENTS[0]
    plain = heatmap.alignment_heatmap(alignment)
    monkeypatch.setattr(presenter, "active", lambda: True)
    big = presenter.fit(heatmap.alignment_heatmap(alignment))
    for side in "lrt":
        assert big.layout.margin[side] == round(plain.layout.margin[side] * presenter.FONT_SCALE)
