"""The load client of testkit/loadclient.py against the real app: sessions over Streamlit's websocket protocol,
each answer checked (dates on /text, gallery captions on /image). Correctness only; the load benchmark
(benchmarks/load.py, make bench) measures times with the same client."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

from testkit.loadclient import LoadOptions, measure, summary


def test_three_sessions_get_every_answer_right(app_url):
    opts = LoadOptions(sessions=3, interactions=2, image_every=3, think=(0.1, 0.3), fetch_media=True)
    with ThreadPoolExecutor(1) as pool:  # its own event loop: Playwright's sync API may hold this thread's
        result = pool.submit(asyncio.run, measure(app_url, opts, [])).result()
    kinds = {(a.phase, a.kind) for a in result.answers}
    assert {("load", "date"), ("load", "picture"), ("alone", "date"), ("alone", "picture")} <= kinds
    assert [f"{a.kind}: {a.detail}" for a in result.answers if not a.right] == []
    assert summary(result)["load all"]["sent"] == 3 * 2 + 2  # 3 sessions × 2 dates, and 2 pictures in the 3rd
