"""Greedy and beam-search decoding, shared by every model that writes one token at a time.

A model plugs in with a *step function*:

    step(state, previous_tokens) -> (log_probs, new_state, extras)

    state            the model's DecoderState: a dataclass whose tensors all have the batch (or batch × beam) axis first
    previous_tokens  (N,)       the token each row wrote last (<sos> at first)
    log_probs        (N, V)     log-probabilities of the next token
    extras           dict of (N, ...) tensors kept per written token, e.g. {"weights": (N, S)}

Because every state tensor has its batch axis first, reordering beams is one ``index_select``
per tensor (``DecoderState.select``), and all beams of all inputs run as one batch through the network.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import Self

import numpy as np
import torch
from torch import Tensor

from models.results import SearchNode, SearchTree, distributions

__all__ = ["DecoderState", "Hypothesis", "StepFn", "TreeNode", "beam_search", "greedy", "search_tree"]


@dataclass(frozen=True)
class DecoderState:
    """What a decoder carries from one token to the next; each model subclasses it as a frozen dataclass
    with named fields (tensors with the batch axis first, or None where the model has no such part).

    Every state also counts the tokens written so far, and may carry a what-if edit: at step ``forced_step``
    the model looks with ``forced`` weights instead of its own softmax (everything else runs unchanged).
    """

    step: int = field(default=0, kw_only=True)  # tokens written so far: the index of the step being taken
    forced: Tensor | None = field(default=None, kw_only=True)  # (B, S...) weights for the edited step
    forced_step: int = field(default=-1, kw_only=True)  # which step is edited (-1: none)

    def forced_now(self) -> Tensor | None:
        """The forced weights when the step being taken is the edited one, else None."""
        return self.forced if self.step == self.forced_step else None

    def select(self, index: Tensor) -> Self:
        """The same state for the rows ``index`` (N',): how beams are reordered and inputs repeated."""
        tensors = {f.name: getattr(self, f.name) for f in fields(self)}  # type: ignore[arg-type]
        return replace(self, **{k: v.index_select(0, index) for k, v in tensors.items() if isinstance(v, Tensor)})

    @property
    def device(self) -> torch.device:
        return next(v.device for f in fields(self) if isinstance(v := getattr(self, f.name), Tensor))  # type: ignore[arg-type]


StepFn = Callable[[DecoderState, Tensor], tuple[Tensor, DecoderState, dict[str, Tensor]]]


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


@torch.no_grad()
def greedy(step: StepFn, state: DecoderState, batch_size: int, bos: int, eos: int, max_len: int) -> list[Hypothesis]:
    """The most likely token at every step, for a whole batch at once; one Hypothesis per input."""
    device = state.device
    tokens = torch.full((batch_size,), bos, dtype=torch.long, device=device)
    done = torch.zeros(batch_size, dtype=torch.bool, device=device)
    logprob = torch.zeros(batch_size, device=device)
    written, kept = [], []
    for _ in range(max_len):
        log_probs, state, extras = step(state, tokens)  # (B, V)
        state = replace(state, step=state.step + 1)
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


def _advance(candidates: list[tuple[int, int, float]], K: int, eos: int) -> tuple[list[int], list[int]]:
    """One input's step of beam search: from its best candidates (parent row, word, score), best first,
    the ranks of the K beams that go on, and of the endings that count (an <eos> among the K best)."""
    alive: list[int] = []
    endings: list[int] = []
    for rank, (_, word, s) in enumerate(candidates):
        if s == float("-inf"):
            break
        if word == eos:
            if rank < K:  # an ending counts only when it ranks among the K best candidates
                endings.append(rank)
        elif len(alive) < K:
            alive.append(rank)
        if len(alive) == K and rank >= K - 1:
            break
    return alive, endings


@torch.no_grad()
def beam_search(
    step: StepFn,
    state: DecoderState,
    batch_size: int,
    bos: int,
    eos: int,
    max_len: int,
    width: int = 3,
    length_penalty: float = 1.0,
    trees: list[list[TreeNode]] | None = None,
) -> list[list[Hypothesis]]:
    """The ``width`` best sequences per input, best first, ranked by length-normalised log-probability.

    All beams of all inputs run as one batch of ``batch_size * width`` rows. A beam that writes
    <eos> among the ``width`` best candidates of a step is set aside as finished (so that width 1
    is exactly greedy); an input is done when it has ``width`` finished beams. When max_len runs
    out first, the live beams are returned too, marked ``finished=False``.

    trees: an empty list to fill with the search as it ran, one list of TreeNode per input: every
    candidate the search weighed, kept, pruned or finished (no second search is needed to draw it).
    """
    if width < 1:
        raise ValueError(f"beam width must be at least 1, got {width}")
    B, K = batch_size, width
    device = state.device
    state = state.select(torch.arange(B, device=device).repeat_interleave(K))  # (B*K, ...): K rows per input
    tokens = torch.full((B * K,), bos, dtype=torch.long, device=device)
    scores = torch.full((B, K), float("-inf"), device=device)
    scores[:, 0] = 0.0  # all beams start identical: expand only the first
    beams = _Beams(B, K, length_penalty, device, record=trees is not None)
    for _ in range(max_len):
        log_probs, state, extras = step(state, tokens)  # (B*K, V)
        state = replace(state, step=state.step + 1)
        V = log_probs.size(-1)
        top_scores, top_index = (scores.view(B * K, 1) + log_probs).view(B, K * V).topk(min(2 * K, K * V), dim=-1)
        rows, words, kept_scores = [], [], []
        for b, (parents, ws, ss) in enumerate(
            zip((top_index // V).tolist(), (top_index % V).tolist(), top_scores.tolist(), strict=True)
        ):
            alive = [] if beams.done[b] else beams.advance(b, parents, ws, ss, eos, extras, state.step)
            if not alive:  # keep the shape: a dead row with score -inf
                alive = [(b * K, eos, float("-inf"))]
            alive += [(alive[0][0], alive[0][1], float("-inf"))] * (K - len(alive))
            rows += [r for r, _, _ in alive]
            words += [w for _, w, _ in alive]
            kept_scores += [s for _, _, s in alive]
        if all(beams.done):
            break
        index = torch.tensor(rows, device=device)
        tokens = torch.tensor(words, device=device)
        scores = torch.tensor(kept_scores, device=device).view(B, K)
        beams.extend(index, tokens, extras)
        state = state.select(index)
    if trees is not None:
        trees.extend(beams.trees)
    return beams.results(scores)


def search_tree(nodes: list[TreeNode], tokens: list[str], source_len: int) -> SearchTree:
    """A recorded search as a plain result: token strings, and each step's weights over the real input."""
    return SearchTree(
        [
            SearchNode(
                n.parent,
                "" if n.parent < 0 else tokens[n.token],
                n.logprob,
                n.step,
                n.status,
                distributions(n.extras["weights"][..., :source_len]) if "weights" in n.extras else None,
            )
            for n in nodes
        ]
    )


@dataclass(frozen=True)
class TreeNode:
    """One candidate that beam search weighed: a prefix ending in ``token``."""

    parent: int  # the index of its prefix's node in the same list; -1 for the root
    token: int  # the token id it adds (<sos> for the root)
    logprob: float  # log-probability of the whole prefix
    step: int  # 1 for the first token written
    status: str  # "root" | "kept" (expanded further) | "pruned" | "finished" (<eos> among the best)
    extras: dict[str, np.ndarray] = field(default_factory=dict)  # what the step looked at, e.g. {"weights": (S,)}


class _Beams:
    """The bookkeeping of beam search: each row's tokens and extras so far, and each input's finished beams."""

    def __init__(self, B: int, K: int, length_penalty: float, device: torch.device, record: bool = False) -> None:
        self.B, self.K, self.length_penalty = B, K, length_penalty
        self.history = torch.zeros((B * K, 0), dtype=torch.long, device=device)  # (B*K, t)
        self.kept: dict[str, Tensor] | None = None  # name -> (B*K, t, ...)
        self.finished: list[list[Hypothesis]] = [[] for _ in range(B)]
        self.done = [False] * B
        self.record = record  # keep every candidate as a TreeNode
        self.trees: list[list[TreeNode]] = [[TreeNode(-1, -1, 0.0, 0, "root")] for _ in range(B)]
        self.node_of_row = [0] * (B * K)  # each row's prefix, as a node of its input's tree
        self.next_nodes: dict[int, int] = {}  # row of the next step -> the node of its prefix

    def hypothesis(self, row: int, logprob: float, is_finished: bool) -> Hypothesis:
        extras = {k: v[row].float().cpu().numpy() for k, v in (self.kept or {}).items()}
        return Hypothesis(self.history[row].tolist(), logprob, is_finished, extras, self.length_penalty)

    def advance(self, b: int, parents, words, scores, eos: int, extras: dict[str, Tensor], step: int):
        """Input b's beams that go on; its endings are set aside, and it is done with K of them."""
        if self.kept is None:  # empty histories of the right shapes, for beams that end at once
            self.kept = {k: v.new_zeros((self.B * self.K, 0, *v.shape[1:])) for k, v in extras.items()}
        candidates = [(b * self.K + p, w, s) for p, w, s in zip(parents, words, scores, strict=True)]
        alive, endings = _advance(candidates, self.K, eos)
        for rank in endings:
            row, _, s = candidates[rank]
            self.finished[b].append(self.hypothesis(row, s, True))
        if len(self.finished[b]) >= self.K or not alive:
            self.done[b] = True
            alive = []  # nothing is expanded further
        nodes = self._grow(b, candidates, alive, endings, extras, step) if self.record else {}
        if self.done[b]:
            return []
        for k, rank in enumerate(alive):  # the kept beams become rows b*K + k of the next step
            self.next_nodes[b * self.K + k] = nodes.get(rank, 0)
        return [candidates[rank] for rank in alive]

    def _grow(self, b: int, candidates, alive: list[int], endings: list[int], extras: dict[str, Tensor], step: int):
        """Add this step's candidates of input b to its tree, each with what its step looked at;
        returns the node of each kept candidate, by rank."""
        tree, kept = self.trees[b], {}
        for rank, (row, word, s) in enumerate(candidates):
            if s == float("-inf"):
                break
            status = "kept" if rank in alive else "finished" if rank in endings else "pruned"
            looked = {k: v[row].float().cpu().numpy() for k, v in extras.items()}
            tree.append(TreeNode(self.node_of_row[row], word, s, step, status, looked))
            if status == "kept":
                kept[rank] = len(tree) - 1
        return kept

    def extend(self, index: Tensor, tokens: Tensor, extras: dict[str, Tensor]) -> None:
        """Reorder the rows to the kept beams and append this step's token and extras."""
        if self.record:
            self.node_of_row = [self.next_nodes.get(row, 0) for row in range(self.B * self.K)]
            self.next_nodes = {}
        self.history = torch.cat([self.history.index_select(0, index), tokens[:, None]], dim=1)
        new = {k: v.index_select(0, index).unsqueeze(1) for k, v in extras.items()}
        self.kept = {k: torch.cat([self.kept[k].index_select(0, index), new[k]], 1) for k in new}  # type: ignore[index]

    def results(self, scores: Tensor) -> list[list[Hypothesis]]:
        """Per input its K best, best first; when max_len ran out, live beams fill in, unfinished."""
        out = []
        for b in range(self.B):
            hyps = self.finished[b]
            for k in range(self.K):
                s = float(scores[b, k])
                if len(hyps) < self.K and s != float("-inf"):
                    hyps.append(self.hypothesis(b * self.K + k, s, False))
            out.append(sorted(hyps, key=lambda h: h.score, reverse=True)[: self.K])
        return out
