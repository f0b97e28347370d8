"""Batches from in-memory tensors: one shuffle per epoch, then contiguous slices (no per-batch copies
when not shuffling, no DataLoader, no worker processes).

Example:
    >>> import torch
    >>> batches = ArrayBatches(torch.zeros(10, 3, 1), torch.zeros(10, 1), batch_size=4, shuffle=False)
    >>> len(batches), [len(xb) for xb, _ in batches]
    (3, [4, 4, 2])
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import Tensor

from rnnkit.errors import ConfigError

__all__ = ["ArrayBatches"]


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
