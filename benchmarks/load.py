"""A whole class at once, measured: the sessions of testkit/loadclient.py over Streamlit's own websocket protocol,
each doing what a student does, every answer checked, against an app this script starts (or --url).

Each session opens /text and submits ``--interactions`` different dates (fresh test-split dates, so no cache
hit), checking that the answer shown is the right ISO date; every ``--image-every``-th session then opens
/image and picks as many gallery pictures, checking the caption shown against the scene's true caption.
Between actions a session waits a think time drawn from ``--think LOW HIGH`` seconds. Sessions start spread
over the first few seconds. Everything is on loopback; the run is bounded by ``--max-seconds``.

Before the load, one session alone does the same (the latency "alone"); with ``--browser``, one real Chromium
types dates on /text alone and then during the load (its own latency, as a person sees it). With ``--train S``,
one more session starts live training on /experiments (a budget of S seconds) once the load is under way and
watches it, another checks that /experiments says the slot is busy, and the answers during training are
reported apart. The server's CPU and peak memory (RSS of its process tree, /proc or psutil) are sampled every
0.5 s, and its log is read for errors afterwards.

    python -m benchmarks.load --sessions 30                          # start the app here; 30 sessions
    python -m benchmarks.load --sessions 30 --train 30 --browser     # the benchmark's run (make bench)
    python -m benchmarks.load --sessions 30 --replicas 2             # through nginx, 2 app processes (deploy/)
    python -m benchmarks.load --url http://127.0.0.1:8501 --sessions 3 --interactions 2 --think 0.2 0.5
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict
from functools import partial
from pathlib import Path

from testkit import loadclient
from testkit.loadclient import Answer, LoadOptions, LoadResult, Record, held_out_dates, summary, wrong
from testkit.server import artifacts, free_port, log_path, running_app, server_pid

# ----------------------------------------------------------------------------- the server's log


def log_problems(path: Path) -> list[str]:
    """Tracebacks, errors and warnings in a server log, each distinct line once."""
    problems: list[str] = []
    text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
    for line in text.splitlines():
        if any(word in line for word in ("Traceback", "Error", "ERROR", "WARNING", "Exception")):
            line = line.strip()[:200]
            if line not in problems:
                problems.append(line)
    return problems


# ----------------------------------------------------------------------------- a real browser, the run


async def browser_dates(
    browser, url: str, n: int, phase: str, think: tuple[float, float], record: Record, t0: float
) -> None:
    """One Chromium tab on /text typing ``n`` new dates, each timed to its heatmap and its answer checked."""
    from benchmarks.browser import Session

    rng = random.Random(phase)
    session = await Session.start(browser, url, timeout_s=120, seed=7 if phase == "alone" else 8)
    dates = held_out_dates(7 if phase == "alone" else 8, n + 1)
    session.dates = [source for source, _ in dates]  # Session.type_date types dates[1], dates[2], ...
    try:
        await session.open("/text")
        for _, iso in dates[1:]:
            await asyncio.sleep(rng.uniform(*think))
            sent = time.perf_counter() - t0
            try:
                ms = await session.type_date()
                shown = await session.page.locator('[data-testid="al-output"]').first.inner_text()
                record(Answer(-1, "browser-date", sent, ms, iso in shown, "" if iso in shown else shown, phase))
            except Exception as err:
                record(Answer(-1, "browser-date", sent, None, False, f"{type(err).__name__}: {err}"[:200], phase))
                session.here = None
                await session.open("/text")
    finally:
        await session.close()


async def measure(url: str, opts: LoadOptions, pids: list[int]) -> LoadResult:
    """testkit.loadclient's class, with one real Chromium typing dates too when ``opts.browser``."""
    async with _maybe_browser(opts.browser) as browser:
        chromium = None if browser is None else partial(browser_dates, browser, url, opts.interactions)
        return await loadclient.measure(url, opts, pids, chromium)


@contextlib.asynccontextmanager
async def _maybe_browser(wanted: bool):
    if not wanted:
        yield None
        return
    from playwright.async_api import async_playwright

    from testkit.chromium import launch_browser

    async with async_playwright() as playwright:
        browser = await launch_browser(playwright)
        try:
            yield browser
        finally:
            await browser.close()


