"""Links a teacher can share: a page's view as URL query parameters, and back again. Pure: no streamlit.

Each page lists its fields (query name -> field); ``parse`` reads a query (what ``st.query_params`` holds: one
value or a list of values per name) into typed values and names every value it had to ignore; ``encode`` writes
values back as strings, and ``link`` joins them onto an address. Anyone can type a URL, so every value is
checked for its type, range and length, never evaluated, and a bad one is dropped (the page says so) instead
of raising. Names a page does not know (``lang``, a tracker's ``utm_source``) are left alone.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlencode

__all__ = [
    "Choice",
    "Field",
    "Flag",
    "Integer",
    "Parsed",
    "Text",
    "Weights",
    "encode",
    "image_fields",
    "link",
    "math_fields",
    "parse",
    "text_fields",
    "transformer_fields",
]

MAX_VALUE_CHARS = 4_000  # no field needs more; a longer value is dropped before it is looked at
_DIGITS = re.compile(r"[0-9]{1,6}")  # ASCII digits only: str.isdigit() would take "²" and "٣"
_NUMBER = re.compile(r"[0-9]{1,6}(\.[0-9]{1,8})?")  # no sign, no exponent, no nan or inf


@dataclass(frozen=True)
class Choice:
    """One of a fixed list of strings (a model name, a task, a mode)."""

    options: tuple[str, ...]

    def read(self, raw: str) -> str | None:
        return raw if raw in self.options else None

    def write(self, value: str) -> str:
        return str(value)


@dataclass(frozen=True)
class Integer:
    """A whole number from ``lo`` to ``hi``, written in plain ASCII digits (positions are 1-based)."""

    lo: int
    hi: int

    def read(self, raw: str) -> int | None:
        if not _DIGITS.fullmatch(raw):
            return None
        value = int(raw)
        return value if self.lo <= value <= self.hi else None

    def write(self, value: int) -> str:
        return str(int(value))


@dataclass(frozen=True)
class Text:
    """A typed input of at most ``max_chars`` characters and no control characters.

    Characters a model cannot read still pass: the page's own input check names them, as it does when typed.
    """

    max_chars: int

    def read(self, raw: str) -> str | None:
        if len(raw) > self.max_chars:
            return None
        if any(unicodedata.category(c) in ("Cc", "Cs") for c in raw):
            return None
        return raw

    def write(self, value: str) -> str:
        return value


@dataclass(frozen=True)
class Flag:
    """On or off: ``1`` or ``0`` (also true/false, on/off)."""

    def read(self, raw: str) -> bool | None:
        return {"1": True, "true": True, "on": True, "0": False, "false": False, "off": False}.get(raw.lower())

    def write(self, value: bool) -> str:
        return "1" if value else "0"


@dataclass(frozen=True)
class Weights:
    """Attention weights over the input as typed: comma-separated non-negative numbers, not all zero (the page
    divides them by their sum, so ``1,1,2`` means ¼, ¼, ½)."""

    max_count: int

    def read(self, raw: str) -> tuple[float, ...] | None:
        parts = raw.split(",")
        if not 1 <= len(parts) <= self.max_count or not all(_NUMBER.fullmatch(p) for p in parts):
            return None
        values = [float(p) for p in parts]
        total = math.fsum(values)
        if not math.isfinite(total) or total <= 0:
            return None
        return tuple(values)

    def write(self, value: tuple[float, ...]) -> str:
        return ",".join(_short(v) for v in value)


def _short(x: float) -> str:
    """0.25 -> "0.25", 1.0 -> "1", 3e-7 -> "0": four decimals, no exponent (what ``Weights.read`` accepts)."""
    text = f"{max(float(x), 0.0):.4f}".rstrip("0").rstrip(".")
    return text or "0"


Field = Choice | Integer | Text | Flag | Weights


@dataclass(frozen=True)
class Parsed:
    """What a query gave: the values that passed, and the names whose values were ignored (sorted)."""

    values: dict
    ignored: tuple[str, ...] = ()


def _one_value(raw: object) -> str | None:
    """The single string a query holds for a name; None for a repeated name, a non-string or a huge value."""
    if isinstance(raw, list | tuple):
        if len(raw) != 1:
            return None
        raw = raw[0]
    if not isinstance(raw, str) or len(raw) > MAX_VALUE_CHARS:
        return None
    return raw


def parse(query: Mapping[str, object], fields: Mapping[str, Field]) -> Parsed:
    """The values of ``fields`` that ``query`` gives; a value that does not fit its field is ignored and named."""
    values, ignored = {}, []
    for name, spec in fields.items():
        if name not in query:
            continue
        raw = _one_value(query[name])
        value = spec.read(raw) if raw is not None else None
        if value is None:
            ignored.append(name)
        else:
            values[name] = value
    return Parsed(values, tuple(sorted(ignored)))


def encode(values: Mapping[str, object], fields: Mapping[str, Field]) -> dict[str, str]:
    """``values`` as query strings, in the order of ``fields`` (None and unknown names left out)."""
    return {name: spec.write(values[name]) for name, spec in fields.items() if values.get(name) is not None}


def link(base: str, query: Mapping[str, str]) -> str:
    """``base`` with ``query`` appended: spaces as %20 and every non-ASCII character escaped."""
    if not query:
        return base
    return f"{base}?{urlencode(dict(query), quote_via=quote, safe=',-')}"


# ------------------------------------------------------------------------------------- each page's fields

TEXT_MODES = ("look", "whatif", "quiz")
TEXT_TABS = ("alignment", "steps", "beams", "compare")
TF_KINDS = ("cross", "encoder_self", "decoder_self")
TF_VIEWS = ("raw", "rollout")
TF_TABS = ("one", "grid", "lines", "compare")
MAX_TEXT = 300  # the /text box takes at most this many characters
MAX_TOKENS = 400  # more input tokens than any model reads
MAX_STEPS = 200  # more output steps than any model writes
MAX_GRID = 64  # more regions across than any captioner's grid


def text_fields(tasks: tuple[str, ...], models: tuple[str, ...]) -> dict[str, Field]:
    """/text: task, input, model, beam width, mode, tab, step slider, the what-if edit, the tree's node."""
    return {
        "task": Choice(tasks),
        "text": Text(MAX_TEXT),
        "model": Choice(models),
        "beam": Integer(1, 10),
        "mode": Choice(TEXT_MODES),
        "tab": Choice(TEXT_TABS),
        "step": Integer(1, MAX_STEPS),  # the step-by-step slider
        "edit": Integer(1, MAX_STEPS),  # the what-if: which step is edited
        "at": Integer(1, MAX_TOKENS),  # ... all its weight on this input token
        "w": Weights(MAX_TOKENS),  # ... or spread like this
        "node": Integer(1, 100_000),  # the beam tree's chosen node
    }


