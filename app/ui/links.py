"""A page's view kept in its URL, so that a teacher can share a link that opens the same view.

    link = links.Link("text", share.text_fields(...))   # the page's query fields (app/share.py)
    given = link.incoming()          # what a shared link asks for, once per address; a notice for bad values
    ... put ``given`` into the widgets' session state, draw the widgets ...
    link.keep(task=..., text=..., beam=...)   # the address bar follows the view, as the page goes
    link.share_button(slot)          # the link to copy, in a popover

The parsing is pure and fuzz-tested (app/share.py); this module only moves values between the URL, the session
and the page. ``lang`` (app/i18n.py) and ``present`` (app/presenter.py) keep themselves in the URL.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import streamlit as st

from app.i18n import current_language, t
from app.logic import share
from app.ui.tabs import lazy_tabs, opened_tab

PRESENT_KEY = "present"  # app/presenter.py's switch, carried by a shared link too


def ignored_notice(names: Iterable[str]) -> None:
    """Say which values of a link were left out (malformed, out of range, or not for this input)."""
    names = sorted(set(names))
    if names:
        st.info(t("share.ignored", names=", ".join(f"“{n}”" for n in names)), icon=":material/link_off:")


class Link:
    """One page's query fields, read once from a shared link and written back as the page draws."""

    def __init__(self, page: str, fields: Mapping[str, share.Field]) -> None:
        self.page, self.fields = page, dict(fields)
        self.values: dict = {}
        self._marker = f"_link_{page}"

    def _current(self) -> dict[str, list[str]]:
        return {name: st.query_params.get_all(name) for name in self.fields if name in st.query_params}

    def incoming(self) -> dict:
        """The values the URL gives, on the page's first run in this session (a link opens a new session);
        afterwards the widgets rule. Reading the URL again later would be wrong: a rerun asked for before the
        browser's address caught up with the last run carries an older query, which would undo the student's
        latest change. A notice names each value that was ignored."""
        if self._marker in st.session_state:
            return {}
        st.session_state[self._marker] = True
        parsed = share.parse(self._current(), self.fields)
        ignored_notice(parsed.ignored)
        return parsed.values

    def keep(self, **values: object) -> None:
        """Add ``values`` to the view and write it to the address bar (a value of None leaves the URL)."""
        self.values.update(values)
        query = share.encode(self.values, self.fields)
        for name in self.fields:
            if name in query:
                if st.query_params.get_all(name) != [query[name]]:
                    st.query_params[name] = query[name]
            elif name in st.query_params:
                del st.query_params[name]

    def tabs(self, ids: Iterable[str], key: str, label) -> list:
        """``lazy_tabs`` (only the open one runs), in order, with the open tab's id kept in the URL's ``tab``."""
        tabs = lazy_tabs(ids, key, label)
        self.keep(tab=opened_tab(key))
        return list(tabs.values())

    def url(self) -> str:
        """The link to this view: the page's address (relative when the browser has not told it), the view,
        the language, and presenter mode when it is on."""
        query = share.encode(self.values, self.fields)
        query["lang"] = current_language()
        if st.session_state.get(PRESENT_KEY):
            query[PRESENT_KEY] = "1"
        base = st.context.url or f"/{self.page}"
        return share.link(base, query)

    def share_button(self, slot=None) -> None:
        """A "copy link" popover (in ``slot``, e.g. a column beside the title): the link, with a copy button."""
        with (slot or st.container()).popover(t("share.button"), icon=":material/link:"):
            st.caption(t("share.hint"))
            st.code(self.url(), language=None, wrap_lines=True)
