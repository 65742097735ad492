"""A sentiment classifier: a bidirectional LSTM reads a review, attention pools its states, a linear layer decides.

    embedding → BiLSTM (or BiGRU) → H = h_1..h_T,  h_t = [→h_t; ←h_t]
    pooling, with one learned query q (the last system of the lecture notes):
        additive     e_t = vᵀ tanh(W₁ h_t + W₂ q)           Bahdanau et al. 2015
        scaled_dot   e_t = qᵀ h_t / √d                       Vaswani et al. 2017
                     α = softmax(e) over the real tokens (padding gets 0),   c = Σ_t α_t h_t
        none         c = [→h_T; ←h_1], the last state of each direction (the baseline: no attention)
    p(label | review) = softmax(W_o c + b_o)

The weighted sum replaces the last hidden state: every word's state can reach the decision directly,
and α says how much each one did. Whether α *explains* the decision is a separate question; three
tests of it live here, each for one review or a batch:

* Integrated Gradients (Sundararajan et al. 2017, with Captum): each token's share of the predicted
  label's probability along the straight path from all-zero embeddings to the review's own;
  the shares add up to f(review) − f(zeros) (completeness).
* The permutation test (Jain & Wallace 2019): shuffle α over the tokens, keep everything else.
* Erasure (Serrano & Smith 2019): remove the most attended word, the word with the highest attribution,
  or a random word, and see whether the decision flips.

Reading: text → ``normalize`` → sentencepiece pieces → ids. A review longer than ``max_pieces`` is read
as its first ``head_pieces`` and its last ``max_pieces − head_pieces`` pieces (reviews tend to open and
close with the verdict); the result records how much was read.

Padding never reaches a real state: instead of packing (``pack_padded_sequence`` took 10× longer on CPU
here), the backward LSTM reads each review reversed *within its own length*, so both directions meet
padding only after the last real token.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from models import protocols
from models.attention import Attention
from models.results import AttentionPermutation, Classification, Erasure, InputCheck, ProblemKind, distributions
from models.tokenizers import WORD_START, PieceTokenizer, load_tokenizer
from models.vocab import Vocab

__all__ = [
    "POOLING",
    "AttentionPooling",
    "BiRNN",
    "Classifier",
    "ClassifierConfig",
    "build",
    "config_dict",
    "erasure_choices",
    "kendall_tau_b",
    "normalize",
    "reverse_padded",
    "word_ids",
]

POOLING = ("additive", "scaled_dot", "none")
MAX_CHARACTERS = 50_000  # longer inputs are refused (a book pasted by mistake), not cut
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


@dataclass
class ClassifierConfig:
    """Hyper-parameters of one classifier; stored in its card and used to rebuild it."""

    vocab: list[str]  # the pieces, ids in order (<pad> <sos> <eos> <unk> first)
    tokenizer: str  # the sentencepiece file beside the card (``<name>.spm``)
    labels: list[str] = field(default_factory=lambda: ["negative", "positive"])  # label id -> name
    embed_dim: int = 128  # size of the piece embeddings
    hidden_dim: int = 128  # LSTM size per direction; states h_t are 2 * hidden_dim
    cell: str = "lstm"  # "lstm" or "gru"
    layers: int = 1  # stacked bidirectional layers
    attention: str = "additive"  # additive | scaled_dot | none (pool with the last states)
    attention_dim: int = 128  # hidden size of the additive score (and of its query q)
    dropout: float = 0.3  # on the embeddings, between layers and on the pooled vector (training only)
    max_pieces: int = 400  # longest input read; longer ones are cut (head + tail)
    head_pieces: int = 128  # of a cut input, how many pieces come from its start
    lowercase: bool = False  # lower-case the text before the tokenizer (English)

    def __post_init__(self) -> None:
        if self.attention not in POOLING:
            raise ValueError(f"attention must be one of {POOLING}, not {self.attention!r}")
        if self.cell not in ("gru", "lstm"):
            raise ValueError(f"cell must be lstm or gru, not {self.cell!r}")
        if not 0 <= self.head_pieces <= self.max_pieces:
            raise ValueError(f"head_pieces must be within 0..max_pieces, got {self.head_pieces}")

    @property
    def state_dim(self) -> int:
        """Size of each state h_t: both directions side by side."""
        return 2 * self.hidden_dim


def normalize(text: str, lowercase: bool = False) -> str:
    """The text as the model reads it: HTML line breaks (``<br />``) and runs of white space become one space."""
    text = " ".join(_BREAK.sub(" ", text).split())
    return text.lower() if lowercase else text


def reverse_padded(x: Tensor, lengths: Tensor) -> Tensor:
    """Reverse each row's first ``lengths[b]`` steps, leaving its padding where it is.

    x: (B, T, D), lengths: (B,) -> (B, T, D). Applying it twice gives x back.
    """
    B, T = x.shape[:2]
    t = torch.arange(T, device=x.device)[None]  # (1, T)
    n = lengths[:, None]  # (B, 1)
    index = torch.where(t < n, n - 1 - t, t)  # (B, T): t -> n-1-t inside the review, t on padding
    return x.gather(1, index[..., None].expand_as(x))


class BiRNN(nn.Module):
    """One bidirectional layer as two one-way RNNs; the backward one reads each row reversed in place."""

    def __init__(self, cell: str, input_dim: int, hidden_dim: int) -> None:
        super().__init__()
        kind = nn.LSTM if cell == "lstm" else nn.GRU
        self.forward_rnn = kind(input_dim, hidden_dim, batch_first=True)
        self.backward_rnn = kind(input_dim, hidden_dim, batch_first=True)

    def forward(self, x: Tensor, lengths: Tensor) -> Tensor:
        """x (B, T, D_in), lengths (B,) -> states (B, T, 2H); states on padding are not meaningful."""
        forward_states, _ = self.forward_rnn(x)  # (B, T, H): →h_t
        backward_states, _ = self.backward_rnn(reverse_padded(x, lengths))  # (B, T, H), in reversed order
        return torch.cat([forward_states, reverse_padded(backward_states, lengths)], dim=-1)  # (B, T, 2H)


class AttentionPooling(nn.Module):
    """c = Σ_t α_t h_t, α = softmax(score(q, h_t)) with one learned query q; returns (context, weights).

    It is the attention of models/attention.py with a single query that belongs to the model rather
    than to a decoder: "which states matter for the label?" asked the same way of every review.
    """

    def __init__(self, kind: str, state_dim: int, attention_dim: int) -> None:
        super().__init__()
        query_dim = attention_dim if kind == "additive" else state_dim
        self.attention = Attention(kind, query_dim, state_dim, attention_dim)
        self.query = nn.Parameter(torch.randn(query_dim) / math.sqrt(query_dim))  # q: (D_q,)

    def scores(self, states: Tensor) -> Tensor:
        """Raw scores e_t: states (B, T, D) -> (B, T)."""
        B = states.size(0)
        q = self.query.expand(B, 1, -1)  # (B, 1, D_q)
        return self.attention.scores(q, states)[:, 0]  # (B, 1, T) -> (B, T)

    def forward(self, states: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
        """states (B, T, D), mask (B, T) True on real tokens -> context (B, D), weights α (B, T)."""
        B = states.size(0)
        q = self.query.expand(B, 1, -1)  # (B, 1, D_q)
        context, weights = self.attention(q, states, mask)  # (B, 1, D), (B, 1, T)
        return context[:, 0], weights[:, 0]


class Classifier(nn.Module):
    """Embedding → BiLSTM → attention pooling (or the last states) → linear, with its tokenizer and vocabulary."""

    def __init__(self, cfg: ClassifierConfig, base_dir: str | Path | None = None) -> None:
        super().__init__()
        self.cfg = cfg
        self.vocab = Vocab(cfg.vocab)
        self.tokenizer = load_tokenizer(cfg.tokenizer, base_dir)
        self.embed = nn.Embedding(len(self.vocab), cfg.embed_dim, padding_idx=Vocab.pad_id)  # <pad> = zeros
        dims = [cfg.embed_dim] + [cfg.state_dim] * (cfg.layers - 1)
        self.rnns = nn.ModuleList(BiRNN(cfg.cell, d, cfg.hidden_dim) for d in dims)
        self.pooling = AttentionPooling(cfg.attention, cfg.state_dim, cfg.attention_dim) if self.has_attention else None
        self.dropout = nn.Dropout(cfg.dropout)
        self.out = nn.Linear(cfg.state_dim, len(cfg.labels))

    @property
    def device(self) -> torch.device:
        return self.out.weight.device

    @property
    def has_attention(self) -> bool:
        return self.cfg.attention != "none"

    @property
    def labels(self) -> list[str]:
        return list(self.cfg.labels)

    @property
    def capabilities(self) -> frozenset[type]:
        """What a page may ask beyond ``classify`` (models/protocols.py): erasure always (the baseline has no
        attention row); the permutation test only with attention weights to shuffle."""
        if self.pooling is None:
            return frozenset({protocols.ErasureTest})
        return frozenset({protocols.ErasureTest, protocols.PermutationTest})

    # ------------------------------------------------------------------ the network, on ids

    def encode(self, embedded: Tensor, mask: Tensor) -> Tensor:
        """Embedded pieces (B, T, E) and mask (B, T) -> states H (B, T, 2H)."""
        lengths = mask.sum(1).clamp(min=1)  # (B,)
        x = self.dropout(embedded)
        for i, rnn in enumerate(self.rnns):
            x = rnn(x, lengths)  # (B, T, 2H)
            if i < len(self.rnns) - 1:
                x = self.dropout(x)
        return x

    def last_states(self, states: Tensor, mask: Tensor) -> Tensor:
        """The baseline's summary [→h_T; ←h_1]: states (B, T, 2H) -> (B, 2H), T = each review's own length."""
        B, T, D = states.shape
        H = D // 2
        last = (mask.sum(1).clamp(min=1) - 1)[:, None, None].expand(B, 1, H)  # (B, 1, H): index of the last token
        forward_last = states[..., :H].gather(1, last)[:, 0]  # (B, H): →h_T read everything
        backward_first = states[:, 0, H:]  # (B, H): ←h_1 read everything too
        return torch.cat([forward_last, backward_first], dim=-1)  # (B, 2H)

    def pool(self, states: Tensor, mask: Tensor) -> tuple[Tensor, Tensor | None]:
        """states (B, T, 2H), mask (B, T) -> context c (B, 2H), attention weights α (B, T) or None."""
        if self.pooling is None:
            return self.last_states(states, mask), None
        return self.pooling(states, mask)

    def decide(self, context: Tensor) -> Tensor:
        """Logits (B, C) from pooled vectors (B, 2H)."""
        return self.out(self.dropout(context))

    def forward_embedded(self, embedded: Tensor, mask: Tensor) -> Tensor:
        """Logits (B, C) from embedded pieces (B, T, E): the function that Integrated Gradients differentiates."""
        states = self.encode(embedded, mask)
        return self.decide(self.pool(states, mask)[0])

    def forward(self, ids: Tensor) -> tuple[Tensor, Tensor | None]:
        """ids (B, T), right-padded with 0 -> logits (B, C), attention weights (B, T) or None."""
        mask = ids != Vocab.pad_id  # (B, T)
        states = self.encode(self.embed(ids), mask)  # (B, T, 2H)
        context, weights = self.pool(states, mask)  # (B, 2H), (B, T)
        return self.decide(context), weights

    # ------------------------------------------------------------------ text -> ids

    def read(self, text: str) -> tuple[list[str], int, int | None]:
        """(the pieces read, how many the whole text has, where the cut is or None)."""
        pieces = self.tokenizer.encode(normalize(text, self.cfg.lowercase))
        n, limit = len(pieces), self.cfg.max_pieces
        if n <= limit:
            return pieces, n, None
        head = self.cfg.head_pieces
        return pieces[:head] + pieces[n - (limit - head) :], n, head

    def ids(self, texts: list[str]) -> Tensor:
        """A (B, T) batch of piece ids, right-padded; an empty text reads as one <unk>."""
        return self.vocab.batch([self.read(t)[0] or [self.vocab.tokens[Vocab.unk_id]] for t in texts])

    @torch.no_grad()
    def probabilities(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """p(label | text) for every text: (len(texts), C). Texts of similar length are run together."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), len(self.cfg.labels)))
        for i in range(0, len(order), batch_size):
            chunk = order[i : i + batch_size]
            logits, _ = self(self.ids([texts[j] for j in chunk]).to(self.device))
            out[chunk] = torch.softmax(logits.float(), -1).cpu().numpy()
        return out

    # ------------------------------------------------------------------ explanations, on ids

    def integrated_gradients(self, ids: Tensor, target: Tensor, steps: int = 32) -> tuple[Tensor, Tensor]:
        """Integrated Gradients of p(target) for each piece, with Captum.

            IG_t = (x_t − x'_t) · ∫₀¹ ∂f(x' + a (x − x')) / ∂x_t da,   summed over the embedding axis

        x: the embedded pieces, x' = 0 (the <pad> embedding: "no word here", same length and mask).
        ids (B, T), target (B,) -> attributions (B, T) (0 on padding), completeness gap (B,):
        Σ_t IG_t − (f(x) − f(x')), small when the integral is approximated well.
        """
        from captum.attr import IntegratedGradients

        was_training = self.training
        self.eval()
        mask = ids != Vocab.pad_id
        embedded = self.embed(ids).detach()  # (B, T, E)

        def probability(x: Tensor, m: Tensor) -> Tensor:
            return torch.softmax(self.forward_embedded(x, m), dim=-1)  # (B·steps, C); Captum picks target

        with torch.backends.cudnn.flags(enabled=False):  # cuDNN's RNN has no backward in eval mode
            ig = IntegratedGradients(probability)
            attributions, gap = ig.attribute(
                embedded,
                baselines=torch.zeros_like(embedded),
                target=target,
                additional_forward_args=(mask,),
                n_steps=steps,
                internal_batch_size=max(steps, 32768 // max(1, ids.size(1))),  # rows per pass: ~32k pieces
                return_convergence_delta=True,
            )
        self.train(was_training)
        return attributions.sum(-1).detach() * mask, gap.detach()  # (B, T), (B,)

    @torch.no_grad()
    def permuted_probabilities(self, ids: Tensor, n: int, generator: torch.Generator) -> tuple[Tensor, Tensor, Tensor]:
        """The permutation test: p of the predicted label with α, and with α shuffled over the real tokens.

        ids (B, T) -> label (B,), p (B,), permuted (B, n). The states H, the query and the output layer stay.
        """
        if self.pooling is None:
            raise ValueError("the no-attention baseline has no attention weights to shuffle")
        mask = ids != Vocab.pad_id
        states = self.encode(self.embed(ids), mask)  # (B, T, 2H)
        context, weights = self.pooling(states, mask)  # (B, 2H), (B, T)
        probs = torch.softmax(self.decide(context), -1)  # (B, C)
        label = probs.argmax(-1)  # (B,)
        B, T = ids.shape
        keys = torch.rand(B, n, T, generator=generator).to(ids.device)  # (B, n, T)
        keys = keys.masked_fill(~mask[:, None], float("inf"))  # padding sorts last: it stays padding
        shuffled = weights[:, None].expand(B, n, T).gather(2, keys.argsort(-1))  # (B, n, T)
        contexts = torch.einsum("bnt,btd->bnd", shuffled, states)  # Σ_t α_π(t) h_t: (B, n, 2H)
        permuted = torch.softmax(self.decide(contexts), -1)  # (B, n, C)
        pick = label[:, None, None].expand(B, n, 1)
        return label, probs.gather(1, label[:, None])[:, 0], permuted.gather(2, pick)[..., 0]

    # ------------------------------------------------------------------ text in, results out

    def _classification(self, text: str, probs: np.ndarray, weights, attributions, gap_value) -> Classification:
        pieces, n_total, cut = self.read(text)
        if not pieces:
            pieces = [self.vocab.tokens[Vocab.unk_id]]
        owner = word_ids(pieces[:cut]) if cut else word_ids(pieces)  # the word of each piece
        if cut:  # the tail starts a new word, whatever its first piece
            owner += [owner[-1] + 1 + i for i in word_ids(pieces[cut:])]
        words = [""] * (owner[-1] + 1)
        for piece, w in zip(pieces, owner, strict=True):
            words[w] += piece
        words = [w.replace(WORD_START, " ").strip() for w in words]
        labels = self.tokenizer.labels(pieces) if isinstance(self.tokenizer, PieceTokenizer) else list(pieces)
        n = len(pieces)
        return Classification(
            tokens=labels,
            word_ids=owner,
            words=words,
            labels=self.labels,
            probs=distributions(probs),
            weights=None if weights is None else distributions(weights[:n]),
            attributions=None if attributions is None else attributions[:n].astype(np.float64),
            attribution_gap=gap_value,
            n_read=n if n_total else 0,
            n_total=n_total,
            gap=cut,
            text=normalize(text, self.cfg.lowercase),
        )

    def classify(self, texts: list[str], attributions: bool = False, steps: int = 32) -> list[Classification]:
        """Label each text, with its attention weights (and, when asked, Integrated Gradients per token).

        Inputs should pass ``check_input`` first (an empty text is read as one unknown piece).
        """
        if not texts:
            return []
        ids = self.ids(texts).to(self.device)  # (B, T)
        with torch.no_grad():
            logits, weights = self(ids)
            probs = torch.softmax(logits.float(), -1)  # (B, C)
        ig = gaps = None
        if attributions:
            ig, gaps = self.integrated_gradients(ids, probs.argmax(-1), steps)
            ig, gaps = ig.cpu().numpy(), gaps.cpu().numpy()
        w = None if weights is None else weights.cpu().numpy()
        return [
            self._classification(
                text,
                probs[b].cpu().numpy(),
                None if w is None else w[b],
                None if ig is None else ig[b],
                None if gaps is None else float(gaps[b]),
            )
            for b, text in enumerate(texts)
        ]

    def permutation_test(self, text: str, n: int = 100, seed: int = 0) -> AttentionPermutation:
        """Shuffle this text's attention weights ``n`` times (everything else kept) and classify again."""
        generator = torch.Generator().manual_seed(seed)
        label, p, permuted = self.permuted_probabilities(self.ids([text]).to(self.device), n, generator)
        return AttentionPermutation(
            label=self.labels[int(label[0])], p=float(p[0]), permuted=permuted[0].cpu().numpy().astype(np.float64)
        )

    def erasure(self, text: str, seed: int = 0, steps: int = 32) -> list[Erasure]:
        """Remove the most attended word, the word with the highest attribution and a random word, one at a
        time, and classify again (the baseline has no attention row)."""
        result = self.classify([text], attributions=True, steps=steps)[0]
        label = int(np.argmax(result.probs))
        choices = erasure_choices(result, np.random.default_rng(seed))
        pieces = self.read(text)[0] or [self.vocab.tokens[Vocab.unk_id]]
        rows = [[p for p, w in zip(pieces, result.word_ids, strict=True) if w != k] for _, k in choices]
        with torch.no_grad():
            logits, _ = self(self.vocab.batch([r or [self.vocab.tokens[Vocab.unk_id]] for r in rows]).to(self.device))
        after = torch.softmax(logits.float(), -1).cpu().numpy()  # (len(choices), C)
        return [
            Erasure(by, result.words[k], k, result.confidence, float(a[label]), int(np.argmax(a)) != label)
            for (by, k), a in zip(choices, after, strict=True)
        ]

    # ------------------------------------------------------------------ what a page may ask

    @property
    def max_pieces(self) -> int:
        return self.cfg.max_pieces

    def tokenize(self, text: str) -> list[str]:
        """Every piece of ``text`` (before any cut)."""
        return self.tokenizer.encode(normalize(text, self.cfg.lowercase))

    def check_input(self, text: str) -> InputCheck | None:
        """None when ``text`` can be classified; else what is wrong (a kind and its facts).

        A long review is not refused: it is read in part (see ``Classification.n_read``). UNCOVERED is a
        note, as for translation: the words are still read, their unknown characters as <unk>.
        """
        if not text.strip():
            return InputCheck(ProblemKind.EMPTY)
        if len(text) > MAX_CHARACTERS:
            return InputCheck(ProblemKind.TOO_LONG, count=len(text), limit=MAX_CHARACTERS)
        if isinstance(self.tokenizer, PieceTokenizer):
            uncovered = self.tokenizer.uncovered(normalize(text, self.cfg.lowercase))
            if uncovered:
                return InputCheck(ProblemKind.UNCOVERED, items=tuple(uncovered[:20]), count=len(uncovered))
        return None


def erasure_choices(result: Classification, rng: np.random.Generator) -> list[tuple[str, int]]:
    """Which word each erasure removes: ("attention", most attended word), ("attributions", the word with the
    highest Integrated Gradients toward the label), ("random", a word drawn uniformly)."""
    choices = []
    if result.weights is not None:
        choices.append(("attention", int(np.argmax(result.per_word(result.weights)))))
    if result.attributions is not None:
        choices.append(("attributions", int(np.argmax(result.per_word(result.attributions)))))
    choices.append(("random", int(rng.integers(len(result.words)))))
    return choices


def word_ids(pieces: list[str]) -> list[int]:
    """The word each sentencepiece piece belongs to: a new word starts at every "▁" (and at the first piece)."""
    ids, current = [], -1
    for piece in pieces:
        if piece.startswith(WORD_START) or current < 0:
            current += 1
        ids.append(current)
    return ids


def kendall_tau_b(x: np.ndarray, y: np.ndarray) -> float:
    """Kendall's τ_b between two rankings (ties allowed); NaN when either is constant.

        τ_b = Σ_{i<j} sgn(x_i − x_j) sgn(y_i − y_j) / √(pairs not tied in x · pairs not tied in y)

    (concordant − discordant pairs over the geometric mean of the untied pair counts: Kendall 1945).
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"kendall_tau_b needs two 1-d arrays of one length, got {x.shape} and {y.shape}")
    i, j = np.triu_indices(len(x), k=1)  # every pair once
    sx, sy = np.sign(x[i] - x[j]), np.sign(y[i] - y[j])
    untied = np.abs(sx).sum() * np.abs(sy).sum()
    return float((sx * sy).sum() / math.sqrt(untied)) if untied else float("nan")


def build(card: dict) -> Classifier:
    """The registry's builder: rebuild a Classifier from its card's config (the tokenizer file beside the card)."""
    return Classifier(ClassifierConfig(**card["config"]), base_dir=card.get("_dir"))


def config_dict(cfg: ClassifierConfig) -> dict:
    """The config as the card stores it."""
    return asdict(cfg)
