"""Tabs of which only the open one runs: every page with tabs draws them with ``lazy_tabs``."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import streamlit as st


def lazy_tabs(ids: Iterable[str], key: str, label: Callable[[str], str]) -> dict:
    """``st.tabs`` for the tab ``ids`` (named by ``label(id)``), by id, that rerun when one is opened, so that
    a page runs only the open one (``tab.open``): a search tree, a forced decode or a quiz round is paid for
    when asked. The open tab's id is kept in ``st.session_state[key + "_opened"]`` (a shared link's ``tab``
    goes there before the page draws; ``opened_tab(key)`` reads it)."""
    labels = {i: label(i) for i in ids}
    opened_key = f"{key}_opened"
    opened = st.session_state.get(opened_key)
    if opened in labels and st.session_state.get(key) not in labels.values():
        st.session_state[key] = labels[opened]

    def changed() -> None:
        chosen = st.session_state.get(key)
        st.session_state[opened_key] = next((i for i, text in labels.items() if text == chosen), None)

    tabs = st.tabs(list(labels.values()), key=key, on_change=changed)
    return dict(zip(labels, tabs, strict=True))


def opened_tab(key: str) -> str | None:
    """The id of the tab last opened among ``lazy_tabs(..., key, ...)``, or None before any was."""
    return st.session_state.get(f"{key}_opened")
