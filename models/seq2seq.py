"""An RNN encoder–decoder with attention (or without, to show the bottleneck).

    embedding → GRU/LSTM encoder (uni- or bidirectional, stacked, residual) → H = h_1..h_S
    decoder, one token at a time, with one of three ways to look at H:

    Bahdanau (additive)   the query is the *previous* decoder state:
                          c_t, α_t = attention(s_{t-1}, H);  s_t = RNN([y_{t-1}; c_t], s_{t-1})
    Luong (dot, general,  the query is the *current* decoder state:
      scaled_dot)         s_t = RNN(y_{t-1}, s_{t-1});       c_t, α_t = attention(s_t, H)
    none (baseline)       the context is always the encoder's final state, the one-vector bottleneck:
                          c_t = h_final;                     s_t = RNN([y_{t-1}; c], s_{t-1})

    and then   h̃_t = tanh(W_c [c_t; s_t]),   p(y_t) = softmax(W_o h̃_t)

Luong and the baseline do not feed c_t back into the RNN, so training runs every target step in
one call; Bahdanau's query depends on the previous step, so it runs step by step.

Decoding (greedy or beam) goes through ``models/decoding.py`` and returns ``Alignment``s.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from models import decoding, protocols
from models.attention import Attention, attend
from models.decoding import DecoderState
from models.results import (
    Alignment,
    AttentionStep,
    ForcedAttention,
    InputCheck,
    ProblemKind,
    distributions,
)
from models.tokenizers import WORD_START, PieceTokenizer, load_tokenizer
from models.vocab import Vocab, next_token_log_probs

__all__ = ["ATTENTION_KINDS", "Seq2Seq", "Seq2SeqConfig", "build"]

ATTENTION_KINDS = ("additive", "dot", "general", "scaled_dot", "none")


@dataclass
class Seq2SeqConfig:
    """Hyper-parameters of one model; stored in its card and used to rebuild it."""

    src_vocab: list[str]  # source tokens, ids in order (specials first)
    tgt_vocab: list[str]  # target tokens
    embed_dim: int = 64  # size of the token embeddings
    hidden_dim: int = 128  # encoder RNN size per direction
    cell: str = "gru"  # "gru" or "lstm"
    bidirectional: bool = True  # read the input both ways; states are then 2 * hidden_dim
    layers: int = 1  # stacked encoder layers
    residual: bool = True  # from the 2nd layer on, add each layer's input to its output
    attention: str = "additive"  # additive | dot | general | scaled_dot | none
    attention_dim: int = 128  # hidden size of the additive score
    dropout: float = 0.0  # between encoder layers and before the output layer
    max_source_len: int = 40  # longest input the model accepts (characters or tokens)
    max_target_len: int = 12  # longest output it writes, <eos> included
    location_kernel: int = 0  # additive only: > 0 adds location-aware features of the previous weights
    src_tokenizer: str = "chars"  # how text becomes tokens: "chars", or a sentencepiece file beside the card
    tgt_tokenizer: str = "chars"

    def __post_init__(self) -> None:
        if self.attention not in ATTENTION_KINDS:
            raise ValueError(f"attention must be one of {ATTENTION_KINDS}, not {self.attention!r}")
        if self.location_kernel and self.attention != "additive":
            raise ValueError("location-aware attention (location_kernel > 0) needs the additive score")
        if self.cell not in ("gru", "lstm"):
            raise ValueError(f"cell must be gru or lstm, not {self.cell!r}")

    @property
    def state_dim(self) -> int:
        """Size of each encoder state h_j, and of the decoder state s_t."""
        return self.hidden_dim * (2 if self.bidirectional else 1)

    @property
    def mode(self) -> str:
        """'bahdanau', 'luong' or 'none': where the query comes from."""
        return {"additive": "bahdanau", "none": "none"}.get(self.attention, "luong")


def _rnn(cell: str, input_dim: int, hidden_dim: int, bidirectional: bool = False) -> nn.RNNBase:
    kind = nn.GRU if cell == "gru" else nn.LSTM
    return kind(input_dim, hidden_dim, batch_first=True, bidirectional=bidirectional)


class Encoder(nn.Module):
    """Embedding and a stack of (bi)directional RNN layers; returns every state and the final one."""

    def __init__(self, cfg: Seq2SeqConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(len(cfg.src_vocab), cfg.embed_dim, padding_idx=0)
        dims = [cfg.embed_dim] + [cfg.state_dim] * (cfg.layers - 1)
        self.rnns = nn.ModuleList(_rnn(cfg.cell, d, cfg.hidden_dim, cfg.bidirectional) for d in dims)
        self.dropout = nn.Dropout(cfg.dropout)

    def forward(self, src: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:
        """src (B, S) ids, lengths (B,) -> states H (B, S, E), final (B, E); E = state_dim."""
        B, S = src.shape
        x = self.embed(src)  # (B, S, embed_dim)
        final = None
        for i, rnn in enumerate(self.rnns):
            packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
            out, h = rnn(packed)
            out, _ = pad_packed_sequence(out, batch_first=True, total_length=S)  # (B, S, E)
            h = h[0] if isinstance(h, tuple) else h  # LSTM: (h, c) -> h; (dirs, B, H)
            final = torch.cat(list(h), dim=-1)  # forward's last and backward's first: (B, E)
            if i > 0 and self.cfg.residual:
                out = out + x  # residual connection between layers (same size from layer 2 on)
            x = self.dropout(out) if i < len(self.rnns) - 1 else out
        return x, final


@dataclass(frozen=True)
class Seq2SeqState(DecoderState):
    """What the decoder carries from one token to the next (batch axis first everywhere)."""

    s: Tensor  # (B, D) the decoder state s_t
    memory: Tensor  # (B, S, E) the encoder states h_1..h_S
    mask: Tensor  # (B, S) True at real input positions
    final: Tensor  # (B, E) the encoder's final state: the no-attention baseline's one vector
    c: Tensor | None = None  # (B, D) the LSTM's cell; None for a GRU
    keys: Tensor | None = None  # (B, S, A) W_k H for the additive score, (B, S, E) H otherwise; None without attention
    previous: Tensor | None = None  # (B, S) α_{t-1}, for location-aware attention only


class Decoder(nn.Module):
    """The attention decoder: one RNN layer, a score function (or none), the concat layer and the output."""

    def __init__(self, cfg: Seq2SeqConfig) -> None:
        super().__init__()
        self.cfg = cfg
        E = D = cfg.state_dim  # the decoder state has the encoder states' size, so that dot works
        self.embed = nn.Embedding(len(cfg.tgt_vocab), cfg.embed_dim, padding_idx=0)
        self.init = nn.Linear(E, D)  # s_0 = tanh(W h_final)
        rnn_input = cfg.embed_dim + (E if cfg.mode in ("bahdanau", "none") else 0)
        self.rnn = _rnn(cfg.cell, rnn_input, D)
        self.attention = (
            Attention(cfg.attention, D, E, cfg.attention_dim, cfg.location_kernel) if cfg.mode != "none" else None
        )
        self.combine = nn.Linear(E + D, D)  # h̃ = tanh(W_c [c; s])
        self.dropout = nn.Dropout(cfg.dropout)
        self.out = nn.Linear(D, len(cfg.tgt_vocab))

    # ------------------------------------------------------------------ state

    def start(self, memory: Tensor, final: Tensor, mask: Tensor) -> Seq2SeqState:
        """The decoding state before the first token; every tensor is batch-first (see decoding.py)."""
        s0 = torch.tanh(self.init(final))  # (B, D)
        return Seq2SeqState(
            s=s0,
            memory=memory,
            mask=mask,
            final=final,
            c=torch.zeros_like(s0) if self.cfg.cell == "lstm" else None,
            keys=self.attention.prepare(memory) if self.attention is not None else None,  # W_k H or H
            previous=torch.zeros_like(mask, dtype=memory.dtype) if self.cfg.location_kernel else None,  # α_0 = 0
        )

    def _rnn_step(self, x: Tensor, state: Seq2SeqState) -> tuple[Tensor, Seq2SeqState]:
        """x (B, T, I) from state -> outputs (B, T, D), the state after the last step."""
        if self.cfg.cell == "lstm":
            out, (h, c) = self.rnn(x, (state.s[None].contiguous(), state.c[None].contiguous()))
            return out, replace(state, s=h[0], c=c[0])
        out, h = self.rnn(x, state.s[None].contiguous())
        return out, replace(state, s=h[0])

    def scores(self, query: Tensor, state: Seq2SeqState) -> Tensor:
        """Raw scores (B, T, S) of queries (B, T, D) in this state (with location features when the model has them)."""
        return self.attention.scores(query, state.memory, prepared=state.keys, previous=state.previous)

    def _look(self, query: Tensor, state: Seq2SeqState) -> tuple[Tensor, Tensor]:
        """(context (B, T, E), weights (B, T, S)) for queries (B, T, D)."""
        forced = state.forced_now()
        if forced is not None:  # a what-if edit: these weights instead of the softmax, at this one step
            weights = forced[:, None, :].to(state.memory.dtype)  # (B, 1, S)
            return torch.bmm(weights, state.memory), weights  # c = Σ_j α_j h_j with the edited α
        if self.attention is None:
            B, T = query.shape[:2]
            uniform = state.mask.float() / state.mask.sum(1, keepdim=True)  # no attention: shown as uniform, flagged
            return state.final[:, None].expand(B, T, -1), uniform[:, None].expand(B, T, state.memory.size(1))
        return attend(self.scores(query, state), state.memory, state.mask)

    def _logits(self, context: Tensor, s: Tensor) -> Tensor:
        h_tilde = torch.tanh(self.combine(torch.cat([context, s], dim=-1)))  # (B, T, D)
        return self.out(self.dropout(h_tilde))  # (B, T, V)

    # ------------------------------------------------------------------ run

    def forward(self, y_in: Tensor, state: Seq2SeqState) -> tuple[Tensor, Tensor, Seq2SeqState]:
        """Teacher forcing: y_in (B, T) = <sos> + target[:-1] -> logits (B, T, V), weights (B, T, S), state."""
        emb = self.embed(y_in)  # (B, T, embed_dim)
        B, T = y_in.shape
        if self.cfg.mode == "luong":
            s_all, state = self._rnn_step(emb, state)  # (B, T, D): all steps in one call
            context, weights = self._look(s_all, state)  # query = current state s_t
            return self._logits(context, s_all), weights, state
        if self.cfg.mode == "none":
            c = state.final[:, None].expand(B, T, -1)  # the same vector at every step
            s_all, state = self._rnn_step(torch.cat([emb, c], dim=-1), state)
            context, weights = self._look(s_all, state)
            return self._logits(context, s_all), weights, state
        outs, all_weights = [], []
        for t in range(T):  # Bahdanau: query = previous state s_{t-1}
            context, weights = self._look(state.s[:, None], state)  # (B, 1, E), (B, 1, S)
            if self.cfg.location_kernel:
                state = replace(state, previous=weights[:, 0])  # where this step looked, for the next one
            s_t, state = self._rnn_step(torch.cat([emb[:, t : t + 1], context], dim=-1), state)
            outs.append(self._logits(context, s_t))
            all_weights.append(weights)
        return torch.cat(outs, 1), torch.cat(all_weights, 1), state

    def step(self, state: Seq2SeqState, y_prev: Tensor) -> tuple[Tensor, Seq2SeqState, dict[str, Tensor]]:
        """One decoding step for decoding.py: y_prev (N,) -> log-probs (N, V), state, {"weights": (N, S)}."""
        logits, weights, state = self.forward(y_prev[:, None], state)
        return next_token_log_probs(logits[:, 0]), state, {"weights": weights[:, 0]}


class Seq2Seq(nn.Module):
    """Encoder + decoder, with the tokenizers and vocabularies that turn text into ids and back."""

    def __init__(self, cfg: Seq2SeqConfig, base_dir: str | Path | None = None) -> None:
        super().__init__()
        self.cfg = cfg
        self.src_vocab = Vocab(cfg.src_vocab)
        self.tgt_vocab = Vocab(cfg.tgt_vocab)
        self.src_tokenizer = load_tokenizer(cfg.src_tokenizer, base_dir)
        self.tgt_tokenizer = load_tokenizer(cfg.tgt_tokenizer, base_dir)
        self.encoder = Encoder(cfg)
        self.decoder = Decoder(cfg)

    @property
    def device(self) -> torch.device:
        return self.decoder.out.weight.device

    def encode(self, src: Tensor) -> Seq2SeqState:
        """src (B, S) padded ids -> the decoder's start state (memory (B, S, E), mask (B, S), ...)."""
        mask = src != self.src_vocab.pad_id  # (B, S)
        lengths = mask.sum(1).clamp(min=1)
        memory, final = self.encoder(src, lengths)
        return self.decoder.start(memory, final, mask)

    def forward(self, src: Tensor, y_in: Tensor) -> tuple[Tensor, Tensor]:
        """Teacher forcing: src (B, S), y_in (B, T) -> logits (B, T, V), attention weights (B, T, S)."""
        logits, weights, _ = self.decoder(y_in, self.encode(src))
        return logits, weights

    # ------------------------------------------------------------------ text in, alignments out

    def tokenize(self, text: str) -> list[str]:
        """The source tokens of ``text``: characters for the date models, sentencepiece pieces for translation."""
        return self.src_tokenizer.encode(text)

    def detokenize(self, tokens: list[str]) -> str:
        return self.tgt_tokenizer.decode(tokens)

    @torch.no_grad()
    def decode(
        self,
        texts: list[str],
        beam_width: int = 1,
        length_penalty: float = 1.0,
        max_len: int | None = None,
        force: ForcedAttention | None = None,
        with_tree: bool = False,
    ) -> list[list[Alignment]]:
        """Decode each text; for each, its ``beam_width`` best outputs (best first) with their attention.

        force: at one step, look with the given weights over the input instead of the softmax (every text
        must then have as many tokens as the weights); with_tree: the best output of each text carries the
        beam search as it ran (``Alignment.tree``). Inputs must already be checked: see ``check_input``.
        """
        if not texts:
            return []
        sources = [self.tokenize(t) for t in texts]
        src = self.src_vocab.batch(sources).to(self.device)  # (B, S)
        state = self.encode(src)
        if force is not None:
            state = replace(state, forced=self._forced_weights(force, sources, src.size(1)), forced_step=force.step)
        max_len = max_len or self.cfg.max_target_len
        args = (self.decoder.step, state, len(texts), self.tgt_vocab.bos_id, self.tgt_vocab.eos_id, max_len)
        trees: list[list[decoding.TreeNode]] | None = [] if with_tree else None
        if beam_width == 1 and not with_tree:
            hyps = [[h] for h in decoding.greedy(*args)]
        else:
            hyps = decoding.beam_search(*args, width=beam_width, length_penalty=length_penalty, trees=trees)
        out = [[self._alignment(source, h) for h in hs] for source, hs in zip(sources, hyps, strict=True)]
        for i, tree in enumerate(trees or []):  # the best output of each text carries its search
            out[i][0] = replace(out[i][0], tree=decoding.search_tree(tree, self.tgt_vocab.tokens, len(sources[i])))
        return out

    def _forced_weights(self, force: ForcedAttention, sources: list[list[str]], width: int) -> Tensor:
        """The edit's weights as a (B, S) tensor over every input (zeros on padding)."""
        if self.decoder.attention is None:
            raise ValueError("the no-attention baseline has no attention to edit")
        weights = np.asarray(force.weights, dtype=np.float32)
        if any(len(source) != len(weights) for source in sources):
            raise ValueError(f"the edit has {len(weights)} weights; every input must have that many tokens")
        forced = torch.zeros(len(sources), width, device=self.device)
        forced[:, : len(weights)] = torch.from_numpy(weights).to(self.device)
        return forced

    def _alignment(self, source: list[str], hyp: decoding.Hypothesis) -> Alignment:
        target = self.tgt_vocab.decode(hyp.tokens)
        weights = distributions(hyp.extras["weights"][:, : len(source)], axes=1)  # (T, S) without padding
        pieces = isinstance(self.src_tokenizer, PieceTokenizer)
        return Alignment(
            source=self.src_tokenizer.labels(source),
            target=self.tgt_tokenizer.labels(target),
            weights=weights.reshape(len(target), len(source)),
            score=float(hyp.logprob),
            text=self.detokenize(target),
            has_attention=self.cfg.attention != "none",
            source_words=word_ids(source) if pieces else None,
            target_words=word_ids(target) if pieces else None,
        )

    @torch.no_grad()
    def explain(self, text: str, top_k: int = 5) -> list[AttentionStep]:
        """Greedy decoding of one text, one AttentionStep per output token, with every number of its attention.

        The weights are those of ``decode`` (the heatmap's rows); query, scores and context are recomputed
        from the same state, so a page can show score -> softmax -> weighted sum with the model's own numbers.
        """
        if self.decoder.attention is None:
            raise ValueError("the no-attention baseline has no scores to explain")
        source = self.tokenize(text)
        state = self.encode(self.src_vocab.batch([source]).to(self.device))
        y = torch.tensor([self.tgt_vocab.bos_id], device=self.device)
        steps: list[AttentionStep] = []
        for t in range(self.cfg.max_target_len):
            before = state  # s_{t-1} is Bahdanau's query; α_{t-1} its location features
            log_probs, state, extras = self.decoder.step(state, y)
            query = before.s if self.cfg.mode == "bahdanau" else state.s  # Luong: the current state s_t
            scores = self.decoder.scores(query[:, None], before if self.cfg.mode == "bahdanau" else state)[0, 0]
            weights = extras["weights"][0]
            context = weights @ state.memory[0]  # (S,) x (S, E) -> (E,)
            probs, ids = log_probs[0].exp().topk(top_k)
            y = ids[:1]
            if int(y) == self.tgt_vocab.eos_id:
                break
            steps.append(
                AttentionStep(
                    step=t,
                    token=self.tgt_vocab.tokens[int(y)],
                    query=query[0].cpu().numpy().astype(np.float64),
                    scores=scores.cpu().numpy().astype(np.float64),
                    weights=weights.cpu().numpy().astype(np.float64),
                    context=context.cpu().numpy().astype(np.float64),
                    top=[(self.tgt_vocab.tokens[int(i)], float(p)) for p, i in zip(probs, ids, strict=True)],
                )
            )
        return steps

    @property
    def max_source_len(self) -> int:
        return self.cfg.max_source_len

    @property
    def reads_pieces(self) -> bool:
        return isinstance(self.src_tokenizer, PieceTokenizer)

    @property
    def capabilities(self) -> frozenset[type]:
        """What a page may ask beyond ``decode`` (models/protocols.py): the search tree always; a what-if edit
        and the step-by-step numbers only with attention (the no-attention baseline has none to edit)."""
        if self.decoder.attention is None:
            return frozenset({protocols.TextSearch})
        return frozenset({protocols.TextSearch, protocols.ForcedText, protocols.StepExplainer})

    def check_input(self, text: str) -> InputCheck | None:
        """None when ``text`` can be decoded, else what is wrong with it (see models.results.ProblemKind)."""
        return check_text_input(self, self.src_vocab, text)

    def known_text(self, text: str) -> str:
        if self.reads_pieces:
            return " ".join(w for w in text.split() if not self.src_tokenizer.uncovered(w))
        return " ".join("".join(c for c in text if c in self.src_vocab).split())


