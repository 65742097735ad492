"""A class round, as data: the question a teacher asks, a student's answer checked and scored, join codes and
tokens, and what the class answered, counted. Pure: no streamlit, no torch, no database.

A question is one step of a model's attention that the class guesses: on text, the input token that one output
step looked at most (its attention row over the input tokens); on an image, the region one caption word looked at
(its map over the grid). A student answers with a token index or a (row, column); the score is the one of the
per-browser quiz (app/quiz.py): 2 points for the peak (or, on an image, next to it), 1 near it, else 0.

Everything that arrives from outside (a URL, a form, the database) goes through a ``parse_*`` or ``clean_*``
function here, which returns None (or raises ``ValueError`` with the reason) instead of trusting it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import math
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from app.logic import quiz

__all__ = [
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "KINDS",
    "Answer",
    "Question",
    "clean_code",
    "clean_student",
    "clean_token",
    "encode_answer",
    "image_question",
    "mean_points",
    "new_code",
    "new_student_id",
    "new_token",
    "parse_answer",
    "points",
    "same_token",
    "spread",
    "tally",
    "text_question",
    "token_hash",
]

KINDS = ("text", "image")
# 32 symbols without the look-alikes 0/O and 1/I/L: 32**6 ≈ 10**9 codes, read aloud or typed on a phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
_CODE = re.compile(f"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")
_URLSAFE = re.compile(r"[A-Za-z0-9_-]{16,64}")  # what secrets.token_urlsafe writes
MAX_TOKENS = 400  # input tokens of a text question (share.MAX_TOKENS)
MAX_GRID = 64  # regions across an image question's map
MAX_WRITTEN = 200  # output tokens written up to the asked one
MAX_LABEL = 40  # characters of one token or word
MAX_PNG = 2 * 2**20  # bytes of an image question's picture
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# ----------------------------------------------------------------------------------------- codes and tokens


def new_code() -> str:
    """A join code: CODE_LENGTH symbols of CODE_ALPHABET, drawn by the operating system's random source."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def clean_code(raw: object) -> str | None:
    """A join code as typed ("ab c-12x" → "ABC12X"), or None when it cannot be one."""
    if not isinstance(raw, str) or len(raw) > 32:
        return None
    code = re.sub(r"[\s-]", "", raw).upper()
    return code if _CODE.fullmatch(code) else None


def new_token() -> str:
    """The teacher's token of one round (192 random bits): revealing, advancing and closing need it."""
    return secrets.token_urlsafe(24)


def new_student_id() -> str:
    """A browser's random id: no account, no name; one answer per id and question."""
    return secrets.token_urlsafe(12)


def clean_token(raw: object) -> str | None:
    """A teacher token or student id as it came (a URL, the session), or None when it has the wrong form."""
    return raw if isinstance(raw, str) and _URLSAFE.fullmatch(raw) else None


clean_student = clean_token


