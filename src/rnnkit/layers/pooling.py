"""Pooling over time: a sequence of vectors ``(B, T, D)`` → one vector ``(B, D)``, padding ignored.

The many-to-one head of a classifier reads either the last state of a recurrent layer
(``return_sequences=False``) or all of its outputs, pooled by one of these layers:

* ``GlobalAveragePooling1D``: ``Σ_t m_t h_t / Σ_t m_t``, the mean over real steps.
* ``GlobalMaxPooling1D``: ``max_{t: m_t} h_t`` per feature.
* ``AttentionPooling`` (additive, Bahdanau-style): ``e_t = vᵀ tanh(W h_t + b)``, ``α = softmax(e)`` over
  real steps, output ``Σ_t α_t h_t``; ``attention_weights(h, mask)`` returns ``α`` to look at.

``m_t`` is the mask (True on real steps). Steps that are padding never change the result, so a
sequence pooled alone and inside a padded batch gives the same vector.

Example:
    >>> import torch
    >>> h = torch.tensor([[[1.0], [3.0], [100.0]]])      # (B=1, T=3, D=1); the last step is padding
    >>> mask = torch.tensor([[True, True, False]])
    >>> GlobalAveragePooling1D()(h, mask).tolist(), GlobalMaxPooling1D()(h, mask).tolist()
    ([[2.0]], [[3.0]])
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from rnnkit.errors import ConfigError, ShapeError
from rnnkit.layers.base import Layer, Shape
from rnnkit.nn.init import get_initializer
from rnnkit.registry import LAYERS

__all__ = ["GlobalAveragePooling1D", "GlobalMaxPooling1D", "AttentionPooling"]


def _check_sequence(layer: Layer, x: Tensor) -> None:
    if x.dim() != 3:
        raise ShapeError(
            f"{type(layer).__name__} expects a sequence (batch, time, features), got shape {tuple(x.shape)}; "
            "give the recurrent layer before it return_sequences=True"
        )


class _Pooling1D(Layer):
    def compute_mask(self, x: Tensor, mask: Tensor | None = None) -> Tensor | None:
        return None  # one vector per sequence: no time axis left to mask

    def step(self, x_t: Tensor, state: tuple[Tensor, ...] | None) -> tuple[Tensor, tuple[Tensor, ...] | None]:
        raise ConfigError(f"{type(self).__name__} pools a whole sequence; it has no per-step form to stream")


@LAYERS.add
class GlobalAveragePooling1D(_Pooling1D):
    """Mean over the real (unmasked) time steps: ``(B, T, D)`` → ``(B, D)``."""

    def call(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        _check_sequence(self, x)
        if mask is None:
            return x.mean(dim=1)
        m = mask.unsqueeze(-1).to(x.dtype)  # (B, T, 1)
        return (x * m).sum(dim=1) / m.sum(dim=1).clamp(min=1.0)


@LAYERS.add
class GlobalMaxPooling1D(_Pooling1D):
    """Feature-wise maximum over the real (unmasked) time steps: ``(B, T, D)`` → ``(B, D)``."""

    def call(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        _check_sequence(self, x)
        if mask is None:
            return x.amax(dim=1)
        hidden = x.masked_fill(~mask.unsqueeze(-1), -torch.inf).amax(dim=1)
        return hidden.masked_fill(~mask.any(dim=1, keepdim=True), 0.0)  # an all-padding row pools to zeros


@LAYERS.add
class AttentionPooling(_Pooling1D):
    """Additive attention over time: a learned score per step, softmax over real steps, weighted sum.

    Parameters: ``W`` ``(units, D)``, ``b`` ``(units,)``, ``v`` ``(units,)``: ``D·units + 2·units``.

    Args:
        units: size of the scoring layer (default: ``D``, the input's feature size).
    """

    def __init__(self, units: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if units is not None and units < 1:
            raise ConfigError(f"AttentionPooling units must be positive, got {units}")
        self.units = units

    def build(self, input_shape: Shape) -> None:
        features = input_shape[-1]
        if features is None:
            raise ShapeError("AttentionPooling needs a known feature size to build")
        units = self.units or features
        glorot = get_initializer("glorot_uniform")
        self.weight = nn.Parameter(glorot(torch.empty(units, features)))  # (A, D)
        self.bias = nn.Parameter(torch.zeros(units))
        self.score = nn.Parameter(glorot(torch.empty(units, 1)).squeeze(1))  # (A,)

    def attention_weights(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        """``α`` ``(B, T)``: how much each step contributes (zero on padding; rows sum to 1)."""
        _check_sequence(self, x)
        self.maybe_build(x)
        e = torch.tanh(nn.functional.linear(x, self.weight, self.bias)) @ self.score  # (B, T)
        if mask is not None:
            e = e.masked_fill(~mask, -torch.inf)
        alpha = torch.softmax(e, dim=1)
        return alpha.nan_to_num(0.0)  # an all-padding row (softmax of all -inf) attends to nothing

    def call(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        alpha = self.attention_weights(x, mask)
        return torch.einsum("bt,btd->bd", alpha, x)

    def get_config(self) -> dict[str, Any]:
        return {"units": self.units, **super().get_config()}
