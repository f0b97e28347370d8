"""Keras 3's ``keras.ops`` on PyTorch: the backend-neutral operations a custom layer or cell is written with.

Each takes what Keras's does (tensors, NumPy arrays or numbers; ``axis`` an int, a tuple or None; dtypes
by name) and returns a ``torch.Tensor``, so a Keras cell such as the RNN documentation's::

    def call(self, inputs, states):
        h = ops.matmul(inputs, self.kernel) + ops.matmul(states[0], self.recurrent_kernel)
        return h, [h]

runs inside ``keras.layers.RNN`` with gradients, as any PyTorch code does. The set covers the arithmetic,
reductions, shapes and activations recurrent cells use; an op outside it is an ``AttributeError`` that
names the missing op (write it with ``torch``).

Example:
    >>> from rnnkit.keras import ops
    >>> ops.sum(ops.matmul(ops.ones((2, 3)), ops.ones((3, 4))), axis=1).tolist()
    [12.0, 12.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor

from rnnkit.errors import ConfigError

__all__ = [
    "abs", "add", "arange", "argmax", "cast", "clip", "concatenate", "convert_to_numpy", "convert_to_tensor",
    "cumsum", "divide", "dot", "einsum", "exp", "expand_dims", "log", "logsumexp", "matmul", "max", "maximum",
    "mean", "min", "minimum", "multiply", "negative", "ones", "ones_like", "power", "relu", "reshape", "shape",
    "sigmoid", "softmax", "split", "sqrt", "square", "squeeze", "stack", "std", "subtract", "sum", "tanh",
    "tile", "transpose", "where", "zeros", "zeros_like",
]  # fmt: skip

_DTYPES = {
    "float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32, "float64": torch.float64,
    "int8": torch.int8, "int16": torch.int16, "int32": torch.int32, "int64": torch.int64, "uint8": torch.uint8,
    "bool": torch.bool,
}  # fmt: skip

Axis = int | Sequence[int] | None


def _dtype(dtype: Any) -> torch.dtype | None:
    if dtype is None or isinstance(dtype, torch.dtype):
        return dtype
    name = np.dtype(dtype).name if not isinstance(dtype, str) else dtype
    if name not in _DTYPES:
        raise ConfigError(f"unknown dtype {dtype!r}; expected one of {sorted(_DTYPES)}")
    return _DTYPES[name]


def convert_to_tensor(x: Any, dtype: Any = None) -> Tensor:
    """``x`` (a tensor, array, number or nested list) as a tensor; NumPy's float64 becomes float32 (Keras's
    floatx) unless ``dtype`` says otherwise."""
    if isinstance(x, Tensor):
        return x if dtype is None else x.to(_dtype(dtype))
    t = torch.as_tensor(np.asarray(x))
    if dtype is None and t.dtype == torch.float64:
        return t.float()
    return t if dtype is None else t.to(_dtype(dtype))


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def convert_to_numpy(x: Any) -> np.ndarray:
    return _t(x).detach().cpu().numpy()


def _dims(axis: Axis) -> int | tuple[int, ...] | None:
    return axis if axis is None or isinstance(axis, int) else tuple(axis)


# --- arithmetic ---------------------------------------------------------------------------------------
def add(x1: Any, x2: Any) -> Tensor:
    return _t(x1) + _t(x2)


def subtract(x1: Any, x2: Any) -> Tensor:
    return _t(x1) - _t(x2)


def multiply(x1: Any, x2: Any) -> Tensor:
    return _t(x1) * _t(x2)


def divide(x1: Any, x2: Any) -> Tensor:
    return _t(x1) / _t(x2)


def power(x1: Any, x2: Any) -> Tensor:
    return torch.pow(_t(x1), _t(x2))


def negative(x: Any) -> Tensor:
    return -_t(x)


def maximum(x1: Any, x2: Any) -> Tensor:
    return torch.maximum(_t(x1), _t(x2))


def minimum(x1: Any, x2: Any) -> Tensor:
    return torch.minimum(_t(x1), _t(x2))


def matmul(x1: Any, x2: Any) -> Tensor:
    return torch.matmul(_t(x1), _t(x2))


def dot(x1: Any, x2: Any) -> Tensor:
    """NumPy's ``dot``: a product over the last axis of ``x1`` and the second-to-last of ``x2``."""
    a, b = _t(x1), _t(x2)
    return a * b if a.dim() == 0 or b.dim() == 0 else torch.tensordot(a, b, dims=([-1], [max(b.dim() - 2, 0)]))


def einsum(subscripts: str, *operands: Any) -> Tensor:
    return torch.einsum(subscripts, *(_t(o) for o in operands))


def abs(x: Any) -> Tensor:  # noqa: A001  (Keras's name)
    return torch.abs(_t(x))


def square(x: Any) -> Tensor:
    return torch.square(_t(x))


def sqrt(x: Any) -> Tensor:
    return torch.sqrt(_t(x))


def exp(x: Any) -> Tensor:
    return torch.exp(_t(x))


