"""Dates as people write them, and their ISO form: the task of *Deep Learning from Scratch 2*, ch. 8.

    >>> ex = DateGenerator(seed=0).sample()
    >>> ex.source, ex.target          # e.g. ("TUESDAY, SEPTEMBER 25, 1984", "1984-09-25")
    >>> ex.spans                      # where the year, month and day are in the source

Every example records the input characters that carry its year, month and day (``spans``),
so that we can check whether the model's attention looked at the right ones.

Formats, grouped into families (each family is reported on its own):

    month_first   september 27, 1994 · Sep 27 1994 · SEPT. 27TH, 1994 · March 5th, 2026
    weekday       TUESDAY, SEPTEMBER 25, 1984 · Tue, Sep. 25, 1984 · tuesday 25 september 1984
    day_first     27 September 1994 · 27th of Sept. 1994 · 5 MAR 2026
    us_numeric    2/10/93 · 02/10/1993 · 2/10/1993  (M/D/YY and M/D/YYYY)
    iso           1994-09-27
    dotted        27.9.1994 · 27.09.1994  (D.M.YYYY)
    korean        2026년 3월 5일 · 2026년 3월 5일 목요일 · 2026년 03월 05일 (목) · 2026. 3. 5.

Two-digit years follow POSIX ``%y``: 69–99 → 19xx, 00–68 → 20xx, so they are only generated
for 1969–2068. Years run from 1900 to 2099.

A fixed 5 % of calendar days (chosen by a hash of the date) never appear in training data;
held-out evaluation sets are drawn from those days only.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

__all__ = [
    "FAMILIES",
    "MAX_SOURCE_LEN",
    "DateExample",
    "DateGenerator",
    "alphabet",
    "is_held_out",
    "iso_is_real_date",
]

FIRST = date(1900, 1, 1)
LAST = date(2099, 12, 31)
MAX_SOURCE_LEN = 40  # the model's input limit; the longest generated date has 32 characters
FAMILIES = ("month_first", "weekday", "day_first", "us_numeric", "iso", "dotted", "korean")

MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
# Abbreviations people write, with a dot or without: "Sep", "Sept", "Sept."
MONTH_ABBREVIATIONS = [
    ["jan"],
    ["feb"],
    ["mar"],
    ["apr"],
    ["may"],
    ["jun"],
    ["jul"],
    ["aug"],
    ["sep", "sept"],
    ["oct"],
    ["nov"],
    ["dec"],
]
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAY_ABBREVIATIONS = [["mon"], ["tue", "tues"], ["wed"], ["thu", "thur", "thurs"], ["fri"], ["sat"], ["sun"]]
KOREAN_WEEKDAYS = ["월", "화", "수", "목", "금", "토", "일"]  # Monday first, as date.weekday()


def alphabet() -> list[str]:
    """Every character this generator can write, sorted: the date models' source vocabulary."""
    words = MONTHS + WEEKDAYS + ["of", "st", "nd", "rd", "th"]
    words += [a for group in MONTH_ABBREVIATIONS + WEEKDAY_ABBREVIATIONS for a in group]
    chars = {c for w in words for c in w + w.upper()} | set("0123456789 ,./-()년월일요") | set(KOREAN_WEEKDAYS)
    return sorted(chars)


Span = tuple[int, int]  # [start, end) in the source string


@dataclass(frozen=True)
class DateExample:
    """One date as written (``source``), its ISO form (``target``), and where its fields are."""

    source: str
    target: str  # YYYY-MM-DD
    family: str
    spans: dict[str, Span] = field(default_factory=dict)  # "year" | "month" | "day" -> span in source

    def field_of_source(self) -> list[str | None]:
        """For each source character, "year", "month", "day" or None."""
        labels: list[str | None] = [None] * len(self.source)
        for name, (start, end) in self.spans.items():
            for i in range(start, end):
                labels[i] = name
        return labels


# Output characters 0-3 come from the year, 5-6 from the month, 8-9 from the day; 4 and 7 are "-".
TARGET_FIELDS: list[str | None] = ["year"] * 4 + [None] + ["month"] * 2 + [None] + ["day"] * 2


def is_held_out(d: date) -> bool:
    """True for the fixed 5 % of days that training never sees (a multiplicative hash of the date)."""
    return (d.toordinal() * 2654435761 % 2**32) % 20 == 0


def iso_is_real_date(text: str) -> bool:
    """Whether ``text`` is a real calendar date in YYYY-MM-DD form (the model can write 2023-02-30)."""
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def ordinal(n: int) -> str:
    """1 -> "st", 2 -> "nd", 3 -> "rd", 11 -> "th", 22 -> "nd"."""
    if 11 <= n % 100 <= 13:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


class _Builder:
    """Concatenates pieces and remembers the span of the named ones."""

    def __init__(self) -> None:
        self.text = ""
        self.spans: dict[str, Span] = {}

    def add(self, piece: str, name: str | None = None) -> _Builder:
        if name:
            self.spans[name] = (len(self.text), len(self.text) + len(piece))
        self.text += piece
        return self


