"""The gradient flowing back through time, measured.

``gradient_flow`` runs one forward and backward pass with every recurrent layer on the unrolled path
(the same math as the fused kernel, proven equal by tests) and reads:

* ``hidden[layer][t] = ‖∂L/∂h_t‖``: the whole gradient reaching the hidden state at step t, from the
  loss directly and from every later step. For a plain RNN it is a product of Jacobians
  ``diag(act'(a)) W_hh`` (see ``rnnkit.reference``) and shrinks or grows geometrically with the distance
  from the loss: vanishing or exploding gradients;
* ``inputs[t] = ‖∂L/∂x_t‖`` (for token inputs, the embedding vectors);
* ``parameters[name] = ‖∂L/∂θ‖``.

``effective_memory`` asks how far back the output still listens: ‖∂y/∂x_{T-k}‖ over lags k.

Norms are Frobenius norms over the batch and feature axes. Steps of a layer are in its reading order
(index 0 is the first step it read), so ``ratio = hidden[0] / hidden[-1]`` compares the earliest step
with the step nearest the loss.

Legend: B batch, T time, F features, H units, O outputs.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import torch
from torch import Tensor

from rnnkit.data.arrays import check_same_length, to_tensor
from rnnkit.errors import ConfigError, NotCompiledError
from rnnkit.layers.core import Embedding
from rnnkit.layers.recurrent import RNN

__all__ = ["GradientFlow", "EffectiveMemory", "gradient_flow", "effective_memory", "recurrent_layers"]


@dataclass
class GradientFlow:
    """Gradient norms of one backward pass; plain data, ``to_dict()`` / ``to_json()``."""

    loss: float
    hidden: dict[str, list[float]]  # layer name → ‖∂L/∂h_t‖, t in reading order
    inputs: list[float]  # ‖∂L/∂x_t‖ per input step
    parameters: dict[str, float]  # parameter name → ‖∂L/∂θ‖
    kinds: dict[str, str] = field(default_factory=dict)  # layer name → layer class

    def ratio(self, layer: str | None = None) -> float:
        """``‖∂L/∂h_1‖ / ‖∂L/∂h_T‖`` for ``layer`` (default: the first recurrent layer)."""
        norms = self.hidden[layer or next(iter(self.hidden))]
        return norms[0] / norms[-1] if norms[-1] > 0 else math.inf

    @property
    def global_norm(self) -> float:
        return math.sqrt(sum(v * v for v in self.parameters.values()))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict())


@dataclass
class EffectiveMemory:
    """How many steps back the output still depends on its input.

    ``sensitivity[k]`` is ‖∂y/∂x_{T-1-k}‖ normalised by its maximum (k = 0 is the last step);
    ``steps`` is 1 + the largest lag whose sensitivity is at least ``threshold``.
    """

    steps: int
    sensitivity: list[float]
    threshold: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def recurrent_layers(model: torch.nn.Module) -> list[RNN]:
    """Every recurrent layer in ``model`` (both directions of a ``Bidirectional``)."""
    return [m for m in model.modules() if isinstance(m, RNN)]


@contextlib.contextmanager
def _probing(layers: list[RNN]) -> Iterator[dict[str, list[tuple[Tensor, ...]]]]:
    probes: dict[str, list[tuple[Tensor, ...]]] = {}
    for layer in layers:
        layer.probe = probes[layer.name] = []
    try:
        yield probes
    finally:
        for layer in layers:
            layer.probe = None


class _InputProbe:
    """The input to differentiate: ``x`` itself, or the first Embedding's output for token ids.

    Use as a context manager; feed ``probe.x`` to the model, then read ``probe.target()``.
    """

    def __init__(self, model: torch.nn.Module, x: Tensor) -> None:
        self.handle = None
        self.seen: list[Tensor] = []
        if x.dtype.is_floating_point:
            self.x = x.clone().requires_grad_(True)
            return
        self.x = x
        embedding = next((m for m in model.modules() if isinstance(m, Embedding)), None)
        if embedding is None:
            raise ConfigError("integer inputs need an Embedding layer to differentiate through")
        self.handle = embedding.register_forward_hook(self._keep)

    def _keep(self, module: torch.nn.Module, args: Any, output: Tensor) -> None:
        output.retain_grad()
        self.seen.append(output)

    def target(self) -> Tensor:
        """``x`` (B, T, F), or the embedding vectors (B, T, E) of the last forward pass."""
        return self.x if self.x.requires_grad else self.seen[-1]

    def __enter__(self) -> _InputProbe:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.handle is not None:
            self.handle.remove()


def _prepare(model: Any, x: Any) -> tuple[Tensor, list[RNN]]:
    layers = recurrent_layers(model)
    if not layers:
        raise ConfigError("gradient diagnostics need a model with a recurrent layer (SimpleRNN, LSTM, GRU, RNN)")
    xt = model._check_x(x) if hasattr(model, "_check_x") else to_tensor("x", x, min_rank=2)
    if hasattr(model, "_ensure_built"):
        model._ensure_built(xt)
    return xt, layers


def _step_norms(grad: Tensor | None, T: int) -> list[float]:
    if grad is None:
        return [0.0] * T
    return grad.transpose(0, 1).reshape(T, -1).norm(dim=1).tolist()  # (T,)


def gradient_flow(model: Any, x: Any, y: Any, loss: Callable[[Tensor, Tensor], Tensor] | None = None) -> GradientFlow:
    """Measure ‖∂L/∂h_t‖ per recurrent layer, ‖∂L/∂x_t‖ and per-parameter gradient norms on ``(x, y)``.

    Args:
        model: an rnnkit model (or any module with rnnkit recurrent layers).
        x: the inputs of a batch; a few hundred samples are plenty.
        y: the targets of that batch.
        loss: defaults to the model's compiled loss.

    The model's weights and gradients are left as they were (dropout is off while measuring).

    Example::

        flow = gradient_flow(model, x[:256], y[:256])
        print(flow.ratio(), flow.to_json())
    """
    xt, layers = _prepare(model, x)
    yt = to_tensor("y", y, min_rank=1).to(xt.device)
    check_same_length(xt, yt)
    loss_fn = loss or getattr(model, "loss", None)
    if loss_fn is None:
        raise NotCompiledError("gradient_flow needs a loss: compile the model or pass loss=")
    params = dict(model.named_parameters())
    saved_grads = {name: p.grad for name, p in params.items()}
    was_training = model.training
    model.eval()
    try:
        with _probing(layers) as probes, _InputProbe(model, xt) as probe:
            value = loss_fn(yt, model(probe.x))
            for steps in probes.values():
                for state in steps:
                    state[0].retain_grad()
            for p in params.values():
                p.grad = None
            value.backward()
            hidden = {
                name: [float(s[0].grad.norm()) if s[0].grad is not None else 0.0 for s in steps]
                for name, steps in probes.items()
            }
            inputs = _step_norms(probe.target().grad, xt.shape[1])
        parameters = {name: float(p.grad.norm()) if p.grad is not None else 0.0 for name, p in params.items()}
    finally:
        for name, p in params.items():
            p.grad = saved_grads[name]
        model.train(was_training)
    kinds = {layer.name: type(layer).__name__ for layer in layers}
    return GradientFlow(float(value.detach()), hidden, inputs, _layer_named(model, parameters), kinds)


def _layer_named(model: torch.nn.Module, values: dict[str, float]) -> dict[str, float]:
    """``stack.0.cell.weight_hh`` → ``simple_rnn.cell.weight_hh``: parameter names by layer name."""
    prefixes = {f"{path}.": f"{m.name}." for path, m in model.named_modules() if path and hasattr(m, "name")}
    renamed = {}
    for key, value in values.items():
        path = max((p for p in prefixes if key.startswith(p)), key=len, default="")
        renamed[prefixes[path] + key[len(path) :] if path else key] = value
    return renamed


def effective_memory(model: Any, x: Any, threshold: float = 0.01, max_outputs: int = 32) -> EffectiveMemory:
    """How many steps back the model's last output still depends on its input.

    Computes s_k = ‖∂y_T/∂x_{T-1-k}‖ (summed over up to ``max_outputs`` output units, per sample, so
    samples never cancel), normalises by the maximum over k, and counts the lags above ``threshold``.
    """
    if not 0 < threshold < 1:
        raise ConfigError(f"threshold must be in (0, 1), got {threshold}")
    xt, _ = _prepare(model, x)
    T = xt.shape[1]
    was_training = model.training
    model.eval()
    squared = torch.zeros(T)
    try:
        with _InputProbe(model, xt) as probe:
            out = model(probe.x)
            last = out[:, -1] if out.dim() == 3 else out  # (B, O)
            last = last.reshape(last.shape[0], -1)
            units = min(last.shape[1], max_outputs)
            for o in range(units):
                (grad,) = torch.autograd.grad(last[:, o].sum(), probe.target(), retain_graph=o < units - 1)
                squared += torch.tensor(_step_norms(grad, T)) ** 2
    finally:
        model.train(was_training)
    per_step = squared.sqrt()  # (T,) in input order
    by_lag = per_step.flip(0)
    peak = float(by_lag.max())
    sensitivity = (by_lag / peak).tolist() if peak > 0 else [0.0] * T
    above = [k for k, s in enumerate(sensitivity) if s >= threshold]
    return EffectiveMemory(steps=(max(above) + 1) if above else 0, sensitivity=sensitivity, threshold=threshold)
