"""The cached doors between pages and models/: devices, model loading, decoding, input checks.

Pages call these and draw what comes back; nothing here draws except messages.
"""

from __future__ import annotations

import hashlib
import io
import unicodedata
import warnings
from dataclasses import dataclass

import numpy as np
import streamlit as st
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from app.i18n import t
from models import metrics, registry
from models.results import Alignment, VisualAttention
from models.tokenizers import PieceTokenizer


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


MAX_TEXT_CHARS = 1_000  # longer pastes are refused before the tokenizer sees them


def check_text(model, text: str) -> InputProblem | None:
    """None when ``model`` can read ``text``; else what is wrong, naming the characters or the length."""
    pieces = isinstance(getattr(model, "src_tokenizer", None), PieceTokenizer)
    if len(text) > MAX_TEXT_CHARS:  # counted in characters, whatever the model's units
        limit = MAX_TEXT_CHARS if pieces else model.cfg.max_source_len
        return InputProblem(t("errors.too_long", n=len(text), limit=limit))
    problem = model.check_input(text)
    if problem is None:
        return None
    kind, detail = problem
    if kind == "empty":
        return InputProblem(t("errors.empty"), "info")
    if kind == "too_long":
        return InputProblem(
            t("errors.too_long_pieces" if pieces else "errors.too_long", n=detail, limit=model.cfg.max_source_len)
        )
    if kind == "uncovered":
        return InputProblem(t("errors.uncovered", words=", ".join(f"“{w}”" for w in detail)), "warning")
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


# --------------------------------------------------------------------------- images

MAX_IMAGE_BYTES = 20 * 1024 * 1024  # the upload cap of .streamlit/config.toml
MIN_IMAGE_SIDE = 16  # pixels; smaller images have nothing to look at
MAX_IMAGE_PIXELS = 40_000_000  # larger decoded sizes are treated as decompression bombs
# The formats of the upload picker (a phone's multi-picture JPEG opens as JPEG). Pillow can open many more (EPS
# hands the file to Ghostscript, for one), so a file of any other format is refused whatever its name says.
IMAGE_FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "GIF")
_SIGNATURES = {
    b"\xff\xd8\xff": "JPEG",
    b"\x89PNG\r\n\x1a\n": "PNG",
    b"GIF87a": "GIF",
    b"GIF89a": "GIF",
}


