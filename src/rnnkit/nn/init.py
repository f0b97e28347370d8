"""Weight initializers with Keras's names and defaults, and the activation functions by name.

Keras's defaults for recurrent layers: ``glorot_uniform`` input kernel, ``orthogonal`` recurrent kernel,
``zeros`` bias (and the LSTM forget-gate bias set to 1, ``unit_forget_bias``). ``identity`` makes the
recurrent kernel the identity matrix (Le et al. 2015, "IRNN") for ReLU recurrent nets.

Fans are computed on the Keras kernel ``(in, out)``; rnnkit stores the transpose (PyTorch layout
``(out, in)``), so ``fan_in = shape[1]`` and ``fan_out = shape[0]`` here.

Initializers are given by name (``"orthogonal"``) or, with arguments, as objects that can be saved
(``Orthogonal(gain=2.0)``, serialised as ``{"class_name": "Orthogonal", "config": {"gain": 2.0}}``).

Example:
    >>> import torch
    >>> w = torch.empty(4, 4)
    >>> _ = get_initializer("identity")(w)
    >>> bool(torch.equal(w, torch.eye(4)))
    True
    >>> _ = get_initializer({"class_name": "Identity", "config": {"gain": 3.0}})(w)
    >>> float(w[0, 0])
    3.0
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from rnnkit.errors import ConfigError, UnknownNameError
from rnnkit.registry import Registry

__all__ = [
    "initializers",
    "activations",
    "get_initializer",
    "get_activation",
    "serialize_initializer",
    "Initializer",
    "Orthogonal",
    "Identity",
    "RandomUniform",
    "RandomNormal",
    "Constant",
    "GlorotUniform",
    "GlorotNormal",
    "HeUniform",
    "HeNormal",
    "LecunUniform",
    "LecunNormal",
    "TruncatedNormal",
    "Zeros",
    "Ones",
]

Activation = Callable[[Tensor], Tensor]


def _fans(w: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a kernel stored ``(out, in)``."""
    return (w.shape[1], w.shape[0]) if w.dim() == 2 else (w.shape[0], w.shape[0])


@torch.no_grad()
def glorot_uniform(w: Tensor) -> Tensor:
    """U(-a, a) with ``a = sqrt(6 / (fan_in + fan_out))`` (Glorot & Bengio 2010)."""
    fan_in, fan_out = _fans(w)
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
    fan_in = _fans(w)[0]
    limit = math.sqrt(6.0 / fan_in)
    return w.uniform_(-limit, limit)


# a standard normal truncated to ±2 has standard deviation 0.8796: divided by it, the draw has the scale asked
_TRUNCATED_STD = 0.87962566103423978


@torch.no_grad()
def _truncated_normal(w: Tensor, stddev: float) -> Tensor:
    return torch.nn.init.trunc_normal_(w, 0.0, stddev, -2 * stddev, 2 * stddev)


@torch.no_grad()
def _variance_scaling(w: Tensor, scale: float, mode: str, distribution: str) -> Tensor:
    """Keras's ``VarianceScaling``: variance ``scale / n`` with n the fan in, or the mean of both fans."""
    fan_in, fan_out = _fans(w)
    n = fan_in if mode == "fan_in" else (fan_in + fan_out) / 2
    if distribution == "uniform":
        limit = math.sqrt(3.0 * scale / n)
        return w.uniform_(-limit, limit)
    return _truncated_normal(w, math.sqrt(scale / n) / _TRUNCATED_STD)


def glorot_normal(w: Tensor) -> Tensor:
    """Truncated N(0, 2 / (fan_in + fan_out)) (Keras's ``glorot_normal``)."""
    return _variance_scaling(w, 1.0, "fan_avg", "normal")


def he_normal(w: Tensor) -> Tensor:
    """Truncated N(0, 2 / fan_in) (Keras's ``he_normal``)."""
    return _variance_scaling(w, 2.0, "fan_in", "normal")


def lecun_normal(w: Tensor) -> Tensor:
    """Truncated N(0, 1 / fan_in) (Keras's ``lecun_normal``, for SELU nets)."""
    return _variance_scaling(w, 1.0, "fan_in", "normal")


def lecun_uniform(w: Tensor) -> Tensor:
    """U(-a, a) with ``a = sqrt(3 / fan_in)`` (Keras's ``lecun_uniform``)."""
    return _variance_scaling(w, 1.0, "fan_in", "uniform")


@torch.no_grad()
def random_normal(w: Tensor) -> Tensor:
    """N(0, 0.05²), Keras's ``random_normal``."""
    return w.normal_(0.0, 0.05)


def truncated_normal(w: Tensor) -> Tensor:
    """N(0, 0.05²) redrawn beyond two standard deviations, Keras's ``truncated_normal``."""
    return _truncated_normal(w, 0.05)


initializers: Registry[Callable[[Tensor], Tensor]] = Registry("initializer")
for _name, _fn in [
    ("glorot_uniform", glorot_uniform),
    ("orthogonal", orthogonal),
    ("identity", identity),
    ("zeros", zeros),
    ("ones", ones),
    ("random_uniform", random_uniform),
    ("uniform", random_uniform),
    ("he_uniform", he_uniform),
    ("glorot_normal", glorot_normal),
    ("he_normal", he_normal),
    ("lecun_normal", lecun_normal),
    ("lecun_uniform", lecun_uniform),
    ("random_normal", random_normal),
    ("normal", random_normal),
    ("truncated_normal", truncated_normal),
]:
    initializers.register(_name, _fn)


