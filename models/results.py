"""The plain results that pages consume: numpy arrays and Python lists, no tensors.

A model joins the app by returning one of these; pages never look inside a model.
Each type checks its own shapes when it is made, and says what it expected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
from PIL import Image

__all__ = [
    "AerialCheck",
    "Alignment",
    "AttentionPermutation",
    "AttentionStep",
    "Classification",
    "Erasure",
    "ForcedAttention",
    "ForcedRead",
    "HeadSteps",
    "HeadTrace",
    "InputCheck",
    "MemoryTrace",
    "ProblemKind",
    "SearchNode",
    "SearchTree",
    "SelfAttention",
    "TransformerAttention",
    "VisualAttention",
    "WordDeletion",
    "distributions",
]

_TOL = 1e-3  # rows of float32 softmax sum to 1 within this


def distributions(weights: np.ndarray, axes: int | tuple[int, ...] = -1) -> np.ndarray:
    """Attention weights as float64 that sum to exactly 1 over ``axes`` (float32 softmax drifts by ~1e-7,
    and a cut-off padding column takes its share away): what every model returns in its results."""
    weights = np.asarray(weights, dtype=np.float64)
    return weights / weights.sum(axis=axes, keepdims=True).clip(min=1e-12)


def _check_distributions(name: str, weights: np.ndarray, axes: tuple[int, ...]) -> None:
    if not np.all(np.isfinite(weights)):
        raise ValueError(f"{name} holds NaN or infinity.")
    if weights.size and (weights.min() < -_TOL):
        raise ValueError(f"{name} has negative weights (min {weights.min():.3g}).")
    if weights.size:
        sums = weights.sum(axis=axes)
        worst = float(np.abs(sums - 1).max())
        if worst > _TOL:
            raise ValueError(f"each {name} map must sum to 1; the worst sums to {1 + worst:.4f} or {1 - worst:.4f}.")


class ProblemKind(StrEnum):
    """Why an input cannot be used (or can, with a note). The app looks the message up by language:
    ``errors.<value>`` in app/locales; a kind never carries an English sentence."""

    EMPTY = "empty"  # nothing to read
    TOO_LONG = "too_long"  # count characters, the model reads at most limit
    TOO_LONG_PIECES = "too_long_pieces"  # count word pieces, at most limit
    UNKNOWN_CHARS = "unknown_chars"  # items: characters the model has never seen
    UNCOVERED = "uncovered"  # items: words with characters the tokenizer cannot cover (still decoded: a note)
    NO_WORDS = "no_words"  # only symbols, emoji or punctuation: not one letter or digit
    UNSEEN_LANGUAGE = "unseen_language"  # letters, but none of the script of the language the model read
    IMAGE_EMPTY = "image_empty"
    IMAGE_TOO_BIG = "image_too_big"  # count bytes, limit bytes
    IMAGE_BOMB = "image_bomb"  # items: (width, height)
    IMAGE_BOMB_UNKNOWN = "image_bomb_unknown"  # limit pixels
    IMAGE_CORRUPT = "image_corrupt"  # items: (what the decoder said,)
    IMAGE_UNREADABLE = "image_unreadable"
    IMAGE_TOO_SMALL = "image_too_small"  # items: (width, height), limit: the smallest side
    IMAGE_ANIMATED = "image_animated"  # count frames; the first is used (a note)


@dataclass(frozen=True)
class InputCheck:
    """What is wrong with one input: a kind, and the facts its message needs (never the message itself)."""

    kind: ProblemKind
    items: tuple[str, ...] = ()  # the characters, words or details the message names
    count: int = 0  # how many (characters, pieces, bytes, frames), where the kind has a number
    limit: int = 0  # the most (or least) the model accepts


@dataclass(frozen=True)
class ForcedAttention:
    """A what-if edit: at output step ``step`` (0-based) the model looks with ``weights`` instead of its own
    softmax; the steps before run as they did, the steps after follow from the edited one."""

    step: int
    weights: np.ndarray  # (S,) over the input tokens, or (grid_h, grid_w) over an image's regions

    def __post_init__(self) -> None:
        if self.step < 0:
            raise ValueError(f"ForcedAttention step must be 0 or more, got {self.step}.")
        weights = np.asarray(self.weights, dtype=np.float64)[None]  # (1, S) or (1, h, w)
        _check_distributions("ForcedAttention", weights, axes=tuple(range(1, weights.ndim)))


@dataclass(frozen=True)
class SearchNode:
    """One prefix that beam search weighed."""

    parent: int  # the index of its prefix in SearchTree.nodes; -1 for the root
    token: str  # the token it adds ("" for the root; "<eos>" for an ending)
    logprob: float  # log-probability of the whole prefix
    step: int  # 1 for the first token written
    status: str  # "root" | "kept" (expanded further) | "pruned" | "finished" (<eos> among the best)
    weights: np.ndarray | None = None  # what the step that wrote it looked at: (S,) text, (h, w) image


@dataclass(frozen=True)
class SearchTree:
    """The whole beam search for one input, as it ran: every candidate it weighed."""

    nodes: list[SearchNode]

    def path(self, index: int) -> list[int]:
        """The nodes from the first token to ``index`` (the root left out)."""
        out = []
        while index > 0:
            out.append(index)
            index = self.nodes[index].parent
        return out[::-1]


@dataclass(frozen=True)
class Alignment:
    """One decoded text sequence and where it looked.

    weights[i, j] is how much output token i attended to input token j; each row sums to 1.
    """

    source: list[str]  # input tokens (x axis)
    target: list[str]  # generated tokens (y axis), without <sos>/<eos>
    weights: np.ndarray  # (len(target), len(source))
    score: float  # total log-probability of the target (incl. <eos> when it was produced)
    text: str = ""  # the target joined as a person reads it
    has_attention: bool = True  # False for the no-attention baseline (weights are then uniform)
    source_words: list[int] | None = None  # subword models: the word each source token belongs to
    target_words: list[int] | None = None  # ... and each target token
    tree: SearchTree | None = None  # the beam search that found it, when asked for (the best output only)

    def __post_init__(self) -> None:
        expected = (len(self.target), len(self.source))
        if self.weights.shape != expected:
            raise ValueError(f"Alignment weights: expected shape {expected}, got {self.weights.shape}.")
        _check_distributions("Alignment row", self.weights, axes=(1,))


@dataclass(frozen=True)
class VisualAttention:
    """One caption and where it looked in the image.

    weights[i] is the attention over the encoder's grid when word i was written; each map sums to 1.
    """

    words: list[str]
    weights: np.ndarray  # (len(words), grid_h, grid_w)
    image: Image.Image  # the image exactly as the model saw it
    gates: np.ndarray | None  # (len(words),) the β gate per word, if the model has one
    score: float
    tree: SearchTree | None = None  # the beam search that found it, when asked for (the best caption only)

    def __post_init__(self) -> None:
        if self.weights.ndim != 3 or self.weights.shape[0] != len(self.words):
            raise ValueError(
                f"VisualAttention weights: expected shape ({len(self.words)}, grid_h, grid_w), "
                f"got {self.weights.shape}."
            )
        _check_distributions("VisualAttention map", self.weights, axes=(1, 2))
        if self.gates is not None and self.gates.shape != (len(self.words),):
            raise ValueError(f"VisualAttention gates: expected shape ({len(self.words)},), got {self.gates.shape}.")


@dataclass(frozen=True)
class WordDeletion:
    """One word of a caption, re-scored with parts of the image blanked (filled with the image's mean colour)."""

    word: str
    index: int  # its position in the caption
    p_full: float  # p(word | the words before it, the whole image), teacher-forced
    p_attended: float  # the same with the area it attended to most blanked
    p_random: np.ndarray  # (draws,) the same with random areas of that shape and size blanked
    mask: np.ndarray  # (S, S) bool: the attended area, on the image as the model saw it

    @property
    def drop_attended(self) -> float:
        return self.p_full - self.p_attended

    @property
    def drop_random(self) -> float:
        """The mean drop over the random areas."""
        return self.p_full - float(np.mean(self.p_random))

    @property
    def attention_matters(self) -> bool:
        """Blanking the attended area hurts the word more than blanking a random area does."""
        return self.drop_attended > self.drop_random


@dataclass(frozen=True)
class AerialCheck:
    """Does an image look like the aerial photos the captioner learned from?"""

    distance: float  # how far its features lie outside the training photos' main directions (lower: more alike)
    threshold: float  # chosen on held-out photos (see the card)
    looks_aerial: bool  # distance <= threshold


@dataclass(frozen=True)
class TransformerAttention:
    """Every attention map of an encoder–decoder Transformer for one input and its output.

    Each map array is (layers, heads, T_q, T_k) and each row sums to 1.
    """

    source: list[str]  # encoder tokens
    target: list[str]  # decoder input tokens: <sos> + generated tokens (the queries of the decoder maps)
    output: list[str]  # generated tokens without <sos>/<eos>
    encoder_self: np.ndarray  # (L_enc, H, T_src, T_src)
    decoder_self: np.ndarray  # (L_dec, H, T_tgt, T_tgt), zero above the diagonal (causal mask)
    cross: np.ndarray  # (L_dec, H, T_tgt, T_src)
    score: float
    text: str = ""
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        s, t = len(self.source), len(self.target)
        for name, arr, tail in (
            ("encoder_self", self.encoder_self, (s, s)),
            ("decoder_self", self.decoder_self, (t, t)),
            ("cross", self.cross, (t, s)),
        ):
            if arr.ndim != 4 or arr.shape[2:] != tail:
                raise ValueError(
                    f"TransformerAttention.{name}: expected (layers, heads, {tail[0]}, {tail[1]}), got {arr.shape}."
                )
            _check_distributions(f"TransformerAttention.{name} row", arr, axes=(3,))


@dataclass(frozen=True)
class AttentionStep:
    """Every number of one decoding step of an RNN attention model, for the classroom page.

    The query is the previous decoder state (Bahdanau) or the current one (Luong); scores are the raw
    score(q, h_j) before the softmax; weights = softmax(scores); context = Σ_j weights_j h_j.
    """

    step: int  # 0-based index of the output token written at this step
    token: str  # the token written (greedy)
    query: np.ndarray  # (D,) the decoder state used as the query
    scores: np.ndarray  # (S,) raw scores, one per input token
    weights: np.ndarray  # (S,) softmax of the scores
    context: np.ndarray  # (E,) the weighted sum of the encoder states
    top: list[tuple[str, float]]  # the 5 most likely next tokens and their probabilities


@dataclass(frozen=True)
class Classification:
    """One text's predicted label, its probabilities, and how much the model weighed each token.

    weights[j] is the attention of the pooling layer on token j (sums to 1); the no-attention baseline has
    none. attributions[j] is token j's Integrated Gradients share of the predicted label's probability
    (when asked for). Long texts are read in part: the first and the last pieces, with a gap between.
    """

    tokens: list[str]  # the pieces read, labelled for an axis ("▁great" -> "great", "s" -> "·s")
    word_ids: list[int]  # (len(tokens),) the word each token belongs to, 0-based in reading order
    words: list[str]  # the words those tokens make up
    labels: list[str]  # label names, in the order of probs
    probs: np.ndarray  # (len(labels),) sums to 1
    weights: np.ndarray | None  # (len(tokens),) attention over the tokens; None for the baseline
    attributions: np.ndarray | None = None  # (len(tokens),) Integrated Gradients toward the predicted label
    attribution_gap: float | None = None  # Σ attributions − (f(text) − f(baseline)): IG's completeness error
    n_read: int = 0  # pieces read
    n_total: int = 0  # pieces in the whole text; n_read < n_total when it was too long to read whole
    gap: int | None = None  # when cut: tokens[:gap] open the text, tokens[gap:] end it
    text: str = ""  # the text as the model read it (normalised)

    def __post_init__(self) -> None:
        n = len(self.tokens)
        if len(self.word_ids) != n:
            raise ValueError(f"Classification word_ids: expected {n} entries, got {len(self.word_ids)}.")
        if self.probs.shape != (len(self.labels),):
            raise ValueError(f"Classification probs: expected shape ({len(self.labels)},), got {self.probs.shape}.")
        _check_distributions("Classification probs", self.probs, axes=(0,))
        for name in ("weights", "attributions"):
            value = getattr(self, name)
            if value is not None and value.shape != (n,):
                raise ValueError(f"Classification {name}: expected shape ({n},), got {value.shape}.")
        if self.weights is not None:
            _check_distributions("Classification weights", self.weights, axes=(0,))

    @property
    def label(self) -> str:
        """The predicted label."""
        return self.labels[int(np.argmax(self.probs))]

    @property
    def confidence(self) -> float:
        """The probability of the predicted label."""
        return float(self.probs.max())

    @property
    def has_attention(self) -> bool:
        return self.weights is not None

    @property
    def truncated(self) -> bool:
        return self.n_read < self.n_total

    def per_word(self, values: np.ndarray) -> np.ndarray:
        """Token values (attention or attributions) summed over each word's pieces: (len(words),)."""
        out = np.zeros(len(self.words))
        np.add.at(out, np.asarray(self.word_ids, dtype=int), values)
        return out


@dataclass(frozen=True)
class AttentionPermutation:
    """The permutation test for one text (Jain & Wallace 2019): the attention weights are shuffled over
    the tokens, everything else kept; if the decision barely moves, the weights did not carry it."""

    label: str  # the label predicted with the model's own weights
    p: float  # its probability
    permuted: np.ndarray  # (n,) its probability under each of n shuffles

    @property
    def median_change(self) -> float:
        """median |p_shuffled − p|."""
        return float(np.median(np.abs(self.permuted - self.p))) if self.permuted.size else 0.0

    @property
    def flip_rate(self) -> float:
        """The share of shuffles that change the decision (two labels: p falls below 1/2)."""
        return float(np.mean(self.permuted < 0.5)) if self.permuted.size else 0.0


@dataclass(frozen=True)
class Erasure:
    """One word removed from a text and the text classified again (Serrano & Smith 2019)."""

    chosen_by: str  # "attention" (most attended word), "attributions" (highest IG toward the label), "random"
    word: str
    word_index: int  # in Classification.words
    p_before: float  # probability of the label predicted for the whole text
    p_after: float  # probability of that label without the word
    flipped: bool  # the decision changed


# ----------------------------------------------------------------------------- self-attention (one sequence)


@dataclass(frozen=True)
class SelfAttention:
    """Every self-attention map of one encoder on one input: the date Transformer's encoder or a pretrained
    sentence Transformer alike, so that the same views draw both.

    maps[l, h, i, j] is how much token i looked at token j in head h of layer l; each row sums to 1.
    queries, keys and values (per head, after the projections W_Q, W_K, W_V) come only when asked for.
    """

    tokens: list[str]  # (T,) the tokens as the model read them, special tokens ([CLS], [SEP]) included
    maps: np.ndarray  # (L, H, T, T)
    queries: np.ndarray | None = None  # (L, H, T, d_k) q = x W_Q for every token, when asked for
    keys: np.ndarray | None = None  # (L, H, T, d_k)
    values: np.ndarray | None = None  # (L, H, T, d_k)
    word_ids: list[int | None] | None = None  # (T,) the word each token belongs to (0-based); None for specials
    segments: list[int] | None = None  # (T,) which sentence each token is in (0 or 1) for a pair
    special: tuple[int, ...] = ()  # positions of the special tokens ([CLS], [SEP])
    n_read: int = 0  # tokens read (special tokens included)
    n_total: int = 0  # tokens in the whole input; n_read < n_total when it was cut to the model's limit
    text: str = ""  # the input as read

    def __post_init__(self) -> None:
        T = len(self.tokens)
        if self.maps.ndim != 4 or self.maps.shape[2:] != (T, T):
            raise ValueError(f"SelfAttention maps: expected (layers, heads, {T}, {T}), got {self.maps.shape}.")
        _check_distributions("SelfAttention row", self.maps, axes=(3,))
        for name in ("queries", "keys", "values"):
            value = getattr(self, name)
            if value is not None and (value.ndim != 4 or value.shape[:3] != self.maps.shape[:3]):
                raise ValueError(f"SelfAttention {name}: expected {self.maps.shape[:3]} + (d_k,), got {value.shape}.")
        for name in ("word_ids", "segments"):
            value = getattr(self, name)
            if value is not None and len(value) != T:
                raise ValueError(f"SelfAttention {name}: expected {T} entries, got {len(value)}.")
        if any(not 0 <= i < T for i in self.special):
            raise ValueError(f"SelfAttention special: positions must lie in 0..{T - 1}, got {self.special}.")

    @property
    def layers(self) -> int:
        return int(self.maps.shape[0])

    @property
    def heads(self) -> int:
        return int(self.maps.shape[1])

    @property
    def truncated(self) -> bool:
        return self.n_read < self.n_total


@dataclass(frozen=True)
class HeadSteps:
    """The seven steps of self-attention for one head and one query token, in the model's own numbers:

        x (embedding + position, or the layer below's output) → q = x_i W_Q, k_j = x_j W_K, v_j = x_j W_V
        → s_j = q·k_j → s_j / √d_k → α = softmax(s / √d_k) → z = Σ_j α_j v_j → z W_O (this head's share)

    ``weights`` is the row of ``SelfAttention.maps[layer, head, token]`` (checked by the tests).
    """

    layer: int  # 0-based
    head: int
    token: int  # the query's position
    tokens: list[str]  # (T,)
    inputs: np.ndarray  # (T, D) x: what enters the layer
    word: np.ndarray | None  # (T, D) layer 1 only: the token embeddings ...
    position: np.ndarray | None  # (T, D) ... the position embeddings ...
    segment: np.ndarray | None  # (T, D) ... and the segment embeddings, summed then normalised into x
    query: np.ndarray  # (d_k,) q_i
    keys: np.ndarray  # (T, d_k) k_j
    values: np.ndarray  # (T, d_k) v_j
    scores: np.ndarray  # (T,) q·k_j
    scaled: np.ndarray  # (T,) q·k_j / √d_k
    weights: np.ndarray  # (T,) softmax of the scaled scores
    output: np.ndarray  # (d_k,) z_i = Σ_j α_j v_j
    projected: np.ndarray  # (D,) z_i W_O[head]: what this head adds to the layer's attention output

    def __post_init__(self) -> None:
        T, d_k = self.keys.shape
        if len(self.tokens) != T or self.values.shape != (T, d_k) or self.query.shape != (d_k,):
            raise ValueError(
                f"HeadSteps: {len(self.tokens)} tokens, keys {self.keys.shape}, values {self.values.shape}, "
                f"query {self.query.shape}: expected T tokens, (T, d_k) twice and (d_k,)."
            )
        for name in ("scores", "scaled", "weights"):
            if getattr(self, name).shape != (T,):
                raise ValueError(f"HeadSteps {name}: expected shape ({T},), got {getattr(self, name).shape}.")
        _check_distributions("HeadSteps weights", self.weights[None], axes=(1,))

    @property
    def d_k(self) -> int:
        return int(self.keys.shape[1])


# ----------------------------------------------------------------------------- memory (the NTM's copy task)


@dataclass(frozen=True)
class ForcedRead:
    """A what-if edit of a memory network: at step ``step`` (0-based, over the whole run) the read head
    reads row ``row`` alone (a one-hot weighting) instead of where it would have looked; the steps after
    follow from there (the head's next interpolation starts from the forced weighting)."""

    step: int
    row: int

    def __post_init__(self) -> None:
        if self.step < 0 or self.row < 0:
            raise ValueError(f"ForcedRead needs step >= 0 and row >= 0, got {self.step} and {self.row}.")


@dataclass(frozen=True)
class HeadTrace:
    """One head's addressing at every step (Graves et al. 2014, §3.3): T steps, N memory rows, width M.

    content → gated → shifted → weights is the pipeline of eqs. 5–9; each (T, N) row sums to 1.
    """

    content: np.ndarray  # (T, N) w_c: softmax of β · cosine(k, M(i))
    gated: np.ndarray  # (T, N) w_g = g w_c + (1 − g) w_{t−1}
    shifted: np.ndarray  # (T, N) w̃: w_g circularly convolved with s
    weights: np.ndarray  # (T, N) w: w̃ sharpened by γ (what the head reads or writes with)
    key: np.ndarray  # (T, M) k_t
    beta: np.ndarray  # (T,) key strength β_t ≥ 0
    gate: np.ndarray  # (T,) interpolation gate g_t in (0, 1)
    shift: np.ndarray  # (T, 2R+1) shift weighting s_t over the shifts −R..R
    gamma: np.ndarray  # (T,) sharpening γ_t ≥ 1
    erase: np.ndarray | None = None  # (T, M) e_t, write head only
    add: np.ndarray | None = None  # (T, M) a_t, write head only

    def __post_init__(self) -> None:
        T, N = self.weights.shape
        for name in ("content", "gated", "shifted", "weights"):
            value = getattr(self, name)
            if value.shape != (T, N):
                raise ValueError(f"HeadTrace {name}: expected shape ({T}, {N}), got {value.shape}.")
            _check_distributions(f"HeadTrace {name}", value, axes=(1,))
        for name in ("beta", "gate", "gamma"):
            if getattr(self, name).shape != (T,):
                raise ValueError(f"HeadTrace {name}: expected shape ({T},), got {getattr(self, name).shape}.")
        if self.shift.ndim != 2 or self.shift.shape[0] != T or self.shift.shape[1] % 2 != 1:
            raise ValueError(f"HeadTrace shift: expected shape ({T}, 2R+1), got {self.shift.shape}.")
        _check_distributions("HeadTrace shift", self.shift, axes=(1,))

    @property
    def rows(self) -> int:
        return int(self.weights.shape[1])


@dataclass(frozen=True)
class MemoryTrace:
    """One run of a memory network (or its LSTM baseline) on the copy task, step by step.

    The run has T = 2L + 1 steps: L input vectors, the delimiter, then L steps in which the model writes
    the copy. ``probs`` are its outputs in those last L steps. A network without memory has no heads.
    """

    inputs: np.ndarray  # (L, bits) the pattern, 0/1
    target: np.ndarray  # (L, bits) what a perfect copy writes (the pattern again)
    probs: np.ndarray  # (L, bits) p(bit = 1) in the output phase
    read: HeadTrace | None = None  # (T steps) the read head
    write: HeadTrace | None = None  # (T steps) the write head
    memory: np.ndarray | None = None  # (T + 1, N, M) the memory before the first step and after every step
    read_vectors: np.ndarray | None = None  # (T, M) r_t
    forced: ForcedRead | None = None

    def __post_init__(self) -> None:
        L = self.inputs.shape[0]
        for name in ("target", "probs"):
            if getattr(self, name).shape != self.inputs.shape:
                got = getattr(self, name).shape
                raise ValueError(f"MemoryTrace {name}: expected shape {self.inputs.shape}, got {got}.")
        T = 2 * L + 1
        for head in (self.read, self.write):
            if head is not None and head.weights.shape[0] != T:
                raise ValueError(f"MemoryTrace heads: expected {T} steps, got {head.weights.shape[0]}.")
        if self.memory is not None and self.memory.shape[0] != T + 1:
            raise ValueError(f"MemoryTrace memory: expected {T + 1} states, got {self.memory.shape[0]}.")

    @property
    def length(self) -> int:
        """L, the number of vectors in the pattern."""
        return int(self.inputs.shape[0])

    @property
    def steps(self) -> int:
        """T = 2L + 1."""
        return 2 * self.length + 1

    @property
    def has_memory(self) -> bool:
        return self.read is not None

    @property
    def output(self) -> np.ndarray:
        """(L, bits) the bits it wrote: p ≥ 1/2."""
        return (self.probs >= 0.5).astype(np.int8)

    @property
    def errors(self) -> np.ndarray:
        """(L, bits) True where it wrote a wrong bit."""
        return self.output != self.target

    @property
    def bit_errors(self) -> int:
        return int(self.errors.sum())

    @property
    def exact(self) -> bool:
        return self.bit_errors == 0
