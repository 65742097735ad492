"""Acting on attention in a real browser: force a step on /text and see the output change, open a shared link
and see the same view, play a quiz round to its score, present at 1280×720. Screenshots of each go to
test-artifacts/beyond-*.png."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.i18n import t
from tests.e2e.conftest import assert_no_exception
from tests.e2e.harness import (
    ROOT,
    next_frame,
    rerun,
    screenshot_whole_page,
    wait_for_charts,
    wait_until_drawn,
    wait_until_idle,
)
from tests.e2e.test_pages import leftovers

WAIT = 60_000
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture
def small(browser, app_url):
    """A projector-sized window: 1280×720."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.set_default_timeout(WAIT)

    def goto(path: str = "/"):
        page.goto(app_url + path)
        wait_until_idle(page)
        return page

    page.open = goto
    page.base = app_url
    yield page
    context.close()


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    wait_until_drawn(page)
    screenshot_whole_page(page, ARTIFACTS / f"beyond-{name}.png")


def click(page, locator) -> None:
    """Click, then wait for the run it starts to end (each test then waits for what the click should show)."""
    locator.evaluate("e => e.scrollIntoView({block: 'center'})")
    with rerun(page):
        locator.click()


def choose(page, group: str, option: str | int) -> None:
    """Click an option of a segmented control or pills labelled ``group`` (by its text, or its position)."""
    options = page.get_by_role("radiogroup", name=group).get_by_role("radio")
    click(page, options.nth(option) if isinstance(option, int) else options.filter(has_text=option).first)


def edited(page) -> str:
    return page.get_by_test_id("al-edited").inner_text().replace("\n", "")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_forcing_a_step_changes_the_output(small, lang):
    page = small.open(f"/text?lang={lang}")
    expect(page.get_by_test_id("al-output")).to_have_text("1994-09-27", timeout=WAIT)
    choose(page, t("textmode.label", lang=lang), t("textmode.whatif", lang=lang))
    click(page, page.get_by_role("button", name=t("whatif.example", lang=lang)))
    expect(page.get_by_test_id("al-edited")).to_have_text(re.compile(r"1994-09-\s*1\s*7"), timeout=WAIT)
    assert edited(page) == "1994-09-17"
    assert page.get_by_test_id("al-own").inner_text().replace("\n", "") == "1994-09-27"
    expect(page.locator('[data-testid="stPlotlyChart"] .heatmaplayer')).to_have_count(2, timeout=WAIT)
    assert "edit=9" in page.url and "at=15" in page.url
    shoot(page, f"whatif-{lang}")
    assert leftovers(page.locator('[data-testid="stApp"]').inner_text(), lang) == []
    # another input token for the same step: the "7" of 27 (the example's "1" is still chosen; one click moves it)
    choose(page, t("whatif.at_label", lang=lang, step=9, token="2"), 11)
    expect(page.get_by_test_id("al-edited")).to_have_text(re.compile(r"1994-09-\s*0\s*7"), timeout=WAIT)
    assert "at=12" in page.url
    click(page, page.get_by_role("button", name=t("whatif.reset", lang=lang), exact=True))
    expect(page.get_by_test_id("al-edited")).to_have_count(0, timeout=WAIT)
    assert_no_exception(page)


def test_a_shared_link_opens_the_same_view(small):
    query = "/text?task=date&text=2%2F10%2F93&model=date-dot&beam=4&tab=beams&lang=ko"
    page = small.open(query)
    expect(page.get_by_test_id("al-output")).to_have_text("1993-02-10", timeout=WAIT)
    expect(page.get_by_role("tab", name=t("text.tab_beams", lang="ko"))).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("slider", name=t("text.beam_label", lang="ko"))).to_have_attribute("aria-valuetext", "4")
    expect(page.get_by_text(t("tree.title", lang="ko"))).to_be_visible(timeout=WAIT)
    wait_for_charts(page)
    shoot(page, "link-ko")
    assert leftovers(page.locator('[data-testid="stApp"]').inner_text(), "ko") == []
    click(page, page.get_by_role("button", name=t("share.button", lang="ko")))
    code = page.locator('[data-testid="stCode"] code').first
    expect(code).to_contain_text("text=2%2F10%2F93", timeout=WAIT)
    link = code.inner_text().strip()
    assert "model=date-dot" in link and "beam=4" in link and "tab=beams" in link and "lang=ko" in link
    other = small.open(link.removeprefix(small.base))
    expect(other.get_by_test_id("al-output")).to_have_text("1993-02-10", timeout=WAIT)
    expect(other.get_by_role("tab", name=t("text.tab_beams", lang="ko"))).to_have_attribute("aria-selected", "true")
    assert_no_exception(other)


