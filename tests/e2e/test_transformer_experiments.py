"""/transformer and /experiments in a real browser, including a short live training."""

from playwright.sync_api import expect

from tests.e2e.conftest import assert_no_exception
from tests.e2e.harness import wait_for_charts, wait_until_idle


def test_transformer_page_shows_maps_and_the_mask(page):
    page.open("/transformer")
    expect(page.get_by_test_id("al-output").first).to_have_text("1984-09-25", timeout=60_000)
    page.get_by_role("radio", name="Decoder masked self-attention").click()
    page.get_by_text("Grey cells are masked").wait_for()
    wait_until_idle(page)
    wait_for_charts(page)
    assert page.locator('[data-testid="stPlotlyChart"] .heatmaplayer').count() >= 1
    assert_no_exception(page)


def test_live_training_shows_a_curve_and_gives_a_usable_model(page):
    page.open("/experiments")
    slider = page.get_by_role("slider", name="Time budget (s)")
    slider.wait_for()
    slider.focus()
    for _ in range(10):  # 60 s -> 10 s, 5 s per key press
        slider.press("ArrowLeft")
    wait_until_idle(page)
    page.get_by_role("button", name="Start training").click()
    page.get_by_text("training loss").first.wait_for(timeout=60_000)
    page.get_by_text("is ready").wait_for(timeout=120_000)
    wait_until_idle(page)
    assert page.locator('[data-testid="stVegaLiteChart"]').count() >= 2
    outputs = page.get_by_test_id("al-output")
    expect(outputs.last).not_to_be_empty()
    assert_no_exception(page)
