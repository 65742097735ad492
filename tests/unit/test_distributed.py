"""The photo captioners past one machine: ``torchrun --nproc_per_node 2`` on the CPU (gloo) trains the same
decoder as one process with the same global batch: both ranks end with identical weights, and the loss of every
step matches the one-process run's."""

import json
import os
import subprocess
import sys

import pytest

from models.distributed import Distributed
from tests.unit.test_captions_pipelines import tiny_split

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _argv(split_file, tmp_path, name: str) -> list[str]:
    argv = ["caption", "--data", "photos", "--karpathy", str(split_file), "--image-size", "64", "--min-count", "1"]
    argv += ["--embed", "8", "--hidden", "16", "--attention-dim", "8", "--aerial-components", "2", "--val", "2"]
    argv += ["--batch", "4", "--captions-per-photo", "2", "--max-steps", "4", "--budget", "600", "--dropout", "0"]
    argv += ["--eval-every", "0", "--features", str(tmp_path / name / "features"), "--out", str(tmp_path / "out")]
    return [*argv, "--name", name, "--threads", "1", "--quiet"]


def _train(argv: list[str], nproc: int) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR"}}
    env |= {"PYTHONPATH": ROOT, "OMP_NUM_THREADS": "1"}
    if nproc == 1:
        command = [sys.executable, "-m", "models.train", *argv]
    else:
        launcher = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", str(nproc)]
        command = [*launcher, "--standalone", "-m", "models.train", *argv]  # a free port of its own
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_two_ranks_train_the_weights_one_process_would(tmp_path):
    split_file = tiny_split(tmp_path)
    two = _train(_argv(split_file, tmp_path, "ddp-two"), nproc=2)
    assert two.returncode == 0, two.stderr[-3000:]
    one = _train(_argv(split_file, tmp_path, "ddp-one"), nproc=1)
    assert one.returncode == 0, one.stderr[-3000:]

    card_two = json.loads((tmp_path / "out" / "ddp-two.json").read_text())["training"]
    card_one = json.loads((tmp_path / "out" / "ddp-one.json").read_text())["training"]
    ranks = card_two["distributed"]
    assert ranks["world_size"] == 2 and ranks["backend"] == "gloo"
    assert ranks["ranks_agree"] and len(set(ranks["weights_digest_per_rank"])) == 1  # identical weights
    assert "distributed" not in card_one
    assert card_two["steps"] == card_one["steps"] == 4
    # the loss of the whole global batch, step by step (each rank's mean over its half, averaged)
    losses_two = [h["loss"] for h in card_two["history"] if "loss" in h]
    losses_one = [h["loss"] for h in card_one["history"] if "loss" in h]
    assert len(losses_two) == len(losses_one) >= 4
    assert losses_two == pytest.approx(losses_one, rel=0.03)
    # the features were encoded half by each rank into one cache, as one process would have written them
    assert sorted(p.name.split(".")[-2] for p in (tmp_path / "ddp-two" / "features").glob("*.part*.json")) == [
        "part0of2",
        "part1of2",
    ]


def test_a_rank_takes_its_contiguous_share_and_its_part_of_a_batch():
    first, second = Distributed(0, 2, "gloo"), Distributed(1, 2, "gloo")
    assert (first.share(7), second.share(7)) == (range(0, 4), range(4, 7))
    assert first.part(list("abcde")) == ["a", "c", "e"] and second.part(list("abcde")) == ["b", "d"]
    assert first.main and not second.main
    assert Distributed.from_env.__func__  # a plain run: WORLD_SIZE unset -> None
    assert "WORLD_SIZE" in os.environ or Distributed.from_env(__import__("torch").device("cpu")) is None


def test_torchrun_is_refused_for_models_that_do_not_shard_their_batches(monkeypatch):
    from models.train import main as train_main

    monkeypatch.setenv("WORLD_SIZE", "2")
    with pytest.raises(SystemExit, match="only the photo captioners"):
        train_main(["date", "--no-save", "--quiet"])
