"""The bottleneck experiment: the same seq2seq with and without attention, trained on sequences up to
length L and evaluated on lengths up to 1.5 L, exact match and token accuracy by length.

Without attention, the decoder sees the whole input only as the encoder's last state: one vector of fixed
size, whatever the length. With attention it looks back at every input position.

    python -m models.train experiment --task reverse --attention additive --max-train-len 40 --budget 900
    python -m models.train experiment --task reverse --attention none --max-train-len 40 --budget 900

Each run saves its checkpoint and writes its row of accuracy by length into the shared results file
(``assets/experiments/bottleneck-<task>.json``), which the /experiments page draws.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch

from models import registry
from models.data.sequences import SYMBOLS, SequenceGenerator, token_accuracy
from models.seq2seq import ATTENTION_KINDS, Seq2Seq, Seq2SeqConfig, config_dict
from models.training import RunConfig, SequencePairs, finish, sequence_loss
from models.vocab import Vocab

__all__ = ["evaluate_by_length", "read_results", "results_path", "sequence_pairs", "train", "vocabularies"]

EXPERIMENTS_DIR = registry.ROOT / "assets" / "experiments"


def results_path(task: str, folder: Path | None = None) -> Path:
    """The results file of one task's experiment."""
    return Path(folder or EXPERIMENTS_DIR) / f"bottleneck-{task}.json"


def read_results(task: str) -> dict | None:
    """The shipped results of one task's experiment (accuracy by length per model), or None."""
    path = results_path(task)
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


# ----------------------------------------------------------------------------- data


def vocabularies() -> tuple[Vocab, Vocab]:
    """(source symbols, target symbols): the reverse task writes upper-case letters back."""
    return Vocab(list(SYMBOLS)), Vocab(sorted(set(SYMBOLS) | set(SYMBOLS.upper())))


def sequence_pairs(task: str, n: int, max_len: int, seed: int, src: Vocab, tgt: Vocab, device) -> SequencePairs:
    """``n`` random sequences of length 1..max_len and their targets, as padded id tensors."""
    examples = SequenceGenerator(task, 1, max_len, seed).samples(n)
    return SequencePairs(
        src.batch([e.source for e in examples]), tgt.batch([e.target for e in examples], eos=True), seed, device
    )


# ----------------------------------------------------------------------------- evaluate


def evaluate_by_length(model: Seq2Seq, task: str, lengths: list[int], n: int, seed: int) -> list[dict]:
    """For every length: n fresh sequences, their exact match and token accuracy."""
    rows = []
    for length in lengths:
        examples = SequenceGenerator(task, 1, max(lengths), seed + length).samples(n, length=length)
        outputs = []
        for i in range(0, n, 250):
            outputs += [h[0].text for h in model.decode([e.source for e in examples[i : i + 250]])]
        exact = np.mean([o == e.target for o, e in zip(outputs, examples, strict=True)])
        token = np.mean([token_accuracy(o, e.target) for o, e in zip(outputs, examples, strict=True)])
        rows.append({"length": length, "n": n, "exact": round(float(exact), 4), "token": round(float(token), 4)})
    return rows


def summarise(rows: list[dict], train_max: int) -> dict:
    """Mean accuracies over the longest third of the evaluated lengths, and over seen vs unseen lengths."""
    lengths = sorted(r["length"] for r in rows)
    cut = lengths[int(len(lengths) * 2 / 3)]
    groups = {
        "longest_third": [r for r in rows if r["length"] >= cut],
        "seen_lengths": [r for r in rows if r["length"] <= train_max],
        "longer_than_training": [r for r in rows if r["length"] > train_max],
    }
    out = {"longest_third_from": cut}
    for name, group in groups.items():
        if group:
            out[name] = {k: round(float(np.mean([r[k] for r in group])), 4) for k in ("exact", "token")}
    return out


