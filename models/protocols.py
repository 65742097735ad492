"""What a page may ask of a model, whatever the network behind it: one protocol per capability.

A page (through app/services) holds a model and never asks which class it is: the RNN seq2seq, the
Transformer, the captioners, the review classifiers and a model trained live in class all answer the same
calls with the plain results of models/results.py. A new network joins the app by satisfying these.

Two kinds of protocol:

* what a model *is*: ``TextModel`` (text in, text out), ``ImageModel`` (an image in, a caption out),
  ``TextClassifier`` (text in, a label out). These are checked by their methods alone, as usual.
* what it *can do*: every other protocol here (``ForcedText``, ``StepExplainer``, ``Familiarity``, ...).
  A class may have a method that one of its configs cannot run (the no-attention seq2seq has ``explain``,
  and it raises), so a capability is checked twice: the model has the protocol's methods **and** lists the
  protocol in its ``capabilities`` (a ``frozenset`` of these classes, worked out from its config).

    if isinstance(model, StepExplainer):   # the methods are there, and the model says they work
        steps = model.explain(text)

The app checks capabilities only this way: never ``getattr``, never a network's ``.cfg``.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from PIL import Image

from models.results import (
    AerialCheck,
    Alignment,
    AttentionPermutation,
    AttentionStep,
    Classification,
    Erasure,
    ForcedAttention,
    InputCheck,
    SelfAttention,
    TransformerAttention,
    VisualAttention,
    WordDeletion,
)

__all__ = [
    "DeletionTest",
    "ErasureTest",
    "Familiarity",
    "ForcedMap",
    "ForcedText",
    "ImageModel",
    "ImageSearch",
    "PermutationTest",
    "SelfAttentionModel",
    "StepExplainer",
    "TextClassifier",
    "TextModel",
    "TextSearch",
    "TransformerMaps",
    "capabilities_of",
]


class _Declared(type(Protocol)):
    """The metaclass of a capability: ``isinstance(model, P)`` is True when ``model`` has P's methods and
    lists P in ``model.capabilities``. (``issubclass`` still looks at the methods only: a capability is a
    property of a model, not of its class.)"""

    def __instancecheck__(cls, instance: object) -> bool:
        return super().__instancecheck__(instance) and cls in getattr(instance, "capabilities", ())


def capabilities_of(model: object) -> frozenset[type]:
    """Every capability protocol ``model`` satisfies (the ones it declares and has the methods of)."""
    declared: frozenset[type] = getattr(model, "capabilities", frozenset())
    return frozenset(p for p in declared if isinstance(model, p))


# ----------------------------------------------------------------------------- text in, text out


@runtime_checkable
class TextModel(Protocol):
    """Text in, text out, with where each output token looked (``Alignment``)."""

    @property
    def max_source_len(self) -> int:
        """The longest input it reads, in its own tokens (characters or word pieces)."""
        ...

    @property
    def reads_pieces(self) -> bool:
        """True when its tokens are sentencepiece pieces, False when they are characters."""
        ...

    def tokenize(self, text: str) -> list[str]:
        """The input tokens of ``text``, as the heatmap's x axis shows them before labelling."""
        ...

    def check_input(self, text: str) -> InputCheck | None:
        """None when ``text`` can be decoded; else what is wrong (a kind and its facts, no message)."""
        ...

    def known_text(self, text: str) -> str:
        """``text`` without the characters this model cannot read (spaces tidied)."""
        ...

    def decode(
        self, texts: list[str], beam_width: int = 1, *, force: ForcedAttention | None = None, with_tree: bool = False
    ) -> list[list[Alignment]]:
        """For each text its ``beam_width`` best outputs, best first, each with its attention.

        force: a what-if edit of one step's attention (only a ``ForcedText`` takes one; ValueError otherwise);
        with_tree: the best output carries the beam search as it ran (``Alignment.tree``; a ``TextSearch``).
        """
        ...


@runtime_checkable
class ForcedText(TextModel, Protocol, metaclass=_Declared):
    """What if step ``t`` had looked elsewhere: ``decode([text], force=ForcedAttention(t, weights))`` decodes
    greedily with step ``t`` looking with ``weights`` (one per input token of ``text``, summing to 1) instead of
    its own softmax; the steps before run as they did. The no-attention baseline and the Transformer cannot."""


@runtime_checkable
class TextSearch(TextModel, Protocol, metaclass=_Declared):
    """The beam search as a tree: ``decode([text], beam_width, with_tree=True)[0][0].tree`` holds every prefix
    weighed, kept, pruned or finished, with its log-probability and attention."""


@runtime_checkable
class StepExplainer(Protocol, metaclass=_Declared):
    """Every number of every decoding step: query, scores, softmax, context and the next token's choices."""

    def explain(self, text: str) -> list[AttentionStep]:
        """Greedy decoding of ``text``, one ``AttentionStep`` per output token (``text`` checked first)."""
        ...


