"""Text models on /text, /math and /transformer: input checks, decoding, what-if, beam trees, maps, steps.

Every model call goes through ``cached_call`` (cached by model, text and settings; this session's live
models answered uncached). Inputs are checked here before they reach a model.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import streamlit as st

from app.services.cache import cached_call, model_catalog, operation
from app.services.problems import InputProblem, show_problem
from models.data.dates import iso_is_real_date as is_real_date  # noqa: F401 -- for pages: a model can write 2023-02-30
from models.protocols import ForcedText, StepExplainer, TextModel, TextSearch, TransformerMaps
from models.results import Alignment, AttentionStep, ProblemKind, TransformerAttention, distributions

MAX_TEXT_CHARS = 1_000  # longer pastes are refused before the tokenizer sees them
HOME_EXAMPLE = Path(__file__).resolve().parents[2] / "assets" / "examples" / "home.json"
WARM_UP_INPUT = "2/10/93"


def tidy(text: str) -> str:
    """Leading, trailing and repeated whitespace removed: "  march  5 " -> "march 5"."""
    return " ".join(text.split())


# --------------------------------------------------------------------------- input checks


def check_text(model: TextModel, text: str) -> InputProblem | None:
    """None when ``model`` can read ``text``; else what is wrong, naming the characters or the length."""
    if len(text) > MAX_TEXT_CHARS:  # counted in characters, whatever the model's units
        limit = MAX_TEXT_CHARS if model.reads_pieces else model.max_source_len
        return InputProblem(ProblemKind.TOO_LONG, params={"n": len(text), "limit": limit})
    check = model.check_input(text)
    if check is None:
        return None
    if check.kind is ProblemKind.EMPTY:
        return InputProblem(check.kind, "info")
    if check.kind in (ProblemKind.TOO_LONG, ProblemKind.TOO_LONG_PIECES):
        return InputProblem(check.kind, params={"n": check.count, "limit": check.limit})
    if check.kind is ProblemKind.UNCOVERED:  # a note: the rest is still translated
        return InputProblem(check.kind, "warning", params={"words": check.items})
    return InputProblem(check.kind, params={"chars": check.items, "count": len(check.items)})


def require_text(model: TextModel, text: str, before_stop=None) -> InputProblem | None:
    """Show what is wrong with ``text`` for ``model``; ``st.stop()`` unless it is only a warning.

    ``before_stop(problem)``, when given, draws something under the message first (a way out).
    Returns the warning, if there was one.
    """
    problem = check_text(model, text)
    show_problem(problem)
    if problem is not None and problem.level != "warning":
        if before_stop is not None:
            before_stop(problem)
        st.stop()
    return problem


def cleaned_text(model: TextModel, text: str) -> str | None:
    """``text`` without what ``model`` cannot read, cut to its length, when that differs and can be read."""
    cleaned = model.known_text(text)[: model.max_source_len]
    if cleaned and cleaned != text and check_text(model, cleaned) is None:
        return cleaned
    return None


# --------------------------------------------------------------------------- what a model is asked
# Each takes the model first; ``text`` must pass ``check_text`` first. Raise ``ModelError`` for a shipped
# model that cannot load.


@operation
def _decode(model: TextModel, text: str, beam_width: int) -> list[Alignment]:
    return model.decode([text], beam_width=beam_width)[0]


@operation
def _forced(model: ForcedText, text: str, step: int, weights: tuple[float, ...]) -> Alignment:
    from models.results import ForcedAttention

    return model.decode([text], beam_width=1, force=ForcedAttention(step, np.asarray(weights)))[0][0]


@operation
def _search(model: TextSearch, text: str, beam_width: int) -> list[Alignment]:
    return model.decode([text], beam_width=beam_width, with_tree=True)[0]


@operation
def _maps(model: TransformerMaps, text: str) -> TransformerAttention:
    return model.attention_maps([text])[0]


@operation
def _steps(model: StepExplainer, text: str) -> list[AttentionStep]:
    return model.explain(text)


@operation
def _rollout(model: TransformerMaps, text: str) -> np.ndarray:
    from models.transformer import attention_rollout

    return attention_rollout(model.attention_maps([text])[0].encoder_self.mean(axis=1))


def decode_text(name: str, text: str, beam_width: int = 1) -> list[Alignment]:
    """The best ``beam_width`` outputs of model ``name`` (shipped or trained live) for ``text``, best first."""
    return cached_call(_decode, name, text, beam_width)


def decode_forced(name: str, text: str, step: int, weights: tuple[float, ...]) -> Alignment:
    """Greedy decoding of ``text`` with output step ``step`` (0-based) looking with ``weights`` (summing to 1
    over its input tokens) instead of its own softmax; the steps before run as they did.

    Raises ValueError for the no-attention baseline or weights of the wrong length.
    """
    return cached_call(_forced, name, text, step, tuple(weights))


def search_text(name: str, text: str, beam_width: int) -> list[Alignment]:
    """Like ``decode_text``, from the same one search recorded as a tree: the best output carries it
    (``Alignment.tree``: every prefix weighed, kept, pruned or finished, with its log-probability and weights)."""
    return cached_call(_search, name, text, beam_width)


def transformer_maps(name: str, text: str) -> TransformerAttention:
    """Every attention map of Transformer ``name`` for ``text``."""
    return cached_call(_maps, name, text)


def explain_steps(name: str, text: str) -> list[AttentionStep]:
    """Every number of every greedy decoding step of RNN model ``name`` on ``text`` (see Seq2Seq.explain)."""
    return cached_call(_steps, name, text)


def encoder_rollout(name: str, text: str) -> np.ndarray:
    """Attention rollout (Abnar & Zuidema 2020) of Transformer ``name``'s encoder self-attention on ``text``,
    heads averaged: (layers, T_src, T_src), layer l = how much each position draws on each input position
    through layers 1..l, the residual connections counted."""
    return cached_call(_rollout, name, text)


# --------------------------------------------------------------------------- examples


@st.cache_data(show_spinner=False)
def home_example() -> Alignment | None:
    """The home page's example: a date model's decode saved as JSON by scripts/home_example.py (and checked
    against the model by tests/models/test_home_example.py), drawn without loading torch. None when the file
    is missing or unreadable."""
    try:
        doc = json.loads(HOME_EXAMPLE.read_text(encoding="utf-8"))
        return Alignment(
            source=list(doc["source"]),
            target=list(doc["target"]),
            weights=distributions(np.asarray(doc["weights"], dtype=np.float64)),
            score=float(doc["score"]),
            text=str(doc["text"]),
            has_attention=bool(doc.get("has_attention", True)),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


@st.cache_data(show_spinner=False)
def translation_examples(direction: str) -> list[str]:
    """The lecture's example, a few training sentences, and test sentences (marked unseen)."""
    from models.data.tatoeba import page_examples

    return page_examples(direction)


@st.cache_data(show_spinner=False)
def _training_sentences(direction: str) -> frozenset[str]:
    from models.data.tatoeba import training_sentences

    return training_sentences(direction)


def seen_in_training(direction: str, text: str) -> bool:
    """Whether this exact sentence was a training example."""
    return text in _training_sentences(direction)


def warm_up() -> None:
    """Decode once with each date model (loads and runs it), build one heatmap (Plotly loads its validators
    on a first figure, hundreds of ms) and import the beam tree's chart, for the first /text visit."""
    from app.charts import beam_tree, heatmap  # noqa: F401 -- imported for the first visit
    from app.logic import whatif  # noqa: F401

    decoded = None
    for entry in model_catalog("date"):  # /text's models, where a class goes first
        if entry.kind == "seq2seq":
            decoded = decode_text(entry.name, WARM_UP_INPUT)
    if decoded:
        heatmap.alignment_heatmap(decoded[0]).to_json()
