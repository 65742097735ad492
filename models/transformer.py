"""A small encoder–decoder Transformer (Vaswani et al. 2017) that returns every attention map.

Parts before the whole: scaled dot-product attention → multi-head attention → feed-forward →
encoder layer → decoder layer → Transformer.

    Attention(Q, K, V) = softmax(Q Kᵀ / √d_k + mask) V

Three kinds of attention, each returned as (layers, heads, T_q, T_k):

    encoder self-attention     Q, K, V from the input characters: every position sees every other
    decoder self-attention     Q, K, V from the output so far, with a causal mask: no peeking ahead
    cross-attention            Q from the decoder, K and V from the encoder (the RNN model's attention)

Unlike the RNN, self-attention has no recurrence: every position is computed at once, and the order
of tokens comes only from the positional encodings added to the embeddings.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

import numpy as np
import torch
from torch import Tensor, nn

from models import decoding, protocols
from models.decoding import DecoderState
from models.results import (
    Alignment,
    ForcedAttention,
    InputCheck,
    SelfAttention,
    TransformerAttention,
    distributions,
)
from models.seq2seq import check_text_input
from models.vocab import BOS, Vocab, next_token_log_probs

__all__ = [
    "MultiHeadAttention",
    "Transformer",
    "TransformerConfig",
    "TransformerState",
    "attention_rollout",
    "build",
    "scaled_dot_product_attention",
]


@dataclass
class TransformerConfig:
    """Hyper-parameters of one model; stored in its card and used to rebuild it."""

    src_vocab: list[str]
    tgt_vocab: list[str]
    d_model: int = 128  # size of every token vector
    heads: int = 4  # attention heads per layer; d_k = d_model / heads
    encoder_layers: int = 2
    decoder_layers: int = 2
    d_ff: int = 256  # hidden size of the feed-forward block
    dropout: float = 0.1
    max_source_len: int = 40
    max_target_len: int = 12  # <eos> included


def scaled_dot_product_attention(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """softmax(Q Kᵀ / √d_k) V, returning (output, weights).

    q: (B, H, T_q, d_k), k and v: (B, H, T_k, d_k), mask: broadcastable to (B, H, T_q, T_k), True = may look
    -> output (B, H, T_q, d_k), weights (B, H, T_q, T_k)
    """
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))  # (B, H, T_q, T_k)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights


class MultiHeadAttention(nn.Module):
    """H heads of scaled dot-product attention over learned projections, concatenated and projected."""

    def __init__(self, d_model: int, heads: int, dropout: float) -> None:
        super().__init__()
        assert d_model % heads == 0, "d_model must be divisible by heads"
        self.heads, self.d_k = heads, d_model // heads
        self.q, self.k, self.v, self.o = (nn.Linear(d_model, d_model) for _ in range(4))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x_q: Tensor, x_kv: Tensor, mask: Tensor | None) -> tuple[Tensor, Tensor]:
        """x_q (B, T_q, D), x_kv (B, T_k, D) -> output (B, T_q, D), weights (B, H, T_q, T_k)."""
        B, T_q, D = x_q.shape
        T_k = x_kv.size(1)
        q = self.q(x_q).view(B, T_q, self.heads, self.d_k).transpose(1, 2)  # (B, H, T_q, d_k)
        k = self.k(x_kv).view(B, T_k, self.heads, self.d_k).transpose(1, 2)  # (B, H, T_k, d_k)
        v = self.v(x_kv).view(B, T_k, self.heads, self.d_k).transpose(1, 2)
        out, weights = scaled_dot_product_attention(q, k, v, mask)
        out = out.transpose(1, 2).reshape(B, T_q, D)  # concat the heads: (B, T_q, H·d_k)
        return self.dropout(self.o(out)), weights


class FeedForward(nn.Sequential):
    """Two linear layers with a ReLU between them, applied to every position on its own."""

    def __init__(self, d_model: int, d_ff: int, dropout: float) -> None:
        super().__init__(nn.Linear(d_model, d_ff), nn.ReLU(), nn.Linear(d_ff, d_model), nn.Dropout(dropout))


class EncoderLayer(nn.Module):
    """x + SelfAttention(LN(x)), then x + FeedForward(LN(x)) (pre-norm)."""

    def __init__(self, cfg: TransformerConfig) -> None:
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(cfg.d_model), nn.LayerNorm(cfg.d_model)
        self.attention = MultiHeadAttention(cfg.d_model, cfg.heads, cfg.dropout)
        self.ff = FeedForward(cfg.d_model, cfg.d_ff, cfg.dropout)

    def forward(self, x: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
        h = self.norm1(x)
        out, weights = self.attention(h, h, mask)
        x = x + out
        return x + self.ff(self.norm2(x)), weights


class DecoderLayer(nn.Module):
    """Masked self-attention, then cross-attention over the encoder, then feed-forward (pre-norm)."""

    def __init__(self, cfg: TransformerConfig) -> None:
        super().__init__()
        self.norm1, self.norm2, self.norm3 = (nn.LayerNorm(cfg.d_model) for _ in range(3))
        self.self_attention = MultiHeadAttention(cfg.d_model, cfg.heads, cfg.dropout)
        self.cross_attention = MultiHeadAttention(cfg.d_model, cfg.heads, cfg.dropout)
        self.ff = FeedForward(cfg.d_model, cfg.d_ff, cfg.dropout)

    def forward(
        self, y: Tensor, memory: Tensor, self_mask: Tensor, cross_mask: Tensor
    ) -> tuple[Tensor, Tensor, Tensor]:
        h = self.norm1(y)
        out, self_weights = self.self_attention(h, h, self_mask)
        y = y + out
        out, cross_weights = self.cross_attention(self.norm2(y), memory, cross_mask)
        y = y + out
        return y + self.ff(self.norm3(y)), self_weights, cross_weights


def sinusoidal_positions(length: int, d_model: int) -> Tensor:
    """PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(...): (length, d_model)."""
    position = torch.arange(length, dtype=torch.float32)[:, None]
    rate = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float32) * (-math.log(10000.0) / d_model))
    pe = torch.zeros(length, d_model)
    pe[:, 0::2] = torch.sin(position * rate)
    pe[:, 1::2] = torch.cos(position * rate)
    return pe


@dataclass(frozen=True)
class TransformerState(DecoderState):
    """What decoding carries from one token to the next (batch axis first everywhere)."""

    memory: Tensor  # (B, S, D) the encoder's output
    key_mask: Tensor  # (B, 1, 1, S) True at real input positions
    prefix: Tensor  # (B, t) the tokens written so far, <sos> first


class Transformer(nn.Module):
    """Encoder–decoder Transformer with its vocabularies; every forward returns all attention maps."""

    def __init__(self, cfg: TransformerConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.src_vocab, self.tgt_vocab = Vocab(cfg.src_vocab), Vocab(cfg.tgt_vocab)
        D = cfg.d_model
        self.src_embed = nn.Embedding(len(cfg.src_vocab), D, padding_idx=0)
        self.tgt_embed = nn.Embedding(len(cfg.tgt_vocab), D, padding_idx=0)
        max_len = max(cfg.max_source_len, cfg.max_target_len) + 2
        self.register_buffer("positions", sinusoidal_positions(max_len, D), persistent=False)
        self.encoder = nn.ModuleList(EncoderLayer(cfg) for _ in range(cfg.encoder_layers))
        self.decoder = nn.ModuleList(DecoderLayer(cfg) for _ in range(cfg.decoder_layers))
        self.encoder_norm, self.decoder_norm = nn.LayerNorm(D), nn.LayerNorm(D)
        self.dropout = nn.Dropout(cfg.dropout)
        self.out = nn.Linear(D, len(cfg.tgt_vocab))
        for table in (self.src_embed, self.tgt_embed):  # unit scale after the √d_model below, like the positions
            nn.init.normal_(table.weight, std=D**-0.5)
            nn.init.zeros_(table.weight[0])

    @property
    def device(self) -> torch.device:
        return self.out.weight.device

    def _embed(self, table: nn.Embedding, ids: Tensor) -> Tensor:
        T = ids.size(1)
        return self.dropout(table(ids) * math.sqrt(self.cfg.d_model) + self.positions[:T])  # (B, T, D)

    def encode(self, src: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """src (B, S) -> memory (B, S, D), key mask (B, 1, 1, S), encoder maps (L, B, H, S, S)."""
        key_mask = (src != 0)[:, None, None, :]  # padding is never looked at
        x = self._embed(self.src_embed, src)
        maps = []
        for layer in self.encoder:
            x, weights = layer(x, key_mask)
            maps.append(weights)
        return self.encoder_norm(x), key_mask, torch.stack(maps)

    def run_decoder(self, y_in: Tensor, memory: Tensor, key_mask: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """y_in (B, T) -> logits (B, T, V), self maps (L, B, H, T, T), cross maps (L, B, H, T, S)."""
        T = y_in.size(1)
        causal = torch.tril(torch.ones(T, T, dtype=torch.bool, device=y_in.device))[None, None]  # (1, 1, T, T)
        y = self._embed(self.tgt_embed, y_in)
        self_maps, cross_maps = [], []
        for layer in self.decoder:
            y, self_w, cross_w = layer(y, memory, causal, key_mask)
            self_maps.append(self_w)
            cross_maps.append(cross_w)
        return self.out(self.decoder_norm(y)), torch.stack(self_maps), torch.stack(cross_maps)

    def forward(self, src: Tensor, y_in: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        """Teacher forcing: logits (B, T, V) and {"encoder_self", "decoder_self", "cross"} maps."""
        memory, key_mask, enc_maps = self.encode(src)
        logits, self_maps, cross_maps = self.run_decoder(y_in, memory, key_mask)
        return logits, {"encoder_self": enc_maps, "decoder_self": self_maps, "cross": cross_maps}

    # ------------------------------------------------------------------ decoding

    def step(self, state: TransformerState, y_prev: Tensor) -> tuple[Tensor, TransformerState, dict[str, Tensor]]:
        """One step for models/decoding.py: the whole prefix runs again (outputs are short), no cache."""
        prefix = torch.cat([state.prefix, y_prev[:, None]], dim=1)  # (N, t)
        logits, _, cross = self.run_decoder(prefix, state.memory, state.key_mask)
        weights = cross[-1, :, :, -1].mean(1)  # last layer, head average, last query: (N, S)
        return next_token_log_probs(logits[:, -1]), replace(state, prefix=prefix), {"weights": weights}

    def tokenize(self, text: str) -> list[str]:
        return list(text)

    @property
    def max_source_len(self) -> int:
        return self.cfg.max_source_len

    reads_pieces = False  # one token per character

    @property
    def capabilities(self) -> frozenset[type]:
        """What a page may ask beyond ``decode`` (models/protocols.py): the search tree and every map. No
        what-if edit: it looks with many heads in many layers."""
        return frozenset({protocols.TextSearch, protocols.TransformerMaps})

    def check_input(self, text: str) -> InputCheck | None:
        """None when ``text`` can be decoded, else what is wrong with it (see models.results.ProblemKind)."""
        return check_text_input(self, self.src_vocab, text)

    def known_text(self, text: str) -> str:
        return " ".join("".join(c for c in text if c in self.src_vocab).split())

    def _search(
        self, texts: list[str], beam_width: int, trees: list | None = None
    ) -> tuple[list[list[str]], list[list[decoding.Hypothesis]]]:
        sources = [self.tokenize(t) for t in texts]
        src = self.src_vocab.batch(sources).to(self.device)
        memory, key_mask, _ = self.encode(src)
        state = TransformerState(memory=memory, key_mask=key_mask, prefix=src.new_zeros((len(texts), 0)))
        args = (self.step, state, len(texts), self.tgt_vocab.bos_id, self.tgt_vocab.eos_id, self.cfg.max_target_len)
        if beam_width == 1 and trees is None:
            return sources, [[h] for h in decoding.greedy(*args)]
        return sources, decoding.beam_search(*args, width=beam_width, trees=trees)

    @torch.no_grad()
    def decode(
        self, texts: list[str], beam_width: int = 1, force: ForcedAttention | None = None, with_tree: bool = False
    ) -> list[list[Alignment]]:
        """Like Seq2Seq.decode: per text, its best outputs with the last layer's head-averaged cross-attention.

        Row i of the weights is what the query predicting output token i looked at. Batched and fast.
        """
        if force is not None:
            raise ValueError("the Transformer looks with many heads in many layers: edit an RNN model's attention")
        if not texts:
            return []
        trees: list | None = [] if with_tree else None
        sources, hyps = self._search(texts, beam_width, trees)
        out = []
        for source, hs in zip(sources, hyps, strict=True):
            row = []
            for h in hs:
                target = self.tgt_vocab.decode(h.tokens)
                w = distributions(h.extras["weights"][:, : len(source)], axes=1)
                row.append(Alignment(source, target, w.reshape(len(target), len(source)), h.logprob, "".join(target)))
            out.append(row)
        for i, tree in enumerate(trees or []):
            out[i][0] = replace(out[i][0], tree=decoding.search_tree(tree, self.tgt_vocab.tokens, len(sources[i])))
        return out

    @torch.no_grad()
    def self_attention(self, text: str, with_vectors: bool = False) -> SelfAttention:
        """The encoder's self-attention on ``text`` (models.protocols.SelfAttentionModel): maps (L, H, S, S),
        with ``with_vectors`` every head's q, k, v (L, H, S, d_k), from LN(x) of each pre-norm layer."""
        source = self.tokenize(text)
        src = self.src_vocab.batch([source]).to(self.device)
        key_mask = (src != 0)[:, None, None, :]
        x = self._embed(self.src_embed, src)  # (1, S, D)
        maps, vectors = [], {"queries": [], "keys": [], "values": []}
        for layer in self.encoder:
            if with_vectors:
                h = layer.norm1(x)
                attention = layer.attention
                for name, proj in (("queries", attention.q), ("keys", attention.k), ("values", attention.v)):
                    y = proj(h)[0].view(-1, attention.heads, attention.d_k).transpose(0, 1)  # (H, S, d_k)
                    vectors[name].append(y.double().cpu().numpy())
            x, weights = layer(x, key_mask)
            maps.append(weights[0])  # (H, S, S)
        return SelfAttention(
            tokens=source,
            maps=distributions(torch.stack(maps).float().cpu().numpy(), axes=3),
            n_read=len(source),
            n_total=len(source),
            text=text,
            **({k: np.stack(v) for k, v in vectors.items()} if with_vectors else {}),
        )

    @torch.no_grad()
    def translate(self, texts: list[str], beam_width: int = 1) -> list[TransformerAttention]:
        """The best output for each text, with every attention map of the whole model for it."""
        if not texts:
            return []
        sources, hyps = self._search(texts, beam_width)
        return [self._maps(source, hs[0]) for source, hs in zip(sources, hyps, strict=True)]

    def attention_maps(self, texts: list[str]) -> list[TransformerAttention]:
        """``translate`` at beam width 1, under the name of its capability (``protocols.TransformerMaps``)."""
        return self.translate(texts)

    def _maps(self, source: list[str], hyp: decoding.Hypothesis) -> TransformerAttention:
        """Run the decoded output once more with teacher forcing to read every map for it."""
        output = self.tgt_vocab.decode(hyp.tokens)
        src = self.src_vocab.batch([source]).to(self.device)
        y_in = torch.tensor([[self.tgt_vocab.bos_id, *hyp.tokens]], device=self.device)
        _, maps = self.forward(src, y_in)
        as_np = {k: v[:, 0].float().cpu().numpy().astype(np.float64) for k, v in maps.items()}  # (L, H, T_q, T_k)
        return TransformerAttention(
            source=source,
            target=[BOS, *output],
            output=output,
            encoder_self=as_np["encoder_self"],
            decoder_self=as_np["decoder_self"],
            cross=as_np["cross"],
            score=float(hyp.logprob),
            text="".join(output),
        )


def attention_rollout(maps: np.ndarray) -> np.ndarray:
    """Attention rollout (Abnar & Zuidema 2020): how much each position draws on each input position
    through all the layers so far, counting the residual connections.

        Ã_l = ½ (A_l + I),  rows renormalised;   R_1 = Ã_1,   R_l = Ã_l R_{l-1}

    maps: (L, T, T) self-attention per layer (heads already averaged) -> (L, T, T), R_l for every l.
    """
    L, T, _ = maps.shape
    rolled = np.empty((L, T, T))
    current = np.eye(T)
    for layer in range(L):
        with_residual = 0.5 * (maps[layer] + np.eye(T))
        with_residual /= with_residual.sum(axis=-1, keepdims=True)
        current = with_residual @ current  # (T, T) x (T, T): layer l mixes what layer l-1 had mixed
        rolled[layer] = current
    return rolled


def build(card: dict) -> Transformer:
    """The registry's builder: rebuild a Transformer from its card's config."""
    return Transformer(TransformerConfig(**card["config"]))


def config_dict(cfg: TransformerConfig) -> dict:
    return asdict(cfg)
