"""Recurrent cells: each one owns the weights of one time step and nothing else.

The cell contract (what ``rnnkit.nn.unroll`` and ``rnnkit.layers.RNN`` need from any cell, including one
you write)::

    state_size: tuple[int, ...]          sizes of the state tensors, e.g. (H,) or (H, H) for LSTM
    output_size: int                     size of y_t
    forward(x_t, state) -> (y_t, state)  x_t (B, F); state a tuple of (B, state_size[i]) tensors

Built-in cells also accept ``h_mask`` (recurrent dropout) and name a ``fused_mode`` for PyTorch's
whole-sequence kernels. Weights use PyTorch's names, layout and gate order (``weight_ih`` ``(G·H, F)``,
``weight_hh`` ``(G·H, H)``; LSTM ``i,f,g,o``, GRU ``r,z,n``) so they can be copied into ``torch.nn``;
biases follow Keras's count (one bias per gate set; GRU two, its ``reset_after`` form).

Example (a custom cell, plugged into the same loop)::

    >>> import torch
    >>> class Leaky(torch.nn.Module):
    ...     state_size, output_size = (3,), 3
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.w = torch.nn.Linear(2, 3)
    ...     def forward(self, x, state):
    ...         h = 0.5 * state[0] + torch.tanh(self.w(x))
    ...         return h, (h,)
    >>> from rnnkit.nn import unroll
    >>> y, state = unroll(Leaky(), torch.zeros(4, 5, 2))
    >>> tuple(y.shape)
    (4, 5, 3)
"""

from __future__ import annotations

from typing import Any, NamedTuple

import torch
from torch import Tensor, nn

from rnnkit.errors import ConfigError
from rnnkit.native import gate_scan
from rnnkit.nn.functional import (
    gru_step,
    gru_step_reset_before,
    lstm_step,
    min_gru_gates,
    min_lstm_gates,
    simple_rnn_step,
)
from rnnkit.nn.init import InitializerSpec, get_activation, get_initializer, serialize_initializer
from rnnkit.nn.scan import gated_loop, gated_scan, scripted

__all__ = ["LSTMState", "RecurrentCell", "SimpleRNNCell", "LSTMCell", "GRUCell", "MinGRUCell", "MinLSTMCell", "ScanCell"]


class LSTMState(NamedTuple):
    """The LSTM state: hidden ``h`` and cell ``c``, each ``(B, H)``."""

    h: Tensor
    c: Tensor


class _HiddenStateCell(nn.Module):
    """A cell whose state is one ``(B, H)`` tensor, its output too (``hidden_size`` H)."""

    hidden_size: int

    @property
    def state_size(self) -> tuple[int, ...]:
        return (self.hidden_size,)

    @property
    def output_size(self) -> int:
        return self.hidden_size


class RecurrentCell(_HiddenStateCell):
    """Shared weight handling of the built-in cells: ``G`` gate blocks of ``H`` units each."""

    gates: int = 1
    #: PyTorch kernel that runs this cell over a whole sequence, or None.
    fused_mode: str | None = None

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        *,
        kernel_initializer: InitializerSpec = "glorot_uniform",
        recurrent_initializer: InitializerSpec = "orthogonal",
        bias_initializer: InitializerSpec = "zeros",
        recurrent_bias: bool = False,
        use_bias: bool = True,
    ) -> None:
        super().__init__()
        if input_size < 1 or hidden_size < 1:
            raise ConfigError(f"cell sizes must be positive, got input_size={input_size}, hidden_size={hidden_size}")
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.kernel_initializer = kernel_initializer
        self.recurrent_initializer = recurrent_initializer
        self.bias_initializer = bias_initializer
        self.use_bias = use_bias
        gh = self.gates * hidden_size
        self.weight_ih = nn.Parameter(torch.empty(gh, input_size))
        self.weight_hh = nn.Parameter(torch.empty(gh, hidden_size))
        self.bias_ih: Tensor
        self.bias_hh: Tensor
        if use_bias:
            self.bias_ih = nn.Parameter(torch.empty(gh))
        else:  # use_bias=False: the kernels still take a bias, a constant zero
            self.register_buffer("bias_ih", torch.zeros(gh), persistent=False)
        if recurrent_bias and use_bias:
            self.bias_hh = nn.Parameter(torch.empty(gh))
        else:  # PyTorch's kernels want two biases; the second is a constant zero
            self.register_buffer("bias_hh", torch.zeros(gh), persistent=False)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        get_initializer(self.kernel_initializer)(self.weight_ih.data)
        get_initializer(self.recurrent_initializer)(self.weight_hh.data)
        if isinstance(self.bias_ih, nn.Parameter):
            get_initializer(self.bias_initializer)(self.bias_ih.data)
        if isinstance(self.bias_hh, nn.Parameter):
            get_initializer(self.bias_initializer)(self.bias_hh.data)

    def flat_weights(self) -> list[Tensor]:
        """``[w_ih, w_hh, b_ih, b_hh]``, the order PyTorch's RNN kernels take."""
        return [self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh]

    def get_config(self) -> dict[str, Any]:
        return {
            "kernel_initializer": serialize_initializer(self.kernel_initializer),
            "recurrent_initializer": serialize_initializer(self.recurrent_initializer),
            "bias_initializer": serialize_initializer(self.bias_initializer),
            **({} if self.use_bias else {"use_bias": False}),
        }

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}"


