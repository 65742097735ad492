"""What a class shares: rounds, their questions and every student's answer, in a real database through
SQLAlchemy Core. No streamlit here.

By default one SQLite file, ``data/classroom.sqlite3`` (git-ignored), in WAL mode with a busy timeout, so the
processes of ``make serve REPLICAS=N`` on one machine share it; ``ATTENTION_LENS_DB=postgresql://user@host/db``
puts the same tables on PostgreSQL (a school's server, or several machines behind one nginx), and
``ATTENTION_LENS_DB=sqlite:////path/file.db`` moves the file. The schema is versioned in ``al_schema`` and
migrated when a store opens (under a lock: SQLite's write lock, PostgreSQL's advisory lock). Every statement is
built by SQLAlchemy with bound parameters; nothing is string-formatted into SQL.

The rules of a round live here, in one transaction each, so that they hold whatever process serves a session:

- one answer per student and question (answering again replaces it): the primary key (round, question,
  student) and an upsert; an answer counts only while its question is being asked;
- revealing, moving and closing need the round's teacher token (kept as its SHA-256 only);
- join attempts with a wrong code are counted per client and refused past a limit (``RateLimited``);
- rounds expire ``ROUND_TTL_S`` after their last change and are then deleted.

    store = ClassStore()                          # the default database
    code, token = store.create_round([question])  # the teacher
    store.join(code, clients=["s:abc"])           # a student: the round's state, or NotFound / RateLimited
    store.answer(code, student_id, 0, 7)          # -> the points
    store.reveal(code, token)
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import (
    Column,
    Engine,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from app.classroom import rounds
from app.classroom.rounds import Answer, Question

__all__ = [
    "ENV",
    "ROUND_TTL_S",
    "SCHEMA_VERSION",
    "ClassStore",
    "Forbidden",
    "NotAsking",
    "NotFound",
    "RateLimited",
    "Result",
    "RoundState",
    "StoreError",
    "database_url",
]

ENV = "ATTENTION_LENS_DB"
ROOT = Path(__file__).resolve().parents[2]
DEFAULT_FILE = ROOT / "data" / "classroom.sqlite3"
SCHEMA_VERSION = 1
ROUND_TTL_S = 24 * 3600.0  # a round untouched for a day is deleted
MAX_QUESTIONS = 50  # in one round
JOIN_WINDOW_S = 60.0  # join attempts with a wrong code are counted over this window ...
JOIN_LIMITS = {"s": 10, "ip": 60}  # ... per client kind: a browser session, an address (a class behind one NAT)
PHASES = ("ask", "reveal", "closed")

metadata = MetaData()
schema_table = Table(
    "al_schema",
    metadata,
    Column("id", Integer, primary_key=True),  # one row: id 1
    Column("version", Integer, nullable=False),
)
rounds_table = Table(
    "al_rounds",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code", String(8), nullable=False, unique=True),
    Column("teacher_hash", String(64), nullable=False),
    Column("position", Integer, nullable=False),  # the question shown (0-based)
    Column("phase", String(8), nullable=False),  # "ask" | "reveal" | "closed"
    Column("revision", Integer, nullable=False),  # +1 at every change a view must redraw for
    Column("created", Float, nullable=False),
    Column("expires", Float, nullable=False, index=True),
)
questions_table = Table(
    "al_questions",
    metadata,
    Column("round_id", Integer, ForeignKey("al_rounds.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("body", Text, nullable=False),  # Question.to_json()
)
answers_table = Table(
    "al_answers",
    metadata,
    Column("round_id", Integer, ForeignKey("al_rounds.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("student", String(64), primary_key=True),
    Column("answer", String(16), nullable=False),  # rounds.encode_answer
    Column("points", Integer, nullable=False),
    Column("answered", Float, nullable=False),
)
joins_table = Table(
    "al_join_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client", String(160), nullable=False, index=True),
    Column("at", Float, nullable=False, index=True),
)


def _v1(conn) -> None:
    """Version 1: rounds, questions, answers, failed joins."""
    metadata.create_all(conn, tables=[rounds_table, questions_table, answers_table, joins_table], checkfirst=True)


MIGRATIONS = {1: _v1}  # version -> the step that brings the schema from version - 1 to it


# -------------------------------------------------------------------------------------------------- errors


class StoreError(Exception):
    """A request the round refuses; ``kind`` names why (the page shows t(f"class.err_{kind}"))."""

    kind = "error"


class NotFound(StoreError):
    """No round has this code (never had, expired, or deleted)."""

    kind = "not_found"


class Forbidden(StoreError):
    """The teacher's token is missing or wrong, or the results are not revealed yet."""

    kind = "forbidden"


