"""The training loop every model shares, and what every task's training needs around it.

    fit(model, optimizer, next_batch, loss_fn, evaluate, budget_s=60, target=("exact_match", 0.999))

Around the loop, one recipe every task's ``train(args)`` follows:

    run = RunConfig.start(args)          # seed, device, clock, budget, batch, where it saves: read once
    ...build the data and the model...
    result = run.fit(model, optimizer, next_batch, loss_fn, evaluate, warmup_steps=..., keep_best=...)
    return finish(run, model, result, wall_s=run.elapsed(), data=..., metrics=..., summary=..., **head)

``finish`` builds the card (``training_card``: head, how it was trained, the exact command), prints the one-line
summary and saves the checkpoint. Also here: ``seed_everything``, step-seeded batches (``step_generator``,
``SequencePairs``) and the teacher-forcing loss of the text models (``sequence_loss``). Task modules
(models/tasks/) call these; networks never import this file.

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

import argparse
import json
import math
import os
import random
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from torch import Tensor, nn
from torch.nn import functional as F

from models.distributed import Distributed, LossModule
from models.registry import resolve_device, save_checkpoint

__all__ = [
    "FitResult",
    "RunConfig",
    "SequencePairs",
    "finish",
    "fit",
    "load_resume",
    "resume_folder",
    "save_resume",
    "seed_everything",
    "sequence_loss",
    "step_generator",
    "training_card",
]

RUNS_DIR = Path(__file__).resolve().parent.parent / "runs"  # resumable states: runs/<name>/


@dataclass(frozen=True)
class RunConfig:
    """What one training run is given besides its data and model, read from the command line once.

    ``RunConfig.start(args)`` seeds the random numbers, picks the device and starts the clock: ``budget_s``
    counts from then (data building included), ``left()`` is what remains of it for the loop.
    """

    name: str
    out: Path
    seed: int = 0
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    budget_s: float = 60.0
    max_steps: int | None = None
    batch: int = 32
    lr: float = 1e-3
    eval_every_s: float = 5.0
    save: bool = True  # write the checkpoint at the end (not with --no-save)
    progress: bool = True  # the progress bar (not with --quiet)
    resume_dir: Path | None = None  # runs/<name>/ with --checkpoint or --resume
    resume: bool = False
    argv: tuple[str, ...] = ()  # the command line after ``python -m models.train``
    started: float = field(default_factory=time.perf_counter)
    distributed: Distributed | None = None  # under torchrun: this process's rank (models/distributed.py)

    @classmethod
    def start(cls, args: argparse.Namespace, name: str | None = None) -> RunConfig:
        """The run of a parsed command line (``name`` overrides ``args.name``): seeded, on its device, clock on.

        A task's ``--threads N`` (N > 0) sets torch's CPU threads.
        """
        seed_everything(args.seed)
        threads = getattr(args, "threads", 0)
        if threads:
            torch.set_num_threads(threads)
        name = name or args.name
        device = resolve_device(args.device)
        distributed = Distributed.from_env(device)
        if distributed is not None and device.type == "cuda":  # one GPU per rank
            device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", distributed.rank)))
            torch.cuda.set_device(device)
        return cls(
            name=name,
            out=Path(args.out),
            seed=args.seed,
            device=device,
            budget_s=args.budget,
            max_steps=args.max_steps,
            batch=getattr(args, "batch", 32),
            lr=getattr(args, "lr", 1e-3),
            eval_every_s=getattr(args, "eval_every", 5.0),
            save=not args.no_save,
            progress=not args.quiet,
            resume_dir=RUNS_DIR / name if args.checkpoint or args.resume else None,
            resume=args.resume,
            argv=tuple(getattr(args, "argv", None) or ()),
            distributed=distributed,
        )

    @property
    def main(self) -> bool:
        """Whether this process prints, measures and saves (always, unless it is a torchrun rank above 0)."""
        return self.distributed is None or self.distributed.main

    @property
    def command(self) -> str:
        """The exact ``python -m models.train ...`` line of this run ("" when it was not started from one)."""
        return "python -m models.train " + shlex.join(self.argv) if self.argv else ""

    def elapsed(self) -> float:
        """Seconds since the run started."""
        return time.perf_counter() - self.started

    def left(self) -> float:
        """What remains of the time budget."""
        return self.budget_s - self.elapsed()

    def fit(
        self,
        model: nn.Module,
        optimizer: torch.optim.Optimizer,
        next_batch: Callable[[int], Any],
        loss_fn: Callable[[nn.Module, Any], tuple[torch.Tensor, int]],
        evaluate: Callable[[], dict[str, float]],
        **options: Any,
    ) -> FitResult:
        """``fit`` with this run's budget (what is left of it), steps, evaluation period, resume folder and
        progress bar; ``options`` are fit's other keywords (target, warmup_steps, keep_best, budget_s, ...)."""
        given = {
            "budget_s": self.left(),
            "max_steps": self.max_steps,
            "eval_every_s": self.eval_every_s,
            "resume_dir": self.resume_dir,
            "resume": self.resume,
            "progress": self.progress,
            "distributed": self.distributed,
        }
        return fit(model, optimizer, next_batch, loss_fn, evaluate, **(given | options))


