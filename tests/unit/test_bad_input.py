"""The bad-input catalogue (issue 8), at the service level: every bad text, picture or checkpoint becomes a
clear message (an InputProblem or a CheckpointError, never a traceback), and the next normal input works.

Already covered elsewhere and not repeated here: every image mode and format becoming RGB, transparency, an
empty file, a 64-megapixel bomb and a truncated PNG (test_image_input.py); a checkpoint truncated or corrupt
against its card's size and checksum, garbage weights and a card whose config does not match
(test_registry.py). The same catalogue through the pages is in tests/app/test_bad_input.py.
"""

from __future__ import annotations

import io
import json
import shutil
import struct
import time
import zlib
from pathlib import Path

import pytest
import torch
from PIL import Image
from safetensors.torch import save_file
from torch import nn

from app import services
from app.i18n import t
from models import registry
from models.registry import CheckpointError
from models.results import ProblemKind
from tests.unit.test_registry import Tiny  # the same one-layer model the registry tests use

# ----------------------------------------------------------------------------------------------- text

DATE_MODEL = "date-additive"
GOOD_DATE, GOOD_ISO = "2/10/93", "1993-02-10"


@pytest.fixture(scope="module")
def date_model():
    return services.load_model(DATE_MODEL).model


def assert_normal_text_still_works(model) -> None:
    """After a bad input, a normal date passes the check and decodes to its ISO form."""
    assert services.check_text(model, services.tidy(GOOD_DATE)) is None
    assert services.decode_text(DATE_MODEL, GOOD_DATE)[0].text == GOOD_ISO


@pytest.mark.parametrize(
    "typed",
    ["", "   ", "\t\n  \r\n", "\u00a0\u3000\u2003", " " * 10_000],
    ids=["empty", "spaces", "tabs-and-newlines", "unicode-spaces", "10000-spaces"],
)
def test_empty_and_whitespace_text_asks_for_input(date_model, typed):
    problem = services.check_text(date_model, services.tidy(typed))
    assert problem is not None and problem.kind is ProblemKind.EMPTY and problem.level == "info"
    assert problem.message == t("errors.empty")
    assert_normal_text_still_works(date_model)


def test_ten_thousand_characters_name_the_length_and_the_limit(date_model):
    text = services.tidy("march 5, 2026 " * 715)[:10_000]
    assert len(text) == 10_000
    problem = services.check_text(date_model, text)
    assert problem is not None and problem.kind is ProblemKind.TOO_LONG and problem.level == "error"
    assert "10000" in problem.message and f"at most {date_model.max_source_len}" in problem.message
    assert_normal_text_still_works(date_model)


def test_a_huge_paste_is_refused_before_the_tokenizer_sees_it():
    seen: list[int] = []

    class Model:  # a TextModel as far as the check goes
        max_source_len = 40
        reads_pieces = False

        def check_input(self, text):
            seen.append(len(text))

    problem = services.check_text(Model(), "1" * 10_000)
    assert problem is not None and problem.level == "error" and "10000" in problem.message
    assert seen == [], "a 10,000-character text reached the tokenizer"
    assert services.check_text(Model(), "1" * services.MAX_TEXT_CHARS) is None  # the limit itself goes through
    assert seen == [services.MAX_TEXT_CHARS]


@pytest.mark.parametrize(
    ("typed", "named"),
    [
        ("march 5, 2026 😀", ["“😀”"]),
        ("👩\u200d👩\u200d👧 march 5", ["“👩”", "“👧”", "U+200D"]),  # a family emoji joined by zero-width joiners
        ("٥ مارس ٢٠٢٦", ["“م”", "“٥”"]),  # Arabic, right to left, with Arabic-Indic digits
        ("5 במרץ 2026", ["“ב”"]),  # Hebrew
        ("march 5, 2026\u202e", ["U+202E"]),  # right-to-left override: invisible, so described by code point
        ("march\x00 5, 2026\x07", ["U+0000", "U+0007"]),  # NUL and BEL control characters
        ("march\u200b 5, 2026", ["U+200B"]),  # zero-width space
    ],
    ids=["emoji", "emoji-zwj", "arabic", "hebrew", "rtl-override", "control", "zero-width"],
)
def test_emoji_right_to_left_and_control_characters_are_named(date_model, typed, named):
    problem = services.check_text(date_model, services.tidy(typed))
    assert problem is not None and problem.kind is ProblemKind.UNKNOWN_CHARS and problem.level == "error"
    for name in named:
        assert name in problem.message, (name, problem.message)
    cleaned = date_model.known_text(services.tidy(typed))
    assert all(c in date_model.src_vocab for c in cleaned)
    assert_normal_text_still_works(date_model)


