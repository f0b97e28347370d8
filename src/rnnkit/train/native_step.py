"""A whole training step's gradients, or a whole prediction, in one native call, for the models whose
graph the kernels know.

A chain of recurrent layers (SimpleRNN with tanh or relu, LSTM, GRU; each but the last returning its
sequences) topped by Dense layers (and, at most, a ``Reshape`` of their output), trained on a mean squared
or absolute error, a Gaussian negative log-likelihood (``GaussianNLL``) or a pinball loss
(``Quantile``), is the tutorial's model and that of most small forecasters, point or probabilistic. For it, ``stack_gradients`` (``sequential.cpp``) runs the forward
pass, the loss and backpropagation through time of every layer in C++, and the gradients land in each
parameter's ``.grad`` as ``loss.backward()`` would put them. The rest of the training loop (the
finite-loss check, clipping, the optimizer, callbacks) is unchanged.

The step imports no model or layer class: it asks the model for the layers its forward pass chains
(``model.chained_layers()``; only ``Sequential`` has such a chain) and each layer for what the kernels
need to run it (``layer.native_part()``: a ``RecurrentPart`` or ``DensePart`` of ``rnnkit.native.stack``,
or None when the layer, as configured, is not one they run). Any model, loss or setting outside that
list (masks, dropout, stateful layers, diagnostics probes, hooks, other losses, mixed precision, GPU
tensors) trains through autograd as before, and so does a batch whose shapes or dtypes do not fit.
Tests hold the loss and every gradient equal to autograd's. ``predict`` uses the forward pass alone
(``stack_predict``) the same way.

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
from rnnkit.native.stack import ACTIVATIONS, DensePart, NativeStack, OutputView, RecurrentPart
from rnnkit.train.losses import GaussianNLL, MeanAbsoluteError, MeanSquaredError, Quantile, SummedOverGroups
from rnnkit.train.optimizers import Adam

__all__ = ["AdamPass", "FusedBackprop", "adam_pass", "fused_backprop", "fused_predict", "native_stack"]


class FusedBackprop:
    """``(x, y) -> (loss, prediction)`` that also sets every parameter's ``.grad``, like
    ``loss = loss_fn(y, model(x)); loss.backward()`` does; see the module's docstring."""

    def __init__(self, stack: NativeStack, loss_kind: int, quantiles: list[float] | None = None, width: int = 1) -> None:
        self._run = stack.gradients
        self.stack = stack
        self.width = width  # outputs per target: 2 for GaussianNLL, one per quantile for Quantile
        self._args = (*stack.args, loss_kind, quantiles or [])
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
            and self.stack.takes_targets(y, self.width)
        )

    def __call__(self, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
        loss, prediction, *grads = self._run(x, self.stack.targets(y, self.width), *self._args)
        for p, g in zip(self.stack.params, grads):
            if p.requires_grad:
                p.grad = g
        return loss, self.stack.output(prediction)


class AdamPass:
    """``batches -> losses``: every batch's native step (``FusedBackprop``) followed by its Adam update
    (``Adam.step``), all in one native call; it stops after a batch whose loss is not finite, before that
    batch's update, as the training loop does. ``picked[i]``: which of the kernels' gradients belongs to
    the optimizer's parameter ``i``."""

    def __init__(self, fused: FusedBackprop, optimizer: Adam, picked: list[int]) -> None:
        k = kernels()
        assert k is not None
        self._run, self.fused, self.optimizer, self.picked = k.adam_pass, fused, optimizer, picked

    def __call__(self, batches: list[tuple[Tensor, Tensor]]) -> list[float]:
        opt, stack = self.optimizer, self.fused.stack
        alphas = [opt.step_size(opt.iterations + k) for k in range(1, len(batches) + 1)]
        xs = [x for x, _ in batches]
        ys = [stack.targets(y, self.fused.width) for _, y in batches]
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
    if fused is None or type(optimizer) is not Adam or not optimizer.fused or optimizer.rate is not None:
        return None
    index = {id(p): j for j, p in enumerate(fused.stack.params)}
    trainable = [p for p in fused.stack.params if p.requires_grad]
    if len(optimizer.params) != len(trainable) or any(id(p) not in index for p in optimizer.params):
        return None
    return AdamPass(fused, optimizer, [index[id(p)] for p in optimizer.params])


def fused_backprop(model: nn.Module, loss_fn: Any) -> FusedBackprop | None:
    """The native step for ``model`` trained on ``loss_fn``, or None when it does not cover them: a mean
    squared or absolute error, a ``GaussianNLL`` or a ``Quantile`` loss (whose model ends in a ``Reshape``
    to ``(..., K)``, K outputs per target), summed over the groups (``SummedOverGroups``) for a grouped
    model."""
    stack = native_stack(model)
    if stack is None:
        return None
    if stack.groups:
        if type(loss_fn) is not SummedOverGroups or loss_fn.groups != stack.groups:
            return None
        loss_fn = loss_fn.base
    kind = type(loss_fn)
    if kind in (MeanSquaredError, MeanAbsoluteError):
        return FusedBackprop(stack, 0 if kind is MeanSquaredError else 1)
    if kind not in (GaussianNLL, Quantile):
        return None
    quantiles = list(loss_fn.quantiles) if kind is Quantile else None
    width = 2 if quantiles is None else len(quantiles)
    # the kernels read each target's K outputs side by side: the model's output must be (..., O/K, K)
    expected = (*stack.target_tail[:-1], stack.outputs // width, width)
    if stack.outputs % width or stack.view != expected:
        return None
    return FusedBackprop(stack, 2 if quantiles is None else 3, quantiles, width)


def fused_predict(model: nn.Module) -> Callable[[Tensor], Tensor] | None:
    """``x -> model(x)`` in one native call (``stack_predict``) for the models ``native_stack`` covers
    and inputs it ``takes``; None otherwise."""
    stack = native_stack(model)
    if stack is None:
        return None
    run = stack.predict

    def predict(x: Tensor) -> Tensor:
        return stack.output(run(x, *stack.args)) if stack.takes(x) else model(x)

    return predict


def native_stack(model: nn.Module) -> NativeStack | None:
    """``model`` as the native kernels take it, or None when they do not cover it (see the module)."""
    chained = getattr(model, "chained_layers", None)
    if kernels() is None or chained is None or not getattr(model, "built", False):
        return None
    if getattr(model, "mixed_precision", None) is not None or model._forward_hooks or model._forward_pre_hooks:
        return None
    parts = [layer.native_part() for layer in chained() or []]
    view = parts.pop() if parts and isinstance(parts[-1], OutputView) else None
    recurrent = [part for part in parts if isinstance(part, RecurrentPart)]
    dense = parts[len(recurrent) :]
    if not recurrent or not dense or parts[: len(recurrent)] != recurrent:
        return None
    groups = recurrent[0].groups
    if groups and len(recurrent) > 1:  # a grouped model: one GroupedRecurrent layer, then GroupedDense ones
        return None
    for i, part in enumerate(recurrent):
        if part.groups != groups or part.units > MAX_UNITS[part.mode] or part.sequences != (i < len(recurrent) - 1):
            return None
    if any(not isinstance(part, DensePart) or part.groups != groups or part.activation not in ACTIVATIONS
           for part in dense):  # fmt: skip
        return None
    dense_parts = [part for part in dense if isinstance(part, DensePart)]
    tensors = [*(w for part in recurrent for w in part.weights), *(p for part in dense_parts for p in part.params)]
    if not _cpu_floats(tensors):
        return None
    params = [p for part in recurrent for p in part.params] + [p for part in dense_parts for p in part.params]
    every = list(model.parameters())
    if len(params) != len(every) or {id(p) for p in params} != {id(p) for p in every}:
        return None  # a weight the kernels would not see (or train)
    return NativeStack(recurrent, dense_parts, view)


def _cpu_floats(tensors: list[Tensor]) -> bool:
    """Whether the tensors are all on the CPU, in one dtype the kernels take (float32 or float64)."""
    dtype = tensors[0].dtype
    return dtype in (torch.float32, torch.float64) and all(t.dtype == dtype and t.device.type == "cpu" for t in tensors)
