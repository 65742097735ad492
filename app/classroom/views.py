"""/class on screen: the teacher's projector, the student's phone, and the button other pages add.

    from app.classroom import views
    views.ask_about_text(alignment, step, model=name)        # /text: output step ``step`` (0-based)
    views.ask_about_image(result, word, model=name)          # /image: caption word ``word`` (0-based)
    views.start_round_button(question, key="...")            # any rounds.Question

The teacher's view (the join code large, its QR code and link; a live count of answers; reveal, previous, next,
close) needs the round's teacher token, which stays in the teacher's session and URL (``?code=…&t=…``); without
it the same address is a student's. The student's view (``?code=…``) starts with the sidebar collapsed and fits a
phone: tap an input token (text) or a region (image), "answer received", then the reveal and the points.

Every change goes through app/classroom/store.py (the database every process shares); the views poll it with
a fragment on a timer and rerun when the round's revision moved, so a reveal on the projector reaches every
phone within a poll, whichever replica serves it.
"""

from __future__ import annotations

import io
import re
import secrets

import numpy as np
import streamlit as st

from app.classroom import charts, rounds, store
from app.classroom.rounds import Question
from app.classroom.store import ClassStore, RoundState, StoreError
from app.i18n import current_language, t
from app.logic import quiz, whatif
from app.navigation import PAGES
from app.ui import links

__all__ = ["ask_about_image", "ask_about_text", "page", "start_round_button"]

STUDENT, JOINED, TEACHER, CLIENT = "class_student", "class_joined", "class_teacher", "class_client"
POLL_S = 1.5  # how often the teacher's panel counts the answers (and sees a change made elsewhere)
STUDENT_POLL_S = 2.0  # how often a phone redraws the round (a reveal reaches it within this)
BUILTIN_STEPS = (0, 8, 6)  # the date example: the year's first digit, the day's, the month's
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def _md(text: str) -> str:
    """``text`` with Markdown's special characters escaped (a token such as "*" or "#" stays itself)."""
    return _MARKDOWN.sub(r"\\\1", text)


def _page_file():
    return next(spec.file for spec in PAGES if spec.name == "classroom")


# ------------------------------------------------------------------------------------------- the store


@st.cache_resource(show_spinner=False)
def _open_store(url: str) -> ClassStore:
    return ClassStore(url)


def get_store() -> ClassStore | None:
    """The class database of this process, or None with a message when it cannot be opened."""
    try:
        return _open_store(store.database_url())
    except Exception as err:  # a bad $ATTENTION_LENS_DB, a server that is down: the page says so
        st.error(t("class.err_database", problem=f"{type(err).__name__}: {err}"[:300]), icon=":material/database:")
        return None


def _error(err: StoreError) -> None:
    if isinstance(err, store.RateLimited):
        st.error(t("class.err_rate_limited", seconds=max(1, round(err.retry_s))), icon=":material/timer:")
    else:
        st.warning(t(f"class.err_{err.kind}"), icon=":material/info:")


# ---------------------------------------------------------------------------------------- who is asking


def _query() -> dict:
    """``code``, ``t`` and ``me`` from the URL, each checked; a value that does not fit is dropped with a notice."""
    cleaners = {"code": rounds.clean_code, "t": rounds.clean_token, "me": rounds.clean_student}
    values, ignored = {}, []
    for name, clean in cleaners.items():
        raw = st.query_params.get_all(name)
        if not raw:
            continue
        value = clean(raw[0]) if len(raw) == 1 else None
        if value is None:
            ignored.append(name)
            del st.query_params[name]
        else:
            values[name] = value
    links.ignored_notice(ignored)
    return values


def _student_id(given: str | None) -> str:
    """This browser's random id: from the URL when it carries one (a reload, another replica), else new."""
    if given and st.session_state.get(STUDENT) != given:
        st.session_state[STUDENT] = given
    student = st.session_state.setdefault(STUDENT, rounds.new_student_id())
    if st.query_params.get("me") != student:
        st.query_params["me"] = student
    return student


