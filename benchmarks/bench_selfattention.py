"""/transformer with MiniLM (a real pretrained sentence Transformer, 6 × 12 heads), in headless Chromium against
`streamlit run` on localhost, timed as bench_browser.py times /text: from a sentence submitted to its grid of
72 heads drawn. Every sentence is new (no cache hit). The first open loads MiniLM and transformers: timed on
its own, not an interaction.

Target (median): a typed sentence → the head grid drawn ≤ 300 ms. In the same session, the date Transformer's view
(a date typed → its one map drawn) is timed too, as the baseline of this machine at this moment.

python -m benchmarks.bench_selfattention [--quick]
"""

from __future__ import annotations

import asyncio
import random
import sys
from collections.abc import Iterator

from benchmarks.browser import Session, app_and_browsers
from benchmarks.common import Options, Row, Skipped, browser_missing, median_p95

GRID = "ml_grid"  # the chart's widget key (app/pages/transformer/minilm_view.py)
SUBJECTS = ("the teacher", "a small dog", "my neighbour", "the old man", "every student", "the pilot", "her sister")
VERBS = ("found", "painted", "lost", "carried", "opened", "forgot", "repaired", "watched")
OBJECTS = ("the red box", "a letter", "his bicycle", "the window", "our map", "a broken clock", "the garden gate")
ENDINGS = ("before noon", "because it rained", "and then left", "near the river", "without a word", "twice")


def sentences(n: int, seed: int = 23) -> list[str]:
    """``n`` different English sentences of 8–14 words, like those a student types."""
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < n:
        s = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(ENDINGS)}."
        s = s[0].upper() + s[1:]
        if s not in out:
            out.append(s)
    return out


async def measure(opts: Options) -> dict[str, list[float]]:
    """ms: opening the MiniLM view (the first, loading the model), and each sentence typed."""
    n = opts.pick(3, 20)
    async with app_and_browsers(1) as (url, _, [browser]):
        session = await Session.start(browser, url, timeout_s=opts.timeout_s)
        try:
            target = f"{url}/transformer?model=minilm"
            opened = await session._timed(
                lambda: session.page.goto(target), "(k) => window.__al.chart(k) !== null", GRID
            )
            session.here = "/transformer"
            typed = [await session._type("ml_text", GRID, s) for s in sentences(n)]
            await session.page.locator(".st-key-tf_model button").nth(0).click()  # back to the date Transformer
            await session.wait("(k) => window.__al.chart(k) !== null", "tf_map")
            await session.settle()
            dates = [await session.type_transformer_date() for _ in range(n)]
        finally:
            await session.close()
    return {"open": [opened], "typed": typed, "dates": dates}


def rows(opts: Options) -> Iterator[Row]:
    missing = browser_missing()
    if missing:
        raise Skipped(missing)
    timings = asyncio.run(measure(opts))
    median, p95 = median_p95(timings["typed"])
    note = f"{len(timings['typed'])} sentences, Chromium headless, one session"
    what = "/transformer, MiniLM: sentence submitted → grid of 6 × 12 heads drawn"
    yield Row("browser", f"{what}, median", median, "ms", target="<= 300", note=note)
    yield Row("browser", f"{what}, p95", p95, "ms")
    base, _ = median_p95(timings["dates"])
    yield Row(
        "browser",
        f"{what}, median ÷ the date view's median",
        median / base,
        "×",
        note=f"date typed → its map drawn: {base:.0f} ms median, same session",
    )
    yield Row(
        "browser",
        "/transformer, MiniLM: first open (MiniLM and transformers load) → grid drawn",
        timings["open"][0],
        "ms",
        note="once per server",
    )


def main(argv: list[str] | None = None) -> int:
    from benchmarks import run

    return run.main(argv, scripts=["selfattention"])


if __name__ == "__main__":
    sys.exit(main())
