"""Batches from in-memory tensors: one shuffle per epoch, then contiguous slices (no per-batch copies
when not shuffling, no DataLoader, no worker processes).

``ArrayBatches`` cuts ``(x, y)`` in order (or in a fresh random order each epoch). ``BucketedBatches``
is for right-padded variable-length sequences: each batch gathers sequences of similar length and is
cut to its longest one, so little time goes into padding. Anything with ``__len__`` and ``__iter__``
yielding ``(x_batch, y_batch)`` (the ``Batches`` protocol) can be given to ``Model.fit`` as ``x``.

Example:
    >>> import torch
    >>> batches = ArrayBatches(torch.zeros(10, 3, 1), torch.zeros(10, 1), batch_size=4, shuffle=False)
    >>> len(batches), [len(xb) for xb, _ in batches]
    (3, [4, 4, 2])
    >>> ids = torch.tensor([[5, 0, 0], [5, 6, 7], [5, 6, 0], [5, 0, 0]])       # right-padded, id 0 = padding
    >>> buckets = BucketedBatches(ids, torch.arange(4), (ids != 0).sum(1), batch_size=2, shuffle=False)
    >>> [tuple(xb.shape) for xb, _ in buckets]                               # lengths 1,1 then 2,3
    [(2, 1), (2, 3)]
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

import torch
from torch import Tensor

from rnnkit.errors import ConfigError

__all__ = ["Batches", "ArrayBatches", "BucketedBatches", "is_batches"]


class Batches(Protocol):
    """What the training loop reads: a known number of ``(x_batch, y_batch)`` pairs per pass."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[tuple[Tensor, Tensor | None]]: ...


def is_batches(data: object) -> bool:
    """True for a ``Batches`` object (not for an array, tensor or list of samples)."""
    return (
        hasattr(data, "__iter__")
        and hasattr(data, "__len__")
        and not hasattr(data, "shape")
        and not isinstance(data, list | tuple | str)
    )


class ArrayBatches:
    """Iterate ``(x_batch, y_batch)`` over ``x`` and ``y`` (first axis = samples)."""

    def __init__(self, x: Tensor, y: Tensor | None, batch_size: int, shuffle: bool = False) -> None:
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ConfigError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.x, self.y, self.batch_size, self.shuffle = x, y, batch_size, shuffle

    def __len__(self) -> int:
        return -(-len(self.x) // self.batch_size)

    @property
    def samples(self) -> int:
        return len(self.x)

    def __iter__(self) -> Iterator[tuple[Tensor, Tensor | None]]:
        x, y = self.x, self.y
        if self.shuffle:
            order = torch.randperm(len(x), device=x.device)
            x = x[order]
            y = y[order] if y is not None else None
        for start in range(0, len(x), self.batch_size):
            stop = start + self.batch_size
            yield x[start:stop], (y[start:stop] if y is not None else None)


class BucketedBatches:
    """Batches of right-padded sequences of similar length, each cut to its longest sequence.

    Each epoch (with ``shuffle``) the samples are shuffled, taken ``pool`` batches at a time, sorted by
    length within the pool and cut into batches, and the batches are shuffled: random order, little
    padding. Without ``shuffle`` the batches follow the sorted lengths (for evaluation and prediction;
    ``batch_indices()`` says which samples each batch holds).

    Args:
        x: ``(N, T, ...)`` right-padded sequences; y: ``(N, ...)`` targets or None;
        lengths: ``(N,)`` real steps per sequence; pool: batches sorted together (default 50).
    """

    def __init__(
        self, x: Tensor, y: Tensor | None, lengths: Tensor, batch_size: int, shuffle: bool = False, pool: int = 50
    ) -> None:
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ConfigError(f"batch_size must be a positive integer, got {batch_size!r}")
        if lengths.shape != (len(x),):
            raise ConfigError(f"lengths must be ({len(x)},), one per sequence, got {tuple(lengths.shape)}")
        self.x, self.y, self.lengths = x, y, lengths.to(x.device).long()
        self.batch_size, self.shuffle, self.pool = batch_size, shuffle, pool

    def __len__(self) -> int:
        return -(-len(self.x) // self.batch_size)

    @property
    def samples(self) -> int:
        return len(self.x)

    def batch_indices(self) -> list[Tensor]:
        """Sample indices of each batch, in the order they will be served."""
        n, size = len(self.x), self.batch_size
        if not self.shuffle:
            order = torch.sort(self.lengths, stable=True).indices
            return list(order.split(size))
        order = torch.randperm(n, device=self.x.device)
        batches: list[Tensor] = []
        for pool in order.split(size * self.pool):
            by_length = pool[torch.sort(self.lengths[pool], stable=True).indices]
            batches.extend(by_length.split(size))
        return [batches[i] for i in torch.randperm(len(batches)).tolist()]

    def __iter__(self) -> Iterator[tuple[Tensor, Tensor | None]]:
        for index in self.batch_indices():
            width = max(int(self.lengths[index].max()), 1)
            yield self.x[index, :width], (self.y[index] if self.y is not None else None)
