"""Pooling over windows of time steps, as Keras's ``MaxPooling1D`` and ``AveragePooling1D``:
``(B, T, F)`` → ``(B, T', F)``, each output step the maximum or the mean of ``pool_size`` steps, windows
``strides`` apart (default ``pool_size``). ``padding='valid'`` keeps only whole windows
(``T' = ⌊(T − pool_size) / strides⌋ + 1``); ``'same'`` gives ``T' = ⌈T / strides⌉``, the windows at the
edges shortened (an average over the steps a window holds, as Keras's). Masks do not pass on: the time
axis changes.

Legend: B batch, T time steps, F features.

Example:
    >>> import torch
    >>> x = torch.tensor([[[1.0], [5.0], [2.0], [4.0], [3.0]]])  # (1, 5, 1)
    >>> MaxPooling1D(2)(x)[0, :, 0].tolist(), AveragePooling1D(2, padding="same")(x)[0, :, 0].tolist()
    ([5.0, 4.0], [3.0, 3.0, 3.0])
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from rnnkit.errors import ConfigError, ShapeError
from rnnkit.layers.base import Layer
from rnnkit.registry import LAYERS

__all__ = ["AveragePooling1D", "MaxPooling1D"]


class _LocalPooling1D(Layer):
    def __init__(self, pool_size: int = 2, strides: int | None = None, padding: str = "valid", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        strides = pool_size if strides is None else strides
        if not all(isinstance(v, int) and v >= 1 for v in (pool_size, strides)):
            raise ConfigError(f"pool_size and strides must be positive integers, got {pool_size} and {strides}")
        if padding not in ("valid", "same"):
            raise ConfigError(f"padding must be 'valid' or 'same', got {padding!r}")
        self.pool_size, self.strides, self.padding = pool_size, strides, padding

    def call(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        if x.dim() != 3:
            raise ShapeError(f"{self.name!r} expects (batch, time, features), got shape {tuple(x.shape)}")
        steps = x.shape[1]
        pad = 0
        if self.padding == "same":
            pad = max((-(-steps // self.strides) - 1) * self.strides + self.pool_size - steps, 0)
        elif steps < self.pool_size:
            raise ShapeError(f"{self.name!r}: {steps} steps hold no window of {self.pool_size}")
        return self.pool(x.transpose(1, 2), pad).transpose(1, 2)

    def pool(self, x: Tensor, pad: int) -> Tensor:  # x: (B, F, T)
        raise NotImplementedError

    def compute_mask(self, x: Tensor, mask: Tensor | None = None) -> Tensor | None:
        return None

    def get_config(self) -> dict[str, Any]:
        return {"pool_size": self.pool_size, "strides": self.strides, "padding": self.padding, **super().get_config()}


@LAYERS.add
class MaxPooling1D(_LocalPooling1D):
    """The maximum of each window (see the module)."""

    def pool(self, x: Tensor, pad: int) -> Tensor:
        x = nn.functional.pad(x, (pad // 2, pad - pad // 2), value=-torch.inf)
        return nn.functional.max_pool1d(x, self.pool_size, self.strides)


@LAYERS.add
class AveragePooling1D(_LocalPooling1D):
    """The mean of each window, over the steps it holds (see the module)."""

    def pool(self, x: Tensor, pad: int) -> Tensor:
        sides = (pad // 2, pad - pad // 2)
        total = nn.functional.avg_pool1d(nn.functional.pad(x, sides), self.pool_size, self.strides) * self.pool_size
        count = nn.functional.avg_pool1d(nn.functional.pad(torch.ones_like(x[:1, :1]), sides), self.pool_size,
                                         self.strides) * self.pool_size  # fmt: skip
        return total / count
