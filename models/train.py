"""Train a model: `python -m models.train TASK [options]`. Every shipped checkpoint was made this way.

    python -m models.train date --attention additive --budget 60 --name date-additive

TASKS
    date        a character seq2seq that rewrites dates into ISO form (models/seq2seq.py)
    transformer the same task with a small encoder-decoder Transformer (models/transformer.py)
    caption     a CNN + LSTM captioner with visual attention (models/captioner.py), on the shapes
                world or on photos in Karpathy's split format
    experiment  the bottleneck experiment: long symbol sequences with and without attention
    translate   English -> Korean (or back) on the Tatoeba pairs, sentencepiece tokens

Each run prints a progress bar, stops at its target metric or its time budget, saves
``<out>/<name>.safetensors`` + ``<name>.json`` (the card: config, vocabulary, command, seed, wall time
and the metrics of ``python -m models.evaluate``), and keeps a resumable checkpoint in
``runs/<name>/`` while it trains (``--resume`` continues from it).
"""

from __future__ import annotations

import argparse
import random
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import torch
from torch.nn import functional as F

from models import registry
from models.data.dates import MAX_SOURCE_LEN, DateGenerator, alphabet
from models.evaluate import evaluate_dates
from models.seq2seq import ATTENTION_KINDS, Seq2Seq, Seq2SeqConfig, config_dict
from models.train_caption import add_arguments as add_caption_arguments
from models.training import fit
from models.vocab import Vocab

__all__ = ["DateData", "main", "train_date"]

ROOT = Path(__file__).resolve().parent.parent
DATE_TARGET_VOCAB = list("0123456789-")


def seed_everything(seed: int) -> None:
    random.seed(seed)
    torch.manual_seed(seed)


