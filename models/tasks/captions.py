"""Training and evaluating captioners: the shapes world (default) or real photos in Karpathy's format.

    python -m models.train caption --budget 2400 --name caption-shapes
    python -m models.train caption --karpathy dataset_flickr8k.json --images Flicker8k_Dataset \\
        --encoder resnet50 --pretrained --image-size 224 --grid 14 --name caption-flickr8k
    python -m models.evaluate --model caption-shapes --generated 1000 --seed 7

Loss = cross-entropy of the next word (teacher forcing) + λ Σ_p (1 − Σ_t α_{t,p})², the doubly
stochastic regulariser of Show, Attend and Tell (λ = ``--ds-lambda``).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch.nn import functional as F
from torchvision.transforms import functional as TF

from models import registry
from models.captioner import Captioner, CaptionerConfig, config_dict, prepare_image
from models.data.shapes import IMAGE_SIZE, Scene, ShapesGenerator, caption_vocabulary, render
from models.metrics import (
    bleu4,
    mass_in_box,
    object_phrases,
    object_scores,
    peak_in_box,
    upsample,
    word_objects,
)
from models.training import fit, resume_folder, seed_everything, step_generator, training_card
from models.vocab import Vocab

__all__ = ["ShapesData", "caption_loss", "evaluate_karpathy", "evaluate_shapes", "train"]


class ShapesData:
    """A pool of rendered scenes (uint8 images and caption ids) and the batches drawn from it."""

    def __init__(self, n: int, seed: int, vocab: Vocab, size: int, device: torch.device) -> None:
        scenes = ShapesGenerator(seed=seed, size=size).scenes(n)
        self.images = torch.stack([TF.pil_to_tensor(render(s)) for s in scenes])  # (N, 3, S, S) uint8
        self.captions = vocab.batch([s.tokens for s in scenes], eos=True)  # (N, T)
        self.seed, self.n, self.device = seed, n, device

    def batch(self, step: int, size: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(images in [0, 1], y_in, y_out) for a step; the same step always gives the same batch."""
        idx = torch.randint(self.n, (size,), generator=step_generator(self.seed, step))
        y_out = self.captions[idx]
        y_out = y_out[:, : int((y_out != 0).sum(1).max())]  # trim padding this batch does not need
        y_in = torch.cat([torch.ones_like(y_out[:, :1]), y_out[:, :-1]], dim=1)  # <sos> + caption
        images = self.images[idx].float().div_(255)
        return images.to(self.device), y_in.to(self.device), y_out.to(self.device)


class KarpathyData:
    """Photos of a Karpathy split, loaded from disk per batch, with one random reference caption each."""

    def __init__(self, items, vocab: Vocab, size: int, seed: int, device: torch.device) -> None:
        self.items = [i for i in items if i.split == "train"]
        self.vocab, self.size, self.seed, self.device = vocab, size, seed, device

    def batch(self, step: int, size: int):
        g = np.random.default_rng(self.seed * 1_000_003 + step)
        chosen = [self.items[i] for i in g.integers(len(self.items), size=size)]
        images = torch.stack([prepare_image(Image.open(item.path), self.size)[1] for item in chosen])
        captions = [list(item.captions[g.integers(len(item.captions))]) for item in chosen]
        y_out = self.vocab.batch(captions, eos=True)
        y_in = torch.cat([torch.ones_like(y_out[:, :1]), y_out[:, :-1]], dim=1)
        return images.to(self.device), y_in.to(self.device), y_out.to(self.device)


def caption_loss(ds_lambda: float, entropy_lambda: float = 0.0):
    """Cross-entropy + λ · the doubly stochastic attention regulariser (+ λ_H · the mean attention entropy).

    The entropy term (off by default) asks each word to look at few regions: sharper maps, more of the
    attention on the object a word names.
    """

    def loss_fn(model: Captioner, batch) -> tuple[torch.Tensor, int]:
        images, y_in, y_out = batch
        logits, alphas, _ = model(images, y_in)  # (B, T, V), (B, T, P)
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y_out.reshape(-1), ignore_index=0)
        real = (y_out != 0).float()  # (B, T): only the words actually written
        if ds_lambda:
            coverage = (alphas * real[:, :, None]).sum(1)  # (B, P): total attention each region received
            loss = loss + ds_lambda * ((1.0 - coverage) ** 2).mean()
        if entropy_lambda:
            entropy = -(alphas * torch.log(alphas.clamp_min(1e-12))).sum(-1)  # (B, T) in nats
            loss = loss + entropy_lambda * (entropy * real).sum() / real.sum()
        return loss, images.size(0)

    return loss_fn


