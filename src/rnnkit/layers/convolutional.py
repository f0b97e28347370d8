"""Convolution along time, as Keras's ``Conv1D``: ``y_t = act(b + Σ_k W_k x_{s·t + d·k − p})``.

``padding``: ``'valid'`` (Keras's default: no padding, ``T − d·(K−1)`` steps out, for stride 1),
``'same'`` (as many steps out as in, for stride 1; the padding split as Keras splits it) or ``'causal'``
(all the padding before the first step, so step t reads steps up to t only). ``strides`` s and
``dilation_rate`` d as in Keras. Padded (masked) steps are zeroed before the convolution, so a sequence
alone and inside a padded batch give the same outputs at its real steps; the mask passes on when the
time axis keeps its length (stride 1 with ``'same'`` or ``'causal'``) and stops otherwise.

Weights: ``weight`` ``(filters, F, K)`` (PyTorch's layout); ``get_weights()`` gives Keras's kernel
``(K, F, filters)`` and bias. Parameters: ``K·F·filters + filters``.

Legend: B batch, T time steps, F features, K kernel size.

Example:
    >>> import torch
    >>> [tuple(Conv1D(8, 3, padding=p)(torch.zeros(2, 10, 4)).shape) for p in ("valid", "same", "causal")]
    [(2, 8, 8), (2, 10, 8), (2, 10, 8)]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from rnnkit.errors import ConfigError
from rnnkit.layers.base import Layer, Shape, kernel_and_bias
from rnnkit.nn.init import InitializerSpec, get_activation, get_initializer, serialize_initializer
from rnnkit.registry import LAYERS

__all__ = ["Conv1D"]

PADDINGS = ("valid", "same", "causal")


def _kernel_to_keras(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a.transpose(2, 1, 0))  # (filters, F, K) ↔ (K, F, filters)


@LAYERS.add
class Conv1D(Layer):
    """See the module: a 1-D convolution over ``(B, T, F)`` with Keras's arguments."""

    penalty_slots = {"kernel": ("weight",), "bias": ("bias",)}

    def __init__(
        self,
        filters: int,
        kernel_size: int | tuple[int],
        strides: int | tuple[int] = 1,
        padding: str = "valid",
        dilation_rate: int | tuple[int] = 1,
        activation: str | None = None,
        use_bias: bool = True,
        kernel_initializer: InitializerSpec = "glorot_uniform",
        bias_initializer: InitializerSpec = "zeros",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        sizes = [filters, *(_one(v) for v in (kernel_size, strides, dilation_rate))]
        if not all(isinstance(v, int) and v >= 1 for v in sizes):
            raise ConfigError(
                f"Conv1D needs positive integers for filters, kernel_size, strides and dilation_rate, got "
                f"{filters}, {kernel_size}, {strides}, {dilation_rate}"
            )
        filters, kernel, stride, dilation = sizes
        if padding not in PADDINGS:
            raise ConfigError(f"Conv1D padding must be one of {', '.join(PADDINGS)}, got {padding!r}")
        if stride > 1 and dilation > 1:
            raise ConfigError("Conv1D takes strides > 1 or dilation_rate > 1, not both (as Keras)")
        self.filters, self.kernel_size, self.strides, self.padding = filters, kernel, stride, padding
        self.dilation_rate, self.activation, self.use_bias = dilation, activation, use_bias
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self._act = get_activation(activation)

    def build(self, input_shape: Shape) -> None:
        features = int(input_shape[-1])  # type: ignore[arg-type]
        weight = torch.empty(self.filters, features, self.kernel_size)
        self.weight = nn.Parameter(get_initializer(self.kernel_initializer)(weight))
        bias = get_initializer(self.bias_initializer)(torch.empty(self.filters)) if self.use_bias else None
        self.bias = nn.Parameter(bias) if bias is not None else None

    def _pads(self, steps: int) -> tuple[int, int]:
        """Steps of zeros before and after the sequence."""
        span = self.dilation_rate * (self.kernel_size - 1)
        if self.padding == "valid":
            return 0, 0
        if self.padding == "causal":
            return span, 0
        total = max((-(-steps // self.strides) - 1) * self.strides + span + 1 - steps, 0)
        return total // 2, total - total // 2

    def keeps_length(self) -> bool:
        return self.strides == 1 and self.padding != "valid"

    def call(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        if mask is not None:
            x = x * mask.unsqueeze(-1).to(x.dtype)  # padding reads as zeros, as beyond the end
        x = nn.functional.pad(x.transpose(1, 2), self._pads(x.shape[1]))  # (B, F, T')
        y = nn.functional.conv1d(x, self.weight, self.bias, stride=self.strides, dilation=self.dilation_rate)
        return self._act(y.transpose(1, 2))  # (B, T_out, filters)

    def compute_mask(self, x: Tensor, mask: Tensor | None = None) -> Tensor | None:
        return mask if self.keeps_length() else None

    def keras_weights(self):  # type: ignore[no-untyped-def]
        return kernel_and_bias(self.weight, self.bias, _kernel_to_keras)

    def get_config(self) -> dict[str, Any]:
        return {
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "dilation_rate": self.dilation_rate,
            "activation": self.activation,
            "use_bias": self.use_bias,
            "kernel_initializer": serialize_initializer(self.kernel_initializer),
            "bias_initializer": serialize_initializer(self.bias_initializer),
            **super().get_config(),
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        return cls(**{"padding": "same", **config})  # saved before Conv1D took padding: it padded 'same'


def _one(value: int | tuple[int] | list[int]) -> int:
    """Keras accepts ``(n,)`` where it means ``n``."""
    return value[0] if isinstance(value, tuple | list) and len(value) == 1 else value  # type: ignore[return-value]
