"""Batches from in-memory tensors: one shuffle per epoch, then contiguous slices (no per-batch copies
when not shuffling, no DataLoader, no worker processes).

``ArrayBatches`` cuts ``(x, y)`` in order (or in a fresh random order each epoch); ``x`` may be a tuple
of tensors for a model with several inputs (Keras's ``fit([a, b], y)``). ``BucketedBatches`` is for
right-padded variable-length sequences: each batch gathers sequences of similar length and is cut to its
longest one, so little time goes into padding. ``SequencePairBatches`` does the same for source/target
pairs (sequence to sequence, teacher forcing). Anything with ``__len__`` and ``__iter__`` yielding
``(x_batch, y_batch)`` (the ``Batches`` protocol) can be given to ``Model.fit`` as ``x``.

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
from typing import Protocol, cast

import torch
from torch import Tensor

from rnnkit.errors import ConfigError

__all__ = ["Batches", "Inputs", "ArrayBatches", "BucketedBatches", "SequencePairBatches", "is_batches", "rows", "take"]

#: A model's input: one tensor, or a tuple of tensors with the same number of rows (several inputs).
Inputs = Tensor | tuple[Tensor, ...]


class Batches(Protocol):
    """What the training loop reads: a known number of ``(x_batch, y_batch)`` pairs per pass."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[tuple[Inputs, Tensor | None]]: ...


def rows(x: Inputs) -> int:
    """Number of samples in ``x`` (its first axis; of the first tensor for several inputs)."""
    return len(x[0]) if isinstance(x, tuple) else len(x)


def take(x: Inputs, index: Tensor | slice) -> Inputs:
    """Rows ``index`` of ``x`` (of every tensor for several inputs)."""
    return tuple(t[index] for t in x) if isinstance(x, tuple) else x[index]


def _bucketed_order(lengths: Tensor, batch_size: int, shuffle: bool, pool: int) -> list[Tensor]:
    """Sample indices per batch: sorted by length (no shuffle), or shuffled, sorted within pools of
    ``pool`` batches, and the batches shuffled."""
    if not shuffle:
        return list(torch.sort(lengths, stable=True).indices.split(batch_size))
    order = torch.randperm(len(lengths), device=lengths.device)
    batches: list[Tensor] = []
    for chunk in order.split(batch_size * pool):
        by_length = chunk[torch.sort(lengths[chunk], stable=True).indices]
        batches.extend(by_length.split(batch_size))
    return [batches[i] for i in torch.randperm(len(batches)).tolist()]


def _check_batch_size(batch_size: object) -> None:
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ConfigError(f"batch_size must be a positive integer, got {batch_size!r}")


def is_batches(data: object) -> bool:
    """True for a ``Batches`` object or any other batch source that knows its number of batches and gives
    them by iteration or by index (a Keras ``PyDataset``, a ``DataLoader``; ``rnnkit.data.sources``); not
    for an array, tensor, table or list of samples."""
    return (
        (hasattr(data, "__iter__") or hasattr(data, "__getitem__"))
        and hasattr(data, "__len__")
        and not hasattr(data, "shape")
        and not isinstance(data, list | tuple | str | dict | bytes)
    )


class ArrayBatches:
    """Iterate ``(x_batch, y_batch)`` over ``x`` and ``y`` (first axis = samples)."""

    def __init__(self, x: Inputs, y: Inputs | None, batch_size: int, shuffle: bool = False) -> None:
        _check_batch_size(batch_size)
        self.x, self.y, self.batch_size, self.shuffle = x, y, batch_size, shuffle

    def __len__(self) -> int:
        return -(-self.samples // self.batch_size)

    @property
    def samples(self) -> int:
        return rows(self.x)

    def __iter__(self) -> Iterator[tuple[Inputs, Tensor | None]]:
        x, y = self.x, self.y
        if self.shuffle:
            order = torch.randperm(self.samples)
            x = take(x, order)
            y = take(y, order) if y is not None else None
        for start in range(0, self.samples, self.batch_size):
            part = slice(start, start + self.batch_size)
            yield take(x, part), (cast(Tensor, take(y, part)) if y is not None else None)  # (a tuple: several outputs)


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
        _check_batch_size(batch_size)
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
        return _bucketed_order(self.lengths, self.batch_size, self.shuffle, self.pool)

    def __iter__(self) -> Iterator[tuple[Tensor, Tensor | None]]:
        for index in self.batch_indices():
            width = max(int(self.lengths[index].max()), 1)
            yield self.x[index, :width], (self.y[index] if self.y is not None else None)


class SequencePairBatches:
    """Source/target id pairs for teacher forcing: ``((source, target_in), target_out)`` per batch.

    Rows of ``target`` are ``<sos> y_1 … y_n <eos>`` right-padded with 0; the decoder reads
    ``target_in = target[:, :-1]`` and learns to predict ``target_out = target[:, 1:]``. Batches gather
    pairs of similar source length (as ``BucketedBatches``), and both sides are cut to the batch's
    longest sequence.

    Example:
        >>> src = torch.tensor([[4, 5, 0], [6, 0, 0]])
        >>> tgt = torch.tensor([[1, 7, 2, 0], [1, 8, 9, 2]])               # 1 = <sos>, 2 = <eos>
        >>> (s, t_in), t_out = next(iter(SequencePairBatches(src, tgt, batch_size=2)))
        >>> s.tolist(), t_in.tolist(), t_out.tolist()
        ([[6, 0], [4, 5]], [[1, 8, 9], [1, 7, 2]], [[8, 9, 2], [7, 2, 0]])
    """

    def __init__(self, source: Tensor, target: Tensor, batch_size: int, shuffle: bool = False, pool: int = 50) -> None:
        _check_batch_size(batch_size)
        if len(source) != len(target):
            raise ConfigError(
                f"source and target must hold the same number of pairs, got {len(source)} and {len(target)}"
            )
        self.source, self.target = source, target
        self.source_lengths = (source != 0).sum(1)
        self.target_lengths = (target != 0).sum(1)
        self.batch_size, self.shuffle, self.pool = batch_size, shuffle, pool

    def __len__(self) -> int:
        return -(-len(self.source) // self.batch_size)

    @property
    def samples(self) -> int:
        return len(self.source)

    def __iter__(self) -> Iterator[tuple[Inputs, Tensor | None]]:
        for index in _bucketed_order(self.source_lengths, self.batch_size, self.shuffle, self.pool):
            s_width = max(int(self.source_lengths[index].max()), 1)
            t_width = max(int(self.target_lengths[index].max()), 2)
            target = self.target[index, :t_width]
            yield (self.source[index, :s_width], target[:, :-1]), target[:, 1:]