def _signature(data: bytes) -> str | None:
    """The format whose magic bytes ``data`` starts with (WebP: RIFF....WEBP), or None."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WebP"
    return next((name for magic, name in _SIGNATURES.items() if data.startswith(magic)), None)


def read_image(data: bytes) -> tuple[Image.Image | None, InputProblem | None]:
    """Decode an uploaded file into an RGB image, or say plainly why it cannot be used.

    (None, an error) for a file that cannot be used; (image, None), or (image, an "info" note) when
    something about the file is worth saying (an animated GIF: its first frame is used).
    EXIF orientation is applied; transparency is flattened onto white; palette, greyscale, CMYK and
    16-bit images are converted.
    """
    if not data:
        return None, InputProblem(t("errors.image_empty"))
    if len(data) > MAX_IMAGE_BYTES:
        return None, InputProblem(t("errors.image_too_big", mb=len(data) / 2**20, limit=MAX_IMAGE_BYTES // 2**20))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=IMAGE_FORMATS)
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                return None, InputProblem(t("errors.image_bomb", w=width, h=height))
            image.seek(0)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):  # Pillow's own check, in open()
        return None, InputProblem(t("errors.image_bomb_unknown", limit=MAX_IMAGE_PIXELS // 1_000_000))
    except UnidentifiedImageError:
        kind = _signature(data)  # a picture's first bytes, but too little of it to read: cut short
        if kind:
            return None, InputProblem(t("errors.image_corrupt", detail=kind))
        return None, InputProblem(t("errors.image_unreadable"))
    except (OSError, SyntaxError, ValueError, EOFError) as err:
        return None, InputProblem(t("errors.image_corrupt", detail=str(err)[:120]))
    if min(image.size) < MIN_IMAGE_SIDE:
        return None, InputProblem(t("errors.image_too_small", w=width, h=height, min=MIN_IMAGE_SIDE))
    frames = getattr(image, "n_frames", 1) if image.format != "MPO" else 1  # a phone's MPO: a photo + previews
    note = InputProblem(t("errors.image_animated", n=frames), "info") if frames > 1 else None
    return to_rgb(image), note


def to_rgb(image: Image.Image) -> Image.Image:
    """Upright RGB: EXIF rotation applied, alpha flattened onto white, other modes converted."""
    image = ImageOps.exif_transpose(image)
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        array = np.asarray(image, dtype=np.float64)
        span = max(float(array.max() - array.min()), 1e-9)
        image = Image.fromarray(((array - array.min()) / span * 255).astype(np.uint8), mode="L")
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def image_key(image: Image.Image) -> str:
    """A short content hash, so that caching follows the pixels, not the file name."""
    return hashlib.sha1(image.tobytes() + repr(image.size).encode()).hexdigest()[:16]


@st.cache_resource(max_entries=128, show_spinner=False)
def caption_image(name: str, key: str, beam_width: int, _image: Image.Image) -> list[VisualAttention]:
    """The best ``beam_width`` captions of model ``name`` for an image (identified by ``key``)."""
    return load_model(name).model.caption([_image], beam_width=beam_width)[0]


def word_hits(result: VisualAttention, scene) -> list[bool | None]:
    """For a scene whose truth is known: per word, did its attention peak fall on the object it names?"""
    truth = metrics.word_objects(result.words, [(o.size, o.colour, o.shape) for o in scene.objects])
    hits: list[bool | None] = []
    for i, _ in enumerate(result.words):
        obj = truth[i]
        if obj is None:
            hits.append(None)
            continue
        up = metrics.upsample(result.weights[i], scene.size)
        hits.append(metrics.peak_in_box(up, scene.objects[obj].box, tolerance=round(scene.size / 16)))
    return hits


@st.cache_resource(show_spinner=False)
def gallery_scenes() -> list:
    """Six generated scenes for the gallery: one to four objects, every background (fixed seeds)."""
    from models.data.shapes import ShapesGenerator

    return ShapesGenerator(seed=2026).scenes(6)


@st.cache_resource(max_entries=256, show_spinner=False)
def transformer_maps(name: str, text: str):
    """Every attention map of Transformer ``name`` for ``text`` (a TransformerAttention)."""
    return load_model(name).model.translate([text])[0]


# --------------------------------------------------------------------------- translation


@st.cache_resource(show_spinner=False)
def translation_examples(direction: str) -> list[str]:
    """The lecture's example, a few training sentences, and test sentences (marked unseen)."""
    from models.data.tatoeba import read_pairs

    pairs = read_pairs()
    side = (lambda p: p.english) if direction == "en-ko" else (lambda p: p.korean)
    lecture = ["I love you."] if direction == "en-ko" else ["나는 널 사랑해."]
    seen = ["Thank you.", "I'm hungry.", "Where is the station?", "She likes music."]
    if direction == "ko-en":
        seen = ["고마워.", "배고파.", "역이 어디예요?", "그녀는 음악을 좋아해."]
    train_text = {side(p) for p in pairs if p.split == "train"}
    seen = [s for s in seen if s in train_text][:3] or sorted(train_text, key=len)[20:23]
    unseen = sorted({side(p) for p in pairs if p.split == "test" and 12 <= len(side(p)) <= 30})[:4]
    return lecture + seen + [u + "  ⟨unseen⟩" for u in unseen]


@st.cache_resource(show_spinner=False)
def _training_sources(direction: str) -> frozenset[str]:
    from models.data.tatoeba import read_pairs

    return frozenset((p.english if direction == "en-ko" else p.korean) for p in read_pairs() if p.split == "train")


def seen_in_training(direction: str, text: str) -> bool:
    """Whether this exact sentence was a training example."""
    return text in _training_sources(direction)
