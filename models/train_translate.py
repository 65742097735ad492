"""Translation on the Tatoeba pairs: the seq2seq of the date models, on sentencepiece pieces.

    python -m models.train translate --direction en-ko --attention additive --name translate-en-ko
    python -m models.train translate --direction en-ko --attention none --name translate-en-ko-none
    python -m models.evaluate --model translate-en-ko --split test

Each run trains its own sentencepiece models on the training split (deterministic, so a pair of runs
gets identical tokenizers) and ships them beside the checkpoint: ``<name>.en.spm``, ``<name>.ko.spm``.
Metrics: chrF and BLEU (sacrebleu) against every reference translation of a sentence, and exact match.
"""

from __future__ import annotations

import argparse
import random
import shlex
import sys
import time
from collections import defaultdict
from pathlib import Path

import sacrebleu
import torch

from models import registry
from models.data.tatoeba import CREDIT, Pair, read_pairs
from models.seq2seq import ATTENTION_KINDS, Seq2Seq, Seq2SeqConfig, config_dict
from models.tokenizers import PieceTokenizer, train_sentencepiece
from models.training import fit
from models.vocab import Vocab

__all__ = ["evaluate_translation", "references", "train_translate", "training_sample"]

MAX_PIECES = 40


def sides(pair: Pair, direction: str) -> tuple[str, str]:
    return (pair.english, pair.korean) if direction == "en-ko" else (pair.korean, pair.english)


def references(pairs: list[Pair], direction: str) -> list[tuple[str, list[str]]]:
    """(source, every reference translation of it), one entry per distinct source sentence."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for p in pairs:
        src, tgt = sides(p, direction)
        if tgt not in grouped[src]:
            grouped[src].append(tgt)
    return list(grouped.items())


def training_sample(direction: str, n: int = 500, seed: int = 0) -> list[tuple[str, list[str]]]:
    """A fixed sample of training sentences, for "do classroom examples come out right"."""
    items = references([p for p in read_pairs() if p.split == "train"], direction)
    random.Random(seed).shuffle(items)
    return items[:n]


def evaluate_translation(model: Seq2Seq, items: list[tuple[str, list[str]]], beam_width: int = 1) -> dict:
    """chrF, BLEU and exact match of the model's translations against all references of each source."""
    outputs = []
    for i in range(0, len(items), 200):
        chunk = [src for src, _ in items[i : i + 200]]
        outputs += [h[0].text for h in model.decode(chunk, beam_width=beam_width)]
    width = max(len(refs) for _, refs in items)
    streams = [[refs[k] if k < len(refs) else refs[0] for _, refs in items] for k in range(width)]
    exact = sum(out in refs for out, (_, refs) in zip(outputs, items, strict=True))
    return {
        "n": len(items),
        "chrf": round(sacrebleu.corpus_chrf(outputs, streams).score, 2),
        "bleu": round(sacrebleu.corpus_bleu(outputs, streams).score, 2),
        "exact_match": round(exact / len(items), 4),
        "examples": [
            {"source": s, "output": o, "references": r} for o, (s, r) in zip(outputs[:8], items[:8], strict=True)
        ],
    }


class TranslationData:
    """Training pairs as padded piece ids; batches are a pure function of the step."""

    def __init__(self, pairs, src_tok, tgt_tok, src_vocab: Vocab, tgt_vocab: Vocab, seed: int, device) -> None:
        rows = [(src_tok.encode(s), tgt_tok.encode(t)) for s, t in pairs]
        rows = [(s, t) for s, t in rows if 0 < len(s) <= MAX_PIECES and 0 < len(t) < MAX_PIECES]
        self.src = src_vocab.batch([s for s, _ in rows]).to(device)
        self.tgt = tgt_vocab.batch([t for _, t in rows], eos=True).to(device)
        self.src_len, self.tgt_len = (self.src != 0).sum(1), (self.tgt != 0).sum(1)
        self.n, self.seed = len(rows), seed

    def batch(self, step: int, size: int):
        g = torch.Generator().manual_seed(self.seed * 1_000_003 + step)
        idx = torch.randint(self.n, (size,), generator=g).to(self.src.device)
        src = self.src[idx, : int(self.src_len[idx].max())]
        y_out = self.tgt[idx, : int(self.tgt_len[idx].max())]
        y_in = torch.cat([torch.ones_like(y_out[:, :1]), y_out[:, :-1]], dim=1)
        return src, y_in, y_out


