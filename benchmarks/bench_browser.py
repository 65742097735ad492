"""Browser interaction latency: one person in headless Chromium against `streamlit run` on localhost, timed
from the input being submitted to its heatmap or overlay being drawn. Every input is new (no cache hit)
except the gallery pictures, whose captions are cached after their first pick.

Targets: /text median ≤ 150 ms, /image median ≤ 500 ms.

python -m benchmarks.bench_browser [--quick]
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator

from benchmarks.browser import Session, app_and_browsers, png
from benchmarks.common import Options, Row, Skipped, browser_missing, median_p95


async def measure(opts: Options) -> dict[str, list[float]]:
    """ms per interaction kind."""
    from models.data.shapes import ShapesGenerator, render

    n = opts.pick(3, 20)
    pictures = [png(render(s)) for s in ShapesGenerator(seed=555).scenes(n)]
    async with app_and_browsers(1) as (url, _, [browser]):
        session = await Session.start(browser, url, timeout_s=opts.timeout_s)
        try:
            await session.open("/text")  # the first open loads the date models: not an interaction
            text = [await session.type_date() for _ in range(n)]
            await session.open("/image")
            gallery = [await session.pick_scene() for _ in range(n)]
            upload = [await session.upload(data, f"scene-{i}.png") for i, data in enumerate(pictures)]
            await session.open("/transformer")
            transformer = [await session.type_transformer_date() for _ in range(n)]
        finally:
            await session.close()
    return {"text": text, "upload": upload, "gallery": gallery, "transformer": transformer}


MEASURES = {  # kind -> (what is timed, target for the median in ms)
    "text": ("/text: date submitted → alignment heatmap drawn", 150),
    "upload": ("/image: picture uploaded → caption overlay drawn", 500),
    "gallery": ("/image: gallery picture chosen → caption overlay drawn", None),
    "transformer": ("/transformer: date submitted → attention map drawn", None),
}


def rows(opts: Options) -> Iterator[Row]:
    missing = browser_missing()
    if missing:
        raise Skipped(missing)
    timings = asyncio.run(measure(opts))
    for kind, (what, target) in MEASURES.items():
        median, p95 = median_p95(timings[kind])
        yield Row(
            "browser",
            f"{what}, median",
            median,
            "ms",
            target=f"<= {target}" if target else "",
            note=f"{len(timings[kind])} interactions, Chromium headless, one session",
        )
        yield Row("browser", f"{what}, p95", p95, "ms")


def main(argv: list[str] | None = None) -> int:
    from benchmarks import run

    return run.main(argv, scripts=["browser"])


if __name__ == "__main__":
    sys.exit(main())
