"""A class answering one question at once on /class, over Streamlit's own websocket protocol
(testkit/stclient.py, one client process): N student sessions join by code, each phone's round redrawing
itself every 2 s as in the browser, and all tap an input token within ``--window`` seconds while the teacher's
live panel refreshes its count every second. On one app process, through nginx to 2 processes (deploy/), and on
PostgreSQL when scripts/ensure_postgres.sh can start one (Debian's postgresql); each says so when it cannot run.

Checked: every answer counted exactly once (the database holds N answers, the multiset of the picks sent),
and the teacher's panel shows N. Targets: answers 100 % counted once, answer → "received" p95 ≤ 500 ms,
teacher panel refresh p95 ≤ 1000 ms, no error in the server logs.

    python -m benchmarks.bench_class [--quick]                       # the table rows (quick: 20 students)
    python -m benchmarks.bench_class --students 100 --window 10 --replicas 2 --db postgresql
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.common import Options, Row
from testkit.report import percentile
from testkit.server import ROOT
from testkit.stclient import StreamlitClient

STUDENTS = 100
WINDOW_S = 10.0  # every student answers within this many seconds
PANEL_EVERY_S = 1.0  # the teacher's panel refresh (the page itself asks every 1.5 s)
ARRIVE_S = 8.0  # the phones join over this many seconds; then the answering window starts


@dataclass
class ClassResult:
    setup: str
    students: int
    answers_ms: list[float] = field(default_factory=list)  # tap -> the fragment run that says "received"
    received: int = 0  # answers whose run showed "answer received"
    joins_ms: list[float] = field(default_factory=list)
    panel_ms: list[float] = field(default_factory=list)
    panel_last: str = ""  # the count the teacher's panel showed last
    stored: int = 0  # answers in the database
    same_picks: bool = False  # the database holds exactly the picks sent
    failures: list[str] = field(default_factory=list)
    server: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    wall_s: float = 0.0


class Panel(StreamlitClient):
    """The teacher's tab: its fragments' timers are recorded, and driven by the benchmark (timed) instead."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.follow_auto_reruns = False
        self.fragments: list[str] = []

    def _start_timer(self, fragment_id: str, interval: float) -> None:
        if fragment_id not in self.fragments:
            self.fragments.append(fragment_id)


def _metric(run) -> str:
    metrics = run.of_kind("metric")
    return metrics[0].body if metrics else ""


async def _teacher(url: str, code: str, token: str, stop: asyncio.Event, result: ClassResult) -> None:
    panel = Panel(url, timeout_s=30)
    try:
        run = await panel.open("class", query=f"code={code}&t={token}")
        result.panel_last = _metric(run)
        if not panel.fragments:
            result.failures.append("the teacher's panel asked for no timer")
            return
        while not stop.is_set():
            start = time.perf_counter()
            try:
                run = await panel._run(fragment=panel.fragments[0])
                result.panel_ms.append(run.ms)
                result.panel_last = _metric(run) or result.panel_last
            except TimeoutError:  # no answer within 5 s: counted at 5 s, and the panel goes on
                result.panel_ms.append(5000.0)
                result.failures.append("teacher: a panel refresh took over 5 s")
            await asyncio.sleep(max(0.0, PANEL_EVERY_S - (time.perf_counter() - start)))
    except Exception as err:
        result.failures.append(f"teacher: {type(err).__name__}: {err}"[:200])
    finally:
        await panel.close()