def check_text_input(model, vocab: Vocab, text: str) -> InputCheck | None:
    """The input checks every text model shares: empty, too long, characters (or words) it cannot read."""
    if not text.strip():
        return InputCheck(ProblemKind.EMPTY)
    tokens = model.tokenize(text)
    if len(tokens) > model.max_source_len:
        kind = ProblemKind.TOO_LONG_PIECES if model.reads_pieces else ProblemKind.TOO_LONG
        return InputCheck(kind, count=len(tokens), limit=model.max_source_len)
    if model.reads_pieces:
        uncovered = model.src_tokenizer.uncovered(text)
        return InputCheck(ProblemKind.UNCOVERED, items=tuple(uncovered)) if uncovered else None
    unknown = vocab.unknown(tokens)
    return InputCheck(ProblemKind.UNKNOWN_CHARS, items=tuple(unknown), count=len(unknown)) if unknown else None


def word_ids(pieces: list[str]) -> list[int]:
    """The word each sentencepiece piece belongs to: a new word starts at every "▁"."""
    ids, current = [], -1
    for piece in pieces:
        if piece.startswith(WORD_START) or current < 0:
            current += 1
        ids.append(current)
    return ids


def build(card: dict) -> Seq2Seq:
    """The registry's builder: rebuild a Seq2Seq from its card's config (tokenizer files beside the card)."""
    return Seq2Seq(Seq2SeqConfig(**card["config"]), base_dir=card.get("_dir"))


def config_dict(cfg: Seq2SeqConfig) -> dict:
    """The config as the card stores it."""
    return asdict(cfg)