def _clients() -> list[str]:
    """Who is joining, for the rate limit: this session, and the address it comes from. Behind the nginx of
    deploy/ (the connection comes from this machine) that is the last X-Forwarded-For entry, the one nginx
    added; the entries before it are whatever the browser sent, and a header from anyone else is ignored."""
    session = st.session_state.setdefault(CLIENT, secrets.token_hex(8))
    address = st.context.ip_address or "local"  # None on localhost
    if address in ("local", "127.0.0.1", "::1"):
        forwarded = (st.context.headers.get("X-Forwarded-For", "") if st.context.headers else "").split(",")
        address = forwarded[-1].strip() or address
    return [f"s:{session}", f"ip:{address[:64]}"]


# ------------------------------------------------------------------------------------- starting a round


def _teacher_round(db: ClassStore, question: Question) -> tuple[str, str]:
    """Add ``question`` to this teacher's open round, or start a round with it; (code, token)."""
    held = st.session_state.get(TEACHER)
    if held:
        code, token = held
        try:
            if db.state(code).phase != "closed":
                db.add_question(code, token, question)
                return code, token
        except (StoreError, ValueError):
            pass
    code, token = db.create_round([question])
    st.session_state[TEACHER] = (code, token)
    return code, token


def start_round_button(question: Question, key: str = "class_start", label: str | None = None) -> None:
    """A button that puts ``question`` to the class: it becomes the next question of this teacher's round (a new
    round when there is none) and opens /class on the projector view."""
    if not st.button(label or t("class.ask_class"), key=key, icon=":material/groups:", help=t("class.ask_help")):
        return
    db = get_store()
    if db is None:
        return
    code, token = _teacher_round(db, question)
    st.switch_page(_page_file(), query_params={"code": code, "t": token})


def ask_about_text(alignment, step: int, model: str, key: str = "text_ask_class") -> None:
    """/text's hook: "Ask the class" about output step ``step`` (0-based) of ``alignment`` (an Alignment)."""
    if not alignment.target or not 0 <= step < len(alignment.target):
        return
    question = rounds.text_question(alignment.source, alignment.target, alignment.weights, step, model=model)
    start_round_button(question, key=key)


def ask_about_image(result, word: int, model: str, key: str = "image_ask_class") -> None:
    """/image's hook: "Ask the class" about caption word ``word`` (0-based) of ``result`` (a VisualAttention)."""
    if not result.words or not 0 <= word < len(result.words):
        return
    start_round_button(rounds.image_question(result.words, result.weights, word, result.image, model=model), key=key)


def _start_builtin(db: ClassStore, questions: list[Question]) -> None:
    code, token = db.create_round(questions)
    st.session_state[TEACHER] = (code, token)
    st.query_params.update({"code": code, "t": token})
    st.query_params.pop("me", None)


def builtin_text_questions() -> list[Question]:
    """The home page's date example (no model to load): three of its steps."""
    from app import services

    example = services.home_example()
    if example is None:
        return []
    name = "date-additive"  # scripts/home_example.py decodes with it
    steps = [s for s in BUILTIN_STEPS if s < len(example.target)]
    return [rounds.text_question(example.source, example.target, example.weights, s, model=name) for s in steps]


def builtin_image_question(pick: int = 0) -> Question | None:
    """A gallery picture of the shapes captioner, asking about a word that names something."""
    from app import services

    scenes = services.gallery_scenes()
    if not scenes:
        return None
    image = services.render_scene(scenes[pick % len(scenes)])
    result = services.caption_image("caption-shapes", image, 1)[0]
    if not result.words:
        return None
    named = set(services.named_words(result.words))
    skip = [w for k, w in enumerate(result.words) if k not in named]
    word = quiz.pick_word(result.weights, result.words, seed=pick, skip=skip)
    return rounds.image_question(result.words, result.weights, word, result.image, model="caption-shapes")


def _landing(db: ClassStore) -> None:
    st.write(t("class.intro"))
    held = st.session_state.get(TEACHER)
    back = held and db.is_teacher(*held)  # a teacher who left the projector view comes back to it
    if back and st.button(t("class.back_to_round", code=held[0]), key="class_back", icon=":material/co_present:"):
        st.query_params.update({"code": held[0], "t": held[1]})
        st.rerun()
    teach, join = st.columns(2, gap="large")
    with teach, st.container(border=True):
        st.subheader(t("class.teach_title"))
        st.write(t("class.teach_body"))
        if st.button(t("class.start_date"), key="class_start_date", type="primary", icon=":material/calendar_month:"):
            questions = builtin_text_questions()
            if questions:
                _start_builtin(db, questions)
                st.rerun()
            st.warning(t("class.no_example"))
        if st.button(t("class.start_picture"), key="class_start_picture", icon=":material/image:"):
            with st.spinner(t("class.preparing")):
                question = builtin_image_question()
            if question is not None:
                _start_builtin(db, [question])
                st.rerun()
            st.warning(t("class.no_example"))
    with join, st.container(border=True):
        _join_form(db)


