"""Uploaded images: every mode and format is converted, and every bad file becomes a clear message."""

import io

import pytest
from PIL import Image

from app import services


def encode(image: Image.Image, fmt: str, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("mode", "fmt"),
    [
        ("RGB", "PNG"),
        ("RGBA", "PNG"),
        ("L", "JPEG"),
        ("P", "GIF"),
        ("CMYK", "JPEG"),
        ("I;16", "PNG"),
        ("RGB", "WEBP"),
        ("RGB", "BMP"),
        ("LA", "PNG"),
    ],
)
def test_every_mode_and_format_becomes_rgb(mode, fmt):
    image = Image.new(mode, (40, 30))
    result, problem = services.read_image(encode(image, fmt))
    assert problem is None
    assert result.mode == "RGB" and result.size == (40, 30)


def test_transparency_is_flattened_onto_white():
    clear = Image.new("RGBA", (20, 20), (255, 0, 0, 0))
    result, _ = services.read_image(encode(clear, "PNG"))
    assert result.getpixel((5, 5)) == (255, 255, 255)


def test_exif_orientation_is_respected():
    image = Image.new("RGB", (60, 20), "red")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    result, problem = services.read_image(encode(image, "JPEG", exif=exif))
    assert problem is None and result.size == (20, 60)


def test_animated_gif_gives_its_first_frame():
    frames = [Image.new("RGB", (20, 20), c) for c in ("red", "blue")]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    result, _ = services.read_image(data)
    r, g, b = result.getpixel((10, 10))
    assert r > 200 and b < 50


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"this is not an image at all", "not a picture"),
        (encode(Image.new("RGB", (200, 200)), "PNG")[:150], "damaged"),
        (encode(Image.new("RGB", (1, 1)), "PNG"), "at least 16"),
        (b"\x89PNG" + b"0" * (services.MAX_IMAGE_BYTES + 1), "MB"),
    ],
    ids=["empty", "not-an-image", "truncated", "one-pixel", "over-the-cap"],
)
def test_bad_files_get_a_message(data, words):
    result, problem = services.read_image(data)
    assert result is None and problem is not None
    assert words in problem.message


def test_decompression_bomb_is_refused():
    bomb = encode(Image.new("1", (8000, 8000)), "PNG")  # 64 megapixels in a few kilobytes
    assert len(bomb) < 200_000
    result, problem = services.read_image(bomb)
    assert result is None and "pixels" in problem.message
