"""Browser interaction latency: one person in headless Chromium against `streamlit run` on localhost, timed from
the input being submitted to its result drawn. Every input is new (no cache hit) except the gallery pictures,
whose captions are cached after their first pick.

In the same run, the floor: benchmarks/floor_app.py (a bare text box and a small Plotly heatmap), timed the
same way. Each app measure is also given as a multiple of the floor's median.

Targets (medians): /text date ≤ 150 ms and ≤ 1.6 × floor; a translation ≤ 200 ms; the step slider ≤ 120 ms;
/image gallery pick ≤ 300 ms (a scene, and an everyday photo); a 3-megapixel photo uploaded ≤ 500 ms (a scene
enlarged, and an everyday photo, which goes to the everyday captioner).

python -m benchmarks.bench_browser [--quick]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
from collections.abc import Iterator

from benchmarks.browser import Session, app_and_browsers
from benchmarks.common import Options, Row, Skipped, browser_missing, median_p95
from testkit.pictures import everyday_photos, phone_photos


def sentences(n: int) -> list[str]:
    """``n`` English test-split sentences of the translation data (never seen in training)."""
    from models.data.tatoeba import read_pairs

    test = sorted({p.english for p in read_pairs() if p.split == "test" and 8 <= len(p.english) <= 40})
    return [test[(7 * i) % len(test)] for i in range(n)]


async def floor(browser, n: int, timeout_s: float) -> list[float]:
    """ms per input on the floor page."""
    from testkit.server import free_port, running_app

    with running_app(port=free_port(), script="benchmarks/floor_app.py") as url:
        session = await Session.start(browser, url, timeout_s=timeout_s)
        try:
            await session._timed(lambda: session.page.goto(url + "/"), "() => window.__al.chart('floor_chart')")
            # every text has its own letter counts, so every chart differs from the one before
            return [await session.type_floor(f"{'x' * (i + 1)} march 2026") for i in range(n)]
        finally:
            await session.close()


async def text_page(session: Session, n: int) -> dict[str, list[float]]:
    """/text: dates, then the step slider (its tab), then English → Korean sentences."""
    await session.open("/text")  # the first open loads the date models: not an interaction
    timings = {"text": [await session.type_date() for _ in range(n)]}
    await session.open_tab(1)
    moves = []
    for i in range(n):
        moves.append(await session.move_step("ArrowRight" if (i // 5) % 2 == 0 else "ArrowLeft"))
    timings["step"] = moves
    await session.open_tab(0)
    await session.choose_task(1)
    first, *rest = sentences(n + 1)
    await session.type_sentence("text_input_en-ko", first)  # loads the translation model: not an interaction
    timings["translate"] = [await session.type_sentence("text_input_en-ko", s) for s in rest]
    return timings


async def measure(opts: Options) -> dict[str, list[float]]:
    """ms per interaction kind."""
    n = opts.pick(3, 20)
    async with app_and_browsers(1) as (url, _, [browser]):
        timings = {"floor": await floor(browser, n, opts.timeout_s)}
        session = await Session.start(browser, url, timeout_s=opts.timeout_s)
        try:
            timings |= await text_page(session, n)
            await session.open("/image")
            timings["gallery"] = [await session.pick_scene() for _ in range(n)]
            photos = phone_photos(n)
            timings["upload"] = [
                await session.upload(data, f"photo-{i}.jpg", "image/jpeg") for i, data in enumerate(photos)
            ]
            await session.open("/image?model=caption-photo")
            timings["everyday"] = [await session.pick_photo() for _ in range(n)]
            everyday = everyday_photos(n)
            timings["everyday_upload"] = [
                await session.upload(data, f"everyday-{i}.jpg", "image/jpeg") for i, data in enumerate(everyday)
            ]
            await session.open("/transformer")
            timings["transformer"] = [await session.type_transformer_date() for _ in range(n)]
        finally:
            await session.close()
    return timings


MEASURES = {  # kind -> (what is timed, target for the median in ms, target as a multiple of the floor)
    "floor": ("floor page: text submitted → Plotly chart redrawn", None, None),
    "text": ("/text: date submitted → answer and alignment heatmap drawn", 150, 1.6),
    "translate": ("/text: English sentence submitted → translation and heatmap drawn", 200, None),
    "step": ("/text: step slider moved → that step's numbers and bars drawn", 120, None),
    "gallery": ("/image: gallery picture chosen → caption and overlay drawn", 300, None),
    "upload": ("/image: 3-megapixel JPEG uploaded → caption and overlay drawn", 500, None),
    "everyday": ("/image: everyday gallery photo chosen → caption and overlay drawn", 300, None),
    "everyday_upload": ("/image: 3-megapixel everyday photo uploaded → routed, caption and overlay drawn", 500, None),
    "transformer": ("/transformer: date submitted → attention map drawn", None, None),
}


def rows(opts: Options) -> Iterator[Row]:
    missing = browser_missing()
    if missing:
        raise Skipped(missing)
    timings = asyncio.run(measure(opts))
    floor_ms = statistics.median(timings["floor"])
    for kind, (what, target, ratio) in MEASURES.items():
        median, p95 = median_p95(timings[kind])
        note = f"{len(timings[kind])} interactions, Chromium headless, one session"
        yield Row("browser", f"{what}, median", median, "ms", target=f"<= {target}" if target else "", note=note)
        yield Row("browser", f"{what}, p95", p95, "ms")
        if kind != "floor":
            yield Row(
                "browser",
                f"{what}, median ÷ floor median",
                median / floor_ms,
                "× floor",
                target=f"<= {ratio}" if ratio else "",
                note=f"floor {floor_ms:.0f} ms, measured in the same run",
            )


def main(argv: list[str] | None = None) -> int:
    from benchmarks import run

    return run.main(argv, scripts=["browser"])


if __name__ == "__main__":
    sys.exit(main())