def write_results(task: str, entry: dict, folder: Path | None = None) -> Path:
    """Add or replace this model's entry in the task's results file."""
    path = results_path(task, folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.loads(path.read_text()) if path.is_file() else {"task": task, "models": {}}
    data["models"][entry["name"]] = entry
    data["updated"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    path.write_text(json.dumps(data, indent=1) + "\n")
    return path


def _model(args: argparse.Namespace, src_vocab: Vocab, tgt_vocab: Vocab) -> Seq2Seq:
    eval_max = round(args.max_train_len * 1.5)
    return Seq2Seq(
        Seq2SeqConfig(
            src_vocab=src_vocab.tokens,
            tgt_vocab=tgt_vocab.tokens,
            embed_dim=args.embed,
            hidden_dim=args.hidden,
            cell=args.cell,
            bidirectional=True,
            attention=args.attention,
            attention_dim=args.hidden,
            location_kernel=args.location_kernel,
            max_source_len=eval_max,
            max_target_len=eval_max + 1,
        )
    )


def train(args: argparse.Namespace, on_progress=None, should_stop=None) -> dict:
    """Train one model of the experiment; returns its card (saved, and its results written, unless --no-save)."""
    run = RunConfig.start(args, name=args.name or f"bottleneck-{args.sequence_task}-{args.attention.replace('_', '-')}")
    L = args.max_train_len
    src_vocab, tgt_vocab = vocabularies()
    model = _model(args, src_vocab, tgt_vocab).to(run.device)
    data = sequence_pairs(args.sequence_task, args.pool, L, run.seed, src_vocab, tgt_vocab, run.device)
    val = SequenceGenerator(args.sequence_task, 1, L, run.seed + 1).samples(args.val)

    def validate() -> dict[str, float]:
        outputs = [h[0].text for h in model.decode([e.source for e in val])]
        return {
            "exact": float(np.mean([o == e.target for o, e in zip(outputs, val, strict=True)])),
            "token": float(np.mean([token_accuracy(o, e.target) for o, e in zip(outputs, val, strict=True)])),
        }

    result = run.fit(
        model,
        torch.optim.Adam(model.parameters(), lr=run.lr),
        lambda step: data.batch(step, run.batch),
        sequence_loss,
        validate,
        target=("exact", args.target) if args.target else None,
        on_progress=on_progress,
        should_stop=should_stop,
    )
    wall = run.elapsed()
    lengths = list(range(args.min_eval_len, round(L * 1.5) + 1, args.length_step))
    rows = evaluate_by_length(model, args.sequence_task, lengths, args.eval_n, args.eval_seed)
    summary = summarise(rows, L)
    card = finish(
        run,
        model,
        result,
        wall_s=wall,
        data=f"{args.pool} random {args.sequence_task} sequences of length 1-{L}",
        metrics={
            "evaluated_with": f"{args.eval_n} fresh sequences per length, lengths {lengths[0]}-{lengths[-1]} "
            f"step {args.length_step}, seed {args.eval_seed}",
            **summary,
        },
        summary=str(summary),
        kind="seq2seq",
        task=f"experiment-{args.sequence_task}",
        title=f"{args.sequence_task} · {args.attention}{' + location' if args.location_kernel else ''}",
        order=ATTENTION_KINDS.index(args.attention),
        config=config_dict(model.cfg),
    )
    if run.save:
        _save_results(args, card, rows, summary)
    card["by_length"] = rows
    return card


def _save_results(args: argparse.Namespace, card: dict, rows: list[dict], summary: dict) -> None:
    """This model's row of accuracy by length, in the task's shared results file."""
    entry = {
        "name": card["name"],
        "attention": args.attention,
        "location_kernel": args.location_kernel,
        "train_lengths": [1, args.max_train_len],
        "command": card["training"]["command"],
        "wall_time_s": card["training"]["wall_time_s"],
        "by_length": rows,
        "summary": summary,
    }
    print(f"results: {write_results(args.sequence_task, entry, args.results_dir)}", file=sys.stderr)


def add_evaluate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lengths", type=int, nargs="+", default=None, help="input lengths (default: the card's)")
    parser.add_argument("--n", type=int, default=100, help="fresh sequences per length")
    parser.add_argument("--seed", type=int, default=99)


def evaluate(checkpoint: registry.Checkpoint, args: argparse.Namespace) -> dict:
    """``python -m models.evaluate`` for a model of the experiment: accuracy by length on fresh sequences."""
    task = checkpoint.card["task"].removeprefix("experiment-")
    lengths = args.lengths or list(range(5, checkpoint.model.cfg.max_source_len + 1, 5))
    rows = evaluate_by_length(checkpoint.model, task, lengths, args.n, args.seed)
    train_max = round(checkpoint.model.cfg.max_source_len / 1.5)
    return {"task": task, "by_length": rows, **summarise(rows, train_max)}


def add_arguments(parser: argparse.ArgumentParser, command: str = "experiment") -> None:
    """The options of ``experiment``."""
    parser.add_argument("--name", default=None, help="default: bottleneck-<task>-<attention>")
    parser.add_argument("--task", dest="sequence_task", default="reverse", choices=["reverse", "copy"])
    parser.add_argument("--attention", default="additive", choices=ATTENTION_KINDS)
    parser.add_argument("--cell", default="gru", choices=["gru", "lstm"])
    parser.add_argument(
        "--location-kernel",
        type=int,
        default=0,
        help="additive only: add location-aware features (Chorowski et al. 2015) with this odd conv width",
    )
    parser.add_argument("--max-train-len", type=int, default=40, help="L: training lengths are 1..L")
    parser.add_argument("--embed", type=int, default=32)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--pool", type=int, default=60_000)
    parser.add_argument("--val", type=int, default=500)
    parser.add_argument("--target", type=float, default=0.0, help="stop at this validation exact match (0: never)")
    parser.add_argument("--eval-every", type=float, default=20.0)
    parser.add_argument("--min-eval-len", type=int, default=5)
    parser.add_argument("--length-step", type=int, default=5)
    parser.add_argument("--eval-n", type=int, default=200, help="fresh sequences per evaluated length")
    parser.add_argument("--eval-seed", type=int, default=99)
    parser.add_argument("--results-dir", type=Path, default=EXPERIMENTS_DIR, help="where the results file goes")
