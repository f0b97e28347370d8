"""Independent small networks, one per group (a series), trained and run as one batched computation.

Fitting one small model per series is a loop over fits in most toolkits; here the ``S`` models are one
network whose weights carry a leading group axis. Sample ``b`` holds one window of every series:
``(B, S, T, F)``; group ``s`` of every layer sees only column ``s``. A recurrent cell's step is the
built-in cell's own gate math (``rnnkit.nn.functional``) after batched matmuls (``torch.baddbmm``: one
call for all ``S`` groups), and ``unroll`` runs the loop over time as for any cell. Nothing mixes groups, so
the gradient of the summed loss with respect to group ``s`` is that model's own gradient, and Adam (an
elementwise update) trains each group as if it were alone.

Legend: B batch, S groups, T time, F features, H hidden units.

Example:
    >>> import torch
    >>> layer = GroupedRecurrent("gru", units=8, groups=3)
    >>> tuple(layer(torch.zeros(4, 3, 10, 1)).shape)  # (B, S, T, F) → the last state of each group
    (4, 3, 8)
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from rnnkit.errors import ConfigError, ShapeError
from rnnkit.layers.base import Layer, Shape
from rnnkit.native.stack import DensePart, RecurrentPart
from rnnkit.nn.cells import GRUCell, LSTMCell, LSTMState, SimpleRNNCell
from rnnkit.nn.functional import gru_gates, lstm_gates
from rnnkit.nn.init import get_initializer
from rnnkit.nn.recurrent import unroll
from rnnkit.registry import LAYERS

__all__ = ["GroupedCell", "GroupedRecurrent", "GroupedDense"]

CELLS = {"gru": GRUCell, "lstm": LSTMCell, "rnn": SimpleRNNCell}


class GroupedCell(nn.Module):
    """``groups`` independent copies of a built-in cell stepped together (the cell contract): rows
    ``s·B .. (s+1)·B − 1`` of the batch go through copy ``s``. Each copy starts as a freshly initialised
    cell would; their weights are stacked on a new first axis (``weight_ih`` ``(S, G·H, F)``, ...)."""

    def __init__(self, cell: str, groups: int, input_size: int, hidden_size: int) -> None:
        super().__init__()
        if cell not in CELLS:
            raise ConfigError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
        if groups < 1:
            raise ConfigError(f"groups must be a positive integer, got {groups}")
        copies = [CELLS[cell](input_size, hidden_size) for _ in range(groups)]
        self.cell_name, self.groups = cell, groups
        self.weights = nn.ParameterDict(
            {name: nn.Parameter(torch.stack([p.detach() for p in ps])) for name, ps in _named_parameters(copies)}
        )
        self.state_size = copies[0].state_size
        self.output_size = copies[0].output_size
        self.fused_mode = copies[0].fused_mode  # the native kernels' name for the cell
        self._act = copies[0]._act if isinstance(copies[0], SimpleRNNCell) else None

    def forward(self, x_t: Tensor, state: tuple[Tensor, ...]) -> tuple[Tensor, tuple[Tensor, ...]]:
        S = self.groups
        B = x_t.shape[0] // S
        w = self.weights
        x = x_t.reshape(S, B, -1)
        h = state[0].reshape(S, B, -1)
        gi = torch.baddbmm(w["bias_ih"].unsqueeze(1), x, w["weight_ih"].transpose(1, 2))  # (S, B, G·H)
        if self.cell_name == "gru":
            gh = torch.baddbmm(w["bias_hh"].unsqueeze(1), h, w["weight_hh"].transpose(1, 2))
            h = gru_gates(gi, gh, h)
            return h.reshape(S * B, -1), (h.reshape(S * B, -1),)
        gates = torch.baddbmm(gi, h, w["weight_hh"].transpose(1, 2))
        if self.cell_name == "lstm":
            h, c = lstm_gates(gates, state[1].reshape(S, B, -1))
            h, c = h.reshape(S * B, -1), c.reshape(S * B, -1)
            return h, LSTMState(h, c)
        assert self._act is not None
        h = self._act(gates).reshape(S * B, -1)
        return h, (h,)

    def copy_weights(self, group: int) -> dict[str, Tensor]:
        """The weights of one copy, named as the built-in cell names them."""
        return {k: v[group] for k, v in self.weights.items()}


def _named_parameters(cells: list[Any]) -> list[tuple[str, list[Tensor]]]:
    """Each parameter name of the cells with the cells' tensors of that name, in order."""
    return [(name, [dict(c.named_parameters())[name] for c in cells]) for name, _ in cells[0].named_parameters()]


