"""/math tab ③: why the dot product is divided by √d_k — the spread of qᵀk grows with d_k and the softmax saturates."""

from __future__ import annotations

import numpy as np
import streamlit as st

from app import services
from app.charts import math_charts
from app.i18n import t

VARIANCE_LATEX = (
    r"q_i, k_i \sim \mathcal{N}(0, 1) \;\Rightarrow\; \operatorname{Var}(q^\top k)"
    r" = \sum_{i=1}^{d_k} \operatorname{Var}(q_i k_i) = d_k,"
    r"\qquad \operatorname{Var}\!\left(\frac{q^\top k}{\sqrt{d_k}}\right) = 1"
)


def metrics_row(point: services.ScalingPoint, d_k: int) -> None:
    """Spread and entropy at the chosen d_k, without and with the scaling."""
    a, b, c, d = st.columns(4)
    a.metric(t("math.metric_std"), f"{point.std_unscaled:.2f}", help=t("math.metric_std_help", root=f"{d_k**0.5:.2f}"))
    b.metric(t("math.metric_std_scaled"), f"{point.std_scaled:.2f}")
    c.metric(t("math.metric_entropy"), f"{point.entropy_unscaled:.2f}")
    d.metric(t("math.metric_entropy_scaled"), f"{point.entropy_scaled:.2f}")


def draw() -> None:
    """The whole tab: d_k and the number of keys; the metrics, the entropy curves and one example's weights."""
    st.write(t("math.scale_intro"))
    st.latex(VARIANCE_LATEX)
    left, right = st.columns(2, gap="large")
    d_k = left.select_slider(t("math.dk_label"), options=services.DK_CHOICES, value=64, key="math_dk")
    n_keys = right.slider(t("math.keys_label"), 2, 50, 10, key="math_keys")
    curve = services.scaling_curve(n_keys)
    metrics_row(next(p for p in curve if p.d_k == d_k), d_k)
    names = (t("math.unscaled"), t("math.scaled"))
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown(f"**{t('math.curve_title', n=n_keys)}**")
        st.altair_chart(
            math_charts.entropy_chart(
                [p.d_k for p in curve],
                {names[0]: [p.entropy_unscaled for p in curve], names[1]: [p.entropy_scaled for p in curve]},
                chosen=d_k,
                uniform=float(np.log2(n_keys)),
                uniform_name=t("math.uniform"),
                x_title="dₖ",
                y_title=t("math.axis_entropy"),
            ),
            width="stretch",
        )
    with right:
        st.markdown(f"**{t('math.example_title', d=d_k)}**")
        raw, scaled = services.scaling_example(d_k, n_keys)
        st.altair_chart(
            math_charts.grouped_bars(
                [f"k{j + 1}" for j in range(n_keys)],
                {names[0]: raw, names[1]: scaled},
                x_title=t("math.axis_key"),
                y_title=t("math.axis_weight"),
            ),
            width="stretch",
        )
    st.caption(t("math.scale_note"))
