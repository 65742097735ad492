"""The one door between pages and models/: devices, models, decoding, input checks, data for the pages.

Pages call these and draw what comes back; nothing here draws except messages (``show_problem``,
``model_or_message``), and the ``require_*`` helpers stop the page after theirs.

Caching: models, the device, the catalog and the live trainer are shared objects (``st.cache_resource``);
every result (decodes, captions, maps, steps, curves, examples) is data, copied per call (``st.cache_data``),
so that no session can change another's numbers. Models trained live in class live in this session's
``st.session_state`` (app/live.py) and are answered uncached under the same calls.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import json
import logging
import os
import sys
import threading
import time
import unicodedata
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import streamlit as st
from PIL import Image, ImageOps, UnidentifiedImageError

from app.i18n import t
from app.services import live_models as live
from models.data import sequences as _sequences
from models.data import shapes as _shapes
from models.protocols import ImageModel, TextModel
from models.results import Alignment, AttentionStep, ProblemKind, TransformerAttention, VisualAttention, distributions

if TYPE_CHECKING:  # torch and the networks load on first use (see warm_up): a page without a model never waits
    import torch

    from models import registry
    from models.worked_example import ScalingPoint

# Names that need torch, imported when first asked for (PEP 562): services.ModelError, services.WORKED_KINDS, ...
_LAZY = {
    "ModelError": ("models.registry", "CheckpointError"),  # what loading a broken checkpoint raises
    "ATTENTION_KINDS": ("models.seq2seq", "ATTENTION_KINDS"),  # what a live-trained model may use
    "WORKED_KINDS": ("models.worked_example", "KINDS"),
    "WORKED_DIM": ("models.worked_example", "DIM"),
    "WORKED_LIMIT": ("models.worked_example", "LIMIT"),
    "WORKED_MAX_TOKENS": ("models.worked_example", "MAX_TOKENS"),
    "DK_CHOICES": ("models.worked_example", "DK_CHOICES"),
    "WorkedExample": ("models.worked_example", "WorkedExample"),
    "Parameters": ("models.worked_example", "Parameters"),
    "ScalingPoint": ("models.worked_example", "ScalingPoint"),
    "default_example": ("models.worked_example", "default_example"),
    "default_parameters": ("models.worked_example", "default_parameters"),
    "work_example": ("models.worked_example", "work"),
    "exp_terms": ("models.worked_example", "exp_terms"),
    "read_numbers": ("models.worked_example", "read_numbers"),
    "scaling_example": ("models.worked_example", "scaling_example"),
}


def __getattr__(name: str) -> Any:
    """The torch-side names of ``_LAZY``, imported on first use and then kept in this module."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = _LAZY[name]
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


# --------------------------------------------------------------------------- the device, and torch in the background

_device_lock = threading.Lock()
_device: tuple[torch.device, str | None] | None = None
_warm_up_started = threading.Event()
# What /text needs comes first (a class goes there first), then the rest: the captioner alone takes over a second
# (torchvision), and /text's first heatmap waited for it. The page modules bring Altair and the beam tree (and
# would bring pandas, which warm_up imports before this thread starts).
WARM_UP_MODULES = ("torch", "models.registry", "models.seq2seq")
WARM_UP_LATER = ("app.pages.text.tree", "app.pages.text.whatif", "models.captioner", "models.transformer")
WARM_UP_INPUT = "2/10/93"
# Threads per torch operation in the app. Our models are small and many sessions decode at once, each in its own
# script thread: one thread per operation lets them run side by side. On a 2-core machine busy with other work,
# two threads per operation made a date decode about 20 times slower than one (the threads wait for each other).
# $ATTENTION_LENS_TORCH_THREADS overrides it.
TORCH_THREADS = int(os.environ.get("ATTENTION_LENS_TORCH_THREADS", "1"))


def _resolve_device() -> tuple[torch.device, str | None]:
    """Import torch and pick the device, once per process (the warm-up thread or the first page that needs it)."""
    global _device  # noqa: PLW0603 -- one device per process, set once under the lock
    with _device_lock:
        if _device is None:
            import torch

            from models import registry

            torch.set_num_threads(TORCH_THREADS)

            try:
                _device = registry.resolve_device(), None
            except registry.DeviceError as err:
                _device = torch.device("cpu"), str(err)
        return _device


@st.cache_resource(show_spinner=False)
def compute_device() -> tuple[torch.device, str | None]:
    """(the device models run on, a problem with $ATTENTION_LENS_DEVICE to show, or None)."""
    return _resolve_device()


