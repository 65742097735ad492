"""/math: attention worked out on small vectors a student can edit, the same step inside a trained model, and √d_k.

Three tabs, each drawn by its own module, whose ``draw`` returns early, after its message, on a bad input, so
that a bad edit in one tab never blanks the other two. The numbers come from app/services.py.
"""

import streamlit as st

from app.i18n import current_language, t
from app.pages.math import real_model, scaling, worked

st.title(t("math.title"))
st.write(t("math.intro"))
lang = current_language()  # format_func may be called after the run (AppTest): fix the language now

tab_example, tab_model, tab_scale = st.tabs([t("math.tab_example"), t("math.tab_model"), t("math.tab_scale")])
with tab_example:
    worked.draw(lang)
with tab_model:
    real_model.draw(lang)
with tab_scale:
    scaling.draw()
