"""Run every benchmark script (benchmarks/bench_*.py) in turn: `make bench` or `python -m benchmarks.run`."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from benchmarks.common import machine


def main() -> None:
    wanted = sys.argv[1:]
    print(f"Attention Lens benchmarks · {machine()}")
    for script in sorted(Path(__file__).parent.glob("bench_*.py")):
        if wanted and not any(w in script.stem for w in wanted):
            continue
        importlib.import_module(f"benchmarks.{script.stem}").main()


if __name__ == "__main__":
    main()
