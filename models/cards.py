"""A model's card as the app reads it: typed fields, built once from the JSON card beside the weights.

    card = ModelCard.from_json("date-additive", json.loads(path.read_text()))
    card.title, card.attention, card.command, card.sizes.parameters

Every model the app lists has one: shipped, the user's own (``$ATTENTION_LENS_MODELS``) and trained live in
class (``ModelCard.trained_live``). The registry builds them (``registry.catalog``, ``registry.model_card``,
``Checkpoint.model_card``). Pages read fields, never JSON keys; the whole JSON stays in ``raw`` for models/
code (a network's builder takes the dict). A section that is missing or malformed in a card (a user's own
checkpoint may have anything) is None, never an error.

No torch here, and nothing from models/ but plain data: pages may import this module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, TypeVar

__all__ = [
    "CaptionScores",
    "DeletionSummary",
    "ErasureRates",
    "Explanations",
    "FamiliarityRule",
    "LengthBin",
    "ModelCard",
    "MultiHead",
    "ReviewBaseline",
    "ReviewTest",
    "Sizes",
    "WordDeletionShare",
]

DEFAULT_ORDER = 100  # the menu position of a card without "order": after every shipped model that has one
CAPTION_SPLITS = ("rsicd_val", "flickr8k_val")  # held-out photo splits a captioner's card may report; first wins
LIVE_TASKS = {"date": "date", "reverse": "experiment-reverse", "copy": "experiment-copy"}  # live task -> card task

T = TypeVar("T")


# ----------------------------------------------------------------------------- the typed parts


@dataclass(frozen=True)
class Sizes:
    """How big the weights are (the card's "weights")."""

    parameters: int
    bytes: int


@dataclass(frozen=True)
class MultiHead:
    """The shape of a Transformer: how many layers of maps and heads per layer a page can show."""

    encoder_layers: int
    decoder_layers: int
    heads: int
    d_model: int

    @property
    def layers(self) -> int:
        """The deeper of the two stacks (a layer slider's range)."""
        return max(self.encoder_layers, self.decoder_layers)


@dataclass(frozen=True)
class FamiliarityRule:
    """The measured rule by which a captioner says whether a picture looks like its training photos."""

    rule: str  # what is measured, in words
    threshold: float  # the largest distance that still looks familiar
    threshold_from: str = ""  # the held-out photos the threshold was chosen on
    held_out_accepted: float | None = None  # the share of those held-out photos accepted


@dataclass(frozen=True)
class CaptionScores:
    """A photo captioner's numbers on held-out photos (e.g. RSICD val)."""

    split: str
    n_images: int
    bleu4: float
    cider: float
    distinct_captions: int
    beam_width: int | None = None


@dataclass(frozen=True)
class WordDeletionShare:
    """One content word over the deletion test's photos: how often it was written, and how often blanking what
    it attended to hurt it more than blanking random areas."""

    word: str
    n: int
    attended_hurts_more: float


@dataclass(frozen=True)
class DeletionSummary:
    """The deletion test over many photos: how often blanking what a word looked at hurt it more than random."""

    n_images: int
    words: int
    attended_hurts_more: float  # share of the words
    median_drop_ratio: float  # median of (drop when the attended area is blanked) / (drop for a random area)
    by_word: tuple[WordDeletionShare, ...] = ()  # the most frequent content words, most frequent first


@dataclass(frozen=True)
class LengthBin:
    """Accuracy on the reviews of one length quartile."""

    words: str  # the range of word counts, e.g. "4–126"
    n: int
    accuracy: float


@dataclass(frozen=True)
class ReviewBaseline:
    """The no-attention classifier a card compares itself with, on the same test reviews."""

    model: str
    accuracy: float | None
    by_length: tuple[LengthBin, ...] = ()


@dataclass(frozen=True)
class ErasureRates:
    """How often removing one word flipped the decision, by the way the word was chosen."""

    attention: float | None = None
    attributions: float | None = None
    random: float | None = None


@dataclass(frozen=True)
class Explanations:
    """Does the attention explain the decision? The card's aggregates over ``n`` test reviews."""

    n: int = 0
    tau_median: float | None = None  # median Kendall τ_b between attention and |Integrated Gradients|
    permutation_median: float | None = None  # median |Δp| when the attention is shuffled
    erasure_flip_rate: ErasureRates | None = None


@dataclass(frozen=True)
class ReviewTest:
    """A classifier's numbers on its test split."""

    n: int
    accuracy: float
    by_length: tuple[LengthBin, ...] = ()
    baseline: ReviewBaseline | None = None
    explanations: Explanations | None = None


# ----------------------------------------------------------------------------- the card


@dataclass(frozen=True)
class ModelCard:
    """What the app may know about a model without loading it."""

    name: str
    kind: str  # "seq2seq" | "transformer" | "captioner" | "classifier" | a kind registered later
    task: str  # "date", "translate-en-ko", "experiment-reverse", "caption", "caption-aerial", "classify-imdb", ...
    title: str  # the menu's name for it (the name when the card has none)
    order: int = DEFAULT_ORDER  # its place in a menu, lowest first
    attention: str | None = None  # the config's attention kind ("additive", ..., "none"); None: not a choice
    language: str = ""  # the language of a classifier's reviews: "en" | "ko"
    direction: str | None = None  # a translator's "en-ko" | "ko-en"
    labels: tuple[str, ...] = ()  # a classifier's labels
    credit: str = ""  # whose data it learned from
    licence: str = ""  # the licence of the model or its data, when the card names one
    command: str = ""  # the exact `python -m models.train ...` that trained it
    data: str = ""  # what it was trained on, in words
    seed: int | None = None
    wall_time_s: float | None = None
    sizes: Sizes | None = None  # None for a model trained live (no file)
    multihead: MultiHead | None = None  # a Transformer's layers and heads
    gallery: str | None = None  # a folder of assets/ with gallery.json (photo captioners)
    familiarity: FamiliarityRule | None = None  # "does it look like my training photos" (the card's aerial_check)
    caption_scores: CaptionScores | None = None  # a photo captioner's held-out numbers
    deletion: DeletionSummary | None = None  # the deletion test over many photos
    review_test: ReviewTest | None = None  # a classifier's test numbers, beside its baseline's
    baseline: str | None = None  # the no-attention model it is compared with
    live: bool = False  # trained live in this session
    metrics: Mapping[str, object] = field(default_factory=dict, compare=False, hash=False, repr=False)
    raw: Mapping[str, object] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def has_attention(self) -> bool:
        """False only for a no-attention baseline (the Transformer and the captioners always attend)."""
        return self.attention != "none"

    # ------------------------------------------------------------------ building one

    @classmethod
    def from_json(cls, name: str, card: Mapping[str, Any]) -> ModelCard:
        """The card of model ``name`` from its JSON dict (as ``registry.read_card`` returns it)."""
        config = _mapping(card.get("config"))
        training = _mapping(card.get("training"))
        metrics = _mapping(card.get("metrics"))
        task = str(card.get("task") or "")
        attention = config.get("attention")
        return cls(
            name=name,
            kind=str(card.get("kind") or ""),
            task=task,
            title=str(card.get("title") or name),
            order=_or(lambda: int(card["order"]), DEFAULT_ORDER),
            attention=attention if isinstance(attention, str) else None,
            language=str(card.get("language") or ""),
            direction=task.removeprefix("translate-") if task.startswith("translate-") else None,
            labels=_or(lambda: tuple(str(label) for label in config["labels"]), ()),
            credit=str(card.get("credit") or ""),
            licence=str(card.get("licence") or card.get("license") or ""),
            command=str(training.get("command") or ""),
            data=str(training.get("data") or ""),
            seed=_or(lambda: int(training["seed"]), None),
            wall_time_s=_or(lambda: float(training["wall_time_s"]), None),
            sizes=_or(lambda: _sizes(card["weights"]), None),
            multihead=_or(lambda: _multihead(config), None),
            gallery=str(card["gallery"]) if card.get("gallery") else None,
            familiarity=_or(lambda: _familiarity(card["aerial_check"]), None),
            caption_scores=_or(lambda: _caption_scores(metrics), None),
            deletion=_or(lambda: _deletion(card["deletion"]), None),
            review_test=_or(lambda: _review_test(metrics["test"]), None) if card.get("kind") == "classifier" else None,
            baseline=_or(lambda: _baseline(metrics), None),
            metrics=_frozen(metrics),
            raw=MappingProxyType(dict(card)),
        )

    @classmethod
    def trained_live(cls, name: str, task: str, attention: str) -> ModelCard:
        """The card of a seq2seq trained live in this session on ``task`` ("date", "reverse", "copy")."""
        return cls(
            name=name,
            kind="seq2seq",
            task=LIVE_TASKS.get(task, task),
            title=name,
            attention=attention,
            live=True,
        )


# ----------------------------------------------------------------------------- reading the JSON's sections


def _or(read: Callable[[], T], default: T) -> T:
    """``read()``, or ``default`` when the section is missing or not what a card holds."""
    try:
        return read()
    except (KeyError, TypeError, ValueError, AttributeError):
        return default


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _frozen(value: object) -> Any:
    """A read-only copy: mappings become MappingProxyType, lists tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({str(k): _frozen(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    return value


def _optional_float(value: object) -> float | None:
    return None if value is None else float(value)


def _sizes(weights: Mapping[str, Any]) -> Sizes:
    return Sizes(parameters=int(weights["parameters"]), bytes=int(weights["bytes"]))


def _multihead(config: Mapping[str, Any]) -> MultiHead:
    return MultiHead(
        encoder_layers=int(config["encoder_layers"]),
        decoder_layers=int(config["decoder_layers"]),
        heads=int(config["heads"]),
        d_model=int(config["d_model"]),
    )


def _familiarity(rule: Mapping[str, Any]) -> FamiliarityRule:
    return FamiliarityRule(
        rule=str(rule.get("rule", "")),
        threshold=float(rule["threshold"]),
        threshold_from=str(rule.get("threshold_from", "")),
        held_out_accepted=_optional_float(rule.get("held_out_aerial_accepted", rule.get("held_out_accepted"))),
    )


def _caption_scores(metrics: Mapping[str, Any]) -> CaptionScores | None:
    split = next((s for s in CAPTION_SPLITS if isinstance(metrics.get(s), Mapping)), None)
    if split is None:
        return None
    val = metrics[split]
    return CaptionScores(
        split=split,
        n_images=int(val["n_images"]),
        bleu4=float(val["bleu4"]),
        cider=float(val["cider"]),
        distinct_captions=int(val["distinct_captions"]),
        beam_width=_or(lambda: int(val["beam_width"]), None),
    )


def _deletion(summary: Mapping[str, Any]) -> DeletionSummary:
    return DeletionSummary(
        n_images=int(summary["n_images"]),
        words=int(summary["words"]),
        attended_hurts_more=float(summary["attended_hurts_more"]),
        median_drop_ratio=float(summary["median_drop_ratio"]),
        by_word=tuple(
            WordDeletionShare(str(w), int(d["n"]), float(d["attended_hurts_more"]))
            for w, d in (summary.get("by_word") or {}).items()
        ),
    )


def _bins(rows: object) -> tuple[LengthBin, ...]:
    if not isinstance(rows, list | tuple):
        return ()
    return tuple(LengthBin(str(r["words"]), int(r["n"]), float(r["accuracy"])) for r in rows)


def _review_test(test: Mapping[str, Any]) -> ReviewTest:
    base = test.get("baseline")
    baseline = None
    if isinstance(base, Mapping) and base.get("model"):
        baseline = ReviewBaseline(
            model=str(base["model"]),
            accuracy=_optional_float(base.get("accuracy")),
            by_length=_or(lambda: _bins(base.get("by_length")), ()),
        )
    return ReviewTest(
        n=int(test.get("n", 0)),
        accuracy=float(test["accuracy"]),
        by_length=_or(lambda: _bins(test.get("by_length")), ()),
        baseline=baseline,
        explanations=_or(lambda: _explanations(test["explanations"]), None),
    )


def _explanations(found: Mapping[str, Any]) -> Explanations:
    flips = found.get("erasure_flip_rate")
    rates = None
    if isinstance(flips, Mapping):
        rates = ErasureRates(
            attention=_optional_float(flips.get("attention")),
            attributions=_optional_float(flips.get("attributions")),
            random=_optional_float(flips.get("random")),
        )
    return Explanations(
        n=int(found.get("n", 0)),
        tau_median=_optional_float(found.get("kendall_tau_attention_vs_abs_ig_median")),
        permutation_median=_optional_float(found.get("permutation_abs_change_median")),
        erasure_flip_rate=rates,
    )


def _baseline(metrics: Mapping[str, Any]) -> str | None:
    """The model named as the baseline: a classifier's metrics.test.baseline, a translator's metrics.baseline."""
    for holder in (_mapping(metrics.get("test")).get("baseline"), metrics.get("baseline")):
        if isinstance(holder, Mapping) and holder.get("model"):
            return str(holder["model"])
    return None
