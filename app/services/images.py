"""Captioners on /image: captions with a map per word, what-if on a region, the beam tree, the deletion test,
"does this picture look like what the model learned from"; the photo galleries and the shapes world."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st
from PIL import Image

from app.services.cache import cached_call, model_card, model_catalog, operation
from app.services.uploads import to_rgb
from models.data import shapes as _shapes
from models.data.shapes import colour_swap_example, object_at, word_kind  # noqa: F401 -- the what-if's answers
from models.protocols import DeletionTest, Familiarity, ForcedMap, ImageModel, ImageSearch
from models.results import AerialCheck, VisualAttention, WordDeletion

if TYPE_CHECKING:
    from models.registry import ModelEntry

ASSETS_ROOT = Path(__file__).resolve().parents[2] / "assets"


# --------------------------------------------------------------------------- what a captioner is asked


@operation
def _caption(model: ImageModel, image: Image.Image, beam_width: int) -> list[VisualAttention]:
    return model.caption([image], beam_width=beam_width)[0]


@operation
def _caption_forced(model: ForcedMap, image: Image.Image, step: int, weights: tuple[float, ...]) -> VisualAttention:
    from models.results import ForcedAttention

    side = model.grid
    edit = ForcedAttention(step, np.asarray(weights, dtype=np.float64).reshape(side, side))
    return model.caption([image], beam_width=1, force=edit)[0][0]


@operation
def _caption_search(model: ImageSearch, image: Image.Image, beam_width: int) -> list[VisualAttention]:
    return model.caption([image], beam_width=beam_width, with_tree=True)[0]


@operation
def _deletion(model: DeletionTest, image: Image.Image, draws: int) -> list[WordDeletion]:
    return model.deletion(image, draws=draws, seed=0)


@operation
def _familiarity(model: ImageModel, image: Image.Image) -> AerialCheck | None:
    return model.familiarity([image])[0] if isinstance(model, Familiarity) else None


def caption_image(name: str, image: Image.Image, beam_width: int) -> list[VisualAttention]:
    """The best ``beam_width`` captions of model ``name`` for ``image``, cached by its pixels."""
    return cached_call(_caption, name, beam_width, image=image)


def caption_forced(name: str, image: Image.Image, step: int, weights: tuple[float, ...]) -> VisualAttention:
    """Greedy caption of ``image`` with word ``step`` (0-based) looking with ``weights`` (the grid's regions row
    by row, summing to 1) instead of its own softmax; the words before are written as they were."""
    return cached_call(_caption_forced, name, step, tuple(weights), image=image)


def caption_search(name: str, image: Image.Image, beam_width: int) -> list[VisualAttention]:
    """Like ``caption_image``, the best caption carrying the beam search as it ran (``VisualAttention.tree``)."""
    return cached_call(_caption_search, name, beam_width, image=image)


def word_deletion(name: str, image: Image.Image, draws: int = 10) -> list[WordDeletion]:
    """The deletion test on ``image``'s best caption (``WordDeletion`` per content word): does blanking the
    10 % a word looked at most hurt that word more than blanking random areas of the same shape?"""
    return cached_call(_deletion, name, draws, image=image)


def aerial_check(name: str, image: Image.Image) -> AerialCheck | None:
    """Whether ``image`` looks like the photos model ``name`` learned from (``AerialCheck``), or None for a
    model that keeps no such rule."""
    return cached_call(_familiarity, name, image=image)


@dataclass(frozen=True)
class Route:
    """Which captioner a picture of the student's own goes to, and why: every captioner with a familiarity rule
    said how far the picture lies from its training pictures (``checks``, in menu order)."""

    name: str  # the captioner picked
    checks: tuple[tuple[str, AerialCheck], ...]  # (captioner, its verdict) for every captioner with a rule

    @property
    def recognised(self) -> bool:
        """Whether the picked captioner's own rule accepts the picture (False: none of them does)."""
        return any(n == self.name and c.looks_aerial for n, c in self.checks)

    def verdict(self, name: str) -> AerialCheck | None:
        return next((c for n, c in self.checks if n == name), None)