def _join_form(db: ClassStore) -> None:
    st.subheader(t("class.join_title"))
    with st.form("class_join_form", border=False):
        typed = st.text_input(t("class.code_label"), key="class_code_input", max_chars=12, placeholder="ABC234")
        pressed = st.form_submit_button(t("class.join"), type="primary", icon=":material/login:", width="stretch")
    if pressed:
        code = rounds.clean_code(typed)
        if code is None:
            st.warning(t("class.err_code_format", n=rounds.CODE_LENGTH))
            return
        try:
            db.join(code, _clients())
        except StoreError as err:
            _error(err)
            return
        st.session_state[JOINED] = code
        st.query_params["code"] = code
        st.query_params.pop("t", None)
        st.rerun()


# ------------------------------------------------------------------------------------------ shared parts


def _prompt(question: Question, big: bool) -> None:
    """What is asked: the output so far with the asked token last, and the question in words."""
    shown = [_md(w) for w in question.written]
    joiner = "" if question.kind == "text" else " "
    written = joiner.join(shown[:-1]) + joiner + f"**:red[{shown[-1]}]**"
    st.markdown(("## " if big else "### ") + written + " …")
    if question.kind == "text":
        st.markdown(t("class.ask_text", token=_md(question.asked), step=question.step + 1))
        st.caption(t("class.input", text=_md("".join(question.tokens))))
    else:
        st.markdown(t("class.ask_image", word=_md(question.asked)))
    if question.model:
        st.caption(t("class.model", model=_md(question.model)))


def _verdict(question: Question, result: store.Result) -> None:
    points = result.points
    if question.kind == "text":
        picked = _md(charts.theme.show_token(question.tokens[result.answer]))
    else:
        picked = f"{charts.column_label(result.answer[1])}{result.answer[0] + 1}"
    if points == quiz.MAX_POINTS:
        st.success(t("class.right", picked=picked, points=points), icon=":material/target:")
    elif points:
        st.info(t("class.close", picked=picked, points=points), icon=":material/near_me:")
    else:
        st.warning(t("class.miss", picked=picked, points=points), icon=":material/explore:")


def _reveal(question: Question, results: list[store.Result], key: str) -> None:
    """The class's guesses beside the model's attention, and the spread of the scores."""
    counts = rounds.tally(question, [r.answer for r in results])
    scores = [r.points for r in results]
    if question.kind == "text":
        spec = charts.compare_bars(
            question,
            counts,
            model=t("class.series_model"),
            klass=t("class.series_class"),
            x_title=t("charts.input_axis"),
            y_title=t("class.share_axis"),
        )
        st.vega_lite_chart(spec=spec, width="stretch", key=f"{key}_bars")
    else:
        left, right = st.columns(2)
        left.image(charts.model_map(question), caption=t("class.model_map", word=question.asked), width="stretch")
        right.image(charts.class_map(question, counts), caption=t("class.class_map"), width="stretch")
    best = np.unravel_index(int(np.argmax(question.attention)), question.attention.shape)
    where = (
        _md(charts.theme.show_token(question.tokens[best[0]]))
        if question.kind == "text"
        else f"{charts.column_label(int(best[1]))}{int(best[0]) + 1}"
    )
    mean = rounds.mean_points(scores)
    st.markdown(
        t("class.summary", n=len(scores), where=where, weight=float(question.attention.max()), mean=mean)
        if scores
        else t("class.summary_none", where=where, weight=float(question.attention.max()))
    )
    if scores:
        spread = charts.spread_bars(rounds.spread(scores), x_title=t("class.points_axis"), y_title=t("class.answers"))
        st.vega_lite_chart(spec=spread, width="stretch", key=f"{key}_spread")


# --------------------------------------------------------------------------------------------- teacher


