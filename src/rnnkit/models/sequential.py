"""``Sequential``: a stack of layers, each feeding the next, masks travelling beside the data.

Example (the classic tutorial model)::

    >>> from rnnkit.models import Sequential
    >>> from rnnkit.layers import SimpleRNN, Dense
    >>> model = Sequential([SimpleRNN(32, input_shape=(10, 1), activation="relu"), Dense(1)])
    >>> model.count_params()
    1121
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import torch
from torch import Tensor, nn

from rnnkit.data.arrays import to_tensor
from rnnkit.errors import ConfigError, ShapeError
from rnnkit.layers.base import Layer
from rnnkit.layers.core import Embedding, Input
from rnnkit.layers.serialization import deserialize, serialize
from rnnkit.models.model import Model
from rnnkit.registry import MODELS

__all__ = ["Sequential"]


@MODELS.add
class Sequential(Model):
    """Layers applied in order. The input shape comes from the first layer's ``input_shape=`` (or an
    ``Input``), else from the first batch ``fit``/``predict`` sees."""

    def __init__(self, layers: Sequence[Layer] | None = None, name: str | None = None) -> None:
        super().__init__(name=name or "sequential")
        self.stack = nn.ModuleList()
        for layer in layers or []:
            self.add(layer)

    @property
    def layers(self) -> list[nn.Module]:
        return [layer for layer in self.stack if not isinstance(layer, Input)]

    def _stack(self) -> list[Layer]:
        return cast(list[Layer], list(self.stack))

    def chained_layers(self) -> list[Layer]:
        """Every layer but an ``Input``, in order: the forward pass is this chain."""
        return cast(list[Layer], self.layers)

    def add(self, layer: Layer) -> None:
        """Append a layer (Keras's ``model.add``)."""
        if not isinstance(layer, Layer):
            raise ConfigError(f"Sequential.add expects an rnnkit layer, got {type(layer).__name__}")
        taken = {m.name for m in self.stack}
        base, i = layer.name, 0
        while layer.name in taken:
            i += 1
            layer.name = f"{base}_{i}"
        self.stack.append(layer)
        if len(self.stack) == 1 and layer.input_shape_hint is not None:
            self.declared_input_shape = (None, *layer.input_shape_hint)
        self.built = False  # the next build creates the new layer's weights; earlier ones are kept

    def build(self, input_shape: Sequence[int | None]) -> None:
        """Create every layer's weights by passing one dummy sample through the stack."""
        if not self.stack:
            raise ConfigError("a Sequential model needs at least one layer before it can be built")
        shape = tuple(input_shape)
        # None sizes run as 1, and again as 2 when there are any: an output size that follows them is None
        runs = [self._output_shapes(shape, 1), *([self._output_shapes(shape, 2)] if None in shape[1:] else [])]
        self.output_shapes: dict[str, Any] = {
            name: _unknown_where_different(out, runs[-1][name]) for name, out in runs[0].items()
        }
        self.reset_states()
        self._built((None, *shape[1:]))

    def _output_shapes(self, shape: tuple[int | None, ...], unknown: int) -> dict[str, Any]:
        """Pass one dummy sample of ``shape`` (``None`` sizes as ``unknown``) through the stack, creating
        the weights, and return each layer's output shape."""
        sample = tuple(unknown if d is None else int(d) for d in shape[1:])
        integer = isinstance(self.layers[0], Embedding)  # token ids in, not float features
        dummy = torch.ones((1, *sample), dtype=torch.long if integer else torch.float32)
        shapes: dict[str, Any] = {}
        hooks = [layer.register_forward_hook(_record_shape(shapes, layer.name)) for layer in self._stack()]
        was_training = self.training
        self.eval()
        try:
            with torch.no_grad():
                self.forward(dummy)
        except (RuntimeError, IndexError) as exc:
            raise ShapeError(f"the layers do not fit together for input shape {shape}: {exc}") from exc
        finally:
            for h in hooks:
                h.remove()
            self.train(was_training)
        return shapes

    def forward(self, x: Tensor) -> Tensor:
        mask: Tensor | None = None
        for layer in self._stack():
            y = layer(x, mask=mask)
            mask = layer.compute_mask(x, mask)
            x = y[0] if isinstance(y, list) else y  # return_state: the next layer gets the output
        return x

    # --- streaming ------------------------------------------------------------------------------
    def initial_state(self, batch: int) -> list[tuple[Tensor, ...] | None]:
        """Zero state for ``step``: one entry per layer (None for layers without memory)."""
        self._require_built()
        like = next(self.parameters())
        return [layer.initial_step_state(batch, like) for layer in self._stack()]

    @torch.no_grad()
    def step(self, x_t: Any, state: list[tuple[Tensor, ...] | None]) -> tuple[Tensor, list[tuple[Tensor, ...] | None]]:
        """Run the model on one time step, carrying ``state``: streaming inference.

        Feeding ``x[:, 0], x[:, 1], ...`` one at a time gives, at each step t, what the full-sequence
        call gives at step t (for ``return_sequences`` models) or for ``x[:, :t+1]`` (for the others).

        Args:
            x_t: ``(B, F)`` (or ``(B,)`` token ids); state: from ``initial_state(B)`` or the last ``step``.

        Example::

            state = model.initial_state(batch=1)
            for x_t in stream:
                y_t, state = model.step(x_t, state)
        """
        self._require_built()
        self.eval()
        x = to_tensor("x_t", x_t, min_rank=1).to(self._device())
        stack = self._stack()
        if not isinstance(state, list) or len(state) != len(stack):
            raise ShapeError(
                f"step() needs the state list from initial_state() ({len(stack)} entries), got "
                f"{len(state) if isinstance(state, list) else type(state).__name__}"
            )
        mask: Tensor | None = None
        new_state: list[tuple[Tensor, ...] | None] = []
        for layer, layer_state in zip(stack, state):
            y, layer_state = layer.step(x, layer_state)
            mask = layer.compute_mask(x, mask)
            if mask is not None and not bool(mask.all()):
                raise ConfigError("step() got a padding step (masked); in a stream, skip padding instead of sending it")
            new_state.append(layer_state)
            x = y
        return x, new_state

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "layers": [serialize(layer) for layer in self._stack()]}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Sequential:
        return cls([deserialize(spec) for spec in config.get("layers", [])], name=config.get("name"))


def _record_shape(shapes: dict[str, Any], name: str):  # type: ignore[no-untyped-def]
    """A forward hook that records a layer's output shape (or shapes), batch axis as None."""

    def hook(module: nn.Module, args: Any, output: Any) -> None:
        outs = output if isinstance(output, list) else [output]
        found = [(None, *o.shape[1:]) for o in outs]
        shapes[name] = found[0] if len(found) == 1 else found

    return hook


def _unknown_where_different(first: Any, second: Any) -> Any:
    """One output shape from two dummy runs: None where the two sizes differ (they follow a None input)."""
    if isinstance(first, list):
        return [_unknown_where_different(a, b) for a, b in zip(first, second)]
    return tuple(a if a == b else None for a, b in zip(first, second))
