"""Where models live on disk, which device they run on, and how they come back.

A checkpoint is two files side by side, never a pickle:

    <name>.safetensors   the weights, tensors only
    <name>.json          the card: kind, config, vocabulary, how it was trained, its metrics

Each model file (``models/seq2seq.py``, ``models/captioner.py``, ...) has a
``build(card) -> nn.Module`` that rebuilds the network from the card; the
registry then loads the weights into it. Loading a user's own checkpoint goes
through exactly the same path.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import platform
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file

from models.cards import ModelCard

__all__ = [
    "ASSETS_DIR",
    "Checkpoint",
    "CheckpointError",
    "DeviceError",
    "ModelEntry",
    "catalog",
    "device_label",
    "load_checkpoint",
    "model_card",
    "read_card",
    "register_kind",
    "resolve_device",
    "save_checkpoint",
    "store_weights",
]

ROOT = Path(__file__).resolve().parent.parent
ASSETS_DIR = ROOT / "assets" / "models"
FORMAT_VERSION = 1
DEVICE_ENV = "ATTENTION_LENS_DEVICE"
EXTRA_MODELS_ENV = "ATTENTION_LENS_MODELS"  # a folder of the user's own checkpoints

# kind -> "module:function" that turns a card into an nn.Module (imported lazily,
# so that listing models never imports every model file).
_KINDS: dict[str, str | Callable[[dict], torch.nn.Module]] = {
    "seq2seq": "models.seq2seq:build",
    "captioner": "models.captioner:build",
    "transformer": "models.transformer:build",
    "classifier": "models.classifier:build",
    "ntm": "models.ntm:build",
}


class CheckpointError(Exception):
    """A checkpoint that is missing, truncated, corrupt, or does not match its card."""


class DeviceError(ValueError):
    """A device was asked for that this machine does not have."""


# --------------------------------------------------------------------------- device


def resolve_device(name: str | None = None) -> torch.device:
    """The device to compute on: ``name``, else $ATTENTION_LENS_DEVICE, else cuda if present, else cpu."""
    wanted = (name or os.environ.get(DEVICE_ENV) or "auto").strip().lower()
    if wanted == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(wanted)
    except RuntimeError as err:
        raise DeviceError(f"'{wanted}' is not a device name; use cpu, cuda, cuda:1 or auto.") from err
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise DeviceError(f"{DEVICE_ENV}={wanted}, but this machine has no CUDA GPU that torch can use.")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise DeviceError(f"{wanted} asked for, but this machine has {torch.cuda.device_count()} GPU(s).")
    elif device.type == "mps":
        if not torch.backends.mps.is_available():
            raise DeviceError(f"{DEVICE_ENV}={wanted}, but Apple's MPS is not available here.")
    elif device.type != "cpu":
        raise DeviceError(f"'{wanted}' is not supported; use cpu, cuda, mps or auto.")
    return device


def device_label(device: torch.device) -> str:
    """A short name for people: 'CPU' or 'CUDA · NVIDIA H100'."""
    if device.type == "cuda":
        return f"CUDA · {torch.cuda.get_device_name(device)}"
    if device.type == "mps":
        return "MPS · Apple GPU"
    return "CPU"


# --------------------------------------------------------------------------- save / load


def register_kind(kind: str, builder: Callable[[dict], torch.nn.Module]) -> None:
    """Teach the registry to rebuild models of ``kind`` from their card."""
    _KINDS[kind] = builder


def _builder(kind: str) -> Callable[[dict], torch.nn.Module]:
    target = _KINDS.get(kind)
    if target is None:
        raise CheckpointError(f"Unknown model kind '{kind}'. Known kinds: {', '.join(sorted(_KINDS))}.")
    if callable(target):
        return target
    module_name, func_name = target.split(":")
    return getattr(importlib.import_module(module_name), func_name)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _paths(name_or_path: str | Path, directory: Path | None) -> tuple[Path, Path]:
    """(weights, card) for a model name in ``directory`` or a path to either file."""
    given = Path(name_or_path)
    if given.suffix in (".json", ".safetensors") or given.parent != Path("."):
        base = given.with_suffix("") if given.suffix in (".json", ".safetensors") else given
    else:
        base = Path(directory or ASSETS_DIR) / str(name_or_path)
    return base.with_name(base.name + ".safetensors"), base.with_name(base.name + ".json")


STORED_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


def _stored(tensors: dict[str, torch.Tensor], dtype: str, file_name: str) -> dict[str, torch.Tensor]:
    """The floating tensors in ``dtype`` (integer ones as they are); a value that ``dtype`` cannot hold is an error."""
    out = {}
    for key, tensor in tensors.items():
        if tensor.is_floating_point():
            stored = tensor.to(STORED_DTYPES[dtype])
            if not bool(torch.isfinite(stored).all()) and bool(torch.isfinite(tensor).all()):
                raise ValueError(f"{file_name}: {key} has values that {dtype} cannot hold; keep float32")
            tensor = stored
        out[key] = tensor.contiguous()
    return out


def save_checkpoint(
    model: torch.nn.Module,
    card: dict[str, Any],
    directory: str | Path = ASSETS_DIR,
    name: str | None = None,
    dtype: str = "float32",
) -> Path:
    """Write ``<name>.safetensors`` and ``<name>.json``; returns the card's path.

    ``card`` must hold at least ``kind`` and ``config``; the registry adds the
    name, the weights' checksum, size and stored ``dtype`` (float32, float16 or
    bfloat16: loading casts back to the model's own), and the library versions.
    """
    name = name or card.get("name")
    if not name:
        raise ValueError("save_checkpoint needs a name (argument or card['name']).")
    if "kind" not in card or "config" not in card:
        raise ValueError("a card needs 'kind' and 'config'.")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    weights_path, card_path = _paths(name, directory)
    tensors = _stored({k: v.detach().to("cpu") for k, v in model.state_dict().items()}, dtype, weights_path.name)
    tmp = weights_path.with_suffix(".tmp")
    save_file(tensors, str(tmp), metadata={"name": name, "kind": card["kind"]})
    tmp.replace(weights_path)
    full = {
        "name": name,
        "format_version": FORMAT_VERSION,
        **card,
        "weights": {
            "file": weights_path.name,
            "sha256": _sha256(weights_path),
            "bytes": weights_path.stat().st_size,
            "parameters": int(sum(t.numel() for t in tensors.values())),
            "dtype": dtype,
        },
        "versions": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "saved": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
    }
    card_path.write_text(json.dumps(full, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return card_path


def store_weights(name_or_path: str | Path, dtype: str = "float16", directory: str | Path | None = None) -> Path:
    """Rewrite a checkpoint's weights file with its floating tensors stored in ``dtype`` (a shipped model in half
    the bytes, when its measured metrics allow it); the card's weights fields (sha256, bytes, dtype) follow, the
    rest of the card is left as it is. Returns the weights' path."""
    weights_path, card_path = _paths(name_or_path, Path(directory) if directory else None)
    card = read_card(card_path)
    text = card_path.read_text(encoding="utf-8")  # written back in its own layout: indent, final newline
    second = text.split("\n", 2)[1] if text.count("\n") > 1 else ""
    indent, end = (len(second) - len(second.lstrip(" "))) or 2, "\n" if text.endswith("\n") else ""
    with safe_open(str(weights_path), "pt") as f:
        metadata = f.metadata()
    tensors = _stored(load_file(str(weights_path)), dtype, weights_path.name)
    tmp = weights_path.with_suffix(".tmp")
    save_file(tensors, str(tmp), metadata=metadata)
    tmp.replace(weights_path)
    card["weights"] = {
        **card.get("weights", {}),
        "file": weights_path.name,
        "sha256": _sha256(weights_path),
        "bytes": weights_path.stat().st_size,
        "dtype": dtype,
    }
    card_path.write_text(json.dumps(card, indent=indent, ensure_ascii=False) + end, encoding="utf-8")
    return weights_path


