"""Training and evaluating captioners: the shapes world (default), aerial photos with human captions (RSICD,
UCM-captions) on a frozen ImageNet encoder, or photos in Karpathy's format.

    python -m models.train caption --budget 2400 --name caption-shapes
    python -m models.train caption --data rsicd --rsicd DIR --ucm DIR --name caption-aerial ...
    python -m models.train caption --karpathy dataset_flickr8k.json --images Flicker8k_Dataset \\
        --encoder resnet50 --pretrained --image-size 224 --grid 14 --name caption-flickr8k
    python -m models.evaluate --model caption-shapes --generated 1000 --seed 7
    python -m models.evaluate --model caption-aerial --captions FILE [--images DIR] [--split val] [--deletion]

Aerial photos: the encoder (EfficientNet-Lite0, ImageNet weights from its package) is frozen, so its feature
grid of every photo is computed once, before training, and kept in runs/NAME/features/ (float16; an
interrupted extraction continues where it stopped). Each step then draws photos and teaches all five of
their captions at once: the image side (keys, initial state) is computed once per photo.

Loss = cross-entropy of the next word (teacher forcing) + λ Σ_p (1 − Σ_t α_{t,p})², the doubly
stochastic regulariser of Show, Attend and Tell (λ = ``--ds-lambda``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch.nn import functional as F
from torchvision.transforms import functional as TF

from models import registry
from models.captioner import Captioner, CaptionerConfig, config_dict, prepare_image
from models.data.rsicd import CaptionedImage, build_vocabulary, read_captions, synthetic_non_aerial
from models.data.shapes import IMAGE_SIZE, Scene, ShapesGenerator, caption_vocabulary, render
from models.encoders import FEATURES
from models.metrics import (
    bleu4,
    caption_scores,
    deletion_summary,
    mass_in_box,
    object_phrases,
    object_scores,
    peak_in_box,
    upsample,
    word_objects,
)
from models.training import RUNS_DIR, fit, resume_folder, seed_everything, step_generator, training_card
from models.vocab import Vocab

__all__ = [
    "AerialBatches",
    "ShapesData",
    "caption_loss",
    "evaluate_deletion",
    "evaluate_karpathy",
    "evaluate_photos",
    "evaluate_shapes",
    "extract_features",
    "feature_caption_loss",
    "train",
]


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


def _photo_key(items: Sequence[CaptionedImage], model: Captioner) -> str:
    """A cache name that changes with the photos, the encoder layer and the image size."""
    digest = hashlib.sha256("\n".join(str(i.path) for i in items).encode()).hexdigest()[:10]
    cfg = model.cfg
    return f"{cfg.encoder}-{cfg.feature_layer}-{cfg.image_size}px-{len(items)}-{digest}"


@torch.no_grad()
def extract_features(
    model: Captioner, items: Sequence[CaptionedImage], folder: Path, batch_size: int = 4, progress: bool = True
) -> tuple[np.ndarray, dict]:
    """The frozen encoder's feature grid of every photo: ((N, C, h, w) float16 array, {"seconds", "photos"}).

    Kept in ``folder`` as <key>.npy (memory-mapped) + <key>.json (how many are done, seconds spent, over every
    session), written every 30 s: a second call continues where the first stopped and returns at once when done.
    """
    folder.mkdir(parents=True, exist_ok=True)
    key = _photo_key(items, model)
    path, meta_path = folder / f"{key}.npy", folder / f"{key}.json"
    meta = json.loads(meta_path.read_text()) if meta_path.is_file() and path.is_file() else None
    shape = (len(items), model.feature_dim, model.cfg.grid, model.cfg.grid)
    if meta is None:
        np.lib.format.open_memmap(path, mode="w+", dtype=np.float16, shape=shape).flush()
        meta = {"done": 0, "seconds": 0.0, "shape": list(shape)}
    features = np.load(path, mmap_mode="r+")
    began, done_before = time.perf_counter() - meta["seconds"], meta["done"]  # the clock goes on from before
    session_start = last_save = last_print = time.perf_counter()
    model.eval()
    for i in range(meta["done"], len(items), batch_size):
        chunk = items[i : i + batch_size]
        batch = torch.stack([prepare_image(Image.open(it.path), model.cfg.image_size)[1] for it in chunk])
        features[i : i + len(chunk)] = model.feature_grid(batch.to(model.device)).cpu().numpy().astype(np.float16)
        meta["done"], meta["seconds"] = i + len(chunk), time.perf_counter() - began
        now = time.perf_counter()
        if now - last_save >= 30 or meta["done"] == len(items):
            features.flush()
            meta_path.write_text(json.dumps(meta))
            last_save = now
        if progress and (now - last_print >= 10 or meta["done"] == len(items)):
            rate = (meta["done"] - done_before) / max(now - session_start, 1e-9)
            left = (len(items) - meta["done"]) / max(rate, 1e-9)
            print(
                f"features {meta['done']}/{len(items)} photos, {rate:.1f}/s, {left / 60:.1f} min left",
                file=sys.stderr,
            )
            last_print = now
    meta_path.write_text(json.dumps(meta))
    return np.load(path, mmap_mode="r"), {"seconds": round(meta["seconds"], 1), "photos": len(items)}


class AerialBatches:
    """Training steps from precomputed feature grids: ``size`` photos per step, each with ``per_photo`` of its
    captions (all five by default)."""

    def __init__(
        self, features: np.ndarray, items: Sequence[CaptionedImage], vocab: Vocab, seed: int, device, per_photo: int = 5
    ) -> None:
        self.features, self.vocab, self.seed, self.device, self.per_photo = features, vocab, seed, device, per_photo
        self.train = [k for k, it in enumerate(items) if it.split == "train"]  # rows of ``features``
        self.captions = {k: items[k].captions for k in self.train}

    def batch(self, step: int, size: int):
        """(grid (B, C, h, w), rows (N,), y_in (N, T), y_out (N, T)); the same step always gives the same batch."""
        g = step_generator(self.seed, step)
        pick = torch.randint(len(self.train), (size,), generator=g).tolist()
        photos = sorted(self.train[p] for p in pick)  # sorted: the memory-mapped file is read in order
        grid = torch.from_numpy(self.features[photos].astype(np.float32))  # (B, C, h, w)
        chosen = [torch.randperm(len(self.captions[k]), generator=g)[: self.per_photo].tolist() for k in photos]
        captions = [(b, list(self.captions[k][c])) for b, k in enumerate(photos) for c in sorted(chosen[b])]
        rows = torch.tensor([b for b, _ in captions])  # (N,) which photo each caption describes
        y_out = self.vocab.batch([c for _, c in captions], eos=True)  # (N, T)
        y_in = torch.cat([torch.ones_like(y_out[:, :1]), y_out[:, :-1]], dim=1)  # <sos> + caption
        return grid.to(self.device), rows.to(self.device), y_in.to(self.device), y_out.to(self.device)


def caption_loss(ds_lambda: float, entropy_lambda: float = 0.0):
    """Cross-entropy + λ · the doubly stochastic attention regulariser (+ λ_H · the mean attention entropy).

    The entropy term (off by default) asks each word to look at few regions: sharper maps, more of the
    attention on the object a word names.
    """

    def loss_fn(model: Captioner, batch) -> tuple[torch.Tensor, int]:
        images, y_in, y_out = batch
        logits, alphas, _ = model(images, y_in)  # (B, T, V), (B, T, P)
        return _objective(logits, alphas, y_out, ds_lambda, entropy_lambda), images.size(0)

    return loss_fn


def feature_caption_loss(ds_lambda: float, entropy_lambda: float = 0.0):
    """``caption_loss`` on precomputed feature grids (``AerialBatches``): every caption of a photo in one step."""

    def loss_fn(model: Captioner, batch) -> tuple[torch.Tensor, int]:
        grid, rows, y_in, y_out = batch  # (B, C, h, w), (N,) the photo of each caption, (N, T), (N, T)
        lengths = (y_out != 0).sum(1)  # (N,) words + <eos>
        order = torch.argsort(lengths, descending=True, stable=True)  # longest first: finished rows drop out
        rows, y_in, y_out, lengths = rows[order], y_in[order], y_out[order], lengths[order]
        state = model.start(grid).select(rows)  # the image side once per photo, then one row per caption
        logits, alphas, _ = model.teacher_forced(state, y_in, lengths)  # (N, T, V), (N, T, P)
        return _objective(logits, alphas, y_out, ds_lambda, entropy_lambda), y_in.size(0)

    return loss_fn


def _objective(logits, alphas, y_out, ds_lambda: float, entropy_lambda: float) -> torch.Tensor:
    """Cross-entropy of the next word + the doubly stochastic regulariser (+ the entropy penalty)."""
    loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y_out.reshape(-1), ignore_index=0)
    real = (y_out != 0).float()  # (B, T): only the words actually written
    if ds_lambda:
        coverage = (alphas * real[:, :, None]).sum(1)  # (B, P): total attention each region received
        loss = loss + ds_lambda * ((1.0 - coverage) ** 2).mean()
    if entropy_lambda:
        entropy = -(alphas * torch.log(alphas.clamp_min(1e-12))).sum(-1)  # (B, T) in nats
        loss = loss + entropy_lambda * (entropy * real).sum() / real.sum()
    return loss


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


def _written(model: Captioner, states_or_images, beam_width: int) -> list[str]:
    """The best caption of each row of a start state."""
    return [" ".join(model.vocab.decode(h[0].tokens)) for h in model.decode(states_or_images, beam_width)]


@torch.no_grad()
def evaluate_photos(
    model: Captioner, items: Sequence[CaptionedImage], beam_width: int = 3, batch_size: int = 16
) -> dict:
    """BLEU-1..4 and CIDEr-D of the best caption (beam search) of each photo against its human captions;
    how many distinct captions were written; and every caption written (file -> caption)."""
    written: list[str] = []
    for i in range(0, len(items), batch_size):
        chunk = items[i : i + batch_size]
        images = torch.stack([prepare_image(Image.open(it.path), model.cfg.image_size)[1] for it in chunk])
        written += _written(model, model.encode(images.to(model.device)), beam_width)
    return _photo_scores(items, written, beam_width)


def _photo_scores(items: Sequence[CaptionedImage], written: list[str], beam_width: int) -> dict:
    scores = caption_scores(written, [[" ".join(c) for c in it.captions] for it in items])
    return {
        "n_images": len(items),
        **scores,
        "distinct_captions": len(set(written)),
        "beam_width": beam_width,
        "generated": {it.file: w for it, w in zip(items, written, strict=True)},
    }


def evaluate_deletion(
    model: Captioner, items: Sequence[CaptionedImage], area: float = 0.1, draws: int = 10, seed: int = 0
) -> dict:
    """The deletion metric over photos: for each content word of each photo's caption (beam 3), does blanking
    the area it attended to most hurt the word more than blanking random areas of the same shape?"""
    p_full, p_att, p_rnd, words = [], [], [], []
    for k, item in enumerate(items):
        for d in model.deletion(Image.open(item.path), area=area, draws=draws, seed=seed + k):
            p_full.append(d.p_full)
            p_att.append(d.p_attended)
            p_rnd.append(d.p_random.tolist())
            words.append(d.word)
        if (k + 1) % 50 == 0:
            print(f"deletion: {k + 1}/{len(items)} photos, {len(words)} words", file=sys.stderr)
    summary = deletion_summary(p_full, p_att, p_rnd)
    drops = np.asarray(p_full) - np.asarray(p_att) > np.asarray(p_full) - np.asarray([np.mean(r) for r in p_rnd])
    by_word = {}
    for word, n in Counter(words).most_common(15):
        hits = [bool(h) for w, h in zip(words, drops, strict=True) if w == word]
        by_word[word] = {"n": n, "attended_hurts_more": round(float(np.mean(hits)), 3)}
    return {"n_images": len(items), "area": area, "draws": draws, **summary, "by_word": by_word}


def add_evaluate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--generated", type=int, metavar="N", help="shapes: N freshly generated scenes")
    parser.add_argument("--seed", type=int, default=7, help="seed of the generated scenes")
    parser.add_argument("--karpathy", type=Path, help="photos: a Karpathy split JSON (with --images)")
    parser.add_argument("--captions", type=Path, help="photos: a file<TAB>caption TSV with a header (5 lines a photo)")
    parser.add_argument("--images", type=Path, help="the photos' folder (default for --captions: images/ beside it)")
    parser.add_argument("--split", choices=["test", "val", "train"], help="only this split (Karpathy: default test)")
    parser.add_argument("--beam", type=int, default=3, help="--captions: beam width")
    parser.add_argument("--deletion", action="store_true", help="--captions: the deletion metric of the attention")
    parser.add_argument("--deletion-n", type=int, default=0, help="--deletion: only the first N photos (0: all)")
    parser.add_argument("--draws", type=int, default=10, help="--deletion: random areas per word")


def evaluate(checkpoint: registry.Checkpoint, args: argparse.Namespace) -> dict:
    """``python -m models.evaluate`` for a captioner: shapes scenes, photos with captions, or a Karpathy split."""
    if args.captions:
        items = read_captions(args.captions, args.images)
        items = [i for i in items if args.split is None or i.split == args.split]
        if args.deletion:
            return evaluate_deletion(checkpoint.model, items[: args.deletion_n or None], draws=args.draws)
        return evaluate_photos(checkpoint.model, items, beam_width=args.beam)
    if args.karpathy:
        from models.data.karpathy import read_karpathy

        if not args.images:
            raise SystemExit("--karpathy needs --images DIR")
        items = [i for i in read_karpathy(args.karpathy, args.images) if i.split == (args.split or "test")]
        return evaluate_karpathy(checkpoint.model, items)
    if not args.generated:
        raise SystemExit(
            "give --generated N (shapes scenes), --captions FILE (photos) or --karpathy FILE --images DIR (photos)"
        )
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
    if args.image_size is None:
        args.image_size = 224 if args.data == "rsicd" else IMAGE_SIZE
    if args.data == "rsicd":
        return train_aerial(args)
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
    parser.add_argument(
        "--data", default="shapes", choices=["shapes", "rsicd"], help="the shapes world or aerial photos"
    )
    parser.add_argument("--rsicd", default=None, help="rsicd: the RSICD folder (captions.tsv, images/)")
    parser.add_argument("--ucm", default=None, help="rsicd: also train on UCM-captions (folder), report its test split")
    parser.add_argument("--feature-layer", default="stride16", choices=["stride16", "head", "bottleneck16"])
    parser.add_argument("--features", default=None, help="rsicd: feature cache folder (default runs/NAME/features)")
    parser.add_argument("--extract-only", action="store_true", help="rsicd: compute the feature cache, then stop")
    parser.add_argument("--captions-per-photo", type=int, default=5, help="rsicd: captions taught per photo per step")
    parser.add_argument("--aerial-components", type=int, default=128, help="rsicd: principal directions of the rule")
    parser.add_argument("--max-len", type=int, default=24, help="longest caption written, <eos> included")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    parser.add_argument("--karpathy", default=None, help="a Karpathy split JSON (dataset_flickr8k.json, ...)")
    parser.add_argument("--images", default=None, help="the folder of the split's images")
    parser.add_argument("--min-count", type=int, default=5, help="photos: keep words seen this often")
    parser.add_argument("--encoder", default="slim", choices=["slim", "resnet18", "resnet34", "resnet50"])  # shapes
    parser.add_argument("--pretrained", action="store_true", help="ImageNet weights from the torch hub cache")
    parser.add_argument("--image-size", type=int, default=None, help=f"default {IMAGE_SIZE} (shapes), 224 (rsicd)")
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


# --------------------------------------------------------------------------- aerial photos: RSICD (+ UCM-captions)


def _aerial_items(args: argparse.Namespace) -> tuple[list[CaptionedImage], list[CaptionedImage]]:
    """(RSICD's photos: train + val, UCM-captions' photos: train + val + test, or none without --ucm)."""
    if not args.rsicd:
        raise SystemExit("--data rsicd needs --rsicd DIR (the folder with captions.tsv and images/)")
    rsicd = read_captions(Path(args.rsicd) / "captions.tsv")
    return rsicd, read_captions(Path(args.ucm) / "captions.tsv") if args.ucm else []


def _aerial_config(args: argparse.Namespace, vocab: Vocab) -> CaptionerConfig:
    return CaptionerConfig(
        vocab=vocab.tokens,
        encoder="efficientnet_lite0",
        feature_layer=args.feature_layer,
        aerial_components=args.aerial_components,
        image_size=args.image_size,
        grid=args.image_size // FEATURES[args.feature_layer][1],  # the encoder's stride decides the grid
        embed_dim=args.embed,
        hidden_dim=args.hidden,
        attention_dim=args.attention_dim,
        dropout=args.dropout,
        max_len=args.max_len,
        deep_output=args.deep_output,
    )


@torch.no_grad()
def aerial_reference(model: Captioner, features: np.ndarray, items: Sequence[CaptionedImage], seed: int) -> dict:
    """Fill the model's "does this look aerial?" rule from the training photos' pooled features (their mean,
    deviation and principal directions) and set its threshold where 99 % of the held-out photos stay within;
    then try it on synthetic non-aerial images. Returns what it measured, for the card."""
    chunks = [features[i : i + 256].astype(np.float32).mean((2, 3)) for i in range(0, len(items), 256)]
    pooled = torch.from_numpy(np.concatenate(chunks))  # (N, C) each photo's mean feature vector
    train = torch.tensor([it.split == "train" for it in items])
    mean, std = pooled[train].mean(0), pooled[train].std(0) + 1e-3
    basis = torch.linalg.svd((pooled[train] - mean) / std, full_matrices=False).Vh[: model.cfg.aerial_components]
    device = model.device
    model.set_aerial_reference(mean.to(device), std.to(device), basis.to(device), threshold=0.0)
    held_out = model.aerial_distance(pooled[~train, :, None, None].to(device)).cpu()  # (N_held,)
    threshold = float(torch.quantile(held_out, 0.99))
    model.aerial_threshold.fill_(threshold)
    negatives = synthetic_non_aerial(120, model.cfg.image_size, seed=seed)
    images = torch.stack([prepare_image(img, model.cfg.image_size)[1] for _, img in negatives]).to(device)
    grids = [model.feature_grid(images[i : i + 8]) for i in range(0, len(images), 8)]
    distances = torch.cat([model.aerial_distance(g) for g in grids]).cpu()
    accepted = {kind: 0 for kind, _ in negatives}
    for (kind, _), d in zip(negatives, distances.tolist(), strict=True):
        accepted[kind] += d <= threshold
    per_kind = len(negatives) // len(accepted)
    return {
        "rule": f"the RMS of the standardised, grid-averaged features outside the training photos' "
        f"{model.cfg.aerial_components} principal directions (PCA reconstruction error) <= threshold",
        "threshold": round(threshold, 4),
        "threshold_from": f"the 99th percentile of {len(held_out)} held-out aerial photos (RSICD val, UCM val+test)",
        "held_out_aerial_accepted": round(float((held_out <= threshold).float().mean()), 4),
        "held_out_distance_median": round(float(held_out.median()), 4),
        "synthetic_non_aerial_accepted": {k: f"{v}/{per_kind}" for k, v in accepted.items()},
        "synthetic_distance_min": round(float(distances.min()), 4),
    }


def _validate_features(model: Captioner, features: np.ndarray, items: Sequence[CaptionedImage], rows: list[int]):
    """Greedy captions of some held-out photos from their cached features: BLEU-4 and CIDEr-D."""
    written = []
    for i in range(0, len(rows), 64):
        grid = torch.from_numpy(features[rows[i : i + 64]].astype(np.float32)).to(model.device)
        written += _written(model, model.start(grid), beam_width=1)
    scores = caption_scores(written, [[" ".join(c) for c in items[k].captions] for k in rows])
    return {"bleu4": scores["bleu4"], "cider": scores["cider"], "distinct": len(set(written)) / len(written)}


def train_aerial(args: argparse.Namespace) -> dict:
    """RSICD (+ UCM-captions) on the frozen EfficientNet-Lite0: extract the features once, train the decoder,
    measure on RSICD val and UCM test with beam search, fit the aerial-ness rule; returns the card.

    ``--budget`` covers the whole run: feature extraction (over every session), training, the final measurement.
    """
    if args.threads:
        torch.set_num_threads(args.threads)
    seed_everything(args.seed)
    device = registry.resolve_device(args.device)
    start = time.perf_counter()
    rsicd, ucm = _aerial_items(args)
    items = rsicd + ucm  # RSICD first: its rows in ``features`` are its own indices
    vocab = Vocab(build_vocabulary(items, min_count=args.min_count))
    model = Captioner(_aerial_config(args, vocab)).to(device)
    times = {"setup": round(time.perf_counter() - start, 1)}  # reading the captions, building the model
    features, extraction = extract_features(model, items, Path(args.features or RUNS_DIR / args.name / "features"))
    if args.extract_only:
        return {"feature_extraction": extraction}
    times["feature_extraction"] = extraction["seconds"]  # over every session
    trained = sum(p.numel() for p in model.parameters() if p.requires_grad)
    print(f"{len(items)} photos, {len(vocab)} words, {trained:,} trained parameters", file=sys.stderr)
    finals = {"rsicd_val": [i for i in rsicd if i.split == "val"], "ucm_test": [i for i in ucm if i.split == "test"]}
    per_photo = extraction["seconds"] / max(extraction["photos"], 1)
    reserve = 1.3 * per_photo * sum(len(v) for v in finals.values()) + 60  # the final measurement and the rule
    result = _fit_decoder(args, model, features, items, budget_s=args.budget - sum(times.values()) - reserve)
    times["training"] = result.seconds
    measured = time.perf_counter()
    rule = aerial_reference(model, features, items, args.seed)
    metrics = {name: evaluate_photos(model, chosen) for name, chosen in finals.items() if chosen}
    times["final_measurement"] = round(time.perf_counter() - measured, 1)
    card = _aerial_card(args, model, result, times, device, items, metrics, rule)
    shown = {name: {k: m[k] for k in ("bleu4", "cider", "distinct_captions")} for name, m in metrics.items()}
    wall = card["training"]["wall_time_s"]
    print(f"{args.name}: {result.steps} steps, {wall:.0f} s in all ({result.stopped}); {shown}", file=sys.stderr)
    if not args.no_save:
        print(f"saved {registry.save_checkpoint(model, card, args.out, args.name)}", file=sys.stderr)
    return card


def _fit_decoder(args, model: Captioner, features: np.ndarray, items: list[CaptionedImage], budget_s: float):
    """The one training loop on the cached features; validated on the first ``--val`` RSICD val photos (greedy)."""
    data = AerialBatches(features, items, model.vocab, args.seed, model.device, args.captions_per_photo)
    val_rows = [k for k, it in enumerate(items) if it.split == "val"][: args.val]
    return fit(
        model,
        torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=args.lr),
        lambda step: data.batch(step, args.batch),
        feature_caption_loss(args.ds_lambda, args.entropy_lambda),
        lambda: _validate_features(model, features, items, val_rows),
        budget_s=budget_s,
        max_steps=args.max_steps,
        eval_every_s=args.eval_every,
        warmup_steps=100,
        resume_dir=resume_folder(args),
        resume=args.resume,
        progress=not args.quiet,
        keep_best="cider",
    )


def _aerial_card(args, model: Captioner, result, times: dict, device, items, metrics: dict, rule: dict) -> dict:
    """The card: config, encoder (package + sha256), data, how it was trained (``times``: seconds per part, every
    session counted), the final numbers, the aerial rule."""
    from models.encoders import LITE0_FILE, LITE0_PACKAGE, LITE0_SHA256

    n_train = sum(it.split == "train" for it in items)
    data_note = f"{n_train} training photos × 5 captions: RSICD train" + (" + UCM-captions train" if args.ucm else "")
    card = training_card(
        args,
        result,
        sum(times.values()),
        device,
        data_note,
        kind="captioner",
        task="caption-aerial",
        title="Aerial photo captioner",
        config=config_dict(model.cfg),
    )
    card["encoder"] = {
        "name": "EfficientNet-Lite0, ImageNet weights, frozen",
        "package": LITE0_PACKAGE,
        "file": LITE0_FILE,
        "sha256": LITE0_SHA256,
        "layer": model.cfg.feature_layer,
        "input": f"{model.cfg.image_size} px, pixels scaled to [-1, 1] as (255 x - 127) / 128",
    }
    card["training"] |= {
        "wall_time_parts_s": times,
        "doubly_stochastic_lambda": args.ds_lambda,
        "attention_entropy_lambda": args.entropy_lambda,
    }
    rsicd_dir, ucm_dir = Path(args.rsicd), Path(args.ucm) if args.ucm else None
    commands = {
        "rsicd_val": f"python -m models.evaluate --model {args.name} --captions {rsicd_dir / 'captions.tsv'} "
        f"--images {rsicd_dir / 'images'} --split val",
        "ucm_test": f"python -m models.evaluate --model {args.name} --captions {ucm_dir / 'captions.tsv'} "
        f"--images {ucm_dir / 'images'} --split test"
        if ucm_dir
        else "",
    }
    card["metrics"] = {
        name: {"evaluated_with": commands[name], **{k: v for k, v in m.items() if k != "generated"}}
        for name, m in metrics.items()
    }
    card["aerial_check"] = rule
    card["gallery"] = "samples/aerial"  # the photos the app offers for this model (public domain, in assets/)
    return card
