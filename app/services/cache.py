"""Models, loaded once per server, and the one ``cached_call`` through which every model result comes.

Models, the device and the catalog are shared objects (``st.cache_resource``). Every result (decodes,
captions, maps, steps) is data: ``cached_call`` keys it by the operation, the model's name, the arguments
and (for a picture) a hash of its pixels, and ``st.cache_data`` hands each caller its own copy, so that no
session can change another's numbers. A model trained live in class lives in this session's
``st.session_state`` (services/live_models.py) and is answered uncached by the same call.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import streamlit as st
from PIL import Image

from app.i18n import t
from app.services import live_models
from app.services.runtime import compute_device
from models.protocols import ImageModel, TextClassifier, TextModel

if TYPE_CHECKING:
    from models import registry
    from models.cards import ModelCard

R = TypeVar("R")
Model = TextModel | ImageModel | TextClassifier  # what a page may hold; capabilities checked with isinstance
Argument = str | int | float | bool | tuple  # what a cached call is keyed by
Operation = Callable[..., R]  # op(model, *args), or op(model, image, *args) for a picture

_OPERATIONS: dict[str, Operation] = {}


@st.cache_resource(show_spinner=False)
def model_catalog(task: str | None = None) -> list[registry.ModelEntry]:
    """The checkpoints on disk (cards only; nothing is loaded)."""
    from models import registry

    return registry.catalog(task=task)


def model_card(name: str) -> ModelCard | None:
    """The card of shipped model ``name``, or None when there is no such model."""
    return next((e.model_card for e in model_catalog() if e.name == name), None)


@st.cache_resource(max_entries=16, show_spinner=False)
def load_model(name: str) -> registry.Checkpoint:
    """A shipped model, loaded once per server and shared by every session (models keep no per-call state).

    Raises ``ModelError``; pages use ``require_model`` or ``model_or_message`` instead.
    """
    from models import registry

    paths = {e.name: e.path for e in model_catalog()}
    return registry.load_checkpoint(paths.get(name, name), device=compute_device()[0])


def get_model(name: str) -> Model:
    """Model ``name``: one trained live in this session, or a shipped one. Raises ``ModelError``."""
    trained = live_models.session_models().get(name)
    return trained["model"] if trained is not None else load_model(name).model


def model_error(err: Exception) -> None:
    """A checkpoint problem as a message with what to do next, never a traceback."""
    st.error(f"**{t('errors.model_title')}** {err}\n\n{t('errors.model_hint')}")


def model_or_message(name: str) -> Model | None:
    """Model ``name``, or None after an error box that says why it could not be loaded (for a tab or a card)."""
    from models.registry import CheckpointError  # ModelError

    try:
        return get_model(name)
    except CheckpointError as err:
        model_error(err)
        return None


def require_model(name: str) -> Model:
    """Model ``name``, shipped or trained live; when it cannot be loaded, the reason and ``st.stop()``."""
    model = model_or_message(name)
    if model is None:
        st.stop()
    return model


def image_key(image: Image.Image) -> str:
    """A short content hash, so that caching follows the pixels, not the file name."""
    return hashlib.sha1(image.tobytes() + repr(image.size).encode()).hexdigest()[:16]


def operation(op: Operation) -> Operation:
    """Register ``op(model, *args)`` (``op(model, image, *args)`` for a picture) as a call ``cached_call`` runs."""
    _OPERATIONS[_key_of(op)] = op
    return op


def _key_of(op: Operation) -> str:
    return f"{op.__module__}:{op.__qualname__}"


def cached_call(op: Operation[R], name: str, *args: Argument, image: Image.Image | None = None) -> R:
    """``op`` run on model ``name`` with ``args`` (hashable: strings, numbers, tuples) and ``image``, if any.

    A model trained live in this session is answered directly (it is not shared, so not cached across
    sessions); a shipped one through the cache, keyed by everything that makes the result, and copied out.
    Raises ``ModelError`` for a shipped model that cannot load.
    """
    trained = live_models.session_models().get(name)
    if trained is not None:
        return _run(op, trained["model"], args, image)
    key = _key_of(op)
    if key not in _OPERATIONS:
        raise KeyError(f"{key} is not registered with @operation")
    return _shipped(key, name, args, image_key(image) if image is not None else "", image)


@st.cache_data(max_entries=2048, show_spinner=False)
def _shipped(op_key: str, name: str, args: tuple, pixels: str, _image: Image.Image | None) -> object:
    return _run(_OPERATIONS[op_key], load_model(name).model, args, _image)


def _run(op: Operation[R], model: Model, args: tuple, image: Image.Image | None) -> R:
    return op(model, *args) if image is None else op(model, image, *args)
