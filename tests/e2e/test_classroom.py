"""A class round in a real browser: a teacher (1280×720) and three students (phones, 390×844, one in Korean) in
one Chromium, each its own context, against an app server of this test's own on a free port and its own SQLite
file. The students answer; the app server is killed and started again mid-round; every answer is still counted
once; the teacher reveals, the phones show their points; the next question reaches every phone.

Screenshots: test-artifacts/class-*.png (the projector, and a phone in each language)."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

import pytest
from playwright.sync_api import expect

from app.classroom.store import ENV, ClassStore
from app.i18n import t
from tests.e2e.harness import ROOT, free_port, screenshot_whole_page, wait_until_idle

WAIT = 60_000
ARTIFACTS = ROOT / "test-artifacts"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
PICKS = (24, 24, 0)  # the "9" of 1984 (where step 1 looks), twice; the "T" of TUESDAY once


class AppServer:
    """`streamlit run` on one port and one database file, which a test can kill and start again."""

    def __init__(self, db_url: str) -> None:
        self.db_url, self.port = db_url, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> str:
        cmd = [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(self.port)]
        cmd += ["--server.address", "127.0.0.1", "--server.headless", "true"]
        ARTIFACTS.mkdir(exist_ok=True)
        log = (ARTIFACTS / f"streamlit-class-{self.port}.log").open("a")
        env = {**os.environ, ENV: self.db_url}
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with code {self.proc.returncode}; see test-artifacts/")
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2):
                return self.url
            time.sleep(0.3)
        raise RuntimeError("streamlit did not answer /_stcore/health within 90 s")

    def stop(self, kill: bool = False) -> None:
        """Stop the server: SIGKILL (``kill``, no shutdown at all) or SIGTERM."""
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None


@pytest.fixture
def server(tmp_path):
    app = AppServer(f"sqlite:///{tmp_path / 'class.sqlite3'}")
    yield app
    app.stop()


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot_whole_page(page, ARTIFACTS / f"class-{name}.png")


def open_page(context, url: str):
    page = context.new_page()
    page.set_default_timeout(WAIT)
    page.goto(url)
    wait_until_idle(page)
    return page


def answers_shown(teacher, n: int) -> None:
    metric = teacher.locator('[data-testid="stMetricValue"]')
    expect(metric).to_have_text(str(n), timeout=WAIT)


def collapsed(phone) -> bool:
    return phone.locator('[data-testid="stSidebar"]').get_attribute("data-collapsed") == "true"


def options(phone):
    """The input tokens to tap (pills in the main area: the language picker is in the sidebar)."""
    return phone.locator('[data-testid="stMain"]').get_by_role("radiogroup").last.get_by_role("radio")


def tap(phone, index: int) -> None:
    button = options(phone).nth(index)
    button.scroll_into_view_if_needed()
    button.click()
    expect(phone.locator('[data-testid="stAlertContentSuccess"]')).to_be_visible(timeout=WAIT)


def test_a_round_with_three_phones_survives_a_restart(browser, server):
    base = server.start()
    projector = browser.new_context(viewport={"width": 1280, "height": 720})
    teacher = open_page(projector, f"{base}/class")
    teacher.get_by_role("button", name=t("class.start_date", lang="en")).click()
    expect(teacher.locator('[data-testid="stMetricValue"]')).to_have_text("0", timeout=WAIT)
    code = re.search(r"code=([A-Z0-9]{6})", teacher.url).group(1)
    assert "t=" in teacher.url
    shoot(teacher, "projector")

    contexts = [browser.new_context(**PHONE) for _ in PICKS]
    phones = [
        open_page(c, f"{base}/class?code={code}" + ("&lang=ko" if i == 2 else "")) for i, c in enumerate(contexts)
    ]
    for phone, pick in zip(phones, PICKS, strict=True):
        expect(options(phone).first).to_be_visible(timeout=WAIT)
        assert collapsed(phone), "the sidebar covers the phone's page"
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 392, f"the phone's page is {width} px wide"
        tap(phone, pick)
    answers_shown(teacher, 3)
    shoot(phones[0], "phone-en")
    shoot(phones[2], "phone-ko")

    server.stop(kill=True)  # mid-round: the answers are in the database, not in the process
    server.start()
    for page in [teacher, *phones]:
        page.reload()
        wait_until_idle(page)
    tap(phones[2], 24)  # one student changes their answer after the restart: replaced, not added
    answers_shown(teacher, 3)
    db = ClassStore(server.db_url)
    assert db.count(code, 0) == 3

    teacher.get_by_role("button", name=t("class.reveal", lang="en")).click()
    expect(phones[0].get_by_text("right on the peak")).to_be_visible(timeout=WAIT)
    expect(phones[2].get_by_text("정확히 정점입니다")).to_be_visible(timeout=WAIT)
    expect(phones[1].locator('[data-testid="stVegaLiteChart"]').first).to_be_visible(timeout=WAIT)
    assert [r.points for r in db.results(code, 0)].count(2) == 3
    shoot(phones[0], "phone-reveal-en")
    shoot(teacher, "projector-reveal")

    teacher.get_by_role("button", name=t("class.next", lang="en")).click()
    answers_shown(teacher, 0)
    for phone in phones:
        expect(phone.get_by_text(re.compile(r"(question|질문) 2 /|2 of 3"))).to_be_visible(timeout=WAIT)
    tap(phones[1], 19)
    answers_shown(teacher, 1)
    assert teacher.locator('[data-testid="stException"]').count() == 0
    for phone in phones:
        assert phone.locator('[data-testid="stException"]').count() == 0
        assert collapsed(phone), "the sidebar opened during the round"
    db.dispose()
    for c in [projector, *contexts]:
        c.close()
