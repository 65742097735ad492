"""Token <-> id tables, stored in a model's card as a plain list of tokens."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import torch

__all__ = ["BOS", "EOS", "NEVER_WRITTEN", "PAD", "SPECIALS", "UNK", "Vocab", "next_token_log_probs"]

PAD, BOS, EOS, UNK = "<pad>", "<sos>", "<eos>", "<unk>"
SPECIALS = [PAD, BOS, EOS, UNK]  # ids 0..3 in every vocabulary
NEVER_WRITTEN = [0, 1, 3]  # <pad>, <sos>, <unk>: ids no decoder ever writes


def next_token_log_probs(logits: torch.Tensor) -> torch.Tensor:
    """log p(next token) from logits (N, V), with <pad>, <sos> and <unk> ruled out (every decoder's last step)."""
    logits = logits.float().clone()
    logits[:, NEVER_WRITTEN] = float("-inf")
    return torch.log_softmax(logits, dim=-1)


class Vocab:
    """A fixed list of tokens; ids 0-3 are <pad>, <sos>, <eos>, <unk>."""

    def __init__(self, tokens: Sequence[str]) -> None:
        tokens = list(tokens)
        if tokens[: len(SPECIALS)] != SPECIALS:
            tokens = SPECIALS + [t for t in tokens if t not in SPECIALS]
        if len(set(tokens)) != len(tokens):
            raise ValueError("a vocabulary cannot list a token twice")
        self.tokens = tokens
        self.index = {tok: i for i, tok in enumerate(tokens)}

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> Vocab:
        """Every character that occurs in ``texts``, sorted."""
        return cls(sorted({ch for text in texts for ch in text}))

    pad_id, bos_id, eos_id, unk_id = 0, 1, 2, 3

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token: str) -> bool:
        return token in self.index

    def encode(self, tokens: Iterable[str]) -> list[int]:
        """Ids of ``tokens`` (a string is a sequence of character tokens); unknown ones become <unk>."""
        return [self.index.get(tok, self.unk_id) for tok in tokens]

    def decode(self, ids: Iterable[int], stop_at_eos: bool = True) -> list[str]:
        """Tokens of ``ids`` without <pad>/<sos>, up to <eos>."""
        out = []
        for i in ids:
            i = int(i)
            if i == self.eos_id and stop_at_eos:
                break
            if i in (self.pad_id, self.bos_id):
                continue
            out.append(self.tokens[i])
        return out

    def unknown(self, tokens: Iterable[str]) -> list[str]:
        """The distinct tokens that this vocabulary cannot represent, in order of first appearance."""
        seen: dict[str, None] = {}
        for tok in tokens:
            if tok not in self.index:
                seen.setdefault(tok)
        return list(seen)

    def batch(self, sequences: Sequence[Sequence[str]], bos: bool = False, eos: bool = False) -> torch.Tensor:
        """A (B, T_max) LongTensor, right-padded with <pad>."""
        rows = [([self.bos_id] if bos else []) + self.encode(s) + ([self.eos_id] if eos else []) for s in sequences]
        width = max((len(r) for r in rows), default=0)
        out = torch.full((len(rows), max(width, 1)), self.pad_id, dtype=torch.long)
        for i, row in enumerate(rows):
            out[i, : len(row)] = torch.tensor(row, dtype=torch.long)
        return out