def token_hash(token: str) -> str:
    """What the database keeps of a teacher's token: its SHA-256 (a copy of the file reveals no token)."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def same_token(token: str | None, stored_hash: str) -> bool:
    """Whether ``token`` is the one whose hash was stored, compared in constant time."""
    if clean_token(token) is None:
        return False
    return hmac.compare_digest(token_hash(token), stored_hash)


# ----------------------------------------------------------------------------------------------- questions


@dataclass(frozen=True)
class Question:
    """What the class guesses.

    kind "text": ``attention`` (S,) is the asked output step's row over the input ``tokens``; ``written`` is the
    output up to that step, the asked token last. kind "image": ``attention`` (h, w) is the asked word's map over
    the grid of ``image_png`` (the picture as the model saw it); ``written`` is the caption up to that word.
    ``model`` names where it came from, shown beside it.
    """

    kind: str
    attention: np.ndarray = field(repr=False)
    written: tuple[str, ...]
    tokens: tuple[str, ...] = ()
    image_png: bytes = field(default=b"", repr=False)
    model: str = ""

    def __post_init__(self) -> None:
        attention = np.asarray(self.attention, dtype=np.float64)
        object.__setattr__(self, "attention", attention)
        object.__setattr__(self, "written", tuple(self.written))
        object.__setattr__(self, "tokens", tuple(self.tokens))
        problem = self.problem()
        if problem:
            raise ValueError(problem)
        object.__setattr__(self, "attention", attention / attention.sum())

    def problem(self) -> str | None:
        """Why this is not a question the class can answer, or None."""
        a = self.attention
        if self.kind not in KINDS:
            return f"kind must be one of {KINDS}, not {self.kind!r}"
        if not np.all(np.isfinite(a)) or (a < 0).any() or a.sum() <= 0:
            return "attention must be finite, non-negative and not all zero"
        if not 1 <= len(self.written) <= MAX_WRITTEN or not all(_label(w) for w in self.written):
            return f"written must be 1 to {MAX_WRITTEN} strings of at most {MAX_LABEL} characters"
        if not isinstance(self.model, str) or len(self.model) > 80:
            return "model must be a short string"
        if self.kind == "text":
            if a.ndim != 1 or not 1 <= a.size <= MAX_TOKENS or a.size != len(self.tokens):
                return f"a text question has one weight per input token, got {a.shape} for {len(self.tokens)} tokens"
            if not all(_label(w) for w in self.tokens):
                return f"tokens must be strings of at most {MAX_LABEL} characters"
            return None
        if a.ndim != 2 or not (1 <= a.shape[0] <= MAX_GRID and 1 <= a.shape[1] <= MAX_GRID):
            return f"an image question has a map of at most {MAX_GRID} × {MAX_GRID} regions, got {a.shape}"
        if not isinstance(self.image_png, bytes) or not self.image_png.startswith(PNG_SIGNATURE):
            return "an image question carries its picture as PNG"
        if len(self.image_png) > MAX_PNG:
            return f"the picture is over {MAX_PNG // 2**20} MB"
        return None

    @property
    def asked(self) -> str:
        """The output token or word the question is about."""
        return self.written[-1]

    @property
    def step(self) -> int:
        """The asked step (0-based) of the output."""
        return len(self.written) - 1

    @property
    def choices(self) -> int:
        """How many answers there are: input tokens, or regions."""
        return int(self.attention.size)

    def to_json(self) -> str:
        body = {
            "kind": self.kind,
            "attention": self.attention.tolist(),
            "written": list(self.written),
            "tokens": list(self.tokens),
            "image_png": base64.b64encode(self.image_png).decode("ascii"),
            "model": self.model,
        }
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Question:
        """The question stored as ``to_json`` wrote it; ValueError when it is not one."""
        try:
            body = json.loads(text)
            return cls(
                kind=body["kind"],
                attention=np.asarray(body["attention"], dtype=np.float64),
                written=tuple(body["written"]),
                tokens=tuple(body.get("tokens", ())),
                image_png=base64.b64decode(body.get("image_png", ""), validate=True),
                model=body.get("model", ""),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise ValueError(f"not a stored question: {err}") from err


def _label(value: object) -> bool:
    return isinstance(value, str) and len(value) <= MAX_LABEL


def text_question(source: Sequence[str], target: Sequence[str], weights: np.ndarray, step: int, model: str = ""):
    """The question "which input token does output step ``step`` look at?" of one decoded text: ``weights``
    (T, S) as in an ``Alignment``."""
    weights = np.asarray(weights, dtype=np.float64)
    if not 0 <= step < weights.shape[0]:
        raise ValueError(f"step {step} is not one of the {weights.shape[0]} output steps")
    return Question("text", weights[step], tuple(target[: step + 1]), tuple(source), model=model)


def image_question(words: Sequence[str], weights: np.ndarray, word: int, image, model: str = "") -> Question:
    """The question "which region does word ``word`` look at?" of one caption: ``weights`` (words, h, w) as in a
    ``VisualAttention``, ``image`` the picture as the model saw it (a PIL image)."""
    weights = np.asarray(weights, dtype=np.float64)
    if not 0 <= word < weights.shape[0]:
        raise ValueError(f"word {word} is not one of the {weights.shape[0]} words")
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG")
    return Question("image", weights[word], tuple(words[: word + 1]), image_png=buffer.getvalue(), model=model)


# ------------------------------------------------------------------------------------------ answers, scores

Answer = int | tuple[int, int]  # a token index (text), or (row, column) (image); 0-based


def parse_answer(question: Question, raw: object) -> Answer | None:
    """A student's answer as it came (an int, a (row, column), or its stored string "7" / "3,4"), checked
    against the question: an index among its tokens, a region on its grid; None otherwise."""
    if isinstance(raw, str):
        parts = raw.split(",")
        if not 1 <= len(parts) <= 2 or not all(re.fullmatch(r"[0-9]{1,3}", p) for p in parts):
            return None
        raw = int(parts[0]) if len(parts) == 1 else (int(parts[0]), int(parts[1]))
    if question.kind == "text":
        if isinstance(raw, bool) or not isinstance(raw, int | np.integer):
            return None
        return int(raw) if 0 <= raw < question.attention.size else None
    if not isinstance(raw, tuple | list) or len(raw) != 2:
        return None
    row, col = raw
    if any(isinstance(v, bool) or not isinstance(v, int | np.integer) for v in (row, col)):
        return None
    h, w = question.attention.shape
    return (int(row), int(col)) if 0 <= row < h and 0 <= col < w else None


def encode_answer(answer: Answer) -> str:
    """The stored form of an answer: "7", or "3,4"."""
    return str(answer) if isinstance(answer, int) else f"{answer[0]},{answer[1]}"


def points(question: Question, answer: Answer) -> int:
    """The points of one answer (0, 1 or 2), as app/quiz.py scores the per-browser quiz."""
    if question.kind == "text":
        return quiz.score(question.attention, int(answer)).points
    row, col = answer
    return quiz.score_region(question.attention, row, col).points


def tally(question: Question, answers: Iterable[Answer]) -> np.ndarray:
    """How many students picked each token (S,) or region (h, w): the class's guesses, shaped like the model's
    attention."""
    counts = np.zeros(question.attention.shape, dtype=np.int64)
    for answer in answers:
        counts[answer] += 1
    return counts


def spread(scores: Iterable[int]) -> dict[int, int]:
    """How many answers got 0, 1 and 2 points."""
    out = dict.fromkeys(range(quiz.MAX_POINTS + 1), 0)
    for s in scores:
        out[int(s)] += 1
    return out


def mean_points(scores: Sequence[int]) -> float:
    """The class's mean points per answer (nan with no answer)."""
    return math.fsum(scores) / len(scores) if scores else math.nan
