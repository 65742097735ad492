"""A Neural Turing Machine (Graves, Wayne & Danihelka 2014): an LSTM controller with an external memory
that it writes to and reads from through attention. And, for comparison, the LSTM alone.

    memory      M_t: N rows of width M (N × M), every row starting at the same small constant
    controller  h_t = LSTM([x_t; r_{t−1}], h_{t−1})
    read head   w^r_t = address(params(h_t), M_{t−1}, w^r_{t−1})
                r_t = Σ_i w^r_t(i) M_{t−1}(i)                                      (eq. 2)
    write head  w^w_t = address(params(h_t), M_{t−1}, w^w_{t−1})
                M_t(i) = M_{t−1}(i) [1 − w^w_t(i) e_t] + w^w_t(i) a_t            (eqs. 3–4: erase, then add)
    output      y_t = σ(W_o [h_t; r_t])

Each head's address is four small steps (§3.3, eqs. 5–9). From the controller it gets a key k_t, a key
strength β_t, a gate g_t, a shift weighting s_t over the shifts −R..R and a sharpening γ_t:

    content     w^c_t(i) = exp(β_t K(k_t, M_t(i))) / Σ_j exp(β_t K(k_t, M_t(j)))   K = cosine similarity
    interpolate w^g_t = g_t w^c_t + (1 − g_t) w_{t−1}
    shift       w̃_t(i) = Σ_j w^g_t(j) s_t(i − j)       (a circular convolution: indices mod N)
    sharpen     w_t(i) = w̃_t(i)^γ_t / Σ_j w̃_t(j)^γ_t

Content addressing is attention as in seq2seq — a softmax over similarities with a query — but over
memory rows that the network wrote itself; the gate, the shift and the sharpening let a head ignore
content and just move on from where it was, which is how the NTM walks through memory when it copies.

The choices the paper left open follow Collier & Beel (2018, "Implementing Neural Turing Machines"):
memory rows start at a small constant (``memory_init``), the heads start on row 0, the first read vector
is zero; each is a config field. ``gate_bias``, ``sharpen_bias``, ``write_shift_bias`` and
``read_stay_bias`` set where training starts from: heads that keep their last weighting (g small) move by
location from the first step, a write head that tends to move on by one row leaves each vector in a row of
its own, and a read head that tends to wait stays on the first row until it is time to read; the controller then
has less reason to hold the pattern in its own state instead of in memory. They are only initial biases:
where each head looks, when it moves and what it writes are all learnt.

``forward(x)`` gives the output logits for training; ``trace(pattern)`` runs one pattern and returns a
``MemoryTrace`` with every step's weightings (w_c, w_g, w̃, w), β, g, s, γ, e, a and the memory.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn import functional as F

from models.data.bits import copy_inputs
from models.results import ForcedRead, HeadTrace, MemoryTrace, distributions

__all__ = [
    "ARCHITECTURES",
    "NTM",
    "CopyLSTM",
    "MemoryConfig",
    "build",
    "circular_shift",
    "config_dict",
    "content_weighting",
    "erase_and_add",
    "interpolate",
    "sharpen",
]

ARCHITECTURES = ("ntm", "lstm")
_EPS = 1e-8


@dataclass
class MemoryConfig:
    """Hyper-parameters of one model; stored in its card and used to rebuild it."""

    architecture: str = "ntm"  # "ntm" (controller + memory) or "lstm" (the baseline: an LSTM alone)
    bits: int = 8  # width of each pattern vector; the input has one more channel, the delimiter
    memory_rows: int = 80  # N, memory locations (a pattern of up to N vectors fits)
    memory_width: int = 20  # M, the width of each location
    controller_dim: int = 100  # the LSTM controller's state (ntm), or the baseline's state per layer (lstm)
    layers: int = 1  # LSTM layers (the baseline; the NTM's controller is one LSTM cell)
    shift_range: int = 1  # R: a head can move by −R..R rows in one step
    memory_init: float = 1e-6  # every memory entry starts at this constant (Collier & Beel 2018)
    gate_bias: float = 0.0  # initial bias of each head's gate g: < 0 makes heads start out moving by location
    sharpen_bias: float = 0.0  # initial bias of γ = 1 + softplus(·): > 0 makes heads start out sharp
    write_shift_bias: float = 0.0  # initial bias of the write head's move by +1: > 0 makes it start out walking
    read_stay_bias: float = 0.0  # initial bias of the read head's move by 0: > 0 makes it start out waiting in place
    max_length: int = 60  # the longest pattern the app feeds it

    def __post_init__(self) -> None:
        if self.architecture not in ARCHITECTURES:
            raise ValueError(f"architecture must be one of {ARCHITECTURES}, not {self.architecture!r}")
        if self.architecture == "ntm" and self.max_length > self.memory_rows:
            raise ValueError(f"a pattern of {self.max_length} vectors does not fit in {self.memory_rows} rows")

    @property
    def shifts(self) -> int:
        """2R + 1, the length of the shift weighting."""
        return 2 * self.shift_range + 1


# ----------------------------------------------------------------------------- addressing (§3.3)


def content_weighting(key: Tensor, beta: Tensor, memory: Tensor) -> Tensor:
    """eq. 5: w_c(i) = softmax_i(β K(k, M(i))), K the cosine similarity.

    key (B, M), beta (B, 1), memory (B, N, M) -> (B, N)
    """
    dot = torch.bmm(memory, key.unsqueeze(-1)).squeeze(-1)  # (B, N) k · M(i)
    norms = memory.norm(dim=-1) * key.norm(dim=-1, keepdim=True)  # (B, N) ‖M(i)‖ ‖k‖
    similarity = dot / (norms + _EPS)  # (B, N) in [−1, 1]
    return F.softmax(beta * similarity, dim=-1)


def interpolate(content: Tensor, gate: Tensor, previous: Tensor) -> Tensor:
    """eq. 7: w_g = g w_c + (1 − g) w_{t−1}.   content, previous (B, N), gate (B, 1) -> (B, N)"""
    return gate * content + (1 - gate) * previous


def circular_shift(weights: Tensor, shift: Tensor) -> Tensor:
    """eq. 8: w̃(i) = Σ_j w_g(j) s(i − j), indices mod N; shift[k] weighs a move by k − R rows.

    weights (B, N), shift (B, 2R+1) -> (B, N)
    """
    R = shift.size(-1) // 2
    moved = torch.stack([torch.roll(weights, k, dims=-1) for k in range(-R, R + 1)], dim=-1)  # (B, N, 2R+1)
    return (moved * shift.unsqueeze(1)).sum(-1)  # roll by k: moved[i] = w[i − k], weighted by s(k)


def sharpen(weights: Tensor, gamma: Tensor) -> Tensor:
    """eq. 9: w(i) = w̃(i)^γ / Σ_j w̃(j)^γ.   weights (B, N), gamma (B, 1) ≥ 1 -> (B, N)"""
    powered = (weights + _EPS) ** gamma  # + ε: 0^γ has no gradient in γ
    return powered / powered.sum(-1, keepdim=True)


def erase_and_add(memory: Tensor, weights: Tensor, erase: Tensor, add: Tensor) -> Tensor:
    """eqs. 3–4: M_t(i) = M_{t−1}(i) [1 − w(i) e] + w(i) a.

    memory (B, N, M), weights (B, N), erase and add (B, M) -> (B, N, M)
    """
    w = weights.unsqueeze(-1)  # (B, N, 1)
    return memory * (1 - w * erase.unsqueeze(1)) + w * add.unsqueeze(1)


# ----------------------------------------------------------------------------- heads


class Head(nn.Module):
    """Turns the controller state into one head's parameters and addresses memory with them."""

    def __init__(self, cfg: MemoryConfig, writes: bool) -> None:
        super().__init__()
        self.cfg, self.writes = cfg, writes
        M = cfg.memory_width
        self.sizes = [M, 1, 1, cfg.shifts, 1] + ([M, M] if writes else [])  # k, β, g, s, γ (, e, a)
        self.params = nn.Linear(cfg.controller_dim, sum(self.sizes))
        with torch.no_grad():  # where g and γ sit among the parameters: k (M), β (1), g (1), s (2R+1), γ (1)
            self.params.bias[M + 1] = cfg.gate_bias
            self.params.bias[M + 2 + cfg.shifts] = cfg.sharpen_bias
            if writes:
                self.params.bias[M + 2 + cfg.shift_range + 1] = cfg.write_shift_bias  # s(+1)
            else:
                self.params.bias[M + 2 + cfg.shift_range] = cfg.read_stay_bias  # s(0)

    def forward(self, h: Tensor, memory: Tensor, previous: Tensor) -> dict[str, Tensor]:
        """h (B, H), memory (B, N, M), previous w_{t−1} (B, N) -> every quantity of the step, w last."""
        parts = torch.split(self.params(h), self.sizes, dim=-1)
        key, beta, gate, shift, gamma = parts[:5]
        out = {
            "key": key,  # (B, M)
            "beta": F.softplus(beta),  # (B, 1) β ≥ 0
            "gate": torch.sigmoid(gate),  # (B, 1) g in (0, 1)
            "shift": F.softmax(shift, dim=-1),  # (B, 2R+1)
            "gamma": 1 + F.softplus(gamma),  # (B, 1) γ ≥ 1
        }
        if self.writes:
            out["erase"], out["add"] = torch.sigmoid(parts[5]), torch.tanh(parts[6])  # (B, M) each
        out["content"] = content_weighting(out["key"], out["beta"], memory)  # (B, N)
        out["gated"] = interpolate(out["content"], out["gate"], previous)  # (B, N)
        out["shifted"] = circular_shift(out["gated"], out["shift"])  # (B, N)
        out["weights"] = sharpen(out["shifted"], out["gamma"])  # (B, N)
        return out


