"""The live-training slot: one run at a time, stoppable, and its model handed to the session that started it."""

import time

import numpy as np

from app.services.live_models import LiveTrainer
from models.results import Alignment


def wait_until(predicate, timeout=120):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_one_run_at_a_time_then_the_owner_gets_the_model():
    trainer = LiveTrainer()
    assert trainer.start("alice", "reverse", "additive", budget_s=8.0)  # long enough for a few logged steps
    assert not trainer.start("bob", "date", "dot", budget_s=4.0), "a second run must wait"
    assert trainer.busy()
    wait_until(lambda: trainer.snapshot().status != "running")
    run = trainer.snapshot()
    assert run.status == "done", run.message
    assert any(r["kind"] == "eval" for r in run.records)
    assert trainer.claim("bob") is None
    mine = trainer.claim("alice")
    assert mine is not None and mine.model is not None
    assert trainer.claim("alice") is None, "a model is handed over once"

    losses = [r["loss"] for r in run.records if "loss" in r]  # the running loss, logged every 10 steps and eval
    assert len(losses) >= 2 and losses[-1] < losses[0], f"the loss did not fall: {losses}"
    evals = [r for r in run.records if r["kind"] == "eval"]
    assert all(0.0 <= r["exact_match"] <= 1.0 for r in evals), evals
    walls = [r["wall"] for r in run.records]
    assert walls == sorted(walls), "records out of order"

    alignment = mine.model.decode(["qkzd"])[0][0]
    assert isinstance(alignment, Alignment) and alignment.source == list("qkzd")
    assert alignment.weights.shape == (len(alignment.target), 4)
    assert np.allclose(alignment.weights.sum(axis=1), 1.0, atol=1e-4), "attention rows must sum to 1 over the input"


def test_stop_ends_a_run_early():
    trainer = LiveTrainer()
    assert trainer.start("carol", "date", "none", budget_s=120.0)
    wait_until(lambda: any(r["kind"] == "step" for r in trainer.snapshot().records))
    trainer.stop()
    wait_until(lambda: trainer.snapshot().status != "running", timeout=60)
    assert trainer.snapshot().status == "stopped"
