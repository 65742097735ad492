"""Dates as people write them -> ISO 8601: the date task of *Deep Learning from Scratch 2*, ch. 8.

    python -m models.train date --attention additive --budget 180 --target 1.0
    python -m models.train transformer --budget 900 --target 0.9995
    python -m models.evaluate --model date-additive --generated 10000 --seed 1234

Data: dates generated fresh in many formats (models/data/dates.py); validation and test dates come from
held-out days. Evaluation: exact match overall and per format family, and alignment accuracy — the share
of year, month and day output characters whose highest attention weight falls inside that field of the input.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from models import registry
from models.data.dates import FAMILIES, MAX_SOURCE_LEN, TARGET_FIELDS, DateExample, DateGenerator, alphabet
from models.results import Alignment
from models.seq2seq import ATTENTION_KINDS, Seq2Seq, Seq2SeqConfig, config_dict
from models.tasks.pairs import decode_all, evaluate_pairs, read_pairs
from models.training import RunConfig, SequencePairs, finish, sequence_loss
from models.vocab import Vocab

__all__ = ["TARGET_VOCAB", "alignment_hits", "date_pairs", "evaluate_dates", "train"]

TARGET_VOCAB = list("0123456789-")
TARGET_LEN = 11  # "YYYY-MM-DD" + <eos>

# ----------------------------------------------------------------------------- data


def vocabularies() -> tuple[Vocab, Vocab]:
    """(source characters, target characters) of every date model."""
    return Vocab(alphabet()), Vocab(TARGET_VOCAB)


def date_pairs(n: int, seed: int, src_vocab: Vocab, tgt_vocab: Vocab, device) -> SequencePairs:
    """``n`` generated training dates (training days only) as padded id tensors."""
    examples = DateGenerator(seed=seed, split="train").samples(n)
    src = src_vocab.batch([e.source for e in examples])  # (N, S_max)
    tgt = tgt_vocab.batch([e.target for e in examples], eos=True)  # (N, 11)
    return SequencePairs(src, tgt, seed, device)


# ----------------------------------------------------------------------------- evaluate


def alignment_hits(example: DateExample, alignment: Alignment) -> tuple[int, int]:
    """(hits, counted): over output characters that carry the year, month or day, how many looked
    (highest attention weight) inside that field's span of the input."""
    hits = counted = 0
    for i, name in enumerate(TARGET_FIELDS[: len(alignment.target)]):
        if name is None or name not in example.spans:
            continue
        start, end = example.spans[name]
        counted += 1
        hits += int(start <= int(np.argmax(alignment.weights[i])) < end)
    return hits, counted


def evaluate_dates(model, examples: Sequence[DateExample], max_misses: int = 50) -> dict:
    """Exact match overall and per family, alignment accuracy, and the first misses."""
    outputs = decode_all(model, [e.source for e in examples])
    result = evaluate_pairs(model, [(e.source, e.target) for e in examples], max_misses, outputs)
    by_family: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    hits = counted = 0
    for example, alignment in zip(examples, outputs, strict=True):
        by_family[example.family][0] += int(alignment.text == example.target)
        by_family[example.family][1] += 1
        h, c = alignment_hits(example, alignment)
        hits, counted = hits + h, counted + c
    result["per_family"] = {f: round(by_family[f][0] / by_family[f][1], 6) for f in FAMILIES if f in by_family}
    has_attention = bool(outputs) and outputs[0].has_attention
    result["alignment_accuracy"] = round(hits / counted, 6) if counted and has_attention else None
    return result


def add_evaluate_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--pairs", type=Path, help="a file of input<TAB>expected lines")
    source.add_argument("--generated", type=int, default=10_000, metavar="N", help="N freshly generated dates")
    parser.add_argument("--seed", type=int, default=1234, help="seed of the generated dates")
    parser.add_argument("--split", default="test", choices=["test", "train", "any"], help="held-out days or not")


def evaluate(checkpoint: registry.Checkpoint, args: argparse.Namespace) -> dict:
    """``python -m models.evaluate`` for a date model."""
    if args.pairs:
        return evaluate_pairs(checkpoint.model, read_pairs(args.pairs), max_misses=args.misses)
    examples = DateGenerator(seed=args.seed, split=args.split).samples(args.generated)
    return evaluate_dates(checkpoint.model, examples, max_misses=args.misses)


# ----------------------------------------------------------------------------- train


