"""The date generator, checked against an independent parser built on datetime.strptime."""

import re
from datetime import date, datetime

import pytest

from models.data.dates import (
    FAMILIES,
    KOREAN_WEEKDAYS,
    WEEKDAYS,
    DateGenerator,
    is_held_out,
    iso_is_real_date,
    ordinal,
)

KOREAN = re.compile(r"^(\d{4})년 ?(\d{1,2})월 ?(\d{1,2})일(?: ([월화수목금토일])요일| \(([월화수목금토일])\))?$")
KOREAN_DOTS = re.compile(r"^(\d{4})\. (\d{1,2})\. (\d{1,2})\.?$")
ENGLISH_FORMATS = ["%B %d %Y", "%b %d %Y", "%d %B %Y", "%d %b %Y", "%m/%d/%y", "%m/%d/%Y", "%Y-%m-%d", "%d.%m.%Y"]


def oracle(text: str) -> tuple[date, str | None]:
    """(the date, the weekday name written, if any), parsed independently of the generator."""
    for pattern in (KOREAN, KOREAN_DOTS):
        m = pattern.match(text)
        if m:
            y, mo, d = (int(g) for g in m.groups()[:3])
            written = next((g for g in m.groups()[3:] if g), None)
            return date(y, mo, d), written
    cleaned = text.lower().replace(",", " ")
    cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", cleaned).replace(" of ", " ")
    cleaned = re.sub(
        r"\bsept\b", "sep", cleaned.replace(".", " ") if not re.match(r"^\d+\.\d+\.\d+$", cleaned) else cleaned
    )
    words = cleaned.split()
    weekday = None
    if words and not words[0][0].isdigit() and len(words) == 4:
        weekday, words = words[0], words[1:]
    body = " ".join(words)
    for fmt in ENGLISH_FORMATS:
        try:
            return datetime.strptime(body, fmt).date(), weekday
        except ValueError:
            continue
    raise AssertionError(f"the oracle cannot parse {text!r}")


@pytest.mark.parametrize("family", FAMILIES)
def test_every_example_matches_the_independent_parser(family):
    gen = DateGenerator(seed=7, split="any")
    for example in gen.samples(3000, family):
        parsed, weekday = oracle(example.source)
        assert parsed.isoformat() == example.target, example.source
        if weekday is not None:
            names = WEEKDAYS[parsed.weekday()]
            korean = KOREAN_WEEKDAYS[parsed.weekday()]
            assert weekday.rstrip(".") in (names[: len(weekday.rstrip("."))], korean), example.source


def test_spans_point_at_the_year_month_and_day():
    months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    for example in DateGenerator(seed=3, split="any").samples(5000):
        y, m, d = (int(x) for x in example.target.split("-"))
        text = {k: example.source[a:b] for k, (a, b) in example.spans.items()}
        assert set(text) == {"year", "month", "day"}
        assert int(text["day"]) == d
        assert int(text["year"]) in (y, y % 100)
        month = text["month"]
        assert int(month) == m if month.isdigit() else month.lower()[:3] == months[m - 1]


def test_two_digit_years_follow_posix_rule():
    for example in DateGenerator(seed=5, split="any").samples(4000, "us_numeric"):
        year = example.source.split("/")[-1]
        if len(year) == 2:
            full = int(example.target[:4])
            assert full == (1900 + int(year) if int(year) >= 69 else 2000 + int(year))


def test_years_cover_1900_to_2099_and_all_forms_occur():
    examples = DateGenerator(seed=11, split="any").samples(20000)
    years = [int(e.target[:4]) for e in examples]
    assert min(years) < 1905 and max(years) > 2094
    text = "\n".join(e.source for e in examples)
    for needle in ["Sept.", "SEPTEMBER", "september", "th,", " of ", "요일", "(", "/", "-", "년", ". "]:
        assert needle in text, needle
    assert re.search(r"^\d{1,2}/\d{1,2}/\d{2}$", text, re.M)
    assert re.search(r"^\d{1,2}\.\d{1,2}\.\d{4}$", text, re.M)


def test_held_out_days_never_appear_in_training_and_only_they_in_test():
    train = DateGenerator(seed=1, split="train").samples(5000)
    test = DateGenerator(seed=1, split="test").samples(2000)
    assert not any(is_held_out(date.fromisoformat(e.target)) for e in train)
    assert all(is_held_out(date.fromisoformat(e.target)) for e in test)
    share = sum(is_held_out(date(2000, 1, 1).fromordinal(o)) for o in range(693596, 693596 + 36500)) / 36500
    assert 0.04 < share < 0.06


def test_same_seed_same_examples():
    assert DateGenerator(seed=4).samples(50) == DateGenerator(seed=4).samples(50)
    assert DateGenerator(seed=4).samples(50) != DateGenerator(seed=5).samples(50)


def test_helpers():
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 31)] == [
        "st",
        "nd",
        "rd",
        "th",
        "th",
        "th",
        "th",
        "st",
        "nd",
        "rd",
        "st",
    ]
    assert iso_is_real_date("2024-02-29") and not iso_is_real_date("2023-02-29")
    assert not iso_is_real_date("2023-2-1") and not iso_is_real_date("")
