"""Start-up: importing the heavy libraries (each in a fresh Python), creating the CUDA context, and the app's
cold start in Chromium: from launching `streamlit run` to the server answering, to the first page content
painted (target ≤ 3 s), to the home page fully drawn, then the first /text heatmap (models load on first use).

python -m benchmarks.bench_startup [--quick]
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator

from benchmarks.common import ROOT, Options, Row, browser_missing


def import_ms(code: str) -> float:
    """Wall time of a fresh Python that runs ``code`` (interpreter start-up included), in ms."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    return (time.perf_counter() - start) * 1000


HOME_MODULES = "import app.services, app.ui.components, app.ui.presenter, app.navigation, app.i18n"  # no torch
CUDA_INIT = (
    "import time, torch; t = time.perf_counter(); torch.zeros(1, device='cuda'); torch.cuda.synchronize(); "
    "print((time.perf_counter() - t) * 1000)"
)


async def cold_starts(opts: Options) -> list[dict[str, float]]:
    """Seconds from launching `streamlit run` to each milestone, once per run (Chromium is already up)."""
    from playwright.async_api import async_playwright

    from benchmarks.browser import Session
    from testkit.chromium import launch_browser
    from testkit.server import free_port, running_app

    runs = []
    async with async_playwright() as playwright:
        browser = await launch_browser(playwright)
        for _ in range(opts.pick(1, 3)):
            session = await Session.start(browser, "", timeout_s=opts.timeout_s)
            port = free_port()
            start = time.perf_counter()
            with running_app(port=port) as url:  # returns once /_stcore/health answers (polled every 0.3 s)
                ready = time.perf_counter() - start
                session.url = url
                await session.page.goto(url + "/")
                await session.page.locator('[data-testid="stMain"] h1').first.wait_for(state="visible")
                paint = time.perf_counter() - start
                await session.wait("() => window.__al.ready('/')")
                home = time.perf_counter() - start
                await session.settle()
                session.here = "/"
                text_ms = await session.open("/text")
                runs.append({"ready": ready, "paint": paint, "home": home, "text": text_ms / 1000})
            await session.close()
        await browser.close()
    return runs


def rows(opts: Options) -> Iterator[Row]:
    for what, code in [
        ("import torch", "import torch"),
        ("import streamlit", "import streamlit"),
        ("import models.registry", "import models.registry"),
        ("import the home page's modules", HOME_MODULES),
    ]:
        yield Row("startup", f"{what} (fresh Python)", import_ms(code), "ms")
    if "cuda" in opts.devices:
        out = subprocess.run([sys.executable, "-c", CUDA_INIT], capture_output=True, text=True, check=True)
        yield Row("startup", "CUDA context (first tensor on the GPU)", float(out.stdout.split()[-1]), "ms")

    missing = browser_missing()
    if missing:
        yield Row("app", "cold start", None, note=f"skipped: {missing}")
        return
    runs = asyncio.run(cold_starts(opts))
    n = f"median of {len(runs)} cold start{'s' if len(runs) > 1 else ''}"

    def median(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    yield Row(
        "app", "cold start → server answers /_stcore/health", median("ready"), "s", note=f"{n}, polled each 0.3 s"
    )
    yield Row("app", "cold start → first paint (home title in Chromium)", median("paint"), "s", target="<= 3", note=n)
    yield Row("app", "cold start → home page fully drawn (its heatmap)", median("home"), "s", note=n)
    yield Row(
        "app",
        "then /text from the sidebar → first heatmap",
        median("text"),
        "s",
        target="<= 1",
        note="torch loads in the background after the home page is drawn; the date models load on first use",
    )


def main(argv: list[str] | None = None) -> int:
    from benchmarks import run

    return run.main(argv, scripts=["startup"])


if __name__ == "__main__":
    sys.exit(main())
