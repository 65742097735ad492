"""The worked example of /math: small numbers a student edits, worked out by the real attention code.

Its inputs and results are plain numpy (models/worked_numbers.py, imported here without torch); the
computing functions load models/worked_example.py (and torch) when first called.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from models.worked_numbers import DIM as WORKED_DIM
from models.worked_numbers import (
    DK_CHOICES,
    Parameters,
    ScalingPoint,
    WorkedExample,
    default_example,
    default_parameters,
    exp_terms,
    read_numbers,
)
from models.worked_numbers import KINDS as WORKED_KINDS
from models.worked_numbers import LIMIT as WORKED_LIMIT
from models.worked_numbers import MAX_TOKENS as WORKED_MAX_TOKENS

__all__ = [
    "DK_CHOICES",
    "WORKED_DIM",
    "WORKED_KINDS",
    "WORKED_LIMIT",
    "WORKED_MAX_TOKENS",
    "Parameters",
    "ScalingPoint",
    "WorkedExample",
    "default_example",
    "default_parameters",
    "exp_terms",
    "read_numbers",
    "scaling_curve",
    "scaling_example",
    "work_example",
]


def work_example(kind: str, states: np.ndarray, query: np.ndarray, params: Parameters) -> WorkedExample:
    """One attention step on the example with score ``kind``: score → softmax → weighted sum → concat → tanh."""
    from models.worked_example import work

    return work(kind, states, query, params)


@st.cache_data(max_entries=64, show_spinner=False)
def scaling_curve(n_keys: int) -> list[ScalingPoint]:
    """Mean entropy and spread of softmax(qᵀk) with and without 1/√d_k, for every d_k of the slider."""
    from models import worked_example

    return worked_example.scaling_curve(n_keys=n_keys)


def scaling_example(d_k: int, n_keys: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """One random query against ``n_keys`` random keys: (softmax(qᵀk), softmax(qᵀk / √d_k))."""
    from models import worked_example

    return worked_example.scaling_example(d_k, n_keys)