def _label_without_torch() -> str | None:
    """'CPU' when no GPU can be there (nothing asked for, and no GPU driver on this machine); else None."""
    wanted = os.environ.get("ATTENTION_LENS_DEVICE", "auto").strip().lower()
    if wanted == "cpu":
        return "CPU"
    drivers = ("/proc/driver/nvidia/version", "/dev/nvidiactl", "/dev/kfd")  # CUDA, and ROCm's builds of torch
    if wanted == "auto" and (sys.platform == "darwin" or not any(Path(p).exists() for p in drivers)):
        return "CPU"
    return None


def device_label() -> str | None:
    """'CPU' or 'CUDA · <GPU name>' for the sidebar; None while only torch can tell and it is still loading."""
    if _device is not None:
        from models import registry

        return registry.device_label(_device[0])
    return _label_without_torch()


def device_problem() -> str | None:
    """What is wrong with $ATTENTION_LENS_DEVICE, once the device is known (None before, or when all is well)."""
    return _device[1] if _device is not None else None


def warm_up(delay_s: float = 0.0) -> None:
    """Once per server, in a background thread: import torch and the networks and pick the device, so that
    the first page with a model does not wait for them. Called after a page has been drawn (the home page
    itself never imports torch). ``ATTENTION_LENS_WARM_UP=0`` turns it off (torch then loads with the first
    page that needs it)."""
    if _warm_up_started.is_set() or os.environ.get("ATTENTION_LENS_WARM_UP", "1") == "0":
        return
    _warm_up_started.set()
    # pandas here, in the page's own thread, never in the background: Plotly looks pandas up in sys.modules while
    # it validates a figure, and another session's page would find it half-imported (AttributeError) meanwhile.
    importlib.import_module("pandas")

    def work() -> None:
        time.sleep(delay_s)
        try:
            for module in WARM_UP_MODULES:
                importlib.import_module(module)
            _resolve_device()
            for entry in model_catalog("date"):  # /text's models, where a class goes first
                if entry.kind == "seq2seq":
                    decoded = _decode_shipped(entry.name, WARM_UP_INPUT, 1)  # loads it (shared), runs it once
                    _warm_charts(decoded[0])
            for module in WARM_UP_LATER:
                importlib.import_module(module)
        except BaseException:  # the page that needs it will raise it again, where it can be shown
            if not sys.is_finalizing():
                logging.getLogger(__name__).warning("warm-up failed", exc_info=True)

    from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

    thread = threading.Thread(target=work, name="attention-lens-warm-up", daemon=True)
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is not None:  # the caches (st.cache_resource, st.cache_data) are used from a thread of this session
        add_script_run_ctx(thread, ctx)
    thread.start()


def _warm_charts(alignment: Alignment) -> None:
    """Build and serialise one heatmap: Plotly loads its validators on a first figure (hundreds of ms), which
    the first /text visit would otherwise wait for."""
    if _warm_charts_done.is_set():
        return
    from app.charts import heatmap

    heatmap.alignment_heatmap(alignment).to_json()
    _warm_charts_done.set()


_warm_charts_done = threading.Event()


def warmed_up() -> bool:
    """Whether torch is loaded and the device is known."""
    return _device is not None


# --------------------------------------------------------------------------- models


@st.cache_resource(show_spinner=False)
def model_catalog(task: str | None = None) -> list[registry.ModelEntry]:
    """The checkpoints on disk (cards only; nothing is loaded)."""
    from models import registry

    return registry.catalog(task=task)


@st.cache_resource(max_entries=12, show_spinner=False)
def load_model(name: str) -> registry.Checkpoint:
    """A shipped model, loaded once per server and shared by every session (models keep no per-call state).

    Raises ``ModelError``; pages use ``require_model`` or ``model_or_message`` instead.
    """
    from models import registry

    paths = {e.name: e.path for e in model_catalog()}
    return registry.load_checkpoint(paths.get(name, name), device=compute_device()[0])


def get_model(name: str) -> TextModel | ImageModel:
    """Model ``name``: one trained live in this session, or a shipped one. Raises ``ModelError``."""
    trained = live.session_models().get(name)
    return trained["model"] if trained is not None else load_model(name).model


def model_error(err: Exception) -> None:
    """A checkpoint problem as a message with what to do next, never a traceback."""
    st.error(f"**{t('errors.model_title')}** {err}\n\n{t('errors.model_hint')}")


