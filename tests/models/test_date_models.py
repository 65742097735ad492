"""Every shipped date model loads and meets its quality bar on freshly generated held-out dates."""

import pytest

from models import registry
from models.data.dates import FAMILIES, DateGenerator
from models.tasks.dates import evaluate_dates

EXPECTED = ["date-additive", "date-dot", "date-general", "date-scaled-dot", "date-none"]
SEED = 2026  # not the seed the cards were evaluated with: a fresh sample


@pytest.fixture(scope="module")
def examples():
    return DateGenerator(seed=SEED, split="test").samples(10_000)


def test_all_five_variants_are_shipped():
    names = {e.name for e in registry.catalog(task="date")}
    assert set(EXPECTED) <= names


@pytest.fixture(scope="module", params=EXPECTED)
def result(request, examples):
    checkpoint = registry.load_checkpoint(request.param, device="cpu")
    return checkpoint, evaluate_dates(checkpoint.model, examples)


def test_quality_bar(result):
    checkpoint, measured = result
    if checkpoint.card["config"]["attention"] == "none":
        # the baseline has no bar; it must do what its card says it does
        card = checkpoint.card["metrics"]["exact_match"]
        assert measured["exact_match"] == pytest.approx(card, abs=0.02)
        assert measured["alignment_accuracy"] is None
        return
    assert measured["exact_match"] >= 0.999, measured["misses"][:5]
    for family in FAMILIES:
        assert measured["per_family"][family] >= 0.995, family


# Alignment accuracy: the share of year/month/day output characters whose attention peak lies inside that field of
# the input. Measured on the cards: additive 99.0 %, general 96.3 %, scaled dot 94.8 %, dot 94.5 %.
ALIGNMENT_BARS = {"date-additive": 0.97, "date-general": 0.93, "date-scaled-dot": 0.92, "date-dot": 0.92}


def test_every_attention_model_looks_at_the_right_characters(result):
    checkpoint, measured = result
    if checkpoint.card["config"]["attention"] == "none":
        assert measured["alignment_accuracy"] is None, "the baseline has no attention to score"
        return
    assert measured["alignment_accuracy"] >= ALIGNMENT_BARS[checkpoint.name]


def test_card_records_how_it_was_made(result):
    checkpoint, measured = result
    card = checkpoint.card
    assert card["training"]["command"].startswith("python -m models.train date")
    assert card["training"]["wall_time_s"] > 0
    assert card["training"]["seed"] == 0
    assert card["metrics"]["n"] == 10_000
    if measured["alignment_accuracy"] is not None:
        assert measured["alignment_accuracy"] == pytest.approx(card["metrics"]["alignment_accuracy"], abs=0.02)
