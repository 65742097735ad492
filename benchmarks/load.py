"""A whole class at once: many sessions of the app held by one process over Streamlit's own websocket protocol
(benchmarks/stclient.py), each doing what a student does, every answer checked.

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
import html
import json
import random
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from benchmarks.stclient import Run, StreamlitClient

OUTPUT = re.compile(r'data-testid="al-output"[^>]*>(.*?)</div>', re.S)
CAPTION = re.compile(r'data-testid="al-caption"[^>]*>(.*?)</div>', re.S)
CHIP = re.compile(r"<span[^>]*>(.*?)</span>", re.S)
GALLERY = 6  # pictures in /image's gallery (services.gallery_scenes)


@dataclass
class LoadOptions:
    sessions: int = 30
    interactions: int = 10  # dates per session (and pictures, for the sessions that open /image)
    image_every: int = 3  # every n-th session also opens /image (0: none)
    think: tuple[float, float] = (2.0, 5.0)  # seconds between two actions of one session, uniform
    timeout_s: float = 60.0  # longest wait for one answer before it counts as failed
    max_seconds: float = 600.0  # the whole load phase is cut here
    train_s: float = 0.0  # live training budget during the load (0: none)
    browser: bool = False  # one real Chromium measures its own latency, alone and under load
    fetch_media: bool = True  # sessions fetch the pictures a run drew, as a browser does
    seed: int = 0


@dataclass
class Answer:
    """One interaction: what, when it was sent (s since the load began), how long it took, and whether the
    page showed the right answer (``detail`` says what was shown when not)."""

    session: int
    kind: str  # "date" | "picture" | "browser-date"
    sent: float
    ms: float | None
    right: bool
    detail: str = ""
    phase: str = "load"  # "alone" | "load"


@dataclass
class LoadResult:
    answers: list[Answer] = field(default_factory=list)
    wall_s: float = 0.0
    training: dict = field(default_factory=dict)  # started/ended (s since the load began), checks seen
    server: dict = field(default_factory=dict)  # cpu and memory samples summarised (see ServerWatch)
    errors: list[str] = field(default_factory=list)  # from the server log


# ----------------------------------------------------------------------------- what the page shows


def shown_output(run: Run) -> str | None:
    """The big answer on /text (components.big_output), or None when the run drew none."""
    for body in run.markdown():
        found = OUTPUT.search(body)
        if found:
            return html.unescape(found.group(1)).strip()
    return None


def shown_caption(run: Run) -> str | None:
    """The caption chips on /image, as one string (✓/✗ marks removed), or None when the run drew none."""
    for body in run.markdown():
        found = CAPTION.search(body)
        if found:
            words = [html.unescape(w).removesuffix(" ✓").removesuffix(" ✗") for w in CHIP.findall(found.group(1))]
            return " ".join(words)
    return None


def test_dates(seed: int, n: int) -> list[tuple[str, str]]:
    """``n`` (date as written, ISO date) pairs from the held-out days, different for each seed."""
    from models.data.dates import DateGenerator

    return [(e.source, e.target) for e in DateGenerator(seed=10_000 + seed, split="test").samples(n)]


def gallery_captions() -> list[str]:
    """The true caption of each gallery picture (the same generator and seed as services.gallery_scenes)."""
    from models.data.shapes import ShapesGenerator

    return [scene.caption for scene in ShapesGenerator(seed=2026).scenes(GALLERY)]


def _judge(run: Run, shown: str | None, want: str) -> tuple[bool, str]:
    if run.exceptions():
        return False, f"exception: {run.exceptions()[0][:160]}"
    errors = [body for level, body in run.alerts() if level == "ERROR"]
    if errors:
        return False, f"error box: {errors[0][:160]}"
    if shown is None:
        return False, "no answer drawn"
    return want in shown, "" if want in shown else f"showed {shown!r}, wanted {want!r}"


# ----------------------------------------------------------------------------- one session


class Student:
    """One session: /text and its dates, then (some) /image and its gallery, with think time between."""

    def __init__(self, index: int, url: str, opts: LoadOptions, record: Callable[[Answer], None], t0: float):
        self.index, self.url, self.opts, self.record, self.t0 = index, url, opts, record, t0
        self.rng = random.Random(opts.seed * 1000 + index)
        self.phase = "load"

    async def think(self) -> None:
        await asyncio.sleep(self.rng.uniform(*self.opts.think))

    async def _ask(self, client: StreamlitClient, kind: str, act, want: str, shown) -> None:
        sent = time.perf_counter() - self.t0
        try:
            run = await act()
            right, detail = _judge(run, shown(run), want)
            ms = run.ms + run.media_ms
        except Exception as err:  # a timeout, a closed session: a wrong answer, with why
            right, detail, ms = False, f"{type(err).__name__}: {err}"[:200], None
        self.record(Answer(self.index, kind, sent, ms, right, detail, self.phase))

    async def dates(self, client: StreamlitClient) -> None:
        await client.open("text")
        for source, iso in test_dates(self.opts.seed * 1000 + self.index, self.opts.interactions):
            await self.think()
            await self._ask(client, "date", lambda s=source: client.rerun({"text_input_date": s}), iso, shown_output)

    async def pictures(self, client: StreamlitClient) -> None:
        captions = gallery_captions()
        await client.rerun(page="image")
        chosen = 0  # the gallery starts on its first picture
        for _ in range(self.opts.interactions):
            await self.think()
            chosen = (chosen + 1 + self.rng.randrange(GALLERY - 1)) % GALLERY
            act = lambda k=f"image_pick_{chosen}": client.rerun(press=k)  # noqa: E731
            await self._ask(client, "picture", act, captions[chosen], shown_caption)

    async def run(self) -> None:
        client = StreamlitClient(self.url, fetch_media=self.opts.fetch_media, timeout_s=self.opts.timeout_s)
        try:
            await self.dates(client)
            if self.opts.image_every and self.index % self.opts.image_every == self.opts.image_every - 1:
                await self.pictures(client)
        except Exception as err:  # the page could not even be opened: one failed answer that says so
            self.record(Answer(self.index, "open", time.perf_counter() - self.t0, None, False, f"{err}"[:200]))
        finally:
            await client.close()


# ----------------------------------------------------------------------------- the server: CPU, memory, log


class ServerWatch:
    """CPU seconds and resident memory of the server's processes (and their children), sampled every 0.5 s."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.samples: list[tuple[float, float, int]] = []  # (time, cpu seconds so far, rss bytes)

    @staticmethod
    def _tree(pid: int) -> list[int]:
        found, stack = [], [pid]
        while stack:
            p = stack.pop()
            found.append(p)
            with contextlib.suppress(OSError, ValueError):
                for task in Path(f"/proc/{p}/task").iterdir():
                    stack += [int(c) for c in (task / "children").read_text().split()]
        return found

    @staticmethod
    def _usage(pid: int) -> tuple[float, int]:
        """(cpu seconds, rss bytes) of one process: psutil when it is installed, else /proc."""
        try:
            import psutil

            proc = psutil.Process(pid)
            times = proc.cpu_times()
            return times.user + times.system, proc.memory_info().rss
        except ImportError:
            import os

            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks = os.sysconf("SC_CLK_TCK")
            rss = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
            return (int(fields[11]) + int(fields[12])) / ticks, rss
        except Exception:  # a process that just ended
            return 0.0, 0

    def sample(self) -> None:
        cpu, rss = 0.0, 0
        for pid in {p for root in self.pids for p in self._tree(root)}:
            with contextlib.suppress(OSError, IndexError, ValueError):
                c, r = self._usage(pid)
                cpu, rss = cpu + c, rss + r
        self.samples.append((time.perf_counter(), cpu, rss))

    async def watch(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.sample()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=0.5)
        self.sample()

    def summary(self) -> dict:
        """Mean and peak (over 2 s) CPU in % of one core, peak and first RSS in MiB."""
        import os

        if len(self.samples) < 2:
            return {}
        (t0, c0, r0), (t1, c1, _) = self.samples[0], self.samples[-1]
        windows = [
            100 * (c - cp) / (t - tp)
            for (tp, cp, _), (t, c, _) in zip(self.samples, self.samples[4:], strict=False)
            if t > tp
        ]
        return {
            "cpu_mean_pct": 100 * (c1 - c0) / max(t1 - t0, 1e-9),
            "cpu_peak_pct": max(windows, default=0.0),
            "cores": os.cpu_count(),
            "rss_start_mib": r0 / 2**20,
            "rss_peak_mib": max(r for _, _, r in self.samples) / 2**20,
        }


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


