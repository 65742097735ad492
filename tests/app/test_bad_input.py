"""The bad-input catalogue (issue 8) through the pages under AppTest: each bad text, picture or checkpoint shows
an st.error / st.warning / st.info with a clear message and no exception element, and the next normal input
on the same page gives its output. Service-level checks of the same catalogue: tests/unit/test_bad_input.py.
"""

from __future__ import annotations

import io
import json
import re
import shutil

import pytest
import streamlit as st
from PIL import Image

from app import services
from models import registry
from models.data import shapes
from tests.app.conftest import assert_clean, open_app
from tests.unit.test_bad_input import bomb_png

# ----------------------------------------------------------------------------------------------- helpers

GOOD_DATE, GOOD_ISO = "2/10/93", "1993-02-10"


def markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def messages(at, level: str) -> list[str]:
    return [m.value for m in getattr(at, level)]


def type_date(at, text: str):
    """The text page after typing ``text`` (an error box is allowed: the tests say which they expect)."""
    at.text_input(key="text_input_date").set_value(text).run()
    assert_clean(at, errors=True)
    return at


def assert_date_page_works(at) -> None:
    """A normal date after a bad input: no error, the ISO answer drawn, a heatmap."""
    type_date(at, GOOD_DATE)
    assert not at.error, messages(at, "error")
    assert f">{GOOD_ISO}<" in markdown(at)
    assert at.get("plotly_chart"), "no heatmap"


def png(image: Image.Image, fmt: str = "PNG", **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def half(data: bytes) -> bytes:
    return data[: len(data) // 2]


def scene_png() -> tuple[bytes, str]:
    """A normal upload: a generated shapes scene as a PNG, and its true caption."""
    scene = shapes.ShapesGenerator(seed=11).scene()
    return png(shapes.render(scene)), scene.caption


def caption_chips(at) -> str:
    return "\n".join(m.value for m in at.markdown if 'data-testid="al-caption"' in m.value)


def upload(at, name: str, data: bytes, mime: str = "image/png"):
    """The image page after an upload (an error box is allowed: the tests say which they expect)."""
    at.file_uploader(key="image_upload").set_value((name, data, mime)).run()
    assert_clean(at, errors=True)
    return at


def assert_normal_upload_works(at) -> None:
    data, truth = scene_png()
    upload(at, "scene.png", data)
    assert not at.error, messages(at, "error")
    chips = caption_chips(at)
    assert any(f">{word}" in chips for word in shapes.SHAPES), "no caption drawn"
    assert at.get("image"), "no overlays drawn"


@pytest.fixture
def upload_page():
    at = open_app("image")
    at.segmented_control(key="image_source").set_value("upload").run()
    assert_clean(at)
    return at


@pytest.fixture
def extra_models(tmp_path, monkeypatch):
    """A folder named by $ATTENTION_LENS_MODELS, with the cached catalog and models cleared around the test."""
    monkeypatch.setenv(registry.EXTRA_MODELS_ENV, str(tmp_path))
    st.cache_resource.clear()
    yield tmp_path
    monkeypatch.delenv(registry.EXTRA_MODELS_ENV)
    st.cache_resource.clear()


def copy_checkpoint(source: str, name: str, folder, config: dict | None = None, weights: bytes | None = None):
    """A copy of a shipped checkpoint under a new name, with its config or its weights changed."""
    card = json.loads((registry.ASSETS_DIR / f"{source}.json").read_text(encoding="utf-8"))
    card["name"] = name
    card["title"] = f"{card.get('title', source)} ({name})"  # pickers show titles: keep them apart
    card["config"].update(config or {})
    (folder / f"{name}.json").write_text(json.dumps(card), encoding="utf-8")
    if weights is None:
        shutil.copy(registry.ASSETS_DIR / f"{source}.safetensors", folder / f"{name}.safetensors")
    else:
        (folder / f"{name}.safetensors").write_bytes(weights)


# ----------------------------------------------------------------------------------------------- /text


@pytest.mark.parametrize(
    ("text", "level", "words"),
    [
        ("", "info", "Type a date"),
        (" \t \u00a0\u3000 ", "info", "Type a date"),
        ("1" * 10_000, "error", "at most 40"),
        ("march 5, 2026 😀", "error", "“😀”"),
        ("٥ مارس ٢٠٢٦", "error", "“م”"),
        ("march 5, 2026\u202e", "error", "U+202E"),
        ("march\x00 5, 2026\x07", "error", "U+0007"),
    ],
    ids=["empty", "whitespace", "10000-chars", "emoji", "right-to-left", "rtl-override", "control"],
)
def test_bad_text_gets_a_message_then_a_normal_date_works(text, level, words):
    at = type_date(open_app("text"), text)
    assert any(words in m for m in messages(at, level)), messages(at, level)
    assert not at.get("plotly_chart"), "a heatmap was drawn for a bad input"
    assert_date_page_works(at)


def test_bad_text_in_korean_gets_a_korean_message():
    at = open_app("text", lang="ko")
    type_date(at, "march 5, 2026 😀")
    assert "본 적 없는 문자" in at.error[0].value and "😀" in at.error[0].value
    type_date(at, "1" * 10_000)
    assert "최대 40자" in at.error[0].value
    assert_date_page_works(at)


def test_translation_names_emoji_and_still_translates():
    at = open_app("text")
    at.segmented_control(key="text_task").set_value("en-ko").run()
    at.text_input(key="text_input_en-ko").set_value("I love you 😀").run()
    assert_clean(at)
    assert any("😀" in w for w in messages(at, "warning"))
    assert 'data-testid="al-output"' in markdown(at)
    at.text_input(key="text_input_en-ko").set_value("Thank you.").run()
    assert_clean(at)
    assert not at.warning and not at.error
    assert 'data-testid="al-output"' in markdown(at)


ALLOWED_TAG = re.compile(r"</?(span|div|b|br)\b[^<>]*>")


def stray_angle_brackets(at) -> list[str]:
    """Every '<' in HTML-enabled markdown that does not open one of the app's own tags."""
    found = []
    for m in at.markdown:
        if m.proto.allow_html:
            body = ALLOWED_TAG.sub("", m.value)
            found += [body[max(0, i - 20) : i + 20] for i, c in enumerate(body) if c == "<"]
    return found


@pytest.mark.parametrize(
    ("task", "text"),
    [
        ("date", "<b>march</b> 5, 2026 <img src=x onerror=alert(1)>"),
        ("en-ko", "< < < <"),
        ("en-ko", "I <b>love</b> you"),
    ],
    ids=["date", "translate-brackets", "translate-tags"],
)
def test_typed_html_is_never_rendered_as_html(task, text):
    at = open_app("text")
    if task != "date":
        at.segmented_control(key="text_task").set_value(task).run()
    at.text_input(key=f"text_input_{task}").set_value(text).run()
    assert_clean(at, errors=True)
    assert stray_angle_brackets(at) == []


# ----------------------------------------------------------------------------------------------- /image


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("photo.png", b"<html><body>not a picture</body></html>", "not a picture we can read"),
        ("photo.jpg", half(png(Image.new("RGB", (300, 200), "red"), "JPEG")), "damaged or cut short"),
        ("huge.png", bomb_png(20_000, 20_000), "too many to open safely"),
        ("dot.png", png(Image.new("RGB", (1, 1), "red")), "only 1 × 1 pixels"),
        ("big.png", png(Image.new("RGB", (40, 40))) + b"\0" * services.MAX_IMAGE_BYTES, "the limit is 20 MB"),
    ],
    ids=["not-an-image", "truncated-jpeg", "bomb-20000", "one-pixel", "over-the-cap"],
)
def test_bad_upload_gets_a_message_then_a_normal_picture_works(upload_page, name, data, words):
    at = upload(upload_page, name, data)
    assert any(words in e for e in messages(at, "error")), messages(at, "error")
    assert not caption_chips(at) and not at.get("image"), "something was captioned"
    assert_normal_upload_works(at)