@runtime_checkable
class TransformerMaps(Protocol, metaclass=_Declared):
    """Every attention map of an encoder–decoder Transformer: encoder self, decoder self and cross."""

    def attention_maps(self, texts: list[str]) -> list[TransformerAttention]:
        """For each text its best output with every map (layers, heads, T_q, T_k) of the whole model for it."""
        ...


# ----------------------------------------------------------------------------- an image in, a caption out


@runtime_checkable
class ImageModel(Protocol):
    """An image in, a caption out, with where each word looked (``VisualAttention``)."""

    def caption(
        self,
        images: list[Image.Image],
        beam_width: int = 1,
        *,
        force: ForcedAttention | None = None,
        with_tree: bool = False,
    ) -> list[list[VisualAttention]]:
        """For each image its ``beam_width`` best captions, best first, each with a map per word.

        force: a what-if edit of one word's map (a ``ForcedMap``); with_tree: the best caption carries the
        beam search as it ran (``VisualAttention.tree``; an ``ImageSearch``).
        """
        ...


@runtime_checkable
class ForcedMap(ImageModel, Protocol, metaclass=_Declared):
    """What if word ``t`` had looked elsewhere: ``caption([image], force=ForcedAttention(t, weights))`` with
    ``weights`` of shape (grid, grid), summing to 1, in place of that word's softmax."""

    @property
    def grid(self) -> int:
        """The side of the attention grid: a map has grid × grid regions, row by row."""
        ...


@runtime_checkable
class ImageSearch(ImageModel, Protocol, metaclass=_Declared):
    """The beam search as a tree of maps: ``caption([image], beam_width, with_tree=True)[0][0].tree``."""


@runtime_checkable
class DeletionTest(Protocol, metaclass=_Declared):
    """Is the attention on the thing named? Blank the area a word looked at most, and random areas alike."""

    def deletion(self, image: Image.Image, *, draws: int = 10, seed: int = 0) -> list[WordDeletion]:
        """One ``WordDeletion`` per content word of the best caption (``draws`` random areas per word)."""
        ...


@runtime_checkable
class Familiarity(Protocol, metaclass=_Declared):
    """Does a picture look like the ones the model learned from? Only a model that keeps a measured rule for
    it (the aerial captioner) can say; the others do not satisfy this protocol."""

    def familiarity(self, images: list[Image.Image]) -> list[AerialCheck]:
        """For each image: its distance from the training photos, the threshold, and the verdict."""
        ...


# ----------------------------------------------------------------------------- text in, a label out


@runtime_checkable
class TextClassifier(Protocol):
    """Text in, a label out, with one attention distribution over its tokens (``Classification``)."""

    @property
    def labels(self) -> list[str]:
        """The labels it chooses from, in the order of ``Classification.probs``."""
        ...

    def check_input(self, text: str) -> InputCheck | None:
        """None when ``text`` can be classified; else what is wrong (a long text is read in part, not refused)."""
        ...

    def classify(self, texts: list[str], attributions: bool = False) -> list[Classification]:
        """Each text's label probabilities and attention (None for a baseline without it); with
        ``attributions`` also Integrated Gradients per token."""
        ...


@runtime_checkable
class PermutationTest(Protocol, metaclass=_Declared):
    """Does the decision need these weights? Shuffle the attention over the tokens and classify again."""

    def permutation_test(self, text: str, n: int = 100, seed: int = 0) -> AttentionPermutation:
        """p of the label with its own attention and with ``n`` shuffles of it (Jain & Wallace 2019)."""
        ...


@runtime_checkable
class ErasureTest(Protocol, metaclass=_Declared):
    """Remove one word (the most attended, the highest-attribution, a random one) and classify again."""

    def erasure(self, text: str, seed: int = 0) -> list[Erasure]:
        """One ``Erasure`` per choice (a model without attention has no attention row)."""
        ...


# ----------------------------------------------------------------------------- self-attention


@runtime_checkable
class SelfAttentionModel(Protocol):
    """An encoder whose every self-attention map a page may show (``SelfAttention``): the date Transformer's
    encoder, a pretrained sentence Transformer."""

    def self_attention(self, text: str, with_vectors: bool = False) -> SelfAttention:
        """Every map (layers, heads, T, T) for ``text``; with ``with_vectors`` also every head's q, k and v."""
        ...


# ----------------------------------------------------------------------------- memory networks

import numpy as np  # noqa: E402 -- this block's own names, kept beside it

from models.results import ForcedRead, MemoryTrace  # noqa: E402

__all__ += ["MemoryModel"]


@runtime_checkable
class MemoryModel(Protocol):
    """A bit pattern in, its copy out, with every step of the memory it used (``MemoryTrace``): the Neural
    Turing Machine of /memory, and its LSTM baseline (which has no memory: ``has_memory`` is False)."""

    @property
    def max_length(self) -> int:
        """The longest pattern (vectors) it is run on."""
        ...

    @property
    def has_memory(self) -> bool:
        """True when its trace has heads and a memory to show."""
        ...

    def trace(self, pattern: np.ndarray, force: ForcedRead | None = None) -> MemoryTrace:
        """Copy ``pattern`` (L, bits) of 0/1; ``force``: read one row at one step (ValueError where it cannot)."""
        ...
