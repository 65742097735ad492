"""Greedy and beam-search decoding, shared by every model that writes one token at a time.

A model plugs in with a *step function*:

    step(state, previous_tokens) -> (log_probs, new_state, extras)

    state            dict of tensors, each with the batch (or batch × beam) axis first
    previous_tokens  (N,)       the token each row wrote last (<sos> at first)
    log_probs        (N, V)     log-probabilities of the next token
    extras           dict of (N, ...) tensors kept per written token, e.g. {"weights": (N, S)}

Because every state tensor has its batch axis first, reordering beams is one ``index_select``
per tensor, and all beams of all inputs run as one batch through the network.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor

__all__ = ["Hypothesis", "StepFn", "beam_search", "greedy"]

State = dict[str, Tensor]
StepFn = Callable[[State, Tensor], tuple[Tensor, State, dict[str, Tensor]]]


@dataclass
class Hypothesis:
    """One decoded sequence: its tokens (without <sos>/<eos>), log-probability and per-token extras."""

    tokens: list[int]
    logprob: float  # sum of the log-probabilities of the tokens, and of <eos> if finished
    finished: bool  # False when max_len ran out before <eos>
    extras: dict[str, np.ndarray] = field(default_factory=dict)  # name -> (len(tokens), ...)
    length_penalty: float = 1.0

    @property
    def score(self) -> float:
        """Length-normalised log-probability: logprob / length^α (α = length_penalty)."""
        length = len(self.tokens) + int(self.finished)
        return self.logprob / max(length, 1) ** self.length_penalty


def _select(state: State, index: Tensor) -> State:
    return {k: v.index_select(0, index) for k, v in state.items()}


@torch.no_grad()
def greedy(step: StepFn, state: State, batch_size: int, bos: int, eos: int, max_len: int) -> list[Hypothesis]:
    """The most likely token at every step, for a whole batch at once; one Hypothesis per input."""
    device = next(iter(state.values())).device
    tokens = torch.full((batch_size,), bos, dtype=torch.long, device=device)
    done = torch.zeros(batch_size, dtype=torch.bool, device=device)
    logprob = torch.zeros(batch_size, device=device)
    written, kept = [], []
    for _ in range(max_len):
        log_probs, state, extras = step(state, tokens)  # (B, V)
        tokens = log_probs.argmax(dim=-1)  # (B,)
        logprob += torch.where(done, 0.0, log_probs.gather(1, tokens[:, None]).squeeze(1))
        written.append(tokens)
        kept.append(extras)
        done |= tokens == eos
        if bool(done.all()):
            break
    seqs = torch.stack(written, dim=1).cpu().numpy()  # (B, T)
    stacked = {k: torch.stack([e[k] for e in kept], dim=1).float().cpu().numpy() for k in kept[0]}  # (B, T, ...)
    out = []
    for b in range(batch_size):
        row = seqs[b].tolist()
        finished = eos in row
        n = row.index(eos) if finished else len(row)
        out.append(Hypothesis(row[:n], float(logprob[b]), finished, {k: v[b, :n] for k, v in stacked.items()}))
    return out


@torch.no_grad()
def beam_search(
    step: StepFn,
    state: State,
    batch_size: int,
    bos: int,
    eos: int,
    max_len: int,
    width: int = 3,
    length_penalty: float = 1.0,
) -> list[list[Hypothesis]]:
    """The ``width`` best sequences per input, best first, ranked by length-normalised log-probability.

    All beams of all inputs run as one batch of ``batch_size * width`` rows. A beam that writes
    <eos> among the ``width`` best candidates of a step is set aside as finished (so that width 1
    is exactly greedy); an input is done when it has ``width`` finished beams. When max_len runs
    out first, the live beams are returned too, marked ``finished=False``.
    """
    if width < 1:
        raise ValueError(f"beam width must be at least 1, got {width}")
    B, K = batch_size, width
    device = next(iter(state.values())).device
    rows = torch.arange(B, device=device).repeat_interleave(K)  # (B*K,) the input of each row
    state = _select(state, rows)
    tokens = torch.full((B * K,), bos, dtype=torch.long, device=device)
    scores = torch.full((B, K), float("-inf"), device=device)
    scores[:, 0] = 0.0  # all beams start identical: expand only the first
    history = torch.zeros((B * K, 0), dtype=torch.long, device=device)
    kept: dict[str, Tensor] | None = None  # name -> (B*K, t, ...)
    finished: list[list[Hypothesis]] = [[] for _ in range(B)]
    done = [False] * B

    def hypothesis(row: int, logprob: float, is_finished: bool) -> Hypothesis:
        extras = {k: v[row].float().cpu().numpy() for k, v in (kept or {}).items()}
        return Hypothesis(history[row].tolist(), logprob, is_finished, extras, length_penalty)

    for _ in range(max_len):
        log_probs, state, extras = step(state, tokens)  # (B*K, V)
        if kept is None:  # empty histories of the right shapes, for beams that end at once
            kept = {k: v.new_zeros((B * K, 0, *v.shape[1:])) for k, v in extras.items()}
        V = log_probs.size(-1)
        candidates = (scores.view(B * K, 1) + log_probs).view(B, K * V)  # (B, K*V)
        top_scores, top_index = candidates.topk(min(2 * K, K * V), dim=-1)  # (B, 2K)
        parents = (top_index // V).tolist()
        words = (top_index % V).tolist()
        top_scores_list = top_scores.tolist()
        keep_rows, keep_words, keep_scores = [], [], []
        for b in range(B):
            alive: list[tuple[int, int, float]] = []
            if not done[b]:
                for rank, (parent, word, s) in enumerate(zip(parents[b], words[b], top_scores_list[b], strict=True)):
                    if s == float("-inf"):
                        break
                    if word == eos:
                        if rank < K:  # an ending counts only when it ranks among the K best candidates
                            finished[b].append(hypothesis(b * K + parent, s, True))
                    elif len(alive) < K:
                        alive.append((b * K + parent, word, s))
                    if len(alive) == K and rank >= K - 1:
                        break
                if len(finished[b]) >= K or not alive:
                    done[b] = True
            if done[b] or not alive:  # keep the shape: a dead row with score -inf
                alive = [(b * K, eos, float("-inf"))]
            alive += [(alive[0][0], alive[0][1], float("-inf"))] * (K - len(alive))
            for row, word, s in alive:
                keep_rows.append(row)
                keep_words.append(word)
                keep_scores.append(s)
        if all(done):
            break
        index = torch.tensor(keep_rows, device=device)
        tokens = torch.tensor(keep_words, device=device)
        scores = torch.tensor(keep_scores, device=device).view(B, K)
        history = torch.cat([history.index_select(0, index), tokens[:, None]], dim=1)
        new = {k: v.index_select(0, index).unsqueeze(1) for k, v in extras.items()}
        kept = {k: torch.cat([kept[k].index_select(0, index), new[k]], 1) for k in new}
        state = _select(state, index)

    results = []
    for b in range(B):
        hyps = finished[b]
        if len(hyps) < K:  # max_len ran out: also offer the live beams, unfinished
            for k in range(K):
                s = float(scores[b, k])
                if s != float("-inf") and len(hyps) < K:
                    hyps.append(hypothesis(b * K + k, s, False))
        results.append(sorted(hyps, key=lambda h: h.score, reverse=True)[:K])
    return results
