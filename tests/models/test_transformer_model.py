"""The shipped Transformer meets its bar on freshly generated held-out dates, Korean included."""

from models import registry
from models.data.dates import DateGenerator
from models.tasks.dates import evaluate_dates


def test_date_transformer_quality_bar():
    checkpoint = registry.load_checkpoint("date-transformer", device="cpu")
    examples = DateGenerator(seed=777, split="test").samples(10_000)
    result = evaluate_dates(checkpoint.model, examples)
    assert result["exact_match"] >= 0.995, result["misses"][:5]
    assert result["per_family"]["korean"] >= 0.99
    assert checkpoint.card["training"]["wall_time_s"] <= 20 * 60
