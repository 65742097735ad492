"""The class database (app/classroom/store.py) on SQLite always, and on PostgreSQL when one can be reached:
$ATTENTION_LENS_TEST_PG (a postgresql:// URL), or the server that scripts/ensure_postgres.sh starts.

The rules of a round: one answer per student and question, the teacher's token for every change, no answer
outside its question's asking, a wrong code rate-limited, one class's round out of another's reach, expiry,
a versioned schema, and answers from several processes at once each counted once."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

from app.classroom import rounds, store
from app.classroom.store import ClassStore

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "ensure_postgres.sh"
TOKENS = list("TUESDAY 1984")
TARGET = list("1984-09-25")
T0 = 1_900_000_000.0  # a fixed clock


def question(step: int = 0, peak: int = 8) -> rounds.Question:
    weights = np.tile(0.01 * np.arange(1, len(TOKENS) + 1), (len(TARGET), 1))  # token 0 has the least weight
    weights[:, peak] = 1.0
    return rounds.text_question(TOKENS, TARGET, weights / weights.sum(1, keepdims=True), step)


def postgres_url() -> tuple[str | None, bool]:
    """(a PostgreSQL to test on, whether this call started it), or (None, False)."""
    url = os.environ.get("ATTENTION_LENS_TEST_PG")
    if url:
        return url, False
    found = subprocess.run(["bash", str(SCRIPT), "--url"], capture_output=True, text=True, timeout=300)
    if found.returncode != 0 or not found.stdout.strip():
        return None, False
    return found.stdout.strip().splitlines()[-1], "started PostgreSQL" in found.stderr


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def url(request, tmp_path_factory):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('class') / 'class.sqlite3'}"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed (requirements.txt)")
    found, started = postgres_url()
    if not found:
        pytest.skip("no PostgreSQL here: set ATTENTION_LENS_TEST_PG, or let scripts/ensure_postgres.sh install it")
    if started:  # leave the machine as it was
        request.addfinalizer(lambda: subprocess.run(["bash", str(SCRIPT), "--stop"], timeout=60))
    return store.database_url({store.ENV: found})


@pytest.fixture
def db(url):
    s = ClassStore(url)
    yield s
    s.dispose()


def test_the_schema_is_versioned_and_migrating_again_changes_nothing(db):
    assert db.schema_version() == store.SCHEMA_VERSION
    assert db.migrate() == store.SCHEMA_VERSION  # found at the current version: nothing to do
    names = set(sa.inspect(db.engine).get_table_names())
    assert {"al_schema", "al_rounds", "al_questions", "al_answers", "al_join_failures"} <= names


def test_a_database_newer_than_the_code_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    ClassStore(url).dispose()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.update(store.schema_table).values(version=store.SCHEMA_VERSION + 1))
    engine.dispose()
    with pytest.raises(RuntimeError, match="schema"):
        ClassStore(url)


def test_sqlite_runs_in_wal_mode(tmp_path):
    s = ClassStore(f"sqlite:///{tmp_path / 'wal.sqlite3'}")
    with s.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    s.dispose()


def test_the_default_database_is_a_file_under_data_and_the_variable_names_another():
    assert store.database_url({}) == f"sqlite:///{store.DEFAULT_FILE}"
    assert store.DEFAULT_FILE.parent.name == "data"
    assert store.database_url({store.ENV: "sqlite:////tmp/x.db"}) == "sqlite:////tmp/x.db"
    assert store.database_url({store.ENV: "postgres://u@h/db"}).startswith("postgresql")
    with pytest.raises(ValueError):
        store.database_url({store.ENV: "mysql://u@h/db"})


def test_a_round_from_start_to_reveal(db):
    code, token = db.create_round([question(0), question(1, peak=9)], now=T0)
    state = db.join(code, ["s:a"], now=T0)
    assert (state.position, state.phase, state.questions) == (0, "ask", 2)
    assert db.answer(code, "student-aaaaaaaaaaaa", 0, 8, now=T0) == 2
    assert db.answer(code, "student-bbbbbbbbbbbb", 0, 0, now=T0) == 0
    assert db.count(code, 0, now=T0) == 2
    assert db.my_answer(code, "student-aaaaaaaaaaaa", 0, now=T0) == store.Result(8, 2)
    assert db.reveal(code, token, now=T0).phase == "reveal"
    results = db.results(code, 0, now=T0)  # anyone may see them now
    assert sorted(r.answer for r in results) == [0, 8]
    assert db.goto(code, token, 1, now=T0).phase == "ask"
    assert db.answer(code, "student-aaaaaaaaaaaa", 1, 9, now=T0) == 2
    assert db.goto(code, token, 0, now=T0).phase == "reveal"  # back to a revealed question: still revealed
    db.close(code, token, now=T0)
    assert db.state(code, now=T0).phase == "closed"


def test_answering_again_replaces_the_answer(db):
    code, _ = db.create_round([question()], now=T0)
    student = rounds.new_student_id()
    db.answer(code, student, 0, 0, now=T0)
    db.answer(code, student, 0, 8, now=T0 + 1)
    assert db.count(code, 0, now=T0) == 1
    assert db.my_answer(code, student, 0, now=T0).answer == 8


def test_no_answer_counts_once_revealed_or_for_another_question(db):
    code, token = db.create_round([question(0), question(1)], now=T0)
    with pytest.raises(store.NotAsking):
        db.answer(code, rounds.new_student_id(), 1, 8, now=T0)  # not shown yet
    db.reveal(code, token, now=T0)
    with pytest.raises(store.NotAsking):
        db.answer(code, rounds.new_student_id(), 0, 8, now=T0)
    assert db.count(code, 0, now=T0) == 0


@pytest.mark.parametrize("bad", [-1, 12, "12", "x", None, (1, 2), True])
def test_an_answer_out_of_range_is_refused(db, bad):
    code, _ = db.create_round([question()], now=T0)
    with pytest.raises(store.BadAnswer):
        db.answer(code, rounds.new_student_id(), 0, bad, now=T0)
    with pytest.raises(store.Forbidden):
        db.answer(code, "no", 0, 1, now=T0)  # not a student id
    assert db.count(code, 0, now=T0) == 0


def test_only_the_teachers_token_reveals_moves_and_closes(db):
    code, token = db.create_round([question(0), question(1)], now=T0)
    for wrong in (None, "", rounds.new_token(), token[:-1] + ("A" if token[-1] != "A" else "B")):
        with pytest.raises(store.Forbidden):
            db.reveal(code, wrong, now=T0)
        with pytest.raises(store.Forbidden):
            db.goto(code, wrong, 1, now=T0)
        with pytest.raises(store.Forbidden):
            db.close(code, wrong, now=T0)
        with pytest.raises(store.Forbidden):
            db.add_question(code, wrong, question(2), now=T0)
        assert not db.is_teacher(code, wrong, now=T0)
    assert db.is_teacher(code, token, now=T0)
    assert db.state(code, now=T0).phase == "ask"


def test_a_student_cannot_see_the_class_before_the_reveal(db):
    code, token = db.create_round([question()], now=T0)
    db.answer(code, rounds.new_student_id(), 0, 8, now=T0)
    with pytest.raises(store.Forbidden):
        db.results(code, 0, now=T0)
    assert len(db.results(code, 0, token=token, now=T0)) == 1  # the teacher can


def test_one_classs_round_is_out_of_another_classs_reach(db):
    code_a, token_a = db.create_round([question()], now=T0)
    code_b, token_b = db.create_round([question()], now=T0)
    assert code_a != code_b
    db.answer(code_a, rounds.new_student_id(), 0, 8, now=T0)
    assert (db.count(code_a, 0, now=T0), db.count(code_b, 0, now=T0)) == (1, 0)
    with pytest.raises(store.Forbidden):
        db.reveal(code_b, token_a, now=T0)  # a's teacher token means nothing to b
    db.reveal(code_a, token_a, now=T0)
    assert db.state(code_b, now=T0).phase == "ask"
    with pytest.raises(store.Forbidden):
        db.results(code_b, 0, now=T0)


def test_a_teacher_adds_a_question_and_it_is_asked(db):
    code, token = db.create_round([question(0)], now=T0)
    db.reveal(code, token, now=T0)
    assert db.add_question(code, token, question(3), now=T0) == 1
    state = db.state(code, now=T0)
    assert (state.position, state.phase, state.questions) == (1, "ask", 2)
    assert db.question(code, 1, now=T0).asked == "4"


def test_wrong_codes_are_rate_limited_per_client(db):
    code, _ = db.create_round([question()], now=T0)
    wrong = "ZZZZZZ" if code != "ZZZZZZ" else "YYYYYY"
    for i in range(store.JOIN_LIMITS["s"]):
        with pytest.raises(store.NotFound):
            db.join(wrong, ["s:guesser"], now=T0 + i)
    with pytest.raises(store.RateLimited) as limited:
        db.join(code, ["s:guesser"], now=T0 + 10)  # even the right code, for a while
    assert 0 < limited.value.retry_s <= store.JOIN_WINDOW_S
    assert db.join(code, ["s:someone-else"], now=T0 + 10).code == code
    assert db.join(code, ["s:guesser"], now=T0 + store.JOIN_WINDOW_S + 1).code == code  # the window passed


def test_a_round_expires_and_is_deleted(db):
    code, _ = db.create_round([question()], now=T0)
    db.answer(code, rounds.new_student_id(), 0, 8, now=T0)
    assert db.state(code, now=T0 + store.ROUND_TTL_S - 1).phase == "ask"
    with pytest.raises(store.NotFound):
        db.state(code, now=T0 + store.ROUND_TTL_S + 1)
    assert db.purge_expired(now=T0 + store.ROUND_TTL_S + 1) >= 1
    with db.engine.connect() as conn:
        left = conn.execute(sa.select(sa.func.count()).select_from(store.answers_table)).scalar()
        rounds_left = conn.execute(sa.select(sa.func.count()).where(store.rounds_table.c.code == code)).scalar()
    assert rounds_left == 0 and left is not None


def test_malformed_codes_find_nothing(db):
    for bad in ("", "abc", "'; DROP TABLE al_rounds; --", "ABCDE0"):
        with pytest.raises(store.NotFound):
            db.state(bad, now=T0)
    assert "al_rounds" in sa.inspect(db.engine).get_table_names()


WORKER = textwrap.dedent(
    """
    import sys
    from app.classroom.store import ClassStore
    url, code, first, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    db = ClassStore(url)
    for i in range(first, first + n):
        student = f"student-{i:012d}"
        db.answer(code, student, 0, i % 12)
        db.answer(code, student, 0, 8)  # answering again replaces
    print("ok")
    """
)


def test_answers_from_several_processes_at_once_each_count_once(url):
    db = ClassStore(url)
    code, token = db.create_round([question()])
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, url, code, str(k * 25), "25"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k in range(4)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, [err[-800:] for _, err in outputs]
    results = db.results(code, 0, token=token)
    assert len(results) == db.count(code, 0) == 100
    assert all(r.answer == 8 and r.points == 2 for r in results)
    db.dispose()


def test_a_phones_view_is_the_state_the_question_and_its_own_answer(db):
    code, token = db.create_round([question(0), question(3)], now=T0)
    student = rounds.new_student_id()
    state, asked, mine = db.student_view(code, student, now=T0)
    assert (state.position, state.phase, asked.asked, mine) == (0, "ask", "1", None)
    db.answer(code, student, 0, 8, now=T0)
    assert db.student_view(code, student, now=T0)[2] == store.Result(8, 2)
    db.goto(code, token, 1, now=T0)
    state, asked, mine = db.student_view(code, student, now=T0)
    assert (state.position, asked.asked, mine) == (1, "4", None)


OPENER = textwrap.dedent(
    """
    import sys
    from app.classroom.store import ClassStore
    print(ClassStore(sys.argv[1]).schema_version())
    """
)


def test_processes_opening_a_new_database_at_once_create_it_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    procs = [
        subprocess.Popen([sys.executable, "-c", OPENER, url], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, [err[-600:] for _, err in outputs]
    assert {out.strip() for out, _ in outputs} == {str(store.SCHEMA_VERSION).encode()}
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(store.schema_table)).scalar() == 1
    engine.dispose()


def test_a_database_at_an_older_version_is_migrated_step_by_step(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    ClassStore(url).dispose()
    steps = []
    monkeypatch.setattr(store, "SCHEMA_VERSION", 2)
    monkeypatch.setitem(store.MIGRATIONS, 2, lambda conn: steps.append(2))
    db = ClassStore(url)
    assert steps == [2] and db.schema_version() == 2
    assert db.migrate() == 2 and steps == [2]  # already there: nothing runs again
    db.dispose()