def model_or_message(name: str) -> TextModel | ImageModel | None:
    """Model ``name``, or None after an error box that says why it could not be loaded (for a tab or a card)."""
    from models.registry import CheckpointError  # ModelError

    try:
        return get_model(name)
    except CheckpointError as err:
        model_error(err)
        return None


def require_model(name: str) -> TextModel | ImageModel:
    """Model ``name``, shipped or trained live; when it cannot be loaded, the reason and ``st.stop()``."""
    model = model_or_message(name)
    if model is None:
        st.stop()
    return model


# --------------------------------------------------------------------------- input problems


@dataclass(frozen=True)
class InputProblem:
    """Why an input cannot be used (or can, with a note): a kind, its severity, and the facts its message needs.

    The message itself is looked up in the reader's language when it is shown: ``errors.<kind>`` in
    app/locales, filled with ``params`` (numbers, sizes; "chars" and "words" are described at that time).
    """

    kind: ProblemKind
    level: str = "error"  # "error" | "warning" | "info"
    params: dict[str, Any] = field(default_factory=dict, hash=False)

    def message_in(self, lang: str | None = None) -> str:
        """The message in ``lang`` (the page's language by default)."""
        values = dict(self.params)
        if "chars" in values:
            values["chars"] = ", ".join(_describe(c, lang) for c in values["chars"])
        if "words" in values:
            values["words"] = ", ".join(f"“{w}”" for w in values["words"])
        return t(f"errors.{self.kind.value}", lang=lang, **values)

    @property
    def message(self) -> str:
        return self.message_in()


def show_problem(problem: InputProblem | None, message: str | None = None) -> None:
    """The problem as st.error / st.warning / st.info (``message`` instead of its own, when given)."""
    if problem is not None:
        getattr(st, problem.level)(message or problem.message)


# --------------------------------------------------------------------------- text input


def tidy(text: str) -> str:
    """Leading, trailing and repeated whitespace removed: "  march  5 " -> "march 5"."""
    return " ".join(text.split())


def _describe(char: str, lang: str | None = None) -> str:
    """A character as a person can read it: “x”, or its code point when it is invisible."""
    if unicodedata.category(char)[0] in "CZ":
        return t("errors.whitespace_char", lang=lang, code=f"U+{ord(char):04X}")
    return f"“{char}”"


MAX_TEXT_CHARS = 1_000  # longer pastes are refused before the tokenizer sees them


def check_text(model: TextModel, text: str) -> InputProblem | None:
    """None when ``model`` can read ``text``; else what is wrong, naming the characters or the length."""
    if len(text) > MAX_TEXT_CHARS:  # counted in characters, whatever the model's units
        limit = MAX_TEXT_CHARS if model.reads_pieces else model.max_source_len
        return InputProblem(ProblemKind.TOO_LONG, params={"n": len(text), "limit": limit})
    check = model.check_input(text)
    if check is None:
        return None
    if check.kind is ProblemKind.EMPTY:
        return InputProblem(check.kind, "info")
    if check.kind in (ProblemKind.TOO_LONG, ProblemKind.TOO_LONG_PIECES):
        return InputProblem(check.kind, params={"n": check.count, "limit": check.limit})
    if check.kind is ProblemKind.UNCOVERED:  # a note: the rest is still translated
        return InputProblem(check.kind, "warning", params={"words": check.items})
    return InputProblem(check.kind, params={"chars": check.items, "count": len(check.items)})


def require_text(model: TextModel, text: str, before_stop=None) -> InputProblem | None:
    """Show what is wrong with ``text`` for ``model``; ``st.stop()`` unless it is only a warning.

    ``before_stop(problem)``, when given, draws something under the message first (a way out).
    Returns the warning, if there was one.
    """
    problem = check_text(model, text)
    show_problem(problem)
    if problem is not None and problem.level != "warning":
        if before_stop is not None:
            before_stop(problem)
        st.stop()
    return problem


def cleaned_text(model: TextModel, text: str) -> str | None:
    """``text`` without what ``model`` cannot read, cut to its length, when that differs and can be read."""
    cleaned = model.known_text(text)[: model.max_source_len]
    if cleaned and cleaned != text and check_text(model, cleaned) is None:
        return cleaned
    return None