def _join_link(code: str) -> str:
    base = st.context.url or ""
    base = base.split("?", 1)[0] if base else "/class"
    return f"{base}?code={code}"


def _qr_png(link: str) -> bytes:
    import segno

    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=8, border=2)
    return buffer.getvalue()


def _join_box(code: str) -> None:
    link = _join_link(code)
    st.markdown(t("class.join_at"))
    st.markdown(f"# {code[:3]} {code[3:]}")  # six symbols of rounds.CODE_ALPHABET: nothing to escape
    st.image(_qr_png(link), width=260, caption=t("class.qr_caption"))
    st.code(link, language=None, wrap_lines=True)
    if "://localhost" in link or "://127." in link:
        st.caption(t("class.localhost_note"))


def _teacher(db: ClassStore, code: str, token: str) -> None:
    st.session_state[TEACHER] = (code, token)
    try:
        state = db.state(code)
        question = db.question(code, state.position)
    except StoreError as err:
        _error(err)
        return
    main, side = st.columns([3, 2], gap="large")  # the code on one line, large, at 1280 px
    with side:
        _join_box(code)
        st.caption(t("class.teacher_note"))
    with main:
        st.markdown(
            t("class.progress", n=state.position + 1, total=state.questions, phase=t(f"class.phase_{state.phase}"))
        )
        if state.phase == "closed":
            st.info(t("class.closed_teacher"), icon=":material/flag:")
        _prompt(question, big=True)
        st.fragment(_live_count, run_every=POLL_S)(db, code, state)
        _controls(db, code, token, state)
        if state.phase != "ask":
            try:
                results = db.results(code, state.position, token=token)
            except StoreError as err:
                _error(err)
                return
            _reveal(question, results, key=f"class_teacher_{state.position}")


def _live_count(db: ClassStore, code: str, state: RoundState) -> None:
    """The number of answers, refreshed every POLL_S; the whole view reruns when the round moved elsewhere."""
    try:
        now = db.state(code)
        n = db.count(code, state.position)
    except StoreError:
        st.rerun()
    if now.revision != state.revision:
        st.rerun()
    st.metric(t("class.answers"), n)


def _act(db: ClassStore, action: str, code: str, token: str, position: int = 0) -> None:
    try:
        if action == "reveal":
            db.reveal(code, token)
        elif action == "goto":
            db.goto(code, token, position)
        elif action == "close":
            db.close(code, token)
    except (StoreError, ValueError) as err:
        st.session_state["class_action_error"] = getattr(err, "kind", "error")


def _controls(db: ClassStore, code: str, token: str, state: RoundState) -> None:
    problem = st.session_state.pop("class_action_error", None)
    if problem:
        st.warning(t(f"class.err_{problem}"))
    if state.phase == "closed":
        return
    reveal, forward = st.columns(2)  # two by two: whole labels at a projector's 1280 px
    back, close = st.columns(2)
    reveal.button(
        t("class.reveal"),
        key="class_reveal",
        type="primary",
        icon=":material/visibility:",
        disabled=state.phase != "ask",
        on_click=_act,
        args=(db, "reveal", code, token),
        width="stretch",
    )
    back.button(
        t("class.previous"),
        key="class_previous",
        icon=":material/arrow_back:",
        disabled=state.position == 0,
        on_click=_act,
        args=(db, "goto", code, token, state.position - 1),
        width="stretch",
    )
    forward.button(
        t("class.next"),
        key="class_next",
        icon=":material/arrow_forward:",
        disabled=state.position >= state.questions - 1,
        on_click=_act,
        args=(db, "goto", code, token, state.position + 1),
        width="stretch",
    )
    close.button(
        t("class.close_round"),
        key="class_close",
        icon=":material/stop_circle:",
        on_click=_act,
        args=(db, "close", code, token),
        width="stretch",
    )


# --------------------------------------------------------------------------------------------- student


def _student(db: ClassStore, code: str, given_id: str | None) -> None:
    if st.session_state.get(JOINED) != code:
        try:
            db.join(code, _clients())
        except StoreError as err:
            _error(err)
            st.query_params.pop("code", None)
            _join_form(db)
            return
        st.session_state[JOINED] = code
    student = _student_id(given_id)
    # The round redraws itself on a timer, as a fragment: a reveal on the projector reaches the phone within
    # STUDENT_POLL_S, and a tap reruns only the round (never the whole app, whose page settings would open the
    # sidebar again on some phones).
    st.fragment(_student_round, run_every=STUDENT_POLL_S)(db, code, student)


