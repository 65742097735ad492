"""/image sends a picture of the student's own to the captioner whose training pictures it resembles (each
captioner's measured familiarity rule), says which one and why in a line, and lets the student switch back."""

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.app.conftest import assert_clean, open_app

ASSETS = Path(__file__).resolve().parents[2] / "assets" / "samples"
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "ucm" / "images"


def jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()


def upload(at, name: str, data: bytes):
    at.segmented_control(key="image_source").set_value("upload").run()
    at.file_uploader(key="image_upload").set_value((name, data, "image/jpeg")).run()
    assert_clean(at)
    return at


def route_line(at) -> str:
    lines = [c.value for c in at.caption if "Picked" in c.value or "No captioner recognises" in c.value]
    assert len(lines) == 1, [c.value for c in at.caption]
    return lines[0]


def chips(at) -> str:
    return "\n".join(m.value for m in at.markdown if 'data-testid="al-caption"' in m.value)


def test_an_everyday_photo_goes_to_the_everyday_captioner_from_the_shapes_page():
    at = open_app("image")
    assert at.selectbox(key="image_model").value == "caption-shapes"
    upload(at, "astronaut.jpg", jpeg(Image.open(ASSETS / "everyday" / "astronaut.jpg")))
    assert at.selectbox(key="image_model").value == "caption-photo"
    line = route_line(at)
    assert "Picked **Everyday photo captioner**" in line and "under 1 looks familiar" in line
    assert chips(at) and not list(at.warning)


def test_an_aerial_photo_goes_to_the_aerial_captioner():
    at = upload(open_app("image"), "overpass.jpg", jpeg(Image.open(FIXTURE / "overpass90.jpg")))
    assert at.selectbox(key="image_model").value == "caption-aerial"
    assert "Picked **Aerial photo captioner**" in route_line(at)
    assert not any("does not look like" in w.value for w in at.warning)


def test_a_shapes_scene_goes_back_to_the_shapes_world_and_the_student_can_switch():
    from app import services

    at = open_app("image")
    at.selectbox(key="image_model").set_value("caption-aerial").run()
    scene = services.render_scene(services.gallery_scenes()[5]).resize((256, 256))
    upload(at, "shapes.jpg", jpeg(scene))
    assert at.selectbox(key="image_model").value == "caption-shapes"
    assert "Picked **Shapes world captioner**" in route_line(at)
    assert not list(at.warning)
    at.selectbox(key="image_model").set_value("caption-aerial").run()  # the student's own choice stands
    assert_clean(at)
    assert at.selectbox(key="image_model").value == "caption-aerial"
    assert any("Shapes world captioner" in i.value for i in at.info), "it says which captioner knows this picture"


@pytest.mark.parametrize("language", ["en", "ko"])
def test_a_picture_no_captioner_recognises_gets_the_everyday_guess_and_a_warning(language):
    noise = np.random.default_rng(3).integers(0, 256, (200, 200, 3), dtype=np.uint8)
    at = upload(open_app("image", lang=language), "noise.jpg", jpeg(Image.fromarray(noise)))
    assert at.selectbox(key="image_model").value == "caption-photo"
    assert chips(at), "it still writes its best guess"
    assert list(at.warning)
    line = route_line(at) if language == "en" else next(c.value for c in at.caption if "알아보는" in c.value)
    assert "Everyday photo captioner" in line