class NotAsking(StoreError):
    """The question is not being asked (revealed, moved on, or the round is closed): no answer counts."""

    kind = "not_asking"


class BadAnswer(StoreError):
    """The answer is not one of the question's tokens or regions."""

    kind = "bad_answer"


class RateLimited(StoreError):
    """Too many join attempts with a wrong code from this client: wait ``retry_s`` seconds."""

    kind = "rate_limited"

    def __init__(self, retry_s: float) -> None:
        super().__init__(f"too many wrong codes: try again in {retry_s:.0f} s")
        self.retry_s = retry_s


# -------------------------------------------------------------------------------------------------- values


@dataclass(frozen=True)
class RoundState:
    """A round as a view draws it (without the teacher's token)."""

    code: str
    position: int  # the question shown, 0-based
    phase: str  # "ask" | "reveal" | "closed"
    questions: int  # how many the round has
    revision: int
    expires: float

    @property
    def asking(self) -> bool:
        return self.phase == "ask"


@dataclass(frozen=True)
class Result:
    """One answer, anonymous: what was picked and its points."""

    answer: Answer
    points: int


# ---------------------------------------------------------------------------------------------- the engine


def database_url(environ: dict | None = None) -> str:
    """The database to use: $ATTENTION_LENS_DB, or the SQLite file under data/. A PostgreSQL URL without a
    driver uses psycopg (version 3) when it is installed."""
    url = (environ if environ is not None else os.environ).get(ENV, "").strip()
    if not url:
        return f"sqlite:///{DEFAULT_FILE}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        with contextlib.suppress(ImportError):
            import psycopg  # noqa: F401

            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if not url.startswith(("sqlite:", "postgresql")):
        raise ValueError(f"{ENV} must be a sqlite:/// or postgresql:// URL")
    return url