# ----------------------------------------------------------------------------- live training, a real browser


def _busy_shown(run: Run) -> bool:
    """/experiments tells this session that someone else is training: the busy note, Start greyed out."""
    from app.i18n import t

    start = run.widget("exp_live_start")
    note = any(level == "WARNING" and body == t("exp.live_busy", lang="en") for level, body in run.alerts())
    return note and start is not None and start.disabled


async def live_training(url: str, opts: LoadOptions, t0: float, out: dict) -> None:
    """One session trains (budget ``opts.train_s``) and watches its curves; another one, later, checks every
    2 s that the page says the slot is busy, until Start is offered again; then the trainer's model arrives."""
    now = lambda: time.perf_counter() - t0  # noqa: E731
    trainer = StreamlitClient(url, timeout_s=opts.timeout_s)
    observer = StreamlitClient(url, timeout_s=opts.timeout_s)
    try:
        await trainer.open("experiments")
        await trainer.rerun({"exp_live_budget": opts.train_s})
        out["started"] = now()
        await trainer.rerun(press="exp_live_start")
        seen, checks = await observer.open("experiments"), []
        while True:
            checks.append(_busy_shown(seen))
            if not (seen.widget("exp_live_start") and seen.widget("exp_live_start").disabled):
                break
            if now() - out["started"] > opts.train_s + 120:
                out["problem"] = "training did not end within its budget + 120 s"
                break
            await asyncio.sleep(2)
            seen = await observer.rerun()
        out["ended"] = now()
        out["busy_checks"], out["busy_shown"] = len(checks) - 1, sum(checks[:-1])  # the last one: no longer busy
        for _ in range(20):  # the trainer's page collects the model on its next full run (its timer asks for it)
            alerts = trainer.last_run.alerts() if trainer.last_run else []
            if any(level == "SUCCESS" and "live-" in body for level, body in alerts):
                out["model_arrived"] = True
                break
            await asyncio.sleep(0.5)
    except Exception as err:
        out["problem"] = f"{type(err).__name__}: {err}"[:200]
    finally:
        await trainer.close()
        await observer.close()


