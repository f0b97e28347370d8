"""``Layer``: a ``torch.nn.Module`` in Keras's vocabulary, built from the first input it sees.

A layer knows its output from its input; its weights are created by ``build(input_shape)`` on the
first call (or from ``input_shape=`` at construction), so ``Dense(1)`` needs no input size. Masks
travel beside the data: ``forward(x, mask)`` consumes one, ``compute_mask(x, mask)`` says what the
next layer gets (pass-through by default).

Weights move to and from Keras with ``get_weights()`` / ``set_weights()``: NumPy arrays in Keras's
order and shapes. A layer describes them by ``keras_weights()``: (parameter, to_keras, from_keras).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from rnnkit.errors import NotBuiltError, ShapeError
from rnnkit.layers.symbolic import KerasTensor, Node, in_mode, is_symbolic, nodes_of, output_specs, symbolic_call
from rnnkit.native.stack import DensePart, OutputView, RecurrentPart
from rnnkit.nn.init import InitializerSpec, get_initializer
from rnnkit.nn.penalties import get_constraint, get_regularizer, serialize_penalty

__all__ = ["Layer", "freeze_untrainable", "in_mode", "kernel_and_bias", "transpose"]

Shape = tuple[int | None, ...]


def transpose(a: np.ndarray) -> np.ndarray:
    """Keras stores kernels ``(in, out)``, PyTorch ``(out, in)``; one transpose maps either way."""
    return np.ascontiguousarray(a.T)


def _identity(a: np.ndarray) -> np.ndarray:
    return a


def kernel_and_bias(
    kernel: Tensor, bias: Tensor | None, to_keras: Callable[[np.ndarray], np.ndarray]
) -> list[tuple[Tensor, Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]]:
    """``keras_weights`` of a layer with a kernel (``to_keras`` maps its layout both ways) and maybe a bias."""
    return [(kernel, to_keras, to_keras), *([(bias, _identity, _identity)] if bias is not None else [])]


def _snake(name: str) -> str:
    """``SimpleRNN`` → ``simple_rnn``, ``TimeDistributed`` → ``time_distributed``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