def finish(
    run: RunConfig,
    model: nn.Module,
    result: FitResult,
    *,
    wall_s: float,
    data: str,
    metrics: dict[str, Any],
    summary: str,
    training: dict[str, Any] | None = None,
    **head: Any,
) -> dict[str, Any]:
    """The end of every run: the card (``head``: kind, task, title, config, ...; how it was trained, plus
    ``training``; ``metrics``), a one-line summary on stderr, and the checkpoint in ``run.out`` unless
    --no-save. Returns the card."""
    card = training_card(run, result, wall_s, run.device, data, **head)
    card["training"] |= training or {}
    card["metrics"] = metrics
    if not run.main:  # a torchrun rank above 0: rank 0 writes the card and the checkpoint
        return card
    print(f"{run.name}: {result.steps} steps in {wall_s:.1f} s ({result.stopped}); {summary}", file=sys.stderr)
    if run.save:
        print(f"saved {save_checkpoint(model, card, run.out, run.name)}", file=sys.stderr)
    return card


def seed_everything(seed: int) -> None:
    """The same seed for Python's and torch's random numbers (data order, initial weights)."""
    random.seed(seed)
    torch.manual_seed(seed)


def step_generator(seed: int, step: int) -> torch.Generator:
    """The random numbers of one training step: a pure function of (seed, step), so a resumed run
    draws exactly the batches an uninterrupted one would have."""
    return torch.Generator().manual_seed(seed * 1_000_003 + step)


class SequencePairs:
    """(source, target) id sequences as padded tensors, and the teacher-forcing batch of each step.

    src: (N, S_max) and tgt: (N, T_max) right-padded with 0; tgt ends with <eos>.
    ``bucket`` draws inputs of similar length together, so that less padding is computed.
    """

    def __init__(self, src: Tensor, tgt: Tensor, seed: int, device: torch.device | str = "cpu") -> None:
        self.src, self.tgt = src.to(device), tgt.to(device)
        self.src_len, self.tgt_len = (self.src != 0).sum(1), (self.tgt != 0).sum(1)  # (N,), (N,)
        self.n, self.seed = src.size(0), seed
        jitter = torch.rand(self.n, generator=torch.Generator().manual_seed(seed))
        self.by_length = torch.argsort(self.src_len.cpu() + jitter)  # ties broken at random, once

    def batch(self, step: int, size: int, bucket: bool = False) -> tuple[Tensor, Tensor, Tensor]:
        """(src (B, S), y_in (B, T), y_out (B, T)) for a step; y_in = <sos> + target[:-1]."""
        g = step_generator(self.seed, step)
        if bucket:
            start = int(torch.randint(self.n - size + 1, (1,), generator=g))
            idx = self.by_length[start : start + size].to(self.src.device)
        else:
            idx = torch.randint(self.n, (size,), generator=g).to(self.src.device)
        src = self.src[idx, : int(self.src_len[idx].max())]  # trim the padding this batch does not need
        y_out = self.tgt[idx, : int(self.tgt_len[idx].max())]  # target + <eos>
        y_in = torch.cat([torch.ones_like(y_out[:, :1]), y_out[:, :-1]], dim=1)  # <sos> (id 1) + target
        return src, y_in, y_out