DEFAULT_PHOTO_TASK = "caption-photo"  # where a picture goes that no captioner recognises


def route_picture(image: Image.Image) -> Route:
    """The captioner whose training pictures ``image`` resembles most: among those whose rule accepts it, the one
    it lies nearest to (distance over that rule's threshold); when none accepts it, the everyday-photo captioner.
    """
    entries = image_models()
    checks = tuple(
        (e.name, check) for e in entries if e.card.familiarity is not None and (check := aerial_check(e.name, image))
    )
    accepted = [(c.distance / max(c.threshold, 1e-9), n) for n, c in checks if c.looks_aerial]
    if accepted:
        return Route(min(accepted)[1], checks)
    fallback = [e.name for e in entries if e.task == DEFAULT_PHOTO_TASK] or [e.name for e in entries]
    return Route(fallback[0], checks)


def named_words(words: list[str]) -> list[int]:
    """The positions of the caption's words that name something (not "a", "of", "with", ...)."""
    from models.metrics import content_words

    return content_words(words)


def word_hits(result: VisualAttention, scene: _shapes.Scene) -> list[bool | None]:
    """For a scene whose truth is known: per word, did its attention peak fall on the object it names?"""
    from models.metrics import scene_word_hits

    return scene_word_hits(result.words, result.weights, scene)


# --------------------------------------------------------------------------- captioners and their galleries


def image_models() -> list[ModelEntry]:
    """Every shipped captioner, in menu order: the shapes world first, then photo models."""
    entries = [e for e in model_catalog() if e.kind == "captioner"]
    return sorted(entries, key=lambda e: (e.task != "caption", e.card.order, e.name))


@dataclass(frozen=True)
class GalleryPhoto:
    """One of the photos shipped for a photo model: its file, its class and a person's caption."""

    path: Path
    label: str
    caption: str


@st.cache_data(show_spinner=False)
def photo_gallery(name: str) -> tuple[list[GalleryPhoto], str]:
    """The photos model ``name``'s card points to (``gallery``: a folder of assets/ with gallery.json), and
    their credit; ([], "") for a model without a gallery."""
    card = model_card(name)
    listing = ASSETS_ROOT / card.gallery / "gallery.json" if card is not None and card.gallery else None
    if listing is None or not listing.is_file():
        return [], ""
    data = json.loads(listing.read_text(encoding="utf-8"))
    photos = [
        GalleryPhoto(listing.parent / g["file"], g.get("label", g["class"]), g["caption"]) for g in data["images"]
    ]
    return photos, data.get("credit", "")


@st.cache_data(max_entries=32, show_spinner=False)
def gallery_image(path: Path) -> Image.Image:
    """A gallery photo, decoded once."""
    return to_rgb(Image.open(path))


# --------------------------------------------------------------------------- the shapes world

Scene = _shapes.Scene
SHAPES = _shapes.SHAPES  # what the scene builder offers
COLOURS = tuple(_shapes.COLOURS)
SIZES = _shapes.SIZES
BACKGROUNDS = _shapes.BACKGROUNDS
MAX_OBJECTS = _shapes.MAX_OBJECTS
make_scene = _shapes.make_scene  # (objects, background=, noise=, seed=) -> Scene; raises ValueError


@st.cache_data(show_spinner=False)
def gallery_scenes() -> list[Scene]:
    """Six generated scenes for the gallery: one to four objects, every background (fixed seeds)."""
    return _shapes.ShapesGenerator(seed=2026).scenes(6)


@st.cache_data(max_entries=64, show_spinner=False)
def render_scene(scene: Scene) -> Image.Image:
    """The scene as the picture a model sees (the gallery draws six of them on every run: kept, by scene)."""
    return _shapes.render(scene)


def warm_up() -> None:
    """Import the captioners' network (torchvision: over a second) and the Transformer's."""
    import models.captioner
    import models.transformer  # noqa: F401
