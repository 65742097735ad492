"""ModelCard: every card as typed fields that say what its JSON says, read-only, and torch-free."""

import dataclasses
import json
import subprocess
import sys
from collections.abc import Mapping

import pytest
import torch
from torch import nn

from models import registry
from models.cards import (
    DeletionSummary,
    FamiliarityRule,
    ModelCard,
    MultiHead,
    ReviewTest,
    Sizes,
)

CARDS = [e.path for e in registry.catalog(directory=registry.ASSETS_DIR)]  # the cards with weights beside them


def _json(path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _thawed(value):
    """A read-only section as the JSON had it (mappings as dicts, tuples as lists)."""
    if isinstance(value, Mapping):
        return {k: _thawed(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_thawed(v) for v in value]
    return value


@pytest.mark.parametrize("path", CARDS, ids=lambda p: p.stem)
def test_every_shipped_card_reads_as_the_json_says(path):
    doc = _json(path)
    card = ModelCard.from_json(doc["name"], doc)
    config, training, metrics = doc["config"], doc.get("training", {}), doc.get("metrics", {})
    assert (card.name, card.kind, card.task) == (doc["name"], doc["kind"], doc["task"])
    assert card.title == doc.get("title", doc["name"])
    assert card.order == doc.get("order", 100)
    assert card.attention == config.get("attention")
    assert card.has_attention == (config.get("attention") != "none")
    assert card.command == training.get("command", "")
    assert card.data == training.get("data", "")
    assert card.seed == training.get("seed")
    assert card.sizes == Sizes(doc["weights"]["parameters"], doc["weights"]["bytes"])
    assert card.credit == doc.get("credit", "")
    assert card.language == doc.get("language", "")
    assert card.labels == tuple(config.get("labels", ()))
    assert card.gallery == doc.get("gallery")
    assert _thawed(card.metrics) == metrics
    assert not card.live
    if doc["task"].startswith("translate-"):
        assert card.direction == doc["task"].removeprefix("translate-")
    else:
        assert card.direction is None


def test_the_sections_the_pages_read_are_typed():
    cards = {e.name: e.card for e in registry.catalog(directory=registry.ASSETS_DIR)}
    transformer = cards["date-transformer"]
    assert transformer.multihead == MultiHead(encoder_layers=2, decoder_layers=2, heads=4, d_model=128)
    assert transformer.multihead.layers == 2
    assert transformer.attention is None and transformer.has_attention

    aerial, shapes = cards["caption-aerial"], cards["caption-shapes"]
    rule = _json(registry.ASSETS_DIR / "caption-aerial.json")["aerial_check"]
    assert isinstance(aerial.familiarity, FamiliarityRule)
    assert aerial.familiarity.threshold == rule["threshold"]
    assert aerial.familiarity.held_out_accepted == rule["held_out_aerial_accepted"]
    assert aerial.caption_scores.split == "rsicd_val"
    assert aerial.caption_scores.n_images == aerial.metrics["rsicd_val"]["n_images"]
    assert isinstance(aerial.deletion, DeletionSummary)
    assert shapes.familiarity is not None and shapes.familiarity.threshold_from.endswith("(500 other generated scenes)")
    assert shapes.caption_scores is None and shapes.deletion is None

    imdb, baseline = cards["classify-imdb"], cards["classify-imdb-none"]
    test = _json(registry.ASSETS_DIR / "classify-imdb.json")["metrics"]["test"]
    assert isinstance(imdb.review_test, ReviewTest)
    assert imdb.review_test.accuracy == test["accuracy"] and imdb.review_test.n == test["n"]
    assert [b.words for b in imdb.review_test.by_length] == [r["words"] for r in test["by_length"]]
    assert imdb.review_test.baseline.model == "classify-imdb-none" == imdb.baseline
    assert imdb.review_test.baseline.accuracy == test["baseline"]["accuracy"]
    found = imdb.review_test.explanations
    assert found.tau_median == test["explanations"]["kendall_tau_attention_vs_abs_ig_median"]
    assert found.permutation_median == test["explanations"]["permutation_abs_change_median"]
    assert found.erasure_flip_rate.random == test["explanations"]["erasure_flip_rate"]["random"]
    assert baseline.baseline is None and not baseline.has_attention
    assert cards["translate-en-ko"].baseline == "translate-en-ko-none"
    assert cards["date-additive"].review_test is None


def test_a_card_is_read_only_and_hashable():
    card = registry.catalog(directory=registry.ASSETS_DIR)[0].card
    with pytest.raises(dataclasses.FrozenInstanceError):
        card.title = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        card.metrics["n"] = 1  # type: ignore[index]
    assert hash(card) == hash(dataclasses.replace(card))


def test_a_card_with_missing_or_malformed_sections_still_reads():
    """A user's own checkpoint may carry anything beside kind and config: what cannot be read is None."""
    card = ModelCard.from_json(
        "mine",
        {
            "kind": "seq2seq",
            "config": {"attention": "dot", "labels": 3},
            "order": "first",
            "training": {"seed": "x"},
            "weights": {"bytes": 10},
            "deletion": {"n_images": "many"},
            "aerial_check": "yes",
            "metrics": {"rsicd_val": {"n_images": 3}, "test": {"baseline": "none"}},
        },
    )
    assert (card.title, card.order, card.task, card.command) == ("mine", 100, "", "")
    assert card.attention == "dot" and card.labels == ()
    assert card.seed is None and card.sizes is None and card.deletion is None
    assert card.familiarity is None and card.caption_scores is None and card.baseline is None
    assert ModelCard.from_json("empty", {}).kind == ""


def test_a_model_trained_live_has_a_card():
    card = ModelCard.trained_live("live-date-additive-1a2b", "date", "additive")
    assert (card.kind, card.task, card.attention, card.live) == ("seq2seq", "date", "additive", True)
    assert card.has_attention and card.sizes is None and card.title == card.name
    assert ModelCard.trained_live("live-reverse-none-9", "reverse", "none").task == "experiment-reverse"
    assert not ModelCard.trained_live("live-reverse-none-9", "reverse", "none").has_attention


class _Tiny(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layer = nn.Linear(2, 2)


registry.register_kind("test-card-tiny", lambda card: _Tiny())


def test_the_registry_gives_a_card_for_a_catalog_entry_a_name_and_a_checkpoint(tmp_path):
    registry.save_checkpoint(
        _Tiny(), {"kind": "test-card-tiny", "task": "test", "title": "Mine", "config": {}}, tmp_path, "mine"
    )
    (entry,) = registry.catalog(directory=tmp_path)
    assert isinstance(entry.card, ModelCard) and entry.card.title == "Mine"
    assert entry.model_card is entry.card  # the name a Checkpoint gives it
    assert entry.card_dict == _json(tmp_path / "mine.json")
    assert registry.model_card("mine", directory=tmp_path) == entry.card
    assert registry.model_card(tmp_path / "mine.json") == entry.card
    checkpoint = registry.load_checkpoint("mine", device="cpu", directory=tmp_path)
    assert isinstance(checkpoint.card, dict)  # the builders and the tasks read the JSON
    assert checkpoint.model_card == entry.card
    assert entry.card.sizes == Sizes(parameters=6, bytes=(tmp_path / "mine.safetensors").stat().st_size)
    with pytest.raises(registry.CheckpointError):
        registry.model_card("nothing", directory=tmp_path)
    torch.manual_seed(0)


def test_a_catalog_card_is_fields_only():
    """Pages read fields, never the JSON: a ModelCard cannot be indexed like the dict it came from."""
    for entry in registry.catalog(directory=registry.ASSETS_DIR):
        doc = _json(entry.path)
        assert entry.card.title == doc.get("title", entry.name)
        assert entry.card.command == doc["training"]["command"]
        with pytest.raises(TypeError):
            entry.card["config"]


def test_cards_import_no_torch():
    code = "import sys, models.cards; assert 'torch' not in sys.modules, sorted(m for m in sys.modules if 'torch' in m)"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=registry.ROOT)