def train_translate(args: argparse.Namespace) -> dict:
    """Train one translation model; returns its card (saved unless --no-save)."""
    torch.manual_seed(args.seed)
    device = registry.resolve_device(args.device)
    start = time.perf_counter()
    src_lang, tgt_lang = args.direction.split("-")
    pairs = read_pairs()
    train_pairs = [sides(p, args.direction) for p in pairs if p.split == "train"]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    src_file, tgt_file = f"{args.name}.{src_lang}.spm", f"{args.name}.{tgt_lang}.spm"
    sizes = {"en": args.en_vocab, "ko": args.ko_vocab}
    train_sentencepiece([s for s, _ in train_pairs], out / src_file, sizes[src_lang])
    train_sentencepiece([t for _, t in train_pairs], out / tgt_file, sizes[tgt_lang])
    src_tok, tgt_tok = PieceTokenizer(out / src_file), PieceTokenizer(out / tgt_file)
    src_vocab, tgt_vocab = Vocab(src_tok.vocabulary()), Vocab(tgt_tok.vocabulary())
    cfg = Seq2SeqConfig(
        src_vocab=src_vocab.tokens,
        tgt_vocab=tgt_vocab.tokens,
        embed_dim=args.embed,
        hidden_dim=args.hidden,
        cell="gru",
        bidirectional=True,
        attention=args.attention,
        attention_dim=args.hidden,
        dropout=args.dropout,
        max_source_len=MAX_PIECES,
        max_target_len=MAX_PIECES + 2,
        src_tokenizer=src_file,
        tgt_tokenizer=tgt_file,
    )
    model = Seq2Seq(cfg, base_dir=out).to(device)
    data = TranslationData(train_pairs, src_tok, tgt_tok, src_vocab, tgt_vocab, args.seed, device)
    val = references([p for p in pairs if p.split == "val"], args.direction)

    def evaluate() -> dict[str, float]:
        result = evaluate_translation(model, val)
        return {"chrf": result["chrf"], "exact_match": result["exact_match"]}

    from models.train import seq2seq_loss

    result = fit(
        model,
        torch.optim.Adam(model.parameters(), lr=args.lr),
        lambda step: data.batch(step, args.batch),
        seq2seq_loss,
        evaluate,
        budget_s=args.budget - (time.perf_counter() - start),
        max_steps=args.max_steps,
        eval_every_s=args.eval_every,
        warmup_steps=200,
        resume_dir=registry.ROOT / "runs" / args.name if args.checkpoint or args.resume else None,
        resume=args.resume,
        progress=not args.quiet,
        keep_best="chrf" if args.keep_best else None,
    )
    wall = time.perf_counter() - start
    test = evaluate_translation(model, references([p for p in pairs if p.split == "test"], args.direction))
    seen = evaluate_translation(model, training_sample(args.direction))
    card = {
        "name": args.name,
        "kind": "seq2seq",
        "task": f"translate-{args.direction}",
        "title": f"{src_lang.upper()} → {tgt_lang.upper()} · {args.attention}",
        "order": ATTENTION_KINDS.index(args.attention),
        "credit": CREDIT,
        "config": config_dict(cfg),
        "training": {
            "command": "python -m models.train " + shlex.join(args.argv),
            "seed": args.seed,
            "device": str(device),
            "wall_time_s": round(wall, 1),
            "steps": result.steps,
            "examples_seen": result.examples,
            "stopped": result.stopped,
            "data": f"Tatoeba {args.direction}: {data.n} training pairs (≤ {MAX_PIECES} pieces), recorded split",
            "validation": result.metrics,
            "history": result.history,
        },
        "metrics": {
            "evaluated_with": f"python -m models.evaluate --model {args.name} --split test",
            "test": test,
            "training_sample": {k: v for k, v in seen.items() if k != "examples"},
        },
    }
    print(
        f"{args.name}: {result.steps} steps in {wall:.1f} s; test chrF {test['chrf']} BLEU {test['bleu']} "
        f"exact {test['exact_match']}; 500 training sentences exact {seen['exact_match']}",
        file=sys.stderr,
    )
    if not args.no_save:
        registry.save_checkpoint(model, card, out, args.name)
    return card


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--direction", default="en-ko", choices=["en-ko", "ko-en"])
    parser.add_argument("--attention", default="additive", choices=ATTENTION_KINDS)
    parser.add_argument("--en-vocab", type=int, default=1000, help="English sentencepiece vocabulary")
    parser.add_argument("--ko-vocab", type=int, default=2000, help="Korean sentencepiece vocabulary")
    parser.add_argument("--embed", type=int, default=128)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--dropout", type=float, default=0.2)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--eval-every", type=float, default=60.0)
    parser.add_argument("--keep-best", action="store_true", help="end with the weights of the best validation chrF")