class DateGenerator:
    """Random dates in random formats. ``split="train"`` avoids the held-out days; ``"test"`` uses only them."""

    def __init__(self, seed: int = 0, split: str = "train", families: tuple[str, ...] = FAMILIES) -> None:
        if split not in ("train", "test", "any"):
            raise ValueError(f"split must be train, test or any, not {split!r}")
        unknown = set(families) - set(FAMILIES)
        if unknown:
            raise ValueError(f"unknown families {sorted(unknown)}; known: {FAMILIES}")
        self.rng = random.Random(seed)
        self.split = split
        self.families = families

    # ----------------------------------------------------------------- pieces

    def _date(self) -> date:
        while True:
            d = FIRST + timedelta(days=self.rng.randrange((LAST - FIRST).days + 1))
            if self.split == "any" or is_held_out(d) == (self.split == "test"):
                return d

    def _case(self, word: str, style: str) -> str:
        return {"lower": word.lower(), "upper": word.upper(), "title": word.title()}[style]

    def _month_name(self, month: int, style: str) -> tuple[str, str]:
        """(name, dot): "September" or "Sept" with "." or ""; only the name is the month's span."""
        if self.rng.random() < 0.5:
            return self._case(MONTHS[month - 1], style), ""
        abbr = self._case(self.rng.choice(MONTH_ABBREVIATIONS[month - 1]), style)
        return abbr, "." if abbr.lower() != "may" and self.rng.random() < 0.35 else ""

    def _weekday_name(self, d: date, style: str) -> str:
        if self.rng.random() < 0.55:
            return self._case(WEEKDAYS[d.weekday()], style)
        abbr = self._case(self.rng.choice(WEEKDAY_ABBREVIATIONS[d.weekday()]), style)
        return abbr + "." if self.rng.random() < 0.2 else abbr

    def _day(self, day: int, style: str, allow_ordinal: bool = True) -> tuple[str, str]:
        """(digits, suffix): "5" or "05", and "th"/"TH"/"" ."""
        digits = f"{day:02d}" if self.rng.random() < 0.15 else str(day)
        suffix = ""
        if allow_ordinal and self.rng.random() < 0.3:
            suffix = ordinal(day).upper() if style == "upper" else ordinal(day)
        return digits, suffix

    # ----------------------------------------------------------------- families

    def _month_first(self, d: date, weekday: str | None = None, style: str | None = None) -> _Builder:
        style = style or self.rng.choice(["lower", "upper", "title"])
        b = _Builder()
        if weekday is not None:
            b.add(weekday + self.rng.choice([", ", " "]))
        digits, suffix = self._day(d.day, style)
        comma = self.rng.random() < 0.6
        name, dot = self._month_name(d.month, style)
        b.add(name, "month").add(dot + " ").add(digits, "day").add(suffix)
        b.add(", " if comma else " ").add(str(d.year), "year")
        return b

    def _day_first(self, d: date, weekday: str | None = None, style: str | None = None) -> _Builder:
        style = style or self.rng.choice(["lower", "upper", "title"])
        b = _Builder()
        if weekday is not None:
            b.add(weekday + self.rng.choice([", ", " "]))
        digits, suffix = self._day(d.day, style)
        b.add(digits, "day").add(suffix)
        if suffix and self.rng.random() < 0.4:
            b.add(" " + self._case("of", style))
        name, dot = self._month_name(d.month, style)
        b.add(" ").add(name, "month").add(dot)
        b.add(self.rng.choice([" ", ", "]) if self.rng.random() < 0.2 else " ").add(str(d.year), "year")
        return b

    def _weekday(self, d: date) -> _Builder:
        style = self.rng.choice(["lower", "upper", "title"])
        name = self._weekday_name(d, style)
        if self.rng.random() < 0.7:
            return self._month_first(d, weekday=name, style=style)
        return self._day_first(d, weekday=name, style=style)

    def _us_numeric(self, d: date) -> _Builder:
        two = self.rng.random() < 0.5
        if two and not date(1969, 1, 1) <= d <= date(2068, 12, 31):
            two = False
        pad = self.rng.random() < 0.4
        month, day = (f"{d.month:02d}", f"{d.day:02d}") if pad else (str(d.month), str(d.day))
        year = f"{d.year % 100:02d}" if two else str(d.year)
        return _Builder().add(month, "month").add("/").add(day, "day").add("/").add(year, "year")

    def _iso(self, d: date) -> _Builder:
        return (
            _Builder()
            .add(str(d.year), "year")
            .add("-")
            .add(f"{d.month:02d}", "month")
            .add("-")
            .add(f"{d.day:02d}", "day")
        )

    def _dotted(self, d: date) -> _Builder:
        pad = self.rng.random() < 0.5
        day, month = (f"{d.day:02d}", f"{d.month:02d}") if pad else (str(d.day), str(d.month))
        return _Builder().add(day, "day").add(".").add(month, "month").add(".").add(str(d.year), "year")

    def _korean(self, d: date) -> _Builder:
        b = _Builder()
        if self.rng.random() < 0.2:  # 2026. 3. 5.
            b.add(str(d.year), "year").add(". ").add(str(d.month), "month").add(". ").add(str(d.day), "day")
            return b.add(".") if self.rng.random() < 0.7 else b
        pad = self.rng.random() < 0.2
        month, day = (f"{d.month:02d}", f"{d.day:02d}") if pad else (str(d.month), str(d.day))
        space = "" if self.rng.random() < 0.1 else " "
        b.add(str(d.year), "year").add("년" + space).add(month, "month").add("월" + space).add(day, "day").add("일")
        r = self.rng.random()
        if r < 0.3:
            b.add(" " + KOREAN_WEEKDAYS[d.weekday()] + "요일")
        elif r < 0.45:
            b.add(" (" + KOREAN_WEEKDAYS[d.weekday()] + ")")
        return b

    # ----------------------------------------------------------------- public

    def sample(self, family: str | None = None) -> DateExample:
        """One random example; ``family`` picks the format family (default: uniform over families)."""
        family = family or self.rng.choice(self.families)
        d = self._date()
        b = getattr(self, f"_{family}")(d)
        return DateExample(source=b.text, target=d.isoformat(), family=family, spans=dict(b.spans))

    def samples(self, n: int, family: str | None = None) -> list[DateExample]:
        """``n`` examples (the same ``n`` for the same seed and split)."""
        return [self.sample(family) for _ in range(n)]