class DateData:
    """A pool of generated training dates as padded tensors, and the batches drawn from it."""

    def __init__(self, n: int, seed: int, src_vocab: Vocab, tgt_vocab: Vocab, device: torch.device) -> None:
        examples = DateGenerator(seed=seed, split="train").samples(n)
        self.src = src_vocab.batch([e.source for e in examples]).to(device)  # (N, S_max)
        self.tgt = tgt_vocab.batch([e.target for e in examples], eos=True).to(device)  # (N, 11)
        self.lengths = (self.src != 0).sum(1)
        self.by_length = torch.argsort(
            self.lengths.cpu() + torch.rand(n, generator=torch.Generator().manual_seed(seed))
        )
        self.seed, self.n, self.device = seed, n, device

    def batch(self, step: int, size: int, bucket: bool = False) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(src, y_in, y_out) for a step: the same step always gives the same batch.

        ``bucket`` draws inputs of similar length together, so that less padding is computed.
        """
        g = torch.Generator().manual_seed(self.seed * 1_000_003 + step)
        if bucket:
            start = int(torch.randint(self.n - size + 1, (1,), generator=g))
            idx = self.by_length[start : start + size].to(self.device)
        else:
            idx = torch.randint(self.n, (size,), generator=g).to(self.device)
        width = int(self.lengths[idx].max())
        src = self.src[idx, :width]  # trim the padding this batch does not need
        y_out = self.tgt[idx]  # target + <eos>
        y_in = torch.cat([torch.full_like(y_out[:, :1], 1), y_out[:, :-1]], dim=1)  # <sos> + target
        return src, y_in, y_out


def seq2seq_loss(model: Seq2Seq, batch) -> tuple[torch.Tensor, int]:
    """Cross-entropy of the next token under teacher forcing, ignoring padding."""
    src, y_in, y_out = batch
    logits, _ = model(src, y_in)  # (B, T, V)
    loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y_out.reshape(-1), ignore_index=0)
    return loss, src.size(0)


def train_date(args: argparse.Namespace) -> dict:
    """Train one date model (seq2seq, or Transformer with ``args.task == "transformer"``); returns its card."""
    seed_everything(args.seed)
    device = registry.resolve_device(args.device)
    src_vocab = Vocab(alphabet())
    tgt_vocab = Vocab(DATE_TARGET_VOCAB)
    if args.task == "transformer":
        return _train_date_model(args, device, src_vocab, tgt_vocab, *_transformer_parts(args, src_vocab, tgt_vocab))
    cfg = Seq2SeqConfig(
        src_vocab=src_vocab.tokens,
        tgt_vocab=tgt_vocab.tokens,
        embed_dim=args.embed,
        hidden_dim=args.hidden,
        cell=args.cell,
        bidirectional=not args.unidirectional,
        layers=args.layers,
        residual=not args.no_residual,
        attention=args.attention,
        attention_dim=args.attention_dim,
        dropout=args.dropout,
        max_source_len=MAX_SOURCE_LEN,
        max_target_len=11,
    )
    card = {
        "kind": "seq2seq",
        "title": f"Dates · {args.attention}",
        "order": ATTENTION_KINDS.index(args.attention),
        "config": config_dict(cfg),
    }
    return _train_date_model(args, device, src_vocab, tgt_vocab, Seq2Seq(cfg), seq2seq_loss, card)


def _transformer_parts(args: argparse.Namespace, src_vocab: Vocab, tgt_vocab: Vocab):
    from models.transformer import Transformer, TransformerConfig, transformer_loss
    from models.transformer import config_dict as transformer_config

    cfg = TransformerConfig(
        src_vocab=src_vocab.tokens,
        tgt_vocab=tgt_vocab.tokens,
        d_model=args.d_model,
        heads=args.heads,
        encoder_layers=args.layers,
        decoder_layers=args.layers,
        d_ff=args.d_ff,
        dropout=args.dropout,
        max_source_len=MAX_SOURCE_LEN,
        max_target_len=11,
    )
    card = {"kind": "transformer", "title": "Dates · Transformer", "order": 10, "config": transformer_config(cfg)}
    return Transformer(cfg), transformer_loss, card


def _train_date_model(args, device, src_vocab, tgt_vocab, model, loss_fn, card_head: dict) -> dict:
    """The date training loop shared by the RNN and Transformer models."""
    model = model.to(device)
    start = time.perf_counter()
    data = DateData(args.pool, args.seed, src_vocab, tgt_vocab, device)
    validation = DateGenerator(seed=args.seed + 1, split="test").samples(args.val)
    sources = [e.source for e in validation]
    targets = [e.target for e in validation]

    def evaluate() -> dict[str, float]:
        outputs = [h[0].text for h in model.decode(sources)]
        return {"exact_match": sum(o == t for o, t in zip(outputs, targets, strict=True)) / len(targets)}

    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    result = fit(
        model,
        optimizer,
        lambda step: data.batch(step, args.batch, args.bucket),
        loss_fn,
        evaluate,
        budget_s=args.budget - (time.perf_counter() - start),
        max_steps=args.max_steps,
        target=("exact_match", args.target) if args.target else None,
        eval_every_s=args.eval_every,
        resume_dir=ROOT / "runs" / args.name if args.resume or args.checkpoint else None,
        resume=args.resume,
        progress=not args.quiet,
    )
    wall = time.perf_counter() - start
    test = evaluate_dates(model, DateGenerator(seed=args.eval_seed, split="test").samples(args.eval_n), max_misses=10)
    card = {
        "name": args.name,
        "task": "date",
        **card_head,
        "training": {
            "command": "python -m models.train " + shlex.join(args.argv),
            "seed": args.seed,
            "device": str(device),
            "wall_time_s": round(wall, 1),
            "steps": result.steps,
            "examples_seen": result.examples,
            "stopped": result.stopped,
            "data": f"{args.pool} generated dates (train days), batches of {args.batch}; "
            f"validation {args.val} held-out-day dates, seed {args.seed + 1}",
            "validation": result.metrics,
            "history": result.history,
        },
        "metrics": {
            "evaluated_with": f"python -m models.evaluate --model {args.name} --generated {args.eval_n} "
            f"--seed {args.eval_seed}",
            **{k: v for k, v in test.items() if k != "misses"},
            "misses": test["misses"],
        },
    }
    print(
        f"{args.name}: {result.steps} steps in {wall:.1f} s ({result.stopped}); "
        f"test exact match {test['exact_match']:.4%}, alignment {test['alignment_accuracy']}",
        file=sys.stderr,
    )
    if not args.no_save:
        path = registry.save_checkpoint(model, card, args.out, args.name)
        print(f"saved {path}", file=sys.stderr)
    return card


def main(argv: Sequence[str] | None = None) -> dict:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="python -m models.train", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    tasks = parser.add_subparsers(dest="task", required=True)

    date = tasks.add_parser("date", help="dates -> ISO, character seq2seq with attention")
    date.add_argument("--attention", default="additive", choices=ATTENTION_KINDS)
    date.add_argument("--cell", default="gru", choices=["gru", "lstm"])
    date.add_argument("--unidirectional", action="store_true", help="read the input left to right only")
    date.add_argument("--layers", type=int, default=1, help="stacked encoder layers")
    date.add_argument("--no-residual", action="store_true", help="no residual connections between layers")
    date.add_argument("--embed", type=int, default=32)
    date.add_argument("--hidden", type=int, default=64, help="encoder size per direction")
    date.add_argument("--attention-dim", type=int, default=64)
    date.add_argument("--dropout", type=float, default=0.0)
    date.add_argument("--name", default=None, help="checkpoint name (default: date-<attention>)")

    transformer = tasks.add_parser("transformer", help="dates -> ISO with a small encoder-decoder Transformer")
    transformer.add_argument("--d-model", type=int, default=128)
    transformer.add_argument("--heads", type=int, default=4)
    transformer.add_argument("--layers", type=int, default=2, help="encoder and decoder layers each")
    transformer.add_argument("--d-ff", type=int, default=256)
    transformer.add_argument("--dropout", type=float, default=0.1)
    transformer.add_argument("--name", default="date-transformer")

    experiment = tasks.add_parser(
        "experiment", help="the bottleneck experiment: long sequences, with/without attention"
    )
    from models.train_experiment import add_arguments as add_experiment_arguments

    add_experiment_arguments(experiment)
    experiment.add_argument("--name", default=None, help="default: bottleneck-<task>-<attention>")

    translate = tasks.add_parser("translate", help="English <-> Korean on the Tatoeba pairs, with sentencepiece")
    from models.train_translate import add_arguments as add_translate_arguments

    add_translate_arguments(translate)
    translate.add_argument("--name", default=None, help="default: translate-<direction>[-<attention> unless additive]")

    caption = tasks.add_parser("caption", help="images -> captions, CNN + LSTM with visual attention")
    add_caption_arguments(caption)
    caption.add_argument("--name", default="caption-shapes", help="checkpoint name")

    for sub in (date, transformer):  # the options of the date data
        sub.add_argument("--batch", type=int, default=128)
        sub.add_argument("--lr", type=float, default=3e-3 if sub is date else 1e-3)
        sub.add_argument("--bucket", action="store_true", help="batch inputs of similar length together")
        sub.add_argument("--pool", type=int, default=100_000, help="generated training examples")
        sub.add_argument("--val", type=int, default=2000, help="validation examples (held-out days)")
        sub.add_argument("--target", type=float, default=0.999, help="stop at this validation exact match (0: never)")
        sub.add_argument("--eval-every", type=float, default=5.0, help="seconds between validations")
        sub.add_argument("--eval-n", type=int, default=10_000, help="final test examples (held-out days)")
        sub.add_argument("--eval-seed", type=int, default=1234)

    for sub in (date, transformer, caption, experiment, translate):
        sub.add_argument("--seed", type=int, default=0)
        sub.add_argument("--budget", type=float, default=60.0, help="time budget in seconds")
        sub.add_argument("--max-steps", type=int, default=None)
        sub.add_argument("--device", default=None, help="cpu, cuda, ... (default: $ATTENTION_LENS_DEVICE or auto)")
        sub.add_argument("--out", type=Path, default=registry.ASSETS_DIR, help="where the checkpoint goes")
        sub.add_argument("--checkpoint", action="store_true", help="keep a resumable checkpoint in runs/NAME/")
        sub.add_argument("--resume", action="store_true", help="continue from runs/NAME/ (implies --checkpoint)")
        sub.add_argument("--no-save", action="store_true", help="do not write the final checkpoint")
        sub.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    args.argv = argv
    if args.task == "date":
        args.name = args.name or f"date-{args.attention.replace('_', '-')}"
        return train_date(args)
    if args.task == "transformer":
        return train_date(args)
    if args.task == "experiment":
        from models.train_experiment import train_experiment

        args.name = args.name or f"bottleneck-{args.sequence_task}-{args.attention.replace('_', '-')}"
        return train_experiment(args)
    if args.task == "translate":
        from models.train_translate import train_translate

        suffix = "" if args.attention == "additive" else f"-{args.attention.replace('_', '-')}"
        args.name = args.name or f"translate-{args.direction}{suffix}"
        return train_translate(args)
    if args.task == "caption":
        if args.karpathy and not args.images:
            parser.error("--karpathy needs --images DIR")
        from models.train_caption import train_caption

        return train_caption(args)
    raise SystemExit(f"unknown task {args.task}")


if __name__ == "__main__":
    main()


def quick_train(
    task: str,
    attention: str,
    budget_s: float,
    on_progress=None,
    should_stop=None,
    seed: int = 0,
    device: torch.device | str | None = None,
):
    """Train a small model in the background for the live-training page; returns (model, FitResult).

    task: "date" (dates -> ISO) or "reverse" / "copy" (sequences of up to 20 symbols). Nothing is saved.
    """
    from models.data.sequences import SYMBOLS, SequenceGenerator, token_accuracy
    from models.train_experiment import SequenceData

    seed_everything(seed)
    device = registry.resolve_device(device) if not isinstance(device, torch.device) else device
    if task == "date":
        src_vocab, tgt_vocab = Vocab(alphabet()), Vocab(DATE_TARGET_VOCAB)
        max_src, max_tgt = MAX_SOURCE_LEN, 11
    else:
        src_vocab = Vocab(list(SYMBOLS))
        tgt_vocab = Vocab(sorted(set(SYMBOLS) | set(SYMBOLS.upper())))
        max_src, max_tgt = 30, 31
    cfg = Seq2SeqConfig(
        src_vocab=src_vocab.tokens,
        tgt_vocab=tgt_vocab.tokens,
        embed_dim=32,
        hidden_dim=64,
        attention=attention,
        attention_dim=64,
        max_source_len=max_src,
        max_target_len=max_tgt,
    )
    model = Seq2Seq(cfg).to(device)
    if task == "date":
        data = DateData(30_000, seed, src_vocab, tgt_vocab, device)
        val = DateGenerator(seed=seed + 1, split="test").samples(500)
        pairs = [(e.source, e.target) for e in val]
    else:
        data = SequenceData(task, 30_000, 20, seed, src_vocab, tgt_vocab, device)
        pairs = [(e.source, e.target) for e in SequenceGenerator(task, 1, 20, seed + 1).samples(300)]

    def evaluate() -> dict[str, float]:
        outputs = [h[0].text for h in model.decode([p[0] for p in pairs])]
        return {
            "exact_match": sum(o == p[1] for o, p in zip(outputs, pairs, strict=True)) / len(pairs),
            "token_accuracy": sum(token_accuracy(o, p[1]) for o, p in zip(outputs, pairs, strict=True)) / len(pairs),
        }

    result = fit(
        model,
        torch.optim.Adam(model.parameters(), lr=3e-3),
        lambda step: data.batch(step, 128),
        seq2seq_loss,
        evaluate,
        budget_s=budget_s,
        eval_every_s=3.0,
        warmup_steps=50,
        on_progress=on_progress,
        should_stop=should_stop,
        progress=False,
    )
    return model, result
