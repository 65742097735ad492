"""The home page in a real browser, in English and Korean."""

from tests.e2e.conftest import assert_no_exception
from tests.e2e.harness import wait_until_idle


def test_home_page_renders_in_english(page):
    page.open("/")
    page.get_by_role("heading", name="The problem: one vector for a whole sentence").wait_for()
    assert "Compute device" in page.locator('[data-testid="stSidebar"]').inner_text()
    assert_no_exception(page)


def test_home_page_renders_in_korean_from_the_url(page):
    page.open("/?lang=ko")
    page.get_by_role("heading", name="문제: 문장 전체를 벡터 하나에").wait_for()
    assert "연산 장치" in page.locator('[data-testid="stSidebar"]').inner_text()
    assert_no_exception(page)


def test_language_picker_switches_to_korean_and_back(page):
    page.open("/")
    page.get_by_role("radio", name="한국어").click()
    page.get_by_role("heading", name="해결: 매 단계 다시 계산하는 가중합").wait_for()
    wait_until_idle(page)
    assert "lang=ko" in page.url
    page.get_by_role("radio", name="English").click()
    page.get_by_role("heading", name="The fix: a weighted sum, recomputed at every step").wait_for()
    assert_no_exception(page)
