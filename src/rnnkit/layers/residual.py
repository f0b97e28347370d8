"""``Residual``: a pre-norm residual block around a chain of layers, ``y = x + f(LayerNorm(x))``.

The language models of the minGRU and LRU papers (and of every transformer since GPT-2) stack such
blocks: a recurrent layer in one (``Residual(MinGRU(H, return_sequences=True))``), a per-step
feed-forward network in the next (``Residual([Dense(4·H, activation="gelu"), Dense(H)])``). The skip
path carries ``x`` unchanged, so the gradient reaches early layers through the sum even where ``f``'s
Jacobian is small, and the normalisation keeps each block's input at unit scale however deep the stack.
``f`` must keep the feature size (``(B, T, H)`` → ``(B, T, H)``).

Streaming works through the block: ``step`` normalises one step, steps each layer of the chain (the
recurrent ones carry their state: the block's state is the tuple of theirs) and adds the skip.

Example:
    >>> import torch
    >>> from rnnkit.layers import Dense, MinGRU
    >>> block = Residual(MinGRU(8, return_sequences=True))
    >>> x = torch.randn(2, 5, 8)
    >>> tuple(block(x).shape), sum(p.numel() for p in block.parameters())  # MinGRU 144, LayerNorm 16
    ((2, 5, 8), 160)
    >>> mlp = Residual([Dense(32, activation="gelu"), Dense(8)])
    >>> bool(torch.allclose(mlp(x) - x, mlp.layers[1](mlp.layers[0](mlp.norm(x))), atol=1e-6))
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from torch import Tensor, nn

from rnnkit.errors import ConfigError, ShapeError
from rnnkit.layers.base import Layer, Shape
from rnnkit.layers.normalization import LayerNormalization
from rnnkit.layers.serialization import deserialize, serialize
from rnnkit.registry import LAYERS

__all__ = ["Residual"]


@LAYERS.add
class Residual(Layer):
    """``x + f(LayerNorm(x))`` where ``f`` applies ``layers`` in order (one layer, or a list);
    ``norm=False`` drops the normalisation (``x + f(x)``). See the module."""

    def __init__(self, layers: Layer | Sequence[Layer], norm: bool = True, epsilon: float = 1e-5,
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(**kwargs)
        chain = [layers] if isinstance(layers, Layer) else list(layers)
        if not chain or not all(isinstance(layer, Layer) for layer in chain):
            raise ConfigError(f"Residual takes a layer or a non-empty list of layers, got {layers!r:.80}")
        self.layers = nn.ModuleList(chain)
        self.norm = LayerNormalization(epsilon=epsilon) if norm else None
        self.epsilon = epsilon

    @property
    def chain(self) -> list[Layer]:
        """The wrapped layers, in order."""
        return [cast(Layer, layer) for layer in self.layers]

    def build(self, input_shape: Shape) -> None:
        if len(input_shape) < 2 or input_shape[-1] is None:
            raise ShapeError(f"Residual needs inputs with a known feature axis, got shape {tuple(input_shape)}")

    def _inner(self, x: Tensor) -> Tensor:
        return self.norm(x) if self.norm is not None else x

    def call(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        y = self._inner(x)
        for layer in self.chain:
            y, mask = layer(y, mask=mask), layer.compute_mask(y, mask)
        if y.shape != x.shape:
            raise ShapeError(
                f"Residual adds its input to its layers' output, so they must keep its shape: "
                f"input {tuple(x.shape)}, output {tuple(y.shape)}"
            )
        return x + y

    def compute_mask(self, x: Tensor, mask: Tensor | None = None) -> Tensor | None:
        return mask

    def initial_step_state(self, batch: int, like: Tensor) -> Any:
        states = tuple(layer.initial_step_state(batch, like) for layer in self.chain)
        return None if all(s is None for s in states) else states

    def step(self, x_t: Tensor, state: Any) -> tuple[Tensor, Any]:
        y = self._inner(x_t)
        states = state if state is not None else (None,) * len(self.layers)
        new: list[Any] = []
        for layer, layer_state in zip(self.chain, states):
            y, layer_state = layer.step(y, layer_state)
            new.append(layer_state)
        return x_t + y, None if state is None else tuple(new)

    def keras_weights(self):  # type: ignore[no-untyped-def]
        """Each layer's weights in Keras's order, then the normalisation's (gamma, beta)."""
        norm = [] if self.norm is None else self.norm.keras_weights()
        return [w for layer in self.layers for w in layer.keras_weights()] + norm

    def get_config(self) -> dict[str, Any]:
        return {"layers": [serialize(layer) for layer in self.layers], "norm": self.norm is not None,
                "epsilon": self.epsilon, **super().get_config()}  # fmt: skip

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        layers = config.get("layers")
        if not isinstance(layers, list):
            raise ConfigError(f"a Residual config needs a list of layers, got {layers!r:.80}")
        return cls(**{**config, "layers": [deserialize(spec) for spec in layers]})