def test_a_problem_is_a_kind_and_facts_worded_in_the_readers_language(date_model):
    """The same problem reads in English or Korean when shown; what it carries is language-free."""
    problem = services.check_text(date_model, "march 5, 2026 😀\u200b")
    assert problem.kind is ProblemKind.UNKNOWN_CHARS and problem.params["count"] == 2
    english, korean = problem.message_in("en"), problem.message_in("ko")
    assert english.startswith("The model has never seen 2") and "U+200B" in english and "“😀”" in english
    assert "본 적 없는 문자가 2개" in korean and "U+200B" in korean and "보이지 않는 문자" in korean
    assert not any(isinstance(v, str) and " " in v for v in problem.params.values()), "a sentence in the facts"


def test_cleaned_text_drops_what_the_model_cannot_read(date_model):
    assert services.cleaned_text(date_model, "march 5, 2026 😀") == "march 5, 2026"
    assert services.check_text(date_model, "march 5, 2026") is None
    assert services.cleaned_text(date_model, "march 5, 2026") is None  # nothing to clean
    assert services.cleaned_text(date_model, "😀☃") is None  # nothing left


def test_translation_names_emoji_and_right_to_left_text_but_still_translates():
    model = services.load_model("translate-en-ko").model
    for typed in ("I love you 😀", "I love you שלום"):
        problem = services.check_text(model, typed)
        assert problem is not None and problem.kind is ProblemKind.UNCOVERED
        assert problem.level == "warning"  # a note: the rest is still translated
        assert typed.split()[-1] in problem.message
        assert services.decode_text("translate-en-ko", typed)[0].target, "no translation"
    assert services.check_text(model, "Thank you.") is None


# ----------------------------------------------------------------------------------------------- images


