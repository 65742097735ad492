"""E2E fixtures: one real `streamlit run` per session, one headless Chromium, screenshots on failure."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import sync_playwright

from testkit.chromium import launch_browser
from testkit.server import artifacts, running_app
from tests.e2e.harness import wait_until_idle


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def app_url():
    with running_app() as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        b = launch_browser(p)
        yield b
        b.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed and "page" in item.funcargs:
        name = re.sub(r"[^\w.-]", "_", item.nodeid)
        item.funcargs["page"].screenshot(path=str(artifacts() / f"{name}.png"), full_page=True)


@pytest.fixture
def page(browser, app_url):
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(60_000)

    def goto(path: str = "/"):
        pg.goto(app_url + path)
        wait_until_idle(pg)
        return pg

    pg.open = goto  # page.open("/text?lang=ko")
    yield pg
    context.close()


def assert_no_exception(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0, "the page shows an exception"
