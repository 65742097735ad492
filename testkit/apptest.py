"""The app in Streamlit's AppTest (no server, no browser): the real entry point, on one page, in one language."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from testkit.server import ROOT


def open_app(page: str | None = None, lang: str = "en", timeout: float = 120) -> AppTest:
    """The app as a browser would first see it: entry point, then the page's script (see PageSpec.file)."""
    from app.navigation import PAGES

    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=timeout)
    at.session_state["lang"] = lang
    at.run()
    if page:
        at.switch_page(str(next(spec.file for spec in PAGES if spec.name == page)))
        at.run()
    return at


def assert_clean(at: AppTest, errors: bool = False) -> None:
    """No exception element and (unless ``errors``: the test expects an error box) no error box on the page."""
    assert not at.exception, [e.value for e in at.exception]
    if not errors:
        assert not at.error, [e.value for e in at.error]