def add_arguments(parser: argparse.ArgumentParser, command: str) -> None:
    """The options of ``date`` (the RNN) or ``transformer``."""
    if command == "date":
        parser.add_argument("--attention", default="additive", choices=ATTENTION_KINDS)
        parser.add_argument("--cell", default="gru", choices=["gru", "lstm"])
        parser.add_argument("--unidirectional", action="store_true", help="read the input left to right only")
        parser.add_argument("--layers", type=int, default=1, help="stacked encoder layers")
        parser.add_argument("--no-residual", action="store_true", help="no residual connections between layers")
        parser.add_argument("--embed", type=int, default=32)
        parser.add_argument("--hidden", type=int, default=64, help="encoder size per direction")
        parser.add_argument("--attention-dim", type=int, default=64)
        parser.add_argument("--dropout", type=float, default=0.0)
        parser.add_argument("--name", default=None, help="checkpoint name (default: date-<attention>)")
    else:
        parser.add_argument("--d-model", type=int, default=128)
        parser.add_argument("--heads", type=int, default=4)
        parser.add_argument("--layers", type=int, default=2, help="encoder and decoder layers each")
        parser.add_argument("--d-ff", type=int, default=256)
        parser.add_argument("--dropout", type=float, default=0.1)
        parser.add_argument("--name", default="date-transformer")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--lr", type=float, default=3e-3 if command == "date" else 1e-3)
    parser.add_argument("--bucket", action="store_true", help="batch inputs of similar length together")
    parser.add_argument("--pool", type=int, default=100_000, help="generated training examples")
    parser.add_argument("--val", type=int, default=2000, help="validation examples (held-out days)")
    parser.add_argument("--target", type=float, default=0.999, help="stop at this validation exact match (0: never)")
    parser.add_argument("--eval-every", type=float, default=5.0, help="seconds between validations")
    parser.add_argument("--eval-n", type=int, default=10_000, help="final test examples (held-out days)")
    parser.add_argument("--eval-seed", type=int, default=1234)


def _seq2seq(args: argparse.Namespace, src_vocab: Vocab, tgt_vocab: Vocab) -> tuple[Seq2Seq, dict]:
    """The RNN model of ``date`` and the head of its card."""
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
        max_target_len=TARGET_LEN,
    )
    head = {"kind": "seq2seq", "title": f"Dates · {args.attention}", "order": ATTENTION_KINDS.index(args.attention)}
    return Seq2Seq(cfg), {**head, "config": config_dict(cfg)}


def _transformer(args: argparse.Namespace, src_vocab: Vocab, tgt_vocab: Vocab):
    """The Transformer of ``transformer`` and the head of its card."""
    from models.transformer import Transformer, TransformerConfig
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
        max_target_len=TARGET_LEN,
    )
    head = {"kind": "transformer", "title": "Dates · Transformer", "order": 10, "config": transformer_config(cfg)}
    return Transformer(cfg), head


def train(args: argparse.Namespace) -> dict:
    """Train one date model (the RNN seq2seq, or the Transformer for ``transformer``); returns its card."""
    if args.command == "date":
        args.name = args.name or f"date-{args.attention.replace('_', '-')}"
    run = RunConfig.start(args)
    src_vocab, tgt_vocab = vocabularies()
    build = _seq2seq if args.command == "date" else _transformer
    model, head = build(args, src_vocab, tgt_vocab)
    model = model.to(run.device)
    data = date_pairs(args.pool, run.seed, src_vocab, tgt_vocab, run.device)
    validation = DateGenerator(seed=run.seed + 1, split="test").samples(args.val)

    def validate() -> dict[str, float]:
        outputs = decode_all(model, [e.source for e in validation])
        right = sum(o.text == e.target for o, e in zip(outputs, validation, strict=True))
        return {"exact_match": right / len(validation)}

    result = run.fit(
        model,
        torch.optim.Adam(model.parameters(), lr=run.lr),
        lambda step: data.batch(step, run.batch, args.bucket),
        sequence_loss,
        validate,
        target=("exact_match", args.target) if args.target else None,
    )
    wall = run.elapsed()
    test = evaluate_dates(model, DateGenerator(seed=args.eval_seed, split="test").samples(args.eval_n), max_misses=10)
    command = f"python -m models.evaluate --model {run.name} --generated {args.eval_n} --seed {args.eval_seed}"
    return finish(
        run,
        model,
        result,
        wall_s=wall,
        data=f"{args.pool} generated dates (train days), batches of {run.batch}; "
        f"validation {args.val} held-out-day dates, seed {run.seed + 1}",
        metrics={"evaluated_with": command, **test},
        summary=f"test exact match {test['exact_match']:.4%}, alignment {test['alignment_accuracy']}",
        task="date",
        **head,
    )
