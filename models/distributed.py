"""Training on more than one process: ``torchrun --nproc_per_node N -m models.train caption ...``.

torchrun starts N copies of the command and tells each its RANK and WORLD_SIZE (environment variables). Then:

    RunConfig.start      joins the process group: gloo on the CPU, nccl on CUDA (one GPU per rank, LOCAL_RANK)
    extract_features     each rank encodes its own contiguous share of the photos into the one shared cache
    fit                  the model wrapped in DistributedDataParallel: every step draws the same global batch
                         on every rank, each rank teaches its share of it, DDP averages the gradients, so the
                         weights stay identical; the clock, the stop and the evaluation are rank 0's
    finish               rank 0 alone measures, writes the card and saves the checkpoint

Nothing changes for one process: ``Distributed.from_env()`` is None and every helper below is a no-op.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import torch
from torch import Tensor, nn

__all__ = ["Distributed", "LossModule", "weights_digest"]

T = TypeVar("T")


@dataclass(frozen=True)
class Distributed:
    """This process's place in a torchrun job."""

    rank: int
    world: int
    backend: str  # "gloo" | "nccl"

    @classmethod
    def from_env(cls, device: torch.device) -> Distributed | None:
        """Join the job torchrun started (None when this is a plain one-process run)."""
        world = int(os.environ.get("WORLD_SIZE", "1"))
        if world <= 1:
            return None
        import torch.distributed as dist

        backend = "nccl" if device.type == "cuda" else "gloo"
        if not dist.is_initialized():
            dist.init_process_group(backend)
        return cls(dist.get_rank(), dist.get_world_size(), backend)

    @property
    def main(self) -> bool:
        """Rank 0: the one that prints, measures and saves."""
        return self.rank == 0

    def share(self, n: int) -> range:
        """This rank's contiguous share of ``n`` items (the first ranks take one more when n is not divisible)."""
        per, extra = divmod(n, self.world)
        start = self.rank * per + min(self.rank, extra)
        return range(start, start + per + (self.rank < extra))

    def part(self, items: list[T]) -> list[T]:
        """This rank's share of one step's items (every world-th one, so each rank gets a similar mix)."""
        return items[self.rank :: self.world]

    def barrier(self) -> None:
        import torch.distributed as dist

        dist.barrier()

    def agree(self, *values: float) -> tuple[float, ...]:
        """Rank 0's numbers on every rank (the clock: every rank then takes the same learning rate and stops at
        the same step)."""
        import torch.distributed as dist

        t = torch.tensor(values, dtype=torch.float64)
        dist.broadcast(t, 0)
        return tuple(t.tolist())

    def mean(self, value: float) -> float:
        """The mean of ``value`` over the ranks (a step's loss on the whole global batch)."""
        import torch.distributed as dist

        t = torch.tensor([value], dtype=torch.float64)
        dist.all_reduce(t)
        return float(t) / self.world

    def from_main(self, fn: Callable[[], T]) -> T:
        """``fn()`` computed on rank 0 and sent to every rank (a validation: one rank's work, everyone's answer)."""
        import torch.distributed as dist

        box: list[Any] = [fn() if self.main else None]
        dist.broadcast_object_list(box, 0)
        return box[0]

    def gather(self, value: T) -> list[T]:
        """Every rank's ``value``, in rank order, on every rank."""
        import torch.distributed as dist

        out: list[Any] = [None] * self.world
        dist.all_gather_object(out, value)
        return out

    def wrap(self, module: nn.Module) -> nn.Module:
        """DistributedDataParallel around ``module`` (its parameters and buffers broadcast from rank 0 first).
        Buffers are not re-sent every step: the frozen encoder's batch-norm statistics never change."""
        from torch.nn.parallel import DistributedDataParallel

        device = next(module.parameters()).device
        ids = [device.index] if device.type == "cuda" else None
        return DistributedDataParallel(module, device_ids=ids, forward_sync_buffers=False)

    def close(self) -> None:
        import torch.distributed as dist

        if dist.is_initialized():
            dist.destroy_process_group()


class LossModule(nn.Module):
    """``loss_fn(model, batch)`` as a module whose forward is the loss, so that DDP sees the whole step (a
    captioner's loss calls ``start`` and ``teacher_forced``, not ``forward``)."""

    def __init__(self, model: nn.Module, loss_fn: Callable[[nn.Module, Any], tuple[Tensor, int]]) -> None:
        super().__init__()
        self.model, self.loss_fn = model, loss_fn

    def forward(self, batch: Any) -> tuple[Tensor, int]:
        return self.loss_fn(self.model, batch)


def weights_digest(model: nn.Module) -> str:
    """A short sha256 of every trained parameter's bytes: equal on every rank when DDP did its job."""
    digest = hashlib.sha256()
    for name, p in sorted(model.named_parameters()):
        if p.requires_grad:
            digest.update(name.encode())
            digest.update(p.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]
