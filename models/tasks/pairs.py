"""Any text model against a file of ``input<TAB>expected`` lines: exact match, the misses and every output."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from models.protocols import TextModel
from models.results import Alignment

__all__ = ["decode_all", "evaluate_pairs", "read_pairs"]


def decode_all(model: TextModel, texts: Sequence[str], batch_size: int = 1000, beam_width: int = 1) -> list[Alignment]:
    """The best Alignment for every text, decoded in batches."""
    out: list[Alignment] = []
    for i in range(0, len(texts), batch_size):
        out += [hyps[0] for hyps in model.decode(list(texts[i : i + batch_size]), beam_width=beam_width)]
    return out


def evaluate_pairs(
    model: TextModel,
    pairs: Sequence[tuple[str, str]],
    max_misses: int = 50,
    outputs: Sequence[Alignment] | None = None,
    list_outputs: bool | None = None,
) -> dict:
    """Exact match of the model's output against the expected text, with the first misses and, when
    ``list_outputs``, every output as ``{"input", "expected", "output"}`` in the order of ``pairs``.

    ``list_outputs=None`` lists them when this call decodes the pairs itself (a ``--pairs`` file), not when
    the caller passes the ``outputs`` it decoded (a generated set of thousands, summarised by the caller)."""
    list_outputs = outputs is None if list_outputs is None else list_outputs
    outputs = outputs if outputs is not None else decode_all(model, [p[0] for p in pairs])
    every = [{"input": src, "expected": want, "output": a.text} for (src, want), a in zip(pairs, outputs, strict=True)]
    misses = [{"input": o["input"], "expected": o["expected"], "got": o["output"]} for o in every]
    misses = [m for m in misses if m["got"] != m["expected"]]
    n = len(pairs)
    result = {
        "n": n,
        "exact_match": round(1 - len(misses) / n, 6) if n else None,
        "misses": misses[:max_misses],
        "miss_count": len(misses),
    }
    if list_outputs:
        result["outputs"] = every
    return result


def read_pairs(path: Path) -> list[tuple[str, str]]:
    """``input<TAB>expected`` lines; blank lines and lines starting with # are skipped."""
    pairs = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        if "\t" not in line:
            raise SystemExit(f"{path}:{number}: expected 'input<TAB>expected', got {line!r}")
        source, expected = line.split("\t", 1)
        pairs.append((source, expected.strip()))
    return pairs
