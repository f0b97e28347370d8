"""Normalization layers, as Keras's.

``LayerNormalization``: each sample's features (the last axis) to mean 0 and variance 1, then
``γ ⊙ x̂ + β``: ``x̂ = (x − μ) / √(σ² + ε)`` with μ, σ² over the last axis; ε = 1e-3 (Keras's default).

``BatchNormalization``: each feature to mean 0 and variance 1 over the batch (and the time axis of a
sequence), then ``γ ⊙ x̂ + β``. In training it uses the batch's mean and (biased) variance and moves
``moving_mean ← m·moving_mean + (1 − m)·μ_batch`` (likewise the variance; momentum m = 0.99); in
inference, and when the layer is frozen (``trainable=False``, as Keras does), it uses the moving
statistics. Weights in Keras's order: ``gamma``, ``beta``, ``moving_mean``, ``moving_variance``.

Example:
    >>> import torch
    >>> y = LayerNormalization()(torch.tensor([[1.0, 2.0, 3.0]]))
    >>> [round(v, 3) for v in y[0].tolist()]
    [-1.224, 0.0, 1.224]
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from rnnkit.errors import ConfigError
from rnnkit.layers.base import Layer, Shape
from rnnkit.registry import LAYERS

__all__ = ["BatchNormalization", "LayerNormalization"]


def _check(epsilon: float, axis: int) -> None:
    if axis != -1:
        raise ConfigError(f"rnnkit normalizes the last axis (axis=-1, Keras's default), got axis={axis}")
    if not epsilon > 0:
        raise ConfigError(f"epsilon must be > 0, got {epsilon}")


@LAYERS.add
class LayerNormalization(Layer):
    """See the module."""

    def __init__(self, axis: int = -1, epsilon: float = 1e-3, center: bool = True, scale: bool = True,
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(**kwargs)
        _check(epsilon, axis)
        self.axis, self.epsilon, self.center, self.scale = axis, float(epsilon), center, scale

    def build(self, input_shape: Shape) -> None:
        features = int(input_shape[-1])  # type: ignore[arg-type]
        self.gamma = nn.Parameter(torch.ones(features)) if self.scale else None
        self.beta = nn.Parameter(torch.zeros(features)) if self.center else None

    def call(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        return nn.functional.layer_norm(x, x.shape[-1:], self.gamma, self.beta, self.epsilon)

    def get_config(self) -> dict[str, Any]:
        return {"axis": self.axis, "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                **super().get_config()}  # fmt: skip


@LAYERS.add
class BatchNormalization(Layer):
    """See the module. Masked (padded) steps of a sequence take no part in the batch's statistics."""

    def __init__(self, axis: int = -1, momentum: float = 0.99, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, **kwargs: Any) -> None:  # fmt: skip
        super().__init__(**kwargs)
        _check(epsilon, axis)
        if not 0 <= momentum < 1:
            raise ConfigError(f"momentum must be in [0, 1), got {momentum}")
        self.axis, self.momentum, self.epsilon, self.center, self.scale = axis, float(momentum), float(epsilon), center, scale

    def build(self, input_shape: Shape) -> None:
        features = int(input_shape[-1])  # type: ignore[arg-type]
        self.gamma = nn.Parameter(torch.ones(features)) if self.scale else None
        self.beta = nn.Parameter(torch.zeros(features)) if self.center else None
        self.moving_mean: Tensor
        self.moving_variance: Tensor
        self.register_buffer("moving_mean", torch.zeros(features))
        self.register_buffer("moving_variance", torch.ones(features))

    def call(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        if self.training and self.trainable:
            rows = x.reshape(-1, x.shape[-1])
            if mask is not None and mask.shape == x.shape[:-1]:
                rows = rows[mask.reshape(-1)]
            mean, var = rows.mean(0), rows.var(0, unbiased=False)
            with torch.no_grad():
                self.moving_mean.mul_(self.momentum).add_((1 - self.momentum) * mean)
                self.moving_variance.mul_(self.momentum).add_((1 - self.momentum) * var)
        else:
            mean, var = self.moving_mean, self.moving_variance
        y = (x - mean) / torch.sqrt(var + self.epsilon)
        if self.gamma is not None:
            y = y * self.gamma
        return y + self.beta if self.beta is not None else y

    def keras_weights(self):  # type: ignore[no-untyped-def]
        same = lambda a: a  # noqa: E731
        tensors = [t for t in (self.gamma, self.beta, self.moving_mean, self.moving_variance) if t is not None]
        return [(t, same, same) for t in tensors]

    def get_config(self) -> dict[str, Any]:
        return {"axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon, "center": self.center,
                "scale": self.scale, **super().get_config()}  # fmt: skip