def sequence_loss(model: nn.Module, batch: tuple[Tensor, Tensor, Tensor]) -> tuple[Tensor, int]:
    """Cross-entropy of the next token under teacher forcing, ignoring padding (any model whose
    ``forward(src, y_in)`` returns the logits (B, T, V) first: the RNN seq2seq and the Transformer)."""
    src, y_in, y_out = batch
    logits = model(src, y_in)[0]  # (B, T, V)
    loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y_out.reshape(-1), ignore_index=0)
    return loss, src.size(0)


def resume_folder(args: argparse.Namespace) -> Path | None:
    """runs/<name>/ when the command asked for a resumable checkpoint (``--checkpoint`` or ``--resume``)."""
    return RUNS_DIR / args.name if args.checkpoint or args.resume else None


def training_card(
    args: argparse.Namespace | RunConfig,
    result: FitResult,
    wall_s: float,
    device: torch.device,
    data: str,
    **head: Any,
) -> dict[str, Any]:
    """The card of a trained model: ``head`` (kind, task, title, config, ...) and how it was trained.

    The command is the exact ``python -m models.train ...`` line that made it, so a card reproduces itself.
    """
    argv = getattr(args, "argv", None)
    return {
        "name": args.name,
        **head,
        "training": {
            "command": "python -m models.train " + shlex.join(argv) if argv else "",
            "seed": args.seed,
            "device": str(device),
            "wall_time_s": round(wall_s, 1),
            "steps": result.steps,
            "examples_seen": result.examples,
            "stopped": result.stopped,
            "data": data,
            "validation": result.metrics,
            "history": result.history,
        },
    }


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


@dataclass
class _Run:
    """The moving parts of one fit(): step count, clock, history and the best weights so far."""

    step: int = 0
    spent: float = 0.0
    examples: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    running_loss: float | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    best: tuple[float, dict[str, Tensor], dict[str, float]] | None = None


def _learning_rate_scale(step: int, elapsed: float, budget_s: float, max_steps: int | None, warmup: int, floor: float):
    """Linear warm-up over ``warmup`` steps, then a cosine from 1 to ``floor`` over the budget (time or steps)."""
    warm = min(1.0, (step + 1) / warmup)
    progress = min(elapsed / budget_s, 1.0)
    if max_steps:
        progress = max(progress, step / max_steps)
    return warm * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress)))


def _evaluate(model: nn.Module, run: _Run, evaluate: Callable[[], dict[str, float]], elapsed: float, on_progress):
    """Run ``evaluate`` in eval mode and log it; returns its metrics."""
    model.eval()
    with torch.no_grad():
        result = evaluate()
    model.train()
    record = {"step": run.step, "seconds": round(elapsed, 2), "examples": run.examples, **result}
    if run.running_loss is not None:
        record["loss"] = round(run.running_loss, 5)
    run.history.append(record)
    if on_progress:
        on_progress({"kind": "eval", **record})
    return result


def _train_step(model, optimizer, batch, loss_fn, grad_clip: float) -> tuple[float, int]:
    """One optimizer step on one batch: (loss, examples)."""
    loss, n = loss_fn(model, batch)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    if grad_clip:
        nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
    optimizer.step()
    return float(loss.detach()), n