def evaluate_shapes(model: Captioner, scenes: Sequence[Scene], batch_size: int = 100, max_misses: int = 20) -> dict:
    """BLEU-4, exact match, object P/R/F1, pointing game and attention correctness on rendered scenes."""
    results = []
    for i in range(0, len(scenes), batch_size):
        chunk = scenes[i : i + batch_size]
        results += [r[0] for r in model.caption([render(s) for s in chunk])]
    tp = n_pred = n_true = 0
    pointing, mass, misses = [], [], []
    for scene, result in zip(scenes, results, strict=True):
        truth = [(o.size, o.colour, o.shape) for o in scene.objects]
        phrases = object_phrases(result.words)
        hits, p, t = object_scores([ph for _, ph in phrases], truth)
        tp, n_pred, n_true = tp + hits, n_pred + p, n_true + t
        if result.words != scene.tokens and len(misses) < max_misses:
            misses.append({"seed": scene.seed, "expected": scene.caption, "got": " ".join(result.words)})
        matches = word_objects(result.words, truth)
        for word_index, _ in phrases:  # each generated shape word that names a real object
            match = matches[word_index]
            if match is None:
                continue
            up = upsample(result.weights[word_index], scene.size)
            pointing.append(peak_in_box(up, scene.objects[match].box, tolerance=round(scene.size / 16)))
            mass.append(mass_in_box(up, scene.objects[match].box))
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_true if n_true else 0.0
    exact = [r.words == s.tokens for r, s in zip(results, scenes, strict=True)]
    return {
        "n": len(scenes),
        "bleu4": round(bleu4([" ".join(r.words) for r in results], [[s.caption] for s in scenes]), 3),
        "exact_match": round(float(np.mean(exact)), 6),
        "object_precision": round(precision, 6),
        "object_recall": round(recall, 6),
        "object_f1": round(2 * precision * recall / (precision + recall), 6) if precision + recall else 0.0,
        "pointing_game": round(float(np.mean(pointing)), 6) if pointing else None,
        "attention_correctness": round(float(np.mean(mass)), 6) if mass else None,
        "shape_words_scored": len(pointing),
        "misses": misses,
    }


def evaluate_karpathy(model: Captioner, items, batch_size: int = 50) -> dict:
    """BLEU-4 against every reference caption of each image."""
    hyps, refs = [], []
    for i in range(0, len(items), batch_size):
        chunk = items[i : i + batch_size]
        hyps += [" ".join(r[0].words) for r in model.caption([Image.open(it.path) for it in chunk])]
        refs += [[" ".join(c) for c in it.captions] for it in chunk]
    return {"n": len(items), "bleu4": round(bleu4(hyps, refs), 3)}


def add_evaluate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--generated", type=int, metavar="N", help="shapes: N freshly generated scenes")
    parser.add_argument("--seed", type=int, default=7, help="seed of the generated scenes")
    parser.add_argument("--karpathy", type=Path, help="photos: a Karpathy split JSON (with --images)")
    parser.add_argument("--images", type=Path, help="the folder of the Karpathy split's images")
    parser.add_argument("--split", default="test", choices=["test", "val", "train"], help="Karpathy split")


def evaluate(checkpoint: registry.Checkpoint, args: argparse.Namespace) -> dict:
    """``python -m models.evaluate`` for a captioner: shapes scenes, or a Karpathy split of photos."""
    if args.karpathy:
        from models.data.karpathy import read_karpathy

        if not args.images:
            raise SystemExit("--karpathy needs --images DIR")
        items = [i for i in read_karpathy(args.karpathy, args.images) if i.split == args.split]
        return evaluate_karpathy(checkpoint.model, items)
    if not args.generated:
        raise SystemExit("give --generated N (shapes scenes) or --karpathy FILE --images DIR (photos)")
    scenes = ShapesGenerator(seed=args.seed, size=checkpoint.model.cfg.image_size).scenes(args.generated)
    return evaluate_shapes(checkpoint.model, scenes, max_misses=args.misses)


def _data(args: argparse.Namespace, device: torch.device):
    """(vocabulary, training batches, validation set, task, a note on the data) for shapes or photos."""
    if args.karpathy:
        from models.data.karpathy import build_vocabulary, read_karpathy

        items = read_karpathy(args.karpathy, args.images)
        vocab = Vocab(build_vocabulary(items, min_count=args.min_count))
        data = KarpathyData(items, vocab, args.image_size, args.seed, device)
        val = [i for i in items if i.split == "val"][: args.val]
        return vocab, data, val, "caption-photos", f"{args.karpathy} ({len(data.items)} training images)"
    vocab = Vocab(caption_vocabulary())
    data = ShapesData(args.pool, args.seed, vocab, args.image_size, device)
    val = ShapesGenerator(seed=args.seed + 100_000, size=args.image_size).scenes(args.val)
    return vocab, data, val, "caption", f"{args.pool} generated scenes at {args.image_size} px"


def _config(args: argparse.Namespace, vocab: Vocab) -> CaptionerConfig:
    return CaptionerConfig(
        vocab=vocab.tokens,
        encoder=args.encoder,
        image_size=args.image_size,
        grid=args.grid,
        widths=args.widths,
        embed_dim=args.embed,
        hidden_dim=args.hidden,
        attention_dim=args.attention_dim,
        dropout=args.dropout,
        normalize=args.encoder != "slim",
        wide_view=not args.narrow_view,
        deep_output=args.deep_output,
    )


