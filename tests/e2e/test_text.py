"""/text in a real browser: type a date, see its ISO form and the alignment heatmap."""

from playwright.sync_api import expect

from tests.e2e.conftest import assert_no_exception
from tests.e2e.harness import wait_for_charts, wait_until_idle


def output_text(page) -> str:
    return page.locator('[data-testid="al-output"]').inner_text()


def test_typing_a_date_shows_iso_and_heatmap(page):
    page.open("/text")
    box = page.get_by_label("A date, as people write it")
    box.fill("TUESDAY, SEPTEMBER 25, 1984")
    box.press("Enter")
    expect(page.get_by_test_id("al-output")).to_have_text("1984-09-25", timeout=60_000)
    wait_until_idle(page)
    wait_for_charts(page)
    assert output_text(page) == "1984-09-25"
    heatmap = page.locator('[data-testid="stPlotlyChart"]').first
    assert heatmap.locator(".heatmaplayer").count() == 1
    # the input characters are the x-axis labels, one per character
    labels = heatmap.locator(".xtick text").all_inner_texts()
    assert len(labels) == len("TUESDAY, SEPTEMBER 25, 1984")
    assert_no_exception(page)


def test_korean_date_and_interface(page):
    page.open("/text?lang=ko")
    box = page.get_by_label("사람이 쓰는 형식의 날짜")
    box.fill("2026년 3월 5일 목요일")
    box.press("Enter")
    expect(page.get_by_test_id("al-output")).to_have_text("2026-03-05", timeout=60_000)
    wait_until_idle(page)
    assert page.get_by_role("tab", name="정렬 히트맵").count() == 1
    assert_no_exception(page)


def test_unknown_characters_get_a_message_and_the_page_recovers(page):
    page.open("/text")
    box = page.get_by_label("A date, as people write it")
    box.fill("march 5, 2026 ☃")
    box.press("Enter")
    page.get_by_text("never seen").wait_for()
    wait_until_idle(page)
    assert_no_exception(page)
    page.get_by_role("button", name="Try it without them").click()
    expect(page.get_by_test_id("al-output")).to_have_text("2026-03-05", timeout=60_000)
    assert_no_exception(page)


def test_step_tab_shows_bars_for_a_step(page):
    page.open("/text")
    page.get_by_role("tab", name="Step by step").click()
    page.get_by_text("Step 1 of 10").wait_for()
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
    page.get_by_role("slider").last.wait_for()
    assert_no_exception(page)


def test_i_love_you_is_translated_into_korean(page):
    page.open("/text")
    page.get_by_role("radio", name="English → Korean").click()
    wait_until_idle(page)
    box = page.get_by_label("A sentence")
    box.fill("I love you.")
    box.press("Enter")
    expect(page.get_by_test_id("al-output")).to_contain_text("사랑", timeout=60_000)
    wait_until_idle(page)
    wait_for_charts(page)
    assert page.locator('[data-testid="stPlotlyChart"] .heatmaplayer').count() >= 1
    assert_no_exception(page)
