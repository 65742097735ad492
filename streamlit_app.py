"""Attention Lens: the entry point. `streamlit run streamlit_app.py` (or `make run`).

It sets up the page, the sidebar (language, device, version) and the navigation,
then runs the page the URL asks for. Pages live in app/pages/, listed in app/navigation.py.
"""

import streamlit as st

from app import __version__, services
from app.i18n import korean_line_breaks, language_picker, t
from app.navigation import ICON, available
from app.ui import presenter

# "auto": the sidebar open on a projector or laptop, collapsed on a phone (the page, not the menu, comes first)
st.set_page_config(page_title="Attention Lens", page_icon=ICON, layout="wide", initial_sidebar_state="auto")
korean_line_breaks()

with st.sidebar:
    language_picker()
presenter.control()  # in the sidebar; at the top of the page while presenting (the sidebar is hidden)

sections: dict[str, list] = {}
for spec in available():
    page = st.Page(
        spec.file,
        title=t(f"nav.{spec.name}"),
        icon=spec.icon,
        url_path=spec.url_path or None,
        default=spec.url_path == "",
    )
    sections.setdefault(t(f"nav.section_{spec.section}"), []).append(page)
current = st.navigation(sections)


def device_caption(pending: bool) -> None:
    """The compute device, and what is wrong with $ATTENTION_LENS_DEVICE. Known without torch on a machine
    without a GPU; elsewhere "…" until the warm-up has loaded torch (``pending``: rerun each second until then)."""
    label = services.device_label()
    if pending and label is not None:
        st.rerun()  # the whole app, once: the sidebar stops asking
    st.caption(f"{t('app.device')}: **{label or '…'}**")
    problem = services.device_problem()
    if problem:
        st.warning(t("app.device_fallback", problem=problem))


with st.sidebar:
    pending = services.device_label() is None
    st.fragment(device_caption, run_every=1.0 if pending else None)(pending)
    st.caption(t("app.version", version=__version__))

current.run()
services.warm_up()  # torch and the networks, in the background, after the page is drawn
