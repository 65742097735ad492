"""/memory in a real browser: the copies and the heads' maps are drawn, a typed pattern is copied, a bad one gets
a message, and the Korean page reads Korean. A screenshot goes to test-artifacts/memory.png."""

from playwright.sync_api import expect

from app.i18n import t
from tests.e2e.conftest import assert_no_exception
from tests.e2e.harness import ROOT, screenshot_whole_page, wait_for_charts, wait_until_idle

ARTIFACTS = ROOT / "test-artifacts"


def pattern_box(page):
    return page.get_by_role("textbox", name=t("memory.input_label"))


def test_the_page_draws_the_copy_the_heads_and_the_pipeline(page):
    page.open("/memory")
    expect(page.get_by_text(t("memory.copy_title"))).to_be_visible()
    # the copies, both heads' maps, the memory and the pipeline's bars: Plotly mounts each as its part arrives
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 9", timeout=60_000)
    wait_for_charts(page)
    expect(page.get_by_text(t("memory.pipeline_title"))).to_be_visible()
    expect(page.get_by_text(t("memory.attention_title"))).to_be_visible()
    assert_no_exception(page)
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot_whole_page(page, ARTIFACTS / "memory.png")


def test_a_typed_pattern_is_copied_and_a_bad_one_gets_a_message(page):
    page.open("/memory")
    box = pattern_box(page)
    box.fill("10110010 01100111 11110000")
    box.press("Control+Enter")
    wait_until_idle(page)
    expect(
        page.get_by_text(t("memory.step_line", step=4, what=t("memory.step_output", n=1)).replace("**", ""))
    ).to_be_visible()
    box.fill("10110010 0110")
    box.press("Control+Enter")
    wait_until_idle(page)
    expect(page.get_by_text(t("memory.error_row_width", row=2, width=4, bits=8))).to_be_visible()
    assert_no_exception(page)


def test_korean(page):
    page.open("/memory?lang=ko")
    expect(page.get_by_role("heading", name=t("memory.title", lang="ko"))).to_be_visible()
    assert_no_exception(page)
