"""/classify in a real browser: type a review, see its label and the words tinted by attention."""

import re

import pytest
from playwright.sync_api import expect

from models import registry
from tests.e2e.conftest import assert_no_exception
from tests.e2e.harness import wait_until_idle

CLASSIFIERS = {e.name: e.card for e in registry.catalog() if e.kind == "classifier"}
ENGLISH_MODEL = next((n for n, c in CLASSIFIERS.items() if c.language == "en" and n.endswith("imdb")), None)
pytestmark = pytest.mark.skipif("classify-nsmc" not in CLASSIFIERS, reason="the Korean review classifier is missing")


def type_review(page, label: str, text: str) -> None:
    box = page.get_by_label(label)
    box.fill(text)
    box.press("Control+Enter")  # a text area sends its text on Ctrl+Enter (or when it loses focus)


def test_korean_review_shows_its_label_and_tinted_words(page):
    page.open("/classify?lang=ko")  # a Korean reader starts on the Korean model
    type_review(page, "한국어 영화 리뷰", "발연기 도저히 못보겠다 진짜 이렇게 연기를 못할거라곤 상상도 못했네")
    words = page.get_by_test_id("al-review").first.get_by_test_id("al-word")
    expect(words.first).to_have_text("발연기", timeout=60_000)  # the default example starts otherwise
    expect(words).to_have_count(9)
    expect(page.get_by_test_id("al-label")).to_have_text("부정")
    assert "어텐션" in words.first.get_attribute("title")  # hover shows the weight
    assert_no_exception(page)


def test_korean_interface_and_english_into_the_korean_model(page):
    page.open("/classify?lang=ko")
    expect(page.get_by_test_id("al-label")).to_have_text("부정", timeout=60_000)  # the default example
    type_review(page, "한국어 영화 리뷰", "A wonderful film. I loved every minute of it.")
    expect(page.get_by_text("한국어 리뷰로만 배웠는데")).to_be_visible()
    expect(page.get_by_test_id("al-label")).to_have_count(0)
    assert_no_exception(page)


@pytest.mark.skipif(ENGLISH_MODEL is None, reason="no English review classifier in assets/models yet")
def test_english_review_with_the_english_model(page):
    page.open("/classify")  # an English reader starts on an English model, when there is one
    picker = page.get_by_test_id("stSelectbox").first
    title = CLASSIFIERS[ENGLISH_MODEL].title
    if title not in picker.inner_text():
        picker.click()
        page.get_by_role("option", name=title).click()
    expect(page.get_by_label("A movie review in English")).to_be_visible(timeout=60_000)
    wait_until_idle(page)
    type_review(page, "A movie review in English", "A wonderful film. I loved every minute of it.")
    review = page.get_by_test_id("al-review").first
    expect(review).to_contain_text(re.compile("wonderful", re.IGNORECASE), timeout=60_000)
    assert review.get_by_test_id("al-word").count() >= 9
    expect(page.get_by_test_id("al-label")).to_have_text("positive")
    assert_no_exception(page)