# ----------------------------------------------------------------------------- the machine


class NTM(nn.Module):
    """An LSTM controller, one write head, one read head and an N × M memory (see the module docstring)."""

    def __init__(self, cfg: MemoryConfig) -> None:
        super().__init__()
        self.cfg = cfg
        N, M, H = cfg.memory_rows, cfg.memory_width, cfg.controller_dim
        self.controller = nn.LSTMCell(cfg.bits + 1 + M, H)  # input: [x_t; r_{t−1}]
        self.write_head = Head(cfg, writes=True)
        self.read_head = Head(cfg, writes=False)
        self.output = nn.Linear(H + M, cfg.bits)  # y_t = σ(W_o [h_t; r_t])
        start = torch.zeros(N)
        start[0] = 1.0  # both heads start on row 0
        self.register_buffer("start", start, persistent=False)

    def initial(self, B: int) -> tuple[Tensor, ...]:
        """(memory (B, N, M), w^w_0 (B, N), w^r_0 (B, N), r_0 (B, M), h_0, c_0 (B, H))."""
        cfg, device = self.cfg, self.start.device
        memory = torch.full((B, cfg.memory_rows, cfg.memory_width), cfg.memory_init, device=device)
        w = self.start.expand(B, -1)
        zeros = torch.zeros(B, cfg.controller_dim, device=device)
        return memory, w, w, torch.zeros(B, cfg.memory_width, device=device), zeros, zeros

    def step(self, x: Tensor, state: tuple[Tensor, ...], force_row: int | None = None):
        """One step. x (B, bits+1) -> (logits (B, bits), next state, what each head did)."""
        memory, w_write, w_read, r, h, c = state
        h, c = self.controller(torch.cat([x, r], dim=-1), (h, c))  # (B, H) each
        # the read head reads the memory as it was before this step's write: what it returns was stored at an
        # earlier step, so the memory is storage across time and never a shortcut from this step's input
        read = self.read_head(h, memory, w_read)
        if force_row is not None:  # the what-if: read this row alone
            read["weights"] = F.one_hot(torch.full_like(r[:, 0], force_row, dtype=torch.long), memory.size(1)).float()
        r = torch.bmm(read["weights"].unsqueeze(1), memory).squeeze(1)  # (B, M) r_t = Σ_i w(i) M_{t−1}(i)
        wrote = self.write_head(h, memory, w_write)
        memory = erase_and_add(memory, wrote["weights"], wrote["erase"], wrote["add"])  # (B, N, M)
        logits = self.output(torch.cat([h, r], dim=-1))  # (B, bits)
        return logits, (memory, wrote["weights"], read["weights"], r, h, c), (wrote, read, memory, r)

    def forward(self, x: Tensor) -> Tensor:
        """x (B, T, bits+1) -> logits (B, T, bits) at every step (the loss reads the output phase)."""
        state = self.initial(x.size(0))
        logits = []
        for t in range(x.size(1)):
            y, state, _ = self.step(x[:, t], state)
            logits.append(y)
        return torch.stack(logits, dim=1)

    @property
    def max_length(self) -> int:
        return self.cfg.max_length

    @property
    def has_memory(self) -> bool:
        return True

    @torch.no_grad()
    def trace(self, pattern: np.ndarray, force: ForcedRead | None = None) -> MemoryTrace:
        """Copy one pattern (L, bits) and keep everything every step did (see ``MemoryTrace``)."""
        target, x = _inputs(pattern, self.cfg, self.start.device)
        if force is not None and (force.step >= x.size(1) or force.row >= self.cfg.memory_rows):
            raise ValueError(f"no step {force.step} or row {force.row} in this run")
        state = self.initial(1)
        logits, records, memories, reads = [], {"write": [], "read": []}, [state[0][0]], []
        for t in range(x.size(1)):
            y, state, (wrote, read, memory, r) = self.step(
                x[:, t], state, force.row if force is not None and force.step == t else None
            )
            logits.append(y[0])
            records["write"].append(wrote)
            records["read"].append(read)
            memories.append(memory[0])
            reads.append(r[0])
        L = target.shape[0]
        probs = torch.sigmoid(torch.stack(logits[L + 1 :])).cpu().numpy() if L else np.zeros((0, self.cfg.bits))
        return MemoryTrace(
            inputs=target,
            target=target,
            probs=np.asarray(probs, dtype=np.float64).reshape(target.shape),
            read=_head_trace(records["read"]),
            write=_head_trace(records["write"]),
            memory=torch.stack(memories).cpu().numpy(),
            read_vectors=torch.stack(reads).cpu().numpy(),
            forced=force,
        )