async def _student(i: int, url: str, code: str, t_answer: float, window: float, done: asyncio.Event, result, sent):
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    rng = random.Random(i)
    client = StreamlitClient(url, timeout_s=30)  # follows its round's timer, as a phone does
    try:
        await asyncio.sleep(rng.uniform(0, ARRIVE_S))  # the class arrives over a few seconds
        start = time.perf_counter()
        run = await client.open("class", query=f"code={code}")
        result.joins_ms.append((time.perf_counter() - start) * 1000)
        key = next((k for k in client.widget_ids if k.endswith("_token")), None)
        if key is None:
            result.failures.append(f"student {i}: no tokens to tap ({run.alerts()[:1]})")
            return
        await asyncio.sleep(max(0.0, t_answer + rng.uniform(0, window) - time.perf_counter()))
        widget_id, _ = client.widget_ids[key]
        labels = [option.content for option in run.widget(key).options]  # a pill's value is its label
        pick = rng.randrange(len(labels))
        state = WidgetState(id=widget_id)
        state.string_array_value.data.append(labels[pick])
        client.values[widget_id] = state
        sent.append(pick)
        run = await client._run(fragment=client.widget_fragments.get(key, ""))
        result.answers_ms.append(run.ms)
        if any(level == "SUCCESS" for level, _ in run.alerts()):
            result.received += 1
        else:
            result.failures.append(f"student {i}: no 'received' ({run.alerts()[:1]}, {run.exceptions()[:1]})")
        await done.wait()  # the phone stays in the class (its timer runs) until everyone has answered
    except Exception as err:
        result.failures.append(f"student {i}: {type(err).__name__}: {err}"[:200])
    finally:
        await client.close()


async def _measure(url: str, db_url: str, students: int, window: float, pids: list[int], result: ClassResult):
    from app.classroom.store import ClassStore
    from app.classroom.views import builtin_text_questions
    from testkit.loadclient import ServerWatch

    db = ClassStore(db_url)
    code, token = db.create_round(builtin_text_questions())
    warm = StreamlitClient(url, timeout_s=60)  # the server's first run imports the page: not a student's wait
    await warm.open("class", query=f"code={code}")
    await warm.close()
    watch, stop_watch = ServerWatch(pids), asyncio.Event()
    watcher = asyncio.create_task(watch.watch(stop_watch))
    stop_panel, done, sent = asyncio.Event(), asyncio.Event(), []
    start = time.perf_counter()
    teacher = asyncio.create_task(_teacher(url, code, token, stop_panel, result))
    t_answer = time.perf_counter() + ARRIVE_S + 4  # every phone has joined by then
    jobs = [_student(i, url, code, t_answer, window, done, result, sent) for i in range(students)]
    gathered = asyncio.gather(*jobs)
    while len(result.answers_ms) + len(result.failures) < students and not gathered.done():
        await asyncio.sleep(0.2)
    deadline = time.perf_counter() + 5  # the panel catches up within its refresh
    while result.panel_last != str(len(sent)) and time.perf_counter() < deadline:
        await asyncio.sleep(0.2)
    done.set()
    await gathered
    stop_panel.set()
    await teacher
    result.wall_s = time.perf_counter() - start
    stop_watch.set()
    await watcher
    result.server = watch.summary()
    stored = db.results(code, 0, token=token)
    result.stored = len(stored)
    result.same_picks = Counter(r.answer for r in stored) == Counter(sent)
    db.dispose()


@contextlib.contextmanager
def _serving(replicas: int, db_url: str) -> Iterator[tuple[str, list[int], list[Path]]]:
    from app.classroom.store import ENV
    from testkit.server import free_port, running_app, server_pid

    logs = ROOT / "test-artifacts"
    env = {ENV: db_url}
    if replicas:
        from deploy.serve import replicated_app

        with replicated_app(replicas, log_dir=logs, env=env) as served:
            yield served.url, served.pids, [logs / f"streamlit-{p}.log" for p in served.ports]
        return
    port = free_port()
    with running_app(port=port, env=env) as url:
        pid = server_pid(port)
        yield url, [pid] if pid else [], [logs / f"streamlit-{port}.log"]


POSTGRES = ROOT / "scripts" / "ensure_postgres.sh"


