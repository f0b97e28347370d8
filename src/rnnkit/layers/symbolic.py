"""Symbolic tensors and the graph of layer calls behind Keras's Functional API.

A layer called on a ``KerasTensor`` (what ``Input(shape=...)`` stands for) computes nothing: it records a
``Node`` (the layer and its call's arguments, in which symbolic tensors stand for the values to come) and
returns the node's output ``KerasTensor`` (or a list of them, for a layer returning its states). The
output shapes come from running the layer twice on small dummy inputs, where every unknown size (the
batch, a free time axis) takes two different values: an output size that follows them is unknown
(``None``), one that does not is fixed. That run also builds the layer, so its weights exist from then on,
as in Keras. ``rnnkit.models.Functional`` runs the recorded graph on real tensors.

Example:
    >>> import torch
    >>> from torch import nn
    >>> class Twice(nn.Module):
    ...     def forward(self, x):
    ...         return torch.cat([x, x], dim=1)
    >>> y = symbolic_call(Twice(), (KerasTensor((None, 3)),), {})
    >>> y.shape, y.node.layer.__class__.__name__
    ((None, 6), 'Twice')
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import torch
from torch import Tensor, nn

from rnnkit.errors import ShapeError

__all__ = [
    "KerasTensor",
    "Node",
    "flatten",
    "in_mode",
    "is_symbolic",
    "map_structure",
    "nodes_of",
    "output_specs",
    "symbolic",
    "symbolic_call",
]

Shape = tuple[int | None, ...]

#: each layer's nodes, in the order it was called (kept beside the layer, not on it: copying a layer does
#: not copy the graphs it was called in)
_NODES: weakref.WeakKeyDictionary[nn.Module, list[Node]] = weakref.WeakKeyDictionary()


class KerasTensor:
    """A symbolic tensor: the ``shape`` (batch axis first, ``None`` where any size goes) and ``dtype`` of
    a value to come, and where it comes from (output ``index`` of ``node``)."""

    def __init__(self, shape: Sequence[int | None], dtype: torch.dtype = torch.float32,
                 node: Node | None = None, index: int = 0) -> None:  # fmt: skip
        self.shape: Shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = dtype
        self.node = node
        self.index = index

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def name(self) -> str:
        layer = self.node.layer if self.node is not None else None
        return f"{getattr(layer, 'name', type(layer).__name__)}/{self.index}" if layer is not None else "keras_tensor"

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape}, dtype={str(self.dtype).removeprefix('torch.')}, name={self.name}>"

    def __iter__(self) -> Any:
        raise TypeError("a KerasTensor is symbolic: it cannot be iterated (a layer returning states returns a list)")

    def __bool__(self) -> bool:
        raise TypeError("a KerasTensor is symbolic: it has no truth value until the model runs")


class Node:
    """One call of ``layer``: its arguments (nested lists, tuples and dicts in which ``KerasTensor``s
    stand for values) and its outputs; ``single`` when the call returned one tensor, not a list."""

    def __init__(self, layer: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.layer, self.args, self.kwargs = layer, args, kwargs
        self.outputs: list[KerasTensor] = []
        self.single = True
        _NODES.setdefault(layer, []).append(self)

    @property
    def inputs(self) -> list[KerasTensor]:
        """The symbolic tensors the call reads, in argument order."""
        return [t for t in flatten((self.args, self.kwargs)) if isinstance(t, KerasTensor)]

    @property
    def index(self) -> int:
        """This node's place among its layer's calls (Keras's node index)."""
        return nodes_of(self.layer).index(self)


def nodes_of(layer: nn.Module) -> list[Node]:
    """Every call of ``layer`` on symbolic tensors so far, in order."""
    return _NODES.get(layer, [])


def symbolic(value: Any) -> KerasTensor | None:
    """``value`` as a symbolic tensor: a ``KerasTensor``, or an object that stands for one (an ``Input``
    layer, through its ``keras_tensor``); else None."""
    if isinstance(value, KerasTensor):
        return value
    tensor = getattr(value, "keras_tensor", None)
    return tensor if isinstance(tensor, KerasTensor) else None


def flatten(structure: Any) -> list[Any]:
    """The leaves of nested lists, tuples and dicts, in order."""
    if isinstance(structure, list | tuple):
        return [leaf for item in structure for leaf in flatten(item)]
    if isinstance(structure, dict):
        return [leaf for key in structure for leaf in flatten(structure[key])]
    return [structure]


def map_structure(fn: Callable[[Any], Any], structure: Any) -> Any:
    """``structure`` with every leaf replaced by ``fn(leaf)`` (lists stay lists, tuples tuples)."""
    if isinstance(structure, list):
        return [map_structure(fn, item) for item in structure]
    if isinstance(structure, tuple) and not hasattr(structure, "_fields"):
        return tuple(map_structure(fn, item) for item in structure)
    if isinstance(structure, dict):
        return {key: map_structure(fn, value) for key, value in structure.items()}
    return fn(structure)


def is_symbolic(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """Whether any argument of a call is symbolic."""
    return any(symbolic(leaf) is not None for leaf in flatten((args, kwargs)))


@contextmanager
def in_mode(module: nn.Module, training: bool | None) -> Iterator[None]:
    """``module`` (and everything in it) in training or inference mode inside the block, every module's
    mode as it was after; ``None`` changes nothing."""
    if training is None:
        yield
        return
    modes = [(m, m.training) for m in module.modules()]
    module.train(training)
    try:
        yield
    finally:
        for m, mode in modes:
            m.training = mode


def _dummy(t: KerasTensor, batch: int, free: int) -> Tensor:
    """A value of ``t``'s shape: ``batch`` rows, ``free`` along every other unknown axis (ones: a valid
    token id, never a padding mask)."""
    shape = [(batch if i == 0 else free) if d is None else d for i, d in enumerate(t.shape)]
    return torch.ones(shape, dtype=t.dtype)


def _run(layer: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any], batch: int, free: int) -> Any:
    """``layer`` called with a dummy value for every symbolic argument."""

    def fill(value: Any) -> Any:
        return _dummy(value, batch, free) if isinstance(value, KerasTensor) else value

    return layer(*map_structure(fill, args), **map_structure(fill, kwargs))


def _as_symbolic(value: Any) -> Any:
    tensor = symbolic(value)
    return value if tensor is None else tensor


def output_specs(layer: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[list[tuple[Shape, torch.dtype]], bool]:
    """The ``(shape, dtype)`` of each output of ``layer`` called on the symbolic ``args``, and whether it
    returns one tensor (not a list): two dummy runs (see the module); the layer is built by the first."""
    try:
        with in_mode(layer, False), torch.no_grad():  # the dummy runs: no dropout, no noise
            first = _run(layer, args, kwargs, 2, 3)
            second = _run(layer, args, kwargs, 3, 4)
    except (RuntimeError, ValueError, IndexError, TypeError) as exc:
        shapes = [t.shape for t in flatten((args, kwargs)) if isinstance(t, KerasTensor)]
        raise ShapeError(f"{getattr(layer, 'name', type(layer).__name__)!r} cannot take inputs of shape {shapes}: {exc}") from exc
    finally:
        reset = getattr(layer, "reset_states", None)
        if getattr(layer, "stateful", False) and reset is not None:
            reset()  # the dummy runs leave no carried state behind
    single = isinstance(first, Tensor)
    firsts, seconds = ([first], [second]) if single else (list(first), list(second))
    specs = [(tuple(d if d == e else None for d, e in zip(a.shape, b.shape)), a.dtype) for a, b in zip(firsts, seconds)]
    return specs, single


def symbolic_call(layer: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> KerasTensor | list[KerasTensor]:
    """Record ``layer(*args, **kwargs)`` as a node and return its symbolic output(s) (see the module)."""
    args, kwargs = map_structure(_as_symbolic, (args, kwargs))
    specs, single = output_specs(layer, args, kwargs)
    node = Node(layer, args, kwargs)
    node.outputs = [KerasTensor(shape, dtype, node, i) for i, (shape, dtype) in enumerate(specs)]
    node.single = single
    return node.outputs[0] if single else list(node.outputs)
