"""Drive the real app with Playwright in Debian's Chromium: wait for the script's runs, its charts, its skeletons.

Starting the app and the browser is testkit's (testkit.server, testkit.chromium), shared with the benchmarks;
the names are re-exported here for the e2e tests and scripts/screenshot.py. Every wait here is on a condition
in the page (the script's run state, an element drawn, the page quiet), never a fixed sleep.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from testkit.chromium import chromium_path, launch_browser
from testkit.server import ROOT, artifacts, free_port, running_app

__all__ = [
    "ROOT",
    "artifacts",
    "chromium_path",
    "free_port",
    "launch_browser",
    "next_frame",
    "rerun",
    "running_app",
    "screenshot_whole_page",
    "wait_for_charts",
    "wait_for_hover",
    "wait_until_drawn",
    "wait_until_idle",
]

# Streamlit marks the app ``data-test-script-state``: "initial" until a first run starts, "running" (or
# "rerunRequested", "stopRequested") while one runs, "notRunning" when it is over. The status widget says
# "Running..." too, for runs that last; both must be quiet.
IDLE = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    const state = app && app.getAttribute('data-test-script-state');
    const status = document.querySelector('[data-testid="stStatusWidget"]');
    const busy = status && status.innerText.toLowerCase().includes('running');
    return (state === 'notRunning' || state === 'compilationError') && !busy;
}"""


def wait_until_idle(page, timeout: float = 60_000) -> None:
    """Wait for the app to be drawn and for Streamlit to have finished running the script: after opening a page
    (its first run), or once an action's run has shown (an ``expect`` of what it draws); to wait for the run an
    action starts, wrap the action in ``rerun``."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_selector('[data-testid="stMain"] [data-testid="stElementContainer"]', timeout=timeout)
    page.wait_for_function(IDLE, timeout=timeout)


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


def next_frame(page) -> None:
    """Wait until the browser has painted what is on the page now (two animation frames: after a scroll, say)."""
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def wait_for_hover(chart, timeout: float = 30_000) -> None:
    """Wait until the Plotly chart ``chart`` (a locator) has picked the point under the pointer: a click then
    goes to that point (Plotly takes the click from its hover data)."""
    plot = chart.locator(".js-plotly-plot").first.element_handle(timeout=timeout)
    chart.page.wait_for_function("plot => (plot._hoverdata || []).length > 0", arg=plot, timeout=timeout)


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
