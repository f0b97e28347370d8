"""``Functional``: a model defined as a graph of layer calls, Keras's Functional API.

Layers called on symbolic tensors record the graph (``rnnkit.layers.symbolic``); ``Model(inputs, outputs)``
(or ``Functional``) takes every call between the given ``Input``s and outputs and runs them, in order, on
real tensors. A layer may be called several times (shared weights), a model may have several inputs and
outputs, and a model built from part of another's graph (an inference encoder from a trained
encoder–decoder) uses the very same layers, so it shares their weights. Masks travel beside the data as
in ``Sequential``. Saved like every rnnkit model: the layers' configs and the calls between them in JSON,
the weights in safetensors; loading replays the calls on the rebuilt layers.

Example (a two-input model)::

    >>> from rnnkit.layers import LSTM, Concatenate, Dense, Input
    >>> series, extra = Input(shape=(None, 3)), Input(shape=(2,))
    >>> merged = Concatenate()([LSTM(4)(series), extra])
    >>> model = Model([series, extra], Dense(1)(merged))
    >>> [layer.name for layer in model.layers]
    ['input', 'lstm', 'input_1', 'concatenate', 'dense']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from torch import Tensor, nn

from rnnkit.errors import ConfigError, ModelFileError, ShapeError
from rnnkit.layers.base import Layer
from rnnkit.layers.core import Input
from rnnkit.layers.serialization import deserialize, serialize
from rnnkit.layers.symbolic import KerasTensor, Node, map_structure, symbolic
from rnnkit.models.model import Model
from rnnkit.registry import MODELS

__all__ = ["Functional", "Model"]

Mask = Tensor | None


@MODELS.add
class Functional(Model):
    """The layers called between ``inputs`` (``Input`` layers or their symbolic tensors; one or a list)
    and ``outputs`` (symbolic tensors; one or a list), run as a model. ``Model(inputs, outputs)`` makes one."""

    def __init__(self, inputs: Any, outputs: Any, name: str | None = None) -> None:
        super().__init__(name=name or "functional")
        self.single_input = symbolic(inputs) is not None
        self.single_output = symbolic(outputs) is not None
        self.inputs = [_input_tensor(t) for t in ([inputs] if self.single_input else _listed(inputs, "inputs"))]
        self.outputs = [_tensor(t, "outputs") for t in ([outputs] if self.single_output else _listed(outputs, "outputs"))]
        self.nodes = _nodes_between(self.inputs, self.outputs)
        layers = _by_depth(self.nodes, self.outputs)
        self.graph = nn.ModuleDict()
        for layer in layers:
            self.graph[_unique_name(layer, self.graph)] = layer
        self._built(self.inputs[0].shape)

    # --- Keras's attributes -----------------------------------------------------------------------
    @property
    def layers(self) -> list[nn.Module]:
        """Every layer of the graph, ``Input`` layers included, deepest first (Keras's order)."""
        return list(self.graph.values())

    @property
    def input(self) -> KerasTensor | list[KerasTensor]:
        return self.inputs[0] if self.single_input else list(self.inputs)

    @property
    def output(self) -> KerasTensor | list[KerasTensor]:
        return self.outputs[0] if self.single_output else list(self.outputs)

    def output_names(self) -> list[str]:
        """Each output's name when there are several: its layer's name (``name_i`` for output i of a layer
        that returns several tensors); [] for one output."""
        if self.single_output:
            return []
        return [f"{self._name_of(t.node)}" + ("" if t.node is None or t.node.single else f"_{t.index}") for t in self.outputs]

    def get_layer(self, name: str) -> nn.Module:
        """The layer called ``name`` in this model."""
        if name not in self.graph:
            raise ConfigError(f"no layer {name!r} in model {self.name!r}; its layers: {', '.join(self.graph)}")
        return self.graph[name]

    def build(self, input_shape: Any = None) -> None:
        """A functional model is built when it is made (its layers were built by their symbolic calls)."""

    # --- running the graph --------------------------------------------------------------------------
    def forward(self, *inputs: Tensor) -> Tensor | list[Tensor]:
        if len(inputs) == 1 and isinstance(inputs[0], list | tuple) and len(self.inputs) > 1:
            inputs = tuple(inputs[0])
        if len(inputs) != len(self.inputs):
            raise ShapeError(f"model {self.name!r} takes {len(self.inputs)} inputs, got {len(inputs)}")
        values: dict[int, tuple[Tensor, Mask]] = {id(t): (x, None) for t, x in zip(self.inputs, inputs)}
        for node in self.nodes:
            if node.inputs:
                _run_node(node, values)
        results = [values[id(t)][0] for t in self.outputs]
        return results[0] if self.single_output else results

    # --- saving -------------------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        names = {id(layer): name for name, layer in self.graph.items()}
        index = {id(node): i for i, node in enumerate(self.nodes)}

        def ref(value: Any) -> Any:
            if isinstance(value, KerasTensor):
                return {"keras_tensor": [index[id(value.node)], value.index]}
            if value is None or isinstance(value, bool | int | float | str):
                return value
            raise ConfigError(f"cannot save a call argument of type {type(value).__name__} in a functional model")

        layers = []
        for name, layer in self.graph.items():
            spec = serialize(layer)  # type: ignore[arg-type]
            spec["config"]["name"] = name
            layers.append(spec)
        nodes = [
            {"layer": names[id(node.layer)], "args": map_structure(ref, list(node.args)),
             "kwargs": map_structure(ref, node.kwargs)}
            for node in self.nodes
        ]  # fmt: skip
        return {
            "name": self.name,
            "layers": layers,
            "nodes": nodes,
            "inputs": [ref(t) for t in self.inputs],
            "outputs": [ref(t) for t in self.outputs],
            "single_input": self.single_input,
            "single_output": self.single_output,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Functional:
        layers = {spec["config"]["name"]: deserialize(spec) for spec in config["layers"]}
        made: list[list[KerasTensor]] = []

        def tensor(value: Any) -> Any:
            if isinstance(value, dict) and "keras_tensor" in value:
                node, index = value["keras_tensor"]
                if not 0 <= node < len(made):
                    raise ModelFileError(f"a call reads the output of call {node}, which does not come before it")
                return made[node][index]
            if isinstance(value, list):
                return [tensor(v) for v in value]
            if isinstance(value, dict):
                return {k: tensor(v) for k, v in value.items()}
            return value

        for spec in config["nodes"]:
            layer = layers[spec["layer"]]
            if isinstance(layer, Input) and not spec["args"]:
                made.append([layer.keras_tensor])
                continue
            out = layer(*tensor(spec["args"]), **tensor(spec["kwargs"]))
            made.append([out] if isinstance(out, KerasTensor) else list(out))
        inputs = [tensor(t) for t in config["inputs"]]
        outputs = [tensor(t) for t in config["outputs"]]
        return cls(inputs[0] if config.get("single_input") else inputs,
                   outputs[0] if config.get("single_output") else outputs, name=config.get("name"))  # fmt: skip

    # --- summary ------------------------------------------------------------------------------------
    def summary_rows(self) -> list[tuple[str, str, int, list[str]]]:
        """Per layer: ``name (Type)``, output shape, parameter count, and what it is connected to (Keras's
        ``layer[node][tensor]`` for each input of each of its calls in this model)."""
        rows = []
        for name, layer in self.graph.items():
            calls = [node for node in self.nodes if node.layer is layer]
            shape = _shapes(calls[0].outputs if not calls[0].single else calls[0].outputs[0])
            links = [f"{self._name_of(t.node)}[{_node_index(t.node)}][{t.index}]"
                     for node in calls for t in node.inputs]  # fmt: skip
            rows.append((f"{name} ({type(layer).__name__})", shape, sum(p.numel() for p in layer.parameters()),
                         links or ["-"]))  # fmt: skip
        return rows

    def _name_of(self, node: Node | None) -> str:
        layer = node.layer if node is not None else None
        return next((name for name, other in self.graph.items() if other is layer), getattr(layer, "name", "?"))


def _listed(value: Any, what: str) -> list[Any]:
    if isinstance(value, dict):
        raise ConfigError(f"{what} as a dict is not supported; give a list")
    if not isinstance(value, list | tuple) or not value:
        raise ConfigError(f"{what} must be a symbolic tensor or a non-empty list of them, got {type(value).__name__}")
    return list(value)


def _tensor(value: Any, what: str) -> KerasTensor:
    t = symbolic(value)
    if t is None:
        raise ConfigError(
            f"{what} must be symbolic tensors (an Input, or a layer called on one), got {type(value).__name__}"
        )
    return t


def _input_tensor(value: Any) -> KerasTensor:
    t = _tensor(value, "inputs")
    if t.node is None or not isinstance(t.node.layer, Input):
        raise ConfigError(f"a model's inputs must be Input tensors; {t.name} is the output of a layer")
    return t


def _nodes_between(inputs: list[KerasTensor], outputs: list[KerasTensor]) -> list[Node]:
    """The input nodes, then every call the outputs depend on, each after the calls it reads (post-order)."""
    given = {id(t) for t in inputs}
    order: list[Node] = [t.node for t in inputs if t.node is not None]
    seen = {id(n) for n in order}

    def visit(node: Node) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        if not node.inputs:  # an Input that is not among the model's inputs
            raise ConfigError(
                f"graph disconnected: an output depends on {getattr(node.layer, 'name', 'an input')!r}, which is "
                "not among the model's inputs"
            )
        for t in node.inputs:
            if id(t) not in given and t.node is not None:
                visit(t.node)
        order.append(node)

    for t in outputs:
        if id(t) not in given and t.node is not None:
            visit(t.node)
    return order


def _by_depth(nodes: list[Node], outputs: list[KerasTensor]) -> list[nn.Module]:
    """The nodes' layers as Keras lists them: deepest first (depth: the longest path to an output), ties in
    the order a walk from the outputs first meets them (each call's inputs in argument order)."""
    members = {id(n) for n in nodes}
    depth: dict[int, int] = {id(n): 0 for n in nodes}
    for node in reversed(nodes):
        for t in node.inputs:
            if t.node is not None and id(t.node) in members:
                depth[id(t.node)] = max(depth[id(t.node)], depth[id(node)] + 1)
    met: dict[int, int] = {}

    def walk(node: Node) -> None:
        if id(node) not in members or id(node) in met:
            return
        met[id(node)] = len(met)
        for t in node.inputs:
            if t.node is not None:
                walk(t.node)

    for t in outputs:
        if t.node is not None:
            walk(t.node)
    layers: dict[int, tuple[int, int, nn.Module]] = {}
    for node in nodes:
        key = (depth[id(node)], met.get(id(node), len(nodes)))
        d, first, _ = layers.get(id(node.layer), (*key, node.layer))
        layers[id(node.layer)] = (max(d, key[0]), min(first, key[1]), node.layer)
    return [layer for _, _, layer in sorted(layers.values(), key=lambda e: (-e[0], e[1]))]


def _unique_name(layer: nn.Module, taken: nn.ModuleDict) -> str:
    """The layer's name, or (when another layer of the model has it) the first free ``name_i``, given to it."""
    base = str(getattr(layer, "name", type(layer).__name__.lower()))
    name, i = base, 0
    while name in taken:
        i += 1
        name = f"{base}_{i}"
    if isinstance(layer, Layer):
        layer.name = name
    return name


def _run_node(node: Node, values: dict[int, tuple[Tensor, Mask]]) -> None:
    """Call ``node``'s layer on the values of its inputs; its outputs (and their masks) join ``values``."""

    def value(v: Any) -> Any:
        return values[id(v)][0] if isinstance(v, KerasTensor) else v

    args, kwargs = map_structure(value, node.args), map_structure(value, node.kwargs)
    named: dict[str, str] | None = getattr(node.layer, "mask_arguments", None)  # e.g. MultiHeadAttention
    if named is not None:  # each input's mask goes to the argument the layer names for it
        names = list(named)
        inputs = [*node.args, *(node.kwargs.get(name) for name in names[len(node.args) :])]
        masks = [values[id(t)][1] if isinstance(t, KerasTensor) else None for t in inputs]
        for name, m in zip(names, masks):
            if m is not None:
                kwargs.setdefault(named[name], m)
        out = node.layer(*args, **kwargs)
        out_mask = masks[0]  # the first input's (MultiHeadAttention's query's), as Keras passes it on
    else:
        first = node.args[0] if node.args else None
        mask: Any = None
        if isinstance(first, KerasTensor):
            mask = values[id(first)][1]
        elif isinstance(first, list | tuple) and all(isinstance(t, KerasTensor) for t in first):
            masks = [values[id(t)][1] for t in first]  # a list input (merging, attention): one mask each
            mask = masks if any(m is not None for m in masks) else None
        if mask is not None and "mask" not in kwargs:
            kwargs["mask"] = mask
        out = node.layer(*args, **kwargs)
        compute_mask = getattr(node.layer, "compute_mask", None)
        out_mask = compute_mask(args[0], mask) if first is not None and compute_mask is not None else None
    outs = [out] if node.single else list(out)
    for i, (t, y) in enumerate(zip(node.outputs, outs)):
        values[id(t)] = (y, out_mask if i == 0 else None)


def _node_index(node: Node | None) -> int:
    return node.index if node is not None else 0


def _shapes(value: KerasTensor | Sequence[KerasTensor]) -> str:
    def one(shape: tuple[int | None, ...]) -> str:
        inner = ", ".join("None" if d is None else str(d) for d in shape)
        return f"({inner}{',' if len(shape) == 1 else ''})"

    if isinstance(value, KerasTensor):
        return one(value.shape)
    return "[" + ", ".join(one(t.shape) for t in value) + "]"

