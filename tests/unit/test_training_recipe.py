"""One recipe for every task: ``RunConfig.start(args)`` reads the command line once (seed, device, clock, budget,
where it saves) and ``finish`` writes the card, prints the summary and saves; each task's ``train`` goes through
both, and the checkpoint it writes loads back."""

import json
import random

import pytest
import torch

from models import registry
from models.train import main as train_main
from models.train import parser
from models.training import RUNS_DIR, FitResult, RunConfig, finish


def args_of(argv):
    args = parser().parse_args(argv)
    args.argv = argv
    return args


def test_a_run_reads_the_command_line_once_and_seeds_everything(tmp_path):
    argv = ["date", "--seed", "3", "--budget", "50", "--batch", "7", "--lr", "0.5", "--out", str(tmp_path), "--quiet"]
    run = RunConfig.start(args_of(argv), name="date-x")
    first = (random.random(), torch.rand(1).item())
    RunConfig.start(args_of(argv), name="date-x")
    assert (random.random(), torch.rand(1).item()) == first  # the same seed, the same numbers
    assert (run.name, run.seed, run.batch, run.lr, run.budget_s, run.out) == ("date-x", 3, 7, 0.5, 50.0, tmp_path)
    assert run.device == torch.device("cpu") or run.device.type != "cpu"
    assert not run.progress and run.save and run.resume_dir is None and run.max_steps is None
    assert run.command == "python -m models.train " + " ".join(argv[:-3]) + f" --out {tmp_path} --quiet"
    assert 49 < run.left() <= 50 and run.elapsed() >= 0
    resumed = RunConfig.start(args_of(["date", "--resume", "--no-save"]), name="date-y")
    assert resumed.resume and resumed.resume_dir == RUNS_DIR / "date-y" and not resumed.save


def test_finish_writes_the_card_prints_the_summary_and_saves(tmp_path, capsys):
    run = RunConfig(name="tiny", out=tmp_path, seed=5, argv=("date", "--seed", "5"))
    model = torch.nn.Linear(2, 1)
    result = FitResult(steps=4, seconds=1.5, stopped="budget", metrics={"exact_match": 0.5}, examples=12)
    card = finish(
        run,
        model,
        result,
        wall_s=2.25,
        data="four numbers",
        metrics={"evaluated_with": "by hand", "score": 1.0},
        summary="score 1.0",
        training={"note": "a test"},
        kind="seq2seq",
        config={"size": 2},
    )
    assert card["name"] == "tiny" and card["kind"] == "seq2seq" and card["config"] == {"size": 2}
    assert card["metrics"] == {"evaluated_with": "by hand", "score": 1.0}
    training = card["training"]
    assert training["command"] == "python -m models.train date --seed 5" and training["seed"] == 5
    assert (training["steps"], training["examples_seen"], training["wall_time_s"]) == (4, 12, 2.2)
    assert training["note"] == "a test" and training["data"] == "four numbers"
    assert "tiny: 4 steps in 2.2 s (budget); score 1.0" in capsys.readouterr().err
    saved = json.loads((tmp_path / "tiny.json").read_text())
    assert saved["weights"]["parameters"] == 3 and (tmp_path / "tiny.safetensors").is_file()
    finish(
        RunConfig(name="unsaved", out=tmp_path, save=False),
        model,
        result,
        wall_s=1.0,
        data="",
        metrics={},
        summary="",
        kind="seq2seq",
        config={},
    )
    assert not (tmp_path / "unsaved.json").exists()


TINY = {
    "date": ["--pool", "300", "--val", "20", "--eval-n", "20", "--embed", "8", "--hidden", "8", "--attention-dim", "8"],
    "transformer": [
        "--pool",
        "300",
        "--val",
        "20",
        "--eval-n",
        "20",
        "--d-model",
        "16",
        "--heads",
        "2",
        "--d-ff",
        "16",
    ],
    "experiment": [
        "--pool",
        "300",
        "--val",
        "20",
        "--eval-n",
        "5",
        "--max-train-len",
        "8",
        "--embed",
        "8",
        "--hidden",
        "8",
        "--length-step",
        "4",
    ],
    "caption": [
        "--pool",
        "16",
        "--val",
        "4",
        "--eval-n",
        "4",
        "--widths",
        "8",
        "8",
        "8",
        "--embed",
        "8",
        "--hidden",
        "16",
        "--attention-dim",
        "8",
    ],
}


@pytest.mark.parametrize("command", list(TINY))
def test_every_task_trains_through_the_one_recipe_and_its_checkpoint_loads(command, tmp_path, capsys):
    out = tmp_path / "models"
    argv = [command, *TINY[command], "--max-steps", "2", "--batch", "4", "--budget", "120", "--eval-every", "1000"]
    argv += ["--out", str(out), "--name", f"tiny-{command}", "--quiet"]
    if command == "experiment":
        argv += ["--results-dir", str(tmp_path / "results")]
    card = train_main(argv)
    assert card["name"] == f"tiny-{command}" and card["training"]["steps"] == 2
    assert card["training"]["command"] == "python -m models.train " + " ".join(argv)
    assert card["metrics"] and f"tiny-{command}: 2 steps in" in capsys.readouterr().err
    loaded = registry.load_checkpoint(out / f"tiny-{command}.json", device="cpu")
    assert loaded.card["training"]["command"] == card["training"]["command"]