class SimpleRNNCell(RecurrentCell):
    """Elman cell: ``h_t = act(W_ih x_t + W_hh h_{t-1} + b)``; ``y_t = h_t``.

    Args:
        input_size: F, features per step.
        hidden_size: H, units.
        activation: ``'tanh'`` (default) or ``'relu'`` run fused; any other name runs unrolled.

    Parameters: ``H·F + H·H + H`` (Keras's count: one bias).
    """

    gates = 1

    def __init__(self, input_size: int, hidden_size: int, activation: str = "tanh", **init: Any) -> None:
        super().__init__(input_size, hidden_size, **init)
        self.activation = activation
        self._act = get_activation(activation)
        self.fused_mode = {"tanh": "rnn_tanh", "relu": "rnn_relu"}.get(activation)

    def forward(
        self, x: Tensor, state: tuple[Tensor, ...], h_mask: Tensor | None = None
    ) -> tuple[Tensor, tuple[Tensor]]:
        (h,) = state
        h_rec = h if h_mask is None else h * h_mask
        h = simple_rnn_step(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self._act, h_rec)
        return h, (h,)

    def get_config(self) -> dict[str, Any]:
        return {"activation": self.activation, **super().get_config()}


class LSTMCell(RecurrentCell):
    """LSTM cell (math in ``rnnkit.nn.functional.lstm_step``); state ``LSTMState(h, c)``, ``y_t = h_t``.

    Args:
        unit_forget_bias: start the forget-gate bias at 1 (Keras default; Jozefowicz et al. 2015).

    Parameters: ``4·(H·F + H·H + H)``.
    """

    gates = 4
    fused_mode = "lstm"

    def __init__(self, input_size: int, hidden_size: int, unit_forget_bias: bool = True, **init: Any) -> None:
        self.unit_forget_bias = unit_forget_bias
        super().__init__(input_size, hidden_size, **init)

    def reset_parameters(self) -> None:
        super().reset_parameters()
        if self.unit_forget_bias and isinstance(self.bias_ih, nn.Parameter):
            with torch.no_grad():
                self.bias_ih[self.hidden_size : 2 * self.hidden_size] = 1.0

    @property
    def state_size(self) -> tuple[int, ...]:
        return (self.hidden_size, self.hidden_size)

    def forward(self, x: Tensor, state: tuple[Tensor, ...], h_mask: Tensor | None = None) -> tuple[Tensor, LSTMState]:
        h, c = state
        h_rec = h if h_mask is None else h * h_mask
        h, c = lstm_step(x, h, c, self.weight_ih, self.weight_hh, self.bias_ih, h_rec)
        return h, LSTMState(h, c)

    def get_config(self) -> dict[str, Any]:
        return {"unit_forget_bias": self.unit_forget_bias, **super().get_config()}


