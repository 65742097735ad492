"""Every string a person reads goes through ``t(key)``; English and Korean live in app/locales/<lang>/*.toml.

    t("nav.home")                       -> "Home"  (or "홈")
    t("app.version", version="0.1.0")   -> "Attention Lens 0.1.0"

Keys are ``section.name`` (a TOML table per page or topic; a file may hold several). A test fails when a
key or a ``{placeholder}`` is missing in either language, or when two files define the same key.
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path

import streamlit as st

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
LANGUAGES = {"en": "English", "ko": "한국어"}
DEFAULT_LANGUAGE = "en"
STATE_KEY = "lang"


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = str(value)
    return flat


@functools.cache
def strings(lang: str) -> dict[str, str]:
    """All strings of one language, flattened to ``section.name`` keys, from every file of its folder."""
    merged: dict[str, str] = {}
    for path in sorted((LOCALES_DIR / lang).glob("*.toml")):
        with path.open("rb") as f:
            table = _flatten(tomllib.load(f))
        twice = sorted(set(table) & set(merged))
        if twice:
            raise ValueError(f"{path} defines keys that another {lang} file already has: {twice[:5]}")
        merged.update(table)
    return merged


def current_language() -> str:
    """The language picked in the sidebar (or ?lang=ko in the URL), English by default."""
    lang = st.session_state.get(STATE_KEY, DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, lang: str | None = None, **values: object) -> str:
    """The text for ``key`` in the current language, with ``{placeholders}`` filled in."""
    lang = lang or current_language()
    text = strings(lang).get(key)
    if text is None:  # a test keeps this from happening; never crash a class over a string
        text = strings(DEFAULT_LANGUAGE).get(key, key)
    return text.format(**values) if values else text


def language_picker() -> str:
    """The sidebar control. ``?lang=ko`` in the URL picks Korean, and picking keeps the URL in step."""
    if STATE_KEY not in st.session_state:
        wanted = st.query_params.get(STATE_KEY, DEFAULT_LANGUAGE)
        st.session_state[STATE_KEY] = wanted if wanted in LANGUAGES else DEFAULT_LANGUAGE

    def _sync_url() -> None:
        st.query_params[STATE_KEY] = st.session_state[STATE_KEY]

    st.segmented_control(
        "Language · 언어",
        options=list(LANGUAGES),
        format_func=LANGUAGES.get,
        key=STATE_KEY,
        required=True,
        on_change=_sync_url,
    )
    return current_language()


# Korean wraps at the spaces between words, never inside one (Streamlit's headings and paragraphs would break
# "트랜스포머" into "트랜스포 / 머"). ``keep-all`` changes only where CJK text may break, so English is as before;
# a word longer than its line still wraps (overflow-wrap). Headings and paragraphs set their own word-break,
# hence the elements named here rather than one inherited rule. A constant: nothing a user typed goes in.
LINE_BREAK_CSS = (
    "<style>"
    '[data-testid="stApp"] :is(h1, h2, h3, h4, h5, h6, p, li, td, th, label, summary)'
    " { word-break: keep-all; overflow-wrap: break-word; }"
    # Less empty space above the title (Streamlit leaves 6rem): on a 1280 × 720 projector every line counts.
    '[data-testid="stMainBlockContainer"] { padding-top: 3rem; }'
    "</style>"
)


def korean_line_breaks() -> None:
    """Once per run, before the page: the style rule above (a style-only st.html takes no room on the page)."""
    st.html(LINE_BREAK_CSS)
