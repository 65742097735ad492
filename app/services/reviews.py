"""Review classifiers on /classify: a label with its probability, attention and Integrated Gradients per
word, and the per-review tests of whether attention explains the decision (permutation, erasure)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from app.services.cache import cached_call, model_card, model_catalog, operation
from app.services.problems import InputProblem
from models.protocols import ErasureTest, PermutationTest, TextClassifier
from models.results import AttentionPermutation, Classification, Erasure, ProblemKind

if TYPE_CHECKING:
    from models.cards import Explanations
    from models.registry import ModelEntry

MAX_REVIEW_CHARS = 20_000  # longer pastes are refused; up to this a long review is read in part (with a notice)
REVIEW_SCRIPTS = {"ko": "HANGUL", "en": "LATIN"}  # a card's language -> the Unicode script of its letters


def review_models() -> list[ModelEntry]:
    """The shipped review classifiers (cards only), in the catalog's order."""
    return [e for e in model_catalog() if e.kind == "classifier"]


def check_review(model: TextClassifier, text: str, language: str) -> InputProblem | None:
    """None when ``model`` (trained on reviews in ``language``) can read ``text``; else what is wrong.

    Empty (info); more than MAX_REVIEW_CHARS characters; no letter or digit at all (only emoji or symbols);
    letters, but none of the model's script (English into the Korean model); characters its tokenizer cannot
    cover (a warning: the rest is read).
    """
    if len(text) > MAX_REVIEW_CHARS:
        return InputProblem(ProblemKind.TOO_LONG, params={"n": len(text), "limit": MAX_REVIEW_CHARS})
    if not text.strip():
        return InputProblem(ProblemKind.EMPTY, "info")
    categories = [unicodedata.category(c)[0] for c in text]
    if "L" not in categories and "N" not in categories:
        return InputProblem(ProblemKind.NO_WORDS)
    script = REVIEW_SCRIPTS.get(language)
    letters = [c for c, cat in zip(text, categories, strict=True) if cat == "L"]
    if script and letters and not any(script in unicodedata.name(c, "") for c in letters):
        return InputProblem(ProblemKind.UNSEEN_LANGUAGE, params={"language": language})
    check = model.check_input(text)
    if check is not None and check.kind is ProblemKind.UNCOVERED:
        return InputProblem(check.kind, "warning", params={"words": check.items})
    if check is not None:
        return InputProblem(check.kind, params={"n": check.count, "limit": check.limit})
    return None


@operation
def _classify(model: TextClassifier, text: str) -> Classification:
    return model.classify([text], attributions=True)[0]


@operation
def _permutation(model: PermutationTest, text: str) -> AttentionPermutation:
    return model.permutation_test(text)


@operation
def _erasure(model: ErasureTest, text: str) -> list[Erasure]:
    return model.erasure(text)


def classify_review(name: str, text: str) -> Classification:
    """Model ``name``'s label for ``text`` with attention and Integrated Gradients per token (``text`` must pass
    ``check_review`` first; a long review is read in part: see ``Classification.truncated``)."""
    return cached_call(_classify, name, text)


def review_permutation(name: str, text: str) -> AttentionPermutation:
    """The permutation test on ``text`` (Jain & Wallace 2019): p of the label with its attention shuffled 100
    times. Models that declare ``PermutationTest`` only (the attention classifiers)."""
    return cached_call(_permutation, name, text)


def review_erasure(name: str, text: str) -> list[Erasure]:
    """The text classified again without its most attended word, its highest-IG word and a random word."""
    return cached_call(_erasure, name, text)


def review_tau(result: Classification) -> float | None:
    """Kendall's τ_b between the words' attention and their |Integrated Gradients| (None without attention, or
    when either ranking is all ties, as for a one-word review)."""
    from models.classifier import kendall_tau_b

    if result.weights is None or result.attributions is None or len(result.words) < 2:
        return None
    tau = kendall_tau_b(result.per_word(result.weights), np.abs(result.per_word(result.attributions)))
    return None if np.isnan(tau) else tau


@dataclass(frozen=True)
class LengthRow:
    """Test accuracy on one quartile of review length: the model beside its baseline."""

    words: str
    n: int
    model: float
    baseline: float | None


@dataclass(frozen=True)
class ReviewScores:
    """What a classifier's card says about it on its test set, beside its no-attention baseline."""

    model: str
    baseline: str | None
    n: int
    accuracy: float
    baseline_accuracy: float | None
    by_length: list[LengthRow]
    explanations: Explanations | None  # the attention model's, when the picked one is the baseline
    attention: bool = True  # False when ``model`` is itself a baseline (its attention model not shipped yet)


def review_scores(name: str) -> ReviewScores | None:
    """The test numbers of ``name`` and its baseline, from the cards (the baseline's card is named by the
    attention model's); None when the card has no test numbers."""
    card = model_card(name)
    if card is None or card.review_test is None:
        return None
    partner = next((e.name for e in review_models() if e.card.baseline == name), None)
    if partner is not None:  # ``name`` is a baseline: show it as its attention model's partner
        return review_scores(partner)
    test, base = card.review_test, card.review_test.baseline
    base_rows = {row.words: row.accuracy for row in base.by_length} if base is not None else {}
    rows = [LengthRow(r.words, r.n, r.accuracy, base_rows.get(r.words)) for r in test.by_length]
    return ReviewScores(
        model=name,
        baseline=base.model if base is not None else None,
        n=test.n,
        accuracy=test.accuracy,
        baseline_accuracy=base.accuracy if base is not None else None,
        by_length=rows,
        explanations=test.explanations,
        attention=card.has_attention,
    )
