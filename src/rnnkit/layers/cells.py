"""Keras's cell API: cells as layers, stacked cells, and any cell written the Keras way.

A Keras cell is a layer that knows one time step: ``call(inputs, states, training=None) -> (output,
new_states)``, with ``state_size`` an int (one state) or a list, and weights built from the first input
(``build((batch, features))``). ``SimpleRNNCell``, ``LSTMCell`` and ``GRUCell`` here are such layers over
rnnkit's own cells (``rnnkit.nn.cells``: the same math, weights and gate order), with Keras's
``dropout`` and ``recurrent_dropout`` (one mask per sequence, drawn at its first step, as Keras does).
``StackedRNNCells`` runs cells one after another at every step.

``RNN(cell)`` (``rnnkit.layers.RNN``) takes any of them, a list of them (stacked), or a user's own cell
written the Keras way; ``KerasCell`` adapts such a cell to the one loop over time (``rnnkit.nn.recurrent``),
whose contract is ``cell(x_t, state) -> (y_t, state)`` with ``state_size`` a tuple.

Legend: B batch, F features, H units.

Example:
    >>> import torch
    >>> from rnnkit.layers import RNN
    >>> layer = RNN([LSTMCell(8), GRUCell(4)], return_sequences=True)
    >>> tuple(layer(torch.zeros(2, 5, 3)).shape)
    (2, 5, 4)
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import torch
from torch import Tensor, nn

from rnnkit.errors import ConfigError, ShapeError
from rnnkit.layers.base import Layer, Shape
from rnnkit.layers.keras_layout import KerasCellWeights
from rnnkit.layers.serialization import deserialize, serialize
from rnnkit.nn import cells as nn_cells
from rnnkit.nn.cells import LSTMState
from rnnkit.nn.init import InitializerSpec, serialize_initializer
from rnnkit.registry import LAYERS

__all__ = ["GRUCell", "KerasCell", "LSTMCell", "SimpleRNNCell", "StackedRNNCells", "is_keras_cell"]


def _sizes(state_size: Any) -> list[int]:
    """A Keras ``state_size`` (an int, or a possibly nested list of ints) as a flat list."""
    if isinstance(state_size, int):
        return [state_size]
    return [n for part in state_size for n in _sizes(part)]


def is_keras_cell(cell: Any) -> bool:
    """Whether ``cell`` follows Keras's contract (``call(inputs, states)``; ``state_size`` an int or list)
    rather than rnnkit's (``forward(x_t, state)``; ``state_size`` a tuple)."""
    return isinstance(cell, Layer) and isinstance(getattr(cell, "state_size", None), int | list)


