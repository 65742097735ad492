"""Sentiment of real reviews: Korean movie reviews (NSMC) and English ones (IMDB), positive or negative.

    python -m models.train classify --data nsmc --attention additive --budget 900 --checkpoint
    python -m models.train classify --data nsmc --attention none --budget 900 --checkpoint
    python -m models.evaluate --model classify-nsmc --split test
    python -m models.evaluate --model classify-imdb --pairs reviews.tsv        (label<TAB>text lines)

Data: the official splits, read from outside the repository (models/data/nsmc.py, models/data/imdb.py);
10 % of train, chosen by review id, is held out for validation (the test split is used only to report).
Each run trains its own sentencepiece model on its training reviews and ships it beside the checkpoint
(``<name>.spm``); the same data and vocabulary size give the attention model and its baseline the same one.

Evaluation: accuracy, accuracy by input length (four equal groups of reviews by word count), and
"is attention an explanation?" over a fixed sample of reviews: Kendall's τ_b between each review's
attention and its Integrated Gradients per word, the permutation test (median |Δp| when the weights are
shuffled) and erasure (how often removing the most attended word, the word with the highest
attribution, or a random word flips the decision).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import Tensor
from torch.nn import functional as F

from models import registry
from models.classifier import (
    POOLING,
    Classifier,
    ClassifierConfig,
    config_dict,
    erasure_choices,
    kendall_tau_b,
    normalize,
)
from models.data.imdb import CREDIT as IMDB_CREDIT
from models.data.imdb import read_imdb
from models.data.nsmc import CREDIT as NSMC_CREDIT
from models.data.nsmc import read_nsmc
from models.data.reviews import LABELS, Review, holdout
from models.results import Classification
from models.tokenizers import PieceTokenizer, train_sentencepiece
from models.training import RunConfig, finish, step_generator
from models.vocab import Vocab

__all__ = [
    "BARS",
    "ReviewBatches",
    "accuracy_by_length",
    "attention_tests",
    "erasure_flips",
    "evaluate",
    "evaluate_reviews",
    "explanation_summary",
    "measure",
    "read_labelled",
    "read_reviews",
    "train",
]

DATA_SETS = {"nsmc": (read_nsmc, NSMC_CREDIT, "ko"), "imdb": (read_imdb, IMDB_CREDIT, "en")}
BARS = {"classify-nsmc": 0.860, "classify-imdb": 0.885}  # test accuracy the shipped attention models must reach


# ----------------------------------------------------------------------------- data


def read_reviews(data: str, split: str, folder: str | Path | None = None) -> list[Review]:
    """The reviews of ``split``: "train" (90 % of the official train), "val" (the other 10 %) or "test"."""
    read = DATA_SETS[data][0]
    if split == "test":
        return read("test", folder)
    train, val = holdout(read("train", folder))
    return train if split == "train" else val


def tokenizer_sentences(reviews: list[Review], lowercase: bool) -> list[str]:
    """Training text for sentencepiece: normalised reviews, long ones split at sentence ends
    (sentencepiece skips "sentences" longer than 4,192 bytes)."""
    out = []
    for r in reviews:
        text = normalize(r.text, lowercase)
        out += [s for s in re.split(r"(?<=[.!?])\s+", text) if s] if len(text) > 1000 else [text] if text else []
    return out


class ReviewBatches:
    """Training reviews as padded piece ids; every epoch a fresh order of batches of similar length.

    ``batch(step)`` is a pure function of the step (its epoch's order comes from the seed and the epoch),
    so a resumed run sees exactly the batches an uninterrupted one would have.
    """

    def __init__(self, rows: list[list[int]], labels: list[int], batch_size: int, seed: int) -> None:
        self.n, self.batch_size, self.seed = len(rows), batch_size, seed
        self.lengths = torch.tensor([len(r) for r in rows])  # (N,)
        self.ids = torch.zeros(self.n, int(self.lengths.max()), dtype=torch.int32)  # (N, L), 0 = <pad>
        for i, r in enumerate(rows):
            self.ids[i, : len(r)] = torch.tensor(r, dtype=torch.int32)
        self.labels = torch.tensor(labels)  # (N,)
        self.per_epoch = (self.n + batch_size - 1) // batch_size
        self._epoch: tuple[int, list[Tensor]] | None = None

    def _batches(self, epoch: int) -> list[Tensor]:
        """The index batches of one epoch: sorted by length (ties at random), cut, then shuffled."""
        if self._epoch is None or self._epoch[0] != epoch:
            g = step_generator(self.seed, 10_000_000 + epoch)
            order = torch.argsort(self.lengths + torch.rand(self.n, generator=g))
            chunks = list(order.split(self.batch_size))
            shuffled = torch.randperm(len(chunks), generator=g).tolist()
            self._epoch = (epoch, [chunks[i] for i in shuffled])
        return self._epoch[1]

    def batch(self, step: int) -> tuple[Tensor, Tensor]:
        """(ids (B, T) long, labels (B,)) of a step; T is the longest review of the batch."""
        epoch, k = divmod(step, self.per_epoch)
        idx = self._batches(epoch)[k]
        width = int(self.lengths[idx].max())
        return self.ids[idx, :width].long(), self.labels[idx]


def classification_loss(model: Classifier, batch: tuple[Tensor, Tensor]) -> tuple[Tensor, int]:
    """Cross-entropy of the label."""
    ids, labels = batch
    ids, labels = ids.to(model.device), labels.to(model.device)
    logits, _ = model(ids)  # (B, C)
    return F.cross_entropy(logits, labels), ids.size(0)


# ----------------------------------------------------------------------------- evaluate


def read_labelled(path: Path) -> list[Review]:
    """``label<TAB>text`` lines (label 0/1 or negative/positive); blank lines and # comments are skipped."""
    path, reviews = Path(path), []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        label, _, text = line.partition("\t")
        label = label.strip().lower()
        if not text or label not in ("0", "1", *LABELS):
            raise SystemExit(f"{path}:{number}: expected 'label<TAB>text' with label 0, 1, negative or positive")
        reviews.append(Review(f"{path.name}:{number}", text, int(label) if label.isdigit() else LABELS.index(label)))
    return reviews


def accuracy_by_length(words: np.ndarray, correct: np.ndarray, groups: int = 4) -> list[dict]:
    """Accuracy in ``groups`` equal groups of reviews by word count (shortest first), with each group's range."""
    order = np.argsort(words, kind="stable")
    out = []
    for part in np.array_split(order, groups):
        if part.size:
            out.append(
                {
                    "words": f"{int(words[part].min())}–{int(words[part].max())}",
                    "n": int(part.size),
                    "accuracy": round(float(correct[part].mean()), 4),
                }
            )
    return out


def evaluate_reviews(model: Classifier, reviews: list[Review], max_misses: int = 20) -> dict:
    """Accuracy, accuracy by length quartile, how many reviews were cut, and the first misses."""
    texts = [r.text for r in reviews]
    probs = model.probabilities(texts)  # (N, C)
    labels = np.array([r.label for r in reviews])
    predicted = probs.argmax(1)
    correct = predicted == labels
    words = np.array([len(t.split()) for t in texts])
    cut = sum(len(model.tokenize(t)) > model.max_pieces for t in texts)
    misses = [
        {"text": r.text[:300], "expected": model.labels[r.label], "got": model.labels[p], "p": round(float(q[p]), 4)}
        for r, p, q, ok in zip(reviews, predicted, probs, correct, strict=True)
        if not ok
    ]
    return {
        "n": len(reviews),
        "accuracy": round(float(correct.mean()), 4) if len(reviews) else None,
        "by_length": accuracy_by_length(words, correct),
        "cut": int(cut),
        "misses": misses[:max_misses],
        "miss_count": len(misses),
    }


def _median(values: list[float]) -> float | None:
    values = [v for v in values if not np.isnan(v)]
    return round(float(np.median(values)), 4) if values else None


def erasure_flips(model: Classifier, texts: list[str], results: list[Classification], rng) -> list[tuple[str, bool]]:
    """For each review and each erasure choice (most attended word, highest attribution, random word):
    (choice, did the decision flip when that word was removed)."""
    rows, picks = [], []
    for text, r in zip(texts, results, strict=True):
        pieces = model.read(text)[0]
        for by, k in erasure_choices(r, rng):
            rows.append([p for p, w in zip(pieces, r.word_ids, strict=True) if w != k] or ["<unk>"])
            picks.append((by, int(np.argmax(r.probs))))
    with torch.no_grad():
        after = model(model.vocab.batch(rows).to(model.device))[0].argmax(-1).cpu().tolist()
    return [(by, a != label) for (by, label), a in zip(picks, after, strict=True)]


def attention_tests(
    model: Classifier, texts: list[str], results: list[Classification], permutations: int, generator
) -> dict[str, list[float]]:
    """Per review: τ_b of attention against |IG| and against IG (per word), and, with the weights shuffled
    ``permutations`` times, the median |Δp| of the predicted label and the share of shuffles that flip it."""
    _, p, permuted = model.permuted_probabilities(model.ids(texts).to(model.device), permutations, generator)
    out = {
        "changes": (permuted - p[:, None]).abs().median(1).values.tolist(),
        "shuffle_flips": (permuted < 0.5).float().mean(1).tolist(),
        "taus": [],
        "signed_taus": [],
    }
    for r in results:
        if len(r.words) > 1:
            attention, attributions = r.per_word(r.weights), r.per_word(r.attributions)
            out["taus"].append(kendall_tau_b(attention, np.abs(attributions)))
            out["signed_taus"].append(kendall_tau_b(attention, attributions))
    return out


def explanation_summary(
    model: Classifier, reviews: list[Review], n: int = 1000, seed: int = 0, permutations: int = 100, steps: int = 32
) -> dict:
    """ "Is attention an explanation?" over ``n`` reviews drawn with ``seed``, aggregated.

    Per review: τ_b between attention and |Integrated Gradients| per word; the median |Δp| of the predicted
    label when the attention weights are shuffled ``permutations`` times; whether removing the most attended
    word, the word with the highest attribution, or a random word flips the decision. Then medians and rates.
    """
    rng = np.random.default_rng(seed)
    sample = [reviews[i].text for i in rng.choice(len(reviews), size=min(n, len(reviews)), replace=False)]
    sample.sort(key=len)  # batches of similar length
    generator = torch.Generator().manual_seed(seed)
    tally: dict[str, list] = {k: [] for k in ("gaps", "flips", "changes", "shuffle_flips", "taus", "signed_taus")}
    start, i = time.perf_counter(), 0
    while i < len(sample):
        size = max(1, min(64, 4096 // max(1, len(model.read(sample[i])[0]))))  # ~4k pieces per batch
        texts, i = sample[i : i + size], i + size
        results = model.classify(texts, attributions=True, steps=steps)
        tally["gaps"] += [abs(r.attribution_gap) for r in results]
        tally["flips"] += erasure_flips(model, texts, results, rng)
        if model.has_attention:
            for key, values in attention_tests(model, texts, results, permutations, generator).items():
                tally[key] += values
    by_choice = {by: [f for b, f in tally["flips"] if b == by] for by in ("attention", "attributions", "random")}
    summary = {
        "about": (
            "IG: Integrated Gradients of p(predicted label) from all-zero embeddings, per word; τ_b: per review, "
            "attention per word against |IG| per word, median over reviews; permutation: attention shuffled over "
            "the real tokens, median |Δp| per review, median over reviews; erasure: share of reviews whose "
            "decision flips when the most attended, the highest-IG or a random word is removed"
        ),
        "n": len(sample),
        "seed": seed,
        "ig_steps": steps,
        "ig_completeness_gap_median": _median(tally["gaps"]),
        "erasure_flip_rate": {k: round(float(np.mean(v)), 4) for k, v in by_choice.items() if v},
        "seconds": round(time.perf_counter() - start, 1),
    }
    if model.has_attention:
        summary |= {
            "kendall_tau_attention_vs_abs_ig_median": _median(tally["taus"]),
            "kendall_tau_attention_vs_ig_median": _median(tally["signed_taus"]),
            "permutations": permutations,
            "permutation_abs_change_median": _median(tally["changes"]),
            "permutation_flip_rate_mean": round(float(np.mean(tally["shuffle_flips"])), 4),
        }
    return summary


def add_evaluate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pairs", type=Path, help="a file of label<TAB>text lines: accuracy and the misses")
    parser.add_argument("--split", default="test", choices=["test", "val", "train"], help="split of the data set")
    parser.add_argument("--data-dir", type=Path, default=None, help="the data set's folder (default: ../shared/data/)")
    parser.add_argument("--explain", type=int, default=1000, metavar="N", help="reviews for the explanation tests")
    parser.add_argument("--seed", type=int, default=0, help="seed of the explanation sample and shuffles")
    parser.add_argument(
        "--threads", type=int, default=1, help="CPU threads for torch (1: no thread contention on a busy machine)"
    )


def measure(
    model: Classifier,
    name: str,
    reviews: list[Review],
    split: str,
    explain: int,
    seed: int = 0,
    misses: int = 20,
    directory: Path = registry.ASSETS_DIR,
) -> dict:
    """What the card and ``python -m models.evaluate`` report: accuracy (by length too) on ``split``, the
    no-attention baseline ``<name>-none`` beside it when it is in ``directory``, and the explanation tests."""
    result = {"split": split, **evaluate_reviews(model, reviews, max_misses=misses)}
    baseline = f"{name}-none"
    if model.has_attention and (Path(directory) / f"{baseline}.json").is_file():
        other_model = registry.load_checkpoint(baseline, device=model.device, directory=directory).model
        other = evaluate_reviews(other_model, reviews, 0)
        result["baseline"] = {"model": baseline, **{k: v for k, v in other.items() if k != "misses"}}
    if explain:
        result["explanations"] = explanation_summary(model, reviews, n=explain, seed=seed)
    return result


def evaluate(checkpoint: registry.Checkpoint, args: argparse.Namespace) -> dict:
    """Accuracy (by length too) on a split, the no-attention baseline beside it, and the explanation tests;
    or accuracy and misses on a ``--pairs`` file."""
    torch.set_num_threads(args.threads)
    if args.pairs:
        return evaluate_reviews(checkpoint.model, read_labelled(args.pairs), max_misses=args.misses)
    reviews = read_reviews(checkpoint.card["task"].removeprefix("classify-"), args.split, args.data_dir)
    given = Path(args.model)
    folder = given.parent if given.suffix in (".json", ".safetensors") or given.parent != Path() else None
    return measure(
        checkpoint.model,
        checkpoint.name,
        reviews,
        args.split,
        args.explain,
        args.seed,
        args.misses,
        directory=folder or registry.ASSETS_DIR,
    )


# ----------------------------------------------------------------------------- train


def add_arguments(parser: argparse.ArgumentParser, command: str = "classify") -> None:
    """The options of ``classify``."""
    parser.add_argument("--data", default="nsmc", choices=list(DATA_SETS), help="Korean (nsmc) or English (imdb)")
    parser.add_argument("--data-dir", type=Path, default=None, help="the data set's folder (default: ../shared/data/)")
    parser.add_argument("--name", default=None, help="default: classify-<data>[-<attention> unless additive]")
    parser.add_argument("--attention", default="additive", choices=[k.replace("_", "-") for k in POOLING])
    parser.add_argument("--cell", default="lstm", choices=["lstm", "gru"])
    parser.add_argument("--layers", type=int, default=1, help="stacked bidirectional layers")
    parser.add_argument("--vocab", type=int, default=8000, help="sentencepiece vocabulary size")
    parser.add_argument("--embed", type=int, default=128)
    parser.add_argument("--hidden", type=int, default=128, help="LSTM size per direction")
    parser.add_argument("--attention-dim", type=int, default=128)
    parser.add_argument("--dropout", type=float, default=0.3)
    parser.add_argument("--max-pieces", type=int, default=None, help="longest input read (default: nsmc 160, imdb 400)")
    parser.add_argument("--head-pieces", type=int, default=128, help="of a cut input, the pieces from its start")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--weight-decay", type=float, default=0.0)
    parser.add_argument("--eval-every", type=float, default=60.0, help="seconds between validations")
    parser.add_argument("--explain", type=int, default=1000, metavar="N", help="test reviews for the explanation tests")
    parser.add_argument(
        "--threads", type=int, default=1, help="CPU threads for torch (1: no thread contention on a busy machine)"
    )


def _model(args: argparse.Namespace, name: str, out: Path, train_reviews: list[Review]) -> Classifier:
    """This run's sentencepiece model (trained on its training reviews, saved beside the card) and the network."""
    lowercase = DATA_SETS[args.data][2] == "en"
    spm_file = f"{name}.spm"
    train_sentencepiece(tokenizer_sentences(train_reviews, lowercase), out / spm_file, args.vocab)
    cfg = ClassifierConfig(
        vocab=Vocab(PieceTokenizer(out / spm_file).vocabulary()).tokens,
        tokenizer=spm_file,
        labels=list(LABELS),
        embed_dim=args.embed,
        hidden_dim=args.hidden,
        cell=args.cell,
        layers=args.layers,
        attention=args.attention.replace("-", "_"),
        attention_dim=args.attention_dim,
        dropout=args.dropout,
        max_pieces=args.max_pieces or (400 if args.data == "imdb" else 160),
        head_pieces=args.head_pieces,
        lowercase=lowercase,
    )
    return Classifier(cfg, base_dir=out)


def _rows(model: Classifier, reviews: list[Review]) -> list[list[int]]:
    """The piece ids each review is read as (an empty review: one <unk>)."""
    return [model.vocab.encode(model.read(r.text)[0]) or [Vocab.unk_id] for r in reviews]


def _padded(rows: list[list[int]]) -> Tensor:
    """(B, T) ids, right-padded with 0."""
    out = torch.zeros(len(rows), max(len(r) for r in rows), dtype=torch.long)
    for i, r in enumerate(rows):
        out[i, : len(r)] = torch.tensor(r)
    return out


def sharing_note(threads: int, loads: list[float]) -> str:
    """What the wall time means: the cores to itself, or shared with other jobs (1-minute load averages
    sampled at every validation)."""
    cores, mean = os.cpu_count() or 1, float(np.mean(loads)) if loads else 0.0
    busy = mean > threads + 1
    return (
        f"{cores} CPU cores, torch on {threads} thread(s); 1-minute load average {mean:.1f} on average "
        f"(max {max(loads, default=0.0):.1f}) over {len(loads)} validations: "
        + ("shared with other jobs, so the wall time is longer than alone" if busy else "the cores to itself")
    )


def train(args: argparse.Namespace) -> dict:
    """Train one classifier; returns its card (saved unless --no-save)."""
    suffix = "" if args.attention == "additive" else f"-{args.attention}"
    run = RunConfig.start(args, name=args.name or f"classify-{args.data}{suffix}")  # --threads: torch's CPU threads
    loads = [os.getloadavg()[0]]
    train_reviews = [r for r in read_reviews(args.data, "train", args.data_dir) if r.text.strip()]
    val_reviews = read_reviews(args.data, "val", args.data_dir)
    run.out.mkdir(parents=True, exist_ok=True)
    model = _model(args, run.name, run.out, train_reviews).to(run.device)
    data = ReviewBatches(_rows(model, train_reviews), [r.label for r in train_reviews], run.batch, run.seed)
    val_order = sorted(range(len(val_reviews)), key=lambda i: len(val_reviews[i].text))
    val_rows = _rows(model, [val_reviews[i] for i in val_order])
    val_labels = torch.tensor([val_reviews[i].label for i in val_order])
    print(f"{run.name}: data and tokenizer ready in {run.elapsed():.0f} s", file=sys.stderr)

    def validate() -> dict[str, float]:
        right = 0
        for i in range(0, len(val_rows), 256):
            logits, _ = model(_padded(val_rows[i : i + 256]).to(run.device))
            right += int((logits.argmax(-1).cpu() == val_labels[i : i + 256]).sum())
        return {"accuracy": right / len(val_rows)}

    result = run.fit(
        model,
        torch.optim.AdamW(model.parameters(), lr=run.lr, weight_decay=args.weight_decay),
        data.batch,
        classification_loss,
        validate,
        warmup_steps=100,
        keep_best="accuracy",
        on_progress=lambda record: loads.append(os.getloadavg()[0]) if record["kind"] == "eval" else None,
    )
    wall = run.elapsed()
    _, credit, language = DATA_SETS[args.data]
    test_reviews = read_reviews(args.data, "test", args.data_dir)
    test = measure(model, run.name, test_reviews, "test", args.explain, seed=0, misses=10, directory=run.out)
    metrics = {"evaluated_with": f"python -m models.evaluate --model {run.name} --split test", "test": test}
    if run.name in BARS:
        metrics["bar"] = {"test_accuracy": BARS[run.name], "met": test["accuracy"] >= BARS[run.name]}
    return finish(
        run,
        model,
        result,
        wall_s=wall,
        data=f"{args.data.upper()}: {len(train_reviews)} training reviews (official train minus a 10 % validation "
        f"part of {len(val_reviews)} chosen by id), batches of {run.batch}; tested on the official test split",
        metrics=metrics,
        summary=f"validation {result.metrics.get('accuracy', float('nan')):.4f}, test accuracy {test['accuracy']:.4f}",
        training={"note": sharing_note(args.threads, loads)},
        kind="classifier",
        task=f"classify-{args.data}",
        title=f"{'Korean' if language == 'ko' else 'English'} reviews · {args.attention}",
        order=[k.replace("_", "-") for k in POOLING].index(args.attention),
        language=language,
        credit=credit,
        config=config_dict(model.cfg),
    )