def _why_stop(run: _Run, elapsed: float, budget_s: float, max_steps: int | None, should_stop) -> str | None:
    if should_stop and should_stop():
        return "stopped"
    if elapsed >= budget_s:
        return "budget"
    if max_steps is not None and run.step >= max_steps:
        return "max_steps"
    return None


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
    distributed: Distributed | None = None,
) -> FitResult:
    """Train until the target metric is reached, the time budget or max_steps runs out, or a stop.

    keep_best: a metric name; the weights of its best evaluation are restored at the end. distributed: this
    process's torchrun rank (models/distributed.py); ``next_batch`` then gives this rank's share of each batch."""
    base_lrs = [g["lr"] for g in optimizer.param_groups]
    run = _resumed(resume_dir, model, optimizer) if resume_dir is not None and resume else _Run()
    bar = Progress(budget_s, enabled=progress and (distributed is None or distributed.main))
    start = time.perf_counter() - run.spent
    clock, step_loss, validate, saves = _wiring(distributed, model, loss_fn, evaluate, start)
    should_stop = should_stop if distributed is None else None
    last_eval = last_ckpt = clock()
    model.train()
    while not (stopped := _why_stop(run, elapsed := clock(), budget_s, max_steps, should_stop)):
        scale = _learning_rate_scale(run.step, elapsed, budget_s, max_steps, warmup_steps, min_lr_ratio)
        for group, base in zip(optimizer.param_groups, base_lrs, strict=True):
            group["lr"] = base * scale
        value, n = _train_step(model, optimizer, next_batch(run.step), step_loss, grad_clip)
        value = value if distributed is None else distributed.mean(value)  # the loss of the whole global batch
        run.step, run.examples = run.step + 1, run.examples + n
        run.running_loss = value if run.running_loss is None else 0.95 * run.running_loss + 0.05 * value
        shown = " ".join(f"{k} {v:.4f}" for k, v in run.metrics.items() if isinstance(v, float))
        bar.update(elapsed, f"step {run.step} loss {run.running_loss:.4f} {shown}")
        if on_progress and run.step % 10 == 0:
            on_progress({"kind": "step", "step": run.step, "seconds": elapsed, "loss": run.running_loss})
        now = clock()
        if now - last_eval >= eval_every_s:
            run.metrics = _evaluate(model, run, validate, now, on_progress)
            last_eval = clock()
            _remember_best(model, run, keep_best)
            if target and run.metrics.get(target[0], float("-inf")) >= target[1]:
                stopped = "target"
                break
        if resume_dir is not None and now - last_ckpt >= checkpoint_every_s:
            _save_run(resume_dir, model, optimizer, run, now) if saves else None
            last_ckpt = clock()
    return _finish(model, run, validate, stopped, clock(), bar, keep_best, on_progress)


def _wiring(distributed: Distributed | None, model, loss_fn, evaluate, start: float):
    """(clock, step loss, validation, whether this process saves): one process's own, or under torchrun rank 0's
    clock and validation everywhere, with DDP averaging the gradients of the ranks' shares."""
    if distributed is None:
        return (lambda: time.perf_counter() - start), loss_fn, evaluate, True
    ddp = distributed.wrap(LossModule(model, loss_fn))
    clock = lambda: distributed.agree(time.perf_counter() - start)[0]  # noqa: E731
    return clock, (lambda _model, batch: ddp(batch)), (lambda: distributed.from_main(evaluate)), distributed.main


def _save_run(folder: Path, model, optimizer, run: _Run, now: float) -> None:
    info = {"step": run.step, "seconds": now, "examples": run.examples, "history": run.history}
    save_resume(folder, model, optimizer, info)


def _resumed(folder: Path, model: nn.Module, optimizer: torch.optim.Optimizer) -> _Run:
    """The run as ``save_resume`` left it in ``folder`` (a fresh one when there is nothing to resume)."""
    info = load_resume(folder, model, optimizer)
    if not info:
        return _Run()
    print(f"resuming from step {info['step']} ({info['seconds']:.0f} s already spent)", file=sys.stderr)
    return _Run(info["step"], info["seconds"], info.get("examples", 0), info.get("history", []))


def _remember_best(model: nn.Module, run: _Run, keep_best: str | None) -> None:
    if keep_best and (run.best is None or run.metrics[keep_best] > run.best[0]):
        weights = {k: v.detach().clone() for k, v in model.state_dict().items()}
        run.best = (run.metrics[keep_best], weights, run.metrics)


def _finish(model, run: _Run, evaluate, stopped: str, elapsed: float, bar: Progress, keep_best, on_progress):
    """The last evaluation (unless the target just stopped the run), the best weights back, eval mode."""
    if stopped != "target":
        run.metrics = _evaluate(model, run, evaluate, elapsed, on_progress)
    if keep_best and run.best is not None and run.best[0] > run.metrics[keep_best]:
        model.load_state_dict(run.best[1])
        run.metrics = {**run.best[2], "restored_best": 1.0}
    bar.update(elapsed, f"step {run.step} done ({stopped})", force=True)
    bar.close()
    model.eval()
    return FitResult(run.step, round(elapsed, 2), stopped, run.metrics, run.history, run.examples)
