"""A classroom at once: N concurrent sessions (Playwright browser contexts spread over a few headless
Chromiums) each doing M interactions across the pages against one `streamlit run` on localhost.

Each session follows the same loop from a different starting point, so that at any moment the pages are
mixed: open /text, type a date, open /image, choose a gallery picture, open /transformer, type a date there,
open /math, open /experiments, open /, ... (an action on a page the session is not on opens the page first;
that open counts as one of its interactions). Pages are opened from the sidebar, as a person does; odd
sessions use the Korean interface. Between interactions a session pauses ~--think seconds.

Reports the success rate (must be 100 %), median and p95 interaction latency (action → its result drawn),
the server's peak memory (RSS of the `streamlit run` process tree, sampled from /proc every 0.5 s) and
whether that memory stopped growing after the first 100 interactions (RSS at interaction 100 vs at the end).
The browsers run on the same machine as the server, so they compete with it for the CPU.

python -m benchmarks.bench_load                                   # 30 sessions × 10 interactions
python -m benchmarks.bench_load --sessions 3 --interactions 3     # a small run
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

from benchmarks.browser import Session, app_and_browsers, server_errors, server_pid, tree_rss_bytes
from benchmarks.common import Options, Row, Skipped, browser_missing, median_p95

# One loop through the app; an action names the page it needs.
LOOP = ["/text", "date", "/image", "scene", "/transformer", "tf-date", "/math", "/experiments", "/", "date", "scene"]
NEEDS = {"date": "/text", "scene": "/image", "tf-date": "/transformer"}
ACTIONS = {"date": Session.type_date, "scene": Session.pick_scene, "tf-date": Session.type_transformer_date}
CHECKPOINT = 100  # memory must not grow after this many interactions
MiB = 2**20


def plan(session: int, interactions: int) -> list[str]:
    """The steps of one session: LOOP from a session-dependent start, an open inserted before an action on
    another page, never an open of the page already shown; exactly ``interactions`` steps."""
    steps: list[str] = []
    here, i = None, session * 3  # sessions start 3 steps apart in the loop
    while len(steps) < interactions:
        step = LOOP[i % len(LOOP)]
        i += 1
        page = NEEDS.get(step, step)
        if page != here:
            steps.append(page)
            here = page
        if step in NEEDS and len(steps) < interactions:
            steps.append(step)
    return steps


@dataclass
class Done:
    """One interaction: what it was, how long it took (None when it failed), and why it failed."""

    session: int
    step: str
    ms: float | None
    error: str = ""


class Memory:
    """RSS of the server's process tree: sampled in the background, and at given interaction counts."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self.samples: list[int] = []
        self.at: dict[int, int] = {}  # interactions done -> RSS then

    def sample(self) -> int | None:
        if self.pid is None:
            return None
        rss = tree_rss_bytes(self.pid)
        self.samples.append(rss)
        return rss

    async def watch(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.sample()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=0.5)


async def run_session(index: int, browser, url: str, opts: Options, record) -> None:
    """One person: start a little after the others, then do the planned steps with pauses between them."""
    rng = random.Random(index)
    steps = plan(index, opts.interactions)
    await asyncio.sleep(index * min(0.2, 6 / max(opts.sessions, 1)))
    try:
        session = await Session.start(browser, url, "ko" if index % 2 else "en", opts.timeout_s, seed=index)
    except Exception as err:  # no browser context: every step of this session failed
        for step in steps:
            record(Done(index, step, None, f"no browser context: {type(err).__name__}: {err}"[:200]))
        return
    try:
        for step in steps:
            await asyncio.sleep(opts.think_s * rng.uniform(0.5, 1.5))
            try:
                if step in NEEDS and session.here != NEEDS[step]:  # after a failure: reopen, untimed
                    await session.open(NEEDS[step])
                ms = await (session.open(step) if step.startswith("/") else ACTIONS[step](session))
                record(Done(index, step, ms))
            except Exception as err:  # a timeout, an exception on the page, a lost connection
                session.here = None
                record(Done(index, step, None, f"{type(err).__name__}: {str(err).splitlines()[0][:160]}"))
    finally:
        with contextlib.suppress(Exception):
            await session.close()


