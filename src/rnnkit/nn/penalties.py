"""Keras's weight regularizers and constraints, by name or as objects (savable, as initializers are).

A regularizer is a penalty on a tensor added to the training loss: ``L1(l1)``: ``l1 · Σ|w|``,
``L2(l2)``: ``l2 · Σw²`` (Keras's, without the ½), ``L1L2``: both; names ``'l1'``, ``'l2'``, ``'l1_l2'``
take Keras's default factor 0.01. A constraint maps a tensor back into a set after each update:
``NonNeg`` (w ≥ 0), ``MaxNorm(max_value=2, axis=0)``, ``UnitNorm(axis=0)``, ``MinMaxNorm(min_value=0,
max_value=1, rate=1, axis=0)``; norms are taken along ``axis`` of the weight in Keras's layout (a kernel
``(in, out)``: axis 0 is each unit's incoming weights).

Example:
    >>> import torch
    >>> round(float(get_regularizer("l2")(torch.ones(3))), 6)  # 0.01 · 3
    0.03
    >>> [round(v, 4) for v in get_constraint(MaxNorm(1.0))(torch.tensor([[3.0], [4.0]])).flatten().tolist()]
    [0.6, 0.8]
"""

from __future__ import annotations

from typing import Any

from torch import Tensor

from rnnkit.errors import ConfigError, UnknownNameError

__all__ = [
    "L1",
    "L1L2",
    "L2",
    "MaxNorm",
    "MinMaxNorm",
    "NonNeg",
    "UnitNorm",
    "get_constraint",
    "get_regularizer",
    "serialize_penalty",
]

EPSILON = 1e-7


class _Savable:
    def get_config(self) -> dict[str, Any]:
        return dict(vars(self))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_config().items())})"


class L1L2(_Savable):
    """``l1 · Σ|w| + l2 · Σw²``."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        if l1 < 0 or l2 < 0:
            raise ConfigError(f"regularization factors must be >= 0, got l1={l1}, l2={l2}")
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, w: Tensor) -> Tensor:
        penalty = w.new_zeros(())
        if self.l1:
            penalty = penalty + self.l1 * w.abs().sum()
        if self.l2:
            penalty = penalty + self.l2 * w.square().sum()
        return penalty


class L1(L1L2):
    """``l1 · Σ|w|``."""

    def __init__(self, l1: float = 0.01) -> None:
        super().__init__(l1=l1)

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1}


class L2(L1L2):
    """``l2 · Σw²``."""

    def __init__(self, l2: float = 0.01) -> None:
        super().__init__(l2=l2)

    def get_config(self) -> dict[str, Any]:
        return {"l2": self.l2}


def _norms(w: Tensor, axis: int) -> Tensor:
    return w.square().sum(dim=axis, keepdim=True).sqrt() if w.dim() > 1 else w.abs()


class NonNeg(_Savable):
    """Negative entries become 0."""

    def __call__(self, w: Tensor) -> Tensor:
        return w.clamp_min(0)


class MaxNorm(_Savable):
    """The norm along ``axis`` of each slice at most ``max_value`` (scaled down when above)."""

    def __init__(self, max_value: float = 2.0, axis: int = 0) -> None:
        self.max_value, self.axis = float(max_value), axis

    def __call__(self, w: Tensor) -> Tensor:
        norms = _norms(w, self.axis)
        return w * (norms.clamp(max=self.max_value) / (norms + EPSILON))


class UnitNorm(_Savable):
    """The norm along ``axis`` of each slice 1."""

    def __init__(self, axis: int = 0) -> None:
        self.axis = axis

    def __call__(self, w: Tensor) -> Tensor:
        return w / (_norms(w, self.axis) + EPSILON)


class MinMaxNorm(_Savable):
    """The norm along ``axis`` moved ``rate`` of the way into ``[min_value, max_value]``."""

    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0, axis: int = 0) -> None:
        self.min_value, self.max_value, self.rate, self.axis = float(min_value), float(max_value), float(rate), axis

    def __call__(self, w: Tensor) -> Tensor:
        norms = _norms(w, self.axis)
        wanted = self.rate * norms.clamp(self.min_value, self.max_value) + (1 - self.rate) * norms
        return w * (wanted / (norms + EPSILON))


_REGULARIZERS: dict[str, type[_Savable]] = {"L1": L1, "L2": L2, "L1L2": L1L2}
_CONSTRAINTS: dict[str, type[_Savable]] = {"NonNeg": NonNeg, "MaxNorm": MaxNorm, "UnitNorm": UnitNorm,
                                           "MinMaxNorm": MinMaxNorm}  # fmt: skip
_NAMES = {"l1": L1, "l2": L2, "l1_l2": L1L2, "l1l2": L1L2, "non_neg": NonNeg, "nonneg": NonNeg,
          "max_norm": MaxNorm, "maxnorm": MaxNorm, "unit_norm": UnitNorm, "min_max_norm": MinMaxNorm}  # fmt: skip


def _get(spec: Any, known: dict[str, type[_Savable]], kind: str) -> Any:
    if spec is None:
        return None
    if isinstance(spec, tuple(known.values())):
        return spec
    if isinstance(spec, str) and spec.lower() in _NAMES and _NAMES[spec.lower()] in known.values():
        return _NAMES[spec.lower()]()
    if isinstance(spec, dict) and spec.get("class_name") in known:
        try:
            return known[spec["class_name"]](**dict(spec.get("config") or {}))
        except TypeError as exc:
            raise ConfigError(f"{kind} {spec!r} has bad arguments: {exc}") from exc
    raise UnknownNameError(f"unknown {kind} {spec!r}; expected a name or one of: {', '.join(known)}")


def get_regularizer(spec: Any) -> L1L2 | None:
    """A regularizer from a name (``'l2'``), an object, or its saved ``{"class_name", "config"}``; None stays None."""
    return _get(spec, _REGULARIZERS, "regularizer")  # type: ignore[no-any-return]


def get_constraint(spec: Any) -> Any:
    """A constraint from a name (``'non_neg'``), an object, or its saved form; None stays None."""
    return _get(spec, _CONSTRAINTS, "constraint")


def serialize_penalty(value: Any) -> dict[str, Any] | None:
    """A regularizer or constraint as ``{"class_name", "config"}`` (None stays None)."""
    return None if value is None else {"class_name": type(value).__name__, "config": value.get_config()}