def test_a_hostile_link_is_a_notice_not_a_traceback(small):
    page = small.open("/text?beam=NaN&model=%3Cscript%3Ealert(1)%3C%2Fscript%3E&edit=-3&mode=whatif&w=1e999")
    expect(page.get_by_text(re.compile("could not be used"))).to_be_visible(timeout=WAIT)
    expect(page.get_by_test_id("al-output")).to_have_count(0)  # What if? shows the two outputs, not the one
    assert page.locator("script:text('alert(1)')").count() == 0
    assert_no_exception(page)


def test_a_quiz_round_ends_with_a_score(small):
    page = small.open("/text")
    choose(page, t("textmode.label", lang="en"), t("textmode.quiz", lang="en"))
    assert leftovers(page.locator('[data-testid="stApp"]').inner_text(), "en") == []
    expect(page.get_by_text("Question 1 of 5")).to_be_visible(timeout=WAIT)
    assert page.locator('[data-testid="stPlotlyChart"]').count() == 0  # hidden until the guess
    for n in range(1, 6):
        expect(page.get_by_text(f"Question {n} of 5")).to_be_visible(timeout=WAIT)
        # the new question's guesses replace the last one's (disabled while it was revealed): click the new ones.
        # Picking one changes only attributes (the pill's, the button's), which the run watcher may miss: wait
        # for the button instead
        first = page.get_by_role("radiogroup", name=t("quiz.guess_label", lang="en")).get_by_role("radio").first
        expect(first).to_be_enabled(timeout=WAIT)
        expect(first).not_to_be_checked(timeout=WAIT)
        first.click()
        expect(first).to_be_checked(timeout=WAIT)
        check = page.get_by_role("button", name=t("quiz.check", lang="en"))
        expect(check).to_be_enabled(timeout=WAIT)
        click(page, check)
        expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(1, timeout=WAIT)
        expect(page.locator('[data-testid="stPlotlyChart"] .heatmaplayer')).to_have_count(1, timeout=WAIT)
        if n == 1:
            shoot(page, "quiz-reveal")
        label = t("quiz.see_score", lang="en") if n == 5 else t("quiz.next", lang="en")
        click(page, page.get_by_role("button", name=label))
    expect(page.get_by_text(re.compile(r"Your score: \d+ of 10"))).to_be_visible(timeout=WAIT)
    shoot(page, "quiz-score")
    assert_no_exception(page)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_presenter_mode_at_1280_by_720(small, lang):
    page = small.open(f"/text?lang={lang}&present=1&tab=alignment")
    expect(page.get_by_test_id("al-output")).to_have_text("1994-09-27", timeout=WAIT)
    wait_for_charts(page)
    expect(page.locator('[data-testid="stSidebar"]')).to_be_hidden()
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    expect(chart).to_be_visible(timeout=WAIT)
    box = chart.bounding_box()
    assert box is not None and box["height"] <= 720 - 60  # one chart fits on the screen
    page.screenshot(path=str(ARTIFACTS / f"beyond-present-{lang}.png"))
    chart.evaluate("e => e.scrollIntoView({block: 'center'})")
    wait_for_charts(page)
    next_frame(page)
    page.screenshot(path=str(ARTIFACTS / f"beyond-present-{lang}-chart.png"))
    switch = page.get_by_text(t("present.toggle", lang=lang))
    click(page, switch)
    expect(page.locator('[data-testid="stSidebar"]')).to_be_visible(timeout=WAIT)
    assert "present" not in page.url
    assert_no_exception(page)


def test_what_if_on_a_korean_translation(small):
    page = small.open("/text?task=ko-en&mode=whatif&edit=2&at=1&lang=ko")
    expect(page.get_by_test_id("al-edited")).to_be_visible(timeout=WAIT)
    expect(page.locator('[data-testid="stPlotlyChart"] .heatmaplayer')).to_have_count(2, timeout=WAIT)
    assert leftovers(page.locator('[data-testid="stApp"]').inner_text(), "ko") == []
    shoot(page, "whatif-translation-ko")
    assert_no_exception(page)


def test_transformer_rollout_and_its_link(small):
    page = small.open("/transformer?kind=encoder_self&view=rollout&layer=2&lang=ko")
    expect(page.get_by_test_id("al-output").first).to_have_text("1984-09-25", timeout=WAIT)
    wait_for_charts(page)
    title = t("rollout.map_title", lang="ko", layer=2)
    expect(page.locator('[data-testid="stPlotlyChart"] .gtitle').first).to_have_text(title, timeout=WAIT)
    expect(page.get_by_text(t("rollout.about_rollout", lang="ko")[:30])).to_be_visible()
    shoot(page, "rollout-ko")
    choose(page, t("rollout.view_label", lang="ko"), t("rollout.view_raw", lang="ko"))
    expect(page.get_by_text(t("rollout.about_raw", lang="ko")[:30])).to_be_visible(timeout=WAIT)
    assert "view=raw" in page.url
    assert_no_exception(page)
