"""The home page draws a saved decode (assets/examples/home.json) instead of loading a model: it must still be
what the shipped model says. When the model is retrained, rewrite it: python scripts/home_example.py"""

import importlib.util
import json
from pathlib import Path

import numpy as np

from app import services

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "home_example.py"


def example_document() -> dict:
    """The decode scripts/home_example.py would write now."""
    spec = importlib.util.spec_from_file_location("home_example", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.example_document()


def test_the_saved_home_example_is_what_the_model_says_now():
    saved = json.loads(services.HOME_EXAMPLE.read_text(encoding="utf-8"))
    fresh = example_document()
    hint = "assets/examples/home.json is out of date: run python scripts/home_example.py"
    assert (saved["model"], saved["input"]) == (fresh["model"], fresh["input"]), hint
    assert (saved["source"], saved["target"], saved["text"]) == (fresh["source"], fresh["target"], fresh["text"]), hint
    np.testing.assert_allclose(saved["weights"], fresh["weights"], atol=1e-4, err_msg=hint)
    assert abs(saved["score"] - fresh["score"]) < 1e-3, hint


def test_the_home_page_reads_it_as_an_alignment():
    alignment = services.home_example()
    assert alignment is not None and alignment.text == "1984-09-25"
    assert alignment.weights.shape == (len(alignment.target), len(alignment.source))
