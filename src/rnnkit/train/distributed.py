"""Data-parallel training over processes launched by ``torchrun`` (PyTorch's own launcher and rendezvous).

With ``W`` processes, ``fit(..., batch_size=b, distributed=True)`` (automatic when ``WORLD_SIZE > 1``)
cuts every global batch of ``b·W`` samples — the batches one process would draw with the same seed — into
``W`` shards, one per rank (rows ``r, r+W, …``). A batches object (``BucketedBatches``: the tasks'
length buckets) is sharded the same way, batch by batch, so there each process gets ``1/W`` of each
batch. Each rank runs forward and BPTT on its shard; before the
optimizer step the gradients are summed over ranks weighted by shard size and divided by the batch size,
so every rank takes exactly the step one process would take on the global batch (the mean loss over it).
Initial weights are broadcast from rank 0; epoch losses are reduced over ranks, so every rank logs the
same numbers and callbacks decide alike (early stopping). Only rank 0 prints, writes logs and saves.
Backends: gloo for CPU tensors; NCCL for CUDA tensors when each process on a machine has a GPU of its
own (``device='auto'`` or ``'cuda'`` then means that process's GPU, ``cuda:LOCAL_RANK``), else gloo for
those too (NCCL refuses two processes on one GPU).

Launch (one machine, two processes)::

    torchrun --nproc-per-node 2 train.py           # or: rnnkit forecast fit ... --nproc 2

Several machines use torchrun's rendezvous flags, nothing of rnnkit's own::

    torchrun --nnodes 2 --nproc-per-node 4 --rdzv-backend c10d --rdzv-endpoint HOST:29400 train.py
"""

from __future__ import annotations

import atexit
import os
from collections.abc import Iterator, Sequence
from typing import Any

import torch
import torch.distributed as dist
from torch import Tensor

from rnnkit.data.batching import Batches, Inputs, rows, take

__all__ = [
    "ShardedBatches",
    "average_gradients",
    "backend_for",
    "broadcast_weights",
    "is_rank_zero",
    "join",
    "launched",
    "local_gpu",
    "rank_zero_callbacks",
    "reduce_sums",
    "world",
]


def world() -> tuple[int, int]:
    """``(rank, world size)``: from the process group when there is one, else ``(0, 1)``."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def is_rank_zero() -> bool:
    return world()[0] == 0


def launched() -> bool:
    """Whether this process was started by torchrun with more than one process."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def local_gpu() -> int:
    """The GPU of this process on its machine: torchrun's ``LOCAL_RANK`` over the GPUs there (0 when not
    launched by torchrun)."""
    return int(os.environ.get("LOCAL_RANK", "0")) % max(torch.cuda.device_count(), 1)


def backend_for(gpus: int, local_processes: int) -> str:
    """The process group's backends: gloo for CPU tensors, and for CUDA tensors NCCL when each of this
    machine's ``local_processes`` has a GPU of its own, else gloo too.

    Example:
        >>> backend_for(gpus=0, local_processes=2), backend_for(gpus=1, local_processes=2)
        ('gloo', 'gloo')
    """
    if gpus >= local_processes > 0 and dist.is_nccl_available():
        return "cpu:gloo,cuda:nccl"
    return "gloo"


def join() -> int:
    """Join the process group torchrun described (once); returns the world size."""
    if not dist.is_initialized():
        gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if gpus:
            torch.cuda.set_device(local_gpu())
        local = int(os.environ.get("LOCAL_WORLD_SIZE", os.environ.get("WORLD_SIZE", "1")))
        dist.init_process_group(backend=backend_for(gpus, local))
        atexit.register(_leave)  # gloo's threads abort the process if the group outlives the interpreter
    return dist.get_world_size()


def _leave() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


def broadcast_weights(module: torch.nn.Module) -> None:
    """Give every rank rank 0's parameters and buffers."""
    with torch.no_grad():
        for p in [*module.parameters(), *module.buffers()]:
            dist.broadcast(p.data, src=0)


class ShardedBatches:
    """This rank's shard of every batch of ``batches``: rows ``rank, rank + W, …``. Every rank must draw
    the same batches (the same seed); a batch with fewer rows than ranks is skipped by all."""

    def __init__(self, batches: Batches) -> None:
        self.batches = batches
        self.rank, self.size = world()

    def __len__(self) -> int:
        return len(self.batches)

    def __iter__(self) -> Iterator[tuple[Inputs, Tensor | None]]:
        for xb, yb in self.batches:
            if rows(xb) < self.size:  # too small to give every rank a row: every rank skips it alike
                continue
            mine = torch.arange(self.rank, rows(xb), self.size)
            yield take(xb, mine), (yb[mine] if yb is not None else None)


def average_gradients(params: Sequence[Tensor], local_rows: int) -> None:
    """Replace each gradient by the batch mean over all ranks: ``Σ_r n_r·g_r / Σ_r n_r`` (one
    all-reduce of a flat buffer that also carries the counts)."""
    grads = [p.grad for p in params if p.grad is not None]
    flat = torch.cat([g.reshape(-1) for g in grads] + [grads[0].new_ones(1)]) * local_rows
    dist.all_reduce(flat)
    flat = flat[:-1] / flat[-1]
    offset = 0
    for g in grads:
        g.copy_(flat[offset : offset + g.numel()].view_as(g))
        offset += g.numel()


def reduce_sums(values: Tensor) -> Tensor:
    """``values`` summed over ranks (epoch loss sums and sample counts)."""
    out = values.clone()
    dist.all_reduce(out)
    return out


def rank_zero_callbacks(callbacks: Sequence[Any]) -> list[Any]:
    """The callbacks this rank runs: all on rank 0; on the others, those that write nothing."""
    if is_rank_zero():
        return list(callbacks)
    return [cb for cb in callbacks if not getattr(cb, "rank_zero_only", False)]