def read_card(name_or_path: str | Path, directory: str | Path | None = None) -> dict[str, Any]:
    """The card of a checkpoint, checked to be readable JSON with a kind and a config."""
    _, card_path = _paths(name_or_path, Path(directory) if directory else None)
    if not card_path.is_file():
        raise CheckpointError(f"No model card at {card_path}.")
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CheckpointError(f"The model card {card_path.name} is not valid JSON ({err}).") from err
    if not isinstance(card, dict) or "kind" not in card or "config" not in card:
        raise CheckpointError(f"The model card {card_path.name} has no 'kind' or 'config'.")
    if card.get("format_version", FORMAT_VERSION) > FORMAT_VERSION:
        raise CheckpointError(
            f"{card_path.name} was written by a newer Attention Lens (format {card['format_version']})."
        )
    return card


def model_card(name_or_path: str | Path, directory: str | Path | None = None) -> ModelCard:
    """The ``ModelCard`` of a checkpoint (its JSON only; nothing is loaded). Raises CheckpointError."""
    card = read_card(name_or_path, directory)
    _, card_path = _paths(name_or_path, Path(directory) if directory else None)
    return ModelCard.from_json(str(card.get("name") or card_path.stem), card)


def _shape(tensor: torch.Tensor) -> str:
    return " × ".join(str(n) for n in tensor.shape) or "a scalar"