def _inputs(pattern: np.ndarray, cfg: MemoryConfig, device) -> tuple[np.ndarray, Tensor]:
    """A pattern (L, bits) checked, and the network's input (1, 2L+1, bits+1)."""
    target = np.asarray(pattern, dtype=np.int8)
    if target.ndim != 2 or target.shape[1] != cfg.bits or not np.isin(target, (0, 1)).all():
        raise ValueError(f"a pattern is (L, {cfg.bits}) zeros and ones, got shape {target.shape}")
    x = copy_inputs(torch.as_tensor(target, dtype=torch.float32, device=device).unsqueeze(0))
    return target, x


def _head_trace(steps: list[dict[str, Tensor]]) -> HeadTrace:
    """One head's per-step dicts -> a HeadTrace of numpy arrays (batch of one)."""

    def stacked(name: str, dist: bool = False) -> np.ndarray:
        value = torch.stack([s[name][0] for s in steps]).cpu().numpy()
        return distributions(value) if dist else value.astype(np.float64)

    has_erase = "erase" in steps[0]
    return HeadTrace(
        content=stacked("content", True),
        gated=stacked("gated", True),
        shifted=stacked("shifted", True),
        weights=stacked("weights", True),
        key=stacked("key"),
        beta=stacked("beta")[:, 0],
        gate=stacked("gate")[:, 0],
        shift=stacked("shift", True),
        gamma=stacked("gamma")[:, 0],
        erase=stacked("erase") if has_erase else None,
        add=stacked("add") if has_erase else None,
    )


