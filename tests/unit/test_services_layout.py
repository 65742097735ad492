"""The services package: small domain modules, one cached_call, no probing of networks from the app."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"


def test_no_service_module_is_over_three_hundred_lines():
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in (APP / "services").glob("*.py")}
    assert sizes and max(sizes.values()) <= 300, sizes


def test_the_app_never_reads_a_networks_config_or_probes_a_model():
    """Capabilities are protocols checked with isinstance: no ``.cfg.`` and no ``getattr(model`` in app/."""
    pattern = re.compile(r"\.cfg\.|getattr\(model")
    found = [
        f"{p.relative_to(ROOT)}:{i}"
        for p in APP.rglob("*.py")
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert not found, found


def test_pages_read_cards_as_fields_not_dict_keys():
    pattern = re.compile(r"card\[\"|card\.get\(")
    found = [
        f"{p.relative_to(ROOT)}:{i}"
        for p in (APP / "pages").rglob("*.py")
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert not found, found


class _Counting:
    """A stand-in model whose one method counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def answer(self, text: str) -> str:
        self.calls += 1
        return text.upper()


def test_cached_call_runs_a_live_model_directly_and_a_shipped_one_through_the_cache(monkeypatch):
    from app.services import cache

    model = _Counting()

    @cache.operation
    def shout(m: _Counting, text: str) -> str:
        return m.answer(text)

    # a model trained live in this session: answered directly, every time
    monkeypatch.setattr(cache.live_models, "session_models", lambda: {"mine": {"model": model}})
    assert cache.cached_call(shout, "mine", "abc") == "ABC"
    assert cache.cached_call(shout, "mine", "abc") == "ABC"
    assert model.calls == 2

    # a shipped one: loaded by name, and the second identical call comes from the cache
    shipped = _Counting()
    monkeypatch.setattr(cache.live_models, "session_models", lambda: {})
    monkeypatch.setattr(cache, "load_model", lambda name: type("C", (), {"model": shipped})())
    cache._shipped.clear()
    assert cache.cached_call(shout, "ours", "xyz") == "XYZ"
    assert cache.cached_call(shout, "ours", "xyz") == "XYZ"
    assert cache.cached_call(shout, "ours", "other") == "OTHER"
    assert shipped.calls == 2


def test_cached_call_refuses_an_operation_it_does_not_know(monkeypatch):
    from app.services import cache

    monkeypatch.setattr(cache.live_models, "session_models", lambda: {})

    def unregistered(model, text):  # not decorated with @operation
        return text

    with pytest.raises(KeyError, match="not registered"):
        cache.cached_call(unregistered, "ours", "x")
