"""Pictures people bring: an upload or a camera shot decoded into RGB, or a plain reason why it cannot be."""

from __future__ import annotations

import io
import warnings

import numpy as np
import streamlit as st
from PIL import Image, ImageOps, UnidentifiedImageError

from app.services.problems import InputProblem, show_problem
from models.results import ProblemKind

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
DECODE_SIDE = 512  # a JPEG is decoded at the smallest 1/2, 1/4, 1/8 scale that keeps its short side this long


def _signature(data: bytes) -> str | None:
    """The format whose magic bytes ``data`` starts with (WebP: RIFF....WEBP), or None."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WebP"
    return next((name for magic, name in _SIGNATURES.items() if data.startswith(magic)), None)


def _problem(kind: ProblemKind, level: str = "error", **params: float | int | str) -> InputProblem:
    return InputProblem(kind, level, params)


def read_image(data: bytes) -> tuple[Image.Image | None, InputProblem | None]:
    """Decode an uploaded file into an RGB image, or say plainly why it cannot be used.

    (None, an error) for a file that cannot be used; (image, None), or (image, an "info" note) when
    something about the file is worth saying (an animated GIF: its first frame is used).
    EXIF orientation is applied; transparency is flattened onto white; palette, greyscale, CMYK and
    16-bit images are converted.
    """
    if not data:
        return None, _problem(ProblemKind.IMAGE_EMPTY)
    if len(data) > MAX_IMAGE_BYTES:
        mb, limit = len(data) / 2**20, MAX_IMAGE_BYTES // 2**20
        return None, _problem(ProblemKind.IMAGE_TOO_BIG, mb=mb, limit=limit)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=IMAGE_FORMATS)
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                return None, _problem(ProblemKind.IMAGE_BOMB, w=width, h=height)
            image.seek(0)
            _draft(image)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):  # Pillow's own check, in open()
        return None, _problem(ProblemKind.IMAGE_BOMB_UNKNOWN, limit=MAX_IMAGE_PIXELS // 1_000_000)
    except UnidentifiedImageError:
        kind = _signature(data)  # a picture's first bytes, but too little of it to read: cut short
        if kind:
            return None, _problem(ProblemKind.IMAGE_CORRUPT, detail=kind)
        return None, _problem(ProblemKind.IMAGE_UNREADABLE)
    except (OSError, SyntaxError, ValueError, EOFError) as err:
        return None, _problem(ProblemKind.IMAGE_CORRUPT, detail=str(err)[:120])
    if min(image.size) < MIN_IMAGE_SIDE:
        return None, _problem(ProblemKind.IMAGE_TOO_SMALL, w=width, h=height, min=MIN_IMAGE_SIDE)
    frames = getattr(image, "n_frames", 1) if image.format != "MPO" else 1  # a phone's MPO: a photo + previews
    note = _problem(ProblemKind.IMAGE_ANIMATED, "info", n=frames) if frames > 1 else None
    return to_rgb(image), note


def _draft(image: Image.Image) -> None:
    """Let a large JPEG decode at a reduced scale (the DCT does it, at a fraction of the work): every model
    reads at most 448 px, so a 3-megapixel phone photo is decoded at 1024 × 768, not 2048 × 1536."""
    if image.format in ("JPEG", "MPO") and min(image.size) >= 2 * DECODE_SIDE:
        width, height = image.size
        scale = DECODE_SIDE / min(width, height)
        image.draft(image.mode, (round(width * scale), round(height * scale)))


def require_image(data: bytes) -> Image.Image:
    """The picture in an uploaded file or a camera shot; a note about it shown, or the error and ``st.stop()``."""
    image, problem = read_image(data)
    show_problem(problem)  # an error without an image, or a note about one (an animated GIF)
    if image is None:
        st.stop()
    return image


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
