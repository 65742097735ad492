"""Two app processes on one SQLite file, as `make serve REPLICAS=2` runs them, driven over Streamlit's websocket
protocol (testkit/stclient.py, no browser): a student answers on one process, switches to the other (their id
travels in the URL) and finds their answer there; answering again there replaces it; the teacher reveals on
the first process and the phone on the second sees it; one process killed, the round goes on on the other."""

from __future__ import annotations

import asyncio
import concurrent.futures
import signal

import pytest

from app.classroom import rounds
from app.classroom.store import ClassStore
from app.classroom.views import builtin_text_questions
from testkit.stclient import StreamlitClient
from tests.e2e.test_classroom import AppServer


@pytest.fixture
def replicas(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'class.sqlite3'}"
    servers = [AppServer(db_url), AppServer(db_url)]
    for server in servers:
        server.start()
    yield servers
    for server in servers:
        server.stop()


async def tap(client: StreamlitClient, index: int):
    """Tap input token ``index`` (a pill's value is its label) and return the run."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    key = next(k for k in client.widget_ids if k.endswith("_token"))
    widget_id, _ = client.widget_ids[key]
    labels = [o.content for o in client.last_run.widget(key).options]
    state = WidgetState(id=widget_id)
    state.string_array_value.data.append(labels[index])
    client.values[widget_id] = state
    return await client._run(fragment=client.widget_fragments.get(key, ""))


def successes(run) -> list[str]:
    return [body for level, body in run.alerts() if level == "SUCCESS"]


def test_a_student_switches_replica_mid_round_and_nothing_is_lost_or_doubled(replicas):
    first, second = replicas
    db = ClassStore(first.db_url)
    code, token = db.create_round(builtin_text_questions())
    me = rounds.new_student_id()

    async def play() -> None:
        phone = StreamlitClient(first.url, timeout_s=60)
        phone.follow_auto_reruns = False
        await phone.open("class", query=f"code={code}&me={me}")
        run = await tap(phone, 24)  # the "9" of 1984
        assert successes(run), run.alerts()
        await phone.close()

        moved = StreamlitClient(second.url, timeout_s=60)  # the same phone, now served by the other process
        moved.follow_auto_reruns = False
        run = await moved.open("class", query=f"code={code}&me={me}")
        assert any("**9**" in s for s in successes(run)), run.alerts()  # its answer is there
        run = await tap(moved, 23)  # changes its mind on this process: replaced, not added
        assert any("**1**" in s for s in successes(run)), run.alerts()
        assert db.count(code, 0) == 1

        teacher = StreamlitClient(first.url, timeout_s=60)
        teacher.follow_auto_reruns = False
        run = await teacher.open("class", query=f"code={code}&t={token}")
        assert [m.body for m in run.of_kind("metric")] == ["1"]
        query = f"code={code}&t={token}"  # a browser sends its address with every run; this client, when told
        await teacher._run(query=query, trigger=teacher._state("class_reveal", True))
        first.proc.send_signal(signal.SIGKILL)  # the teacher's process dies; the phone's goes on
        first.proc.wait(timeout=10)
        first.proc = None
        key = next(k for k in moved.widget_ids if k.endswith("_token"))
        run = await moved._run(fragment=moved.widget_fragments[key])  # the phone's round redraws on its timer
        shown = [body for _, body in run.alerts()]
        assert any("**1**" in body and "+1" in body for body in shown), shown  # the reveal, with its points
        await moved.close()
        await teacher.close()

    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # Playwright's sync API may hold this thread's loop
        pool.submit(asyncio.run, play()).result(timeout=300)
    assert [r.answer for r in db.results(code, 0)] == [23]
    db.dispose()