@LAYERS.add
class GroupedRecurrent(Layer):
    """``groups`` independent recurrent layers: ``(B, S, T, F)`` → the last output of each, ``(B, S, H)``."""

    def __init__(self, cell: str, units: int, groups: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if cell not in CELLS:
            raise ConfigError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
        if units < 1 or groups < 1:
            raise ConfigError(f"units and groups must be positive integers, got {units} and {groups}")
        self.cell_name, self.units, self.groups = cell, units, groups

    def build(self, input_shape: Shape) -> None:
        self.cell = GroupedCell(self.cell_name, self.groups, int(input_shape[-1]), self.units)  # type: ignore[arg-type]

    def call(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        if x.dim() != 4 or x.shape[1] != self.groups:
            raise ShapeError(f"{self.name} expects (batch, {self.groups} groups, time, features), got {tuple(x.shape)}")
        B, S, T, F = x.shape
        outputs, _ = unroll(self.cell, x.transpose(0, 1).reshape(S * B, T, F))  # group-major rows
        return outputs[:, -1].reshape(S, B, -1).transpose(0, 1)

    def native_part(self) -> RecurrentPart | None:
        """The groups' cells for the whole-model kernels: weights ``(S, ...)``; a missing ``bias_hh`` is
        given as zeros (the kernels take two biases) and gets no gradient."""
        if type(self) is not GroupedRecurrent or not self.built or self._watched(self.cell):
            return None
        cell = self.cell
        w = cell.weights
        if cell.fused_mode is None or len(w) != (4 if cell.fused_mode == "gru" else 3):
            return None
        b_hh = w["bias_hh"] if "bias_hh" in w else torch.zeros_like(w["bias_ih"])
        weights = [w["weight_ih"], w["weight_hh"], w["bias_ih"], b_hh]
        return RecurrentPart(cell.fused_mode, weights, weights[: len(w)], self.units, False, self.groups)

    def get_config(self) -> dict[str, Any]:
        return {"cell": self.cell_name, "units": self.units, "groups": self.groups, **super().get_config()}


@LAYERS.add
class GroupedDense(Layer):
    """``groups`` independent Dense layers: ``(B, S, F)`` → ``(B, S, units)``, ``y_s = x_s W_sᵀ + b_s``;
    each ``W_s`` initialised as ``Dense`` initialises its kernel (Glorot uniform), biases zero."""

    def __init__(self, units: int, groups: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if units < 1 or groups < 1:
            raise ConfigError(f"units and groups must be positive integers, got {units} and {groups}")
        self.units, self.groups = units, groups

    def build(self, input_shape: Shape) -> None:
        features = int(input_shape[-1])  # type: ignore[arg-type]
        init = get_initializer("glorot_uniform")
        self.weight = nn.Parameter(torch.stack([init(torch.empty(self.units, features)) for _ in range(self.groups)]))
        self.bias = nn.Parameter(torch.zeros(self.groups, self.units))

    def call(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        if x.dim() != 3 or x.shape[1] != self.groups:
            raise ShapeError(f"{self.name} expects (batch, {self.groups} groups, features), got {tuple(x.shape)}")
        return torch.einsum("bsf,suf->bsu", x, self.weight) + self.bias

    def native_part(self) -> DensePart | None:
        if type(self) is not GroupedDense or not self.built or self._watched():
            return None
        return DensePart(None, self.weight, self.bias, self.groups)

    def get_config(self) -> dict[str, Any]:
        return {"units": self.units, "groups": self.groups, **super().get_config()}