class GRUCell(RecurrentCell):
    """GRU cell, in the reset-after form by default (math in ``rnnkit.nn.functional.gru_step``); ``y_t = h_t``.

    ``reset_after=False``: Keras's other form (``gru_step_reset_before``), one bias vector; no fused
    kernel runs it (PyTorch's and cuDNN's are reset-after), so the loop over time does.

    Parameters: ``3·(H·F + H·H + 2H)`` (two bias vectors, as Keras's default ``reset_after=True``), or
    ``3·(H·F + H·H + H)`` with ``reset_after=False``.
    """

    gates = 3
    fused_mode: str | None = "gru"

    def __init__(self, input_size: int, hidden_size: int, reset_after: bool = True, **init: Any) -> None:
        self.reset_after = reset_after
        if not reset_after:
            self.fused_mode = None
        super().__init__(input_size, hidden_size, recurrent_bias=reset_after, **init)

    def forward(
        self, x: Tensor, state: tuple[Tensor, ...], h_mask: Tensor | None = None
    ) -> tuple[Tensor, tuple[Tensor]]:
        (h,) = state
        h_rec = h if h_mask is None else h * h_mask
        if self.reset_after:
            h = gru_step(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh, h_rec)
        else:
            h = gru_step_reset_before(x, h, self.weight_ih, self.weight_hh, self.bias_ih, h_rec)
        return h, (h,)

    def get_config(self) -> dict[str, Any]:
        return {**({} if self.reset_after else {"reset_after": False}), **super().get_config()}


