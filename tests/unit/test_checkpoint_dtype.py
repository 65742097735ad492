"""Weights stored in half precision: half the bytes on disk, the model's own float32 after loading, the card's
checksum and size following the file, and a value float16 cannot hold refused rather than stored as infinity."""

import json

import pytest
import torch
from safetensors import safe_open
from torch import nn

from models import registry


class Small(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layer = nn.Linear(64, 32)
        self.norm = nn.BatchNorm1d(32)  # an integer buffer (num_batches_tracked) stays an integer

    def forward(self, x):
        return self.norm(self.layer(x))


registry.register_kind("test-small", lambda card: Small())


def stored_dtypes(path):
    with safe_open(str(path), "pt") as f:
        return {k: f.get_tensor(k).dtype for k in f.keys()}  # noqa: SIM118


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_precision_weights_load_as_float32_and_say_so_in_the_card(tmp_path, dtype):
    torch.manual_seed(0)
    model = Small().eval()
    card = {"kind": "test-small", "task": "test", "config": {}, "metrics": {"score": 1.0}}
    registry.save_checkpoint(model, card, tmp_path, "full")
    full_bytes = (tmp_path / "full.safetensors").stat().st_size
    assert json.loads((tmp_path / "full.json").read_text())["weights"]["dtype"] == "float32"

    registry.store_weights(tmp_path / "full.json", dtype)
    saved = json.loads((tmp_path / "full.json").read_text())
    weights = tmp_path / "full.safetensors"
    assert saved["weights"]["dtype"] == dtype and saved["weights"]["bytes"] == weights.stat().st_size
    assert saved["metrics"] == {"score": 1.0} and saved["weights"]["parameters"] == 64 * 32 + 32 + 2 * 32 + 2 * 32 + 1
    assert weights.stat().st_size < 0.6 * full_bytes
    kinds = stored_dtypes(weights)
    assert kinds["layer.weight"] == getattr(torch, dtype) and kinds["norm.num_batches_tracked"] == torch.int64

    loaded = registry.load_checkpoint(tmp_path / "full.json", device="cpu").model  # the checksum matches
    assert all(p.dtype == torch.float32 for p in loaded.parameters())
    x = torch.randn(8, 64)
    tolerance = 1e-2 if dtype == "float16" else 5e-2
    assert torch.allclose(loaded(x), model(x), atol=tolerance)
    assert torch.equal(loaded.layer.weight, model.layer.weight.to(getattr(torch, dtype)).float())


def test_a_value_float16_cannot_hold_is_refused(tmp_path):
    model = Small()
    with torch.no_grad():
        model.layer.weight[0, 0] = 1e6  # beyond float16's 65504
    with pytest.raises(ValueError, match="float16 cannot hold; keep float32"):
        registry.save_checkpoint(model, {"kind": "test-small", "config": {}}, tmp_path, "big", dtype="float16")
    registry.save_checkpoint(model, {"kind": "test-small", "config": {}}, tmp_path, "big", dtype="bfloat16")
    assert stored_dtypes(tmp_path / "big.safetensors")["layer.weight"] == torch.bfloat16
