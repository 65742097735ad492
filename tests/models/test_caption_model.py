"""The shipped shapes captioner meets its quality bars on freshly generated scenes, and its card tells the truth."""

import pytest

from models import registry
from models.data.shapes import ShapesGenerator
from models.tasks.captions import evaluate_shapes

# The aim is ≥ 50 % of a word's attention mass inside the box of the object it names; the shipped model measures
# 35 % (card: 35.4 % on 1000 scenes), and an entropy penalty that sharpened the maps lost the pointing game instead.
# This guard keeps what we have from getting worse; the README reports the aim as not met.
MASS_BAR = 0.30


@pytest.fixture(scope="module")
def result():
    checkpoint = registry.load_checkpoint("caption-shapes", device="cpu")
    scenes = ShapesGenerator(seed=31337).scenes(400)
    return checkpoint, evaluate_shapes(checkpoint.model, scenes)


def test_captions_are_right(result):
    _, measured = result
    assert measured["exact_match"] >= 0.90, measured["misses"][:5]
    assert measured["object_f1"] >= 0.97


def test_attention_points_at_the_named_objects(result):
    _, measured = result
    assert measured["pointing_game"] >= 0.90
    assert measured["attention_correctness"] >= MASS_BAR


@pytest.mark.parametrize(
    ("metric", "tolerance"),
    [("exact_match", 0.03), ("object_f1", 0.02), ("pointing_game", 0.05), ("attention_correctness", 0.05)],
)
def test_card_metrics_match_a_fresh_measurement(result, metric, tolerance):
    """Every number the card (and the README table built from it) claims is reproduced on 400 new scenes."""
    checkpoint, measured = result
    assert measured[metric] == pytest.approx(checkpoint.card["metrics"][metric], abs=tolerance)


def test_shipped_weights_are_small_and_match_the_card():
    card = registry.read_card("caption-shapes")
    weights = registry.ASSETS_DIR / card["weights"]["file"]
    assert weights.stat().st_size <= 25 * 2**20
    assert weights.stat().st_size == card["weights"]["bytes"]
