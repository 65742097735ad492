"""The entry point and the home page, in both languages."""

from app.i18n import t
from tests.app.conftest import assert_clean, open_app


def all_text(at) -> str:
    return " ".join(m.value for m in at.markdown) + " ".join(s.value for s in at.subheader)


def test_home_renders_in_english():
    at = open_app()
    assert_clean(at)
    assert at.title[0].value.endswith("Attention Lens")
    assert t("home.bottleneck_title", lang="en") in all_text(at)
    assert "Compute device" in " ".join(c.value for c in at.sidebar.caption)


def test_home_renders_in_korean():
    at = open_app(lang="ko")
    assert_clean(at)
    text = all_text(at)
    assert t("home.bottleneck_title", lang="ko") in text
    assert t("home.bottleneck_title", lang="en") not in text
    assert "연산 장치" in " ".join(c.value for c in at.sidebar.caption)


def test_switching_language_in_the_sidebar_rerenders_in_korean():
    at = open_app()
    at.sidebar.segmented_control(key="lang").set_value("ko").run()
    assert_clean(at)
    assert t("home.fix_title", lang="ko") in all_text(at)


def test_sidebar_names_the_compute_device():
    at = open_app()
    caption = " ".join(c.value for c in at.sidebar.caption)
    assert "CPU" in caption or "CUDA · " in caption
