"""Keras's ``MultiHeadAttention`` (Vaswani et al. 2017) over sequences, with Keras's weights and masks.

For each head ``h``: ``q = x_q W_q^h + b_q^h``, ``k = x_k W_k^h + b_k^h``, ``v = x_v W_v^h + b_v^h``;
scores ``s_ij = q_i · k_j / √key_dim``; ``α_i = softmax_j(s_ij)`` over the steps the masks let through;
``o_i^h = Σ_j α_ij v_j``; and the output ``y_i = Σ_h o_i^h W_o^h + b_o`` ``(B, Tq, out)`` with ``out``
the query's features unless ``output_shape`` says otherwise. The key defaults to the value.

Masks, as Keras combines them: ``attention_mask`` ``(B, Tq, Tv)`` (True where query i may see value j),
the query's and the value's padding masks (passed by the functional API from ``Embedding(mask_zero=True)``
or ``Masking``, or as ``query_mask`` / ``value_mask`` / ``key_mask``), and ``use_causal_mask`` (no step
sees a later one). A hidden score gets ``-1e9`` added before the softmax, Keras's large negative.

Weights (``get_weights``, Keras's order and shapes): ``query/key/value`` kernels ``(dim, heads,
key_dim or value_dim)`` with biases ``(heads, key_dim or value_dim)``, then the output kernel ``(heads,
value_dim, out)`` and bias ``(out,)``.

Legend: B batch, Tq query steps, Tv value steps, H heads.

Example:
    >>> import torch
    >>> layer = MultiHeadAttention(num_heads=2, key_dim=4)
    >>> y, scores = layer(torch.ones(3, 5, 8), torch.ones(3, 7, 6), return_attention_scores=True)
    >>> tuple(y.shape), tuple(scores.shape), layer.count_params()
    ((3, 5, 8), (3, 2, 5, 7), 256)
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor, nn

from rnnkit.errors import ConfigError, ShapeError
from rnnkit.layers.base import Layer
from rnnkit.nn.init import InitializerSpec, get_initializer, serialize_initializer
from rnnkit.registry import LAYERS

__all__ = ["MultiHeadAttention"]

_LARGE_NEGATIVE = -1e9


@LAYERS.add
class MultiHeadAttention(Layer):
    """Multi-head attention (see the module).

    Args:
        num_heads: H. key_dim: the size of each head's query and key. value_dim: each head's value size
            (default ``key_dim``). dropout: on the attention probabilities while training.
        use_bias: biases in the four projections. output_shape: the output's feature size (default the
            query's). kernel_initializer / bias_initializer: as the other layers.

    Call: ``layer(query, value, key=None, attention_mask=None, return_attention_scores=False,
    use_causal_mask=False)``; returns ``y`` ``(B, Tq, out)``, and ``α`` ``(B, H, Tq, Tv)`` when asked.
    """

    #: the functional API hands each input's padding mask (the inputs by name, in call order) to its argument
    mask_arguments = {"query": "query_mask", "value": "value_mask", "key": "key_mask"}
    query_kernel: nn.Parameter
    key_kernel: nn.Parameter
    value_kernel: nn.Parameter

    def __init__(
        self,
        num_heads: int,
        key_dim: int,
        value_dim: int | None = None,
        dropout: float = 0.0,
        use_bias: bool = True,
        output_shape: int | tuple[int] | None = None,
        attention_axes: Any = None,
        kernel_initializer: InitializerSpec = "glorot_uniform",
        bias_initializer: InitializerSpec = "zeros",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        for arg, n in (("num_heads", num_heads), ("key_dim", key_dim), ("value_dim", value_dim or key_dim)):
            if not isinstance(n, int) or n < 1:
                raise ConfigError(f"MultiHeadAttention({arg}) must be a positive integer, got {n!r}")
        if not 0 <= dropout < 1:
            raise ConfigError(f"dropout must be in [0, 1), got {dropout}")
        if attention_axes not in (None, 1, (1,), [1]):
            raise ConfigError(f"attention_axes={attention_axes!r}: rnnkit attends over the time axis only (None)")
        if isinstance(output_shape, list | tuple):
            if len(output_shape) != 1:
                raise ConfigError(f"output_shape must be one feature size for sequences, got {output_shape!r}")
            output_shape = output_shape[0]
        self.num_heads, self.key_dim, self.value_dim = num_heads, key_dim, value_dim or key_dim
        self.dropout, self.use_bias, self.output_shape = float(dropout), bool(use_bias), output_shape
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer

    def _projection(self, name: str, fan_in: int, heads_out: tuple[int, ...], bias_shape: tuple[int, ...]) -> None:
        kernel = torch.empty(fan_in, *heads_out)
        # Keras's fan-in/fan-out for an einsum kernel: the input axis in, the rest out
        get_initializer(self.kernel_initializer)(kernel.view(fan_in, -1).t())
        setattr(self, f"{name}_kernel", nn.Parameter(kernel))
        bias = get_initializer(self.bias_initializer)(torch.empty(bias_shape)) if self.use_bias else None
        setattr(self, f"{name}_bias", nn.Parameter(bias) if bias is not None else None)

    def _build(self, query: Tensor, value: Tensor, key: Tensor) -> None:
        H, K, V = self.num_heads, self.key_dim, self.value_dim
        self.out_dim = int(self.output_shape or query.shape[-1])
        self._projection("query", query.shape[-1], (H, K), (H, K))
        self._projection("key", key.shape[-1], (H, K), (H, K))
        self._projection("value", value.shape[-1], (H, V), (H, V))
        out = torch.empty(H, V, self.out_dim)
        get_initializer(self.kernel_initializer)(out.view(H * V, self.out_dim).t())
        self.output_kernel = nn.Parameter(out)
        self.output_bias = nn.Parameter(get_initializer(self.bias_initializer)(torch.empty(self.out_dim))) \
            if self.use_bias else None  # fmt: skip
        self.built = True
        self.to(query.device)

    def forward(  # type: ignore[override]
        self,
        query: Tensor,
        value: Tensor,
        key: Tensor | None = None,
        query_mask: Tensor | None = None,
        value_mask: Tensor | None = None,
        key_mask: Tensor | None = None,
        attention_mask: Tensor | None = None,
        return_attention_scores: bool = False,
        use_causal_mask: bool = False,
        training: bool | None = None,
        mask: Any = None,
    ) -> Tensor | tuple[Tensor, Tensor]:
        key = value if key is None else key
        if query.dim() != 3 or value.dim() != 3 or key.shape[:2] != value.shape[:2]:
            raise ShapeError(
                f"{self.name!r}: query (batch, Tq, dim), value (batch, Tv, dim) and key (batch, Tv, dim), got "
                f"{tuple(query.shape)}, {tuple(value.shape)}, {tuple(key.shape)}"
            )
        if not self.built:
            self._build(query, value, key)
        if self.query_kernel.shape[0] != query.shape[-1] or self.value_kernel.shape[0] != value.shape[-1]:
            raise ShapeError(
                f"{self.name!r} was built for query and value features {self.query_kernel.shape[0]} and "
                f"{self.value_kernel.shape[0]}, got {query.shape[-1]} and {value.shape[-1]}"
            )
        q = self._project(query, "query") / math.sqrt(self.key_dim)  # (B, Tq, H, K)
        k, v = self._project(key, "key"), self._project(value, "value")
        scores = torch.einsum("bqhd,bkhd->bhqk", q, k)
        allowed = self._allowed(query, value, query_mask, value_mask if value_mask is not None else key_mask,
                                attention_mask, use_causal_mask)  # fmt: skip
        if allowed is not None:
            scores = scores + (~allowed[:, None]).to(scores.dtype) * _LARGE_NEGATIVE
        weights = torch.softmax(scores, dim=-1)
        drop = self.training if training is None else training
        heads = torch.einsum("bhqk,bkhd->bqhd", nn.functional.dropout(weights, self.dropout, drop), v)
        y = torch.einsum("bqhd,hdo->bqo", heads, self.output_kernel)
        if self.output_bias is not None:
            y = y + self.output_bias
        return (y, weights) if return_attention_scores else y

    def _project(self, x: Tensor, name: str) -> Tensor:
        out = torch.einsum("btf,fhd->bthd", x, getattr(self, f"{name}_kernel"))
        bias = getattr(self, f"{name}_bias")
        return out + bias if bias is not None else out

    @staticmethod
    def _allowed(
        query: Tensor,
        value: Tensor,
        query_mask: Tensor | None,
        value_mask: Tensor | None,
        attention_mask: Tensor | None,
        causal: bool,
    ) -> Tensor | None:
        """``(B, Tq, Tv)`` True where query step i may attend to value step j, or None for everywhere."""
        B, Tq, Tv = query.shape[0], query.shape[1], value.shape[1]
        allowed = torch.ones(B, Tq, Tv, dtype=torch.bool, device=query.device)
        if query_mask is not None:
            allowed &= query_mask.bool()[:, :, None]
        if value_mask is not None:
            allowed &= value_mask.bool()[:, None, :]
        if attention_mask is not None:
            if tuple(attention_mask.shape[-2:]) != (Tq, Tv):
                raise ShapeError(f"attention_mask must be (batch, {Tq}, {Tv}), got {tuple(attention_mask.shape)}")
            allowed &= attention_mask.bool()
        if causal:
            allowed &= torch.ones(Tq, Tv, dtype=torch.bool, device=query.device).tril()
        none = query_mask is None and value_mask is None and attention_mask is None and not causal
        return None if none else allowed

    def get_config(self) -> dict[str, Any]:
        return {
            "num_heads": self.num_heads,
            "key_dim": self.key_dim,
            "value_dim": self.value_dim,
            "dropout": self.dropout,
            "use_bias": self.use_bias,
            "output_shape": self.output_shape,
            "kernel_initializer": serialize_initializer(self.kernel_initializer),
            "bias_initializer": serialize_initializer(self.bias_initializer),
            **super().get_config(),
        }