async def load(opts: Options) -> tuple[list[Done], Memory, int, float, int]:
    """(interactions, memory samples, checkpoint, wall seconds, server port) of one load run."""
    total = opts.sessions * opts.interactions
    checkpoint = CHECKPOINT if total >= 2 * CHECKPOINT else max(total // 2, 1)
    browsers = opts.browsers or math.ceil(opts.sessions / 10)
    async with app_and_browsers(browsers) as (url, port, chromiums):
        memory = Memory(server_pid(port))
        memory.at[0] = memory.sample()
        done: list[Done] = []

        def record(item: Done) -> None:
            done.append(item)
            if len(done) in (checkpoint, total):
                memory.at[len(done)] = memory.sample()
            mark = f"{item.ms:,.0f} ms" if item.ms is not None else f"FAILED {item.error}"
            print(f"    {len(done):4d}/{total} session {item.session:2d} {item.step:13s} {mark}", file=sys.stderr)

        stop = asyncio.Event()
        watcher = asyncio.create_task(memory.watch(stop))
        start = time.perf_counter()
        sessions = [run_session(i, chromiums[i % len(chromiums)], url, opts, record) for i in range(opts.sessions)]
        await asyncio.gather(*sessions)
        wall = time.perf_counter() - start
        stop.set()
        await watcher
    return done, memory, checkpoint, wall, port


def rows(opts: Options) -> Iterator[Row]:
    missing = browser_missing()
    if missing:
        raise Skipped(missing)
    done, memory, checkpoint, wall, port = asyncio.run(load(opts))
    total = len(done)
    ok = [d for d in done if d.ms is not None]
    failed = [d for d in done if d.ms is None]
    browsers = opts.browsers or math.ceil(opts.sessions / 10)
    setup = f"{opts.sessions} sessions × {opts.interactions}, {browsers} Chromium, think {opts.think_s:g} s"
    yield Row("load", "interactions", total, "", note=f"{setup}; {wall:.0f} s, {total / wall:.2f} interactions/s")
    note = ""
    if failed:
        kinds = ", ".join(sorted({d.step for d in failed}))
        errors = server_errors(port)
        why = f"app errors: {' | '.join(errors)}" if errors else f"first: {failed[0].error}"
        note = f"{len(failed)} failed ({kinds}); {why}; log test-artifacts/streamlit-{port}.log"
    yield Row("load", "success rate", 100 * len(ok) / max(total, 1), "%", target="== 100", note=note)
    if ok:
        median, p95 = median_p95([d.ms for d in ok])
        kinds = sorted({d.step for d in ok}, key=lambda s: (s.startswith("/"), s))
        by_kind = ", ".join(f"{k} {statistics.median(d.ms for d in ok if d.step == k):,.0f}" for k in kinds)
        yield Row("load", "interaction latency, median", median, "ms", note=f"medians: {by_kind}")
        yield Row("load", "interaction latency, p95", p95, "ms")
    if memory.pid is None:
        yield Row("load", "server memory", None, note="skipped: no /proc here to read the server's RSS from")
        return
    idle = memory.at[0] / MiB
    yield Row("load", "server RSS, peak", max(memory.samples) / MiB, "MiB", note=f"{idle:.0f} MiB before the load")
    at_checkpoint, at_end = memory.at.get(checkpoint), memory.at.get(total)
    if at_checkpoint and at_end and total > checkpoint:
        growth = 100 * (at_end - at_checkpoint) / at_checkpoint
        yield Row(
            "load",
            f"server RSS growth, interaction {checkpoint} → {total}",
            growth,
            "%",
            target="<= 5",
            note=f"{at_checkpoint / MiB:.0f} → {at_end / MiB:.0f} MiB ({(at_end - at_checkpoint) / MiB:+.0f} MiB)",
        )


def main(argv: list[str] | None = None) -> int:
    from benchmarks import run

    return run.main(argv, scripts=["load"])


if __name__ == "__main__":
    sys.exit(main())
