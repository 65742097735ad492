"""/transformer with MiniLM in a real browser, in English and in Korean: the picker, a typed sentence, the grid
of 72 heads, the seven steps, the head patterns and two sentences."""

from playwright.sync_api import expect

from tests.e2e.conftest import assert_no_exception
from tests.e2e.harness import wait_until_idle

LOAD_MS = 180_000  # the first open loads MiniLM and transformers


def grid(page):
    return page.locator(".st-key-ml_grid .heatmaplayer")


def test_the_picker_a_typed_sentence_and_the_seven_steps(page):
    page.open("/transformer")
    page.get_by_role("radio", name="MiniLM, a real sentence model").click()
    grid(page).wait_for(timeout=LOAD_MS)
    box = page.locator(".st-key-ml_text input")
    box.fill("The teacher said that she would return the books tomorrow.")
    box.press("Enter")
    expect(page.locator('[data-testid="stCode"]').first).to_contain_text("tomorrow", timeout=60_000)
    wait_until_idle(page)
    grid(page).wait_for()
    assert "minilm" in page.url
    page.get_by_role("radio", name="The seven steps").click()
    page.get_by_text("These weights are row").wait_for()
    page.get_by_text("⑦ Into the layer").wait_for()
    wait_until_idle(page)
    assert_no_exception(page)


def test_bad_input_is_a_message_not_a_traceback(page):
    page.open("/transformer?model=minilm")
    grid(page).wait_for(timeout=LOAD_MS)
    box = page.locator(".st-key-ml_text input")
    box.fill("?!… ###")
    box.press("Enter")
    page.get_by_text("There are no words here").wait_for()
    assert_no_exception(page)


def test_korean_patterns_and_two_sentences(page):
    page.open("/transformer?model=minilm&lang=ko")
    grid(page).wait_for(timeout=LOAD_MS)
    expect(page.locator("h1").first).to_contain_text("셀프 어텐션")
    page.get_by_role("radio", name="헤드 패턴").click()
    page.get_by_text("패턴마다 가장 강한 헤드").wait_for()
    page.locator(".st-key-ml_show_previous button").click()
    page.locator(".st-key-ml_map .heatmaplayer").wait_for()
    page.get_by_role("radio", name="[SEP]로 이은 두 문장").click()
    page.get_by_role("radio", name="문장 사이").click()
    page.get_by_text("문장 유사도").wait_for()
    wait_until_idle(page)
    assert_no_exception(page)
