"""``keras.utils``: data helpers of Keras's names (windows over a series, padding, one-hot labels, seeds)
and ``PyDataset``, the base of a dataset that gives batches by index.

Example:
    >>> to_categorical([0, 2, 1]).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnnkit import seed as set_random_seed
from rnnkit.data.timeseries import TimeseriesGenerator, timeseries_dataset_from_array
from rnnkit.data.words import pad_sequences
from rnnkit.errors import DataError

__all__ = [
    "PyDataset",
    "TimeseriesGenerator",
    "pad_sequences",
    "set_random_seed",
    "timeseries_dataset_from_array",
    "to_categorical",
]


def to_categorical(y: Any, num_classes: int | None = None) -> np.ndarray:
    """Integer class labels as one-hot rows of float32 (Keras's ``to_categorical``): the label's axis
    gains a last axis of ``num_classes`` (default: the largest label + 1)."""
    labels = np.asarray(y)
    if labels.size == 0 or not np.issubdtype(labels.dtype, np.integer) and not np.all(np.mod(labels, 1) == 0):
        raise DataError(f"to_categorical takes integer class labels, got {labels.dtype} values")
    labels = labels.astype(np.int64)
    if labels.ndim > 1 and labels.shape[-1] == 1:
        labels = labels[..., 0]  # Keras drops a trailing axis of one
    classes = int(labels.max()) + 1 if num_classes is None else num_classes
    if labels.min() < 0 or labels.max() >= classes:
        raise DataError(f"labels must lie in [0, {classes}), got {int(labels.min())} to {int(labels.max())}")
    return np.eye(classes, dtype=np.float32)[labels]


class PyDataset:
    """Keras's ``PyDataset``: subclass it, give ``__len__`` (the number of batches) and ``__getitem__(i)``
    (batch ``i``: ``(x, y)``, or ``x`` for ``predict``); ``fit``, ``evaluate`` and ``predict`` read it, and call
    ``on_epoch_end()`` after each pass. Keras's ``workers`` and ``use_multiprocessing`` are accepted; rnnkit
    reads the batches in the training process."""

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False, max_queue_size: int = 10) -> None:
        self.workers, self.use_multiprocessing, self.max_queue_size = workers, use_multiprocessing, max_queue_size

    def __len__(self) -> int:
        raise NotImplementedError("a PyDataset defines __len__: the number of batches")

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError("a PyDataset defines __getitem__(index): one batch")

    def on_epoch_end(self) -> None:
        """Called after every pass over the batches (e.g. to shuffle)."""
