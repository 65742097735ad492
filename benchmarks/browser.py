"""Drive the real app in headless Chromium (Playwright's async API) and time what a person does: from the
moment an input is submitted to the moment its heatmap or overlay is drawn.

Used by bench_startup.py (cold start), bench_browser.py (interaction latency) and load.py (one browser among
many sessions). testkit starts `streamlit run` and finds Chromium; this file only adds the timed actions.
Elements are found by their widget keys (``.st-key-<key>``), so any language works.
"""

from __future__ import annotations

import random
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from testkit.chromium import launch_browser
from testkit.server import free_port, running_app, server_errors

# Installed in every page before the app's own scripts: small probes the waits below poll.
PROBES = """
window.__alChanged = performance.now();  // when the page's content last changed
new MutationObserver(() => { window.__alChanged = performance.now(); })
  .observe(document, {childList: true, subtree: true, characterData: true});
window.__al = {
  failed: () => document.querySelector('[data-testid="stException"]') !== null,
  // no script run under way (Streamlit's run state on the app, and its status widget)
  idle: () => {
    const app = document.querySelector('[data-testid="stApp"]');
    const s = document.querySelector('[data-testid="stStatusWidget"]');
    return app !== null && app.getAttribute('data-test-script-state') === 'notRunning'
      && (!s || !s.innerText.toLowerCase().includes('running'));
  },
  // idle, and nothing on the page has changed for ``ms`` (a second run, say a fragment's, would change it)
  quiet: (ms) => window.__al.idle() && performance.now() - window.__alChanged > ms,
  // the data of a drawn Plotly heatmap (keyed st.plotly_chart), or null while it is not drawn
  chart: (key) => {
    const el = document.querySelector(`.st-key-${key} .js-plotly-plot`);
    return el && el.data && el.data.length && el.querySelector('.heatmaplayer')
      ? JSON.stringify(el.data[0].z) : null;
  },
  // the big per-word overlay of /image once its picture has loaded, or null
  overlay: () => {
    const img = document.querySelector('[role="tabpanel"] [data-testid="stImage"] img');
    return img && img.complete && img.naturalWidth > 0 ? img.src : null;
  },
  // the text of the tab panel shown, once its Vega-Lite chart is drawn (the step view), or null
  panel: () => {
    const p = [...document.querySelectorAll('[role="tabpanel"]')].find(e => e.offsetParent !== null);
    return p && p.querySelector('[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg')
      ? p.innerText : null;
  },
  changed: (now, before) => window.__al.failed() ? 'error' : (now !== null && now !== before ? 'ok' : false),
  // the main content of a page is drawn
  ready: (path) => {
    if (window.__al.failed()) return 'error';
    const q = (s) => document.querySelector(s) !== null;
    const drawn = {
      '/': () => window.__al.chart('home_example') !== null,
      '/text': () => window.__al.chart('text_heatmap') !== null,
      '/image': () => window.__al.overlay() !== null,
      '/transformer': () => window.__al.chart('tf_map') !== null,
      '/math': () => q('.st-key-math_reset') && q('[data-testid="stTable"]'),
      '/experiments': () => q('.st-key-exp_live_start button'),
    }[path];
    return drawn && drawn() ? 'ok' : false;
  },
};
"""
QUIET_MS = 200  # settle: how long the page must not change after a run before the next action
PAGES = ("/", "/text", "/image", "/transformer", "/math", "/experiments")


class Failed(Exception):
    """An interaction that did not end with its result drawn."""


