"""The cached doors between pages and models/: devices, model loading, decoding, input checks.

Pages call these and draw what comes back; nothing here draws except messages.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import streamlit as st
import torch

from app.i18n import t
from models import registry
from models.results import Alignment


@st.cache_resource(show_spinner=False)
def compute_device() -> tuple[torch.device, str | None]:
    """(the device models run on, a problem with $ATTENTION_LENS_DEVICE to show, or None)."""
    try:
        return registry.resolve_device(), None
    except registry.DeviceError as err:
        return torch.device("cpu"), str(err)


def device_label() -> str:
    """'CPU' or 'CUDA · <GPU name>' for the sidebar."""
    return registry.device_label(compute_device()[0])


# --------------------------------------------------------------------------- models


@st.cache_resource(show_spinner=False)
def model_catalog(task: str | None = None) -> list[registry.ModelEntry]:
    """The checkpoints on disk (cards only; nothing is loaded)."""
    return registry.catalog(task=task)


@st.cache_resource(max_entries=12, show_spinner=False)
def load_model(name: str) -> registry.Checkpoint:
    """A model, loaded once per server and shared by every session (models never keep per-call state).

    Raises registry.CheckpointError; pages show it with ``model_error``.
    """
    paths = {e.name: e.path for e in model_catalog()}
    return registry.load_checkpoint(paths.get(name, name), device=compute_device()[0])


def model_error(err: Exception) -> None:
    """A checkpoint problem as a message with what to do next, never a traceback."""
    st.error(f"**{t('errors.model_title')}** {err}\n\n{t('errors.model_hint')}")


# --------------------------------------------------------------------------- text input


@dataclass(frozen=True)
class InputProblem:
    """Why a text cannot be decoded: a message to show (already translated) and its severity."""

    message: str
    level: str = "error"  # "error" | "warning" | "info"


def tidy(text: str) -> str:
    """Leading, trailing and repeated whitespace removed: "  march  5 " -> "march 5"."""
    return " ".join(text.split())


def _describe(char: str) -> str:
    """A character as a person can read it: “x”, or its code point when it is invisible."""
    if unicodedata.category(char)[0] in "CZ":
        return t("errors.whitespace_char", code=f"U+{ord(char):04X}")
    return f"“{char}”"


def check_text(model, text: str) -> InputProblem | None:
    """None when ``model`` can read ``text``; else what is wrong, naming the characters or the length."""
    problem = model.check_input(text)
    if problem is None:
        return None
    kind, detail = problem
    if kind == "empty":
        return InputProblem(t("errors.empty"), "info")
    if kind == "too_long":
        return InputProblem(t("errors.too_long", n=detail, limit=model.cfg.max_source_len))
    shown = ", ".join(_describe(c) for c in detail)
    return InputProblem(t("errors.unknown_chars", chars=shown, count=len(detail)))


def without_unknown(model, text: str) -> str:
    """``text`` with the characters the model does not know removed (and spaces tidied)."""
    known = "".join(c for c in text if c in model.src_vocab)
    return " ".join(known.split())


@st.cache_resource(max_entries=512, show_spinner=False)
def decode_text(name: str, text: str, beam_width: int = 1) -> list[Alignment]:
    """The best ``beam_width`` outputs of model ``name`` for ``text`` (checked first), best first."""
    model = load_model(name).model
    return model.decode([text], beam_width=beam_width)[0]
