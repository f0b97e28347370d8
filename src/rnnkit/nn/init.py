"""Weight initializers with Keras's names and defaults, and the activation functions by name.

Keras's defaults for recurrent layers: ``glorot_uniform`` input kernel, ``orthogonal`` recurrent kernel,
``zeros`` bias (and the LSTM forget-gate bias set to 1, ``unit_forget_bias``). ``identity`` makes the
recurrent kernel the identity matrix (Le et al. 2015, "IRNN") for ReLU recurrent nets.

Fans are computed on the Keras kernel ``(in, out)``; rnnkit stores the transpose (PyTorch layout
``(out, in)``), so ``fan_in = shape[1]`` and ``fan_out = shape[0]`` here.

Example:
    >>> import torch
    >>> w = torch.empty(4, 4)
    >>> _ = initializers.get("identity")(w)
    >>> bool(torch.equal(w, torch.eye(4)))
    True
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

from rnnkit.errors import UnknownNameError
from rnnkit.registry import Registry

__all__ = ["initializers", "activations", "get_initializer", "get_activation"]

Initializer = Callable[[Tensor], Tensor]
Activation = Callable[[Tensor], Tensor]


@torch.no_grad()
def glorot_uniform(w: Tensor) -> Tensor:
    """U(-a, a) with ``a = sqrt(6 / (fan_in + fan_out))`` (Glorot & Bengio 2010)."""
    fan_out, fan_in = (w.shape[0], w.shape[1]) if w.dim() == 2 else (w.shape[0], w.shape[0])
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return w.uniform_(-limit, limit)


@torch.no_grad()
def orthogonal(w: Tensor) -> Tensor:
    """A (semi-)orthogonal matrix from the QR decomposition of a Gaussian one (Saxe et al. 2014)."""
    return torch.nn.init.orthogonal_(w)


@torch.no_grad()
def identity(w: Tensor) -> Tensor:
    """The identity matrix (first block of a stacked-gate kernel)."""
    return torch.nn.init.eye_(w)


@torch.no_grad()
def zeros(w: Tensor) -> Tensor:
    return w.zero_()


@torch.no_grad()
def ones(w: Tensor) -> Tensor:
    return w.fill_(1.0)


@torch.no_grad()
def random_uniform(w: Tensor) -> Tensor:
    """U(-0.05, 0.05), Keras's default for embeddings."""
    return w.uniform_(-0.05, 0.05)


@torch.no_grad()
def he_uniform(w: Tensor) -> Tensor:
    """U(-a, a) with ``a = sqrt(6 / fan_in)`` (He et al. 2015)."""
    fan_in = w.shape[1] if w.dim() == 2 else w.shape[0]
    limit = math.sqrt(6.0 / fan_in)
    return w.uniform_(-limit, limit)


initializers: Registry[Initializer] = Registry("initializer")
for _name, _fn in [
    ("glorot_uniform", glorot_uniform),
    ("orthogonal", orthogonal),
    ("identity", identity),
    ("zeros", zeros),
    ("ones", ones),
    ("random_uniform", random_uniform),
    ("uniform", random_uniform),
    ("he_uniform", he_uniform),
]:
    initializers.register(_name, _fn)


def _linear(x: Tensor) -> Tensor:
    return x


activations: Registry[Activation] = Registry("activation")
_activation_table: list[tuple[str, Activation]] = [
    ("linear", _linear),
    ("tanh", torch.tanh),
    ("relu", torch.relu),
    ("sigmoid", torch.sigmoid),
    ("softmax", lambda x: torch.softmax(x, dim=-1)),
    ("elu", F.elu),
    ("gelu", F.gelu),
    ("selu", F.selu),
    ("softplus", F.softplus),
    ("swish", F.silu),
    ("silu", F.silu),
]
for _name, _act in _activation_table:
    activations.register(_name, _act)


def get_initializer(spec: str | Initializer) -> Initializer:
    """Resolve an initializer name or pass a callable ``fn(tensor) -> tensor`` through."""
    if callable(spec):
        return spec
    if isinstance(spec, str):
        return initializers.get(spec)
    raise UnknownNameError(f"initializer must be a name or a callable, got {type(spec).__name__}")


def get_activation(spec: str | Activation | None) -> Activation:
    """Resolve an activation name (``None`` means linear) or pass a callable through."""
    if spec is None:
        return _linear
    if callable(spec):
        return spec
    if isinstance(spec, str):
        return activations.get(spec)
    raise UnknownNameError(f"activation must be a name or a callable, got {type(spec).__name__}")