def test_animated_gif_is_captioned_from_its_first_frame_with_a_note(upload_page):
    data, _ = scene_png()
    first = Image.open(io.BytesIO(data))
    frames = [first, Image.new("RGB", first.size, "black"), Image.new("RGB", first.size, "white")]
    gif = png(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=200)
    at = upload(upload_page, "moving.gif", gif, "image/gif")
    assert not at.error
    assert any("animated (3 frames)" in i.value for i in at.info)
    assert any(f">{word}" in caption_chips(at) for word in shapes.SHAPES)


@pytest.mark.parametrize("kind", ["cmyk", "exif-rotated"])
def test_cmyk_and_rotated_photos_are_captioned(upload_page, kind):
    data, _ = scene_png()
    scene = Image.open(io.BytesIO(data))
    if kind == "cmyk":
        upload_data = png(scene.convert("CMYK"), "JPEG", quality=95)
    else:
        exif = Image.Exif()
        exif[0x0112] = 6  # stored turned left; shown upright
        upload_data = png(scene.transpose(Image.Transpose.ROTATE_90), "JPEG", exif=exif, quality=95)
    at = upload(upload_page, "photo.jpg", upload_data, "image/jpeg")
    assert not at.error, messages(at, "error")
    assert any(f">{word}" in caption_chips(at) for word in shapes.SHAPES)


# ----------------------------------------------------------------------------------------------- checkpoints


def _flip_last_byte(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 0xFF])


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"weights": lambda raw: raw[: len(raw) // 2]}, "truncated"),
        ({"weights": _flip_last_byte}, "corrupt"),
        ({"config": {"hidden_dim": 48}}, "wrong shape"),
    ],
    ids=["truncated", "corrupt", "wrong-shape"],
)
def test_bad_checkpoint_on_text_page_is_a_message_then_a_shipped_model_works(extra_models, change, words):
    raw = (registry.ASSETS_DIR / "date-dot.safetensors").read_bytes()
    weights = change["weights"](raw) if "weights" in change else None
    copy_checkpoint("date-dot", "date-bad", extra_models, config=change.get("config"), weights=weights)
    at = open_app("text")
    at.selectbox(key="text_model_date").set_value("date-bad").run()
    assert_clean(at, errors=True)
    message = at.error[0].value
    assert "could not be loaded" in message and "date-bad" in message and words in message
    assert f">{GOOD_ISO}<" not in markdown(at)
    at.selectbox(key="text_model_date").set_value("date-additive").run()
    type_date(at, GOOD_DATE)
    assert f">{GOOD_ISO}<" in markdown(at)
    # the compare tab lists every model; only the broken one may complain
    assert all("date-bad" in e.value for e in at.error), messages(at, "error")


def test_wrong_shape_captioner_is_a_message_then_the_shipped_one_works(extra_models):
    copy_checkpoint("caption-shapes", "caption-bad", extra_models, config={"attention_dim": 96})
    at = open_app("image")
    at.selectbox(key="image_model").set_value("caption-bad").run()
    assert_clean(at, errors=True)
    message = at.error[0].value
    assert "could not be loaded" in message and "wrong shape" in message
    assert re.search(r"128[ ×\d]* in the file, the card needs [ ×\d]*96", message), message
    assert not caption_chips(at)
    at.selectbox(key="image_model").set_value("caption-shapes").run()
    assert_clean(at)
    assert not at.error
    assert any(f">{word}" in caption_chips(at) for word in shapes.SHAPES)
