"""/image in a real browser: upload a picture, see the caption and the overlays; a bad file gets a message."""

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

from models.data.shapes import make_scene, render
from tests.e2e.conftest import assert_no_exception
from tests.e2e.harness import wait_for_hover, wait_until_idle

EVERYDAY = Path(__file__).resolve().parents[2] / "assets" / "samples" / "everyday"


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


def test_an_aerial_gallery_photo_gets_a_caption_and_overlays(page):
    page.open("/image?model=caption-aerial")
    page.get_by_test_id("stButtonGroup").get_by_text("river", exact=True).click()  # the photo strip's names
    wait_until_idle(page)
    caption = page.get_by_test_id("al-caption").first
    expect(caption).to_contain_text("river", timeout=60_000)
    words = caption.inner_text().split()
    page.get_by_role("tab", name="All words").click()
    overlays = page.locator('[data-testid="stImage"] img')
    expect(overlays.nth(12 + len(words) - 1)).to_be_visible(timeout=60_000)  # the strip's 12, then every word
    assert_no_exception(page)


def test_clicking_a_region_forces_a_word_to_look_there(page):
    page.open("/image?model=caption-aerial&pick=10")
    page.get_by_role("tab", name="What if?").click()
    wait_until_idle(page)
    charts = page.locator('[data-testid="stPlotlyChart"]')
    expect(charts.first).to_be_attached(timeout=60_000)
    chart = next(charts.nth(i) for i in range(charts.count()) if charts.nth(i).is_visible())  # the open tab's
    chart.scroll_into_view_if_needed()
    row = page.get_by_role("slider", name="Row (top → bottom)")
    box = chart.locator(".nsewdrag").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.1, box["y"] + box["height"] * 0.93)  # the bottom-left region
    wait_for_hover(chart)  # Plotly picks the point under the pointer on hover, then takes the click
    page.mouse.down()
    page.mouse.up()
    expect(row).to_have_attribute("aria-valuetext", "13", timeout=30_000)
    wait_until_idle(page)
    expect(page.get_by_text("With your edit")).to_be_visible()
    assert_no_exception(page)


@pytest.mark.parametrize(
    ("lang", "upload_label", "tab", "picked"),
    [("en", "Upload", "All words", "Picked"), ("ko", "올리기", "모든 단어", "골랐습니다")],
)
def test_an_everyday_photo_goes_to_its_captioner_with_an_overlay_per_word(page, lang, upload_label, tab, picked):
    page.open(f"/image?lang={lang}")
    photo = Image.open(EVERYDAY / "astronaut.jpg")
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG", quality=90)
    page.get_by_role("radio", name=upload_label).click()
    wait_until_idle(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": "astronaut.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}]
    )
    wait_until_idle(page)
    expect(page.get_by_text(picked).first).to_be_visible(timeout=60_000)  # which captioner, and why
    expect(page.get_by_text("Everyday photo captioner").first).to_be_visible()
    caption = page.get_by_test_id("al-caption").first
    expect(caption).to_be_visible(timeout=60_000)
    words = caption.inner_text().split()
    assert len(words) >= 3
    page.get_by_role("tab", name=tab).click()
    overlays = page.locator('[data-testid="stImage"] img')
    expect(overlays.nth(len(words) - 1)).to_be_visible(timeout=60_000)  # an overlay for every word
    assert_no_exception(page)
