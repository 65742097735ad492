"""/class in AppTest: the landing, a teacher's round from the built-in date example, students joining by URL,
answering, the reveal, and bad input (a hostile code, an unknown one, a wrong teacher key, wrong codes typed
until the rate limit). Each test has its own SQLite file (ATTENTION_LENS_DB)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app.classroom import store
from app.classroom.store import ClassStore
from app.i18n import t
from app.navigation import PAGES
from tests.app.conftest import ROOT, assert_clean, open_app

PAGE = str(next(spec.file for spec in PAGES if spec.name == "classroom"))


@pytest.fixture
def db_url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'class.sqlite3'}"
    monkeypatch.setenv(store.ENV, url)
    return url


def open_class(query: dict | None = None, lang: str = "en") -> AppTest:
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    at.session_state["lang"] = lang
    for name, value in (query or {}).items():
        at.query_params[name] = value
    at.run()
    at.switch_page(PAGE)
    at.run()
    return at


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [a.value for kind in ("success", "info", "warning", "error") for a in getattr(at, kind)]
    return "\n".join(parts)


def teacher_round(at: AppTest) -> tuple[str, str]:
    at.button(key="class_start_date").click().run()
    assert_clean(at)
    return one(at.query_params["code"]), one(at.query_params["t"])


def one(value) -> str:
    return value if isinstance(value, str) else value[0]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_landing_offers_to_teach_and_to_join(db_url, lang):
    at = open_class(lang=lang)
    assert_clean(at)
    assert at.title[0].value == t("class.title", lang=lang)
    assert at.button(key="class_start_date").label == t("class.start_date", lang=lang)
    assert at.text_input(key="class_code_input") is not None


def test_a_teacher_starts_the_date_round_and_sees_code_qr_and_count(db_url):
    at = open_class()
    code, token = teacher_round(at)
    assert len(code) == 6 and len(token) >= 32
    shown = texts(at)
    assert code[:3] in shown and code[3:] in shown
    assert t("class.answers", lang="en") in [m.label for m in at.metric]
    assert at.metric[0].value == "0"
    assert len(at.get("image")) >= 1  # the QR code
    assert not at.button(key="class_reveal").disabled and at.button(key="class_previous").disabled
    state = ClassStore(db_url).state(code)
    assert (state.questions, state.phase) == (3, "ask")


def test_students_answer_and_the_reveal_shows_their_points(db_url):
    teacher = open_class()
    code, token = teacher_round(teacher)
    students = [open_class({"code": code}, lang=lang) for lang in ("en", "ko")]
    for student, pick in zip(students, (24, 0), strict=True):  # 24: the "9" of 1984, where step 1 looks
        assert_clean(student)
        pills = next(p for p in student.get("button_group") if str(p.key).endswith("_token"))
        student.pills(key=pills.key).set_value(pick).run()
        assert_clean(student)
        assert student.success, texts(student)
    assert ClassStore(db_url).count(code, 0) == 2
    # answering again replaces the answer: still two
    pills = next(p for p in students[1].get("button_group") if str(p.key).endswith("_token"))
    students[1].pills(key=pills.key).set_value(23).run()  # the "1" of 1984
    assert ClassStore(db_url).count(code, 0) == 2
    teacher.run()
    assert teacher.metric[0].value == "2"
    teacher.button(key="class_reveal").click().run()
    assert_clean(teacher)
    assert (
        len(teacher.get("vega_lite_chart") or teacher.get("arrow_vega_lite_chart")) == 2
    )  # the class beside the model, the spread of scores
    for student in students:
        student.run()
        assert_clean(student)
    assert t("class.right", lang="en", picked="9", points=2) in texts(students[0])
    verdicts = [*students[1].success, *students[1].info, *students[1].warning]
    assert any("**1**" in v.value for v in verdicts), texts(students[1])  # their own pick, with its points
    teacher.button(key="class_next").click().run()
    assert_clean(teacher)
    assert ClassStore(db_url).state(code).position == 1


def test_a_student_cannot_reveal_with_a_wrong_teacher_key(db_url):
    code, _ = teacher_round(open_class())
    at = open_class({"code": code, "t": "A" * 32})
    assert_clean(at)
    assert t("class.err_not_teacher", lang="en") in texts(at)
    assert not [b for b in at.button if b.key == "class_reveal"]
    assert ClassStore(db_url).state(code).phase == "ask"


@pytest.mark.parametrize("hostile", ["'; DROP TABLE al_rounds; --", "<script>alert(1)</script>", "ABC"])
def test_a_hostile_code_in_the_url_is_ignored_with_a_notice(db_url, hostile):
    at = open_class({"code": hostile, "me": "../../etc/passwd"})
    assert_clean(at)
    assert "“code”" in texts(at) and "“me”" in texts(at)
    assert at.button(key="class_start_date") is not None  # the landing


def test_an_unknown_code_says_so(db_url):
    at = open_class({"code": "ZZZ222"})
    assert_clean(at)
    assert t("class.err_not_found", lang="en") in texts(at)


def submit_code(at: AppTest, code: str) -> None:
    at.text_input(key="class_code_input").input(code)
    next(b for b in at.get("button") if "FormSubmitter" in str(b.id)).click().run()


def test_wrong_codes_typed_are_refused_then_rate_limited(db_url):
    at = open_class()
    submit_code(at, "nope")
    assert t("class.err_code_format", lang="en", n=6) in texts(at)
    for _ in range(store.JOIN_LIMITS["s"]):
        submit_code(at, "ZZZ222")
        assert_clean(at, errors=True)
        assert t("class.err_not_found", lang="en") in texts(at) or at.error
    submit_code(at, "ZZZ222")
    assert any("Too many wrong codes" in e.value for e in at.error), texts(at)


def test_a_right_code_typed_joins_the_round(db_url):
    code, _ = teacher_round(open_class())
    at = open_class()
    submit_code(at, code.lower()[:3] + " " + code.lower()[3:])
    assert_clean(at)
    assert one(at.query_params["code"]) == code
    assert t("class.tap_token", lang="en") in [p.label for p in at.get("button_group")]


def _asking_app() -> None:
    """A page with the hook /text and /image add, beside /class."""
    import numpy as np
    import streamlit as st

    from app.classroom import rounds, views
    from app.navigation import PAGES

    def asker() -> None:
        from models.results import Alignment

        weights = np.eye(3)[[2, 0]]  # (2 steps, 3 tokens)
        views.start_round_button(rounds.text_question(list("abc"), list("xy"), weights, 1, model="toy"), key="ask")
        alignment = Alignment(source=list("abc"), target=list("xy"), weights=weights, score=0.0)
        views.ask_about_text(alignment, 0, model="toy", key="ask_text")

    page = next(spec.file for spec in PAGES if spec.name == "classroom")
    st.navigation([st.Page(asker, title="asker", default=True), st.Page(page, url_path="class")]).run()


def test_the_ask_the_class_button_starts_a_round_on_the_projector(db_url):
    at = AppTest.from_function(_asking_app, default_timeout=60)
    at.run()
    at.button(key="ask").click().run()
    assert_clean(at)
    code, token = one(at.query_params["code"]), one(at.query_params["t"])
    db = ClassStore(db_url)
    assert db.is_teacher(code, token) and db.question(code, 0).asked == "y"
    assert [b for b in at.button if b.key == "class_reveal"]  # the teacher's view


def test_a_picture_round_takes_a_region_and_reveals_both_maps(db_url):
    teacher = open_class()
    teacher.button(key="class_start_picture").click().run(timeout=180)
    assert_clean(teacher)
    code = one(teacher.query_params["code"])
    question = ClassStore(db_url).question(code, 0)
    assert question.kind == "image" and question.attention.ndim == 2
    student = open_class({"code": code})
    assert_clean(student)
    send = next(b for b in student.button if str(b.key).endswith("_send"))
    assert send.disabled  # nothing picked yet
    row, col = divmod(int(question.attention.argmax()), question.attention.shape[1])
    student.pills(key=send.key.replace("_send", "_row")).set_value(row)
    student.pills(key=send.key.replace("_send", "_col")).set_value(col).run()
    next(b for b in student.button if str(b.key).endswith("_send")).click().run()
    assert_clean(student)
    assert student.success, texts(student)
    teacher.run()
    teacher.button(key="class_reveal").click().run()
    assert_clean(teacher)
    assert len(teacher.get("image")) >= 3  # the QR code, the model's map, the class's map
    student.run()
    assert t("class.right", lang="en", picked=f"{chr(65 + col)}{row + 1}", points=2) in texts(student)


def test_the_text_hook_asks_about_one_step_of_an_alignment(db_url):
    at = AppTest.from_function(_asking_app, default_timeout=60)
    at.run()
    assert_clean(at)
    at.button(key="ask_text").click().run()
    assert_clean(at)
    code = one(at.query_params["code"])
    asked = ClassStore(db_url).question(code, 0)
    assert (asked.asked, asked.tokens, int(asked.attention.argmax())) == ("x", tuple("abc"), 2)


def test_a_teacher_who_leaves_the_round_finds_the_way_back(db_url):
    at = open_class()
    code, token = teacher_round(at)
    at.query_params.clear()
    at.run()
    assert_clean(at)
    at.button(key="class_back").click().run()
    assert_clean(at)
    assert (one(at.query_params["code"]), one(at.query_params["t"])) == (code, token)
    assert [b for b in at.button if b.key == "class_reveal"]


def test_text_asks_the_class_about_the_step_on_its_slider(db_url):
    at = open_app("text")
    at.session_state["text_tab"] = "Step by step"  # only the open tab runs
    at.run()
    at.slider(key="text_steps_step").set_value(3).run()
    at.button(key="text_ask_class").click().run()
    assert_clean(at)
    asked = ClassStore(db_url).question(one(at.query_params["code"]), 0)
    assert asked.kind == "text" and asked.asked == "1994-09-27"[2]  # the third character written


def test_image_asks_the_class_about_the_word_on_its_slider(db_url):
    at = open_app("image")
    assert_clean(at)
    caption = next(m.value for m in at.markdown if 'data-testid="al-caption"' in m.value)
    at.button(key="image_ask_class").click().run()
    assert_clean(at)
    asked = ClassStore(db_url).question(one(at.query_params["code"]), 0)
    assert asked.kind == "image" and asked.attention.ndim == 2
    assert asked.asked and asked.asked in caption
