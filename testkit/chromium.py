"""Debian's Chromium, driven by Playwright (whose own browser download is not used)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

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


def missing() -> str | None:
    """Why a browser cannot be driven here, or None when Playwright and Chromium are present."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "Playwright is not installed: `make setup-test` (pip install -r requirements-test.txt)"
    if chromium_path() is None:
        return "Chromium not found: `make chromium`, or set $CHROMIUM"
    return None


def launch_browser(playwright):
    """Headless Chromium from Playwright's sync or async API (the async one returns an awaitable)."""
    path = chromium_path()
    if path is None:
        raise RuntimeError("Chromium not found: install Debian's `chromium` package (make test does it).")
    return playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
