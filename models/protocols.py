"""What a page may ask of a model, whatever the network behind it.

A page (through app/services.py) holds a ``TextModel`` or an ``ImageModel`` and never asks which class it
is: the RNN seq2seq, the Transformer and a model trained live in class all answer the same calls with
the plain results of models/results.py. A new network joins the app by satisfying one of these.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from PIL import Image

from models.results import Alignment, ForcedAttention, InputCheck, VisualAttention

__all__ = ["ImageModel", "TextModel"]


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
        self, texts: list[str], beam_width: int = 1, force: ForcedAttention | None = None, with_tree: bool = False
    ) -> list[list[Alignment]]:
        """For each text its ``beam_width`` best outputs, best first, each with its attention.

        force: a what-if edit of one step's attention (ValueError where the model cannot take one);
        with_tree: the best output carries the beam search as it ran (``Alignment.tree``).
        """
        ...


@runtime_checkable
class ImageModel(Protocol):
    """An image in, a caption out, with where each word looked (``VisualAttention``)."""

    def caption(self, images: list[Image.Image], beam_width: int = 1) -> list[list[VisualAttention]]:
        """For each image its ``beam_width`` best captions, best first, each with a map per word."""
        ...