class _BuiltinCell(KerasCellWeights):
    """A Keras cell layer over one of rnnkit's cells (``nn_cell``), built from the first input."""

    nn_cell: type[nn_cells.RecurrentCell]

    def __init__(
        self,
        units: int,
        kernel_initializer: InitializerSpec = "glorot_uniform",
        recurrent_initializer: InitializerSpec = "orthogonal",
        bias_initializer: InitializerSpec = "zeros",
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        **kwargs: Any,
    ) -> None:
        options = {k: kwargs.pop(k) for k in list(kwargs) if k in self.cell_options}
        super().__init__(**kwargs)
        if not isinstance(units, int) or units < 1:
            raise ConfigError(f"{type(self).__name__}(units) must be a positive integer, got {units!r}")
        for arg, rate in (("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
            if not 0.0 <= rate < 1.0:
                raise ConfigError(f"{arg} must be in [0, 1), got {rate}")
        self.units, self.dropout, self.recurrent_dropout = units, float(dropout), float(recurrent_dropout)
        self.initializers = {"kernel_initializer": kernel_initializer, "recurrent_initializer": recurrent_initializer,
                             "bias_initializer": bias_initializer}  # fmt: skip
        self.options = options
        self.output_size = units
        self._masks: tuple[Tensor | None, Tensor | None] | None = None

    cell_options: tuple[str, ...] = ()

    @property
    def state_size(self) -> int | list[int]:
        return self.units

    def build(self, input_shape: Shape) -> None:
        self.cell = self.nn_cell(int(input_shape[-1]), self.units, **self.options, **self.initializers)  # type: ignore[arg-type]

    def reset_dropout_mask(self) -> None:
        """Forget the dropout masks: the next step (a new sequence) draws new ones."""
        self._masks = None

    def call(self, inputs: Tensor, states: Any = None, training: bool | None = None) -> tuple[Tensor, Any]:  # type: ignore[override]
        if inputs.dim() != 2:
            raise ShapeError(f"{self.name!r} takes one time step (batch, features), got shape {tuple(inputs.shape)}")
        listed = isinstance(states, list | tuple)
        state = tuple(states) if listed else (states,)
        if isinstance(self.cell, nn_cells.LSTMCell):
            state = LSTMState(*state)
        drop = self.training if training is None else training
        x_mask, h_mask = self._dropout_masks(inputs, drop)
        if x_mask is not None:
            inputs = inputs * x_mask
        y, new = self.cell(inputs, state, h_mask=h_mask)
        new_states = list(new)
        return y, (new_states if listed or len(new_states) > 1 else new_states[0])

    def _dropout_masks(self, x: Tensor, training: bool) -> tuple[Tensor | None, Tensor | None]:
        if not training or not (self.dropout or self.recurrent_dropout):
            return None, None
        if self._masks is None or self._masks[0] is not None and self._masks[0].shape != x.shape:
            keep_x, keep_h = 1.0 - self.dropout, 1.0 - self.recurrent_dropout
            self._masks = (
                torch.bernoulli(x.new_full(x.shape, keep_x)) / keep_x if self.dropout else None,
                torch.bernoulli(x.new_full((len(x), self.units), keep_h)) / keep_h if self.recurrent_dropout else None,
            )
        return self._masks

    def get_config(self) -> dict[str, Any]:
        return {
            "units": self.units,
            **{k: serialize_initializer(v) for k, v in self.initializers.items()},
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            **self.options,
            **super().get_config(),
        }


@LAYERS.add
class SimpleRNNCell(_BuiltinCell):
    """Keras's ``SimpleRNNCell``: ``h_t = act(W x_t + U h_{t−1} + b)``, one state."""

    nn_cell = nn_cells.SimpleRNNCell
    cell_options = ("activation", "use_bias")


@LAYERS.add
class GRUCell(_BuiltinCell):
    """Keras's ``GRUCell`` (``reset_after=True`` by default, or ``False``): one state."""

    nn_cell = nn_cells.GRUCell
    cell_options = ("use_bias", "reset_after")


@LAYERS.add
class LSTMCell(_BuiltinCell):
    """Keras's ``LSTMCell``: two states, ``[h, c]`` (forget-gate bias 1 with ``unit_forget_bias``)."""

    nn_cell = nn_cells.LSTMCell
    cell_options = ("unit_forget_bias", "use_bias")

    @property
    def state_size(self) -> list[int]:
        return [self.units, self.units]


@LAYERS.add
class StackedRNNCells(Layer):
    """Cells run one after another at every step: cell k reads cell k−1's output; the state is every
    cell's states in order (Keras's ``StackedRNNCells``; ``RNN([cell, cell])`` makes one)."""

    def __init__(self, cells: list[Layer], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not cells or not all(is_keras_cell(c) for c in cells):
            raise ConfigError("StackedRNNCells takes a non-empty list of cells (each with call(inputs, states))")
        self.cells = nn.ModuleList(cells)
        self.output_size = getattr(cells[-1], "output_size", _sizes(cells[-1].state_size)[0])

    @property
    def state_size(self) -> list[Any]:
        return [cell.state_size for cell in self.cells]

    def get_weights(self) -> list[np.ndarray]:
        """Every cell's weights, in order."""
        return [w for cell in self.cells for w in cast(Layer, cell).get_weights()]

    def set_weights(self, weights: Sequence[np.ndarray]) -> None:
        weights = list(weights)
        for cell in self.cells:
            n = len(cast(Layer, cell).get_weights())
            cast(Layer, cell).set_weights(weights[:n])
            weights = weights[n:]
        if weights:
            raise ShapeError(f"{self.name!r}: {len(weights)} weight arrays more than its cells take")

    def reset_dropout_mask(self) -> None:
        for cell in self.cells:
            reset = getattr(cell, "reset_dropout_mask", None)
            if reset is not None:
                reset()

    def call(self, inputs: Tensor, states: Any = None, training: bool | None = None) -> tuple[Tensor, list[Any]]:  # type: ignore[override]
        flat = list(states)
        new_states: list[Any] = []
        for cell in self.cells:
            n = len(_sizes(cell.state_size))
            mine, flat = flat[:n], flat[n:]
            inputs, new = KerasCell.step(cast(Layer, cell), inputs, mine, training)
            new_states += new
        return inputs, new_states

    def get_config(self) -> dict[str, Any]:
        return {"cells": [serialize(cast(Layer, cell)) for cell in self.cells], **super().get_config()}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        return cls(**{**config, "cells": [deserialize(spec) for spec in config["cells"]]})


class KerasCell(nn.Module):
    """A cell written the Keras way, with rnnkit's cell contract: ``state_size`` a tuple,
    ``forward(x_t, state) -> (y_t, state)`` with the state a tuple (flat, for stacked cells)."""

    def __init__(self, cell: Layer) -> None:
        super().__init__()
        self.cell = cell
        self.state_size = tuple(_sizes(cell.state_size))
        self.output_size = getattr(cell, "output_size", self.state_size[0])

    @staticmethod
    def step(cell: Layer, x_t: Tensor, states: list[Tensor], training: bool | None) -> tuple[Tensor, list[Tensor]]:
        """One step of a Keras cell: built on its first input, given its states as a list (as Keras 3
        gives them) and ``training`` when its ``call`` takes it; its new states as a flat list."""
        cell.maybe_build(x_t)
        kwargs = {}
        if "training" in inspect.signature(cell.call).parameters:
            kwargs["training"] = cell.training if training is None else training
        y, new = cell.call(x_t, states, **kwargs)  # type: ignore[arg-type]  # a Keras cell's call(inputs, states)
        return y, list(new) if isinstance(new, list | tuple) else [new]

    def reset_dropout_mask(self) -> None:
        reset = getattr(self.cell, "reset_dropout_mask", None)
        if reset is not None:
            reset()

    def forward(self, x_t: Tensor, state: tuple[Tensor, ...], h_mask: Tensor | None = None) -> tuple[Tensor, tuple[Tensor, ...]]:
        if h_mask is not None:
            raise ConfigError("a Keras cell applies its own recurrent_dropout: give it to the cell, not the RNN layer")
        y, new = self.step(self.cell, x_t, list(state), None)
        return y, tuple(new)

