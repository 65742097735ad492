"""Charts of the bottleneck experiment and of live training (Altair)."""

from __future__ import annotations

import altair as alt
import pandas as pd

__all__ = ["accuracy_by_length", "training_curves"]

HEIGHT = 380  # pixels of the accuracy chart


def accuracy_by_length(
    results: dict,
    metric: str,
    *,
    train_max: int | None,
    names: dict[str, str],
    x_title: str,
    y_title: str,
    seen_label: str,
) -> alt.LayerChart:
    """Accuracy (exact or token) against input length, one line per model, the training range shaded."""
    rows = [
        {"model": names.get(name, name), "length": r["length"], "accuracy": r[metric]}
        for name, entry in results["models"].items()
        for r in entry["by_length"]
    ]
    frame = pd.DataFrame(rows)
    lines = (
        alt.Chart(frame)
        .mark_line(point=True, strokeWidth=3)
        .encode(
            x=alt.X("length:Q", title=x_title),
            y=alt.Y("accuracy:Q", title=y_title, scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
            color=alt.Color(
                "model:N", legend=alt.Legend(orient="bottom", title=None, labelFontSize=15, labelLimit=400)
            ),
            tooltip=["model", "length", alt.Tooltip("accuracy:Q", format=".1%")],
        )
    )
    layers = [lines]
    if train_max:
        band = pd.DataFrame({"start": [frame["length"].min()], "end": [train_max], "label": [seen_label]})
        layers.insert(0, alt.Chart(band).mark_rect(opacity=0.08, color="#1a56db").encode(x="start:Q", x2="end:Q"))
        layers.append(
            alt.Chart(band)
            .mark_text(align="left", baseline="bottom", dx=6, dy=-4, fontSize=14, color="#1a56db")
            .encode(x="start:Q", y=alt.datum(0), text="label:N")  # bottom left of the band: no line passes there
        )
    return alt.layer(*layers).properties(height=HEIGHT).configure_axis(labelFontSize=14, titleFontSize=16)


def training_curves(records: list[dict], *, loss_title: str, accuracy_title: str, x_title: str) -> alt.HConcatChart:
    """Loss (every few steps) and validation exact match (every evaluation) against seconds."""
    steps = pd.DataFrame([r for r in records if r.get("kind") == "step"], columns=["seconds", "loss"])
    evals = pd.DataFrame([r for r in records if r.get("kind") == "eval"], columns=["seconds", "exact_match"])
    loss = (
        alt.Chart(steps)
        .mark_line(color="#e11d48", strokeWidth=2)
        .encode(x=alt.X("seconds:Q", title=x_title), y=alt.Y("loss:Q", title=loss_title, scale=alt.Scale(type="log")))
        .properties(height=260, width=380)
    )
    accuracy = (
        alt.Chart(evals)
        .mark_line(point=True, color="#1a56db", strokeWidth=3)
        .encode(
            x=alt.X("seconds:Q", title=x_title),
            y=alt.Y("exact_match:Q", title=accuracy_title, scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
            tooltip=[alt.Tooltip("seconds:Q", format=".0f"), alt.Tooltip("exact_match:Q", format=".1%")],
        )
        .properties(height=260, width=380)
    )
    return alt.hconcat(loss, accuracy).configure_axis(labelFontSize=13, titleFontSize=15)
