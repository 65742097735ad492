"""/classify under AppTest: a review gets a label and tinted words, the model switch, and bad inputs that must
become messages (never a traceback)."""

import re

import pytest
from streamlit.testing.v1 import AppTest

from app import services
from app.i18n import t
from models import registry
from tests.app.conftest import ROOT, assert_clean, open_app

REVIEW_KO = "발연기 도저히 못보겠다 진짜 이렇게 연기를 못할거라곤 상상도 못했네"
ENGLISH = "A wonderful film. I loved every minute of it."
CLASSIFIERS = {e.name: e.card for e in registry.catalog() if e.kind == "classifier"}
ENGLISH_MODEL = next((n for n, c in CLASSIFIERS.items() if c.language == "en"), None)
pytestmark = pytest.mark.skipif("classify-nsmc" not in CLASSIFIERS, reason="the Korean review classifier is missing")


def html(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def label_of(at) -> str | None:
    found = re.search(r'data-testid="al-label">([^<]+)<', html(at))
    return found.group(1) if found else None


def tinted_words(at) -> list[str]:
    return re.findall(r'data-testid="al-word"[^>]*>([^<]*)<', html(at))


def typed(text: str, model: str = "classify-nsmc", lang: str = "en"):
    at = open_app("classify", lang=lang)
    if model != at.selectbox(key="classify_model").value:
        at.selectbox(key="classify_model").set_value(model).run()
    language = CLASSIFIERS[model].language
    at.text_area(key=f"classify_text_{language}").set_value(text).run()
    return at


def test_first_paint_labels_the_default_example_with_tinted_words():
    at = open_app("classify")
    assert_clean(at)
    assert label_of(at) in ("positive", "negative")
    assert tinted_words(at), "no tinted words"


def test_korean_review_gets_a_label_and_every_word_tinted_twice():
    at = typed(REVIEW_KO)
    assert_clean(at)
    assert label_of(at) == "negative"
    words = tinted_words(at)
    assert words == REVIEW_KO.split() * 2  # attention beside Integrated Gradients
    assert 'title="attention ' in html(at)  # hover shows the weight
    assert at.get("plotly_chart"), "no permutation histogram"
    assert any(m.label.startswith("Kendall") for m in at.metric)


def test_korean_interface_says_the_label_in_korean():
    at = typed(REVIEW_KO, lang="ko")
    assert_clean(at)
    assert label_of(at) == "부정"


def test_tint_by_attention_only_shows_each_word_once():
    at = typed(REVIEW_KO)
    at.segmented_control(key="classify_view").set_value("attention").run()
    assert_clean(at)
    assert tinted_words(at) == REVIEW_KO.split()


def test_switching_to_the_baseline_keeps_the_text_and_says_it_has_no_attention():
    at = typed(REVIEW_KO)
    at.selectbox(key="classify_model").set_value("classify-nsmc-none").run()
    assert_clean(at)
    assert label_of(at) == "negative"
    assert tinted_words(at) == REVIEW_KO.split()  # Integrated Gradients only
    assert any("no weights" in i.value for i in at.info)


def test_the_card_numbers_are_on_the_model_tab():
    at = typed(REVIEW_KO)
    assert not any(m.label == "Test accuracy, attention" for m in at.metric)  # only the open tab runs
    at.session_state["classify_tab"] = t("classify.tab_model", lang="en")
    at.run()
    values = {m.label: m.value for m in at.metric}
    assert values["Test accuracy, attention"] == "86.3%"
    assert values["Test accuracy, baseline"] == "86.4%"
    assert len(at.dataframe) >= 2  # by length, flip rates


def test_empty_review_asks_for_one():
    at = typed("   ")
    assert_clean(at)
    assert [i.value for i in at.info] == [t("classify.problem_empty", lang="en")]
    assert label_of(at) is None


@pytest.mark.parametrize("text", ["😀🎉👍", "!!! ??? ...", "♥♥♥ ★★★"])
def test_only_emoji_or_symbols_is_named(text):
    at = typed(text)
    assert_clean(at, errors=True)
    assert [e.value for e in at.error] == [t("classify.problem_no_words", lang="en")]
    assert label_of(at) is None


def test_twenty_thousand_characters_are_read_in_part_with_a_notice():
    at = typed(("연기가 정말 좋았다 " * 2000)[: services.MAX_REVIEW_CHARS])
    assert_clean(at)
    notice = " ".join(i.value for i in at.info)
    assert "the model read 160 of its" in notice and "skipped" in notice
    assert label_of(at) == "positive"
    assert "pieces not read" in html(at)


def test_a_longer_paste_is_cut_by_the_box_and_refused_by_the_check():
    at = typed("좋다 " * 7000)
    assert_clean(at)
    assert len(at.text_area(key="classify_text_ko").value) == services.MAX_REVIEW_CHARS
    assert any("skipped" in i.value for i in at.info)
    model = registry.load_checkpoint("classify-nsmc", device="cpu").model
    problem = services.check_review(model, "좋다 " * 7000, "ko")
    assert problem is not None and problem.level == "error" and problem.params["n"] == 21000


def test_english_into_the_korean_model_names_the_language():
    at = typed(ENGLISH)
    assert_clean(at, errors=True)
    assert "Korean reviews only" in at.error[0].value
    assert label_of(at) is None


def test_emoji_inside_a_korean_review_is_a_note_and_the_review_is_still_read():
    at = typed("정말 재밌어요 😀")
    assert_clean(at)
    assert at.warning and "😀" in at.warning[0].value
    assert label_of(at) == "positive"


@pytest.mark.skipif(ENGLISH_MODEL is None, reason="no English review classifier in assets/models yet")
def test_english_model_labels_an_english_review_and_korean_is_refused():
    at = typed(ENGLISH, model=ENGLISH_MODEL)
    assert_clean(at)
    assert label_of(at) == "positive"
    assert tinted_words(at)
    at.text_area(key="classify_text_en").set_value(REVIEW_KO).run()
    assert_clean(at, errors=True)
    assert "English reviews only" in at.error[0].value


def test_a_shared_link_opens_the_same_review_model_and_view():
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    at.session_state["lang"] = "en"
    at.query_params.update({"model": "classify-nsmc-none", "text": REVIEW_KO, "view": "ig"})
    at.run()
    at.switch_page("app/pages/classify.py").run()
    assert_clean(at)
    assert at.selectbox(key="classify_model").value == "classify-nsmc-none"
    assert at.text_area(key="classify_text_ko").value == REVIEW_KO
    assert label_of(at) == "negative"
