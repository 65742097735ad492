"""Where the time of one interaction goes: `python -m benchmarks.profile`.

For each interaction (a date typed on /text, the step slider moved, a gallery picture picked on /image):

* **script**: the page's run under Streamlit's AppTest, profiled (cProfile, in the script's own thread), its
  own time grouped by where the code lives: the models (and torch), Plotly, Altair, PIL, dataframes,
  Streamlit's element and runtime code, the app's own code;
* **server round trip**: the same interaction over the websocket (testkit/stclient.py) against
  `streamlit run`: script + serialising + sending, as the server sees it, and the bytes sent;
* **cold start**: what importing the entry point's modules costs in a fresh Python (``-X importtime``).

The browser's own share (drawing) is the browser benchmark's latency minus the round trip.

    python -m benchmarks.profile               # all of it (about a minute)
    python -m benchmarks.profile --top 25      # and the 25 slowest app/models functions of each
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import cProfile
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from benchmarks.common import ROOT

GROUPS = [  # (a piece of the file path, the group), first match wins
    ("/models/", "models (our networks, decoding)"),
    ("/torch/", "torch"),
    ("plotly", "plotly (figures, JSON)"),
    ("altair", "altair (charts, validation)"),
    ("jsonschema", "altair (charts, validation)"),
    ("referencing", "altair (charts, validation)"),
    ("/PIL/", "PIL (images)"),
    ("pyarrow", "dataframes (arrow, pandas)"),
    ("pandas", "dataframes (arrow, pandas)"),
    ("narwhals", "dataframes (arrow, pandas)"),
    ("numpy", "numpy"),
    ("google/protobuf", "protobuf"),
    ("streamlit/", "streamlit (elements, runtime)"),
    ("/app/", "app (pages, charts, services)"),
]


class ScriptProfile:
    """cProfile around every script run of AppTest (which runs the script in a thread of its own)."""

    def __init__(self) -> None:
        from streamlit.runtime.scriptrunner import script_runner

        self.profile = cProfile.Profile()
        self.active = False
        original = script_runner.ScriptRunner._run_script

        def run_script(runner, *args, **kwargs):
            if not self.active:
                return original(runner, *args, **kwargs)
            self.profile.enable()
            try:
                return original(runner, *args, **kwargs)
            finally:
                self.profile.disable()

        script_runner.ScriptRunner._run_script = run_script

    def groups(self) -> collections.Counter:
        """Own time (seconds) per group of GROUPS; a built-in (C) function's time goes to the groups of the
        code that called it (PIL's encoder to PIL, torch's kernels to torch, ...)."""
        totals: collections.Counter = collections.Counter()
        for (path, _, _), (_, _, own, _, callers) in pstats.Stats(self.profile).stats.items():
            if path == "~" and callers:
                calls = sum(c[2] for c in callers.values()) or 1.0
                for (caller_path, _, _), c in callers.items():
                    totals[_group(caller_path)] += own * c[2] / calls
            else:
                totals[_group(path)] += own
        return totals


def _group(path: str) -> str:
    return next((g for key, g in GROUPS if key in path), "python (stdlib, builtins)")


def script_time(label: str, prepare: Callable, actions: list[Callable], top: int) -> dict:
    """Median wall time of ``actions`` (AppTest reruns, after two untimed ones) and where it went."""
    profiler = ScriptProfile()
    at = prepare()
    for act in actions[:2]:
        act(at)
    times = []
    profiler.active = True
    for act in actions[2:]:
        start = time.perf_counter()
        act(at)
        times.append((time.perf_counter() - start) * 1000)
        assert not at.exception, [e.value for e in at.exception]
    profiler.active = False
    runs = len(times)
    groups = profiler.groups()
    total = sum(groups.values())
    print(f"\n{label}: AppTest rerun median {statistics.median(times):.0f} ms (min {min(times):.0f}), profiled")
    for group, seconds in groups.most_common():
        print(f"  {group:34s} {1000 * seconds / runs:7.1f} ms/run  {100 * seconds / total:5.1f} %")
    if top:
        pstats.Stats(profiler.profile).sort_stats("cumulative").print_stats(r"/app/|/models/", top)
    return {"median_ms": statistics.median(times), "groups_ms": {g: 1000 * s / runs for g, s in groups.items()}}


def interactions(n: int) -> dict[str, tuple[Callable, list[Callable]]]:
    """label -> (open the page, the actions)."""
    from models.data.dates import DateGenerator
    from testkit.apptest import open_app

    dates = [e.source for e in DateGenerator(seed=99, split="test").samples(n + 2)]
    steps = [2 + (i % 8) for i in range(n + 2)]
    picks = [(i + 1) % 6 for i in range(n + 2)]
    return {
        "/text date typed": (
            lambda: open_app("text"),
            [lambda at, d=d: at.text_input(key="text_input_date").set_value(d).run() for d in dates],
        ),
        "/text step slider moved": (
            lambda: _with_tab(open_app("text"), "text_tab", "Step by step"),
            [lambda at, s=s: at.slider(key="text_steps_step").set_value(s).run() for s in steps],
        ),
        "/image gallery picture picked": (
            lambda: open_app("image"),
            [lambda at, i=i: at.button(key=f"image_pick_{i}").click().run() for i in picks],
        ),
    }


def _with_tab(at, key: str, label: str):
    """The page with another tab open (only the open tab runs)."""
    at.session_state[key] = label
    return at.run()


async def round_trips(url: str, n: int) -> dict[str, dict]:
    """The same interactions over the websocket: median ms from sending to the run's end, and bytes."""
    from models.data.dates import DateGenerator
    from testkit.stclient import StreamlitClient

    client = StreamlitClient(url)
    out = {}
    await client.open("text")
    dates = [e.source for e in DateGenerator(seed=98, split="test").samples(n)]
    runs = [await client.rerun({"text_input_date": d}) for d in dates]
    out["/text date typed"] = runs
    await client.rerun({"text_tab": "Step by step"})  # only the open tab runs
    runs = [await client.rerun({"text_steps_step": 2 + (i % 8)}) for i in range(n)]
    out["/text step slider moved"] = runs
    await client.rerun(page="image")
    out["/image gallery picture picked"] = [await client.rerun(press=f"image_pick_{(i + 1) % 6}") for i in range(n)]
    await client.close()
    return {
        k: {"median_ms": statistics.median(r.ms for r in v), "bytes": statistics.median(r.bytes for r in v)}
        for k, v in out.items()
    }


