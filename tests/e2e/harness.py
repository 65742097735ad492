"""Start the real app on a free localhost port and drive it with Playwright in Debian's Chromium.

Used by the e2e tests (tests/e2e/conftest.py) and by scripts/screenshot.py.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def chromium_path() -> str | None:
    """Debian's chromium (or $CHROMIUM), which Playwright drives instead of downloading its own."""
    for candidate in (
        os.environ.get("CHROMIUM"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
        shutil.which("google-chrome"),
    ):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(
    port: int | None = None, env: dict | None = None, timeout: float = 90, script: str = "streamlit_app.py"
):
    """Yield the base URL of `streamlit run <script>` (the app by default) on localhost; stop it afterwards."""
    port = port or free_port()
    log = (_artifacts() / f"streamlit-{port}.log").open("w")
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        script,
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with code {proc.returncode}; see test-artifacts/")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not answer /_stcore/health within {timeout:.0f} s")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _artifacts() -> Path:
    folder = ROOT / "test-artifacts"
    folder.mkdir(exist_ok=True)
    return folder


def launch_browser(playwright):
    """Headless Debian Chromium through Playwright (`playwright install` cannot download here)."""
    path = chromium_path()
    if path is None:
        raise RuntimeError("Chromium not found: install Debian's `chromium` package (make test does it).")
    return playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)


def wait_until_idle(page, timeout: float = 60_000) -> None:
    """Wait for the app to be drawn and for Streamlit to finish running the script."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_selector('[data-testid="stMain"] [data-testid="stElementContainer"]', timeout=timeout)
    # While a script runs, the status widget shows; it goes away when the run ends.
    page.wait_for_function(
        """() => {
            const s = document.querySelector('[data-testid="stStatusWidget"]');
            return !s || !s.innerText.toLowerCase().includes('running');
        }""",
        timeout=timeout,
    )
    page.wait_for_timeout(300)


def wait_for_charts(page, timeout: float = 30_000) -> None:
    """Wait until every visible Plotly chart has drawn its SVG (Plotly loads and draws lazily)."""
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
                 .filter(el => el.offsetParent !== null)
                 .every(el => el.querySelector(
                     '.main-svg .heatmaplayer, .main-svg .barlayer, .main-svg .scatterlayer'))""",
        timeout=timeout,
    )


def wait_until_drawn(page, timeout: float = 30_000) -> None:
    """Wait until no element shows Streamlit's grey skeleton: tables and editors draw once their code,
    loaded lazily, has arrived, which can be after the script run ends."""
    page.wait_for_function("""() => !document.querySelector('[data-testid="stSkeleton"]')""", timeout=timeout)


@contextmanager
def rerun(page, quiet_ms: int = 300, timeout: float = 60_000):
    """Around an action that reruns the script (a click, key presses): wait until that run has ended.

    Streamlit marks the app ``data-test-script-state="running"`` from the moment the browser asks for a
    run until the run ends; wait_until_idle cannot tell "not started yet" from "over", this can. A quick run
    (a fragment, a cached answer: tens of ms) can be over before the page ever shows "running", so a change
    to the page's content counts as seeing it too. Key presses on a slider may start a second run right after
    the first: the page must stay quiet a while.
    """
    page.evaluate(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            const main = document.querySelector('[data-testid="stMain"]') || app;
            window.__alRunSeen = false;
            window.__alRunChanged = performance.now();
            window.__alRunObserver?.disconnect();
            window.__alMainObserver?.disconnect();
            window.__alRunObserver = new MutationObserver(() => {
                window.__alRunChanged = performance.now();
                if (app.getAttribute('data-test-script-state') === 'running') window.__alRunSeen = true;
            });
            window.__alRunObserver.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
            window.__alMainObserver = new MutationObserver(() => {
                window.__alRunChanged = performance.now();
                window.__alRunSeen = true;
            });
            window.__alMainObserver.observe(main, {childList: true, subtree: true, characterData: true});
        }"""
    )
    yield
    page.wait_for_function(
        """quiet => window.__alRunSeen
            && document.querySelector('[data-testid="stApp"]').getAttribute('data-test-script-state') !== 'running'
            && performance.now() - window.__alRunChanged > quiet""",
        arg=quiet_ms,
        timeout=timeout,
    )


WHOLE_PAGE_CSS = """
html, body, #root, [data-testid="stApp"], [data-testid="stMain"] {
    height: auto !important; overflow: visible !important;
}
[data-testid="stAppViewContainer"] {
    position: static !important; height: auto !important; overflow: visible !important;
}
"""


def screenshot_whole_page(page, path: Path | str) -> None:
    """A screenshot of the whole app. Streamlit scrolls inside its main element, so Playwright's full_page
    sees one screen: for the shot, let the document grow with the content (no resize, so no redraw)."""
    style = page.add_style_tag(content=WHOLE_PAGE_CSS)
    try:
        page.screenshot(path=str(path), full_page=True)
    finally:
        style.evaluate("element => element.remove()")