async def browser_dates(browser, url: str, n: int, think: tuple[float, float], record, t0: float, phase: str):
    """One Chromium tab on /text typing ``n`` new dates, each timed to its heatmap and its answer checked."""
    from benchmarks.browser import Session

    rng = random.Random(phase)
    session = await Session.start(browser, url, timeout_s=120, seed=7 if phase == "alone" else 8)
    dates = test_dates(7 if phase == "alone" else 8, n + 1)
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


# ----------------------------------------------------------------------------- the run


async def _alone(url: str, opts: LoadOptions, record, t0: float, browser) -> None:
    """Before the load: one session by itself (dates, then pictures), and the Chromium by itself."""
    from dataclasses import replace

    solo = Student(opts.sessions, url, replace(opts, image_every=1, think=(0.3, 0.6)), record, t0)
    solo.phase = "alone"
    await solo.run()
    if browser is not None:
        await browser_dates(browser, url, opts.interactions, (0.3, 0.6), record, t0, "alone")


async def _load(url: str, opts: LoadOptions, record, t0: float, browser, training: dict) -> None:
    """The class: every session (started within the first 3 s), the training, the Chromium, all at once."""

    async def student(i: int) -> None:
        await asyncio.sleep(random.Random(i).uniform(0, 3))
        await Student(i, url, opts, record, t0).run()

    async def train() -> None:
        await asyncio.sleep(5)  # once the class is busy
        await live_training(url, opts, t0, training)

    jobs = [student(i) for i in range(opts.sessions)]
    if opts.train_s:
        jobs.append(train())
    if browser is not None:
        jobs.append(browser_dates(browser, url, opts.interactions, opts.think, record, t0, "load"))
    await asyncio.gather(*jobs)


