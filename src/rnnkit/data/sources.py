"""Batches from outside: what Keras programs hand ``fit``, ``evaluate`` and ``predict`` instead of arrays.

A batch source is anything that knows its number of batches (``len``) and gives them by iteration or by
index: a Keras ``PyDataset`` (``__getitem__``), a ``torch.utils.data.DataLoader``, a
``timeseries_dataset_from_array``, a list-like of batches (``rnnkit.data.batching.is_batches`` tells a
source from an array). Each batch is ``(x, y)``, or ``x`` alone for ``predict``, where ``x`` is an array
or a list of arrays (several inputs) and arrays may be NumPy arrays, tensors or nested lists. ``SourceBatches`` reads a source as the training loop's ``Batches``: every part
checked and converted by the model (``convert``), ``on_epoch_end()`` called after each pass when the
source has it (as Keras does).

Example:
    >>> import numpy as np, torch
    >>> source = [(np.zeros((2, 3, 1)), np.ones((2, 1))), (np.zeros((1, 3, 1)), np.ones((1, 1)))]
    >>> batches = SourceBatches(source, lambda name, a: torch.as_tensor(a, dtype=torch.float32))
    >>> len(batches), [tuple(x.shape) for x, _ in batches]
    (2, [(2, 3, 1), (1, 3, 1)])
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from torch import Tensor

from rnnkit.data.batching import Inputs
from rnnkit.errors import DataError

__all__ = ["SourceBatches"]


class SourceBatches:
    """A batch source as ``Batches``: ``(x, y)`` pairs of tensors, ``convert(name, array)`` making each
    input and ``convert_targets`` (by default ``convert``) each target (see the module). ``targets=False``
    reads every batch as inputs only (``predict``)."""

    def __init__(
        self,
        source: Any,
        convert: Callable[[str, Any], Tensor],
        targets: bool = True,
        convert_targets: Callable[[str, Any], Tensor] | None = None,
    ) -> None:
        self.source, self.convert, self.targets = source, convert, targets
        self.convert_targets = convert_targets or convert

    def __len__(self) -> int:
        return len(self.source)

    def __iter__(self) -> Iterator[tuple[Inputs, Tensor | None]]:
        items = self.source if hasattr(self.source, "__iter__") else (self.source[i] for i in range(len(self)))
        for i, batch in enumerate(items):
            x, y = self._split(batch, i)
            inputs = tuple(self.convert(f"batch {i} x[{k}]", a) for k, a in enumerate(x)) if _several(x) else None
            targets: Any = None
            if y is not None:
                several = _several(y)
                to = self.convert_targets
                targets = tuple(to(f"batch {i} y[{k}]", a) for k, a in enumerate(y)) if several else to(f"batch {i} y", y)
            yield (inputs if inputs is not None else self.convert(f"batch {i} x", x)), targets
        on_epoch_end = getattr(self.source, "on_epoch_end", None)
        if callable(on_epoch_end):
            on_epoch_end()

    def _split(self, batch: Any, i: int) -> tuple[Any, Any]:
        """``(x, y)`` of one batch: a pair when training or evaluating; for ``predict`` a tuple ``(x, y)``
        gives its ``x``, anything else is ``x``."""
        if isinstance(batch, tuple | list) and len(batch) == 3:
            raise DataError(f"batch {i} has three parts (x, y, sample_weight): sample weights are not supported")
        if self.targets:
            if isinstance(batch, tuple | list) and len(batch) == 2:
                return batch[0], batch[1]
            raise DataError(f"batch {i} must be a pair (x, y) for training or evaluation, got {type(batch).__name__}")
        return (batch[0], None) if isinstance(batch, tuple) and len(batch) == 2 else (batch, None)


def _several(x: Any) -> bool:
    """Whether ``x`` is a list or tuple of arrays (several inputs), not one array as nested lists."""
    return isinstance(x, list | tuple) and len(x) > 0 and all(hasattr(part, "shape") for part in x)
