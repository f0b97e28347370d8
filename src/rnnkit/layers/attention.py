"""Keras's attention layers over sequences: ``Attention`` (Luong-style dot product) and
``AdditiveAttention`` (Bahdanau-style). Called on ``[query, value]`` or ``[query, value, key]`` (the
key defaults to the value):

- ``Attention``: scores ``s_ij = q_i · k_j`` (× a learned scalar with ``use_scale=True``; or, with
  ``score_mode='concat'``, ``s_ij = c · Σ tanh(q_i + k_j)``);
- ``AdditiveAttention``: ``s_ij = Σ_d w_d tanh(q_id + k_jd)`` (``w`` learned with ``use_scale=True``, Keras's
  default; else ones).

Then ``α_i = softmax_j(s_ij)`` over the value steps that are not padding (a value mask, or
``use_causal_mask=True`` in the call for steps after i), and the output is ``Σ_j α_ij v_j``
``(B, Tq, dim)``; steps of a masked query are zeros and keep their mask. ``return_attention_scores=True``
also returns ``α`` ``(B, Tq, Tv)``.

Legend: B batch, Tq query steps, Tv value steps.

Example:
    >>> import torch
    >>> q, v = torch.tensor([[[1.0, 0.0]]]), torch.tensor([[[2.0, 0.0], [0.0, 2.0]]])  # scores 2 and 0
    >>> out, alpha = Attention()([q, v], return_attention_scores=True)
    >>> [round(a, 4) for a in alpha[0, 0].tolist()], [round(o, 2) for o in out[0, 0].tolist()]
    ([0.8808, 0.1192], [1.76, 0.24])
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from rnnkit.errors import ConfigError, ShapeError
from rnnkit.layers.base import Layer
from rnnkit.nn.init import get_initializer
from rnnkit.registry import LAYERS

__all__ = ["AdditiveAttention", "Attention"]


class _BaseAttention(Layer):
    def __init__(self, use_scale: bool, dropout: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not 0 <= dropout < 1:
            raise ConfigError(f"dropout must be in [0, 1), got {dropout}")
        self.use_scale, self.dropout = use_scale, float(dropout)

    def forward(self, inputs: Any, mask: Any = None, return_attention_scores: bool = False,  # type: ignore[override]
                use_causal_mask: bool = False) -> Tensor | tuple[Tensor, Tensor]:  # fmt: skip
        if not isinstance(inputs, list | tuple) or len(inputs) not in (2, 3):
            raise ShapeError(f"{self.name!r} takes [query, value] or [query, value, key], got {type(inputs).__name__}")
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) == 3 else value
        if query.dim() != 3 or value.dim() != 3 or key.shape[:2] != value.shape[:2] or query.shape[-1] != key.shape[-1]:
            raise ShapeError(
                f"{self.name!r}: query (batch, Tq, dim), value (batch, Tv, dim) and key like value, got "
                f"{[tuple(t.shape) for t in inputs]}"
            )
        self.maybe_build(query)
        q_mask, v_mask = (list(mask) + [None, None])[:2] if isinstance(mask, list | tuple) else (None, None)
        scores = self.scores(query, key)  # (B, Tq, Tv)
        hidden = torch.zeros_like(scores, dtype=torch.bool)
        if v_mask is not None:
            hidden |= ~v_mask[:, None, :].bool()
        if use_causal_mask:
            hidden |= torch.ones(scores.shape[-2:], dtype=torch.bool, device=scores.device).triu(1)
        weights = torch.softmax(scores.masked_fill(hidden, -1e9), dim=-1)
        out = nn.functional.dropout(weights, self.dropout, self.training) @ value  # (B, Tq, dim)
        if q_mask is not None:
            out = out * q_mask[..., None].to(out.dtype)
        return (out, weights) if return_attention_scores else out

    def scores(self, query: Tensor, key: Tensor) -> Tensor:
        raise NotImplementedError

    def compute_mask(self, x: Any, mask: Any = None) -> Tensor | None:
        return mask[0] if isinstance(mask, list | tuple) else None

    def get_config(self) -> dict[str, Any]:
        return {"use_scale": self.use_scale, "dropout": self.dropout, **super().get_config()}


@LAYERS.add
class Attention(_BaseAttention):
    """Dot-product attention (see the module)."""

    def __init__(self, use_scale: bool = False, score_mode: str = "dot", dropout: float = 0.0, **kwargs: Any) -> None:
        super().__init__(use_scale, dropout, **kwargs)
        if score_mode not in ("dot", "concat"):
            raise ConfigError(f"score_mode must be 'dot' or 'concat', got {score_mode!r}")
        self.score_mode = score_mode

    def build(self, input_shape: Any) -> None:
        self.scale = nn.Parameter(torch.ones(())) if self.use_scale else None
        self.concat_score_weight = nn.Parameter(torch.ones(())) if self.score_mode == "concat" else None

    def scores(self, query: Tensor, key: Tensor) -> Tensor:
        if self.concat_score_weight is not None:
            pairs = query[:, :, None, :] + key[:, None, :, :]  # (B, Tq, Tv, dim)
            if self.scale is not None:
                pairs = self.scale * pairs
            return self.concat_score_weight * torch.tanh(pairs).sum(-1)
        scores = query @ key.transpose(1, 2)
        return scores * self.scale if self.scale is not None else scores

    def get_config(self) -> dict[str, Any]:
        return {"score_mode": self.score_mode, **super().get_config()}


@LAYERS.add
class AdditiveAttention(_BaseAttention):
    """Additive (Bahdanau) attention (see the module)."""

    def __init__(self, use_scale: bool = True, dropout: float = 0.0, **kwargs: Any) -> None:
        super().__init__(use_scale, dropout, **kwargs)

    def build(self, input_shape: Any) -> None:
        dim = int(input_shape[-1])
        self.scale = nn.Parameter(get_initializer("glorot_uniform")(torch.empty(1, dim))[0]) if self.use_scale else None

    def scores(self, query: Tensor, key: Tensor) -> Tensor:
        pairs = torch.tanh(query[:, :, None, :] + key[:, None, :, :])  # (B, Tq, Tv, dim)
        return (pairs * self.scale).sum(-1) if self.scale is not None else pairs.sum(-1)
