"""Sliding windows over a series, batched: Keras's ``timeseries_dataset_from_array``.

Window ``i`` starts at ``start_index + p_i`` with ``p_i = i · sequence_stride`` and takes
``sequence_length`` values ``sampling_rate`` apart; its target is ``targets[start_index + p_i]`` (so
the caller shifts ``targets`` to say what comes after a window). Only whole windows inside
``[start_index, end_index)`` are made: ``N = end − start − (sequence_length − 1) · sampling_rate``
start positions before the stride (and at most as many as there are targets).

Example (the first example of Keras's documentation):
    >>> ds = timeseries_dataset_from_array(np.arange(99), None, sequence_length=10, sampling_rate=2,
    ...                                    sequence_stride=3, batch_size=100)
    >>> x = next(iter(ds))
    >>> x[0].tolist(), x[-1].tolist(), len(x)
    ([0, 2, 4, 6, 8, 10, 12, 14, 16, 18], [78, 80, 82, 84, 86, 88, 90, 92, 94, 96], 27)
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
from torch import Tensor

from rnnkit.errors import ConfigError, DataError

__all__ = ["TimeseriesDataset", "TimeseriesGenerator", "timeseries_dataset_from_array"]


class TimeseriesDataset:
    """The batches of windows (and targets) ``timeseries_dataset_from_array`` describes; a batch source
    for ``fit``, ``evaluate`` and ``predict``. ``shuffle`` draws a new order of the windows every pass
    (from ``seed`` when given)."""

    def __init__(self, data: np.ndarray, targets: np.ndarray | None, starts: np.ndarray, sequence_length: int,
                 sampling_rate: int, batch_size: int, shuffle: bool, seed: int | None) -> None:  # fmt: skip
        self.data, self.targets, self.starts = data, targets, starts
        self.offsets = np.arange(sequence_length) * sampling_rate
        self.batch_size, self.shuffle = batch_size, shuffle
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return -(-len(self.starts) // self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        starts = self.rng.permutation(self.starts) if self.shuffle else self.starts
        for first in range(0, len(starts), self.batch_size):
            chosen = starts[first : first + self.batch_size]
            x = _tensor(self.data[chosen[:, None] + self.offsets])  # (B, sequence_length, ...)
            yield x if self.targets is None else (x, _tensor(self.targets[chosen]))

    def take(self, count: int) -> list[Any]:
        """The first ``count`` batches (``tf.data``'s ``dataset.take(n)``, as Keras's examples use it to
        look at a batch); ``-1`` takes all."""
        if not isinstance(count, int) or count < -1:
            raise ConfigError(f"take(count) needs a whole number of batches (or -1 for all), got {count!r}")
        return list(itertools.islice(iter(self), None if count == -1 else count))


def _tensor(a: np.ndarray) -> Tensor:
    t = torch.from_numpy(np.ascontiguousarray(a))
    return t.float() if t.dtype.is_floating_point else t


def timeseries_dataset_from_array(
    data: Any,
    targets: Any,
    sequence_length: int,
    sequence_stride: int = 1,
    sampling_rate: int = 1,
    batch_size: int | None = 128,
    shuffle: bool = False,
    seed: int | None = None,
    start_index: int | None = None,
    end_index: int | None = None,
) -> TimeseriesDataset:
    """Batches of windows over ``data`` (axis 0 is time) and their ``targets`` (None: windows only); see
    the module for which windows. ``batch_size=None`` gives one window per batch (Keras yields single
    windows without a batch axis there; rnnkit's batches always have one)."""
    values = np.asarray(data)
    if values.ndim == 0 or len(values) == 0:
        raise DataError("data must be an array with a time axis (axis 0) and at least one value")
    for name, value in (("sequence_length", sequence_length), ("sequence_stride", sequence_stride),
                        ("sampling_rate", sampling_rate)):  # fmt: skip
        if not isinstance(value, int) or value < 1:
            raise ConfigError(f"{name} must be a positive integer, got {value!r}")
    start = 0 if start_index is None else start_index
    end = len(values) if end_index is None else end_index
    if not 0 <= start < end <= len(values):
        raise ConfigError(f"start_index and end_index must satisfy 0 <= start < end <= {len(values)}, got {start}, {end}")
    labels = None if targets is None else np.asarray(targets)
    count = end - start - (sequence_length - 1) * sampling_rate
    if labels is not None:
        count = min(count, len(labels) - start)
    if count < 1:
        raise DataError(
            f"no window of {sequence_length} values {sampling_rate} apart fits in {end - start} values (and the targets)"
        )
    starts = start + np.arange(0, count, sequence_stride)
    size = 1 if batch_size is None else batch_size
    if not isinstance(size, int) or size < 1:
        raise ConfigError(f"batch_size must be a positive integer or None, got {batch_size!r}")
    return TimeseriesDataset(values, labels, starts, sequence_length, sampling_rate, size, shuffle, seed)


class TimeseriesGenerator:
    """Keras's (legacy) ``TimeseriesGenerator``: batch ``i`` by index, each sample the ``length`` values
    ``sampling_rate`` apart that end just before step ``j`` and its target ``targets[j]``, for
    ``j = start_index + length, …, end_index`` taken ``stride`` apart (``end_index`` defaults to the last
    step). ``reverse=True`` gives each sample's steps last-first; ``shuffle=True`` draws each batch's
    ``j`` at random, as Keras does. A batch source for ``fit``, ``evaluate`` and ``predict``.

    Example:
        >>> gen = TimeseriesGenerator(np.arange(10), np.arange(10), length=3, batch_size=2)
        >>> x, y = gen[0]
        >>> x.tolist(), y.tolist(), len(gen)
        ([[0, 1, 2], [1, 2, 3]], [3, 4], 4)
    """

    def __init__(self, data: Any, targets: Any, length: int, sampling_rate: int = 1, stride: int = 1,
                 start_index: int = 0, end_index: int | None = None, shuffle: bool = False, reverse: bool = False,
                 batch_size: int = 128) -> None:  # fmt: skip
        self.data, self.targets = np.asarray(data), np.asarray(targets)
        if len(self.data) != len(self.targets):
            raise DataError(f"data and targets need the same length, got {len(self.data)} and {len(self.targets)}")
        for name, value in (("length", length), ("sampling_rate", sampling_rate), ("stride", stride),
                            ("batch_size", batch_size)):  # fmt: skip
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name} must be a positive integer, got {value!r}")
        self.length, self.sampling_rate, self.stride, self.batch_size = length, sampling_rate, stride, batch_size
        self.start_index = start_index + length
        self.end_index = len(self.data) - 1 if end_index is None else end_index
        if self.start_index > self.end_index:
            raise DataError(f"start_index + length = {self.start_index} is past end_index = {self.end_index}")
        self.shuffle, self.reverse = shuffle, reverse

    def __len__(self) -> int:
        step = self.batch_size * self.stride
        return (self.end_index - self.start_index + step) // step

    def __getitem__(self, index: int) -> tuple[Tensor, Tensor]:
        if not 0 <= index < len(self):
            raise IndexError(f"batch {index} of {len(self)}")
        if self.shuffle:
            rows = np.random.randint(self.start_index, self.end_index + 1, size=self.batch_size)
        else:
            first = self.start_index + self.batch_size * self.stride * index
            rows = np.arange(first, min(first + self.batch_size * self.stride, self.end_index + 1), self.stride)
        offsets = np.arange(-self.length, 0, self.sampling_rate)
        samples = self.data[rows[:, None] + offsets]
        if self.reverse:
            samples = samples[:, ::-1]
        return _tensor(samples), _tensor(self.targets[rows])
