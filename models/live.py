"""Training a small model while the class watches: the live-training slot of /experiments calls this.

    model, result = quick_train("date", "additive", budget_s=60, on_progress=draw, should_stop=stopped)

Nothing is saved: the model lives in the session of the student who trained it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from models import registry
from models.data.dates import MAX_SOURCE_LEN, DateGenerator
from models.data.sequences import SequenceGenerator, token_accuracy
from models.seq2seq import Seq2Seq, Seq2SeqConfig
from models.tasks import bottleneck, dates
from models.training import FitResult, fit, seed_everything, sequence_loss

__all__ = ["LIVE_TASKS", "quick_train"]

LIVE_TASKS = ("date", "reverse", "copy")
POOL = 30_000  # generated training examples
MAX_LEN = 20  # longest symbol sequence of the reverse / copy tasks


def _setup(task: str, seed: int, device: torch.device):
    """(model config, training pairs, validation (input, expected) pairs) for a live task."""
    if task == "date":
        src_vocab, tgt_vocab = dates.vocabularies()
        data = dates.date_pairs(POOL, seed, src_vocab, tgt_vocab, device)
        pairs = [(e.source, e.target) for e in DateGenerator(seed=seed + 1, split="test").samples(500)]
        max_src, max_tgt = MAX_SOURCE_LEN, dates.TARGET_LEN
    else:
        src_vocab, tgt_vocab = bottleneck.vocabularies()
        data = bottleneck.sequence_pairs(task, POOL, MAX_LEN, seed, src_vocab, tgt_vocab, device)
        pairs = [(e.source, e.target) for e in SequenceGenerator(task, 1, MAX_LEN, seed + 1).samples(300)]
        max_src, max_tgt = 30, 31
    sizes = {"src_vocab": src_vocab.tokens, "tgt_vocab": tgt_vocab.tokens}
    return {**sizes, "max_source_len": max_src, "max_target_len": max_tgt}, data, pairs


def quick_train(
    task: str,
    attention: str,
    budget_s: float,
    on_progress: Callable[[dict[str, Any]], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    seed: int = 0,
    device: torch.device | str | None = None,
) -> tuple[Seq2Seq, FitResult]:
    """Train a small seq2seq for ``budget_s`` seconds; returns (model, FitResult).

    task: "date" (dates -> ISO) or "reverse" / "copy" (sequences of up to 20 symbols).
    """
    if task not in LIVE_TASKS:
        raise ValueError(f"live training knows {', '.join(LIVE_TASKS)}, not {task!r}")
    seed_everything(seed)
    device = device if isinstance(device, torch.device) else registry.resolve_device(device)
    vocabs, data, pairs = _setup(task, seed, device)
    model = Seq2Seq(Seq2SeqConfig(embed_dim=32, hidden_dim=64, attention=attention, attention_dim=64, **vocabs))
    model = model.to(device)

    def validate() -> dict[str, float]:
        outputs = [h[0].text for h in model.decode([p[0] for p in pairs])]
        return {
            "exact_match": sum(o == p[1] for o, p in zip(outputs, pairs, strict=True)) / len(pairs),
            "token_accuracy": sum(token_accuracy(o, p[1]) for o, p in zip(outputs, pairs, strict=True)) / len(pairs),
        }

    result = fit(
        model,
        torch.optim.Adam(model.parameters(), lr=3e-3),
        lambda step: data.batch(step, 128),
        sequence_loss,
        validate,
        budget_s=budget_s,
        eval_every_s=3.0,
        warmup_steps=50,
        on_progress=on_progress,
        should_stop=should_stop,
        progress=False,
    )
    return model, result
