"""The speed rows every shipped model gets, on every device: load time, one-input latency (median and p95)
and batch throughput. Used by bench_text.py, bench_translate.py and bench_image.py."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import torch

from benchmarks.common import Options, Row, median_p95, timings_ms
from models import registry

_warm: set[str] = set()


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def warm_device(device: str) -> None:
    """Create the CUDA context once, so that it is not counted in the first model's load time."""
    if device not in _warm:
        torch.zeros(1, device=device)
        _sync(device)
        _warm.add(device)


def model_rows(
    name: str,
    device: str,
    opts: Options,
    inputs: Sequence[Any],
    run: Callable[[torch.nn.Module, list[Any]], object],
    batch_size: int,
    what: str,
    unit: str = "inputs/s",
) -> Iterator[Row]:
    """Rows for model ``name`` on ``device``: ``run(model, [x])`` one input at a time, then ``inputs`` in batches.

    ``inputs`` should be distinct and at least as many as the batch measurement uses; ``what`` says in the
    table what one call computes.
    """
    area = f"model · {device}"
    warm_device(device)
    start = time.perf_counter()
    model = registry.load_checkpoint(name, device=device).model
    _sync(device)
    load_ms = (time.perf_counter() - start) * 1000
    yield Row(area, f"{name}: load", load_ms, "ms", note="card + safetensors → eval mode")

    def one(x: Any) -> None:
        run(model, [x])
        _sync(device)

    samples = timings_ms(one, inputs, repeat=opts.pick(10, 50))
    median, p95 = median_p95(samples)
    yield Row(area, f"{name}: one input, median", median, "ms", note=f"{what}; {len(samples)} distinct inputs")
    yield Row(area, f"{name}: one input, p95", p95, "ms")

    run(model, list(inputs[:batch_size]))  # warm-up: the first large batch allocates
    _sync(device)
    start = time.perf_counter()
    for i in range(0, len(inputs), batch_size):
        run(model, list(inputs[i : i + batch_size]))
    _sync(device)
    rate = len(inputs) / (time.perf_counter() - start)
    yield Row(area, f"{name}: batch throughput", rate, unit, note=f"{len(inputs):,} inputs, {batch_size} per batch")
    model = None  # free it (and its GPU memory) before the next model loads
    if device.startswith("cuda"):
        torch.cuda.empty_cache()
