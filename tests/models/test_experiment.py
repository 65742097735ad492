"""The bottleneck experiment: the shipped pair meets its bar, and the training command writes its results file."""

import json

import pytest

from models import registry
from models.tasks.bottleneck import evaluate_by_length, results_path
from models.train import main as train_main

TASK = "reverse"


@pytest.fixture(scope="module")
def results():
    path = results_path(TASK)
    assert path.is_file(), f"missing {path}: run python -m models.train experiment --task {TASK}"
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def longest_third(results):
    """Exact match of each shipped model, measured now on fresh sequences of the three longest lengths."""
    lengths = sorted({r["length"] for e in results["models"].values() for r in e["by_length"]})[-3:]
    measured = {}
    for name, entry in results["models"].items():
        model = registry.load_checkpoint(name, device="cpu").model
        rows = evaluate_by_length(model, TASK, lengths, n=40, seed=12345)
        measured[entry["attention"]] = sum(r["exact"] for r in rows) / len(rows)
    return measured


def test_attention_beats_the_baseline_on_the_longest_inputs(longest_third):
    assert {"additive", "none"} <= set(longest_third)
    gap = longest_third["additive"] - longest_third["none"]
    assert gap >= 0.30, f"attention leads by only {gap:.0%} on the longest inputs ({longest_third})"


def test_results_file_matches_the_shipped_checkpoints(results, longest_third):
    """What /experiments draws (the committed results file) is what the checkpoints do now."""
    for entry in results["models"].values():
        claimed = entry["summary"]["longest_third"]["exact"]
        assert longest_third[entry["attention"]] == pytest.approx(claimed, abs=0.15), entry["name"]


def test_training_command_writes_the_results_file(tmp_path):
    card = train_main(
        [
            "experiment",
            "--task",
            TASK,
            "--attention",
            "dot",
            "--max-train-len",
            "10",
            "--budget",
            "8",
            "--pool",
            "2000",
            "--eval-n",
            "20",
            "--length-step",
            "5",
            "--min-eval-len",
            "5",
            "--eval-every",
            "100",
            "--out",
            str(tmp_path),
            "--results-dir",
            str(tmp_path),
            "--name",
            "tiny-dot",
            "--quiet",
        ]
    )
    data = json.loads(results_path(TASK, tmp_path).read_text())
    entry = data["models"]["tiny-dot"]
    assert [r["length"] for r in entry["by_length"]] == [5, 10, 15]
    assert entry["train_lengths"] == [1, 10]
    for row in entry["by_length"]:
        assert row["n"] == 20 and 0.0 <= row["exact"] <= row["token"] <= 1.0
    # a sanity check, not a speed test: the shortest inputs are no harder than the longest
    assert entry["by_length"][0]["token"] >= entry["by_length"][-1]["token"] - 0.05
    assert card["metrics"]["longest_third_from"] == 15
    assert (tmp_path / "tiny-dot.safetensors").is_file()
