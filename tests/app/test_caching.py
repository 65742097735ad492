"""Results are cached as data: every session gets its own copy of the numbers, and only shared objects (the
device, the catalog, the models, the live trainer) are cached as resources. Layers: tests/unit/test_layers.py.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from app import services

ROOT = Path(__file__).resolve().parents[2]
SHARED_OBJECTS = {
    "compute_device",
    "model_catalog",
    "load_model",
    "trainer",
    "minilm",
    "_open_store",
}  # may use st.cache_resource


def test_only_shared_objects_are_cached_as_resources():
    """A result cached with st.cache_resource is one object every session shares (and may change)."""
    shared = set()
    for path in sorted((ROOT / "app").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef):
                for decorator in node.decorator_list:
                    target = decorator.func if isinstance(decorator, ast.Call) else decorator
                    if ast.unparse(target) == "st.cache_resource":
                        shared.add(node.name)
    assert shared == SHARED_OBJECTS


def test_a_cached_decode_is_a_copy_that_no_one_else_can_change():
    first = services.decode_text("date-additive", "2/10/93")[0]
    first.weights[:] = 0.0  # what a careless page could do to "its" result
    again = services.decode_text("date-additive", "2/10/93")[0]
    assert again.text == "1993-02-10" and again.weights is not first.weights
    assert again.weights.sum(axis=1) == pytest.approx(1.0, abs=1e-4)


def test_a_cached_explanation_is_a_copy_too():
    first = services.explain_steps("date-dot", "2/10/93")
    first[0].weights[:] = 0.0
    assert services.explain_steps("date-dot", "2/10/93")[0].weights.sum() > 0.99