def postgres_url() -> tuple[str | None, str, bool]:
    """(a PostgreSQL URL, "", whether it was started for this) from scripts/ensure_postgres.sh, or (None, why
    not, False)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return None, "psycopg is not installed (requirements.txt)", False
    found = subprocess.run(["bash", str(POSTGRES), "--url"], capture_output=True, text=True, timeout=300)
    lines = found.stdout.strip().splitlines()
    if found.returncode != 0 or not lines:
        return None, (found.stderr.strip().splitlines() or ["ensure_postgres.sh failed"])[-1][:200], False
    return lines[-1], "", "started PostgreSQL" in found.stderr


def run_class(students: int, window: float, replicas: int, db: str) -> ClassResult:
    """One measurement: a fresh database (SQLite file) or a new round on the PostgreSQL one."""
    from app.classroom.store import database_url
    from benchmarks.load import log_problems

    setup = f"{'one app process' if not replicas else f'{replicas} app processes behind nginx'}, {db}"
    result = ClassResult(setup, students)
    started = False
    with tempfile.TemporaryDirectory() as folder:
        if db == "postgresql":
            url, why, started = postgres_url()
            if url is None:
                result.failures.append(f"skipped: {why}")
                return result
            db_url = database_url({"ATTENTION_LENS_DB": url})
        else:
            db_url = f"sqlite:///{Path(folder) / 'class.sqlite3'}"
        try:
            with _serving(replicas, db_url) as (url, pids, logs):
                asyncio.run(_measure(url, db_url, students, window, pids, result))
        finally:
            if started:  # leave the machine as it was
                subprocess.run(["bash", str(POSTGRES), "--stop"], timeout=60)
        result.errors = [f"{log.name}: {line}" for log in logs for line in log_problems(log)]
    return result


def _rows(r: ClassResult, area: str) -> Iterator[Row]:
    if r.failures and r.failures[0].startswith("skipped"):
        yield Row(area, "skipped", None, note=r.failures[0].removeprefix("skipped: "))
        return
    once = r.stored == r.students and r.same_picks and r.received == r.students
    note = (
        f"{r.stored} stored / {r.students} students, picks {'identical' if r.same_picks else 'DIFFER'}, "
        f"{r.received} saw 'received', panel showed {r.panel_last or '?'}; {r.setup}"
        + (f"; {'; '.join(r.failures[:3])}" if r.failures else "")
    )
    yield Row(area, "answers counted exactly once", 100.0 if once else 100 * r.stored / r.students, "%", "== 100", note)
    if r.answers_ms:
        window = f"{r.students} students tapping within {WINDOW_S:g} s"
        yield Row(area, "answer → received, p50", percentile(r.answers_ms, 50), "ms", note=window)
        yield Row(area, "answer → received, p95", percentile(r.answers_ms, 95), "ms", "<= 500")
    if r.panel_ms:
        every = f"{len(r.panel_ms)} refreshes, one a second"
        yield Row(area, "teacher panel refresh, p95", percentile(r.panel_ms, 95), "ms", "<= 1000", every)
    if r.joins_ms:
        yield Row(area, "join (open /class?code=…), p95", percentile(r.joins_ms, 95), "ms")
    if r.server:
        yield Row(area, "server CPU, mean", r.server["cpu_mean_pct"], "% of a core", note=f"{r.wall_s:.0f} s")
        yield Row(area, "server RSS, peak", r.server["rss_peak_mib"], "MiB")
    yield Row(area, "errors and warnings in the server log", len(r.errors), "", "== 0", " | ".join(r.errors)[:300])


def rows(opts: Options) -> Iterator[Row]:
    from deploy.serve import nginx_binary

    students = opts.pick(20, STUDENTS)
    yield from _rows(run_class(students, WINDOW_S, 0, "sqlite"), "class")
    if nginx_binary() is None:
        yield Row("class ×2", "skipped", None, note="nginx is not installed: scripts/ensure_nginx.sh")
    else:
        yield from _rows(run_class(students, WINDOW_S, 2, "sqlite"), "class ×2")
    yield from _rows(run_class(students, WINDOW_S, 0, "postgresql"), "class pg")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_class", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--students", type=int)
    parser.add_argument("--window", type=float, default=WINDOW_S)
    parser.add_argument("--replicas", type=int, help="only this setup: 0 (one process) or N behind nginx")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args(argv)
    if args.students is None and args.replicas is None:
        from benchmarks import run

        return run.main(["--quick"] if args.quick else [], scripts=["class"])
    students = args.students or (20 if args.quick else STUDENTS)
    result = run_class(students, args.window, args.replicas or 0, args.db)
    area = "class" + (f" ×{args.replicas}" if args.replicas else "") + (" pg" if args.db == "postgresql" else "")
    for row in _rows(result, area):
        print(f"{row.area} · {row.measure}: {row.value} {row.unit} {row.target} {row.note}")
    return 0 if not result.failures else 1


if __name__ == "__main__":
    sys.exit(main())
