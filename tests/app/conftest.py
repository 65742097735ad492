"""AppTest helpers: run the real entry point, optionally on one page and in one language."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def open_app(page: str | None = None, lang: str = "en", timeout: float = 120) -> AppTest:
    """The app as a browser would first see it: entry point, then ``app/pages/<page>.py``."""
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=timeout)
    at.session_state["lang"] = lang
    at.run()
    if page:
        at.switch_page(str(ROOT / "app" / "pages" / f"{page}.py"))
        at.run()
    return at


def assert_clean(at: AppTest) -> None:
    """No exception element and no error box on the page."""
    assert not at.exception, [e.value for e in at.exception]


@pytest.fixture
def app():
    return open_app