async def measure(url: str, opts: LoadOptions, pids: list[int]) -> LoadResult:
    """Alone first, then the load with the server watched; bounded by ``opts.max_seconds``."""
    result = LoadResult()
    t0 = time.perf_counter()
    record = result.answers.append
    async with _maybe_browser(opts.browser) as browser:
        await asyncio.wait_for(_alone(url, opts, record, t0, browser), opts.max_seconds)
        watch, stop = ServerWatch(pids), asyncio.Event()
        watcher = asyncio.create_task(watch.watch(stop))
        start = time.perf_counter()
        try:
            await asyncio.wait_for(_load(url, opts, record, t0, browser, result.training), opts.max_seconds)
        except TimeoutError:
            result.errors.append(f"the load was cut after --max-seconds {opts.max_seconds:g}")
        result.wall_s = time.perf_counter() - start
        stop.set()
        await watcher
    result.server = watch.summary()
    return result


@contextlib.asynccontextmanager
async def _maybe_browser(wanted: bool):
    if not wanted:
        yield None
        return
    from playwright.async_api import async_playwright

    from tests.e2e.harness import launch_browser

    async with async_playwright() as playwright:
        browser = await launch_browser(playwright)
        try:
            yield browser
        finally:
            await browser.close()


@contextlib.contextmanager
def serving(replicas: int) -> Iterator[tuple[str, list[int], list[Path]]]:
    """(url, server pids, server logs): one `streamlit run` here, or ``replicas`` behind nginx (deploy/)."""
    from tests.e2e.harness import ROOT, free_port, running_app

    logs = ROOT / "test-artifacts"
    if replicas > 0:
        from deploy.serve import replicated_app

        with replicated_app(replicas, log_dir=logs) as served:
            yield served.url, served.pids, [logs / f"streamlit-{p}.log" for p in served.ports]
        return
    from benchmarks.browser import server_pid

    port = free_port()
    with running_app(port=port) as url:
        pid = server_pid(port)
        yield url, [pid] if pid else [], [logs / f"streamlit-{port}.log"]


def run_load(opts: LoadOptions, url: str | None = None, replicas: int = 0) -> LoadResult:
    """The whole measurement: start the server(s) unless ``url`` is given, measure, read the logs."""
    if url:
        return asyncio.run(measure(url, opts, []))
    with serving(replicas) as (served_url, pids, logs):
        result = asyncio.run(measure(served_url, opts, pids))
    result.errors += [f"{log.name}: {line}" for log in logs for line in log_problems(log)]
    return result


# ----------------------------------------------------------------------------- the numbers


def latency(answers: list[Answer]) -> dict:
    """How many were sent, how many right, and p50/p95/max ms of the ones that came back."""
    from benchmarks.common import percentile

    times = [a.ms for a in answers if a.ms is not None]
    stats = {"sent": len(answers), "right": sum(a.right for a in answers)}
    if times:
        stats |= {"p50": statistics.median(times), "p95": percentile(times, 95), "max": max(times)}
    return stats


def summary(result: LoadResult) -> dict:
    """Latency and correctness by phase and kind, all load answers together, and those during training."""
    groups: dict[str, list[Answer]] = {}
    for a in result.answers:
        groups.setdefault(f"{a.phase} {a.kind}", []).append(a)
    load = [a for a in result.answers if a.phase == "load" and not a.kind.startswith("browser")]
    out = {name: latency(group) for name, group in sorted(groups.items())}
    out["load all"] = latency(load)
    started, ended = result.training.get("started"), result.training.get("ended")
    if started is not None and ended is not None:
        out["load during training"] = latency([a for a in load if started <= a.sent <= ended])
        out["load outside training"] = latency([a for a in load if not started <= a.sent <= ended])
    return out


def wrong(result: LoadResult, limit: int = 5) -> list[str]:
    """The first few wrong or failed answers, as sentences."""
    return [f"session {a.session} {a.kind}: {a.detail}" for a in result.answers if not a.right][:limit]


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
