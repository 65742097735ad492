"""The bottleneck experiment of /experiments: shipped results by input length, fresh inputs and answers."""

from __future__ import annotations

import json
from pathlib import Path

import streamlit as st

from models.data import sequences as _sequences

SEQUENCE_TASKS = _sequences.TASKS  # reverse, copy
sequence_target = _sequences.target_of  # (task, text) -> the right answer: the input reversed or copied


def attention_kinds() -> tuple[str, ...]:
    """The attention a model trained live in class may use (loads the seq2seq network)."""
    from models.seq2seq import ATTENTION_KINDS

    return ATTENTION_KINDS


def experiment_results(task: str) -> dict | None:
    """The shipped results of the bottleneck experiment on ``task`` (accuracy by length per model), or None."""
    from models.tasks.bottleneck import results_path

    path = results_path(task)
    if not path.is_file():
        return None
    return _read_results(str(path), path.stat().st_mtime_ns)


@st.cache_data(max_entries=8, show_spinner=False)
def _read_results(path: str, mtime_ns: int) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def random_sequence(task: str, length: int, seed: int) -> str:
    """A fresh input of ``length`` symbols for the experiment's models."""
    return _sequences.SequenceGenerator(task, seed=seed).sample(length).source
