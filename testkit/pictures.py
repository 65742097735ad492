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


def everyday_photos(n: int, seed: int = 5) -> list[bytes]:
    """``n`` different 3-megapixel JPEGs of the shipped everyday gallery (public domain and CC0): each photo
    cropped a little differently, enlarged to a phone's size, with sensor-like noise."""
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "assets" / "samples" / "everyday"
    files = sorted(folder.glob("*.jpg"))
    rng = np.random.default_rng(seed)
    photos = []
    for k in range(n):
        image = Image.open(files[k % len(files)]).convert("RGB")
        w, h = image.size
        dx, dy = (int(v) for v in rng.integers(0, max(min(w, h) // 10, 1), 2))
        big = image.crop((dx, dy, w - dx // 2, h - dy // 2)).resize(PHOTO_SIZE, Image.Resampling.BILINEAR)
        noisy = np.clip(np.asarray(big, dtype=np.int16) + rng.normal(0, 4, (PHOTO_SIZE[1], PHOTO_SIZE[0], 3)), 0, 255)
        photos.append(encode(Image.fromarray(noisy.astype(np.uint8)), "JPEG", quality=90))
    return photos
