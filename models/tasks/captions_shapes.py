"""The shapes world: rendered scenes whose every caption and object box is known, a slim CNN trained with the
LSTM from scratch.

    python -m models.train caption --budget 2400 --name caption-shapes
    python -m models.evaluate --model caption-shapes --generated 1000 --seed 7

Evaluation: BLEU-4, exact caption, object precision / recall / F1, the pointing game (does the peak of a shape
word's map fall in that object's box) and attention correctness (the share of its map inside the box).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import numpy as np
import torch
from torchvision.transforms import functional as TF

from models.captioner import Captioner, CaptionerConfig, config_dict
from models.data.shapes import Scene, ShapesGenerator, caption_vocabulary, render
from models.metrics import bleu4, mass_in_box, object_phrases, object_scores, peak_in_box, upsample, word_objects
from models.tasks.captions_common import FAMILIARITY_KEY, caption_loss, familiarity_reference
from models.training import RunConfig, finish, step_generator
from models.vocab import Vocab

__all__ = ["SCENE_DIRECTIONS", "ShapesData", "evaluate_shapes", "scene_familiarity", "train"]

SCENE_DIRECTIONS = 16  # principal directions of the generated scenes' pooled features kept for the familiarity rule


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


@torch.no_grad()
def scene_familiarity(model: Captioner, seed: int, reference: int = 2000, held_out: int = 500) -> dict:
    """The "is this a shapes-world scene?" rule, the photo captioners' rule on this model's own encoder: the
    pooled features of ``reference`` freshly generated scenes give its mean, deviation and principal directions,
    ``held_out`` other scenes its threshold (99 % of them within). Fills the model's rule; returns the card's part.
    """
    model.eval()  # the slim encoder's batch norm with its running statistics
    scenes = ShapesGenerator(seed=seed + 200_000, size=model.cfg.image_size).scenes(reference + held_out)
    pooled = []
    for i in range(0, len(scenes), 100):
        images = torch.stack([TF.pil_to_tensor(render(s)) for s in scenes[i : i + 100]]).float().div_(255)
        grid = model.feature_grid(images.to(model.device))  # (B, C, h, w)
        pooled.append(grid.mean((2, 3), keepdim=True).cpu().numpy())  # (B, C, 1, 1)
    train = [k < reference for k in range(len(scenes))]
    return familiarity_reference(model, np.concatenate(pooled), train, seed, f"{held_out} other generated scenes")


def _config(args: argparse.Namespace, vocab: Vocab) -> CaptionerConfig:
    return CaptionerConfig(
        vocab=vocab.tokens,
        encoder="slim",
        aerial_components=min(SCENE_DIRECTIONS, args.widths[-1] // 2),  # never more directions than channels
        image_size=args.image_size,
        grid=args.grid,
        widths=args.widths,
        embed_dim=args.embed,
        hidden_dim=args.hidden,
        attention_dim=args.attention_dim,
        dropout=args.dropout,
        wide_view=not args.narrow_view,
        deep_output=args.deep_output,
    )


def train(args: argparse.Namespace, run: RunConfig) -> dict:
    """The shapes captioner: returns its card (saved unless --no-save)."""
    vocab = Vocab(caption_vocabulary())
    data = ShapesData(args.pool, run.seed, vocab, args.image_size, run.device)
    val = ShapesGenerator(seed=run.seed + 100_000, size=args.image_size).scenes(args.val)
    model = Captioner(_config(args, vocab)).to(run.device)
    parameters = sum(p.numel() for p in model.parameters())
    print(f"data ready in {run.elapsed():.1f} s; {parameters:,} parameters", file=sys.stderr)

    def validate() -> dict[str, float]:
        metrics = evaluate_shapes(model, val)
        return {k: metrics[k] for k in ("exact_match", "object_f1", "pointing_game", "attention_correctness")}

    result = run.fit(
        model,
        torch.optim.Adam(model.parameters(), lr=run.lr),
        lambda step: data.batch(step, run.batch),
        caption_loss(args.ds_lambda, args.entropy_lambda),
        validate,
        target=("exact_match", args.target) if args.target else None,
        warmup_steps=200,
    )
    wall = run.elapsed()
    scenes = ShapesGenerator(seed=args.eval_seed, size=args.image_size).scenes(args.eval_n)
    command = f"python -m models.evaluate --model {run.name} --generated {args.eval_n} --seed {args.eval_seed}"
    metrics = {"evaluated_with": command, **evaluate_shapes(model, scenes)}
    rule = scene_familiarity(model, run.seed)
    shown = ", ".join(f"{k} {v}" for k, v in metrics.items() if k not in ("misses", "evaluated_with"))
    return finish(
        run,
        model,
        result,
        wall_s=wall,
        data=f"{args.pool} generated scenes at {args.image_size} px",
        metrics=metrics,
        summary=f"test {shown}",
        training={"doubly_stochastic_lambda": args.ds_lambda, "attention_entropy_lambda": args.entropy_lambda},
        kind="captioner",
        task="caption",
        title="Shapes world captioner",
        config=config_dict(model.cfg),
        **{FAMILIARITY_KEY: rule},
    )