def _student_round(db: ClassStore, code: str, student: str) -> None:
    try:
        state, question, mine = db.student_view(code, student)
    except StoreError as err:
        _error(err)
        return
    st.caption(t("class.joined", code=code, n=state.position + 1, total=state.questions))
    if state.phase == "closed":
        _finished(db, code, student, state)
        return
    _prompt(question, big=False)
    if state.phase == "ask":
        _answer_input(db, code, student, state, question, mine)
        return
    if mine is None:
        st.info(t("class.no_answer"), icon=":material/schedule:")
    else:
        _verdict(question, mine)
    try:
        results = db.results(code, state.position)
    except StoreError as err:
        _error(err)
        return
    _reveal(question, results, key=f"class_student_{state.position}")


def _send(db: ClassStore, code: str, student: str, position: int, value: object) -> None:
    if value is None:
        return
    try:
        db.answer(code, student, position, value)
        st.session_state["class_sent"] = (code, position)
    except StoreError as err:
        st.session_state["class_send_error"] = err.kind


def _answer_input(
    db: ClassStore, code: str, student: str, state: RoundState, question: Question, mine: store.Result | None
) -> None:
    problem = st.session_state.pop("class_send_error", None)
    if problem:
        st.warning(t(f"class.err_{problem}"))
    prefix = f"class_answer_{code}_{state.position}"
    if question.kind == "text":
        key = f"{prefix}_token"
        if mine is not None and key not in st.session_state:
            st.session_state[key] = mine.answer
        labels = whatif.option_labels([charts.theme.show_token(s) for s in question.tokens])
        st.pills(
            t("class.tap_token"),
            list(range(len(question.tokens))),
            key=key,
            format_func=labels.__getitem__,
            on_change=lambda: _send(db, code, student, state.position, st.session_state.get(key)),
        )
    else:
        h, w = question.attention.shape
        row_key, col_key = f"{prefix}_row", f"{prefix}_col"
        if mine is not None and row_key not in st.session_state:
            st.session_state[row_key], st.session_state[col_key] = mine.answer
        chosen = (st.session_state.get(row_key), st.session_state.get(col_key))
        picked = chosen if None not in chosen else None
        st.image(charts.grid_picture(question, picked), width="stretch")
        st.pills(t("class.column"), list(range(w)), key=col_key, format_func=charts.column_label)
        st.pills(t("class.row"), list(range(h)), key=row_key, format_func=lambda r: str(r + 1))
        st.button(
            t("class.send"),
            key=f"{prefix}_send",
            type="primary",
            icon=":material/send:",
            disabled=picked is None,
            on_click=lambda: _send(db, code, student, state.position, picked),
            width="stretch",
        )
    if mine is not None:  # read after the tap's callback ran: the answer just sent
        if question.kind == "text":
            picked = _md(charts.theme.show_token(question.tokens[mine.answer]))
        else:
            picked = f"{charts.column_label(mine.answer[1])}{mine.answer[0] + 1}"
        st.success(t("class.received", picked=picked), icon=":material/check_circle:")


def _finished(db: ClassStore, code: str, student: str, state: RoundState) -> None:
    total = 0
    for position in range(state.questions):
        mine = db.my_answer(code, student, position)
        total += mine.points if mine else 0
    st.info(t("class.closed_student", points=total, max=quiz.MAX_POINTS * state.questions), icon=":material/flag:")


# ------------------------------------------------------------------------------------------------ page


def page() -> None:
    """/class: the landing (start or join), the teacher's view, or the student's, by the URL."""
    current_language()
    query = _query()
    code, token = query.get("code"), query.get("t")
    if code and not token:
        st.set_page_config(initial_sidebar_state="collapsed")  # a phone: the round, not the menu
    st.title(t("class.title"))
    db = get_store()
    if db is None:
        return
    if code and token:
        if db.is_teacher(code, token):
            _teacher(db, code, token)
            return
        st.warning(t("class.err_not_teacher"), icon=":material/key_off:")
        st.query_params.pop("t", None)
    if code:
        _student(db, code, query.get("me"))
        return
    _landing(db)
