"""A model as the whole-model kernels take it: recurrent layers, then Dense layers, as lists of tensors.

``sequential.cpp`` runs a chain of recurrent layers (each but the last returning its sequences) topped
by Dense layers in one call: forward, loss and BPTT (``stack_gradients``), or the forward alone
(``stack_predict``). A layer the kernels can run describes itself with a part (``RecurrentPart`` or
``DensePart``: its mode or activation and its weights, views of its own); ``NativeStack`` turns a chain
of parts into the kernels' arguments. Which models get here is decided above, by the training step
(``rnnkit.train.native_step``); this module knows tensors only.

Legend: B batch, S groups, T time, F features, O outputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from rnnkit.native import kernels

__all__ = ["ACTIVATIONS", "CELLS", "DensePart", "NativeStack", "OutputView", "RecurrentPart"]

#: the kernels' codes for the cells and the Dense activations they run
CELLS = {"rnn_tanh": 0, "rnn_relu": 1, "lstm": 2, "gru": 3}
ACTIVATIONS = {None: 0, "linear": 0, "relu": 1, "tanh": 2, "sigmoid": 3}
_NO_BIAS = torch.empty(0)


@dataclass(frozen=True)
class RecurrentPart:
    """A recurrent layer for the kernels: ``mode`` (a key of ``CELLS``), ``weights`` ``[w_ih, w_hh, b_ih,
    b_hh]`` (with a leading group axis when ``groups`` > 0), ``params`` the layer's trainable tensors in
    the order the kernels return their gradients, ``units`` per group, ``sequences`` whether it returns
    every step's output (else the last)."""

    mode: str
    weights: list[Tensor]
    params: list[Tensor]
    units: int
    sequences: bool
    groups: int = 0


@dataclass(frozen=True)
class DensePart:
    """A Dense layer for the kernels: ``activation`` (a key of ``ACTIVATIONS``), ``weight`` ``(O, F)``
    (``(S, O, F)`` for groups) and ``bias`` (None without one)."""

    activation: str | None
    weight: Tensor
    bias: Tensor | None
    groups: int = 0

    @property
    def params(self) -> list[Tensor]:
        return [self.weight] if self.bias is None else [self.weight, self.bias]


@dataclass(frozen=True)
class OutputView:
    """A last layer that only reshapes the top Dense layer's outputs, per sample, to ``shape`` (a
    ``Reshape``): the kernels run the stack without it and hand back their prediction in that shape."""

    shape: tuple[int, ...]


class NativeStack:
    """A chain of parts as the native kernels take it: the cells' modes and weights, the Dense layers'
    activations and weights (views of the layers' own, so updates show through). ``groups`` > 0 for
    independent groups, whose weights carry a leading group axis.

    ``params`` are the layers' trainable tensors in the order of the kernels' gradients. ``view``: the
    per-sample shape of the model's output when a last ``OutputView`` reshapes it (else None).
    """

    def __init__(self, recurrent: list[RecurrentPart], dense: list[DensePart], view: OutputView | None = None) -> None:
        cells = [w for part in recurrent for w in part.weights]
        weights = [w for part in dense for w in (part.weight, part.bias if part.bias is not None else _NO_BIAS)]
        modes = [CELLS[part.mode] for part in recurrent]
        activations = [ACTIVATIONS[part.activation] for part in dense]
        self.args = (modes, [t.detach() for t in cells], activations, [t.detach() for t in weights])
        self.params = [p for part in recurrent for p in part.params] + [p for part in dense for p in part.params]
        self.groups = recurrent[0].groups
        self.dtype = cells[0].dtype
        self.features = cells[0].shape[-1]
        self.outputs = dense[-1].weight.shape[-2]
        #: a batch's target shape after its batch axis: ``(O,)``, or ``(S, O)`` for groups
        self.target_tail = (self.groups, self.outputs) if self.groups else (self.outputs,)
        self.view = view.shape if view is not None else None
        k = kernels()
        assert k is not None
        self.gradients = k.grouped_stack_gradients if self.groups else k.stack_gradients
        self.predict = k.grouped_stack_predict if self.groups else k.stack_predict

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

    def _tail(self, width: int) -> tuple[int, ...]:
        """The kernels' target shape after the batch axis when each target takes ``width`` outputs."""
        return (*self.target_tail[:-1], self.outputs // width)

    def takes_targets(self, y: Tensor, width: int = 1) -> bool:
        """Whether ``y`` fits ``(B, *target_tail)`` (the outputs divided by ``width``, the outputs per
        target of a distributional loss), its last axis left out when there is one target, or the
        model's output shape (``view``) less its last axis when ``width`` > 1."""
        tail, kernels = tuple(y.shape[1:]), self._tail(width)
        if width > 1:
            return self.outputs % width == 0 and self.view is not None and tail == self.view[:-1]
        return tail == kernels or (self.outputs == 1 and tail == kernels[:-1]) or tail == self.view

    def targets(self, y: Tensor, width: int = 1) -> Tensor:
        """``y`` as the kernels read it, ``(B, *target_tail)`` (a view; ``y`` passed ``takes_targets``)."""
        return y.reshape(y.shape[0], *self._tail(width))

    def output(self, prediction: Tensor) -> Tensor:
        """The kernels' prediction in the model's output shape."""
        return prediction if self.view is None else prediction.view(prediction.shape[0], *self.view)