def decode_text(name: str, text: str, beam_width: int = 1) -> list[Alignment]:
    """The best ``beam_width`` outputs of model ``name`` (shipped or trained live) for ``text``, best first.

    ``text`` must pass ``check_text`` first. Raises ``ModelError`` for a shipped model that cannot load.
    """
    trained = live.session_models().get(name)
    if trained is not None:  # this session's own model: not shared, so not cached across sessions
        return trained["model"].decode([text], beam_width=beam_width)[0]
    return _decode_shipped(name, text, beam_width)


@st.cache_data(max_entries=512, show_spinner=False)
def _decode_shipped(name: str, text: str, beam_width: int) -> list[Alignment]:
    return load_model(name).model.decode([text], beam_width=beam_width)[0]


HOME_EXAMPLE = Path(__file__).resolve().parents[2] / "assets" / "examples" / "home.json"


@st.cache_data(show_spinner=False)
def home_example() -> Alignment | None:
    """The home page's example: a date model's decode saved as JSON by scripts/home_example.py (and checked
    against the model by tests/models/test_home_example.py), drawn without loading torch. None when the file
    is missing or unreadable."""
    try:
        doc = json.loads(HOME_EXAMPLE.read_text(encoding="utf-8"))
        return Alignment(
            source=list(doc["source"]),
            target=list(doc["target"]),
            weights=distributions(np.asarray(doc["weights"], dtype=np.float64)),
            score=float(doc["score"]),
            text=str(doc["text"]),
            has_attention=bool(doc.get("has_attention", True)),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def is_real_date(text: str) -> bool:
    """Whether ``text`` is a real calendar date in YYYY-MM-DD form (a model can write 2023-02-30)."""
    from models.data.dates import iso_is_real_date

    return iso_is_real_date(text)


@st.cache_data(max_entries=256, show_spinner=False)
def transformer_maps(name: str, text: str) -> TransformerAttention:
    """Every attention map of Transformer ``name`` for ``text``."""
    return load_model(name).model.translate([text])[0]


@st.cache_data(max_entries=256, show_spinner=False)
def explain_steps(name: str, text: str) -> list[AttentionStep]:
    """Every number of every greedy decoding step of RNN model ``name`` on ``text`` (see Seq2Seq.explain)."""
    return load_model(name).model.explain(text)


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


def _image_problem(kind: ProblemKind, level: str = "error", **params: Any) -> InputProblem:
    return InputProblem(kind, level, params)


def read_image(data: bytes) -> tuple[Image.Image | None, InputProblem | None]:
    """Decode an uploaded file into an RGB image, or say plainly why it cannot be used.

    (None, an error) for a file that cannot be used; (image, None), or (image, an "info" note) when
    something about the file is worth saying (an animated GIF: its first frame is used).
    EXIF orientation is applied; transparency is flattened onto white; palette, greyscale, CMYK and
    16-bit images are converted.
    """
    if not data:
        return None, _image_problem(ProblemKind.IMAGE_EMPTY)
    if len(data) > MAX_IMAGE_BYTES:
        mb, limit = len(data) / 2**20, MAX_IMAGE_BYTES // 2**20
        return None, _image_problem(ProblemKind.IMAGE_TOO_BIG, mb=mb, limit=limit)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=IMAGE_FORMATS)
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                return None, _image_problem(ProblemKind.IMAGE_BOMB, w=width, h=height)
            image.seek(0)
            _draft(image)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):  # Pillow's own check, in open()
        return None, _image_problem(ProblemKind.IMAGE_BOMB_UNKNOWN, limit=MAX_IMAGE_PIXELS // 1_000_000)
    except UnidentifiedImageError:
        kind = _signature(data)  # a picture's first bytes, but too little of it to read: cut short
        if kind:
            return None, _image_problem(ProblemKind.IMAGE_CORRUPT, detail=kind)
        return None, _image_problem(ProblemKind.IMAGE_UNREADABLE)
    except (OSError, SyntaxError, ValueError, EOFError) as err:
        return None, _image_problem(ProblemKind.IMAGE_CORRUPT, detail=str(err)[:120])
    if min(image.size) < MIN_IMAGE_SIDE:
        return None, _image_problem(ProblemKind.IMAGE_TOO_SMALL, w=width, h=height, min=MIN_IMAGE_SIDE)
    frames = getattr(image, "n_frames", 1) if image.format != "MPO" else 1  # a phone's MPO: a photo + previews
    note = _image_problem(ProblemKind.IMAGE_ANIMATED, "info", n=frames) if frames > 1 else None
    return to_rgb(image), note


DECODE_SIDE = 512  # a JPEG is decoded at the smallest 1/2, 1/4, 1/8 scale that keeps its short side this long


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


def image_key(image: Image.Image) -> str:
    """A short content hash, so that caching follows the pixels, not the file name."""
    return hashlib.sha1(image.tobytes() + repr(image.size).encode()).hexdigest()[:16]


def caption_image(name: str, image: Image.Image, beam_width: int) -> list[VisualAttention]:
    """The best ``beam_width`` captions of model ``name`` for ``image``, cached by its pixels."""
    return _caption(name, image_key(image), beam_width, image)


@st.cache_data(max_entries=128, show_spinner=False)
def _caption(name: str, key: str, beam_width: int, _image: Image.Image) -> list[VisualAttention]:
    return load_model(name).model.caption([_image], beam_width=beam_width)[0]


def word_hits(result: VisualAttention, scene: _shapes.Scene) -> list[bool | None]:
    """For a scene whose truth is known: per word, did its attention peak fall on the object it names?"""
    from models import metrics

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


# --------------------------------------------------------------------------- photo captioners (/image)

ASSETS_ROOT = Path(__file__).resolve().parents[2] / "assets"


def image_models() -> list[registry.ModelEntry]:
    """Every shipped captioner, in menu order: the shapes world first, then photo models."""
    entries = [e for e in model_catalog() if e.kind == "captioner"]
    return sorted(entries, key=lambda e: (e.task != "caption", e.card.get("order", 0), e.name))


@dataclass(frozen=True)
class GalleryPhoto:
    """One of the photos shipped for a photo model: its file, land-use class and a person's caption."""

    path: Path
    label: str
    caption: str


@st.cache_data(show_spinner=False)
def photo_gallery(name: str) -> tuple[list[GalleryPhoto], str]:
    """The photos model ``name``'s card points to (``"gallery"``: a folder of assets/ with gallery.json), and
    their credit; ([], "") for a model without a gallery."""
    folder = next((e.card.get("gallery") for e in model_catalog() if e.name == name), None)
    listing = ASSETS_ROOT / folder / "gallery.json" if folder else None
    if listing is None or not listing.is_file():
        return [], ""
    data = json.loads(listing.read_text(encoding="utf-8"))
    photos = [
        GalleryPhoto(listing.parent / g["file"], g.get("label", g["class"]), g["caption"]) for g in data["images"]
    ]
    return photos, data.get("credit", "")


@st.cache_data(max_entries=32, show_spinner=False)
def gallery_image(path: Path) -> Image.Image:
    """A gallery photo, decoded once."""
    return to_rgb(Image.open(path))


def aerial_check(name: str, image: Image.Image) -> Any:
    """Whether ``image`` looks like the aerial photos model ``name`` learned from (``AerialCheck``), or None for a
    model that keeps no such rule."""
    return _aerial_check(name, image_key(image), image)


@st.cache_data(max_entries=128, show_spinner=False)
def _aerial_check(name: str, key: str, _image: Image.Image) -> Any:
    model = load_model(name).model
    return model.aerial_check([_image])[0] if getattr(model.cfg, "aerial_components", 0) else None


def word_deletion(name: str, image: Image.Image, draws: int = 10) -> list:
    """The deletion test on ``image``'s best caption (``WordDeletion`` per content word): does blanking the
    10 % a word looked at most hurt that word more than blanking random areas of the same shape?"""
    return _word_deletion(name, image_key(image), draws, image)


@st.cache_data(max_entries=64, show_spinner=False)
def _word_deletion(name: str, key: str, draws: int, _image: Image.Image) -> list:
    return load_model(name).model.deletion(_image, draws=draws, seed=0)


def caption_forced(name: str, image: Image.Image, step: int, weights: tuple[float, ...]) -> VisualAttention:
    """Greedy caption of ``image`` with word ``step`` (0-based) looking with ``weights`` (the grid's regions row
    by row, summing to 1) instead of its own softmax; the words before are written as they were."""
    return _caption_forced(name, image_key(image), step, weights, image)


@st.cache_data(max_entries=256, show_spinner=False)
def _caption_forced(name: str, key: str, step: int, weights: tuple[float, ...], _image: Image.Image):
    from models.results import ForcedAttention

    model = load_model(name).model
    side = model.cfg.grid
    edit = ForcedAttention(step, np.asarray(weights, dtype=np.float64).reshape(side, side))
    return model.caption([_image], beam_width=1, force=edit)[0][0]


def caption_search(name: str, image: Image.Image, beam_width: int) -> list[VisualAttention]:
    """Like ``caption_image``, the best caption carrying the beam search as it ran (``VisualAttention.tree``)."""
    return _caption_search(name, image_key(image), beam_width, image)


@st.cache_data(max_entries=64, show_spinner=False)
def _caption_search(name: str, key: str, beam_width: int, _image: Image.Image) -> list[VisualAttention]:
    return load_model(name).model.caption([_image], beam_width=beam_width, with_tree=True)[0]


def named_words(words: list[str]) -> list[int]:
    """The positions of the caption's words that name something (not "a", "of", "with", ...)."""
    from models.metrics import content_words

    return content_words(words)


# --------------------------------------------------------------------------- the shapes world (/image)

Scene = _shapes.Scene
SHAPES = _shapes.SHAPES  # what the scene builder offers
COLOURS = tuple(_shapes.COLOURS)
SIZES = _shapes.SIZES
BACKGROUNDS = _shapes.BACKGROUNDS
MAX_OBJECTS = _shapes.MAX_OBJECTS


@st.cache_data(show_spinner=False)
def gallery_scenes() -> list[Scene]:
    """Six generated scenes for the gallery: one to four objects, every background (fixed seeds)."""
    return _shapes.ShapesGenerator(seed=2026).scenes(6)


def make_scene(objects: list[dict], background: str, noise: float, seed: int = 7) -> Scene:
    """A scene of the builder's objects (dicts of shape, colour, size, x, y, rotation). Raises ValueError."""
    return _shapes.make_scene(objects, background=background, noise=noise, seed=seed)


@st.cache_data(max_entries=64, show_spinner=False)
def render_scene(scene: Scene) -> Image.Image:
    """The scene as the picture a model sees (the gallery draws six of them on every run: kept, by scene)."""
    return _shapes.render(scene)


# --------------------------------------------------------------------------- translation


@st.cache_data(show_spinner=False)
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


@st.cache_data(show_spinner=False)
def _training_sources(direction: str) -> frozenset[str]:
    from models.data.tatoeba import read_pairs

    return frozenset((p.english if direction == "en-ko" else p.korean) for p in read_pairs() if p.split == "train")


def seen_in_training(direction: str, text: str) -> bool:
    """Whether this exact sentence was a training example."""
    return text in _training_sources(direction)


# --------------------------------------------------------------------------- the bottleneck experiment


SEQUENCE_TASKS = _sequences.TASKS  # reverse, copy (ATTENTION_KINDS: see _LAZY)


def experiment_results(task: str) -> dict | None:
    """The shipped results of the bottleneck experiment on ``task`` (accuracy by length per model), or None."""
    from models.tasks.bottleneck import results_path

    path = results_path(task)
    if not path.is_file():
        return None
    return _read_results(str(path), path.stat().st_mtime_ns)


@st.cache_data(max_entries=8, show_spinner=False)
def _read_results(path: str, mtime_ns: int) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def random_sequence(task: str, length: int, seed: int) -> str:
    """A fresh input of ``length`` symbols for the experiment's models."""
    return _sequences.SequenceGenerator(task, seed=seed).sample(length).source


def sequence_target(task: str, text: str) -> str:
    """The right answer for ``text`` (reversed or copied)."""
    return _sequences.target_of(task, text)


# --------------------------------------------------------------------------- the worked example (/math)
# Small numbers a student can edit, from models/worked_example.py, re-exported for the page (WORKED_KINDS,
# WorkedExample, work_example, ...: see _LAZY; that module computes with torch, so it loads on first use).


@st.cache_data(max_entries=64, show_spinner=False)
def scaling_curve(n_keys: int) -> list[ScalingPoint]:
    """Mean entropy and spread of softmax(qᵀk) with and without 1/√d_k, for every d_k of the slider."""
    from models import worked_example

    return worked_example.scaling_curve(n_keys=n_keys)


# --------------------------------------------------------------------------- beyond looking: edits, trees, rollout
# What-if decoding (one step's attention set by hand), the beam search as a tree, and attention rollout. Each
# result is cached as data keyed by everything that makes it, the edit included; models trained live in this
# session are answered uncached, as in decode_text.


def decode_forced(name: str, text: str, step: int, weights: tuple[float, ...]) -> Alignment:
    """Greedy decoding of ``text`` with output step ``step`` (0-based) looking with ``weights`` (summing to 1
    over its input tokens) instead of its own softmax; the steps before run as they did.

    ``text`` must pass ``check_text`` first. Raises ValueError for the no-attention baseline or weights of the
    wrong length; ``ModelError`` for a shipped model that cannot load.
    """
    trained = live.session_models().get(name)
    if trained is not None:
        return _forced(trained["model"], text, step, weights)
    return _decode_forced_shipped(name, text, step, weights)


@st.cache_data(max_entries=512, show_spinner=False)
def _decode_forced_shipped(name: str, text: str, step: int, weights: tuple[float, ...]) -> Alignment:
    return _forced(load_model(name).model, text, step, weights)


def _forced(model: TextModel, text: str, step: int, weights: tuple[float, ...]) -> Alignment:
    from models.results import ForcedAttention

    return model.decode([text], beam_width=1, force=ForcedAttention(step, np.asarray(weights)))[0][0]


def search_text(name: str, text: str, beam_width: int) -> list[Alignment]:
    """Like ``decode_text``, from the same one search recorded as a tree: the best output carries it
    (``Alignment.tree``: every prefix weighed, kept, pruned or finished, with its log-probability and weights)."""
    trained = live.session_models().get(name)
    if trained is not None:
        return trained["model"].decode([text], beam_width=beam_width, with_tree=True)[0]
    return _search_shipped(name, text, beam_width)


@st.cache_data(max_entries=256, show_spinner=False)
def _search_shipped(name: str, text: str, beam_width: int) -> list[Alignment]:
    return load_model(name).model.decode([text], beam_width=beam_width, with_tree=True)[0]


@st.cache_data(max_entries=256, show_spinner=False)
def encoder_rollout(name: str, text: str) -> np.ndarray:
    """Attention rollout (Abnar & Zuidema 2020) of Transformer ``name``'s encoder self-attention on ``text``,
    heads averaged: (layers, T_src, T_src), layer l = how much each position draws on each input position
    through layers 1..l, the residual connections counted."""
    from models.transformer import attention_rollout

    return attention_rollout(transformer_maps(name, text).encoder_self.mean(axis=1))


# --------------------------------------------------------------------------- reviews (/classify)
# The review classifiers (kind "classifier", models/classifier.py): a label with its probability, attention per
# word (None for the no-attention baseline), Integrated Gradients per word, and the per-review tests of whether
# the attention explains the decision. Every result is data, cached by model and text, copied per call.

MAX_REVIEW_CHARS = 20_000  # longer pastes are refused; up to this a long review is read in part (with a notice)
REVIEW_SCRIPTS = {"ko": "HANGUL", "en": "LATIN"}  # a card's language -> the Unicode script of its letters

if TYPE_CHECKING:
    from models.results import AttentionPermutation, Classification, Erasure


def review_models() -> list[registry.ModelEntry]:
    """The shipped review classifiers (cards only), in the catalog's order."""
    return [e for e in model_catalog() if e.kind == "classifier"]


def check_review(model: Any, text: str, language: str) -> InputProblem | None:
    """None when ``model`` (trained on reviews in ``language``) can read ``text``; else what is wrong.

    Empty (info); more than MAX_REVIEW_CHARS characters; no letter or digit at all (only emoji or symbols);
    letters, but none of the model's script (English into the Korean model); characters its tokenizer cannot
    cover (a warning: the rest is read).
    """
    if len(text) > MAX_REVIEW_CHARS:
        return InputProblem(ProblemKind.TOO_LONG, params={"n": len(text), "limit": MAX_REVIEW_CHARS})
    if not text.strip():
        return InputProblem(ProblemKind.EMPTY, "info")
    categories = [unicodedata.category(c)[0] for c in text]
    if "L" not in categories and "N" not in categories:
        return InputProblem(ProblemKind.NO_WORDS)
    script = REVIEW_SCRIPTS.get(language)
    letters = [c for c, cat in zip(text, categories, strict=True) if cat == "L"]
    if script and letters and not any(script in unicodedata.name(c, "") for c in letters):
        return InputProblem(ProblemKind.UNSEEN_LANGUAGE, params={"language": language})
    check = model.check_input(text)
    if check is not None and check.kind is ProblemKind.UNCOVERED:
        return InputProblem(check.kind, "warning", params={"words": check.items})
    if check is not None:
        return InputProblem(check.kind, params={"n": check.count, "limit": check.limit})
    return None


def classify_review(name: str, text: str) -> Classification:
    """Model ``name``'s label for ``text`` with attention and Integrated Gradients per token (``text`` must pass
    ``check_review`` first; a long review is read in part: see ``Classification.truncated``)."""
    return _classify_review(name, text)


@st.cache_data(max_entries=256, show_spinner=False)
def _classify_review(name: str, text: str) -> Classification:
    return load_model(name).model.classify([text], attributions=True)[0]


@st.cache_data(max_entries=256, show_spinner=False)
def review_permutation(name: str, text: str) -> AttentionPermutation:
    """The permutation test on ``text`` (Jain & Wallace 2019): p of the label with its attention shuffled 100
    times. Attention models only."""
    return load_model(name).model.permutation_test(text)


@st.cache_data(max_entries=256, show_spinner=False)
def review_erasure(name: str, text: str) -> list[Erasure]:
    """The text classified again without its most attended word, its highest-IG word and a random word."""
    return load_model(name).model.erasure(text)


def review_tau(result: Classification) -> float | None:
    """Kendall's τ_b between the words' attention and their |Integrated Gradients| (None without attention, or
    when either ranking is all ties, as for a one-word review)."""
    from models.classifier import kendall_tau_b

    if result.weights is None or result.attributions is None or len(result.words) < 2:
        return None
    tau = kendall_tau_b(result.per_word(result.weights), np.abs(result.per_word(result.attributions)))
    return None if np.isnan(tau) else tau


@dataclass(frozen=True)
class ReviewScores:
    """What a classifier's card says about it on its test set, beside its no-attention baseline."""

    model: str
    baseline: str | None
    n: int
    accuracy: float
    baseline_accuracy: float | None
    by_length: list[dict]  # {"words", "n", "model", "baseline"} per quartile of review length
    explanations: dict  # the card's "explanations" (the attention model's, when the picked one is the baseline)
    attention: bool = True  # False when ``model`` is itself a baseline (its attention model not shipped yet)


def _baseline_of(card: dict) -> str | None:
    """The no-attention baseline a classifier's card compares itself with, if any."""
    return card.get("metrics", {}).get("test", {}).get("baseline", {}).get("model")


def review_scores(name: str) -> ReviewScores | None:
    """The test numbers of ``name`` and its baseline, from the cards (the baseline's card is named by the
    attention model's); None when the card has no test metrics."""
    cards = {e.name: e.card for e in review_models()}
    test = cards.get(name, {}).get("metrics", {}).get("test")
    if not test:
        return None
    partner = next((n for n, c in cards.items() if _baseline_of(c) == name), None)
    if partner is not None:  # ``name`` is a baseline: show it as its attention model's partner
        return review_scores(partner)
    base = test.get("baseline") or {}
    base_rows = {row["words"]: row["accuracy"] for row in base.get("by_length", [])}
    rows = [
        {"words": r["words"], "n": r["n"], "model": r["accuracy"], "baseline": base_rows.get(r["words"])}
        for r in test.get("by_length", [])
    ]
    return ReviewScores(
        model=name,
        baseline=base.get("model"),
        n=int(test.get("n", 0)),
        accuracy=float(test["accuracy"]),
        baseline_accuracy=base.get("accuracy"),
        by_length=rows,
        explanations=test.get("explanations", {}),
        attention=cards[name].get("config", {}).get("attention", "none") != "none",
    )


# --------------------------------------------------------------------------- the shapes world: what-if answers


def word_kind(word: str) -> str | None:
    """ "colour", "shape" or "size" for a word of the shapes world, else None."""
    return "colour" if word in COLOURS else "shape" if word in SHAPES else "size" if word in SIZES else None


def object_at(scene: Scene, row: int, col: int, side: int) -> Any:
    """The scene's object whose box holds the centre of region (row, col) of a side × side grid, or None."""
    x, y = (col + 0.5) * scene.size / side, (row + 0.5) * scene.size / side
    return next((o for o in scene.objects if o.box[0] <= x < o.box[2] and o.box[1] <= y < o.box[3]), None)


def colour_swap_example(scene: Scene, words: list[str], side: int) -> tuple[int, int, int, str] | None:
    """The lecture's what-if on a scene: the caption's first colour word, and the centre region of an object of
    another colour — (word index, row, column, that colour) — or None when the scene has no such pair."""
    step = next((i for i, w in enumerate(words) if word_kind(w) == "colour"), None)
    other = next((o for o in scene.objects if step is not None and o.colour != words[step]), None)
    if other is None:
        return None
    x0, y0, x1, y1 = other.box
    row = min(int((y0 + y1) / 2 * side / scene.size), side - 1)
    col = min(int((x0 + x1) / 2 * side / scene.size), side - 1)
    return step, row, col, other.colour
