"""The shipped shapes captioner meets its quality bars on freshly generated scenes."""

import pytest

from models import registry
from models.data.shapes import ShapesGenerator
from models.tasks.captions import evaluate_shapes

# Issue 4 asks for ≥ 50 % of the attention mass inside the named object's box. The shipped model measures 35 %
# (card: 35.4 % on 1000 scenes); an entropy penalty to sharpen the maps lost the pointing game instead (see the
# issue's closing note). This guard keeps what we have from getting worse; the bar is reported unmet.
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


def test_card_matches_a_fresh_measurement_and_training_fit_the_budget(result):
    checkpoint, measured = result
    card = checkpoint.card
    assert card["training"]["wall_time_s"] <= 45 * 60
    assert measured["pointing_game"] == pytest.approx(card["metrics"]["pointing_game"], abs=0.05)
    assert card["weights"]["bytes"] <= 25 * 2**20
