"""Every benchmark in one table: `make bench`, or `python -m benchmarks.run`.

    python -m benchmarks.run                    # everything: 20–30 minutes on a 2-core laptop
    python -m benchmarks.run --quick            # a smoke run of everything: a few minutes
    python -m benchmarks.run text image         # only the scripts whose name holds a word (bench_text, bench_image)
    python -m benchmarks.run load --sessions 3 --interactions 3 --think 0.2 0.5
    python -m benchmarks.bench_load --sessions 30        # a script alone takes the same options
    python -m benchmarks.load --sessions 30 --replicas 2  # the load client alone (see its --help)

The table (Markdown, headed by the date and the machine) goes to stdout, progress to stderr, into
``benchmarks/README.md`` after a whole run, and the same rows to JSON: ``benchmarks/results.json`` for a
whole run, ``benchmarks/results-<scripts>[-quick].json`` for part of one or a quick run (both git-ignored),
or the path given with ``--json``. The exit status is 1 when a script crashed; a missed target is a
finding, not a failure.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
import traceback
from datetime import datetime
from pathlib import Path

from benchmarks.common import Options, Row, Skipped, default_devices, fmt_value, machine, table, write_json

HERE = Path(__file__).resolve().parent
BEGIN, END = "<!-- results: written by make bench -->", "<!-- /results -->"
# The order of the table; a new bench_<name>.py not listed here comes last.
ORDER = ["startup", "text", "translate", "image", "training", "browser", "selfattention", "load", "class", "live"]


def available() -> list[str]:
    """The <name> of every benchmarks/bench_<name>.py, in table order."""
    names = [p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py")]
    return sorted(names, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))


def parse(argv: list[str] | None) -> argparse.Namespace:
    defaults = Options()
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n")[0])
    parser.add_argument("only", nargs="*", metavar="WORD", help=f"run the scripts whose name holds WORD: {available()}")
    parser.add_argument("--quick", action="store_true", help="smoke run: few repeats, no training or quality")
    parser.add_argument("--json", type=Path, help="where to write the rows (default: benchmarks/results*.json)")
    parser.add_argument(
        "--device", action="append", choices=["cpu", "cuda"], help="time the models here (default: cpu, and cuda)"
    )
    parser.add_argument("--sessions", type=int, help=f"load: concurrent sessions ({defaults.sessions}; quick: 3)")
    parser.add_argument("--interactions", type=int, help=f"load: per session ({defaults.interactions}; quick: 3)")
    parser.add_argument(
        "--think", type=float, nargs=2, default=defaults.think, metavar=("LOW", "HIGH"), help="load: pause (s)"
    )
    parser.add_argument("--timeout", type=float, default=defaults.timeout_s, help="browser: seconds per interaction")
    return parser.parse_args(argv)


def _progress(row: Row) -> None:
    value = f"{fmt_value(row.value)} {row.unit}".strip()
    mark = {True: " ✓", False: " ✗", None: ""}[row.ok]
    print(f"  {row.area} · {row.measure}: {value}{mark}{f'  ({row.note})' if row.note else ''}", file=sys.stderr)


def main(argv: list[str] | None = None, scripts: list[str] | None = None) -> int:
    """Run the chosen scripts, print one table, write it as JSON. ``scripts`` fixes the scripts (a script's main)."""
    args = parse(argv)
    names = scripts or [n for n in available() if not args.only or any(w in n for w in args.only)]
    if not names:
        print(f"no benchmark matches {args.only}; there are {available()}", file=sys.stderr)
        return 2
    devices = args.device or default_devices()
    if "cuda" in devices and "cuda" not in default_devices():
        print("--device cuda: torch sees no CUDA GPU here", file=sys.stderr)
        return 2
    opts = Options(
        quick=args.quick,
        devices=devices,
        sessions=args.sessions or (3 if args.quick else Options.sessions),
        interactions=args.interactions or (3 if args.quick else Options.interactions),
        think=tuple(args.think),
        timeout_s=args.timeout,
    )
    started = datetime.now().astimezone()
    load_before = _load()
    print(f"Attention Lens benchmarks{' (quick)' if opts.quick else ''}: {', '.join(names)}", file=sys.stderr)
    rows: list[Row] = []
    crashed = False
    for name in names:
        print(f"[{name}]", file=sys.stderr)
        start = time.perf_counter()
        try:
            for row in importlib.import_module(f"benchmarks.bench_{name}").rows(opts):
                rows.append(row)
                _progress(row)
        except Skipped as why:
            rows.append(Row(name, "skipped", None, note=str(why)))
            _progress(rows[-1])
        except Exception as err:
            traceback.print_exc()
            rows.append(Row(name, "crashed", None, note=f"{type(err).__name__}: {err}".splitlines()[0][:200]))
            crashed = True
        print(f"[{name}] {time.perf_counter() - start:.0f} s", file=sys.stderr)

    heading = (
        f"Measured {started:%Y-%m-%d %H:%M %Z}{' (--quick)' if opts.quick else ''} on {machine()}; "
        f"load average {load_before} before, {_load()} after (other work on the machine slows every number)"
    )
    print(f"\n{heading}\n")
    print(table(rows))
    if len(names) == len(available()) and not opts.quick and not args.json:
        write_readme(f"{heading}\n\n{table(rows)}")
    partial = "" if len(names) == len(available()) else "-" + "-".join(names)
    path = args.json or HERE / f"results{partial}{'-quick' if opts.quick else ''}.json"
    meta = {"quick": opts.quick, "scripts": names, "options": vars(opts)}
    write_json(path, rows, meta)
    print(f"\nwrote {path}", file=sys.stderr)
    return 1 if crashed else 0


def _load() -> str:
    """The 1-minute load average, and the number of cores beside it."""
    try:
        return f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    except OSError:
        return "unknown"


def write_readme(block: str, readme: Path = HERE / "README.md") -> None:
    """Put the last whole run's table between its markers in benchmarks/README.md."""
    text = readme.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    readme.write_text(f"{head}{BEGIN}\n{block}\n{END}{rest.split(END, 1)[1]}", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
