"""Recurrent layers that train in parallel over time: ``MinGRU`` and ``MinLSTM`` (Feng et al. 2024, "Were
RNNs All We Needed?") and ``LRU`` (Orvieto et al. 2023; its own module ``rnnkit.nn.lru``).

Their gates read the input alone, so the recurrence is linear in the state,
``h_t = h_{t−1} + u_t ⊙ (v_t − h_{t−1})``: the gates of every step come from one matrix product over the
whole sequence, then one pass of a scan (``rnnkit.nn.scan.gated_scan``; its backward a reverse scan) gives
all the states. No step waits on a matrix product of the step before, which is what makes an LSTM's BPTT
slow on long sequences. The cells (``rnnkit.nn.cells.MinGRUCell``, ``MinLSTMCell``) also step one time
step at a time, for streaming (``model.step``); tests hold the two paths equal.

The options are those of the other recurrent layers (``RNN``): ``return_sequences``, ``return_state``,
``go_backwards``, ``stateful``, ``dropout`` on the inputs, masks (padding changes nothing),
``Bidirectional``. There is no ``recurrent_dropout``: there are no recurrent weights. ``chrono=T`` starts
the gate biases for memories of up to T steps (``rnnkit.nn.cells.ScanCell``). ``get_weights()``
gives Keras-style ``[kernel (F, G·H), bias (G·H,)]``, gate blocks z, h̃ (MinGRU) or f, i, h̃ (MinLSTM).

Example:
    >>> import torch
    >>> layer = MinGRU(8, return_sequences=True)
    >>> tuple(layer(torch.zeros(2, 100, 3)).shape), sum(p.numel() for p in layer.parameters())
    ((2, 100, 8), 64)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from rnnkit.errors import ConfigError
from rnnkit.layers.base import kernel_and_bias, transpose
from rnnkit.layers.recurrent import RECURRENT_LAYERS, RNN
from rnnkit.nn.cells import MinGRUCell, MinLSTMCell, ScanCell
from rnnkit.nn.init import InitializerSpec, serialize_initializer
from rnnkit.nn.lru import LRUCell
from rnnkit.registry import LAYERS

__all__ = ["CELL_LAYERS", "LRU", "MinGRU", "MinLSTM"]


class _ScanRNN(RNN):
    """A recurrent layer over a ``ScanCell``, built from the input's feature count."""

    cell_class: type[ScanCell]
    cell: ScanCell
    penalty_slots = {"kernel": ("cell.weight_ih",), "bias": ("cell.bias_ih",)}

    def __init__(self, units: int, kernel_initializer: InitializerSpec = "glorot_uniform",
                 bias_initializer: InitializerSpec = "zeros", chrono: int | None = None, **kwargs: Any) -> None:  # fmt: skip
        if not isinstance(units, int) or units < 1:
            raise ConfigError(f"{type(self).__name__}(units) must be a positive integer, got {units!r}")
        if kwargs.get("recurrent_dropout"):
            raise ConfigError(f"{type(self).__name__} has no recurrent weights: recurrent_dropout does not apply")
        super().__init__(**kwargs)
        self.units = units
        self.cell_options: dict[str, Any] = {"kernel_initializer": kernel_initializer, "bias_initializer": bias_initializer}
        self.chrono = chrono

    def make_cell(self, input_size: int) -> ScanCell:
        return self.cell_class(input_size, self.units, chrono=self.chrono, **self.cell_options)

    def keras_weights(self):  # type: ignore[no-untyped-def]
        return kernel_and_bias(self.cell.weight_ih, self.cell.bias_ih, transpose)

    def get_config(self) -> dict[str, Any]:
        options = {k: serialize_initializer(v) for k, v in self.cell_options.items()}
        chrono = {} if self.chrono is None else {"chrono": self.chrono}
        return {"units": self.units, **options, **chrono, **super().get_config()}


@LAYERS.add
class MinGRU(_ScanRNN):
    """minGRU: ``z = σ(W_z x + b_z)``, ``h̃ = W_h x + b_h``, ``h_t = (1 − z) ⊙ h_{t−1} + z ⊙ h̃``.
    Parameters: ``2·(H·F + H)``."""

    cell_class = MinGRUCell


@LAYERS.add
class MinLSTM(_ScanRNN):
    """minLSTM: ``f, i = σ(W_f x + b_f), σ(W_i x + b_i)``, normalised to ``f' = f / (f + i)``, ``i' = 1 − f'``;
    ``h̃ = W_h x + b_h``; ``h_t = f' ⊙ h_{t−1} + i' ⊙ h̃``. Parameters: ``3·(H·F + H)``."""

    cell_class = MinLSTMCell


@LAYERS.add
class LRU(RNN):
    """The Linear Recurrent Unit (Orvieto et al. 2023): a diagonal complex recurrence
    ``x_t = λ ⊙ x_{t−1} + γ ⊙ (B u_t)``, real outputs ``y_t = Re(C x_t) + D u_t`` (math, parameterisation
    and the chunked scan in ``rnnkit.nn.lru``).

    Args:
        units: H outputs. state_size: N complex state channels (default H). r_min, r_max: the ring the
            eigenvalues start on. max_phase: their largest starting phase.

    The state is two ``(B, N)`` tensors (real and imaginary parts): ``return_state`` gives
    ``[output, re, im]``. Parameters: ``3N + 2N·F + 2H·N + H·F``.
    """

    cell: LRUCell

    def __init__(self, units: int, state_size: int | None = None, r_min: float = 0.9, r_max: float = 0.999,
                 max_phase: float = 2 * math.pi, **kwargs: Any) -> None:  # fmt: skip
        if not isinstance(units, int) or units < 1:
            raise ConfigError(f"LRU(units) must be a positive integer, got {units!r}")
        if kwargs.get("recurrent_dropout"):
            raise ConfigError("LRU's recurrence has no weights to drop: recurrent_dropout does not apply")
        super().__init__(**kwargs)
        self.units = units
        self.cell_options: dict[str, Any] = {"state_size": state_size, "r_min": r_min, "r_max": r_max,
                                             "max_phase": max_phase}  # fmt: skip

    def make_cell(self, input_size: int) -> LRUCell:
        return LRUCell(input_size, self.units, **self.cell_options)

    def get_config(self) -> dict[str, Any]:
        return {"units": self.units, **self.cell_options, **super().get_config()}


#: every recurrent layer by the name the tasks and the shape builders take (``cell='mingru'``): the classic
#: ones (``RECURRENT_LAYERS``) and the parallel ones
CELL_LAYERS: dict[str, Callable[..., RNN]] = {
    **RECURRENT_LAYERS, "mingru": MinGRU, "minlstm": MinLSTM, "lru": LRU,
}  # fmt: skip