class Layer(nn.Module):
    """Base of rnnkit's Keras-style layers.

    Args:
        input_shape: shape of one sample without the batch axis, e.g. ``(10, 1)``; optional.
        name: shown by ``summary()``; defaults to the snake-case class name.
    """

    #: the weights a layer's Keras arguments ``<slot>_regularizer`` / ``<slot>_constraint`` apply to, by slot
    #: (``{"kernel": ("weight",), "bias": ("bias",)}`` for Dense); attribute paths from the layer
    penalty_slots: dict[str, tuple[str, ...]] = {}

    def __init__(
        self,
        *,
        input_shape: Sequence[int] | None = None,
        name: str | None = None,
        activity_regularizer: Any = None,
        **penalties: Any,
    ) -> None:
        super().__init__()
        self.input_shape_hint: tuple[int, ...] | None = tuple(input_shape) if input_shape is not None else None
        self.name = name or _snake(type(self).__name__)
        self.built = False
        self._trainable = True
        self._set_penalties(activity_regularizer, penalties)
        self.training = False  # Keras's default outside fit: inference (fit, and module.train(), switch it on)

    # --- regularizers and constraints (Keras's) ---------------------------------------------------
    def _set_penalties(self, activity: Any, penalties: dict[str, Any]) -> None:
        """Keras's ``<slot>_regularizer``, ``<slot>_constraint`` (slots: ``penalty_slots``) and
        ``activity_regularizer``: resolved, and kept for the config."""
        self.regularizers: dict[str, Any] = {}
        self.constraints: dict[str, Any] = {}
        self.penalty_config: dict[str, Any] = {}
        for key, value in penalties.items():
            slot, _, kind = key.rpartition("_")
            if kind not in ("regularizer", "constraint") or slot not in self.penalty_slots:
                raise TypeError(f"{type(self).__name__}() got an unexpected keyword argument {key!r}")
            if value is None:
                continue
            made = get_regularizer(value) if kind == "regularizer" else get_constraint(value)
            (self.regularizers if kind == "regularizer" else self.constraints)[slot] = made
            self.penalty_config[key] = serialize_penalty(made)
        self.activity_regularizer = get_regularizer(activity)
        self._activity_loss: Tensor | None = None
        if self.activity_regularizer is not None:
            self.penalty_config["activity_regularizer"] = serialize_penalty(self.activity_regularizer)
            self.register_forward_hook(_record_activity)

    def _slot_weights(self, slot: str) -> list[Tensor]:
        found: list[Tensor] = []
        for path in self.penalty_slots[slot]:
            value: Any = self
            for part in path.split("."):
                value = getattr(value, part, None)
            if isinstance(value, nn.Parameter):
                found.append(value)
        return found

    @property
    def losses(self) -> list[Tensor]:
        """Keras's ``layer.losses``: each regularizer's penalty of its weights, and the activity
        regularizer's of the last output; training adds them to the loss."""
        out = [reg(w) for slot, reg in self.regularizers.items() for w in self._slot_weights(slot)]
        return out if self._activity_loss is None else [*out, self._activity_loss]

    @torch.no_grad()
    def apply_constraints(self) -> None:
        """Map each constrained weight back into its set (after an update), in Keras's layout."""
        for slot, constraint in self.constraints.items():
            for w in self._slot_weights(slot):
                view = _keras_view(w)
                view.copy_(constraint(view))

    @property
    def trainable(self) -> bool:
        """Whether training updates this layer's weights (Keras's flag). ``layer.trainable = False`` freezes
        them at once, and those it creates later; a layer unfrozen after ``compile`` trains from the next
        ``compile``, as in Keras. A frozen layer's weights stay in ``get_weights()``, count as non-trainable
        in ``summary()`` and are saved with the model as frozen.

        Example:
            >>> from rnnkit.layers import Dense
            >>> head = Dense(2, input_shape=(3,))
            >>> head.trainable = False
            >>> head(torch.zeros(1, 3)).shape, [p.requires_grad for p in head.parameters()]
            (torch.Size([1, 2]), [False, False])
        """
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        for p in self.parameters():
            p.requires_grad_(self._trainable)

    # --- calling --------------------------------------------------------------------------------
    def __call__(self, *args: Any, training: bool | None = None, **kwargs: Any) -> Any:
        """``layer(x)``: on tensors (or NumPy arrays, converted), the output; on symbolic tensors (an
        ``Input``, another layer's output), the symbolic output of a new node of the graph (Keras's
        Functional API, ``rnnkit.layers.symbolic``). ``training`` (Keras's argument): run this call in
        training (dropout on) or inference mode; None follows the module's mode (``train()``/``eval()``)."""
        if args and isinstance(args[0], Tensor) and training is None:
            return super().__call__(*args, **kwargs)
        if is_symbolic(args, kwargs):
            return symbolic_call(self, args, {**kwargs, **({} if training is None else {"training": training})})
        if args and isinstance(args[0], np.ndarray):
            args = (torch.as_tensor(args[0]), *args[1:])
        with in_mode(self, training):
            return super().__call__(*args, **kwargs)

    @property
    def output(self) -> Any:
        """The symbolic output of this layer's first call on symbolic tensors (a list for several)."""
        node = self._first_node("output")
        return node.outputs[0] if node.single else list(node.outputs)

    @property
    def input(self) -> Any:
        """The symbolic input of this layer's first call on symbolic tensors (a list for several)."""
        inputs = self._first_node("input").inputs
        return inputs[0] if len(inputs) == 1 else inputs

    def _first_node(self, what: str) -> Node:
        nodes = nodes_of(self)
        if not nodes:  # an AttributeError, as in Keras: hasattr(layer, "output") is False
            raise AttributeError(f"layer {self.name!r} has no {what} yet: it was never called on symbolic tensors")
        return nodes[0]

    # --- building -----------------------------------------------------------------------------
    def build(self, input_shape: Shape) -> None:
        """Create weights for inputs of ``input_shape`` (batch axis included). No weights by default."""

    def add_weight(
        self,
        shape: Sequence[int] = (),
        initializer: InitializerSpec = "glorot_uniform",
        dtype: str | None = None,
        trainable: bool = True,
        name: str | None = None,
    ) -> nn.Parameter:
        """Keras's way for a layer to make a weight in ``build``: a parameter of ``shape``, initialised by
        ``initializer`` (a name or an initializer object), registered under ``name`` (or the attribute it
        is then assigned to). Example: ``self.kernel = self.add_weight(shape=(F, H), name="kernel")``."""
        value = get_initializer(initializer)(torch.empty(tuple(shape), dtype=torch.float64 if dtype == "float64" else torch.float32))
        weight = nn.Parameter(value, requires_grad=trainable and self.trainable)
        base, i = name or "weight", 0
        key = base
        while key in self._parameters or key in self._modules or key in self._buffers:
            i += 1
            key = f"{base}_{i}"
        self.register_parameter(key, weight)
        return weight

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, nn.Parameter):  # a weight from add_weight, assigned to an attribute: one name
            for other in [k for k, p in self._parameters.items() if p is value and k != name]:
                del self._parameters[other]
        super().__setattr__(name, value)

    def maybe_build(self, x: Tensor) -> None:
        if not self.built:
            self.build(tuple(x.shape))
            self.built = True
            self.to(x.device)
            freeze_untrainable(self)

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        self.maybe_build(x)
        return self.call(x, mask)

    def call(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        raise NotImplementedError

    def compute_output_shape(self, input_shape: Sequence[int | None] | list[Sequence[int | None]]) -> Any:
        """The output shape for inputs of ``input_shape`` (batch axis first, ``None`` where any size goes;
        a list of shapes for several inputs), worked out by running the layer on small dummy inputs; a
        list of shapes when the layer returns several tensors. Builds the layer, as a first call does."""
        several = bool(input_shape) and all(isinstance(s, list | tuple) for s in input_shape)
        shapes = list(input_shape) if several else [input_shape]
        inputs = [KerasTensor(tuple(s)) for s in shapes]  # type: ignore[arg-type]
        specs, single = output_specs(self, (inputs if several else inputs[0],), {})
        return specs[0][0] if single else [shape for shape, _ in specs]

    def compute_mask(self, x: Tensor, mask: Tensor | None = None) -> Tensor | None:
        """The mask the next layer receives."""
        return mask

    # --- streaming, one time step at a time ---------------------------------------------------
    def initial_step_state(self, batch: int, like: Tensor) -> tuple[Tensor, ...] | None:
        """State this layer carries between ``step`` calls; None for layers without memory."""
        return None

    def step(self, x_t: Tensor, state: tuple[Tensor, ...] | None) -> tuple[Tensor, tuple[Tensor, ...] | None]:
        """Apply the layer to one time step ``x_t`` (no time axis). Stateless layers act per step."""
        return self(x_t), state

    # --- the whole-model native kernels ---------------------------------------------------------
    def native_part(self) -> RecurrentPart | DensePart | OutputView | None:
        """What rnnkit's whole-model kernels need to run this layer inside a model (``rnnkit.native.stack``),
        or None when they do not run it as it is configured (the default; then autograd trains the model)."""
        return None

    def _watched(self, *modules: nn.Module) -> bool:
        """Whether something watches this layer's or ``modules``' calls (e.g. ``rnnkit.diagnostics``), or
        its weights carry a regularizer or constraint: then they must run as modules, under autograd,
        not inside a native call."""
        penalized = bool(self.regularizers or self.constraints or self.activity_regularizer)
        return penalized or any(m._forward_hooks or m._forward_pre_hooks for m in (self, *modules))

    # --- configuration --------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """Constructor arguments that rebuild this layer (JSON-serialisable)."""
        config: dict[str, Any] = {"name": self.name, **self.penalty_config}
        if self.input_shape_hint is not None:
            config["input_shape"] = list(self.input_shape_hint)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        return cls(**config)

    # --- Keras weights --------------------------------------------------------------------------
    def keras_weights(
        self,
    ) -> list[tuple[Tensor, Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]]:
        """(parameter, torch→Keras, Keras→torch) for each weight, in Keras's order."""
        return [(p, _identity, _identity) for p in self.parameters()]

    def _require_built(self) -> None:
        if not self.built:
            raise NotBuiltError(f"layer {self.name!r} has no weights yet; call it on data or give input_shape= first")

    def count_params(self) -> int:
        """The number of weights (Keras's ``layer.count_params()``)."""
        self._require_built()
        return sum(p.numel() for p in self.parameters())

    def get_weights(self) -> list[np.ndarray]:
        """Weights as NumPy arrays in Keras's order and shapes: copies, as Keras gives them (training the layer
        later, or changing an array, leaves the other alone)."""
        self._require_built()
        return [np.array(to_keras(p.detach().cpu().numpy())) for p, to_keras, _ in self.keras_weights()]

    def set_weights(self, weights: Sequence[np.ndarray]) -> None:
        """Load weights given in Keras's order and shapes (as ``get_weights`` returns them)."""
        self._require_built()
        slots = self.keras_weights()
        if len(weights) != len(slots):
            raise ShapeError(f"layer {self.name!r} expects {len(slots)} weight arrays, got {len(weights)}")
        with torch.no_grad():
            for i, ((p, _, from_keras), w) in enumerate(zip(slots, weights)):
                value = torch.as_tensor(from_keras(np.asarray(w, dtype=np.float32)))
                if value.shape != p.shape:
                    raise ShapeError(
                        f"layer {self.name!r} weight {i}: expected Keras shape "
                        f"{tuple(self.get_weights()[i].shape)}, got {tuple(np.shape(w))}"
                    )
                p.copy_(value)


def _record_activity(layer: nn.Module, args: Any, output: Any) -> None:
    """Forward hook of a layer with an activity regularizer: the penalty of its (first) output."""
    first = output[0] if isinstance(output, list | tuple) else output
    layer._activity_loss = layer.activity_regularizer(first)  # type: ignore[union-attr, operator]


def _keras_view(w: Tensor) -> Tensor:
    """``w`` seen in Keras's layout (a view: writing to it writes ``w``): kernels ``(out, in)`` as
    ``(in, out)``; a convolution's ``(filters, F, K)`` as ``(K, F, filters)``."""
    return w.t() if w.dim() == 2 else w.permute(2, 1, 0) if w.dim() == 3 else w


def freeze_untrainable(module: nn.Module) -> None:
    """Turn off the gradients of every weight inside a layer whose ``trainable`` is False (weights a
    layer created after the flag was set included)."""
    for m in module.modules():
        if isinstance(m, Layer) and not m.trainable:
            for p in m.parameters():
                p.requires_grad_(False)
