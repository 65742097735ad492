"""Attention as the lecture notes teach it: score → softmax → weighted sum.

For a query q (the decoder's state) and keys/values h_1..h_S (the encoder's states):

    e_j     = score(q, h_j)                      one number per input position
    α_j     = exp(e_j) / Σ_k exp(e_k)            softmax: positive, sums to 1 (padding gets 0)
    context = Σ_j α_j h_j                        a convex combination of the encoder states

The score functions:

    dot         score(q, h) = qᵀh                               Luong et al. 2015
    general     score(q, h) = qᵀ W h                            Luong et al. 2015
    scaled_dot  score(q, h) = qᵀh / √d                          Vaswani et al. 2017
    additive    score(q, h) = vᵀ tanh(W_q q + W_k h)            Bahdanau et al. 2015 ("concat")
    + location  score(q, h_j) = vᵀ tanh(W_q q + W_k h_j + U f_j),  f = conv(α_{t-1})
                                                                Chorowski et al. 2015 ("location-aware")

The location-aware option lets the additive score see where it looked at the previous step, so that
"one to the left of last time" is something it can learn once and apply at any input length.

Every function takes queries with a time axis, (B, T, D_q), so that a decoder can score all its
steps at once when it is trained with teacher forcing, or one step at a time (T = 1) when it decodes.
Attention always returns ``(context, weights)``; nothing is stored on the module.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

__all__ = ["KINDS", "Attention", "attend", "dot_scores", "masked_softmax", "scaled_dot_scores"]

KINDS = ("additive", "dot", "general", "scaled_dot")


def masked_softmax(scores: Tensor, mask: Tensor | None) -> Tensor:
    """softmax over the last axis, with weight 0 wherever ``mask`` is False.

    scores: (..., S); mask: broadcastable to scores, True for real positions.
    """
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, dim=-1)


def attend(scores: Tensor, values: Tensor, mask: Tensor | None) -> tuple[Tensor, Tensor]:
    """(context, weights) from raw scores: weights = softmax(scores), context = weights · values.

    scores: (B, T, S); values: (B, S, D_v); mask: (B, S) or None -> context (B, T, D_v), weights (B, T, S)
    """
    weights = masked_softmax(scores, None if mask is None else mask.unsqueeze(1))  # (B, T, S)
    context = torch.bmm(weights, values)  # (B, T, S) x (B, S, D_v) -> (B, T, D_v)
    return context, weights


def dot_scores(query: Tensor, keys: Tensor) -> Tensor:
    """e = qᵀh for every query and key: (B, T, D), (B, S, D) -> (B, T, S)."""
    return torch.bmm(query, keys.transpose(1, 2))  # (B, T, D) x (B, D, S) -> (B, T, S)


def scaled_dot_scores(query: Tensor, keys: Tensor) -> Tensor:
    """e = qᵀh / √d: the dot score kept at unit variance whatever the size d (Vaswani et al. 2017)."""
    return dot_scores(query, keys) / math.sqrt(query.size(-1))


class Attention(nn.Module):
    """One score function with its learned weights; ``forward`` returns ``(context, weights)``.

    query_dim: size of the decoder state q; key_dim: size of the encoder states h;
    attention_dim: the hidden size of the additive score's tanh layer.
    """

    def __init__(
        self, kind: str, query_dim: int, key_dim: int, attention_dim: int = 128, location_kernel: int = 0
    ) -> None:
        super().__init__()
        if kind not in KINDS:
            raise ValueError(f"unknown score function {kind!r}; known: {', '.join(KINDS)}")
        if kind in ("dot", "scaled_dot") and query_dim != key_dim:
            raise ValueError(f"the {kind} score needs query_dim == key_dim, got {query_dim} and {key_dim}")
        self.kind = kind
        if kind == "general":
            self.W = nn.Linear(query_dim, key_dim, bias=False)  # maps q into the keys' space
        elif kind == "additive":
            self.W_q = nn.Linear(query_dim, attention_dim, bias=False)
            self.W_k = nn.Linear(key_dim, attention_dim, bias=True)
            self.v = nn.Linear(attention_dim, 1, bias=False)
        if location_kernel:
            if kind != "additive":
                raise ValueError("location-aware attention extends the additive score only")
            if location_kernel % 2 == 0:
                raise ValueError(f"location_kernel must be odd, got {location_kernel}")
            channels = 8
            self.location_conv = nn.Conv1d(1, channels, location_kernel, padding=location_kernel // 2, bias=False)
            self.U = nn.Linear(channels, attention_dim, bias=False)
        self.location_kernel = location_kernel

    def location_features(self, previous: Tensor) -> Tensor:
        """U conv(α_{t-1}): previous weights (B, S) -> (B, S, A), added inside the additive score's tanh."""
        f = self.location_conv(previous[:, None])  # (B, 1, S) -> (B, C, S)
        return self.U(f.transpose(1, 2))  # (B, S, C) -> (B, S, A)

    def prepare(self, keys: Tensor) -> Tensor:
        """What can be computed once per input: W_k h for the additive score, the keys otherwise.

        keys: (B, S, D_k) -> (B, S, A) for additive, else unchanged
        """
        return self.W_k(keys) if self.kind == "additive" else keys

    def additive_scores(self, query: Tensor, projected_keys: Tensor) -> Tensor:
        """vᵀ tanh(W_q q + W_k h): (B, T, D_q), (B, S, A) -> (B, T, S)."""
        hidden = torch.tanh(self.W_q(query).unsqueeze(2) + projected_keys.unsqueeze(1))  # (B, T, S, A)
        return self.v(hidden).squeeze(-1)  # (B, T, S)

    def scores(
        self, query: Tensor, keys: Tensor, prepared: Tensor | None = None, previous: Tensor | None = None
    ) -> Tensor:
        """Raw scores (B, T, S) of each query (B, T, D_q) against each key (B, S, D_k): the one place that
        says which formula a kind uses.

        prepared: ``prepare(keys)``, when the caller computed it once per input; previous: α_{t-1} (B, S),
        for location-aware attention (zeros at the first step).
        """
        if self.kind == "dot":
            return dot_scores(query, keys)
        if self.kind == "scaled_dot":
            return scaled_dot_scores(query, keys)
        if self.kind == "general":
            return torch.bmm(self.W(query), keys.transpose(1, 2))  # (Wᵀq)ᵀh = qᵀWh, one matmul per query
        projected = self.prepare(keys) if prepared is None else prepared  # W_k h: (B, S, A)
        if self.location_kernel:
            projected = projected + self.location_features(previous)  # W_k h_j + U f_j
        return self.additive_scores(query, projected)

    def forward(
        self,
        query: Tensor,
        keys: Tensor,
        mask: Tensor | None = None,
        prepared: Tensor | None = None,
        previous: Tensor | None = None,
    ) -> tuple[Tensor, Tensor]:
        """(context, weights) for queries (B, T, D_q) over keys = values (B, S, D_k).

        mask: (B, S), True for real input positions -> context (B, T, D_k), weights (B, T, S)
        """
        return attend(self.scores(query, keys, prepared, previous), keys, mask)
