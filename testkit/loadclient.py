"""A whole class at once: many sessions of the app held by one process over Streamlit's own websocket protocol
(testkit/stclient.py), each doing what a student does, every answer checked.

Each session opens /text and submits ``interactions`` different dates (fresh test-split dates, so no cache
hit), checking that the answer shown is the right ISO date; every ``image_every``-th session then opens
/image and picks as many gallery pictures, checking the caption shown against the scene's true caption.
Between actions a session waits a think time drawn from ``think`` seconds. Sessions start spread over the
first few seconds; the run is bounded by ``max_seconds``.

Before the load, one session alone does the same (the latency "alone"). With ``train_s``, one more session
starts live training on /experiments once the load is under way and watches it, another checks that
/experiments says the slot is busy, and the answers during training are reported apart. The server's CPU and
peak memory (RSS of its process tree, /proc or psutil) are sampled every 0.5 s. A caller may add one more
person in a real browser (``measure(..., chromium=...)``: benchmarks/load.py does, with Chromium).

Used by the load benchmark (benchmarks/load.py, ``make bench``) and by tests/e2e/test_load_client.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import random
import re
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from testkit.report import percentile
from testkit.stclient import Run, StreamlitClient

OUTPUT = re.compile(r'data-testid="al-output"[^>]*>(.*?)</div>', re.S)
CAPTION = re.compile(r'data-testid="al-caption"[^>]*>(.*?)</div>', re.S)
CHIP = re.compile(r"<span[^>]*>(.*?)</span>", re.S)
GALLERY = 6  # pictures in /image's gallery (services.gallery_scenes)

Record = Callable[["Answer"], None]
# One more person, in a real browser: called as chromium(phase, think, record, t0), alone and then under load.
Chromium = Callable[[str, tuple[float, float], Record, float], Awaitable[None]]


@dataclass
class LoadOptions:
    sessions: int = 30
    interactions: int = 10  # dates per session (and pictures, for the sessions that open /image)
    image_every: int = 3  # every n-th session also opens /image (0: none)
    think: tuple[float, float] = (2.0, 5.0)  # seconds between two actions of one session, uniform
    timeout_s: float = 60.0  # longest wait for one answer before it counts as failed
    max_seconds: float = 600.0  # the whole load phase is cut here
    train_s: float = 0.0  # live training budget during the load (0: none)
    browser: bool = False  # benchmarks/load.py: one real Chromium measures its own latency too
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


def held_out_dates(seed: int, n: int) -> list[tuple[str, str]]:
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
        for source, iso in held_out_dates(self.opts.seed * 1000 + self.index, self.opts.interactions):
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


# ----------------------------------------------------------------------------- the server: CPU, memory


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


# ----------------------------------------------------------------------------- live training


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


# ----------------------------------------------------------------------------- the run


async def _alone(url: str, opts: LoadOptions, record: Record, t0: float, chromium: Chromium | None) -> None:
    """Before the load: one session by itself (dates, then pictures), and the browser by itself."""
    solo = Student(opts.sessions, url, replace(opts, image_every=1, think=(0.3, 0.6)), record, t0)
    solo.phase = "alone"
    await solo.run()
    if chromium is not None:
        await chromium("alone", (0.3, 0.6), record, t0)


async def _load(
    url: str, opts: LoadOptions, record: Record, t0: float, chromium: Chromium | None, training: dict
) -> None:
    """The class: every session (started within the first 3 s), the training, the browser, all at once."""

    async def student(i: int) -> None:
        await asyncio.sleep(random.Random(i).uniform(0, 3))
        await Student(i, url, opts, record, t0).run()

    async def train() -> None:
        await asyncio.sleep(5)  # once the class is busy
        await live_training(url, opts, t0, training)

    jobs = [student(i) for i in range(opts.sessions)]
    if opts.train_s:
        jobs.append(train())
    if chromium is not None:
        jobs.append(chromium("load", opts.think, record, t0))
    await asyncio.gather(*jobs)


async def measure(url: str, opts: LoadOptions, pids: list[int], chromium: Chromium | None = None) -> LoadResult:
    """Alone first, then the load with the server (``pids``) watched; bounded by ``opts.max_seconds``."""
    result = LoadResult()
    t0 = time.perf_counter()
    record = result.answers.append
    await asyncio.wait_for(_alone(url, opts, record, t0, chromium), opts.max_seconds)
    watch, stop = ServerWatch(pids), asyncio.Event()
    watcher = asyncio.create_task(watch.watch(stop))
    start = time.perf_counter()
    try:
        await asyncio.wait_for(_load(url, opts, record, t0, chromium, result.training), opts.max_seconds)
    except TimeoutError:
        result.errors.append(f"the load was cut after max_seconds {opts.max_seconds:g}")
    result.wall_s = time.perf_counter() - start
    stop.set()
    await watcher
    result.server = watch.summary()
    return result


# ----------------------------------------------------------------------------- the numbers


def latency(answers: list[Answer]) -> dict:
    """How many were sent, how many right, and p50/p95/max ms of the ones that came back."""
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
