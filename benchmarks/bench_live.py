"""Live training in class (/experiments): seconds from pressing Start to a date model with ≥ 99 % exact match
on 500 held-out dates, on the CPU, within a 90 s budget. This trains (about 3 minutes): skipped by --quick.

python -m benchmarks.bench_live
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator

from benchmarks.common import Options, Row

BUDGET_S = 90


def rows(opts: Options) -> Iterator[Row]:
    if opts.quick:
        yield Row("live", "live date training", None, note="skipped by --quick (it trains for 3 minutes)")
        return
    from models.live import quick_train

    for attention in ("additive", "dot"):
        start = time.perf_counter()
        reached: list[float] = []

        def progress(record, reached=reached, start=start):
            if record.get("kind") == "eval" and record["exact_match"] >= 0.99 and not reached:
                reached.append(time.perf_counter() - start)

        _, result = quick_train("date", attention, budget_s=BUDGET_S, on_progress=progress)
        best = max((r["exact_match"] for r in result.history), default=0.0)
        yield Row(
            "live",
            f"date-{attention} from scratch: Start → validation exact ≥ 99 %",
            reached[0] if reached else None,
            "s",
            note=f"{'' if reached else f'not within {BUDGET_S} s; '}best {best:.1%} in {BUDGET_S} s, "
            f"{result.steps} steps; CPU",
        )


def main(argv: list[str] | None = None) -> int:
    from benchmarks import run

    return run.main(argv, scripts=["live"])


if __name__ == "__main__":
    sys.exit(main())
