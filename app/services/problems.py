"""Why an input cannot be used: a problem *kind* with its facts, shown in the reader's language."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from app.i18n import t
from models.results import ProblemKind


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
            values["chars"] = ", ".join(describe_char(c, lang) for c in values["chars"])
        if "words" in values:
            values["words"] = ", ".join(f"“{w}”" for w in values["words"])
        return t(f"errors.{self.kind.value}", lang=lang, **values)

    @property
    def message(self) -> str:
        return self.message_in()


def describe_char(char: str, lang: str | None = None) -> str:
    """A character as a person can read it: “x”, or its code point when it is invisible."""
    if unicodedata.category(char)[0] in "CZ":
        return t("errors.whitespace_char", lang=lang, code=f"U+{ord(char):04X}")
    return f"“{char}”"


def show_problem(problem: InputProblem | None, message: str | None = None) -> None:
    """The problem as st.error / st.warning / st.info (``message`` instead of its own, when given)."""
    if problem is None:
        return
    show = {"error": st.error, "warning": st.warning, "info": st.info}[problem.level]
    show(message or problem.message)
