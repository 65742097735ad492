"""What the tests and the benchmarks both use to drive the real app; neither imports the other.

- ``testkit.server``: start ``streamlit run`` on a free localhost port, stop it, read its log.
- ``testkit.chromium``: find Debian's Chromium and launch it headless through Playwright.
- ``testkit.apptest``: the app in Streamlit's AppTest, as a browser first sees it (a page, a language).
- ``testkit.stclient``: one session of the app over Streamlit's websocket protocol, without a browser.
- ``testkit.loadclient``: many such sessions at once, each doing what a student does, every answer checked.
- ``testkit.pictures``: pictures to upload, made here: any format Pillow writes, phone-sized photos.
- ``testkit.report``: percentiles, rows with their targets, the Markdown table and its JSON.

The import-linter contracts in pyproject.toml keep ``tests`` and ``benchmarks`` apart; this package imports
neither of them.
"""
