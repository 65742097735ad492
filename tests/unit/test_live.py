"""The live-training slot: one run at a time, stoppable, and its model handed to the session that started it."""

import time

from app.live import LiveTrainer


def wait_until(predicate, timeout=120):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_one_run_at_a_time_then_the_owner_gets_the_model():
    trainer = LiveTrainer()
    assert trainer.start("alice", "reverse", "additive", budget_s=4.0)
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
    output = mine.model.decode(["qkzd"])[0][0].text
    assert isinstance(output, str)


def test_stop_ends_a_run_early():
    trainer = LiveTrainer()
    assert trainer.start("carol", "date", "none", budget_s=120.0)
    wait_until(lambda: any(r["kind"] == "step" for r in trainer.snapshot().records))
    trainer.stop()
    wait_until(lambda: trainer.snapshot().status != "running", timeout=60)
    assert trainer.snapshot().status == "stopped"