def encode(image: Image.Image, fmt: str, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def assert_normal_image_still_works() -> None:
    image = Image.new("RGB", (64, 48), (30, 140, 60))
    result, problem = services.read_image(encode(image, "PNG"))
    assert problem is None and result.size == (64, 48) and result.getpixel((10, 10)) == (30, 140, 60)


def bomb_png(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of width × height zeros, written chunk by chunk (Pillow would need the pixels)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\0" * (1 + (width + 7) // 8)  # filter byte + packed bits
    packer = zlib.compressobj(9)
    body = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # bit depth 1, greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def test_non_image_file_named_png_is_not_a_picture():
    for data in (b"<html><script>alert(1)</script></html>", b"PK\x03\x04" + b"\0" * 200, "日付".encode() * 50):
        result, problem = services.read_image(data)  # the page never looks at the name "photo.png"
        assert result is None and problem.kind is ProblemKind.IMAGE_UNREADABLE
        assert problem.message == t("errors.image_unreadable")
    assert_normal_image_still_works()


@pytest.mark.parametrize("keep", [0.9, 0.5, 0.1])
def test_truncated_jpeg_is_damaged(keep):
    jpeg = encode(Image.new("RGB", (300, 200), "red"), "JPEG", quality=90)
    result, problem = services.read_image(jpeg[: int(len(jpeg) * keep)])
    assert result is None and problem.level == "error"
    assert "damaged or cut short" in problem.message
    assert_normal_image_still_works()


def test_20000_by_20000_png_bomb_is_refused_without_decoding():
    bomb = bomb_png(20_000, 20_000)  # 400 megapixels in about 50 kB
    assert len(bomb) < 100_000
    assert struct.unpack(">II", bomb[16:24]) == (20_000, 20_000)
    with pytest.raises(Image.DecompressionBombError):  # a genuine PNG: Pillow parses it and balks
        Image.open(io.BytesIO(bomb))
    start = time.perf_counter()
    result, problem = services.read_image(bomb)
    assert time.perf_counter() - start < 2.0, "the pixels were decoded"
    assert result is None and "pixels" in problem.message and "40" in problem.message
    assert_normal_image_still_works()


def test_bomb_below_pillows_limit_is_refused_with_its_size():
    bomb = bomb_png(8_000, 6_000)  # 48 megapixels: over our limit, under Pillow's
    result, problem = services.read_image(bomb)
    assert result is None and "8000 × 6000" in problem.message
    assert_normal_image_still_works()


@pytest.mark.parametrize("size", [(1, 1), (1000, 1), (15, 400)])
def test_tiny_images_are_too_small(size):
    result, problem = services.read_image(encode(Image.new("RGB", size, "white"), "PNG"))
    assert result is None
    assert f"{size[0]} × {size[1]}" in problem.message and str(services.MIN_IMAGE_SIDE) in problem.message
    assert_normal_image_still_works()


def test_animated_gif_gives_its_first_frame_and_a_note():
    frames = [Image.new("RGB", (32, 32), c) for c in ("red", "blue", "green")]
    result, note = services.read_image(encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100))
    assert result is not None and result.mode == "RGB"
    r, g, b = result.getpixel((16, 16))
    assert r > 200 and g < 50 and b < 50  # the first frame is red
    assert note is not None and note.level == "info" and "3" in note.message
    still, nothing = services.read_image(encode(frames[1], "GIF"))  # a single-frame GIF needs no note
    assert nothing is None and still.getpixel((16, 16))[2] > 200
    assert_normal_image_still_works()


def test_cmyk_jpeg_keeps_its_colours():
    image = Image.new("CMYK", (40, 30), (0, 255, 255, 0))  # no cyan, full magenta and yellow: red
    image.paste((255, 0, 255, 0), (20, 0, 40, 30))  # full cyan and yellow: green on the right half
    result, problem = services.read_image(encode(image, "JPEG", quality=95))
    assert problem is None and result.mode == "RGB"
    left, right = result.getpixel((5, 15)), result.getpixel((35, 15))
    assert left[0] > 200 and left[1] < 60 and left[2] < 60, left
    assert right[1] > 150 and right[0] < 60 and right[2] < 60, right
    assert_normal_image_still_works()


@pytest.mark.parametrize(
    ("orientation", "size", "red_at"),
    [(1, (60, 20), (2, 10)), (3, (60, 20), (57, 10)), (6, (20, 60), (10, 2)), (8, (20, 60), (10, 57))],
    ids=["upright", "upside-down", "rotate-cw", "rotate-ccw"],
)
def test_exif_rotated_photo_is_shown_upright(orientation, size, red_at):
    photo = Image.new("RGB", (60, 20), "blue")  # as stored by the camera: red on the left third
    photo.paste((255, 0, 0), (0, 0, 20, 20))
    exif = Image.Exif()
    exif[0x0112] = orientation
    result, problem = services.read_image(encode(photo, "JPEG", exif=exif, quality=95))
    assert problem is None and result.size == size
    r, _, b = result.getpixel(red_at)
    assert r > 200 and b < 60, (orientation, result.getpixel(red_at))
    assert_normal_image_still_works()


def test_file_over_the_upload_cap_is_refused_and_one_at_the_cap_is_not():
    png = encode(Image.new("RGB", (40, 40), "red"), "PNG")
    at_cap = png + b"\0" * (services.MAX_IMAGE_BYTES - len(png))  # bytes after IEND are ignored by readers
    over = at_cap + b"\0"
    result, problem = services.read_image(over)
    assert result is None and f"{services.MAX_IMAGE_BYTES // 2**20} MB" in problem.message
    result, problem = services.read_image(at_cap)
    assert problem is None and result.size == (40, 40)
    assert_normal_image_still_works()


# ----------------------------------------------------------------------------------------------- checkpoints


registry.register_kind("bad-input-tiny", lambda card: Tiny(card["config"]["width"]))


def _ran_on_unpickle(path: str) -> None:
    Path(path).write_text("unpickled")


class Payload:
    """Unpickling this calls _ran_on_unpickle: the proof that a loader ran code from a file."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (_ran_on_unpickle, (str(self.marker),))


@pytest.fixture
def folder(tmp_path):
    """A folder with a good checkpoint 'good' (width 4); returns (folder, the model saved)."""
    torch.manual_seed(0)
    model = Tiny(4)
    registry.save_checkpoint(model, {"kind": "bad-input-tiny", "config": {"width": 4}}, tmp_path, "good")
    return tmp_path, model


def write_user_checkpoint(folder: Path, name: str, tensors: dict | None, width: int = 4, raw: bytes | None = None):
    """A checkpoint as a user might hand-write it: weights (tensors or raw bytes) and a card without checksums."""
    path = folder / f"{name}.safetensors"
    if raw is not None:
        path.write_bytes(raw)
    else:
        save_file(tensors, str(path))
    (folder / f"{name}.json").write_text(
        json.dumps({"name": name, "kind": "bad-input-tiny", "config": {"width": width}})
    )


def assert_good_checkpoint_still_loads(folder: Path, model: nn.Module) -> None:
    loaded = registry.load_checkpoint("good", device="cpu", directory=folder)
    x = torch.randn(2, 3)
    assert torch.equal(loaded.model(x), model(x))


def test_wrong_shape_tensor_is_named_with_both_shapes(folder):
    folder, model = folder
    write_user_checkpoint(folder, "wide", {"layer.weight": torch.zeros(5, 3), "layer.bias": torch.zeros(4)})
    with pytest.raises(CheckpointError) as caught:
        registry.load_checkpoint("wide", device="cpu", directory=folder)
    message = str(caught.value)
    assert "layer.weight is 5 × 3 in the file, the card needs 4 × 3" in message
    assert "layer.bias" not in message  # the tensor that fits is not blamed
    assert "size mismatch" not in message and "state_dict" not in message  # ours, not torch's RuntimeError
    assert_good_checkpoint_still_loads(folder, model)


def test_missing_and_unexpected_tensors_are_named(folder):
    folder, model = folder
    write_user_checkpoint(folder, "partial", {"layer.weight": torch.zeros(4, 3), "extra.weight": torch.zeros(2)})
    with pytest.raises(CheckpointError) as caught:
        registry.load_checkpoint("partial", device="cpu", directory=folder)
    message = str(caught.value)
    assert "missing: layer.bias" in message and "not in the card's model: extra.weight" in message
    assert_good_checkpoint_still_loads(folder, model)


def test_shipped_weights_with_a_card_of_another_size_are_refused_by_shape(tmp_path):
    shutil.copy(registry.ASSETS_DIR / "date-dot.safetensors", tmp_path / "date-odd.safetensors")
    card = json.loads((registry.ASSETS_DIR / "date-dot.json").read_text(encoding="utf-8"))
    card["name"] = "date-odd"
    card["config"]["embed_dim"] = 48  # the weights were trained with 32; size and checksum still match
    (tmp_path / "date-odd.json").write_text(json.dumps(card), encoding="utf-8")
    with pytest.raises(CheckpointError, match=r"wrong shape: .* × 32 in the file, the card needs .* × 48"):
        registry.load_checkpoint("date-odd", device="cpu", directory=tmp_path)
    assert registry.load_checkpoint("date-dot", device="cpu").model.decode([GOOD_DATE])[0][0].text == GOOD_ISO


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        struct.pack("<Q", 10**9) + b"{}",  # a header length far past the end of the file
        struct.pack("<Q", 12) + b"{not json!!}",  # a header that is not JSON
        b"\x00" * 64,
    ],
    ids=["empty", "header-past-end", "header-not-json", "zeros"],
)
def test_corrupt_weights_without_a_checksum_are_refused(folder, raw):
    folder, model = folder
    write_user_checkpoint(folder, "broken", None, raw=raw)
    with pytest.raises(CheckpointError, match="not a readable safetensors"):
        registry.load_checkpoint("broken", device="cpu", directory=folder)
    assert_good_checkpoint_still_loads(folder, model)


def test_truncated_weights_without_a_checksum_are_refused(folder):
    folder, model = folder
    full = (folder / "good.safetensors").read_bytes()
    write_user_checkpoint(folder, "cut", None, raw=full[: len(full) - 20])
    with pytest.raises(CheckpointError, match="not a readable safetensors"):
        registry.load_checkpoint("cut", device="cpu", directory=folder)
    assert_good_checkpoint_still_loads(folder, model)


def test_a_pickle_disguised_as_safetensors_is_never_unpickled(folder):
    folder, model = folder
    marker = folder / "ran.txt"
    torch.save({"layer.weight": Payload(marker)}, str(folder / "trap.pt"))  # a classic pickled checkpoint
    raw = (folder / "trap.pt").read_bytes()
    write_user_checkpoint(folder, "trap", None, raw=raw)
    with pytest.raises(CheckpointError):
        registry.load_checkpoint("trap", device="cpu", directory=folder)
    assert not marker.exists(), "loading a checkpoint ran code from a pickle"
    assert_good_checkpoint_still_loads(folder, model)