def train(args: argparse.Namespace) -> dict:
    """Train one captioner; returns its card (saved unless --no-save)."""
    if args.karpathy and not args.images:
        raise SystemExit("--karpathy needs --images DIR")
    seed_everything(args.seed)
    device = registry.resolve_device(args.device)
    start = time.perf_counter()
    vocab, data, val, task, data_note = _data(args, device)
    model = Captioner(_config(args, vocab), pretrained=args.pretrained).to(device)
    print(
        f"data ready in {time.perf_counter() - start:.1f} s; {sum(p.numel() for p in model.parameters()):,} parameters",
        file=sys.stderr,
    )

    def validate() -> dict[str, float]:
        if args.karpathy:
            return evaluate_karpathy(model, val)
        metrics = evaluate_shapes(model, val)
        return {k: metrics[k] for k in ("exact_match", "object_f1", "pointing_game", "attention_correctness")}

    result = fit(
        model,
        torch.optim.Adam(model.parameters(), lr=args.lr),
        lambda step: data.batch(step, args.batch),
        caption_loss(args.ds_lambda, args.entropy_lambda),
        validate,
        budget_s=args.budget - (time.perf_counter() - start),
        max_steps=args.max_steps,
        target=("bleu4" if args.karpathy else "exact_match", args.target) if args.target else None,
        eval_every_s=args.eval_every,
        warmup_steps=200,
        resume_dir=resume_folder(args),
        resume=args.resume,
        progress=not args.quiet,
    )
    wall = time.perf_counter() - start
    card = training_card(
        args,
        result,
        wall,
        device,
        data_note,
        kind="captioner",
        task=task,
        title="Shapes world captioner" if not args.karpathy else f"Photo captioner ({args.encoder})",
        config=config_dict(model.cfg),
    )
    card["training"] |= {"doubly_stochastic_lambda": args.ds_lambda, "attention_entropy_lambda": args.entropy_lambda}
    card["metrics"] = _test(args, model)
    shown = ", ".join(f"{k} {v}" for k, v in card["metrics"].items() if k not in ("misses", "evaluated_with"))
    print(f"{args.name}: {result.steps} steps in {wall:.1f} s ({result.stopped}); test {shown}", file=sys.stderr)
    if not args.no_save:
        print(f"saved {registry.save_checkpoint(model, card, args.out, args.name)}", file=sys.stderr)
    return card


def _test(args: argparse.Namespace, model: Captioner) -> dict:
    """The final test: held-out photos of the split, or fresh scenes; with the command that repeats it."""
    if args.karpathy:
        from models.data.karpathy import read_karpathy

        items = [i for i in read_karpathy(args.karpathy, args.images) if i.split == "test"][: args.eval_n]
        command = f"python -m models.evaluate --model {args.name} --karpathy {args.karpathy} --images {args.images}"
        return {"evaluated_with": command, **evaluate_karpathy(model, items)}
    scenes = ShapesGenerator(seed=args.eval_seed, size=args.image_size).scenes(args.eval_n)
    command = f"python -m models.evaluate --model {args.name} --generated {args.eval_n} --seed {args.eval_seed}"
    return {"evaluated_with": command, **evaluate_shapes(model, scenes)}


def add_arguments(parser: argparse.ArgumentParser, command: str = "caption") -> None:
    """The options of ``caption``."""
    parser.add_argument("--name", default="caption-shapes", help="checkpoint name")
    parser.add_argument("--karpathy", default=None, help="a Karpathy split JSON (dataset_flickr8k.json, ...)")
    parser.add_argument("--images", default=None, help="the folder of the split's images")
    parser.add_argument("--min-count", type=int, default=5, help="photos: keep words seen this often")
    parser.add_argument("--encoder", default="slim", choices=["slim", "resnet18", "resnet34", "resnet50"])
    parser.add_argument("--pretrained", action="store_true", help="ImageNet weights from the torch hub cache")
    parser.add_argument("--image-size", type=int, default=IMAGE_SIZE)
    parser.add_argument("--grid", type=int, default=16, help="feature grid side (resnet encoders)")
    parser.add_argument("--widths", type=int, nargs=3, default=[32, 64, 128], help="slim encoder channels")
    parser.add_argument("--narrow-view", action="store_true", help="slim encoder without its third stage")
    parser.add_argument("--deep-output", action="store_true", help="predict words from [h; βz], not h alone")
    parser.add_argument("--embed", type=int, default=64)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--attention-dim", type=int, default=128)
    parser.add_argument("--dropout", type=float, default=0.2)
    parser.add_argument("--ds-lambda", type=float, default=0.02, help="weight of the doubly stochastic regulariser")
    parser.add_argument("--entropy-lambda", type=float, default=0.0, help="weight of an attention-entropy penalty")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--pool", type=int, default=24_000, help="shapes: rendered training scenes")
    parser.add_argument("--val", type=int, default=300, help="validation scenes or images")
    parser.add_argument("--target", type=float, default=0.0, help="stop at this validation score (0: never)")
    parser.add_argument("--eval-every", type=float, default=120.0, help="seconds between validations")
    parser.add_argument("--eval-n", type=int, default=1000, help="final test scenes or images")
    parser.add_argument("--eval-seed", type=int, default=7)