class Initializer:
    """An initializer with arguments; ``get_config()`` makes it savable.

    The random ones take Keras's ``seed``: with a seed, every call draws the same values (from its own
    generator; the global random state is left as it was), as a seeded Keras initializer does.
    """

    seed: int | None = None

    def __call__(self, w: Tensor) -> Tensor:
        if self.seed is None:
            return self.draw(w)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            return self.draw(w)

    def draw(self, w: Tensor) -> Tensor:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if not (k == "seed" and v is None)}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class Orthogonal(Initializer):
    """``gain`` times a (semi-)orthogonal matrix: spectral radius ``gain`` for square kernels."""

    def __init__(self, gain: float = 1.0, seed: int | None = None) -> None:
        self.gain = float(gain)
        self.seed = seed

    @torch.no_grad()
    def draw(self, w: Tensor) -> Tensor:
        return orthogonal(w).mul_(self.gain)


class Identity(Initializer):
    """``gain`` times the identity matrix."""

    def __init__(self, gain: float = 1.0) -> None:
        self.gain = float(gain)

    @torch.no_grad()
    def draw(self, w: Tensor) -> Tensor:
        return identity(w).mul_(self.gain)


class RandomUniform(Initializer):
    """U(minval, maxval)."""

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None) -> None:
        self.minval, self.maxval = float(minval), float(maxval)
        self.seed = seed

    @torch.no_grad()
    def draw(self, w: Tensor) -> Tensor:
        return w.uniform_(self.minval, self.maxval)


class RandomNormal(Initializer):
    """N(mean, stddev²)."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        self.mean, self.stddev = float(mean), float(stddev)
        self.seed = seed

    @torch.no_grad()
    def draw(self, w: Tensor) -> Tensor:
        return w.normal_(self.mean, self.stddev)


class Constant(Initializer):
    """Every entry ``value``."""

    def __init__(self, value: float = 0.0) -> None:
        self.value = float(value)

    @torch.no_grad()
    def draw(self, w: Tensor) -> Tensor:
        return w.fill_(self.value)


class _Named(Initializer):
    """A named initializer as a class with Keras's name and ``seed`` (``GlorotUniform(seed=1)``)."""

    fn: Callable[[Tensor], Tensor]

    def __init__(self, seed: int | None = None) -> None:
        self.seed = seed

    def draw(self, w: Tensor) -> Tensor:
        return type(self).fn(w)


class GlorotUniform(_Named):
    """Keras's ``GlorotUniform``: ``glorot_uniform``, with a seed."""

    fn = staticmethod(glorot_uniform)


class HeUniform(_Named):
    """Keras's ``HeUniform``: ``he_uniform``, with a seed."""

    fn = staticmethod(he_uniform)


class GlorotNormal(_Named):
    """Keras's ``GlorotNormal``: ``glorot_normal``, with a seed."""

    fn = staticmethod(glorot_normal)


class HeNormal(_Named):
    """Keras's ``HeNormal``: ``he_normal``, with a seed."""

    fn = staticmethod(he_normal)


class LecunNormal(_Named):
    """Keras's ``LecunNormal``: ``lecun_normal``, with a seed."""

    fn = staticmethod(lecun_normal)


class LecunUniform(_Named):
    """Keras's ``LecunUniform``: ``lecun_uniform``, with a seed."""

    fn = staticmethod(lecun_uniform)


class TruncatedNormal(Initializer):
    """N(mean, stddev²) redrawn beyond two standard deviations."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        self.mean, self.stddev = float(mean), float(stddev)
        self.seed = seed

    @torch.no_grad()
    def draw(self, w: Tensor) -> Tensor:
        return _truncated_normal(w, self.stddev).add_(self.mean)


class Zeros(_Named):
    """Keras's ``Zeros``."""

    fn = staticmethod(zeros)


class Ones(_Named):
    """Keras's ``Ones``."""

    fn = staticmethod(ones)


_INITIALIZER_CLASSES = {
    c.__name__: c
    for c in (
        Orthogonal, Identity, RandomUniform, RandomNormal, TruncatedNormal, Constant, GlorotUniform, GlorotNormal,
        HeUniform, HeNormal, LecunUniform, LecunNormal, Zeros, Ones,
    )
}  # fmt: skip

InitializerSpec = str | dict[str, Any] | Initializer | Callable[[Tensor], Tensor]


def serialize_initializer(spec: InitializerSpec) -> str | dict[str, Any]:
    """A name stays a name; an ``Initializer`` becomes ``{"class_name", "config"}``; a plain function cannot be saved."""
    if isinstance(spec, str | dict):
        return spec
    if isinstance(spec, Initializer):
        return {"class_name": type(spec).__name__, "config": spec.get_config()}
    raise ConfigError(
        f"initializer {spec!r} is a plain function and cannot be saved; use a name or an rnnkit.initializers object"
    )


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


def get_initializer(spec: InitializerSpec) -> Callable[[Tensor], Tensor]:
    """Resolve a name, a saved ``{"class_name", "config"}`` dict, or pass a callable ``fn(tensor)`` through."""
    if callable(spec):
        return spec
    if isinstance(spec, str):
        return initializers.get(spec)
    if isinstance(spec, dict):
        cls = _INITIALIZER_CLASSES.get(str(spec.get("class_name")))
        if cls is None:
            raise UnknownNameError(
                f"unknown initializer class {spec.get('class_name')!r}; expected one of: {', '.join(_INITIALIZER_CLASSES)}"
            )
        try:
            return cls(**dict(spec.get("config") or {}))
        except TypeError as exc:
            raise ConfigError(f"initializer {spec!r} has bad arguments: {exc}") from exc
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
