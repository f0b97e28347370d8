"""Recurrent layers with Keras's names and options: RNN (any cell), SimpleRNN, LSTM, GRU, Bidirectional.

A layer is a thin shell: it builds its cell from the first input's feature count, prepares dropout
masks and the initial state, and hands the sequence to ``rnnkit.nn.run_recurrent`` (the one loop, or
the fused kernel that computes the same). Attributes such as ``units`` read through to the cell.

Legend: B batch, T time, F features, H units.

Example (the tutorial's model body)::

    >>> import torch
    >>> rnn = SimpleRNN(32, activation="relu")
    >>> tuple(rnn(torch.zeros(8, 10, 1)).shape), sum(p.numel() for p in rnn.parameters())
    ((8, 32), 1088)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

import numpy as np
import torch
from torch import Tensor, nn

from rnnkit.errors import ConfigError, ShapeError
from rnnkit.layers.base import Layer, Shape
from rnnkit.layers.cells import KerasCell, StackedRNNCells, is_keras_cell
from rnnkit.layers.keras_layout import KerasCellWeights
from rnnkit.layers.serialization import deserialize, serialize
from rnnkit.native.stack import RecurrentPart
from rnnkit.nn.cells import GRUCell, LSTMCell, RecurrentCell, SimpleRNNCell
from rnnkit.nn.init import InitializerSpec, serialize_initializer
from rnnkit.nn.recurrent import Implementation, initial_state, right_padded_lengths, run_recurrent
from rnnkit.registry import LAYERS

__all__ = ["RNN", "SimpleRNN", "LSTM", "GRU", "Bidirectional", "RECURRENT_LAYERS"]


@LAYERS.add
class RNN(Layer):
    """Runs a cell over a sequence: ``(B, T, F)`` → ``(B, H)``, or ``(B, T, H)`` with ``return_sequences``.

    Args:
        cell: a built cell with rnnkit's contract (``forward(x_t, state)``, see ``rnnkit.nn.cells``); or a
            cell written the Keras way (``call(inputs, states)``, ``state_size`` an int or list: Keras's
            ``SimpleRNNCell``/``LSTMCell``/``GRUCell``, a user's own layer), built from the first input;
            or a list of such cells, stacked (``rnnkit.layers.cells``). Subclasses (SimpleRNN, LSTM,
            GRU) build theirs from the input instead. A model with a Keras cell saves and loads when the
            cell's class is registered (``rnnkit.keras.saving.register_keras_serializable``).
        return_sequences: output every step ``(B, T, H)`` instead of the last ``(B, H)``.
        return_state: also return the final state: ``[output, *state]``.
        go_backwards: read the sequence from the end; outputs come in that reading order.
        stateful: the final state of batch k is the initial state of batch k+1 (row i continues row i);
            ``reset_states()`` zeroes it.
        dropout: fraction of input features dropped while training (one mask per sequence).
        recurrent_dropout: fraction of the recurrent state dropped while training (runs unrolled).
        implementation: ``'auto'`` (fused kernel when it computes the same), ``'fused'``, ``'unrolled'``.
        unroll: Keras's ``unroll=True``, the same as ``implementation='unrolled'``.

    Call: ``layer(x, mask=None, initial_state=None)``; ``mask`` ``(B, T)`` is True on real steps.
    """

    def __init__(
        self,
        cell: nn.Module | None = None,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        implementation: Implementation | int = "auto",
        unroll: bool = False,
        zero_output_for_mask: bool = False,
        use_cudnn: str | bool = "auto",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if implementation in (0, 1, 2):  # Keras's LSTM/GRU modes: the same math, rnnkit chooses its kernels
            implementation = "auto"
        if use_cudnn not in ("auto", True, False):
            raise ConfigError(f"use_cudnn must be 'auto', True or False, got {use_cudnn!r}")
        if use_cudnn is True:  # as Keras: the fast kernel or an error saying why not
            implementation = "fused"
        if unroll:
            implementation = "unrolled"
        for arg, rate in (("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
            if not 0.0 <= rate < 1.0:
                raise ConfigError(f"{arg} must be in [0, 1), got {rate}")
        if implementation not in ("auto", "fused", "unrolled"):
            raise ConfigError(f"implementation must be 'auto', 'fused' or 'unrolled', got {implementation!r}")
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.dropout = float(dropout)
        self.recurrent_dropout = float(recurrent_dropout)
        self.implementation: Implementation = cast(Implementation, implementation)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.states: tuple[Tensor, ...] | None = None
        #: set to a list by ``rnnkit.diagnostics`` to collect every step's state (forces the unrolled path)
        self.probe: list[tuple[Tensor, ...]] | None = None
        self.cell: Any  # any module with the cell contract (rnnkit.nn.cells)
        if isinstance(cell, list | tuple):
            cell = StackedRNNCells(list(cell))
        if is_keras_cell(cell):
            cell = KerasCell(cell)  # type: ignore[arg-type]
        if cell is not None:
            self.cell = cell
            self.built = True

    def get_weights(self) -> list[np.ndarray]:
        """The weights in Keras's order and shapes; a Keras cell's are the cell's own (as in Keras)."""
        if isinstance(self.cell, KerasCell):
            return self.cell.cell.get_weights()
        return super().get_weights()

    def set_weights(self, weights: Sequence[np.ndarray]) -> None:
        if isinstance(self.cell, KerasCell):
            self.cell.cell.set_weights(weights)
            return
        super().set_weights(weights)

    def make_cell(self, input_size: int) -> nn.Module:
        raise ConfigError(f"{type(self).__name__} needs a cell: RNN(cell)")

    def build(self, input_shape: Shape) -> None:
        if len(input_shape) != 3:
            raise ShapeError(f"{type(self).__name__} expects input (batch, time, features), got shape {input_shape}")
        self.cell = self.make_cell(int(input_shape[-1]))  # type: ignore[arg-type]

    def reset_state(self, rows: Tensor | Sequence[int] | None = None) -> None:
        """Keras 3's name for ``reset_states``."""
        self.reset_states(rows)

    def reset_states(self, rows: Tensor | Sequence[int] | None = None) -> None:
        """Forget the carried state of a stateful layer: all of it, or only ``rows``.

        Args:
            rows: ``None`` resets every row. A ``(B,)`` bool mask or a list of row indices resets only
                those rows: for batches that pack independent streams, each row starts afresh when its
                stream does, while the others carry on.
        """
        if rows is None or self.states is None:
            self.states = None
            return
        keep = torch.ones(self.states[0].shape[0], dtype=torch.bool, device=self.states[0].device)
        keep[torch.as_tensor(rows, device=keep.device)] = False
        self.states = _like_state(self.states, tuple(s * keep.unsqueeze(1).to(s.dtype) for s in self.states))

    def initial_step_state(self, batch: int, like: Tensor) -> tuple[Tensor, ...]:
        """Zero state for streaming with ``step``."""
        self.maybe_build(like.new_zeros(batch, 1, getattr(self.cell, "input_size", 1)))
        return initial_state(self.cell, batch, like)

    def step(self, x_t: Tensor, state: tuple[Tensor, ...] | None) -> tuple[Tensor, tuple[Tensor, ...] | None]:
        """One time step: ``x_t (B, F)`` → ``(y_t (B, H), state)``, the cell applied once.

        Feeding a sequence step by step gives the outputs of the full-sequence call.
        """
        if self.go_backwards:
            raise ConfigError(f"{self.name!r} reads sequences backwards (go_backwards=True) and cannot stream")
        if x_t.dim() != 2:
            raise ShapeError(
                f"{self.name!r}.step expects one time step (batch, features), got shape {tuple(x_t.shape)}"
            )
        B = x_t.shape[0]
        if state is None:
            state = self.initial_step_state(B, x_t)
        self._check_state(tuple(state), B, "step")
        y, state = self.cell(x_t, tuple(state))
        return y, state

    def forward(  # type: ignore[override]
        self, x: Tensor, mask: Tensor | None = None, initial_state: Any = None
    ) -> Tensor | list[Tensor]:
        return self.run(x, mask, initial_state, self.go_backwards)

    def run(self, x: Tensor, mask: Tensor | None, initial_state: Any, go_backwards: bool) -> Tensor | list[Tensor]:
        """``forward`` with the reading direction given (``Bidirectional`` reverses padded rows itself)."""
        self.maybe_build(x)
        if x.dim() != 3:
            raise ShapeError(f"{self.name!r} expects input (batch, time, features), got shape {tuple(x.shape)}")
        expected = getattr(self.cell, "input_size", x.shape[-1])
        if x.shape[-1] != expected:
            raise ShapeError(f"{self.name!r} was built for {expected} features per step, got {x.shape[-1]}")
        B = x.shape[0]
        state = self._initial_state(B, x, initial_state)
        h_mask = None
        reset = getattr(self.cell, "reset_dropout_mask", None)
        if reset is not None:  # a Keras cell's dropout masks: new ones for each sequence
            reset()
        if self.training and self.dropout > 0:
            x = x * _dropout_mask(x.new_ones(B, 1, x.shape[-1]), self.dropout)  # same mask at every step
        if self.training and self.recurrent_dropout > 0:
            h_mask = _dropout_mask(x.new_ones(B, self.cell.state_size[0]), self.recurrent_dropout)
        outputs, state = run_recurrent(
            self.cell,
            x,
            state,
            mask=mask,
            go_backwards=go_backwards,
            h_mask=h_mask,
            implementation=self.implementation,
            record=self.probe,
        )
        if self.stateful:
            self.states = _like_state(state, tuple(s.detach() for s in state))
        if self.zero_output_for_mask and mask is not None:  # masked steps output zeros, not the last output
            outputs = outputs * (mask.flip(1) if go_backwards else mask).unsqueeze(-1).to(outputs.dtype)
        y = outputs if self.return_sequences else outputs[:, -1]
        return [y, *state] if self.return_state else y

    def _check_state(self, state: tuple[Tensor, ...], batch: int, where: str) -> None:
        """A state handed in by the caller must be one ``(batch, n)`` tensor per entry of ``state_size``."""
        expected = [(batch, n) for n in self.cell.state_size]
        shapes = [tuple(s.shape) for s in state]
        if shapes != expected:
            raise ShapeError(f"{self.name!r} {where}: state must have shapes {expected}, got {shapes}")

    def _initial_state(self, batch: int, x: Tensor, given: Any) -> tuple[Tensor, ...]:
        if given is not None:
            state = tuple(given) if isinstance(given, (list, tuple)) else (given,)
            self._check_state(state, batch, "initial_state")
            return state
        if self.stateful and self.states is not None:
            if self.states[0].shape[0] != batch:
                raise ShapeError(
                    f"stateful {self.name!r} holds state for batch size {self.states[0].shape[0]}, got a batch "
                    f"of {batch}; use one batch size that divides the data, or call reset_states()"
                )
            return self.states
        return initial_state(self.cell, batch, x)

    def compute_mask(self, x: Tensor, mask: Tensor | None = None) -> Tensor | None:
        if mask is not None and self.return_sequences and self.go_backwards:
            return mask.flip(1)
        return mask if self.return_sequences else None

    def get_config(self) -> dict[str, Any]:
        cell = getattr(self, "cell", None)
        keras_cell = {"cell": serialize(cell.cell)} if isinstance(cell, KerasCell) and type(self) is RNN else {}
        return {
            **keras_cell,
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "implementation": self.implementation,
            **({"zero_output_for_mask": True} if self.zero_output_for_mask else {}),
            **super().get_config(),
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        if "cell" in config:
            config = {**config, "cell": deserialize(config["cell"])}
        return cls(**config)


def _like_state(template: tuple[Tensor, ...], values: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
    """``values`` in the tuple type of ``template`` (keeps ``LSTMState``)."""
    return type(template)(*values) if hasattr(template, "_fields") else values


def _dropout_mask(ones: Tensor, rate: float) -> Tensor:
    return torch.bernoulli(ones * (1.0 - rate)) / (1.0 - rate)


class _BuiltinRNN(KerasCellWeights, RNN):
    """SimpleRNN, LSTM and GRU: the cell is built from ``units`` and Keras-named options."""

    cell_class: type[RecurrentCell]
    cell: RecurrentCell
    penalty_slots = {
        "kernel": ("cell.weight_ih",),
        "recurrent": ("cell.weight_hh",),
        "bias": ("cell.bias_ih", "cell.bias_hh"),
    }

    def __init__(
        self,
        units: int,
        kernel_initializer: InitializerSpec = "glorot_uniform",
        recurrent_initializer: InitializerSpec = "orthogonal",
        bias_initializer: InitializerSpec = "zeros",
        use_bias: bool = True,
        unroll: bool = False,
        **kwargs: Any,
    ) -> None:
        if not isinstance(units, int) or units < 1:
            raise ConfigError(f"{type(self).__name__}(units) must be a positive integer, got {units!r}")
        super().__init__(unroll=unroll, **kwargs)
        self.units = units
        self.use_bias = bool(use_bias)
        self.cell_options: dict[str, Any] = {
            "kernel_initializer": kernel_initializer,
            "recurrent_initializer": recurrent_initializer,
            "bias_initializer": bias_initializer,
            **({} if self.use_bias else {"use_bias": False}),
        }

    def make_cell(self, input_size: int) -> RecurrentCell:
        return self.cell_class(input_size, self.units, **self.cell_options)

    def get_config(self) -> dict[str, Any]:
        options = {
            k: serialize_initializer(v) if k.endswith("_initializer") else v for k, v in self.cell_options.items()
        }
        return {"units": self.units, **options, **super().get_config()}

    def native_part(self) -> RecurrentPart | None:
        """This layer for the whole-model kernels: built, with a cell they run (SimpleRNN with tanh or
        relu, LSTM, GRU) and none of the options they do not (the state returned or carried, reading
        backwards, dropout, the unrolled loop, a diagnostics probe, hooks)."""
        if type(self) not in (SimpleRNN, LSTM, GRU) or not self.built:  # a subclass may compute something else
            return None
        mode = self.cell.fused_mode
        if (
            mode is None
            or self.return_state
            or self.go_backwards
            or self.stateful
            or self.dropout
            or self.recurrent_dropout
            or self.implementation == "unrolled"
            or self.probe is not None
            or self._watched(self.cell)
        ):
            return None
        weights = self.cell.flat_weights()
        params: list[Tensor] = [w for w in weights if isinstance(w, nn.Parameter)]  # a bias_hh of zeros is a buffer
        if len(params) != (4 if mode == "gru" else 3):  # use_bias=False: the kernels' gradients would not line up
            return None
        return RecurrentPart(mode, weights, params, self.units, self.return_sequences)


def _require_default(layer: Layer, arg: str, value: Any, default: Any) -> None:
    """Keras options rnnkit accepts only at their default value fail loudly, never silently."""
    if value != default:
        raise ConfigError(
            f"{type(layer).__name__}({arg}={value!r}) is not supported; rnnkit implements {arg}={default!r} "
            "(Keras's default)"
        )


@LAYERS.add
class SimpleRNN(_BuiltinRNN):
    """Fully-connected RNN: ``h_t = act(W_ih x_t + W_hh h_{t-1} + b)``.

    Args:
        units: H.
        activation: ``'tanh'`` (default) or ``'relu'`` (fused); other names run unrolled.
        **kwargs: the options of ``RNN``.

    Shapes: ``(B, T, F)`` → ``(B, H)`` or ``(B, T, H)``. Parameters: ``H·F + H·H + H``.
    """

    cell_class = SimpleRNNCell

    def __init__(self, units: int, activation: str = "tanh", **kwargs: Any) -> None:
        super().__init__(units, **kwargs)
        self.activation = activation
        self.cell_options["activation"] = activation


@LAYERS.add
class LSTM(_BuiltinRNN):
    """Long short-term memory layer (equations in ``rnnkit.nn.functional.lstm_step``).

    Args:
        units: H. unit_forget_bias: forget-gate bias starts at 1 (Keras default).

    Returns with ``return_state``: ``[output, h, c]``. Parameters: ``4·(H·F + H·H + H)``.
    """

    cell_class = LSTMCell

    def __init__(
        self,
        units: int,
        unit_forget_bias: bool = True,
        activation: str = "tanh",
        recurrent_activation: str = "sigmoid",
        **kwargs: Any,
    ) -> None:
        _require_default(self, "activation", activation, "tanh")
        _require_default(self, "recurrent_activation", recurrent_activation, "sigmoid")
        super().__init__(units, **kwargs)
        self.cell_options["unit_forget_bias"] = unit_forget_bias


@LAYERS.add
class GRU(_BuiltinRNN):
    """Gated recurrent unit, reset-after form (Keras's default; equations in ``functional.gru_step``).

    Parameters: ``3·(H·F + H·H + 2H)``. ``get_weights()`` returns Keras's ``[kernel (F, 3H),
    recurrent_kernel (H, 3H), bias (2, 3H)]`` with Keras's gate order ``z, r, h``.
    """

    cell_class = GRUCell

    def __init__(
        self,
        units: int,
        activation: str = "tanh",
        recurrent_activation: str = "sigmoid",
        reset_after: bool = True,
        **kwargs: Any,
    ) -> None:
        _require_default(self, "activation", activation, "tanh")
        _require_default(self, "recurrent_activation", recurrent_activation, "sigmoid")
        super().__init__(units, **kwargs)
        self.reset_after = bool(reset_after)
        if not self.reset_after:
            self.cell_options["reset_after"] = False


def _output_and_states(result: Tensor | list[Tensor]) -> tuple[Tensor, list[Tensor]]:
    """Split a recurrent layer's result into its output and its (possibly empty) final state list."""
    return (result[0], result[1:]) if isinstance(result, list) else (result, [])


def _reverse_within_lengths(lengths: Tensor, steps: int) -> Tensor:
    """Index ``(B, T)`` that reverses the first ``lengths[b]`` steps of each row and keeps the rest."""
    t = torch.arange(steps).unsqueeze(0)  # (1, T)
    L = lengths.unsqueeze(1)  # (B, 1)
    return torch.where(t < L, L - 1 - t, t)


def _take_steps(x: Tensor, order: Tensor) -> Tensor:
    """``x[b, order[b, t]]`` for ``x`` of shape ``(B, T, ...)``."""
    index = order.reshape(*order.shape, *([1] * (x.dim() - 2))).expand(*order.shape, *x.shape[2:])
    return x.gather(1, index)


_MERGE = {
    "concat": lambda a, b: torch.cat([a, b], dim=-1),
    "sum": lambda a, b: a + b,
    "ave": lambda a, b: (a + b) / 2,
    "mul": lambda a, b: a * b,
}


@LAYERS.add
class Bidirectional(Layer):
    """Runs ``layer`` forwards and a copy of it backwards over the sequence and merges the two.

    With ``return_sequences`` the backward outputs are put back in input order, so step t merges what
    the forward pass saw up to t with what the backward pass saw from the end down to t.

    Args:
        layer: a recurrent layer (its config is copied for the backward direction).
        merge_mode: ``'concat'`` (default, 2H features), ``'sum'``, ``'ave'``, ``'mul'``.
    """

    forward_layer: RNN
    backward_layer: RNN

    def __init__(self, layer: RNN, merge_mode: str | None = "concat", backward_layer: RNN | None = None,
                 **kwargs: Any) -> None:  # fmt: skip
        if merge_mode is not None and merge_mode not in _MERGE:
            raise ConfigError(f"merge_mode must be one of {sorted(_MERGE)} or None, got {merge_mode!r}")
        if not isinstance(layer, RNN):
            raise ConfigError(f"Bidirectional wraps a recurrent layer, got {type(layer).__name__}")
        kwargs.setdefault("input_shape", layer.input_shape_hint)
        super().__init__(**kwargs)
        self.merge_mode = merge_mode
        self.forward_layer = layer
        self.given_backward = backward_layer is not None  # saved with the model (else rebuilt from the forward)
        if backward_layer is None:
            config = {**layer.get_config(), "go_backwards": not layer.go_backwards, "name": "backward_" + layer.name}
            config.pop("input_shape", None)
            backward_layer = cast(RNN, type(layer).from_config(config))
        elif not isinstance(backward_layer, RNN) or backward_layer.go_backwards == layer.go_backwards or (
            backward_layer.return_sequences != layer.return_sequences or backward_layer.return_state != layer.return_state
        ):
            raise ConfigError(
                "backward_layer must be a recurrent layer reading the other way (go_backwards=not the forward "
                "layer's) with the same return_sequences and return_state"
            )
        else:
            backward_layer.name = "backward_" + backward_layer.name
        self.backward_layer = backward_layer
        layer.name = "forward_" + layer.name
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state

    def forward(self, x: Tensor, mask: Tensor | None = None, initial_state: Any = None) -> Any:  # type: ignore[override]
        self.built = True
        fw_init = bw_init = None
        if initial_state is not None:
            half = len(initial_state) // 2
            fw_init, bw_init = initial_state[:half], initial_state[half:]
        fw = self.forward_layer(x, mask=mask, initial_state=fw_init)
        lengths = right_padded_lengths(mask) if mask is not None else None
        order: Tensor | None = None
        if lengths is not None and self.backward_layer.go_backwards and bool((lengths > 0).all()):
            # reverse each row's real steps in place: the padding stays at the end, so the fused kernel runs
            order = _reverse_within_lengths(lengths, x.shape[1]).to(x.device)  # (B, T)
            bw = self.backward_layer.run(_take_steps(x, order), mask, bw_init, go_backwards=False)
        else:
            bw = self.backward_layer(x, mask=mask, initial_state=bw_init)
        fw_y, fw_states = _output_and_states(fw)
        bw_y, bw_states = _output_and_states(bw)
        if self.return_sequences:  # back to input order (the per-row reversal is its own inverse)
            bw_y = bw_y.flip(1) if order is None else _take_steps(bw_y, order)
            if mask is not None:  # padded steps output zeros in both directions
                keep = mask.unsqueeze(-1).to(fw_y.dtype)
                fw_y, bw_y = fw_y * keep, bw_y * keep
        outputs = [_MERGE[self.merge_mode](fw_y, bw_y)] if self.merge_mode is not None else [fw_y, bw_y]
        if self.return_state:
            return [*outputs, *fw_states, *bw_states]
        return outputs[0] if self.merge_mode is not None else outputs

    def compute_mask(self, x: Tensor, mask: Tensor | None = None) -> Tensor | None:
        return mask if self.return_sequences and self.merge_mode is not None else None

    def reset_states(self, rows: Tensor | Sequence[int] | None = None) -> None:
        self.forward_layer.reset_states(rows)
        self.backward_layer.reset_states(rows)

    def step(self, x_t: Tensor, state: tuple[Tensor, ...] | None) -> tuple[Tensor, tuple[Tensor, ...] | None]:
        raise ConfigError(
            "Bidirectional layers need the whole sequence (the backward pass starts at its end); they cannot stream"
        )

    def get_weights(self) -> list[np.ndarray]:
        return [*self.forward_layer.get_weights(), *self.backward_layer.get_weights()]

    def set_weights(self, weights: Any) -> None:
        half = len(weights) // 2
        self.forward_layer.set_weights(weights[:half])
        self.backward_layer.set_weights(weights[half:])

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        layer_config = serialize(self.forward_layer)
        layer_config["config"]["name"] = self.forward_layer.name.removeprefix("forward_")
        backward: dict[str, Any] = {}
        if self.given_backward:
            backward = {"backward_layer": serialize(self.backward_layer)}
            backward["backward_layer"]["config"]["name"] = self.backward_layer.name.removeprefix("backward_")
        return {"layer": layer_config, "merge_mode": self.merge_mode, **backward, **config}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        backward = {"backward_layer": deserialize(config["backward_layer"])} if "backward_layer" in config else {}
        return cls(**{**config, "layer": deserialize(config["layer"]), **backward})


#: The built-in recurrent layers by the names tasks and builders accept (``cell='lstm'``).
RECURRENT_LAYERS: dict[str, Callable[..., RNN]] = {"lstm": LSTM, "gru": GRU, "rnn": SimpleRNN}
