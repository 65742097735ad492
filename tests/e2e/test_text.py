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


def _outside(chart, selector: str) -> list[str]:
    """The labels matched by ``selector`` that are drawn even partly outside the chart's own box."""
    return chart.evaluate(
        """(el, selector) => {
            const box = el.getBoundingClientRect();
            return [...el.querySelectorAll(selector)].filter(t => {
                const r = t.getBoundingClientRect();
                return r.width > 0 && (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1);
            }).map(t => t.textContent);
        }""",
        selector,
    )


def test_a_new_input_redraws_the_answer_the_link_and_labels_that_fit(page):
    """The inputs and the answer rerun as one part of the page: typing changes the answer, the heatmap and the
    link to share (once, in the header), and the heatmap's own margins hold its labels and titles."""
    page.open("/text")
    box = page.get_by_label("A date, as people write it")
    for typed, iso in (("12/31/1999", "1999-12-31"), ("Wed, Jul 4 1979", "1979-07-04")):
        box.fill(typed)
        box.press("Enter")
        expect(page.get_by_test_id("al-output")).to_have_text(iso, timeout=60_000)
    wait_until_idle(page)
    wait_for_charts(page)
    chart = page.locator(".st-key-text_heatmap")
    assert chart.locator(".xtick text").all_text_contents()[:3] == ["W", "e", "d"]
    assert _outside(chart, ".xtick text, .ytick text, .g-xtitle text, .g-ytitle text, .gtitle, .cbtitle text") == []
    share = page.get_by_role("button", name="Copy link")
    expect(share).to_have_count(1)
    share.click()
    expect(page.locator('[data-testid="stCode"] code').first).to_contain_text("text=Wed,%20Jul%204%201979")
    page.keyboard.press("Escape")
    page.locator(".st-key-text_task button").nth(1).click()  # English -> Korean: words, slanted along the top
    expect(page.get_by_test_id("al-output")).not_to_have_text("1979-07-04", timeout=60_000)
    wait_until_idle(page)
    wait_for_charts(page)
    assert _outside(chart, ".xtick text, .ytick text, .g-xtitle text, .g-ytitle text, .gtitle") == []
    assert_no_exception(page)
