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


def test_shipped_pair_attention_beats_baseline_on_the_longest_third(results):
    by_attention = {e["attention"]: e for e in results["models"].values()}
    assert {"additive", "none"} <= set(by_attention)
    gap = (
        by_attention["additive"]["summary"]["longest_third"]["exact"]
        - by_attention["none"]["summary"]["longest_third"]["exact"]
    )
    assert gap >= 0.30, f"attention leads by only {gap:.0%} on the longest third"


def test_results_file_matches_the_shipped_checkpoints(results):
    for name, entry in results["models"].items():
        model = registry.load_checkpoint(name, device="cpu").model
        lengths = [entry["by_length"][0]["length"], entry["by_length"][-1]["length"]]
        fresh = evaluate_by_length(model, TASK, lengths, n=60, seed=12345)
        for row, again in zip([entry["by_length"][0], entry["by_length"][-1]], fresh, strict=True):
            assert again["token"] == pytest.approx(row["token"], abs=0.12), (name, row["length"])


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
