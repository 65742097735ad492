"""Live training in class: seconds from pressing Start to a date model with ≥ 99 % validation exact match.

python -m benchmarks.bench_live
"""

from __future__ import annotations

import time

from benchmarks.common import table
from models.train import quick_train


def main() -> None:
    rows = []
    for attention in ("additive", "dot"):
        start = time.perf_counter()
        reached: list[float] = []

        def progress(record, reached=reached, start=start):
            if record.get("kind") == "eval" and record["exact_match"] >= 0.99 and not reached:
                reached.append(time.perf_counter() - start)

        _, result = quick_train("date", attention, budget_s=90, on_progress=progress)
        best = max((r["exact_match"] for r in result.history), default=0.0)
        rows.append([attention, f"{reached[0]:.1f} s" if reached else "not within 90 s", f"{best:.1%}", result.steps])
    print(
        table(
            "Live date training on CPU (button press → ≥ 99 % on 500 held-out dates)",
            ["attention", "time to ≥ 99 %", "best validation exact match in 90 s", "steps in 90 s"],
            rows,
        )
    )


if __name__ == "__main__":
    main()
