"""Layers that merge a list of tensors into one, as Keras's: ``Concatenate``, ``Add``, ``Subtract``,
``Multiply``, ``Average``, ``Maximum``, ``Minimum`` and ``Dot``. They join the branches of a functional
model (``rnnkit.models.Functional``).

Legend: B batch.

Example:
    >>> import torch
    >>> a, b = torch.ones(2, 3), torch.full((2, 3), 2.0)
    >>> Concatenate()([a, b]).shape, Add()([a, b])[0].tolist(), Dot(axes=1)([a, b]).tolist()
    (torch.Size([2, 6]), [3.0, 3.0, 3.0], [[6.0], [6.0]])
"""

from __future__ import annotations

import functools
import string
from typing import Any

import torch
from torch import Tensor

from rnnkit.errors import ConfigError, ShapeError
from rnnkit.layers.base import Layer
from rnnkit.registry import LAYERS

__all__ = ["Add", "Average", "Concatenate", "Dot", "Maximum", "Minimum", "Multiply", "Subtract"]


class _Merge(Layer):
    """A layer called on a list of at least two tensors (``count`` exactly, when it is set)."""

    count: int | None = None

    def forward(self, inputs: Any, mask: Tensor | None = None) -> Tensor:  # type: ignore[override]
        if not isinstance(inputs, list | tuple) or len(inputs) < 2 or not all(isinstance(t, Tensor) for t in inputs):
            raise ShapeError(f"{self.name!r} takes a list of at least two tensors, got {type(inputs).__name__}")
        if self.count is not None and len(inputs) != self.count:
            raise ShapeError(f"{self.name!r} takes exactly {self.count} tensors, got {len(inputs)}")
        self.built = True
        try:
            return self.merge(list(inputs))
        except RuntimeError as exc:
            shapes = [tuple(t.shape) for t in inputs]
            raise ShapeError(f"{self.name!r} cannot merge tensors of shapes {shapes}: {exc}") from exc

    def merge(self, inputs: list[Tensor]) -> Tensor:
        raise NotImplementedError

    def compute_mask(self, x: Any, mask: Tensor | None = None) -> Tensor | None:
        return None


@LAYERS.add
class Concatenate(_Merge):
    """The tensors side by side along ``axis`` (default the last)."""

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = axis

    def merge(self, inputs: list[Tensor]) -> Tensor:
        return torch.cat(inputs, dim=self.axis)

    def get_config(self) -> dict[str, Any]:
        return {"axis": self.axis, **super().get_config()}


@LAYERS.add
class Add(_Merge):
    """The elementwise sum."""

    def merge(self, inputs: list[Tensor]) -> Tensor:
        return functools.reduce(torch.add, inputs)


@LAYERS.add
class Subtract(_Merge):
    """The first tensor minus the second."""

    count = 2

    def merge(self, inputs: list[Tensor]) -> Tensor:
        return inputs[0] - inputs[1]


@LAYERS.add
class Multiply(_Merge):
    """The elementwise product."""

    def merge(self, inputs: list[Tensor]) -> Tensor:
        return functools.reduce(torch.mul, inputs)


@LAYERS.add
class Average(_Merge):
    """The elementwise mean."""

    def merge(self, inputs: list[Tensor]) -> Tensor:
        return functools.reduce(torch.add, inputs) / len(inputs)


@LAYERS.add
class Maximum(_Merge):
    """The elementwise maximum."""

    def merge(self, inputs: list[Tensor]) -> Tensor:
        return functools.reduce(torch.maximum, inputs)


@LAYERS.add
class Minimum(_Merge):
    """The elementwise minimum."""

    def merge(self, inputs: list[Tensor]) -> Tensor:
        return functools.reduce(torch.minimum, inputs)


@LAYERS.add
class Dot(_Merge):
    """Per sample, the dot product of two tensors along ``axes`` (one axis for both, or one for each; the
    batch axis 0 is never one). The result keeps the first tensor's other axes, then the second's; two
    vectors give ``(B, 1)``. ``normalize=True`` takes the cosine: each tensor L2-normalised along its axis.

    Example: attention scores of decoder states ``(B, T, H)`` against encoder outputs ``(B, S, H)`` are
    ``Dot(axes=2)`` → ``(B, T, S)``.
    """

    count = 2

    def __init__(self, axes: int | list[int] | tuple[int, int], normalize: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        pair = [axes, axes] if isinstance(axes, int) else list(axes)
        if len(pair) != 2 or not all(isinstance(a, int) for a in pair):
            raise ConfigError(f"Dot(axes) takes an axis or a pair of axes, got {axes!r}")
        self.axes, self.normalize = pair, normalize

    def merge(self, inputs: list[Tensor]) -> Tensor:
        a, b = inputs
        i, j = (axis % t.dim() for axis, t in zip(self.axes, (a, b)))
        if i == 0 or j == 0:
            raise ShapeError(f"{self.name!r}: the batch axis cannot be a Dot axis")
        if self.normalize:
            a, b = torch.nn.functional.normalize(a, dim=i), torch.nn.functional.normalize(b, dim=j)
        letters = iter(string.ascii_letters[2:])
        left = ["a", *(next(letters) for _ in range(a.dim() - 1))]
        right = ["a", *(next(letters) for _ in range(b.dim() - 1))]
        right[j] = left[i] = "b"  # "a": the batch, "b": the contracted axis
        kept = [c for c in left if c != "b"] + [c for c in right[1:] if c != "b"]
        out = torch.einsum(f"{''.join(left)},{''.join(right)}->{''.join(kept)}", a, b)
        return out.unsqueeze(1) if out.dim() == 1 else out

    def get_config(self) -> dict[str, Any]:
        return {"axes": list(self.axes), "normalize": self.normalize, **super().get_config()}
