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
from collections import defaultdict
from pathlib import Path

import sacrebleu
import torch

from models import registry
from models.data.tatoeba import CREDIT, Pair, read_pairs
from models.seq2seq import ATTENTION_KINDS, Seq2Seq, Seq2SeqConfig, config_dict
from models.tasks.pairs import evaluate_pairs
from models.tasks.pairs import read_pairs as read_pairs_file
from models.tokenizers import PieceTokenizer, train_sentencepiece
from models.training import RunConfig, SequencePairs, finish, sequence_loss
from models.vocab import Vocab

__all__ = ["evaluate_translation", "references", "train", "training_sample"]

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


def piece_pairs(pairs, src_tok, tgt_tok, src_vocab: Vocab, tgt_vocab: Vocab, seed: int, device) -> SequencePairs:
    """Training pairs as padded piece ids (pairs longer than MAX_PIECES pieces are left out)."""
    rows = [(src_tok.encode(s), tgt_tok.encode(t)) for s, t in pairs]
    rows = [(s, t) for s, t in rows if 0 < len(s) <= MAX_PIECES and 0 < len(t) < MAX_PIECES]
    src = src_vocab.batch([s for s, _ in rows])
    tgt = tgt_vocab.batch([t for _, t in rows], eos=True)
    return SequencePairs(src, tgt, seed, device)


def add_evaluate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pairs", type=Path, help="a file of input<TAB>expected lines (exact match)")
    parser.add_argument("--split", default="test", choices=["test", "val", "train"], help="split of the Tatoeba pairs")


def evaluate(checkpoint: registry.Checkpoint, args: argparse.Namespace) -> dict:
    """chrF, BLEU and exact match on a split of the Tatoeba pairs, for the model and its no-attention baseline."""
    if args.pairs:
        return evaluate_pairs(checkpoint.model, read_pairs_file(args.pairs), max_misses=args.misses)
    direction = checkpoint.card["task"].removeprefix("translate-")
    items = references([p for p in read_pairs() if p.split == args.split], direction)
    result = {"split": args.split, **evaluate_translation(checkpoint.model, items)}
    seen = evaluate_translation(checkpoint.model, training_sample(direction))
    result["training_sample"] = {k: v for k, v in seen.items() if k != "examples"}
    baseline = f"{checkpoint.name}-none"
    if checkpoint.card["config"]["attention"] != "none" and (registry.ASSETS_DIR / f"{baseline}.json").is_file():
        other = registry.load_checkpoint(baseline, device=checkpoint.device)
        scores = evaluate_translation(other.model, items)
        result["baseline"] = {"model": baseline, **{k: v for k, v in scores.items() if k != "examples"}}
    return result


def _model(args: argparse.Namespace, name: str, out: Path, train_pairs: list[tuple[str, str]]) -> Seq2Seq:
    """The sentencepiece tokenizers of this run (trained on the training split, saved beside the card) and
    the seq2seq that reads them."""
    src_lang, tgt_lang = args.direction.split("-")
    src_file, tgt_file = f"{name}.{src_lang}.spm", f"{name}.{tgt_lang}.spm"
    sizes = {"en": args.en_vocab, "ko": args.ko_vocab}
    train_sentencepiece([s for s, _ in train_pairs], out / src_file, sizes[src_lang])
    train_sentencepiece([t for _, t in train_pairs], out / tgt_file, sizes[tgt_lang])
    src_tok, tgt_tok = PieceTokenizer(out / src_file), PieceTokenizer(out / tgt_file)
    cfg = Seq2SeqConfig(
        src_vocab=Vocab(src_tok.vocabulary()).tokens,
        tgt_vocab=Vocab(tgt_tok.vocabulary()).tokens,
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
    return Seq2Seq(cfg, base_dir=out)


def train(args: argparse.Namespace) -> dict:
    """Train one translation model; returns its card (saved unless --no-save)."""
    suffix = "" if args.attention == "additive" else f"-{args.attention.replace('_', '-')}"
    run = RunConfig.start(args, name=args.name or f"translate-{args.direction}{suffix}")
    pairs = read_pairs()
    train_pairs = [sides(p, args.direction) for p in pairs if p.split == "train"]
    run.out.mkdir(parents=True, exist_ok=True)
    model = _model(args, run.name, run.out, train_pairs).to(run.device)
    data = piece_pairs(
        train_pairs, model.src_tokenizer, model.tgt_tokenizer, model.src_vocab, model.tgt_vocab, run.seed, run.device
    )
    val = references([p for p in pairs if p.split == "val"], args.direction)

    def validate() -> dict[str, float]:
        result = evaluate_translation(model, val)
        return {"chrf": result["chrf"], "exact_match": result["exact_match"]}

    result = run.fit(
        model,
        torch.optim.Adam(model.parameters(), lr=run.lr),
        lambda step: data.batch(step, run.batch),
        sequence_loss,
        validate,
        warmup_steps=200,
        keep_best="chrf" if args.keep_best else None,
    )
    wall = run.elapsed()
    test = evaluate_translation(model, references([p for p in pairs if p.split == "test"], args.direction))
    seen = evaluate_translation(model, training_sample(args.direction))
    src_lang, tgt_lang = args.direction.split("-")
    return finish(
        run,
        model,
        result,
        wall_s=wall,
        data=f"Tatoeba {args.direction}: {data.n} training pairs (≤ {MAX_PIECES} pieces), recorded split",
        metrics={
            "evaluated_with": f"python -m models.evaluate --model {run.name} --split test",
            "test": test,
            "training_sample": {k: v for k, v in seen.items() if k != "examples"},
        },
        summary=f"test chrF {test['chrf']} BLEU {test['bleu']} exact {test['exact_match']}; "
        f"500 training sentences exact {seen['exact_match']}",
        kind="seq2seq",
        task=f"translate-{args.direction}",
        title=f"{src_lang.upper()} → {tgt_lang.upper()} · {args.attention}",
        order=ATTENTION_KINDS.index(args.attention),
        credit=CREDIT,
        config=config_dict(model.cfg),
    )


def add_arguments(parser: argparse.ArgumentParser, command: str = "translate") -> None:
    """The options of ``translate``."""
    parser.add_argument("--name", default=None, help="default: translate-<direction>[-<attention> unless additive]")
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