def make_engine(url: str) -> Engine:
    """An engine for ``url``: SQLite in WAL mode with a 30 s busy timeout, writes under BEGIN IMMEDIATE (so two
    processes never deadlock upgrading a read lock); PostgreSQL with a pool that checks its connections."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
    path = url.split(":///", 1)[1] if ":///" in url else ""
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # pysqlite's own BEGIN off: SQLAlchemy's "begin" below does it
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "busy_timeout=30000", "foreign_keys=ON", "synchronous=NORMAL"):
            cursor.execute(f"PRAGMA {pragma}")  # constants, no input
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("al_write") else "BEGIN")

    return engine


# ------------------------------------------------------------------------------------------------ the store


class ClassStore:
    """The rounds of every class, in the database at ``url`` (default: ``database_url()``)."""

    def __init__(self, url: str | None = None, ttl_s: float = ROUND_TTL_S) -> None:
        self.url = url or database_url()
        self.engine = make_engine(self.url)
        self.dialect = self.engine.dialect.name
        self.ttl_s = ttl_s
        self._questions: OrderedDict[tuple[int, int], Question] = OrderedDict()  # immutable once stored
        self._lock = threading.Lock()
        self.migrate()
        self.purge_expired()

    # ---------------------------------------------------------------- transactions and the schema

    @contextlib.contextmanager
    def _write(self) -> Iterator:
        """A transaction that writes: SQLite takes its write lock at the start (BEGIN IMMEDIATE)."""
        with self.engine.connect() as conn:
            conn.execution_options(al_write=True)
            with conn.begin():
                yield conn

    @contextlib.contextmanager
    def _read(self) -> Iterator:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def migrate(self) -> int:
        """Bring the schema to SCHEMA_VERSION (each missing step in order, in one locked transaction); return
        the version found before. A database newer than this code is refused, not touched."""
        for attempt in range(5):  # two processes creating the same tables at once: the loser retries
            try:
                with self._write() as conn:
                    if self.dialect == "postgresql":
                        conn.execute(select(func.pg_advisory_xact_lock(0x41_4C_43_4C)))  # "ALCL"
                    schema_table.create(conn, checkfirst=True)
                    found = conn.execute(select(schema_table.c.version).where(schema_table.c.id == 1)).scalar()
                    found = int(found or 0)
                    if found > SCHEMA_VERSION:
                        raise RuntimeError(f"the class database has schema {found}; this code knows {SCHEMA_VERSION}")
                    for version in range(found + 1, SCHEMA_VERSION + 1):
                        MIGRATIONS[version](conn)
                    if found == 0:
                        conn.execute(insert(schema_table).values(id=1, version=SCHEMA_VERSION))
                    elif found < SCHEMA_VERSION:
                        conn.execute(update(schema_table).where(schema_table.c.id == 1).values(version=SCHEMA_VERSION))
                    return found
            except IntegrityError:
                if attempt == 4:
                    raise
                time.sleep(0.1 * (attempt + 1))
        return SCHEMA_VERSION

    def schema_version(self) -> int:
        with self._read() as conn:
            return int(conn.execute(select(schema_table.c.version).where(schema_table.c.id == 1)).scalar() or 0)

    def dispose(self) -> None:
        self.engine.dispose()

    # ---------------------------------------------------------------- helpers

    def _upsert(self, table: Table, values: dict, keys: Sequence[str], refresh: Sequence[str]):
        """INSERT ... ON CONFLICT (keys) DO UPDATE SET refresh = excluded.refresh, in this database's dialect."""
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        statement = dialect_insert(table).values(**values)
        return statement.on_conflict_do_update(
            index_elements=list(keys), set_={name: statement.excluded[name] for name in refresh}
        )

    def _round(self, conn, code: str, now: float, lock: str = "") -> dict:
        """The live round with ``code`` as a mapping; NotFound when there is none (or it expired). ``lock``:
        "share" (answers) or "update" (the teacher) locks its row on PostgreSQL until the transaction ends."""
        code = rounds.clean_code(code)
        if code is None:
            raise NotFound("not a join code")
        query = select(rounds_table).where(rounds_table.c.code == code, rounds_table.c.expires > now)
        if lock:
            query = query.with_for_update(read=lock == "share")
        row = conn.execute(query).mappings().first()
        if row is None:
            raise NotFound(f"no round {code}")
        return dict(row)

    @staticmethod
    def _state(row: dict, questions: int) -> RoundState:
        return RoundState(row["code"], row["position"], row["phase"], questions, row["revision"], row["expires"])

    def _count_questions(self, conn, round_id: int) -> int:
        return int(conn.execute(select(func.count()).where(questions_table.c.round_id == round_id)).scalar())

    def _teacher(self, conn, code: str, token: str | None, now: float) -> dict:
        row = self._round(conn, code, now, lock="update")
        if not rounds.same_token(token, row["teacher_hash"]):
            raise Forbidden("the teacher's token is needed")
        return row

    def _touch(self, conn, row: dict, now: float, **values) -> None:
        """Change the round's row, bump its revision and push its expiry out."""
        values |= {"revision": row["revision"] + 1, "expires": now + self.ttl_s}
        conn.execute(update(rounds_table).where(rounds_table.c.id == row["id"]).values(**values))

    # ---------------------------------------------------------------- the teacher

    def create_round(self, questions: Sequence[Question], now: float | None = None) -> tuple[str, str]:
        """A new round asking ``questions[0]``; returns (join code, teacher token). The token is shown once:
        the store keeps only its hash."""
        if not 1 <= len(questions) <= MAX_QUESTIONS:
            raise ValueError(f"a round has 1 to {MAX_QUESTIONS} questions, not {len(questions)}")
        now = time.time() if now is None else now
        token = rounds.new_token()
        self.purge_expired(now)
        for _ in range(20):  # a code already taken (one in a billion per live round): draw again
            code = rounds.new_code()
            try:
                with self._write() as conn:
                    round_id = conn.execute(
                        insert(rounds_table).values(
                            code=code,
                            teacher_hash=rounds.token_hash(token),
                            position=0,
                            phase="ask",
                            revision=0,
                            created=now,
                            expires=now + self.ttl_s,
                        )
                    ).inserted_primary_key[0]
                    conn.execute(
                        insert(questions_table),
                        [{"round_id": round_id, "position": i, "body": q.to_json()} for i, q in enumerate(questions)],
                    )
                return code, token
            except IntegrityError:
                continue
        raise RuntimeError("could not draw a free join code")

    def add_question(self, code: str, token: str | None, question: Question, now: float | None = None) -> int:
        """Append ``question`` to the round and show it (asking); returns its position."""
        now = time.time() if now is None else now
        with self._write() as conn:
            row = self._teacher(conn, code, token, now)
            position = self._count_questions(conn, row["id"])
            if position >= MAX_QUESTIONS:
                raise ValueError(f"a round has at most {MAX_QUESTIONS} questions")
            conn.execute(insert(questions_table).values(round_id=row["id"], position=position, body=question.to_json()))
            self._touch(conn, row, now, position=position, phase="ask")
        return position

    def reveal(self, code: str, token: str | None, now: float | None = None) -> RoundState:
        """Stop taking answers to the shown question and show the class's guesses beside the model's."""
        now = time.time() if now is None else now
        with self._write() as conn:
            row = self._teacher(conn, code, token, now)
            if row["phase"] == "closed":
                raise NotAsking("the round is closed")
            self._touch(conn, row, now, phase="reveal")
            total = self._count_questions(conn, row["id"])
            return self._state({**row, "phase": "reveal", "revision": row["revision"] + 1}, total)

    def goto(self, code: str, token: str | None, position: int, now: float | None = None) -> RoundState:
        """Show question ``position`` (next or previous): asked again if it was never revealed, else revealed."""
        now = time.time() if now is None else now
        with self._write() as conn:
            row = self._teacher(conn, code, token, now)
            total = self._count_questions(conn, row["id"])
            if not 0 <= position < total:
                raise ValueError(f"question {position + 1} is not one of the round's {total}")
            if row["phase"] == "closed":
                raise NotAsking("the round is closed")
            seen = row["phase"] == "reveal" and position == row["position"]
            phase = "reveal" if seen or position < row["position"] else "ask"
            self._touch(conn, row, now, position=position, phase=phase)
            return self._state({**row, "position": position, "phase": phase, "revision": row["revision"] + 1}, total)

    def close(self, code: str, token: str | None, now: float | None = None) -> None:
        """End the round: no more answers; the students see that it is over."""
        now = time.time() if now is None else now
        with self._write() as conn:
            row = self._teacher(conn, code, token, now)
            self._touch(conn, row, now, phase="closed")

    def is_teacher(self, code: str, token: str | None, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        try:
            with self._read() as conn:
                return rounds.same_token(token, self._round(conn, code, now)["teacher_hash"])
        except NotFound:
            return False

    # ---------------------------------------------------------------- everyone

    def state(self, code: str, now: float | None = None) -> RoundState:
        """The round's state (NotFound when it does not exist or expired): cheap, for views that poll."""
        now = time.time() if now is None else now
        with self._read() as conn:
            row = self._round(conn, code, now)
            return self._state(row, self._count_questions(conn, row["id"]))

    def question(self, code: str, position: int, now: float | None = None) -> Question:
        """Question ``position`` of the round (parsed once per process: a stored question never changes)."""
        now = time.time() if now is None else now
        with self._read() as conn:
            row = self._round(conn, code, now)
            return self._question(conn, row["id"], int(position), code)

    def _question(self, conn, round_id: int, position: int, code: str) -> Question:
        key = (round_id, position)
        with self._lock:
            if key in self._questions:
                self._questions.move_to_end(key)
                return self._questions[key]
        body = conn.execute(
            select(questions_table.c.body).where(
                questions_table.c.round_id == round_id, questions_table.c.position == position
            )
        ).scalar()
        if body is None:
            raise NotFound(f"round {code} has no question {position + 1}")
        question = Question.from_json(body)
        with self._lock:
            self._questions[key] = question
            while len(self._questions) > 256:
                self._questions.popitem(last=False)
        return question

    def student_view(
        self, code: str, student: str, now: float | None = None
    ) -> tuple[RoundState, Question, Result | None]:
        """What a phone draws, in one read: the round's state, the question shown, and this student's answer
        to it (None). Three small queries (the question itself is parsed once per process)."""
        now = time.time() if now is None else now
        with self._read() as conn:
            row = self._round(conn, code, now)
            state = self._state(row, self._count_questions(conn, row["id"]))
            question = self._question(conn, row["id"], state.position, code)
            found = conn.execute(
                select(answers_table.c.answer, answers_table.c.points).where(
                    answers_table.c.round_id == row["id"],
                    answers_table.c.position == state.position,
                    answers_table.c.student == str(student),
                )
            ).first()
        mine = None if found is None else Result(rounds.parse_answer(question, found.answer), found.points)
        return state, question, mine

    def join(self, code: str, clients: Sequence[str], now: float | None = None) -> RoundState:
        """A student's join with ``code``: the round's state. A wrong code counts against each of ``clients``
        ("s:<session>", "ip:<address>"); past JOIN_LIMITS of them within JOIN_WINDOW_S, RateLimited (the right
        code too, until the window has passed)."""
        now = time.time() if now is None else now
        with self._read() as conn:
            since = now - JOIN_WINDOW_S
            for client in clients:
                limit = JOIN_LIMITS.get(client.split(":", 1)[0], JOIN_LIMITS["s"])
                times = conn.execute(
                    select(joins_table.c.at)
                    .where(joins_table.c.client == client, joins_table.c.at > since)
                    .order_by(joins_table.c.at)
                ).scalars()
                times = list(times)
                if len(times) >= limit:
                    raise RateLimited(times[len(times) - limit] + JOIN_WINDOW_S - now)
        try:
            return self.state(code, now)
        except NotFound:
            with self._write() as conn:
                conn.execute(insert(joins_table), [{"client": c[:160], "at": now} for c in clients])
            raise

    def answer(self, code: str, student: str, position: int, raw: object, now: float | None = None) -> int:
        """Record ``student``'s answer to question ``position`` (replacing an earlier one); return its points.
        NotAsking unless that question is the one being asked; BadAnswer when ``raw`` is not one of its
        tokens or regions."""
        now = time.time() if now is None else now
        if rounds.clean_student(student) is None:
            raise Forbidden("not a student id")
        question = self.question(code, position, now)
        answer = rounds.parse_answer(question, raw)
        if answer is None:
            raise BadAnswer(f"{raw!r} is not an answer to this question")
        points = rounds.points(question, answer)
        with self._write() as conn:
            row = self._round(conn, code, now, lock="share")
            if row["phase"] != "ask" or row["position"] != position:
                raise NotAsking("this question is not being asked")
            values = {
                "round_id": row["id"],
                "position": position,
                "student": student,
                "answer": rounds.encode_answer(answer),
                "points": points,
                "answered": now,
            }
            conn.execute(
                self._upsert(
                    answers_table, values, ("round_id", "position", "student"), ("answer", "points", "answered")
                )
            )
        return points

    def my_answer(self, code: str, student: str, position: int, now: float | None = None) -> Result | None:
        """This student's answer to question ``position``, or None."""
        now = time.time() if now is None else now
        with self._read() as conn:
            row = self._round(conn, code, now)
            found = conn.execute(
                select(answers_table.c.answer, answers_table.c.points).where(
                    answers_table.c.round_id == row["id"],
                    answers_table.c.position == position,
                    answers_table.c.student == str(student),
                )
            ).first()
        if found is None:
            return None
        question = self.question(code, position, now)
        return Result(rounds.parse_answer(question, found.answer), found.points)

    def count(self, code: str, position: int, now: float | None = None) -> int:
        """How many students answered question ``position``: the teacher's live panel."""
        now = time.time() if now is None else now
        with self._read() as conn:
            row = self._round(conn, code, now)
            return int(
                conn.execute(
                    select(func.count()).where(
                        answers_table.c.round_id == row["id"], answers_table.c.position == position
                    )
                ).scalar()
            )

    def results(self, code: str, position: int, token: str | None = None, now: float | None = None) -> list[Result]:
        """Every answer to question ``position``, anonymous: for the teacher (``token``) at any time, for anyone
        once it has been revealed (Forbidden before, so that no student copies the class)."""
        now = time.time() if now is None else now
        with self._read() as conn:
            row = self._round(conn, code, now)
            teacher = rounds.same_token(token, row["teacher_hash"])
            revealed = row["phase"] in ("reveal", "closed") or position < row["position"]
            if not (teacher or revealed):
                raise Forbidden("not revealed yet")
            found = conn.execute(
                select(answers_table.c.answer, answers_table.c.points).where(
                    answers_table.c.round_id == row["id"], answers_table.c.position == position
                )
            ).all()
        question = self.question(code, position, now)
        return [Result(rounds.parse_answer(question, a.answer), a.points) for a in found]

    # ---------------------------------------------------------------- upkeep

    def purge_expired(self, now: float | None = None) -> int:
        """Delete the rounds past their expiry (with their questions and answers) and old join failures;
        return how many rounds went."""
        now = time.time() if now is None else now
        with self._write() as conn:
            gone = select(rounds_table.c.id).where(rounds_table.c.expires <= now)
            conn.execute(delete(answers_table).where(answers_table.c.round_id.in_(gone)))
            conn.execute(delete(questions_table).where(questions_table.c.round_id.in_(gone)))
            removed = conn.execute(delete(rounds_table).where(rounds_table.c.expires <= now)).rowcount
            conn.execute(delete(joins_table).where(joins_table.c.at <= now - JOIN_WINDOW_S))
        return int(removed or 0)
