"""Training live in class: one background training per server, watched by every session.

The page starts a run, polls ``snapshot()`` to draw the loss and accuracy curves, and may stop it.
Whoever started it gets the trained model in their session (``st.session_state``), under a name that
/text and /experiments list beside the shipped models; nothing is written to disk.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

SESSION_MODELS = "live_models"  # st.session_state key: name -> {"model", "task", "attention", ...}


@dataclass
class Run:
    """What one training run is doing; copied out for drawing (never shared mutable state)."""

    id: str = ""
    owner: str = ""
    task: str = ""
    attention: str = ""
    budget_s: float = 0.0
    status: str = "idle"  # idle | running | done | stopped | error
    started: float = 0.0
    records: list[dict[str, Any]] = field(default_factory=list)
    message: str = ""
    model: Any = None
    claimed: bool = False


class LiveTrainer:
    """The server's one training slot."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._run = Run()

    def snapshot(self) -> Run:
        """A copy of the current run, safe to read while training goes on."""
        with self._lock:
            return self._copy()

    def _copy(self) -> Run:
        r = self._run
        return Run(
            r.id,
            r.owner,
            r.task,
            r.attention,
            r.budget_s,
            r.status,
            r.started,
            list(r.records),
            r.message,
            r.model,
            r.claimed,
        )

    def busy(self) -> bool:
        return self.snapshot().status == "running"

    def start(self, owner: str, task: str, attention: str, budget_s: float, device: Any = None) -> bool:
        """Start a run unless one is running; False when the slot is taken.

        device: where to train (the page passes the app's compute device); None lets the trainer pick.
        """
        with self._lock:
            if self._run.status == "running":
                return False
            self._stop.clear()
            self._run = Run(uuid.uuid4().hex[:8], owner, task, attention, budget_s, "running", time.time())
            run_id = self._run.id
        threading.Thread(target=self._train, args=(run_id, device), daemon=True, name=f"live-{run_id}").start()
        return True

    def stop(self) -> None:
        self._stop.set()

    def claim(self, owner: str) -> Run | None:
        """The finished run's model, once, for the session that started it."""
        with self._lock:
            r = self._run
            if r.owner == owner and r.status in ("done", "stopped") and r.model is not None and not r.claimed:
                r.claimed = True
                return self._copy()
        return None

    def _train(self, run_id: str, device: Any) -> None:
        from models.live import quick_train

        def progress(record: dict[str, Any]) -> None:
            with self._lock:
                if self._run.id == run_id:
                    self._run.records.append({**record, "wall": time.time() - self._run.started})

        try:
            snap = self.snapshot()
            model, result = quick_train(
                snap.task,
                snap.attention,
                snap.budget_s,
                on_progress=progress,
                should_stop=self._stop.is_set,
                device=device,
            )
            with self._lock:
                if self._run.id == run_id:
                    self._run.model = model
                    self._run.status = "stopped" if result.stopped == "stopped" else "done"
                    self._run.message = f"{result.steps} steps, {result.seconds:.0f} s"
        except Exception as err:  # a failed run must not take the server down; the page shows the message
            with self._lock:
                if self._run.id == run_id:
                    self._run.status, self._run.message = "error", f"{type(err).__name__}: {err}"


@st.cache_resource
def trainer() -> LiveTrainer:
    """The one LiveTrainer of this server."""
    return LiveTrainer()


def session_id() -> str:
    """A stable id for this browser session."""
    return st.session_state.setdefault("live_session_id", uuid.uuid4().hex)


def session_models(task: str | None = None) -> dict[str, dict]:
    """The models this session trained live, by name (optionally only one task's)."""
    models = st.session_state.get(SESSION_MODELS, {})
    return {k: v for k, v in models.items() if task is None or v["task"] == task}


def collect_finished() -> str | None:
    """Move a finished run's model into this session; returns its name when one arrived."""
    run = trainer().claim(session_id())
    if run is None:
        return None
    name = f"live-{run.task}-{run.attention}-{run.id[:4]}"
    st.session_state.setdefault(SESSION_MODELS, {})[name] = {
        "model": run.model,
        "task": run.task,
        "attention": run.attention,
        "records": run.records,
        "message": run.message,
    }
    return name
