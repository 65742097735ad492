"""The shipped NTM and its LSTM baseline meet their bars on fresh patterns, ``python -m models.evaluate`` prints
the JSON the cards promise, and the training command runs, resumes and saves a loadable pair."""

import json

import numpy as np
import pytest

from models import registry
from models.evaluate import main as evaluate_main
from models.ntm import NTM, CopyLSTM
from models.tasks.ntm import evaluate_by_length
from models.train import main as train_main

SEED = 4242  # not the cards' evaluation seed (99): patterns the cards' numbers never saw


@pytest.fixture(scope="module")
def shipped():
    ntm = registry.load_checkpoint("ntm-copy", device="cpu")
    lstm = registry.load_checkpoint("ntm-copy-lstm", device="cpu")
    return ntm, lstm


@pytest.fixture(scope="module")
def measured(shipped):
    ntm, lstm = shipped
    return {
        "ntm": {r["length"]: r for r in evaluate_by_length(ntm.model, [20, 40], n=60, seed=SEED)},
        "lstm": {r["length"]: r for r in evaluate_by_length(lstm.model, [20, 40], n=60, seed=SEED)},
    }


def test_shipped_pair_is_an_ntm_and_an_lstm_of_about_the_same_size(shipped):
    ntm, lstm = shipped
    assert isinstance(ntm.model, NTM) and isinstance(lstm.model, CopyLSTM)
    sizes = [ntm.card["weights"]["parameters"], lstm.card["weights"]["parameters"]]
    assert max(sizes) / min(sizes) < 1.15, sizes
    for checkpoint in shipped:
        training = checkpoint.card["training"]
        assert training["command"].startswith("python -m models.train ntm --task copy")
        assert training["wall_time_s"] <= 1800 + 120  # a 30-minute budget, and the final evaluation


def test_ntm_copies_patterns_of_training_length(measured):
    assert measured["ntm"][20]["exact"] >= 0.95, measured["ntm"][20]


def test_ntm_carries_the_copy_to_twice_the_training_length(measured):
    ntm, lstm = measured["ntm"][40]["bit_error"], measured["lstm"][40]["bit_error"]
    assert ntm <= lstm / 10, (ntm, lstm)


def test_evaluate_prints_bit_error_and_exact_by_length_with_the_baseline(capsys):
    result = evaluate_main(["--model", "ntm-copy", "--lengths", "10", "60", "--n", "8", "--seed", "3"])
    printed = json.loads(capsys.readouterr().out)
    assert printed == result
    assert printed["model"] == "ntm-copy"
    assert [r["length"] for r in printed["by_length"]] == [10, 60]
    for row in printed["by_length"] + printed["baseline"]["by_length"]:
        assert set(row) == {"length", "n", "bit_error", "exact"} and row["n"] == 8
        assert 0 <= row["exact"] <= 1 and row["bit_error"] >= 0
    assert printed["baseline"]["model"] == "ntm-copy-lstm"


def test_training_command_saves_resumes_and_loads(tmp_path, monkeypatch, capsys):
    from models import training

    monkeypatch.setattr(training, "RUNS_DIR", tmp_path / "runs")
    common = ["--rows", "24", "--width", "6", "--controller", "16", "--batch", "4", "--max-len", "4"]
    common += ["--eval-every", "1", "--val", "4", "--eval-n", "4", "--out", str(tmp_path), "--quiet"]
    common += ["--checkpoint-every", "0"]  # a resumable state after every step
    first = train_main(["ntm", "--task", "copy", "--max-steps", "6", "--checkpoint", *common])
    assert first["training"]["steps"] == 6 and (tmp_path / "ntm-copy.safetensors").is_file()
    again = train_main(["ntm", "--task", "copy", "--max-steps", "9", "--resume", *common])
    assert again["training"]["steps"] == 9
    assert "resuming from step 6" in capsys.readouterr().err
    model = registry.load_checkpoint(tmp_path / "ntm-copy.json", device="cpu").model
    trace = model.trace(np.ones((3, 8), dtype=np.int8))
    assert trace.read.weights.shape == (7, 24)
    lstm = train_main(["ntm", "--task", "copy", "--architecture", "lstm", "--max-steps", "3", *common])
    assert lstm["name"] == "ntm-copy-lstm" and lstm["config"]["architecture"] == "lstm"