def import_times() -> list[tuple[str, float]]:
    """The slowest top-level imports of the entry point's modules in a fresh Python (ms, cumulative)."""
    code = "import app.services, app.ui.components, app.ui.presenter, app.navigation, app.i18n, streamlit"
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code], cwd=ROOT, capture_output=True, text=True)
    rows = []
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cumulative, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
            if cumulative.isdigit() and not name.startswith(" ") and "." not in name.strip():
                rows.append((name.strip(), int(cumulative) / 1000))
    return sorted(rows, key=lambda r: -r[1])[:12]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=12, help="interactions of each kind")
    parser.add_argument("--top", type=int, default=0, help="also list the N slowest app and model functions")
    args = parser.parse_args(argv)
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    print("\ncold start, imports of the entry point in a fresh Python (cumulative ms, top level):")
    for name, ms in import_times():
        print(f"  {name:24s} {ms:7.0f} ms")
    for label, (prepare, actions) in interactions(args.runs).items():
        script_time(label, prepare, actions, args.top)
    from testkit.server import free_port, running_app

    with running_app(port=free_port()) as url:
        trips = asyncio.run(round_trips(url, args.runs))
    print("\nserver round trip over the websocket (one session, script + serialising + sending):")
    for label, numbers in trips.items():
        print(f"  {label:34s} {numbers['median_ms']:7.0f} ms  {numbers['bytes'] / 1024:6.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
