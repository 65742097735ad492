"""Shared links: every query value is checked, a bad one is ignored and named, and nothing raises."""

import math

import pytest

from app.logic import share

MODELS = ("date-additive", "date-dot", "date-none")
TEXT = share.text_fields(("date", "en-ko", "ko-en"), MODELS)
SCRIPT = "<script>alert(1)</script>"

HOSTILE = [
    "",
    " ",
    "-1",
    "+3",
    "0x10",
    "1e3",
    "1.5",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "None",
    "null",
    "true",
    "[]",
    "{}",
    "١٢",  # Arabic-Indic digits: int() would take them
    "²",
    "9" * 5000,
    "9" * 40,
    SCRIPT,
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "../../etc/passwd",
    "%00",
    "\x00",
    "a\nb",
    "\u202eevil",
    "\ud800",
    "💥" * 50,
    "date-additive\x00",
    "DATE-ADDITIVE",
    "date-additive ",
    "no-such-model",
    "__import__('os').system('ls')",
    "1,2,3",
    "0,0,0",
    "1,-1",
    ",,,",
    "1,,2",
    "nan,1",
    "1;2",
]


@pytest.mark.parametrize("raw", HOSTILE)
@pytest.mark.parametrize("name", list(TEXT))
def test_a_hostile_value_is_ignored_or_read_safely_never_raises(name, raw):
    parsed = share.parse({name: raw}, TEXT)
    if name in parsed.values:
        value = parsed.values[name]
        spec = TEXT[name]
        if isinstance(spec, share.Choice):
            assert value in spec.options
        elif isinstance(spec, share.Integer):
            assert isinstance(value, int) and spec.lo <= value <= spec.hi
        elif isinstance(spec, share.Text):
            assert isinstance(value, str) and len(value) <= spec.max_chars
            assert "\x00" not in value and "\n" not in value
        elif isinstance(spec, share.Weights):
            assert all(math.isfinite(v) and v >= 0 for v in value) and sum(value) > 0
    else:
        assert parsed.ignored == (name,)


@pytest.mark.parametrize("raw", [["1", "2"], [], 3, None, b"1", {"a": 1}, ["9" * 10_000]])
def test_wrong_types_and_repeated_names_are_ignored(raw):
    parsed = share.parse({"beam": raw}, TEXT)
    assert parsed.values == {} and parsed.ignored == ("beam",)


def test_typical_values_are_read():
    query = {"task": "date", "text": "september 27, 1994", "model": "date-dot", "beam": "3", "mode": "whatif"}
    query |= {"edit": "9", "at": "15", "w": "1,1,2", "lang": "ko", "utm_source": SCRIPT}
    parsed = share.parse(query, TEXT)
    assert parsed.ignored == ()
    assert parsed.values == {
        "task": "date",
        "text": "september 27, 1994",
        "model": "date-dot",
        "beam": 3,
        "mode": "whatif",
        "edit": 9,
        "at": 15,
        "w": (1.0, 1.0, 2.0),
    }


def test_only_bad_values_are_dropped_the_rest_stays():
    parsed = share.parse({"beam": "11", "model": "gpt-5", "mode": "look", "text": SCRIPT}, TEXT)
    assert parsed.ignored == ("beam", "model")
    assert parsed.values == {"mode": "look", "text": SCRIPT}  # text is shown as text; the page checks it


def test_a_link_round_trips():
    values = {"task": "ko-en", "text": "나는 널 사랑해.", "model": "date-none", "beam": 4, "w": (0.25, 0.0, 0.75)}
    query = share.encode(values, TEXT)
    assert query == {"task": "ko-en", "text": "나는 널 사랑해.", "model": "date-none", "beam": "4", "w": "0.25,0,0.75"}
    url = share.link("http://localhost:8501/text", query)
    assert url.startswith("http://localhost:8501/text?task=ko-en&text=%EB%82%98")
    assert " " not in url and "%20" in url
    from urllib.parse import parse_qs, urlsplit

    back = parse_qs(urlsplit(url).query)
    assert share.parse(back, TEXT).values == values


def test_weights_are_written_without_exponents_and_read_back():
    written = share.Weights(5).write((1e-9, 0.123456, 1.0))
    assert written == "0,0.1235,1"
    assert share.Weights(5).read(written) == (0.0, 0.1235, 1.0)
    assert share.Weights(2).read("1,1,1") is None  # more weights than tokens


def test_every_page_has_fields():
    for fields in (
        share.transformer_fields(2, 4),
        share.math_fields(MODELS),
        share.image_fields(("caption-shapes",), 6),
    ):
        for raw in HOSTILE:
            parsed = share.parse(dict.fromkeys(fields, raw), fields)
            assert set(parsed.values) | set(parsed.ignored) == set(fields)
    assert share.parse({"head": "0", "layer": "3"}, share.transformer_fields(2, 4)).values == {"head": 0}
    assert share.parse({"pick": "7"}, share.image_fields(("caption-shapes",), 6)).ignored == ("pick",)
