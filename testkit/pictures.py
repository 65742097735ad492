"""Pictures to upload, made here (nothing is downloaded): a file's bytes in any format Pillow writes, and phone-
sized photos of generated scenes."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

PHOTO_SIZE = (2048, 1536)  # 3.1 megapixels, a phone's photo at its smallest common size


def encode(image: Image.Image, fmt: str = "PNG", **kwargs) -> bytes:
    """The bytes of ``image`` saved as ``fmt`` ("PNG", "JPEG", "TIFF", ...; ``kwargs`` go to Pillow's save)."""
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def phone_photos(n: int, seed: int = 777) -> list[bytes]:
    """``n`` different 3-megapixel JPEGs (generated scenes, enlarged, with sensor-like noise)."""
    from models.data.shapes import ShapesGenerator, render

    rng = np.random.default_rng(3)
    photos = []
    for scene in ShapesGenerator(seed=seed).scenes(n):
        big = np.asarray(render(scene).resize(PHOTO_SIZE, Image.Resampling.BILINEAR), dtype=np.int16)
        noisy = np.clip(big + rng.normal(0, 6, big.shape), 0, 255).astype(np.uint8)
        photos.append(encode(Image.fromarray(noisy), "JPEG", quality=90))
    return photos
