"""AppTest helpers: run the real entry point, optionally on one page and in one language (testkit.apptest, which
the benchmarks' profiler uses too)."""

from __future__ import annotations

import pytest

from testkit.apptest import assert_clean, open_app
from testkit.server import ROOT

__all__ = ["ROOT", "app", "assert_clean", "open_app"]


@pytest.fixture
def app():
    return open_app