@contextlib.contextmanager
def serving(replicas: int) -> Iterator[tuple[str, list[int], list[Path]]]:
    """(url, server pids, server logs): one `streamlit run` here, or ``replicas`` behind nginx (deploy/)."""
    logs = artifacts()
    if replicas > 0:
        from deploy.serve import replicated_app

        with replicated_app(replicas, log_dir=logs) as served:
            yield served.url, served.pids, [logs / f"streamlit-{p}.log" for p in served.ports]
        return
    port = free_port()
    with running_app(port=port) as url:
        pid = server_pid(port)
        yield url, [pid] if pid else [], [log_path(port)]


def run_load(opts: LoadOptions, url: str | None = None, replicas: int = 0) -> LoadResult:
    """The whole measurement: start the server(s) unless ``url`` is given, measure, read the logs."""
    if url:
        return asyncio.run(measure(url, opts, []))
    with serving(replicas) as (served_url, pids, logs):
        result = asyncio.run(measure(served_url, opts, pids))
    result.errors += [f"{log.name}: {line}" for log in logs for line in log_problems(log)]
    return result


# ----------------------------------------------------------------------------- the numbers


def report(result: LoadResult, opts: LoadOptions) -> str:
    lines = [f"{opts.sessions} sessions, {result.wall_s:.0f} s under load; think {opts.think[0]:g}-{opts.think[1]:g} s"]
    for name, stats in summary(result).items():
        times = "  ".join(f"{k} {stats[k]:,.0f} ms" for k in ("p50", "p95", "max") if k in stats)
        lines.append(f"  {name:24s} right {stats['right']}/{stats['sent']}  {times}")
    server = result.server
    if server:
        lines.append(
            f"  server: CPU mean {server['cpu_mean_pct']:.0f} %, peak {server['cpu_peak_pct']:.0f} % of one core "
            f"({server['cores']} cores); RSS {server['rss_start_mib']:.0f} -> peak {server['rss_peak_mib']:.0f} MiB"
        )
    if result.training:
        lines.append(f"  live training: {json.dumps(result.training)}")
    lines += [f"  wrong: {w}" for w in wrong(result)]
    lines += [f"  log: {e}" for e in result.errors[:10]]
    return "\n".join(lines)


def parse(argv: list[str] | None) -> tuple[argparse.Namespace, LoadOptions]:
    d = LoadOptions()
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=d.sessions)
    parser.add_argument("--interactions", type=int, default=d.interactions, help="dates (and pictures) per session")
    parser.add_argument("--image-every", type=int, default=d.image_every, help="every n-th session opens /image")
    parser.add_argument("--think", type=float, nargs=2, default=d.think, metavar=("LOW", "HIGH"))
    parser.add_argument("--timeout", type=float, default=d.timeout_s, help="seconds per answer")
    parser.add_argument("--max-seconds", type=float, default=d.max_seconds, help="the load phase is cut here")
    parser.add_argument("--train", type=float, default=d.train_s, help="live training budget (s) during the load")
    parser.add_argument("--browser", action="store_true", help="one Chromium measures its latency too")
    parser.add_argument("--no-media", action="store_true", help="do not fetch the pictures a run drew")
    parser.add_argument("--url", help="an app already running (nothing is started; no CPU/memory/log figures)")
    parser.add_argument("--replicas", type=int, default=0, help="N app processes behind nginx (deploy/serve.py)")
    parser.add_argument("--json", type=Path, help="write every answer and the summary here")
    args = parser.parse_args(argv)
    if args.url and not args.url.startswith(("http://127.", "http://localhost")):
        parser.error("--url: loopback only (http://127.x.x.x or http://localhost)")
    opts = LoadOptions(
        args.sessions, args.interactions, args.image_every, tuple(args.think), args.timeout, args.max_seconds,
        args.train, args.browser, not args.no_media,
    )  # fmt: skip
    return args, opts


def main(argv: list[str] | None = None) -> int:
    args, opts = parse(argv)
    result = run_load(opts, url=args.url, replicas=args.replicas)
    print(report(result, opts))
    if args.json:
        document = {"options": asdict(opts), "summary": summary(result), **asdict(result)}
        args.json.write_text(json.dumps(document, indent=1), encoding="utf-8")
    return 0 if all(a.right for a in result.answers) else 1


if __name__ == "__main__":
    sys.exit(main())