class Session:
    """One person in one browser context: opens pages from the sidebar, types dates, picks pictures."""

    def __init__(self, page, url: str, lang: str, timeout_s: float, seed: int) -> None:
        from models.data.dates import DateGenerator

        self.page, self.url, self.lang, self.timeout_ms = page, url, lang, timeout_s * 1000
        self.here: str | None = None  # the page shown, None before the first or after a failure
        self.going_to = ""  # the page being opened
        self.rng = random.Random(seed)
        self.dates = [e.source for e in DateGenerator(seed=1000 + seed, split="test").samples(200)]
        self.typed = 0
        self.picked = 0  # the gallery scene /image shows
        self.uploading = False  # /image shows the uploader

    @classmethod
    async def start(cls, browser, url: str, lang: str = "en", timeout_s: float = 120, seed: int = 0) -> Session:
        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        await context.add_init_script(PROBES)
        page = await context.new_page()
        page.set_default_timeout(timeout_s * 1000)
        return cls(page, url, lang, timeout_s, seed)

    async def close(self) -> None:
        await self.page.context.close()

    # ------------------------------------------------------------------ waiting

    async def _failed(self) -> Failed:
        shown = await self.page.evaluate(
            """() => [...document.querySelectorAll('[data-testid="stException"]')].map(e => e.innerText).join(' | ')"""
        )
        port = int(self.url.rsplit(":", 1)[1].split("/")[0])
        logged = server_errors(port)  # the browser shows a redacted message when showErrorDetails is off
        detail = logged[-1] if logged else " ".join(shown.split())[:300]
        return Failed(f"{self.here or self.going_to} shows an exception: {detail}")

    async def wait(self, expression: str, arg: object = None) -> None:
        """Until the probe ``expression`` is true; Failed if the page shows an exception meanwhile."""
        handle = await self.page.wait_for_function(expression, arg=arg, timeout=self.timeout_ms)
        if await handle.json_value() == "error":
            raise await self._failed()

    async def settle(self) -> None:
        """Wait for Streamlit to finish the script run and the page to stay quiet a moment (a run may start
        another), then check that no exception is shown."""
        await self.wait("(ms) => window.__al.quiet(ms)", QUIET_MS)
        if await self.page.evaluate("() => window.__al.failed()"):
            raise await self._failed()

    async def _timed(self, act, done: str, arg: object = None) -> float:
        """ms from ``act()`` to ``done`` (a probe expression) being true; then settle, untimed."""
        start = time.perf_counter()
        await act()
        await self.wait(done, arg)
        ms = (time.perf_counter() - start) * 1000
        await self.settle()
        return ms

    # ------------------------------------------------------------------ actions

    async def open(self, path: str) -> float:
        """Go to a page (the first time by URL, then from the sidebar, as a person does) until it is drawn."""
        if self.here is None:  # a new Streamlit session: its state starts afresh
            target = self.url + path + ("?lang=ko" if self.lang == "ko" else "")
            act = lambda: self.page.goto(target)  # noqa: E731
            self.picked = 0
        else:
            act = self.page.locator(f'[data-testid="stSidebarNav"] a[href="{self.url}{path}"]').click
        self.here, self.uploading, self.going_to = None, False, path
        ms = await self._timed(act, "(path) => window.__al.ready(path)", path)
        self.here = path
        return ms

    async def _type(self, key: str, chart: str, text: str) -> float:
        box = self.page.locator(f".st-key-{key} input")
        before = await self.page.evaluate("(k) => window.__al.chart(k)", chart)
        await box.fill(text)
        done = "([k, before]) => window.__al.changed(window.__al.chart(k), before)"
        return await self._timed(lambda: box.press("Enter"), done, [chart, before])

    def _next_date(self) -> str:
        self.typed += 1
        return self.dates[self.typed % len(self.dates)]

    async def type_date(self) -> float:
        """/text: type a date not typed before, press Enter, until its alignment heatmap is drawn."""
        return await self._type("text_input_date", "text_heatmap", self._next_date())

    async def type_transformer_date(self) -> float:
        """/transformer: type a date not typed before, press Enter, until its attention map is drawn."""
        return await self._type("tf_input", "tf_map", self._next_date())

    async def type_floor(self, text: str) -> float:
        """The floor page (benchmarks/floor_app.py): type, press Enter, until its chart is redrawn."""
        return await self._type("floor_input", "floor_chart", text)

    async def choose_task(self, index: int) -> None:
        """/text: pick the task (0 dates, 1 English → Korean, 2 Korean → English), untimed."""
        await self.page.locator(".st-key-text_task button").nth(index).click()
        await self.settle()

    async def type_sentence(self, key: str, text: str) -> float:
        """/text translating: type a sentence into the box ``key``, until its alignment heatmap is redrawn."""
        return await self._type(key, "text_heatmap", text)

    async def open_tab(self, index: int) -> None:
        """Show tab ``index`` of the page's (first) tab bar, untimed."""
        await self.page.get_by_role("tab").nth(index).click()
        await self.settle()

    async def move_step(self, key: str = "ArrowRight") -> float:
        """/text, "Step by step" tab: move the step slider by one, until the step's numbers and bars are drawn."""
        slider = self.page.locator('.st-key-text_steps_step input[type="range"]')
        before = await self.page.evaluate("() => window.__al.panel()")
        return await self._timed(
            lambda: slider.press(key), "(b) => window.__al.changed(window.__al.panel(), b)", before
        )

    async def pick_scene(self) -> float:
        """/image: choose another gallery scene, until its caption's first overlay is drawn."""
        count = await self.page.locator('[class*="st-key-image_pick_"] button').count()
        self.picked = (self.picked + 1 + self.rng.randrange(max(count - 1, 1))) % max(count, 1)
        before = await self.page.evaluate("() => window.__al.overlay()")
        button = self.page.locator(f".st-key-image_pick_{self.picked} button")
        return await self._timed(button.click, "(b) => window.__al.changed(window.__al.overlay(), b)", before)

    async def pick_photo(self) -> float:
        """/image with a photo captioner: choose another gallery photo by its name, until its first overlay is drawn."""
        pills = self.page.locator(".st-key-image_photo button")
        count = await pills.count()
        self.picked = (self.picked + 1 + self.rng.randrange(max(count - 1, 1))) % max(count, 1)
        before = await self.page.evaluate("() => window.__al.overlay()")
        drawn = "(b) => window.__al.changed(window.__al.overlay(), b)"
        return await self._timed(pills.nth(self.picked).click, drawn, before)

    async def upload(self, data: bytes, name: str = "scene.png", mime: str = "image/png") -> float:
        """/image: upload a picture, until its caption's first overlay is drawn."""
        if not self.uploading:
            await self.page.locator(".st-key-image_source button").filter(has_text="Upload").click()
            await self.page.locator('[data-testid="stFileUploaderDropzoneInput"]').wait_for(state="attached")
            await self.settle()
            self.uploading = True
        before = await self.page.evaluate("() => window.__al.overlay()")
        files = [{"name": name, "mimeType": mime, "buffer": data}]
        field = self.page.locator('[data-testid="stFileUploaderDropzoneInput"]')
        return await self._timed(
            lambda: field.set_input_files(files=files), "(b) => window.__al.changed(window.__al.overlay(), b)", before
        )


@asynccontextmanager
async def app_and_browsers(count: int = 1) -> AsyncIterator[tuple[str, int, list]]:
    """(url, port, browsers): one `streamlit run` on localhost and ``count`` headless Chromiums."""
    from playwright.async_api import async_playwright

    port = free_port()
    with running_app(port=port) as url:
        async with async_playwright() as playwright:
            browsers = [await launch_browser(playwright) for _ in range(count)]
            try:
                yield url, port, browsers
            finally:
                for browser in browsers:
                    await browser.close()