# ----------------------------------------------------------------------------- the baseline


class CopyLSTM(nn.Module):
    """The baseline: a stacked LSTM reads the same inputs and writes the copy from its state alone."""

    def __init__(self, cfg: MemoryConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.lstm = nn.LSTM(cfg.bits + 1, cfg.controller_dim, num_layers=cfg.layers, batch_first=True)
        self.output = nn.Linear(cfg.controller_dim, cfg.bits)

    def forward(self, x: Tensor) -> Tensor:
        """x (B, T, bits+1) -> logits (B, T, bits)."""
        h, _ = self.lstm(x)  # (B, T, H)
        return self.output(h)

    @property
    def max_length(self) -> int:
        return self.cfg.max_length

    @property
    def has_memory(self) -> bool:
        return False

    @torch.no_grad()
    def trace(self, pattern: np.ndarray, force: ForcedRead | None = None) -> MemoryTrace:
        """Copy one pattern (L, bits); there are no heads to show (``force`` must be None)."""
        if force is not None:
            raise ValueError("the LSTM baseline has no read head to force")
        target, x = _inputs(pattern, self.cfg, self.output.weight.device)
        L = target.shape[0]
        probs = torch.sigmoid(self(x)[0, L + 1 :]).cpu().numpy()  # (L, bits)
        return MemoryTrace(inputs=target, target=target, probs=np.asarray(probs, dtype=np.float64))


def build(card: dict) -> nn.Module:
    """The registry's builder: an NTM or its LSTM baseline from the card's config."""
    cfg = MemoryConfig(**card["config"])
    return NTM(cfg) if cfg.architecture == "ntm" else CopyLSTM(cfg)


def config_dict(cfg: MemoryConfig) -> dict:
    """The config as the card stores it."""
    return asdict(cfg)
