"""The registry: device choice, checkpoint round trip, and clear errors for bad files."""

import json

import pytest
import torch
from torch import nn

from models import registry
from models.registry import CheckpointError, DeviceError


class Tiny(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.layer = nn.Linear(3, width)

    def forward(self, x):
        return self.layer(x)


registry.register_kind("test-tiny", lambda card: Tiny(card["config"]["width"]))


@pytest.fixture
def saved(tmp_path):
    torch.manual_seed(0)
    model = Tiny(4)
    registry.save_checkpoint(model, {"kind": "test-tiny", "task": "test", "config": {"width": 4}}, tmp_path, "tiny")
    return model, tmp_path


def test_round_trip_restores_identical_outputs(saved):
    model, folder = saved
    loaded = registry.load_checkpoint("tiny", device="cpu", directory=folder)
    x = torch.randn(2, 3)
    assert torch.equal(loaded.model(x), model(x))
    assert loaded.card["weights"]["parameters"] == 16
    assert loaded.card["name"] == "tiny"
    assert not loaded.model.training


def test_load_by_path_of_either_file(saved):
    _, folder = saved
    for path in (folder / "tiny.json", folder / "tiny.safetensors", folder / "tiny"):
        assert registry.load_checkpoint(path, device="cpu").name == "tiny"


def test_missing_weights_raise_checkpoint_error(tmp_path):
    with pytest.raises(CheckpointError, match="No weights"):
        registry.load_checkpoint("nothing", device="cpu", directory=tmp_path)


def test_truncated_weights_raise_checkpoint_error(saved):
    _, folder = saved
    path = folder / "tiny.safetensors"
    path.write_bytes(path.read_bytes()[:-7])
    with pytest.raises(CheckpointError, match="truncated"):
        registry.load_checkpoint("tiny", device="cpu", directory=folder)


def test_corrupt_weights_of_the_same_size_fail_the_checksum(saved):
    _, folder = saved
    path = folder / "tiny.safetensors"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="corrupt"):
        registry.load_checkpoint("tiny", device="cpu", directory=folder)


def test_garbage_without_checksum_is_still_refused(saved):
    _, folder = saved
    (folder / "tiny.safetensors").write_bytes(b"not a safetensors file at all")
    card = json.loads((folder / "tiny.json").read_text())
    del card["weights"]
    (folder / "tiny.json").write_text(json.dumps(card))
    with pytest.raises(CheckpointError, match="not a readable safetensors"):
        registry.load_checkpoint("tiny", device="cpu", directory=folder)


def test_card_that_does_not_match_the_weights_is_refused(saved):
    _, folder = saved
    card = json.loads((folder / "tiny.json").read_text())
    card["config"]["width"] = 5
    (folder / "tiny.json").write_text(json.dumps(card))
    with pytest.raises(CheckpointError, match="do not fit"):
        registry.load_checkpoint("tiny", device="cpu", directory=folder)


def test_unreadable_card_and_unknown_kind_are_refused(saved):
    _, folder = saved
    card_path = folder / "tiny.json"
    card = json.loads(card_path.read_text())
    card_path.write_text("{not json")
    with pytest.raises(CheckpointError, match="not valid JSON"):
        registry.load_checkpoint("tiny", device="cpu", directory=folder)
    card_path.write_text(json.dumps({**card, "kind": "mystery"}))
    with pytest.raises(CheckpointError, match="Unknown model kind"):
        registry.load_checkpoint("tiny", device="cpu", directory=folder)


def test_catalog_lists_readable_cards_only(saved):
    _, folder = saved
    (folder / "broken.json").write_text("{")
    (folder / "broken.safetensors").write_bytes(b"x")
    (folder / "orphan.json").write_text(json.dumps({"kind": "test-tiny", "config": {}}))  # no weights
    names = [e.name for e in registry.catalog(folder)]
    assert names == ["tiny"]
    assert registry.catalog(folder, task="other") == []


def test_device_auto_and_override(monkeypatch):
    monkeypatch.delenv(registry.DEVICE_ENV, raising=False)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert registry.resolve_device().type == expected
    monkeypatch.setenv(registry.DEVICE_ENV, "cpu")
    assert registry.resolve_device() == torch.device("cpu")
    assert registry.device_label(torch.device("cpu")) == "CPU"


def test_device_override_that_cannot_be_met_is_a_clear_error(monkeypatch):
    monkeypatch.setenv(registry.DEVICE_ENV, "banana")
    with pytest.raises(DeviceError, match="banana"):
        registry.resolve_device()
    if not torch.cuda.is_available():
        monkeypatch.setenv(registry.DEVICE_ENV, "cuda")
        with pytest.raises(DeviceError, match="no CUDA"):
            registry.resolve_device()


def test_cuda_label_names_the_gpu():
    if not torch.cuda.is_available():
        pytest.skip("no GPU on this machine")
    assert registry.device_label(torch.device("cuda")).startswith("CUDA · ")
