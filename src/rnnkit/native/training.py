"""A whole training step's gradients, or a whole prediction, in one native call, for the models whose
graph is known.

A Sequential model of recurrent layers (SimpleRNN with tanh or relu, LSTM, GRU; each but the last
returning its sequences) topped by Dense layers, trained on a mean squared or absolute error, is the
tutorial's model and that of most small forecasters. For it, ``stack_gradients`` (``sequential.cpp``)
runs the forward pass, the loss and backpropagation through time of every layer in C++, and the
gradients land in each parameter's ``.grad`` as ``loss.backward()`` would put them. The rest of the
training loop (the finite-loss check, clipping, the optimizer, callbacks) is unchanged.

Any model, loss or setting outside that list (masks, dropout, stateful layers, diagnostics probes,
hooks, other losses, mixed precision, GPU tensors) trains through autograd as before, and so does a
batch whose shapes or dtypes do not fit. Tests hold the loss and every gradient equal to autograd's.
``predict`` uses the forward pass alone (``stack_predict``) the same way.

With Adam and nothing to do between two batches (no clipping, metrics or per-batch callbacks), a whole
epoch of such a model runs as one native call (``adam_pass``, an ``AdamPass`` here): each batch's
gradients, then its Adam update, with no Python in between; the same steps in the same order.

Example::

    >>> from rnnkit.models import Sequential
    >>> from rnnkit.layers import Dense, SimpleRNN
    >>> from rnnkit.losses import get_loss
    >>> model = Sequential([SimpleRNN(8, input_shape=(5, 1)), Dense(1)])
    >>> model.build((None, 5, 1))
    >>> step = fused_backprop(model, get_loss("mse"))  # None when the kernels are not built
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor, nn

from rnnkit.native import MAX_UNITS, kernels

__all__ = ["AdamPass", "FusedBackprop", "NativeStack", "adam_pass", "fused_backprop", "fused_predict", "native_stack"]

_CELLS = {"rnn_tanh": 0, "rnn_relu": 1, "lstm": 2, "gru": 3}
_ACTIVATIONS = {None: 0, "linear": 0, "relu": 1, "tanh": 2, "sigmoid": 3}


class NativeStack:
    """A model's graph as the native kernels take it: the cells' modes and weights, the Dense layers'
    activations and weights (views of the model's own, so updates show through). ``groups`` > 0 for the
    independent groups of ``rnnkit.layers.grouped``, whose weights carry a leading group axis."""

    def __init__(self, params: list[Tensor], modes: list[int], cells: list[Tensor], activations: list[int],
                 dense: list[Tensor], groups: int = 0) -> None:  # fmt: skip
        self.args = (modes, [t.detach() for t in cells], activations, [t.detach() for t in dense])
        self.params = params  # the model's, in the order of the kernels' gradients
        self.groups = groups
        self.dtype = cells[0].dtype
        self.features = cells[0].shape[-1]
        self.outputs = dense[-2].shape[-2]
        #: a batch's target shape after its batch axis: ``(O,)``, or ``(S, O)`` for groups
        self.target_tail = (groups, self.outputs) if groups else (self.outputs,)
        k = kernels()
        assert k is not None
        self.gradients = k.grouped_stack_gradients if groups else k.stack_gradients
        self.predict = k.grouped_stack_predict if groups else k.stack_predict

    def takes(self, x: Tensor) -> bool:
        """Whether ``x`` is input the kernels run: ``(B, T, F)`` CPU data of the model's dtype, or
        ``(B, S, T, F)`` for groups."""
        return (
            x.dim() == (4 if self.groups else 3)
            and (not self.groups or x.shape[1] == self.groups)
            and x.shape[-2] > 0
            and x.shape[-1] == self.features
            and x.dtype == self.dtype
            and x.device.type == "cpu"
        )

    def takes_targets(self, y: Tensor) -> bool:
        """Whether ``y`` fits ``(B, *target_tail)``, its last axis left out when there is one output."""
        tail = tuple(y.shape[1:])
        return tail == self.target_tail or (self.outputs == 1 and tail == self.target_tail[:-1])

    def targets(self, y: Tensor) -> Tensor:
        """``y`` as the kernels read it, ``(B, *target_tail)`` (a view; ``y`` passed ``takes_targets``)."""
        return y.view(y.shape[0], *self.target_tail)


class FusedBackprop:
    """``(x, y) -> (loss, prediction)`` that also sets every parameter's ``.grad``, like
    ``loss = loss_fn(y, model(x)); loss.backward()`` does; see the module's docstring."""

    def __init__(self, stack: NativeStack, loss_kind: int) -> None:
        self._run = stack.gradients
        self.stack = stack
        self._args = (*stack.args, loss_kind)
        self._last: tuple[Any, ...] = ()
        self._fits = False

    def fits(self, x: Tensor, y: Tensor) -> bool:
        """Whether this batch can take the native step: (B, T, F) and (B, O) or (B,) on the model's dtype
        ((B, S, T, F) and (B, S, O) or (B, S) for groups)."""
        key = (x.shape, y.shape, x.dtype, y.dtype, x.device, y.device)
        if key != self._last:  # batches of one shape follow each other: the checks run once per shape
            self._last, self._fits = key, self._check(x, y)
        return self._fits

    def _check(self, x: Tensor, y: Tensor) -> bool:
        return (
            self.stack.takes(x)
            and y.dtype == self.stack.dtype
            and y.device.type == "cpu"
            and len(y) == len(x)
            and self.stack.takes_targets(y)
        )

    def __call__(self, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
        loss, prediction, *grads = self._run(x, self.stack.targets(y), *self._args)
        for p, g in zip(self.stack.params, grads):
            if p.requires_grad:
                p.grad = g
        return loss, prediction


class AdamPass:
    """``batches -> losses``: every batch's native step (``FusedBackprop``) followed by its Adam update
    (``Adam.step``), all in one native call; it stops after a batch whose loss is not finite, before that
    batch's update, as the training loop does. ``picked[i]``: which of the kernels' gradients belongs to
    the optimizer's parameter ``i``."""

    def __init__(self, fused: FusedBackprop, optimizer: Any, picked: list[int]) -> None:
        k = kernels()
        assert k is not None
        self._run, self.fused, self.optimizer, self.picked = k.adam_pass, fused, optimizer, picked

    def __call__(self, batches: list[tuple[Tensor, Tensor]]) -> list[float]:
        opt, stack = self.optimizer, self.fused.stack
        alphas = [opt.step_size(opt.iterations + k) for k in range(1, len(batches) + 1)]
        xs = [x for x, _ in batches]
        ys = [stack.targets(y) for _, y in batches]
        losses, *grads = self._run(xs, ys, *self.fused._args, bool(stack.groups), opt.params, self.picked,
                                   opt.slots["m"], opt.slots["v"], alphas, opt.beta_1, opt.beta_2, opt.epsilon)  # fmt: skip
        values: list[float] = losses.tolist()
        opt.iterations += len(values) - (0 if math.isfinite(values[-1]) else 1)
        for p, g in zip(opt.params, grads):
            p.grad = g
        return values


def adam_pass(fused: FusedBackprop | None, optimizer: Any) -> AdamPass | None:
    """The one-call epoch for ``fused``'s model trained by ``optimizer``, or None: it takes rnnkit's
    ``Adam`` (not AdamW) with its native update, on exactly the model's trainable parameters."""
    from rnnkit.train.optimizers import Adam

    if fused is None or type(optimizer) is not Adam or not optimizer.fused or optimizer.rate is not None:
        return None
    index = {id(p): j for j, p in enumerate(fused.stack.params)}
    trainable = [p for p in fused.stack.params if p.requires_grad]
    if len(optimizer.params) != len(trainable) or any(id(p) not in index for p in optimizer.params):
        return None
    return AdamPass(fused, optimizer, [index[id(p)] for p in optimizer.params])


def fused_backprop(model: nn.Module, loss_fn: Any) -> FusedBackprop | None:
    """The native step for ``model`` trained on ``loss_fn``, or None when it does not cover them: a mean
    squared or absolute error, summed over the groups (``SummedOverGroups``) for a grouped model."""
    from rnnkit.train.losses import MeanAbsoluteError, MeanSquaredError, SummedOverGroups

    stack = native_stack(model)
    if stack is None:
        return None
    if stack.groups:
        if type(loss_fn) is not SummedOverGroups or loss_fn.groups != stack.groups:
            return None
        loss_fn = loss_fn.base
    if type(loss_fn) not in (MeanSquaredError, MeanAbsoluteError):
        return None
    return FusedBackprop(stack, 0 if type(loss_fn) is MeanSquaredError else 1)


def fused_predict(model: nn.Module) -> Callable[[Tensor], Tensor] | None:
    """``x -> model(x)`` in one native call (``stack_predict``) for the models ``native_stack`` covers
    and inputs it ``takes``; None otherwise."""
    stack = native_stack(model)
    if stack is None:
        return None
    run = stack.predict

    def predict(x: Tensor) -> Tensor:
        return run(x, *stack.args) if stack.takes(x) else model(x)

    return predict


def native_stack(model: nn.Module) -> NativeStack | None:
    """``model`` as the native kernels take it, or None when they do not cover it (see the module)."""
    from rnnkit.layers.core import Dense, Input
    from rnnkit.layers.grouped import GroupedRecurrent
    from rnnkit.layers.recurrent import GRU, LSTM, SimpleRNN
    from rnnkit.models.sequential import Sequential

    if kernels() is None:
        return None
    if not isinstance(model, Sequential) or not model.built or getattr(model, "mixed_precision", None) is not None:
        return None
    layers: list[Any] = [layer for layer in model.stack if not isinstance(layer, Input)]
    if layers and isinstance(layers[0], GroupedRecurrent):
        return _grouped_stack(model, layers)
    recurrent = [layer for layer in layers if type(layer) in (SimpleRNN, LSTM, GRU)]
    dense = layers[len(recurrent) :]
    if not recurrent or not dense or layers[: len(recurrent)] != recurrent:
        return None
    if any(type(layer) is not Dense or layer.activation not in _ACTIVATIONS for layer in dense):
        return None
    for i, layer in enumerate(recurrent):
        mode = layer.cell.fused_mode
        if (
            mode is None
            or layer.cell.hidden_size > MAX_UNITS[mode]
            or layer.return_sequences != (i < len(recurrent) - 1)
            or layer.return_state
            or layer.go_backwards
            or layer.stateful
            or layer.dropout
            or layer.recurrent_dropout
            or layer.implementation == "unrolled"
            or layer.probe is not None
        ):
            return None
    if _watched(model, layers, [layer.cell for layer in recurrent]):
        return None
    cells = [w for layer in recurrent for w in layer.cell.flat_weights()]
    weights = [w for layer in dense for w in (layer.weight, layer.bias if layer.bias is not None else _NO_BIAS)]
    if not _cpu_floats([*cells, *(w for w in weights if w is not _NO_BIAS)]):
        return None
    expected = sum(4 if layer.cell.fused_mode == "gru" else 3 for layer in recurrent) + sum(  # parameters
        1 if layer.bias is None else 2 for layer in dense
    )
    params: list[Tensor] = list(model.parameters())
    if expected != len(params):
        return None
    return NativeStack(
        params,
        [_CELLS[layer.cell.fused_mode] for layer in recurrent],
        cells,
        [_ACTIVATIONS[layer.activation] for layer in dense],
        weights,
    )


def _cpu_floats(tensors: list[Tensor]) -> bool:
    """Whether the tensors are all on the CPU, in one dtype the kernels take (float32 or float64)."""
    dtype = tensors[0].dtype
    return dtype in (torch.float32, torch.float64) and all(t.dtype == dtype and t.device.type == "cpu" for t in tensors)


def _watched(model: Any, layers: list[Any], cells: list[nn.Module]) -> bool:
    """Whether something watches the layers' calls (e.g. rnnkit.diagnostics): then they must run. (The
    modules are named rather than walked with model.modules(): predict() asks on every call)"""
    return any(m._forward_hooks or m._forward_pre_hooks for m in [model, model.stack, *layers, *cells])


def _grouped_stack(model: Any, layers: list[Any]) -> NativeStack | None:
    """A grouped model (``rnnkit.layers.grouped``): one ``GroupedRecurrent`` layer, then ``GroupedDense`` ones."""
    from rnnkit.layers.grouped import GroupedDense

    recurrent, dense = layers[0], layers[1:]
    cell = recurrent.cell
    if not dense or any(type(layer) is not GroupedDense for layer in dense) or cell.fused_mode is None:
        return None
    if recurrent.units > MAX_UNITS[cell.fused_mode] or _watched(model, layers, [cell]):
        return None
    w = cell.weights
    if len(w) != (4 if cell.fused_mode == "gru" else 3):  # the kernels' gradients: w_ih, w_hh, b_ih (, b_hh)
        return None
    b_hh = w["bias_hh"] if "bias_hh" in w else torch.zeros_like(w["bias_ih"])  # the kernels take two biases
    cells = [w["weight_ih"], w["weight_hh"], w["bias_ih"], b_hh]
    weights = [t for layer in dense for t in (layer.weight, layer.bias)]
    params = [*cells[: len(w)], *weights]  # the kernels' order (a ParameterDict sorts its names)
    if {id(p) for p in params} != {id(p) for p in model.parameters()}:
        return None
    if not _cpu_floats(params):
        return None
    groups = recurrent.groups
    return NativeStack(params, [_CELLS[cell.fused_mode]], cells, [0] * len(dense), weights, groups)


_NO_BIAS = torch.empty(0)