class ScanCell(_HiddenStateCell):
    """A cell whose gates read the input alone (minGRU, minLSTM): ``h_t = h_{t−1} + u_t ⊙ (v_t − h_{t−1})``
    with ``(u_t, v_t) = gates(W x_t + b)``. One step is ``forward`` (the cell contract, for the one loop
    over time and streaming); a whole sequence is ``sequence``: every step's gates in one matrix product,
    then the linear recurrence in one pass (``rnnkit.native``; elsewhere ``rnnkit.nn.scan``). Tests hold the
    two equal.

    Weights: ``weight_ih`` ``(G·H, F)`` and ``bias_ih`` ``(G·H)``, the gate blocks in the order the gate
    function reads them. Parameters: ``G·(H·F + H)``; no recurrent kernel.

    ``chrono=T`` (Tallec & Ollivier 2018, "Can recurrent neural networks warp time?"): the gate biases start
    so that each unit keeps its state for a time drawn from ``[1, T]`` (log-uniform), instead of forgetting
    half of it every step at zero bias: ``b = −log U(1, T − 1)`` on minGRU's update gate; ``b_f = log U``,
    ``b_i = −b_f`` on minLSTM's gates. For dependencies across about T steps.
    """

    gates = 2
    fused_mode: str | None = None  # no PyTorch kernel: the scan is this cell's whole-sequence path
    native_gates = "min_gru"  # the gate function the native scan computes in its pass (native.GATE_MODES)

    def __init__(self, input_size: int, hidden_size: int, *, kernel_initializer: InitializerSpec = "glorot_uniform",
                 bias_initializer: InitializerSpec = "zeros", chrono: int | None = None) -> None:  # fmt: skip
        super().__init__()
        if input_size < 1 or hidden_size < 1:
            raise ConfigError(f"cell sizes must be positive, got input_size={input_size}, hidden_size={hidden_size}")
        if chrono is not None and (not isinstance(chrono, int) or chrono < 3):
            raise ConfigError(f"chrono is the longest memory in steps, an integer >= 3, got {chrono!r}")
        self.input_size, self.hidden_size, self.chrono = input_size, hidden_size, chrono
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.weight_ih = nn.Parameter(get_initializer(kernel_initializer)(torch.empty(self.gates * hidden_size, input_size)))
        self.bias_ih = nn.Parameter(get_initializer(bias_initializer)(torch.empty(self.gates * hidden_size)))
        if chrono is not None:
            with torch.no_grad():
                self.chrono_bias(torch.log(torch.empty(hidden_size).uniform_(1.0, chrono - 1.0)))

    def chrono_bias(self, log_time: Tensor) -> None:
        """Set the gate biases for memories of ``exp(log_time)`` steps (see ``chrono``)."""
        self.bias_ih[: self.hidden_size] = -log_time  # z: the share of the state replaced each step

    def gate_values(self, pre: Tensor) -> tuple[Tensor, Tensor]:
        raise NotImplementedError

    def forward(self, x: Tensor, state: tuple[Tensor, ...], h_mask: Tensor | None = None) -> tuple[Tensor, tuple[Tensor]]:
        if h_mask is not None:
            raise ConfigError(f"{type(self).__name__} has no recurrent weights: recurrent dropout does not apply")
        (h,) = state
        u, v = self.gate_values(torch.addmm(self.bias_ih, x, self.weight_ih.t()))
        h = h + u * (v - h)
        return h, (h,)

    def sequence(self, x: Tensor, state: tuple[Tensor, ...], mask: Tensor | None = None,
                 go_backwards: bool = False) -> tuple[Tensor, tuple[Tensor]]:  # fmt: skip
        """The whole sequence at once: ``x`` ``(B, T, F)`` → outputs ``(B, T, H)`` in reading order and the
        final state; exactly what stepping the cell gives (``rnnkit.nn.recurrent.unroll``): a masked step
        keeps the state (its gate is 0) and outputs the last real output (zeros before the first)."""
        if go_backwards:
            x = x.flip(1)
            mask = mask.flip(1) if mask is not None else None
        pre = torch.nn.functional.linear(x, self.weight_ih, self.bias_ih)  # (B, T, G·H): every step's gates
        hs = gate_scan(pre, state[0], mask, self.native_gates)  # gates and scan in one native pass
        if hs is None:
            u, v = self.gate_values(pre)  # (B, T, H) each
            if mask is not None:
                u = u * mask.unsqueeze(-1).to(u.dtype)
            hs = gated_scan(u, v, state[0])
        final = hs[:, -1]
        if mask is not None:  # before a row's first real step the loop outputs zeros, not the initial state
            hs = hs * (mask.cumsum(dim=1) > 0).unsqueeze(-1).to(hs.dtype)
        return hs, (final,)

    def export_sequence(self, x: Tensor, state: tuple[Tensor, ...]) -> tuple[Tensor, tuple[Tensor]]:
        """``sequence`` for ONNX and TorchScript export (no mask): the gates in one product, then a scripted
        loop over time (``rnnkit.nn.scan.gated_loop``), which export keeps as a loop of any length."""
        u, v = self.gate_values(torch.nn.functional.linear(x, self.weight_ih, self.bias_ih))
        hs = scripted(gated_loop)(u, v, state[0])
        return hs, (hs[:, -1],)

    def get_config(self) -> dict[str, Any]:
        return {"kernel_initializer": serialize_initializer(self.kernel_initializer),
                "bias_initializer": serialize_initializer(self.bias_initializer),
                **({} if self.chrono is None else {"chrono": self.chrono})}  # fmt: skip

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}"


class MinGRUCell(ScanCell):
    """minGRU (Feng et al. 2024, "Were RNNs All We Needed?"): the GRU with its gates reading the input only
    (math in ``rnnkit.nn.functional.min_gru_gates``). Parameters ``2·(H·F + H)``."""

    gates = 2

    def gate_values(self, pre: Tensor) -> tuple[Tensor, Tensor]:
        return min_gru_gates(pre)


class MinLSTMCell(ScanCell):
    """minLSTM (Feng et al. 2024): forget and input gates from the input only, normalised to sum to 1
    (math in ``rnnkit.nn.functional.min_lstm_gates``). Parameters ``3·(H·F + H)``."""

    gates = 3
    native_gates = "min_lstm"

    def chrono_bias(self, log_time: Tensor) -> None:
        H = self.hidden_size
        self.bias_ih[:H], self.bias_ih[H : 2 * H] = log_time, -log_time  # f' ≈ 1 − 1/T: kept about T steps

    def gate_values(self, pre: Tensor) -> tuple[Tensor, Tensor]:
        return min_lstm_gates(pre)