def log(x: Any) -> Tensor:
    return torch.log(_t(x))


def clip(x: Any, x_min: float, x_max: float) -> Tensor:
    return torch.clamp(_t(x), x_min, x_max)


def where(condition: Any, x1: Any, x2: Any) -> Tensor:
    return torch.where(_t(condition).bool(), _t(x1), _t(x2))


def cumsum(x: Any, axis: int | None = None) -> Tensor:
    t = _t(x)
    return torch.cumsum(t.reshape(-1) if axis is None else t, dim=0 if axis is None else axis)


# --- reductions ---------------------------------------------------------------------------------------
def sum(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001  (Keras's name)
    t = _t(x)
    return t.sum() if axis is None and not keepdims else torch.sum(t, dim=_dims(axis), keepdim=keepdims)


def mean(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    t = _t(x)
    return t.mean() if axis is None and not keepdims else torch.mean(t, dim=_dims(axis), keepdim=keepdims)


def std(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """The population standard deviation (NumPy's and Keras's, not PyTorch's sample one)."""
    return torch.std(_t(x), dim=_dims(axis), keepdim=keepdims, correction=0)


def max(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001  (Keras's name)
    t = _t(x)
    return t.max() if axis is None and not keepdims else torch.amax(t, dim=_dims(axis) or (), keepdim=keepdims)


def min(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001  (Keras's name)
    t = _t(x)
    return t.min() if axis is None and not keepdims else torch.amin(t, dim=_dims(axis) or (), keepdim=keepdims)


def argmax(x: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    return torch.argmax(_t(x), dim=axis, keepdim=keepdims)


def logsumexp(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    t = _t(x)
    dims = tuple(range(t.dim())) if axis is None else _dims(axis)
    return torch.logsumexp(t, dim=dims, keepdim=keepdims)  # type: ignore[arg-type]


# --- shapes -------------------------------------------------------------------------------------------
def shape(x: Any) -> tuple[int, ...]:
    return tuple(_t(x).shape)


def reshape(x: Any, newshape: Sequence[int]) -> Tensor:
    return torch.reshape(_t(x), tuple(newshape))


def transpose(x: Any, axes: Sequence[int] | None = None) -> Tensor:
    t = _t(x)
    return t.permute(*(range(t.dim() - 1, -1, -1) if axes is None else axes))


def expand_dims(x: Any, axis: int) -> Tensor:
    return torch.unsqueeze(_t(x), axis)


def squeeze(x: Any, axis: Axis = None) -> Tensor:
    t = _t(x)
    return t.squeeze() if axis is None else t.squeeze(_dims(axis))  # type: ignore[arg-type]


def concatenate(xs: Sequence[Any], axis: int = 0) -> Tensor:
    return torch.cat([_t(x) for x in xs], dim=axis)


def stack(x: Sequence[Any], axis: int = 0) -> Tensor:
    return torch.stack([_t(t) for t in x], dim=axis)


def split(x: Any, indices_or_sections: int | Sequence[int], axis: int = 0) -> list[Tensor]:
    """NumPy's ``split``: into that many equal parts, or at those indices."""
    t = _t(x)
    if isinstance(indices_or_sections, int):
        if t.shape[axis] % indices_or_sections:
            raise ConfigError(f"split: axis {axis} of size {t.shape[axis]} does not divide into {indices_or_sections}")
        return list(torch.chunk(t, indices_or_sections, dim=axis))
    return list(torch.tensor_split(t, list(indices_or_sections), dim=axis))


def tile(x: Any, repeats: Sequence[int]) -> Tensor:
    return torch.tile(_t(x), tuple(repeats))


def cast(x: Any, dtype: Any) -> Tensor:
    return _t(x).to(_dtype(dtype))


def zeros(shape: Sequence[int] | int, dtype: Any = "float32") -> Tensor:
    return torch.zeros(shape, dtype=_dtype(dtype))


def ones(shape: Sequence[int] | int, dtype: Any = "float32") -> Tensor:
    return torch.ones(shape, dtype=_dtype(dtype))


def zeros_like(x: Any, dtype: Any = None) -> Tensor:
    return torch.zeros_like(_t(x), dtype=_dtype(dtype))


def ones_like(x: Any, dtype: Any = None) -> Tensor:
    return torch.ones_like(_t(x), dtype=_dtype(dtype))


def arange(start: float, stop: float | None = None, step: float = 1, dtype: Any = None) -> Tensor:
    if stop is None:
        start, stop = 0, start
    return torch.arange(start, stop, step, dtype=_dtype(dtype))


# --- activations --------------------------------------------------------------------------------------
def tanh(x: Any) -> Tensor:
    return torch.tanh(_t(x))


def sigmoid(x: Any) -> Tensor:
    return torch.sigmoid(_t(x))


def relu(x: Any) -> Tensor:
    return torch.relu(_t(x))


def softmax(x: Any, axis: int = -1) -> Tensor:
    return torch.softmax(_t(x), dim=axis)
