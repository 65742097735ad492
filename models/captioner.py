"""Show, Attend and Tell (Xu et al. 2015): a CNN sees the image, an LSTM writes the caption, and at
every word the LSTM looks at a different part of the CNN's feature grid.

    image (B, 3, H, W) ──CNN──▶ feature grid (B, C, h, w) ──flatten, + position──▶ a_1..a_P   (P = h·w regions)

    for each word t:
        α_t, z_t = attention(h_{t-1}, a)            additive score, softmax over the P regions
        β_t      = σ(w_β · h_{t-1})                  the gate: how much the context matters for this word
        h_t, c_t = LSTM([E y_{t-1}; β_t z_t], (h_{t-1}, c_{t-1}))
        p(y_t)   = softmax(W_o h_t)          or, with deep_output, softmax(W_o [h_t; β_t z_t])

Training adds the doubly stochastic regulariser λ Σ_p (1 − Σ_t α_{t,p})²: over the whole caption,
every region should receive about one unit of attention, so that the model looks everywhere once.

Encoders: ``slim`` — a small ResNet built from torchvision's BasicBlock, random init, 16×16 regions
at 128 px (the shapes model); or a torchvision ``resnet18/34/50`` for photos (14×14 regions at 224 px),
with ImageNet weights only when asked (``pretrained=True``) and only from the local torch hub cache.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import Tensor, nn
from torchvision.models import resnet
from torchvision.transforms import functional as TF

from models import decoding
from models.attention import Attention
from models.decoding import DecoderState
from models.results import VisualAttention, distributions
from models.vocab import Vocab, next_token_log_probs

__all__ = ["Captioner", "CaptionerConfig", "PretrainedWeightsMissing", "build", "prepare_image"]

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class PretrainedWeightsMissing(RuntimeError):
    """The ImageNet weights of a torchvision ResNet are not in the local torch hub cache."""


@dataclass
class CaptionerConfig:
    """Hyper-parameters of one captioner; stored in its card and used to rebuild it."""

    vocab: list[str]  # caption tokens, ids in order (specials first)
    encoder: str = "slim"  # "slim" | "resnet18" | "resnet34" | "resnet50"
    image_size: int = 128  # images are resized (and centre-cropped) to this square
    grid: int = 16  # the feature grid is grid × grid regions
    widths: list[int] = field(default_factory=lambda: [32, 64, 128])  # slim encoder: channels per stage
    embed_dim: int = 64  # word embedding size
    hidden_dim: int = 256  # LSTM size
    attention_dim: int = 128  # hidden size of the additive score
    dropout: float = 0.2  # before the output layer
    gate: bool = True  # the β gate on the context
    max_len: int = 24  # longest caption written, <eos> included
    normalize: bool = False  # ImageNet mean/std normalisation (pretrained encoders)
    wide_view: bool = True  # slim encoder: a third residual stage, so each region sees farther (73 px vs 41 px)
    deep_output: bool = False  # predict each word from [h_t; β z_t], the paper's deep output, not from h_t alone


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


def _torch_hub_weights(name: str) -> Path | None:
    """The cached ImageNet weights of a torchvision ResNet, if the torch hub cache has them."""
    weights = {
        "resnet18": resnet.ResNet18_Weights,
        "resnet34": resnet.ResNet34_Weights,
        "resnet50": resnet.ResNet50_Weights,
    }[name].IMAGENET1K_V1
    path = Path(torch.hub.get_dir()) / "checkpoints" / Path(weights.url).name
    return path if path.is_file() else None


def resnet_encoder(name: str, pretrained: bool, grid: int) -> tuple[nn.Module, int]:
    """A torchvision ResNet without its pooling and classifier, pooled to grid × grid; never downloads."""
    net = getattr(resnet, name)(weights=None)
    if pretrained:
        path = _torch_hub_weights(name)
        if path is None:
            url = {
                "resnet18": resnet.ResNet18_Weights,
                "resnet34": resnet.ResNet34_Weights,
                "resnet50": resnet.ResNet50_Weights,
            }[name].IMAGENET1K_V1.url
            raise PretrainedWeightsMissing(
                f"The ImageNet weights for {name} are not in the torch hub cache ({torch.hub.get_dir()}/checkpoints). "
                f'On a machine with internet access run:  python -c "import torchvision; '
                f"torchvision.models.{name}(weights='IMAGENET1K_V1')\"  (or download {url} into that folder), "
                "then train again."
            )
        net.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    body = nn.Sequential(*list(net.children())[:-2], nn.AdaptiveAvgPool2d(grid))
    return body, net.fc.in_features


@dataclass(frozen=True)
class CaptionerState(DecoderState):
    """What the LSTM carries from one word to the next (batch axis first everywhere)."""

    features: Tensor  # (B, P, C) the annotation vectors a_1..a_P, position added
    keys: Tensor  # (B, P, A) W_k a, computed once per image
    h: Tensor  # (B, H) the LSTM's state
    c: Tensor  # (B, H) the LSTM's cell


class Captioner(nn.Module):
    """CNN encoder + LSTM decoder with soft attention over the feature grid, and its vocabulary."""

    def __init__(self, cfg: CaptionerConfig, pretrained: bool = False) -> None:
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
        else:
            self.encoder, C = resnet_encoder(cfg.encoder, pretrained, cfg.grid)
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
        self.out = nn.Linear(H + (C if cfg.deep_output else 0), V)

    @property
    def device(self) -> torch.device:
        return self.out.weight.device

    # ------------------------------------------------------------------ encoder

    def encode(self, images: Tensor) -> CaptionerState:
        """images (B, 3, S, S) in [0, 1] -> the decoder's start state (features (B, P, C), h, c, keys)."""
        if self.cfg.normalize:
            images = TF.normalize(images, IMAGENET_MEAN, IMAGENET_STD)
        grid = self.encoder(images)  # (B, C, h, w)
        B, C, h, w = grid.shape
        features = grid.flatten(2).transpose(1, 2) + self.position  # (B, P, C) with P = h·w, row by row
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
        context, alpha = self.attention(state.h[:, None], state.features, prepared=state.keys)
        context, alpha = context[:, 0], alpha[:, 0]  # (B, C), (B, P)
        beta = torch.sigmoid(self.f_beta(state.h)) if self.cfg.gate else torch.ones_like(state.h[:, :1])
        x = torch.cat([self.embed(y_prev), beta * context], dim=-1)  # (B, E + C)
        h, c = self.lstm(x, (state.h, state.c))
        features = torch.cat([h, beta * context], dim=-1) if self.cfg.deep_output else h  # (B, H [+ C])
        logits = self.out(self.dropout(features))  # (B, V)
        return logits, replace(state, h=h, c=c), alpha, beta[:, 0]

    def forward(self, images: Tensor, y_in: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Teacher forcing: images (B, 3, S, S), y_in (B, T) -> logits (B, T, V), α (B, T, P), β (B, T)."""
        state = self.encode(images)
        logits, alphas, betas = [], [], []
        for t in range(y_in.size(1)):
            step_logits, state, alpha, beta = self._step(state, y_in[:, t])
            logits.append(step_logits)
            alphas.append(alpha)
            betas.append(beta)
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
        self, images: list[Image.Image], beam_width: int = 1, length_penalty: float = 1.0
    ) -> list[list[VisualAttention]]:
        """For each image its ``beam_width`` best captions (best first), each with its attention maps."""
        if not images:
            return []
        prepared = [self.prepare(img) for img in images]
        batch = torch.stack([p[1] for p in prepared]).to(self.device)  # (B, 3, S, S)
        state = self.encode(batch)
        args = (self.step, state, len(images), self.vocab.bos_id, self.vocab.eos_id, self.cfg.max_len)
        if beam_width == 1:
            hyps = [[h] for h in decoding.greedy(*args)]
        else:
            hyps = decoding.beam_search(*args, width=beam_width, length_penalty=length_penalty)
        side = self.cfg.grid
        return [[self._result(seen, h, side) for h in hs] for (seen, _), hs in zip(prepared, hyps, strict=True)]

    def _result(self, seen: Image.Image, hyp: decoding.Hypothesis, side: int) -> VisualAttention:
        words = self.vocab.decode(hyp.tokens)
        maps = distributions(hyp.extras["weights"].reshape(len(words), side, side), axes=(1, 2))
        gates = hyp.extras["gate"].astype(np.float64) if self.cfg.gate else None
        return VisualAttention(words=words, weights=maps, image=seen, gates=gates, score=float(hyp.logprob))


def prepare_image(image: Image.Image, size: int) -> tuple[Image.Image, Tensor]:
    """RGB, resized so the short side is ``size``, centre-cropped to a square: (PIL image, tensor in [0, 1])."""
    image = image.convert("RGB")
    if image.size != (size, size):
        image = TF.center_crop(
            TF.resize(image, size, interpolation=TF.InterpolationMode.BICUBIC, antialias=True), [size, size]
        )
    return image, TF.to_tensor(image)


def build(card: dict) -> Captioner:
    """The registry's builder: rebuild a Captioner from its card (never downloads, never loads ImageNet)."""
    return Captioner(CaptionerConfig(**card["config"]), pretrained=False)


def config_dict(cfg: CaptionerConfig) -> dict:
    return asdict(cfg)