def transformer_fields(layers: int, heads: int) -> dict[str, Field]:
    """/transformer: input, kind of attention, raw or rollout, layer, head, tab, the line view's token."""
    return {
        "text": Text(200),
        "kind": Choice(TF_KINDS),
        "view": Choice(TF_VIEWS),
        "layer": Integer(1, layers),
        "head": Integer(0, heads),  # 0: the heads averaged
        "tab": Choice(TF_TABS),
        "token": Integer(0, MAX_TOKENS),  # 0: every token
    }


def math_fields(models: tuple[str, ...]) -> dict[str, Field]:
    """/math, the real-model tab: the date, the model, the decoding step."""
    return {"mtext": Text(200), "mmodel": Choice(models), "mstep": Integer(1, MAX_STEPS)}


def image_fields(models: tuple[str, ...], pictures: int) -> dict[str, Field]:
    """/image: the model, the gallery picture (1-based), the word, the beam width, the what-if edit."""
    return {
        "model": Choice(models),
        "pick": Integer(1, pictures),
        "word": Integer(1, MAX_STEPS),
        "beam": Integer(1, 10),
        "edit": Integer(1, MAX_STEPS),  # the what-if: which word is edited
        "row": Integer(1, MAX_GRID),  # ... made to look at this region
        "col": Integer(1, MAX_GRID),
        "patch": Integer(1, 5),  # ... spread over patch × patch regions around it
    }
