"""Every UI string exists in English and Korean, with the same placeholders, and every key used exists."""

import re
import string
from pathlib import Path

from app import i18n
from app.navigation import PAGES

ROOT = Path(__file__).resolve().parents[2]


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_languages_have_the_same_keys():
    en, ko = i18n.strings("en"), i18n.strings("ko")
    assert sorted(set(en) - set(ko)) == [], "missing in ko.toml"
    assert sorted(set(ko) - set(en)) == [], "missing in en.toml"


def test_placeholders_match_between_languages():
    en, ko = i18n.strings("en"), i18n.strings("ko")
    wrong = [k for k in en if placeholders(en[k]) != placeholders(ko[k])]
    assert wrong == []


def test_no_empty_strings():
    for lang in i18n.LANGUAGES:
        assert [k for k, v in i18n.strings(lang).items() if not v.strip()] == []


def test_every_literal_key_used_in_code_exists():
    used = set()
    pattern = re.compile(r"""\bt\(\s*["']([a-z0-9_]+\.[a-z0-9_.]+)["']""")
    for path in [*ROOT.glob("app/**/*.py"), ROOT / "streamlit_app.py"]:
        used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    assert used, "the scan found no t() calls"
    missing = sorted(used - set(i18n.strings("en")))
    assert missing == []


def test_every_page_has_a_title_and_a_summary():
    en = i18n.strings("en")
    for spec in PAGES:
        assert f"nav.{spec.name}" in en
        assert spec.name == "home" or f"nav.{spec.name}_about" in en
        assert f"nav.section_{spec.section}" in en


def test_t_fills_placeholders_and_falls_back_to_the_key():
    assert i18n.t("app.version", lang="en", version="9.9") == "Attention Lens 9.9"
    assert i18n.t("no.such_key", lang="ko") == "no.such_key"
