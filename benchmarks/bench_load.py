"""A classroom at once, measured with benchmarks/load.py: N websocket sessions in one client process (Streamlit's
own protocol, no browser each), every answer checked, while one real Chromium measures its own latency and one
more session trains live on /experiments; then the same class through nginx in front of 2 app processes.

Targets on the 2-core machine: 100 % of answers right, p95 ≤ 1.5 s, server RSS ≤ 3 GB, no error in the log.

python -m benchmarks.bench_load [--quick] [--sessions 30 --interactions 10 --think 2 5]
python -m benchmarks.load --help          # the load client alone, with more options
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from benchmarks.common import Options, Row, Skipped, browser_missing
from benchmarks.load import run_load
from testkit.loadclient import LoadOptions, LoadResult, summary, wrong

TRAIN_S = 30  # the live training's budget during the load


def _setup(opts: Options, load: LoadOptions, replicas: int) -> str:
    where = f"{replicas} app processes behind nginx" if replicas else "one app process"
    extra = (f", live training {load.train_s:g} s" if load.train_s else "") + (", 1 Chromium" if load.browser else "")
    return (
        f"{load.sessions} sessions × {load.interactions} dates (+ {load.interactions} gallery pictures in 1 of "
        f"{load.image_every}), think {load.think[0]:g}–{load.think[1]:g} s, {where}{extra}"
    )


def _latency_rows(
    area: str, name: str, stats: dict, target: str = "", note: str = "", worst: bool = False
) -> Iterator[Row]:
    """p50 and p95 (and the max, when ``worst``) of one kind of answer."""
    if "p50" not in stats:
        yield Row(area, f"{name}: latency", None, "ms", note="no answer came back")
        return
    yield Row(area, f"{name}: latency p50", stats["p50"], "ms", note=note)
    yield Row(area, f"{name}: latency p95", stats["p95"], "ms", target=target)
    if worst:
        yield Row(area, f"{name}: latency max", stats["max"], "ms")


def _rows(result: LoadResult, opts: Options, load: LoadOptions, replicas: int) -> Iterator[Row]:
    area = f"load ×{replicas}" if replicas else "load"
    numbers = summary(result)
    every = numbers["load all"]
    failed = "; ".join(wrong(result, 3))
    yield Row(
        area,
        "answers right / sent",
        100 * every["right"] / max(every["sent"], 1),
        "%",
        target="== 100",
        note=f"{every['right']}/{every['sent']}; {_setup(opts, load, replicas)}" + (f"; {failed}" if failed else ""),
    )
    load_s = f"{result.wall_s:.0f} s under load"
    yield from _latency_rows(area, "every answer under load", every, target="<= 1500", note=load_s, worst=True)
    for kind, what in (("date", "/text date → answer"), ("picture", "/image gallery → caption")):
        for phase in ("alone", "load"):
            stats = numbers.get(f"{phase} {kind}", {})
            note = "one session, nothing else running" if phase == "alone" else ""
            yield from _latency_rows(area, f"{what}, {phase}", stats, note=note)
    for phase in ("alone", "load"):
        stats = numbers.get(f"{phase} browser-date", {})
        if stats:
            note = f"{stats['right']}/{stats['sent']} right; Chromium, typed → heatmap drawn"
            yield from _latency_rows(area, f"Chromium /text date, {phase}", stats, note=note)
    yield from _server_rows(area, result)
    if result.training:
        yield from _training_rows(area, result.training, numbers)


def _server_rows(area: str, result: LoadResult) -> Iterator[Row]:
    server = result.server
    if server:
        cores = f"{server['cores']} cores = {100 * server['cores']} %"
        yield Row(area, "server CPU, mean under load", server["cpu_mean_pct"], "% of a core", note=cores)
        yield Row(area, "server CPU, peak over 2 s", server["cpu_peak_pct"], "% of a core")
        yield Row(
            area,
            "server RSS, peak",
            server["rss_peak_mib"],
            "MiB",
            target="<= 3072",
            note=f"{server['rss_start_mib']:.0f} MiB before the load",
        )
    problems = result.errors
    yield Row(
        area, "errors and warnings in the server log", len(problems), "", target="== 0", note=" | ".join(problems)[:300]
    )


def _training_rows(area: str, training: dict, numbers: dict) -> Iterator[Row]:
    shown, checks = training.get("busy_shown", 0), training.get("busy_checks", 0)
    note = (
        f"trained {training.get('ended', 0) - training.get('started', 0):.0f} s wall for a {TRAIN_S} s budget; "
        f"model arrived: {bool(training.get('model_arrived'))}"
        + (f"; {training['problem']}" if "problem" in training else "")
    )
    yield Row(area, "live training: another session sees 'busy'", 100 * shown / max(checks, 1), "%", "== 100", note)
    during, outside = numbers.get("load during training", {}), numbers.get("load outside training", {})
    if during.get("sent"):
        right = f"{during['right']}/{during['sent']} right"
        yield from _latency_rows(area, "answers while training", during, target="<= 1500", note=right)
    if outside.get("sent"):
        yield from _latency_rows(area, "answers while not training", outside)


def rows(opts: Options) -> Iterator[Row]:
    missing = browser_missing()
    if missing:
        raise Skipped(missing)
    load = LoadOptions(
        sessions=opts.sessions,
        interactions=opts.interactions,
        think=opts.think,
        train_s=0 if opts.quick else TRAIN_S,
        browser=True,
    )
    yield from _rows(run_load(load), opts, load, replicas=0)
    from deploy.serve import nginx_binary

    if nginx_binary() is None:
        yield Row("load ×2", "skipped", None, note="nginx is not installed: scripts/ensure_nginx.sh")
        return
    load.browser, load.train_s = False, 0
    yield from _rows(run_load(load, replicas=2), opts, load, replicas=2)


def main(argv: list[str] | None = None) -> int:
    from benchmarks import run

    return run.main(argv, scripts=["load"])


if __name__ == "__main__":
    sys.exit(main())
