"""What the captioning pipelines share: the Show-Attend-Tell objective, and the frozen-encoder recipe of the
photo captioners (aerial photos, everyday photos): features computed once, a decoder trained on them, scores
with beam search, the deletion test, and the "does this look like my training photos?" rule.

    extract_features     the frozen encoder's grid of every photo, cached in runs/NAME/features/ (float16;
                         an interrupted extraction continues where it stopped)
    FeatureBatches       training steps from the cache: each step draws photos and teaches several of their
                         captions at once (the image side is computed once per photo)
    train_on_features    the whole run of a photo captioner: extract, train the decoder, fit the familiarity
                         rule, measure, card, save — models/tasks/captions_aerial.py and captions_photos.py call it

Loss = cross-entropy of the next word (teacher forcing) + λ Σ_p (1 − Σ_t α_{t,p})², the doubly stochastic
regulariser of Show, Attend and Tell (λ = ``--ds-lambda``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch.nn import functional as F

from models.captioner import Captioner, CaptionerConfig, config_dict, prepare_image
from models.data.rsicd import CaptionedImage, build_vocabulary, read_captions, synthetic_non_aerial
from models.distributed import Distributed, weights_digest
from models.encoders import FEATURES
from models.metrics import caption_scores, deletion_summary
from models.training import RUNS_DIR, FitResult, RunConfig, finish, step_generator
from models.vocab import Vocab

__all__ = [
    "FAMILIARITY_KEY",
    "FeatureBatches",
    "caption_loss",
    "evaluate_deletion",
    "evaluate_photos",
    "extract_features",
    "familiarity_reference",
    "feature_caption_loss",
    "read_photos",
    "train_on_features",
]

FAMILIARITY_KEY = "aerial_check"  # the card key of a captioner's "does this look like my training photos?" rule


# --------------------------------------------------------------------------- the objective


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
    """``caption_loss`` on precomputed feature grids (``FeatureBatches``): every caption of a photo in one step."""

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


# --------------------------------------------------------------------------- photos with captions


def read_photos(path: str | Path, images: str | Path | None = None, split: str | None = None) -> list[CaptionedImage]:
    """The photos of a captions file: a Karpathy split JSON (``.json``) or a ``file<TAB>[split<TAB>]caption``
    TSV; ``images`` defaults to ``images/`` beside the file; only ``split`` when given."""
    if Path(path).suffix.lower() == ".json":
        from models.data.karpathy import read_karpathy

        return read_karpathy(path, images, split=split)
    return read_captions(path, images, split=split)


def _photo_key(items: Sequence[CaptionedImage], model: Captioner) -> str:
    """A cache name that changes with the photos, the encoder layer and the image size."""
    digest = hashlib.sha256("\n".join(str(i.path) for i in items).encode()).hexdigest()[:10]
    cfg = model.cfg
    return f"{cfg.encoder}-{cfg.feature_layer}-{cfg.image_size}px-{len(items)}-{digest}"


@torch.no_grad()
def extract_features(
    model: Captioner,
    items: Sequence[CaptionedImage],
    folder: Path,
    batch_size: int = 4,
    progress: bool = True,
    distributed: Distributed | None = None,
) -> tuple[np.ndarray, dict]:
    """The frozen encoder's feature grid of every photo: ((N, C, h, w) float16 array, {"seconds", "photos"}).

    Kept in ``folder`` as <key>.npy (memory-mapped) + <key>.json (how many are done, seconds spent, over every
    session), written every 30 s: a second call continues where the first stopped and returns at once when done.
    Under torchrun each rank encodes its own contiguous share into the one file (its progress in
    <key>.part<r>of<N>.json); the seconds are then the slowest rank's.
    """
    folder.mkdir(parents=True, exist_ok=True)
    key = _photo_key(items, model)
    path, meta_path = folder / f"{key}.npy", folder / f"{key}.json"
    whole = json.loads(meta_path.read_text()) if meta_path.is_file() and path.is_file() else None
    if whole is not None and whole["done"] == len(items):
        return np.load(path, mmap_mode="r"), {"seconds": round(whole["seconds"], 1), "photos": len(items)}
    shape = (len(items), model.feature_dim, model.cfg.grid, model.cfg.grid)
    fresh = not path.is_file()  # then any progress file left beside it is stale
    if (distributed is None or distributed.main) and fresh:
        np.lib.format.open_memmap(path, mode="w+", dtype=np.float16, shape=shape).flush()
    if distributed is not None:
        distributed.barrier()  # the file exists before any rank writes into it
        rows = distributed.share(len(items))
        meta_path = folder / f"{key}.part{distributed.rank}of{distributed.world}.json"
    else:
        rows = range(len(items))
    meta = json.loads(meta_path.read_text()) if meta_path.is_file() and not fresh else {"done": 0, "seconds": 0.0}
    features = np.load(path, mmap_mode="r+")
    _encode_rows(model, items, features, rows, meta, meta_path, batch_size, progress)
    seconds = meta["seconds"]
    if distributed is not None:
        seconds = max(distributed.gather(seconds))  # the ranks ran side by side: the slowest one's time
        if distributed.main:
            meta_path = folder / f"{key}.json"
            meta_path.write_text(json.dumps({"done": len(items), "seconds": seconds, "shape": list(shape)}))
        distributed.barrier()
    else:
        meta_path.write_text(json.dumps({**meta, "shape": list(shape)}))
    return np.load(path, mmap_mode="r"), {"seconds": round(seconds, 1), "photos": len(items)}


def _encode_rows(model, items, features, rows: range, meta: dict, meta_path: Path, batch_size: int, progress: bool):
    """Encode the photos ``rows`` of ``items`` into ``features``, from ``meta["done"]`` (counted from rows.start)
    on; ``meta`` (done, seconds) is written to ``meta_path`` every 30 s and at the end."""
    began, done_before = time.perf_counter() - meta["seconds"], meta["done"]  # the clock goes on from before
    session_start = last_save = last_print = time.perf_counter()
    model.eval()
    total = len(rows)
    for k in range(meta["done"], total, batch_size):
        i = rows.start + k
        chunk = items[i : min(i + batch_size, rows.stop)]
        batch = torch.stack([prepare_image(Image.open(it.path), model.cfg.image_size)[1] for it in chunk])
        features[i : i + len(chunk)] = model.feature_grid(batch.to(model.device)).cpu().numpy().astype(np.float16)
        meta["done"], meta["seconds"] = k + len(chunk), time.perf_counter() - began
        now = time.perf_counter()
        if now - last_save >= 30 or meta["done"] == total:
            features.flush()
            meta_path.write_text(json.dumps(meta))
            last_save = now
        if progress and (now - last_print >= 10 or meta["done"] == total):
            rate = (meta["done"] - done_before) / max(now - session_start, 1e-9)
            left = (total - meta["done"]) / max(rate, 1e-9)
            print(f"features {meta['done']}/{total} photos, {rate:.1f}/s, {left / 60:.1f} min left", file=sys.stderr)
            last_print = now
    features.flush()


class FeatureBatches:
    """Training steps from precomputed feature grids: ``size`` photos per step, each with ``per_photo`` of its
    captions (all five by default)."""

    def __init__(
        self,
        features: np.ndarray,
        items: Sequence[CaptionedImage],
        vocab: Vocab,
        seed: int,
        device,
        per_photo: int = 5,
        distributed: Distributed | None = None,
    ) -> None:
        self.features, self.vocab, self.seed, self.device, self.per_photo = features, vocab, seed, device, per_photo
        self.distributed = distributed  # under torchrun: each rank teaches its share of the step's photos
        self.train = [k for k, it in enumerate(items) if it.split == "train"]  # rows of ``features``
        self.captions = {k: items[k].captions for k in self.train}

    def batch(self, step: int, size: int):
        """(grid (B, C, h, w), rows (N,), y_in (N, T), y_out (N, T)); the same step always gives the same batch."""
        g = step_generator(self.seed, step)
        pick = torch.randint(len(self.train), (size,), generator=g).tolist()
        photos = sorted(self.train[p] for p in pick)  # sorted: the memory-mapped file is read in order
        grid = torch.from_numpy(self.features[photos].astype(np.float32))  # (B, C, h, w)
        chosen = [torch.randperm(len(self.captions[k]), generator=g)[: self.per_photo].tolist() for k in photos]
        if self.distributed is not None:  # the same global batch on every rank, then this rank's part of it
            photos, chosen = self.distributed.part(photos), self.distributed.part(chosen)
        captions = [(b, list(self.captions[k][c])) for b, k in enumerate(photos) for c in sorted(chosen[b])]
        rows = torch.tensor([b for b, _ in captions])  # (N,) which photo each caption describes
        y_out = self.vocab.batch([c for _, c in captions], eos=True)  # (N, T)
        y_in = torch.cat([torch.ones_like(y_out[:, :1]), y_out[:, :-1]], dim=1)  # <sos> + caption
        return grid.to(self.device), rows.to(self.device), y_in.to(self.device), y_out.to(self.device)


# --------------------------------------------------------------------------- measuring a photo captioner


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


def _validate_features(model: Captioner, features: np.ndarray, items: Sequence[CaptionedImage], rows: list[int]):
    """Greedy captions of some held-out photos from their cached features: BLEU-4 and CIDEr-D."""
    if not rows:
        return {"bleu4": 0.0, "cider": 0.0, "distinct": 0.0}
    written = []
    for i in range(0, len(rows), 64):
        grid = torch.from_numpy(features[rows[i : i + 64]].astype(np.float32)).to(model.device)
        written += _written(model, model.start(grid), beam_width=1)
    scores = caption_scores(written, [[" ".join(c) for c in items[k].captions] for k in rows])
    return {"bleu4": scores["bleu4"], "cider": scores["cider"], "distinct": len(set(written)) / len(written)}


@torch.no_grad()
def familiarity_reference(
    model: Captioner, features: np.ndarray, train: Sequence[bool], seed: int, held_out: str
) -> dict:
    """Fill the model's "does this look like my training photos?" rule from the training pictures' pooled features
    (their mean, deviation and principal directions; ``train`` marks them among ``features``' rows) and set its
    threshold where 99 % of the other, held-out pictures (``held_out`` says which) stay within; then try it on
    synthetic images that are no photos. Returns what it measured, for the card."""
    chunks = [features[i : i + 256].astype(np.float32).mean((2, 3)) for i in range(0, len(train), 256)]
    pooled = torch.from_numpy(np.concatenate(chunks))  # (N, C) each picture's mean feature vector
    train = torch.tensor(list(train))
    mean, std = pooled[train].mean(0), pooled[train].std(0) + 1e-3
    basis = torch.linalg.svd((pooled[train] - mean) / std, full_matrices=False).Vh[: model.cfg.aerial_components]
    device = model.device
    model.set_aerial_reference(mean.to(device), std.to(device), basis.to(device), threshold=0.0)
    distances_held_out = model.aerial_distance(pooled[~train, :, None, None].to(device)).cpu()  # (N_held,)
    threshold = float(torch.quantile(distances_held_out, 0.99))
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
        "rule": f"the RMS of the standardised, grid-averaged features outside the training pictures' "
        f"{model.cfg.aerial_components} principal directions (PCA reconstruction error) <= threshold",
        "threshold": round(threshold, 4),
        "threshold_from": f"the 99th percentile of {len(distances_held_out)} held-out pictures ({held_out})",
        "held_out_aerial_accepted": round(float((distances_held_out <= threshold).float().mean()), 4),
        "held_out_distance_median": round(float(distances_held_out.median()), 4),
        "synthetic_non_aerial_accepted": {k: f"{v}/{per_kind}" for k, v in accepted.items()},
        "synthetic_distance_min": round(float(distances.min()), 4),
    }


# --------------------------------------------------------------------------- training a photo captioner


def feature_config(args: argparse.Namespace, vocab: Vocab) -> CaptionerConfig:
    """The captioner of a frozen-encoder pipeline: EfficientNet-``--encoder`` at ``--feature-layer``, the decoder's
    sizes."""
    return CaptionerConfig(
        vocab=vocab.tokens,
        encoder=f"efficientnet_{args.encoder}",
        feature_layer=args.feature_layer,
        aerial_components=args.aerial_components,
        image_size=args.image_size,
        grid=args.image_size // FEATURES[args.feature_layer][1],  # the encoder's stride decides the grid
        embed_dim=args.embed,
        hidden_dim=args.hidden,
        attention_dim=args.attention_dim,
        dropout=args.dropout,
        input_dropout=args.input_dropout,
        max_len=args.max_len,
        deep_output=args.deep_output or args.output_projection,
        output_projection=args.output_projection,
    )


def _fit_decoder(run: RunConfig, args, model: Captioner, features, items, val_rows: list[int], budget_s: float):
    """The one training loop on the cached features; validated on ``val_rows`` (greedy), the best CIDEr kept."""
    data = FeatureBatches(
        features, items, model.vocab, run.seed, model.device, args.captions_per_photo, run.distributed
    )
    return run.fit(
        model,
        torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=run.lr),
        lambda step: data.batch(step, run.batch),
        feature_caption_loss(args.ds_lambda, args.entropy_lambda),
        lambda: _validate_features(model, features, items, val_rows),
        budget_s=budget_s,
        warmup_steps=100,
        keep_best="cider",
    )


def _measure(model: Captioner, features, items, finals: dict, seed: int, held_out: str) -> tuple[dict, dict]:
    """The familiarity rule fitted, and each of ``finals`` measured with beam search: (rule, metrics)."""
    rule = familiarity_reference(model, features, [it.split == "train" for it in items], seed, held_out)
    return rule, {name: evaluate_photos(model, chosen) for name, (chosen, _) in finals.items() if chosen}


def _ranks_card(run: RunConfig, model: Captioner) -> dict:
    """Under torchrun: the job's size and every rank's weights digest (equal when DDP kept them in step)."""
    if run.distributed is None:
        return {}
    digests = run.distributed.gather(weights_digest(model))
    return {
        "world_size": run.distributed.world,
        "backend": run.distributed.backend,
        "weights_digest_per_rank": digests,
        "ranks_agree": len(set(digests)) == 1,
    }


def _encoder_card(model: Captioner) -> dict:
    from models.captioner import LITE_ENCODERS
    from models.encoders import VARIANTS

    v = VARIANTS[LITE_ENCODERS[model.cfg.encoder]]
    return {
        "name": f"EfficientNet-{v.name.title()}, ImageNet weights ({v.top1} % top-1), frozen",
        "package": v.package,
        "file": v.file,
        "sha256": v.sha256,
        "layer": model.cfg.feature_layer,
        "input": f"{model.cfg.image_size} px, pixels scaled to [-1, 1] as (255 x - 127) / 128",
    }


def _held_out(finals, features: np.ndarray) -> tuple[dict, float]:
    """``finals`` as given, or computed from the feature cache (e.g. the held-out photos left after a
    near-duplicate check on the features), and the seconds that took."""
    began = time.perf_counter()
    chosen = finals(features) if callable(finals) else finals
    return chosen, round(time.perf_counter() - began, 1)


def train_on_features(
    args: argparse.Namespace,
    run: RunConfig,
    items: list[CaptionedImage],
    finals: dict[str, tuple[list[CaptionedImage], str]] | Callable[[np.ndarray], dict],
    *,
    val_rows: list[int],
    data: str,
    held_out: str,
    **head,
) -> dict:
    """A photo captioner on the frozen encoder (see the module docstring): features once, the decoder (greedy
    checks on ``val_rows``), the familiarity rule, ``finals`` (name -> (photos, evaluate command), or a function
    of the feature cache giving them) with beam search, card, checkpoint. ``--budget`` covers it all."""
    vocab = Vocab(build_vocabulary(items, min_count=args.min_count))
    model = Captioner(feature_config(args, vocab)).to(run.device)
    times = {"setup": round(run.elapsed(), 1)}  # reading the captions, building the model
    folder = Path(args.features or RUNS_DIR / run.name / "features")
    features, extraction = extract_features(model, items, folder, progress=run.progress, distributed=run.distributed)
    if args.extract_only:
        return {"feature_extraction": extraction}
    times["feature_extraction"] = extraction["seconds"]  # over every session
    finals, times["held_out_check"] = _held_out(finals, features)
    trained = sum(p.numel() for p in model.parameters() if p.requires_grad)
    print(f"{len(items)} photos, {len(vocab)} words, {trained:,} trained parameters", file=sys.stderr)
    reserve = 1.3 * extraction["seconds"] / max(extraction["photos"], 1) * sum(len(c) for c, _ in finals.values()) + 60
    budget = run.budget_s - sum(times.values()) - reserve
    result: FitResult = _fit_decoder(run, args, model, features, items, val_rows, budget)
    times["training"] = result.seconds
    ranks = _ranks_card(run, model)
    if not run.main:  # rank 0 alone measures, writes the card and saves
        return {"training": {"distributed": ranks}}
    measured = time.perf_counter()
    rule, metrics = _measure(model, features, items, finals, run.seed, held_out)
    times["final_measurement"] = round(time.perf_counter() - measured, 1)
    shown = {name: {k: m[k] for k in ("bleu4", "cider", "distinct_captions")} for name, m in metrics.items()}
    return finish(
        run,
        model,
        result,
        wall_s=sum(times.values()),
        data=data,
        metrics={
            name: {"evaluated_with": finals[name][1], **{k: v for k, v in m.items() if k != "generated"}}
            for name, m in metrics.items()
        },
        summary=str(shown),
        training={
            **({"distributed": ranks} if ranks else {}),
            "wall_time_parts_s": times,
            "doubly_stochastic_lambda": args.ds_lambda,
            "attention_entropy_lambda": args.entropy_lambda,
        },
        kind="captioner",
        config=config_dict(model.cfg),
        encoder=_encoder_card(model),
        **{FAMILIARITY_KEY: rule},
        **head,
    )
