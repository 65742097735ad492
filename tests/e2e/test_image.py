"""/image in a real browser: upload a picture, see the caption and the overlays; a bad file gets a message."""

import io

import numpy as np
from PIL import Image
from playwright.sync_api import expect

from models.data.shapes import make_scene, render
from tests.e2e.conftest import assert_no_exception
from tests.e2e.harness import wait_until_idle


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def upload(page, name: str, data: bytes, mime: str) -> None:
    page.get_by_role("radio", name="Upload").click()
    wait_until_idle(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": data}]
    )
    wait_until_idle(page)


def test_uploaded_scene_gets_a_caption_and_overlays(page):
    page.open("/image")
    scene = make_scene([{"shape": "square", "colour": "blue", "size": "large", "x": 0.5, "y": 0.5}], seed=3)
    upload(page, "square.png", png_bytes(render(scene).resize((300, 300))), "image/png")
    caption = page.get_by_test_id("al-caption").first
    expect(caption).to_contain_text("square", timeout=60_000)
    words = caption.inner_text().split()
    page.get_by_role("tab", name="All words").click()
    images = page.locator('[data-testid="stImage"] img')
    expect(images.nth(len(words) - 1)).to_be_visible(timeout=60_000)  # an overlay for every word
    assert_no_exception(page)


def test_corrupt_upload_gets_a_message_and_the_page_recovers(page):
    page.open("/image")
    noise = np.random.default_rng(0).integers(0, 256, (100, 100, 3), dtype=np.uint8)
    whole = png_bytes(Image.fromarray(noise))  # noise does not compress: cutting it in half cuts the pixels
    upload(page, "broken.png", whole[: len(whole) // 2], "image/png")
    expect(page.get_by_text("damaged")).to_be_visible(timeout=60_000)
    assert_no_exception(page)
    page.get_by_role("radio", name="Gallery").click()
    expect(page.get_by_test_id("al-caption").first).to_be_visible(timeout=60_000)
    assert_no_exception(page)
