"""Home: what attention is, in a few sentences, and where each page goes."""

import streamlit as st

from app import services
from app.i18n import t
from app.navigation import PAGES
from app.ui import components

st.title(":material/search: Attention Lens")
st.markdown(f"### {t('home.tagline')}")
st.write(t("home.intro"))

# Both cards as tall as the taller one; their formulas fit a card at 1280 px, the width of a classroom projector.
left, right = st.columns(2, gap="small")  # small, as the map below
with left, st.container(border=True, height="stretch"):
    st.subheader(t("home.bottleneck_title"))
    st.write(t("home.bottleneck_body"))
    one_vector = t("home.one_vector")
    st.latex(
        r"h_1, \dots, h_n \;\to\; "
        rf"\underbrace{{h_n}}_{{\text{{{one_vector}}}}}"
        r" \;\to\; y_1, \dots"
    )
with right, st.container(border=True, height="stretch"):
    st.subheader(t("home.fix_title"))
    st.write(t("home.fix_body"))
    score, softmax, weighted_sum = t("home.step_score"), t("home.step_softmax"), t("home.step_sum")
    st.latex(
        r"\begin{aligned}"
        rf"e_{{t,j}} &= \operatorname{{score}}(s_t, h_j) && \text{{{score}}}\\"
        rf"\alpha_{{t,j}} &= \frac{{\exp e_{{t,j}}}}{{\sum_k \exp e_{{t,k}}}} && \text{{{softmax}}}\\"
        rf"c_t &= \textstyle\sum_j \alpha_{{t,j}}\, h_j && \text{{{weighted_sum}}}"
        r"\end{aligned}"
    )

example_left, example_right = st.columns([2, 3], gap="large", vertical_alignment="center")
with example_left:
    st.write(t("home.see_it"))
    st.page_link("app/pages/text/page.py", label=t("home.try_it"), icon=":material/arrow_forward:")
with example_right:
    alignment = services.home_example()  # saved from date-additive: the home page loads no model (nor torch)
    if alignment is not None:
        components.heatmap_chart(alignment, key="home_example", title=t("home.example_title"), compact=True)
    else:  # the home page still explains attention without its example
        st.info(t("home.example_missing"))

st.subheader(t("home.map_title"))
tours = [p for p in PAGES if p.name != "home"]
per_row = 3  # five cards in one row clip their titles on a projector's width
columns = [c for start in range(0, len(tours), per_row) for c in st.columns(per_row)][: len(tours)]
for column, spec in zip(columns, tours, strict=True):
    with column, st.container(border=True, height="stretch"):
        if spec.exists:
            st.page_link(str(spec.file), label=t(f"nav.{spec.name}"), icon=spec.icon)
        else:
            st.markdown(f"**{t(f'nav.{spec.name}')}** · _{t('home.coming')}_")
        st.caption(t(f"nav.{spec.name}_about"))

st.caption(t("home.footer"))
