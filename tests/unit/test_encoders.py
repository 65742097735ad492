"""EfficientNet-Lite0 written out in models/encoders.py: the same numbers as the reference implementation, weights
read only from the installed package and only when their sha256 matches, never saved inside a captioner."""

import importlib.util
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from models import registry
from models.captioner import Captioner, CaptionerConfig, build
from models.encoders import (
    FEATURES,
    LITE0_SHA256,
    EfficientNetLite0,
    Lite0Features,
    lite0_weights,
    lite0_weights_path,
    scale_pixels,
)
from models.vocab import Vocab

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
sys.path.insert(0, str(FIXTURES))
from make_lite0_reference import reference_inputs  # noqa: E402


@pytest.fixture(scope="module")
def weights():
    return lite0_weights()


@pytest.fixture(scope="module")
def net(weights):
    model = EfficientNetLite0().eval()
    model.load_state_dict(weights)
    return model


def test_our_lite0_gives_the_reference_logits(net):
    """The golden logits were computed once by the efficientnet-lite-pytorch package (make_lite0_reference.py)."""
    expected = np.load(FIXTURES / "lite0_reference_logits.npy")  # (2, 1000)
    with torch.no_grad():
        ours = net(scale_pixels(reference_inputs())).numpy()
    np.testing.assert_allclose(ours, expected, atol=1e-4, rtol=1e-4)
    assert (ours.argmax(1) == expected.argmax(1)).all()


@pytest.mark.skipif(importlib.util.find_spec("efficientnet_lite_pytorch") is None, reason="reference not installed")
def test_our_lite0_equals_the_reference_package_at_448_px(net):
    from efficientnet_lite_pytorch import EfficientNet

    reference = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=str(lite0_weights_path())).eval()
    x = scale_pixels(torch.rand(1, 3, 448, 448, generator=torch.Generator().manual_seed(3)))
    with torch.no_grad():
        torch.testing.assert_close(net(x), reference(x), atol=1e-4, rtol=1e-4)
        torch.testing.assert_close(net.features(x), reference.extract_features(x), atol=1e-4, rtol=1e-4)


def test_every_tensor_of_the_package_finds_its_place(weights):
    assert set(weights) == set(EfficientNetLite0().state_dict())


@pytest.mark.parametrize(("layer", "size"), [("head", 448), ("stride16", 224), ("bottleneck16", 224)])
def test_feature_layers_make_a_grid_of_14_by_14(weights, layer, size):
    encoder = Lite0Features(layer, weights=weights)
    with torch.no_grad():
        grid = encoder(torch.rand(1, 3, size, size))
    assert grid.shape == (1, FEATURES[layer][0], 14, 14)


def test_a_tampered_weight_file_is_refused(tmp_path):
    tampered = tmp_path / "efficientnet-lite0.pth"
    shutil.copy(lite0_weights_path(), tampered)
    data = bytearray(tampered.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte somewhere in the tensors
    tampered.write_bytes(bytes(data))
    with pytest.raises(registry.CheckpointError, match="sha256"):
        lite0_weights(tampered)


def test_the_encoder_stays_frozen_in_eval_mode(weights):
    encoder = Lite0Features("stride16", weights=weights).train()
    assert not encoder.net.training
    assert not any(p.requires_grad for p in encoder.parameters())


def _tiny_aerial_config(**overrides) -> CaptionerConfig:
    settings = {
        "encoder": "efficientnet_lite0",
        "feature_layer": "stride16",
        "image_size": 64,
        "grid": 4,
        "embed_dim": 8,
        "hidden_dim": 16,
        "attention_dim": 8,
        "max_len": 5,
        "aerial_components": 4,
        **overrides,
    }
    return CaptionerConfig(vocab=Vocab(["a", "river", "green"]).tokens, **settings)


def test_a_captioner_saves_without_the_package_weights_and_loads_them_back(tmp_path):
    torch.manual_seed(0)
    model = Captioner(_tiny_aerial_config()).eval()
    assert not any(k.startswith("encoder.") for k in model.state_dict())
    card = {
        "kind": "captioner",
        "task": "caption-aerial",
        "config": vars(model.cfg),
        "encoder": {"sha256": LITE0_SHA256},
    }
    registry.save_checkpoint(model, card, tmp_path, "tiny-aerial")
    loaded = registry.load_checkpoint(tmp_path / "tiny-aerial.json", device="cpu").model
    image = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(loaded.encode(image).h, model.encode(image).h)
    assert (tmp_path / "tiny-aerial.safetensors").stat().st_size < 1_000_000  # the decoder only, not 18 MB of encoder


def test_a_card_trained_on_other_encoder_weights_is_refused():
    card = {"name": "other", "config": vars(_tiny_aerial_config()), "encoder": {"sha256": "0" * 64}}
    with pytest.raises(registry.CheckpointError, match="encoder weights"):
        build(card)


def test_the_grid_must_match_the_encoder_stride():
    with pytest.raises(ValueError, match="stride 16"):
        Captioner(_tiny_aerial_config(grid=7))
