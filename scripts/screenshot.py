"""Take full-page screenshots of the running app, to look at what we built.

    python scripts/screenshot.py /text?lang=ko out.png [--width 1600] [--wait-text "1994-09-27"]

Starts its own server on a free port unless --url is given.
"""

from __future__ import annotations

import argparse
import sys
from contextlib import nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright

from tests.e2e.harness import launch_browser, running_app, wait_for_charts, wait_until_idle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("shots", nargs="+", help="pairs of PATH OUT.png")
    parser.add_argument("--url", help="a running app; default: start one")
    parser.add_argument("--width", type=int, default=1600)
    parser.add_argument("--height", type=int, default=1000)
    parser.add_argument("--wait-text", default=None, help="wait until this text is on the page")
    parser.add_argument("--full", action="store_true", help="the whole page, not just the window")
    args = parser.parse_args()
    pairs = list(zip(args.shots[::2], args.shots[1::2], strict=True))
    with nullcontext(args.url) if args.url else running_app() as url, sync_playwright() as p:
        browser = launch_browser(p)
        page = browser.new_page(viewport={"width": args.width, "height": args.height})
        for path, out in pairs:
            page.goto(url + path)
            wait_until_idle(page)
            if args.wait_text:
                page.get_by_text(args.wait_text).first.wait_for(timeout=60_000)
                wait_until_idle(page)
            wait_for_charts(page)
            page.wait_for_timeout(3000)
            if args.full:  # Streamlit scrolls inside its own container: grow the window to fit it
                height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
                page.set_viewport_size({"width": args.width, "height": max(args.height, height + 40)})
                page.wait_for_timeout(800)
                wait_for_charts(page)
            page.screenshot(path=out)
            page.set_viewport_size({"width": args.width, "height": args.height})
            print(out)
        browser.close()


if __name__ == "__main__":
    main()