def _check_shapes(state: dict[str, torch.Tensor], model: torch.nn.Module, file_name: str) -> None:
    """Every tensor the card's model needs is in the file, with the same shape, and nothing else is.

    Raises CheckpointError naming the tensors (at most three of each problem), before torch sees them.
    """
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    extra = [k for k in state if k not in expected]
    wrong = [k for k in expected if k in state and state[k].shape != expected[k].shape]

    def listed(names: list[str], describe: Callable[[str], str]) -> str:
        more = f" (and {len(names) - 3} more)" if len(names) > 3 else ""
        return "; ".join(describe(k) for k in names[:3]) + more

    problems = []
    if wrong:
        problems.append(
            "wrong shape: "
            + listed(wrong, lambda k: f"{k} is {_shape(state[k])} in the file, the card needs {_shape(expected[k])}")
        )
    if missing:
        problems.append("missing: " + listed(missing, str))
    if extra:
        problems.append("not in the card's model: " + listed(extra, str))
    if problems:
        raise CheckpointError(
            f"The weights in {file_name} do not fit the model its card describes ({', '.join(problems)}). "
            "Use the .json card that was saved with these weights."
        )


@dataclass(frozen=True)
class Checkpoint:
    """A model ready to run, with the card it was rebuilt from (``card``: the JSON dict the builders and the
    tasks read; ``model_card``: the same as a ``ModelCard``)."""

    model: torch.nn.Module
    card: dict[str, Any]
    device: torch.device

    @property
    def name(self) -> str:
        return self.card["name"]

    @cached_property
    def model_card(self) -> ModelCard:
        return ModelCard.from_json(self.name, self.card)


def load_checkpoint(
    name_or_path: str | Path,
    device: torch.device | str | None = None,
    directory: str | Path | None = None,
) -> Checkpoint:
    """Rebuild a model from its card and load its weights, in eval mode on ``device``.

    Raises CheckpointError, with what to do next, for anything wrong with the files.
    """
    weights_path, card_path = _paths(name_or_path, Path(directory) if directory else None)
    if not weights_path.is_file():
        raise CheckpointError(f"No weights at {weights_path}. Train the model or restore the file.")
    card = read_card(card_path)
    expected = card.get("weights", {})
    size = weights_path.stat().st_size
    if "bytes" in expected and size != expected["bytes"]:
        raise CheckpointError(
            f"{weights_path.name} has {size:,} bytes but its card says {expected['bytes']:,}: "
            "the file is truncated or was replaced."
        )
    if "sha256" in expected and _sha256(weights_path) != expected["sha256"]:
        raise CheckpointError(f"{weights_path.name} does not match the checksum in its card: the file is corrupt.")
    try:
        state = load_file(str(weights_path))
    except (SafetensorError, OSError, ValueError) as err:
        raise CheckpointError(f"{weights_path.name} is not a readable safetensors file ({err}).") from err
    try:
        model = _builder(card["kind"])({**card, "_dir": str(card_path.parent)})  # files beside the card
    except (KeyError, TypeError, ValueError, FileNotFoundError) as err:
        raise CheckpointError(f"The card of {card_path.stem} cannot rebuild a '{card['kind']}' model: {err}") from err
    _check_shapes(state, model, weights_path.name)
    own = model.state_dict()  # weights stored in float16 or bfloat16 come back in the model's own dtype
    state = {k: v.to(own[k].dtype) if k in own and v.is_floating_point() else v for k, v in state.items()}
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as err:  # anything the shape check did not foresee
        first = str(err).splitlines()[0:3]
        raise CheckpointError(
            f"The weights in {weights_path.name} do not fit the model its card describes: {' '.join(first)}"
        ) from err
    dev = resolve_device(device) if not isinstance(device, torch.device) else device
    model.to(dev).eval()
    return Checkpoint(model=model, card=card, device=dev)


# --------------------------------------------------------------------------- catalog


@dataclass(frozen=True)
class ModelEntry:
    """One model on disk, as listed without loading it."""

    name: str
    kind: str
    task: str
    path: Path  # the card
    card: ModelCard

    @property
    def card_dict(self) -> dict[str, Any]:
        """The JSON card itself, for models/ code (builders take the dict)."""
        return dict(self.card.raw)

    @property
    def model_card(self) -> ModelCard:
        """``card``, under the name a ``Checkpoint`` gives it."""
        return self.card


def catalog(directory: str | Path | None = None, task: str | None = None) -> list[ModelEntry]:
    """Every readable card in the shipped folder (and $ATTENTION_LENS_MODELS), sorted by its order."""
    folders = [Path(directory)] if directory else [ASSETS_DIR]
    if directory is None and os.environ.get(EXTRA_MODELS_ENV):
        folders.append(Path(os.environ[EXTRA_MODELS_ENV]))
    entries = []
    for folder in folders:
        for card_path in sorted(folder.glob("*.json")):
            if not card_path.with_suffix(".safetensors").is_file():
                continue
            try:
                card = read_card(card_path)
            except CheckpointError as err:
                print(f"attention-lens: skipping {card_path}: {err}", file=sys.stderr)
                continue
            typed = ModelCard.from_json(card["name"], card)
            entry = ModelEntry(card["name"], card["kind"], card.get("task", ""), card_path, typed)
            if task is None or entry.task == task:
                entries.append(entry)
    return sorted(entries, key=lambda e: (e.card.order, e.name))
