"""One module per task: its data batches, its evaluation, its command-line options and its training.

    dates         dates as people write them -> ISO (RNN seq2seq, or the Transformer)
    translation   English <-> Korean on the Tatoeba pairs
    captions      the shapes world, aerial photos or everyday photos -> captions (captions_<source>.py)
    bottleneck    long symbol sequences with and without attention (the bottleneck experiment)
    sentiment     Korean (NSMC) and English (IMDB) reviews -> positive / negative (BiLSTM + attention pooling)
    ntm           random bit patterns -> the same patterns (a Neural Turing Machine and its LSTM baseline)

Each module reads top to bottom (data, evaluate, train) and calls the one loop in models/training.py.
``python -m models.train COMMAND`` and ``python -m models.evaluate --model NAME`` find the module here.
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["TRAIN_COMMANDS", "for_card", "for_command"]

# python -m models.train <command> -> the module that trains it (imported only when used)
TRAIN_COMMANDS: dict[str, str] = {
    "date": "models.tasks.dates",
    "transformer": "models.tasks.dates",
    "translate": "models.tasks.translation",
    "caption": "models.tasks.captions",
    "experiment": "models.tasks.bottleneck",
    "classify": "models.tasks.sentiment",
    "ntm": "models.tasks.ntm",
}

# a card's "task" (its prefix) -> the module that evaluates it
_CARD_TASKS: dict[str, str] = {
    "date": "models.tasks.dates",
    "translate-": "models.tasks.translation",
    "caption": "models.tasks.captions",
    "experiment-": "models.tasks.bottleneck",
    "classify-": "models.tasks.sentiment",
    "ntm-": "models.tasks.ntm",
}


def for_command(command: str) -> ModuleType:
    """The task module behind ``python -m models.train <command>``."""
    return importlib.import_module(TRAIN_COMMANDS[command])


def for_card(task: str) -> ModuleType:
    """The task module that evaluates a model whose card says ``"task": task``."""
    for prefix, module in _CARD_TASKS.items():
        if task == prefix or (prefix.endswith("-") and task.startswith(prefix)) or task.startswith(prefix + "-"):
            return importlib.import_module(module)
    raise ValueError(f"no task module evaluates models of task {task!r}; known: {', '.join(_CARD_TASKS)}")
