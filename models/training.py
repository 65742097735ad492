"""The training loop every model shares: a time budget, a target to stop at, resumable checkpoints.

    fit(model, optimizer, next_batch, loss_fn, evaluate, budget_s=60, target=("exact_match", 0.999))

* ``next_batch(step)`` returns the batch for a step (a pure function of the step, so a resumed run
  sees the same batches as an uninterrupted one).
* ``evaluate()`` returns a dict of metrics; it runs every ``eval_every_s`` seconds and at the end.
* The learning rate warms up, then follows a cosine over the time budget.
* Every ``checkpoint_every_s`` seconds the model and optimizer go to ``<resume_dir>/resume.safetensors``
  (+ ``resume.json``); ``fit(..., resume_dir=..., resume=True)`` picks them up and continues.
* ``on_progress(record)`` is called after every logged step and evaluation (the live-training page
  draws its curve from it); ``should_stop()`` lets a caller end the run early.

Nothing is pickled: optimizer states are flattened into safetensors.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from torch import nn

__all__ = ["FitResult", "fit", "load_resume", "save_resume"]


@dataclass
class FitResult:
    """What happened: steps, seconds, why it stopped, the last metrics and the whole history."""

    steps: int
    seconds: float
    stopped: str  # "target" | "budget" | "max_steps" | "stopped"
    metrics: dict[str, float]
    history: list[dict[str, Any]] = field(default_factory=list)
    examples: int = 0


def _flatten_optimizer(state: dict) -> tuple[dict[str, torch.Tensor], dict]:
    """Split an optimizer state_dict into tensors (for safetensors) and the rest (for JSON)."""
    tensors: dict[str, torch.Tensor] = {}
    per_param: dict[str, dict[str, Any]] = {}
    for pid, slots in state["state"].items():
        per_param[str(pid)] = {}
        for name, value in slots.items():
            if torch.is_tensor(value):
                tensors[f"optim.{pid}.{name}"] = value.detach().cpu().contiguous()
                per_param[str(pid)][name] = "tensor"
            else:
                per_param[str(pid)][name] = value
    return tensors, {"state": per_param, "param_groups": state["param_groups"]}


def _unflatten_optimizer(tensors: dict[str, torch.Tensor], meta: dict) -> dict:
    state = {}
    for pid, slots in meta["state"].items():
        state[int(pid)] = {
            name: tensors[f"optim.{pid}.{name}"] if value == "tensor" else value for name, value in slots.items()
        }
    return {"state": state, "param_groups": meta["param_groups"]}


def save_resume(folder: Path, model: nn.Module, optimizer: torch.optim.Optimizer, info: dict) -> None:
    """Write the model, the optimizer and ``info`` (step, seconds, ...) so that training can resume."""
    folder.mkdir(parents=True, exist_ok=True)
    tensors, meta = _flatten_optimizer(optimizer.state_dict())
    tensors.update({f"model.{k}": v.detach().cpu().contiguous() for k, v in model.state_dict().items()})
    tmp = folder / "resume.tmp"
    save_file(tensors, str(tmp))
    tmp.replace(folder / "resume.safetensors")
    (folder / "resume.json").write_text(json.dumps({"optimizer": meta, **info}, indent=1))


def load_resume(folder: Path, model: nn.Module, optimizer: torch.optim.Optimizer) -> dict | None:
    """Restore what ``save_resume`` wrote; returns its ``info``, or None when there is nothing to resume."""
    weights, meta_path = folder / "resume.safetensors", folder / "resume.json"
    if not (weights.is_file() and meta_path.is_file()):
        return None
    tensors = load_file(str(weights))
    meta = json.loads(meta_path.read_text())
    model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")})
    optimizer.load_state_dict(_unflatten_optimizer(tensors, meta.pop("optimizer")))
    return meta


class Progress:
    """A one-line progress bar on stderr (a plain log line every few seconds when not a terminal)."""

    def __init__(self, budget_s: float, enabled: bool = True) -> None:
        self.budget_s, self.enabled = budget_s, enabled
        self.tty = sys.stderr.isatty()
        self.last = 0.0

    def update(self, elapsed: float, text: str, force: bool = False) -> None:
        if not self.enabled or (not force and elapsed - self.last < (0.2 if self.tty else 5.0)):
            return
        self.last = elapsed
        frac = min(elapsed / self.budget_s, 1.0) if self.budget_s else 0.0
        bar = "█" * int(frac * 24) + "·" * (24 - int(frac * 24))
        line = f"[{bar}] {elapsed:6.1f}/{self.budget_s:.0f}s {text}"
        print(("\r" + line) if self.tty else line, end="" if self.tty else "\n", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.enabled and self.tty:
            print(file=sys.stderr)


def fit(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    next_batch: Callable[[int], Any],
    loss_fn: Callable[[nn.Module, Any], tuple[torch.Tensor, int]],
    evaluate: Callable[[], dict[str, float]],
    *,
    budget_s: float = 60.0,
    max_steps: int | None = None,
    target: tuple[str, float] | None = None,
    eval_every_s: float = 5.0,
    warmup_steps: int = 100,
    min_lr_ratio: float = 0.05,
    grad_clip: float = 1.0,
    resume_dir: Path | None = None,
    resume: bool = False,
    checkpoint_every_s: float = 30.0,
    on_progress: Callable[[dict[str, Any]], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    progress: bool = True,
    keep_best: str | None = None,
) -> FitResult:
    """Train until the target metric is reached, the time budget or max_steps runs out, or a stop.

    keep_best: a metric name; the weights of the evaluation where it was highest are restored at the end
    (early stopping without stopping: the run uses its whole budget, the model is its best moment).
    """
    base_lrs = [g["lr"] for g in optimizer.param_groups]
    step, spent, examples = 0, 0.0, 0
    history: list[dict[str, Any]] = []
    if resume_dir is not None and resume:
        info = load_resume(resume_dir, model, optimizer)
        if info:
            step, spent, examples = info["step"], info["seconds"], info.get("examples", 0)
            history = info.get("history", [])
            print(f"resuming from step {step} ({spent:.0f} s already spent)", file=sys.stderr)
    bar = Progress(budget_s, enabled=progress)
    start = time.perf_counter() - spent
    last_eval = last_ckpt = time.perf_counter() - start
    metrics: dict[str, float] = {}
    best: tuple[float, dict[str, torch.Tensor], dict[str, float]] | None = None
    running_loss, stopped = None, "budget"
    model.train()

    def do_eval(elapsed: float) -> dict[str, float]:
        model.eval()
        with torch.no_grad():
            result = evaluate()
        model.train()
        record = {"step": step, "seconds": round(elapsed, 2), "examples": examples, **result}
        if running_loss is not None:
            record["loss"] = round(running_loss, 5)
        history.append(record)
        if on_progress:
            on_progress({"kind": "eval", **record})
        return result

    while True:
        elapsed = time.perf_counter() - start
        if should_stop and should_stop():
            stopped = "stopped"
            break
        if elapsed >= budget_s:
            stopped = "budget"
            break
        if max_steps is not None and step >= max_steps:
            stopped = "max_steps"
            break
        # learning rate: linear warm-up, then cosine from the base rate to min_lr_ratio of it over the budget
        warm = min(1.0, (step + 1) / warmup_steps)
        progress_frac = min(elapsed / budget_s, 1.0)
        if max_steps:
            progress_frac = max(progress_frac, step / max_steps)
        cosine = min_lr_ratio + (1 - min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress_frac))
        for group, base in zip(optimizer.param_groups, base_lrs, strict=True):
            group["lr"] = base * warm * cosine
        batch = next_batch(step)
        loss, n = loss_fn(model, batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if grad_clip:
            nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        step += 1
        examples += n
        value = float(loss.detach())
        running_loss = value if running_loss is None else 0.95 * running_loss + 0.05 * value
        shown = " ".join(f"{k} {v:.4f}" for k, v in metrics.items() if isinstance(v, float))
        bar.update(elapsed, f"step {step} loss {running_loss:.4f} {shown}")
        if on_progress and step % 10 == 0:
            on_progress({"kind": "step", "step": step, "seconds": elapsed, "loss": running_loss})
        now = time.perf_counter() - start
        if now - last_eval >= eval_every_s:
            metrics = do_eval(now)
            last_eval = time.perf_counter() - start
            if keep_best and (best is None or metrics[keep_best] > best[0]):
                best = (metrics[keep_best], {k: v.detach().clone() for k, v in model.state_dict().items()}, metrics)
            if target and metrics.get(target[0], float("-inf")) >= target[1]:
                stopped = "target"
                break
        if resume_dir is not None and now - last_ckpt >= checkpoint_every_s:
            info = {"step": step, "seconds": now, "examples": examples, "history": history}
            save_resume(resume_dir, model, optimizer, info)
            last_ckpt = time.perf_counter() - start
    elapsed = time.perf_counter() - start
    if stopped != "target":
        metrics = do_eval(elapsed)
    if keep_best and best is not None and best[0] > metrics[keep_best]:
        model.load_state_dict(best[1])
        metrics = {**best[2], "restored_best": 1.0}
    bar.update(elapsed, f"step {step} done ({stopped})", force=True)
    bar.close()
    model.eval()
    return FitResult(step, round(elapsed, 2), stopped, metrics, history, examples)
