"""The copy task of the Neural Turing Machine (Graves et al. 2014, §4.1): random 8-bit patterns of 1–20
vectors in training, then patterns of up to 60 to see whether what it learnt carries to longer ones.

    python -m models.train ntm --task copy --budget 1800 --checkpoint
    python -m models.train ntm --task copy --architecture lstm --budget 1800 --checkpoint

The first trains ``ntm-copy``, the second its baseline ``ntm-copy-lstm``: an LSTM of about the same
number of weights, trained the same way (same batches, curriculum, clipping, budget). A curriculum
grows the longest pattern from ``--curriculum-start`` to ``--max-len`` over ``--curriculum-steps``
steps; every batch is a pure function of (seed, step), so ``--resume`` continues the same run.

    python -m models.evaluate --model ntm-copy --lengths 10 20 40 60 --n 200 --seed 7

prints the bit error (wrong bits per sequence) and the exact share by length, the baseline beside it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from models import registry
from models.data.bits import BITS, copy_batch
from models.ntm import ARCHITECTURES, NTM, CopyLSTM, MemoryConfig, config_dict
from models.training import fit, resume_folder, seed_everything, step_generator, training_card

__all__ = ["add_arguments", "add_evaluate_arguments", "copy_loss", "evaluate", "evaluate_by_length", "train"]

EVAL_LENGTHS = (10, 20, 40, 60)


# ----------------------------------------------------------------------------- data


def curriculum_length(step: int, args: argparse.Namespace) -> int:
    """The longest pattern at ``step``: from --curriculum-start up to --max-len, linearly over the steps."""
    if args.curriculum_steps <= 0:
        return args.max_len
    grown = args.curriculum_start + (args.max_len - args.curriculum_start) * step / args.curriculum_steps
    return int(min(args.max_len, max(1, grown)))


def batch_at(step: int, args: argparse.Namespace) -> tuple[Tensor, Tensor]:
    """The batch of one step: one length drawn from 1..curriculum_length(step), ``--batch`` patterns of it."""
    g = step_generator(args.seed, step)
    length = int(torch.randint(1, curriculum_length(step, args) + 1, (1,), generator=g))
    return copy_batch(args.batch, length, g)


def copy_loss(model: nn.Module, batch: tuple[Tensor, Tensor]) -> tuple[Tensor, int]:
    """Binary cross-entropy of the bits written in the output phase (the last L steps)."""
    x, y = batch  # (B, 2L+1, bits+1), (B, L, bits)
    L = y.size(1)
    logits = model(x)[:, L + 1 :]  # (B, L, bits)
    return F.binary_cross_entropy_with_logits(logits, y), x.size(0)


# ----------------------------------------------------------------------------- evaluate


@torch.no_grad()
def copy_errors(model: nn.Module, length: int, n: int, seed: int, batch: int = 100) -> Tensor:
    """Wrong bits of each of ``n`` fresh patterns of ``length`` vectors: (n,)."""
    g = torch.Generator().manual_seed(seed * 7919 + length)
    device = next(model.parameters()).device
    errors = []
    for i in range(0, n, batch):
        x, y = copy_batch(min(batch, n - i), length, g)
        logits = model(x.to(device))[:, length + 1 :].cpu()  # (b, L, bits)
        errors.append(((logits > 0).float() != y).float().sum(dim=(1, 2)))
    return torch.cat(errors)


def evaluate_by_length(model: nn.Module, lengths: list[int], n: int, seed: int) -> list[dict]:
    """For every length: n fresh patterns, the mean wrong bits per pattern and the share copied exactly."""
    was_training = model.training
    model.eval()
    rows = []
    for length in lengths:
        errors = copy_errors(model, length, n, seed)
        rows.append(
            {
                "length": length,
                "n": n,
                "bit_error": round(float(errors.mean()), 4),
                "exact": round(float((errors == 0).float().mean()), 4),
            }
        )
    model.train(was_training)
    return rows


def add_evaluate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lengths", type=int, nargs="+", default=list(EVAL_LENGTHS), help="pattern lengths")
    parser.add_argument("--n", type=int, default=200, help="fresh patterns per length")
    parser.add_argument("--seed", type=int, default=99)
    parser.add_argument(
        "--threads", type=int, default=1, help="CPU threads for torch (1: no contention on a busy machine)"
    )


def measure(model: nn.Module, name: str, lengths: list[int], n: int, seed: int, directory: Path) -> dict:
    """Bit error and exact copies by length, and the LSTM baseline ``<name>-lstm`` beside it when it is there."""
    result: dict = {"task": "copy", "by_length": evaluate_by_length(model, lengths, n, seed)}
    baseline = f"{name}-lstm"
    if isinstance(model, NTM) and (Path(directory) / f"{baseline}.json").is_file():
        other = registry.load_checkpoint(baseline, device="cpu", directory=directory).model
        result["baseline"] = {"model": baseline, "by_length": evaluate_by_length(other, lengths, n, seed)}
    return result


def evaluate(checkpoint: registry.Checkpoint, args: argparse.Namespace) -> dict:
    """``python -m models.evaluate --model ntm-copy --lengths ... --n N --seed S``."""
    torch.set_num_threads(args.threads)
    given = Path(args.model)
    folder = given.parent if given.suffix in (".json", ".safetensors") or given.parent != Path() else None
    return measure(checkpoint.model, checkpoint.name, args.lengths, args.n, args.seed, folder or registry.ASSETS_DIR)


# ----------------------------------------------------------------------------- train


def _model(args: argparse.Namespace) -> nn.Module:
    cfg = MemoryConfig(
        architecture=args.architecture,
        bits=BITS,
        memory_rows=args.rows,
        memory_width=args.width,
        controller_dim=args.controller or (100 if args.architecture == "ntm" else 70),
        layers=args.layers if args.architecture == "lstm" else 1,
        shift_range=1,
        memory_init=1e-6,
        gate_bias=args.gate_bias,
        sharpen_bias=args.sharpen_bias,
        write_shift_bias=args.write_shift_bias,
        read_stay_bias=args.read_stay_bias,
        max_length=min(max(EVAL_LENGTHS), args.rows),  # the longest pattern the app feeds it
    )
    return NTM(cfg) if cfg.architecture == "ntm" else CopyLSTM(cfg)


def train(args: argparse.Namespace, on_progress=None, should_stop=None) -> dict:
    """Train one model of the copy task; returns its card (saved unless --no-save)."""
    args.name = args.name or ("ntm-copy" if args.architecture == "ntm" else "ntm-copy-lstm")
    torch.set_num_threads(args.threads)
    seed_everything(args.seed)
    device = registry.resolve_device(args.device)
    model = _model(args).to(device)
    start = time.perf_counter()
    at = {"step": 0}  # the step training is at, for the curriculum's length in the log

    def validate() -> dict[str, float]:
        seen = evaluate_by_length(model, [args.max_len], args.val, seed=args.seed + 1)[0]
        longer = evaluate_by_length(model, [2 * args.max_len], args.val // 2, seed=args.seed + 1)[0]
        return {
            "exact": seen["exact"],
            "bit_error": seen["bit_error"],
            f"bit_error_{2 * args.max_len}": longer["bit_error"],
            "score": seen["exact"] + longer["exact"] - longer["bit_error"] / 1000,  # the kept weights
            "curriculum_length": float(curriculum_length(at["step"], args)),
        }

    optimizer = (
        torch.optim.RMSprop(model.parameters(), lr=args.lr, momentum=0.9, alpha=0.95)
        if args.optimizer == "rmsprop"
        else torch.optim.Adam(model.parameters(), lr=args.lr)
    )

    def next_batch(step: int):
        at["step"] = step
        x, y = batch_at(step, args)
        return x.to(device), y.to(device)

    result = fit(
        model,
        optimizer,
        next_batch,
        copy_loss,
        validate,
        budget_s=args.budget - (time.perf_counter() - start),
        max_steps=args.max_steps,
        eval_every_s=args.eval_every,
        warmup_steps=args.warmup,
        min_lr_ratio=args.min_lr_ratio,
        grad_clip=args.grad_clip,
        resume_dir=resume_folder(args),
        resume=args.resume,
        checkpoint_every_s=args.checkpoint_every,
        on_progress=on_progress,
        should_stop=should_stop,
        progress=not args.quiet,
        keep_best="score",
    )
    wall = time.perf_counter() - start
    return _finish(args, model, result, wall, device)


def _finish(args: argparse.Namespace, model: nn.Module, result, wall: float, device) -> dict:
    """Bit error by length on fresh patterns, the card, and (unless --no-save) the checkpoint."""
    rows = evaluate_by_length(model.cpu(), list(EVAL_LENGTHS), args.eval_n, args.eval_seed)
    weights = sum(p.numel() for p in model.parameters())
    card = training_card(
        args,
        result,
        wall,
        device,
        f"random {BITS}-bit patterns of 1-{args.max_len} vectors, {args.batch} a step, drawn from (seed, step)",
        kind="ntm",
        task="ntm-copy",
        title="NTM · copy" if args.architecture == "ntm" else "LSTM · copy (baseline)",
        order=0 if args.architecture == "ntm" else 1,
        config=config_dict(model.cfg),
    )
    card["metrics"] = {
        "evaluated_with": f"{args.eval_n} fresh patterns per length, seed {args.eval_seed}",
        "parameters": weights,
        "by_length": rows,
    }
    print(f"{args.name}: {result.steps} steps in {wall:.1f} s; {rows}", file=sys.stderr)
    if not args.no_save:
        registry.save_checkpoint(model, card, args.out, args.name)
    return card


def add_arguments(parser: argparse.ArgumentParser, command: str = "ntm") -> None:
    """The options of ``ntm``."""
    parser.add_argument("--task", dest="memory_task", default="copy", choices=["copy"])
    parser.add_argument("--architecture", default="ntm", choices=ARCHITECTURES, help="ntm, or the lstm baseline")
    parser.add_argument("--name", default=None, help="default: ntm-copy, or ntm-copy-lstm for the baseline")
    parser.add_argument("--rows", type=int, default=80, help="N, memory locations")
    parser.add_argument("--width", type=int, default=20, help="M, the width of each location")
    parser.add_argument(
        "--controller", type=int, default=0, help="LSTM size (default: 100 ntm, 70 lstm: about as many weights)"
    )
    parser.add_argument("--layers", type=int, default=2, help="LSTM layers of the baseline")
    parser.add_argument("--gate-bias", type=float, default=-2.0, help="initial bias of the heads' gates g")
    parser.add_argument("--sharpen-bias", type=float, default=0.0, help="initial bias of the heads' γ")
    parser.add_argument("--write-shift-bias", type=float, default=1.5, help="initial bias of the write head's s(+1)")
    parser.add_argument("--read-stay-bias", type=float, default=0.0, help="initial bias of the read head's s(0)")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--optimizer", default="adam", choices=["adam", "rmsprop"])
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--warmup", type=int, default=50, help="warm-up steps of the learning rate")
    parser.add_argument("--min-lr-ratio", type=float, default=0.1, help="the cosine ends at lr times this")
    parser.add_argument("--grad-clip", type=float, default=10.0)
    parser.add_argument("--max-len", type=int, default=20, help="training patterns have 1..this many vectors")
    parser.add_argument("--curriculum-start", type=int, default=12, help="the longest pattern at step 0")
    parser.add_argument("--curriculum-steps", type=int, default=1000, help="steps until --max-len is reached")
    parser.add_argument("--val", type=int, default=100, help="validation patterns (of length --max-len)")
    parser.add_argument("--eval-every", type=float, default=30.0)
    parser.add_argument("--checkpoint-every", type=float, default=60.0, help="seconds between resumable states")
    parser.add_argument("--eval-n", type=int, default=200, help="fresh patterns per evaluated length")
    parser.add_argument("--eval-seed", type=int, default=99)
    parser.add_argument(
        "--threads", type=int, default=1, help="CPU threads for torch (1: no contention on a busy machine)"
    )
