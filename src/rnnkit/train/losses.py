"""Losses with Keras's names and reductions: mean over the last axis, then over batch (and time).

Each loss is a callable ``loss(y_true, y_pred) -> scalar tensor``. Probabilistic losses take
probabilities by default (as Keras does, clipped to ``[ε, 1-ε]``), or logits with ``from_logits=True``.

Example:
    >>> import torch
    >>> float(get_loss("mse")(torch.tensor([[1.0], [3.0]]), torch.tensor([[0.0], [0.0]])))
    5.0
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import torch
import torch.nn.functional as F
from torch import Tensor

from rnnkit.errors import ConfigError, ShapeError, UnknownNameError
from rnnkit.registry import Registry
from rnnkit.validation import is_count

__all__ = [
    "Loss",
    "MeanSquaredError",
    "MeanAbsoluteError",
    "Huber",
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "SparseCategoricalCrossentropy",
    "check_label_smoothing",
    "GaussianNLL",
    "Quantile",
    "SummedOverGroups",
    "get_loss",
    "serialize_loss",
    "losses",
]

EPSILON = 1e-7


class Loss:
    """Base class: ``__call__(y_true, y_pred)`` checks shapes, then ``compute`` does the math. Integer or
    boolean targets become the predictions' float type first, as Keras casts them (0/1 labels for
    ``binary_crossentropy``); the losses that read class ids have a ``__call__`` of their own."""

    name = "loss"

    def __call__(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        if not y_true.is_floating_point():
            y_true = y_true.to(y_pred.dtype)
        if y_true.shape != y_pred.shape:
            if y_true.dim() == y_pred.dim() - 1 and y_pred.shape[-1] == 1:
                y_true = y_true.unsqueeze(-1)
            else:
                raise ShapeError(
                    f"{self.name}: targets of shape {tuple(y_true.shape)} do not match predictions of shape "
                    f"{tuple(y_pred.shape)}"
                )
        return self.compute(y_true, y_pred)

    def compute(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        """Constructor arguments (saved with a compiled model)."""
        return dict(vars(self))


class MeanSquaredError(Loss):
    """mean((y - ŷ)²)"""

    name = "mean_squared_error"

    def compute(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        return F.mse_loss(y_pred, y_true)


class MeanAbsoluteError(Loss):
    """mean(|y - ŷ|)"""

    name = "mean_absolute_error"

    def compute(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        return F.l1_loss(y_pred, y_true)


class Huber(Loss):
    """½e² where |e| ≤ δ, else δ(|e| - ½δ); e = y - ŷ."""

    name = "huber"

    def __init__(self, delta: float = 1.0) -> None:
        self.delta = delta

    def compute(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        return F.huber_loss(y_pred, y_true, delta=self.delta)


class BinaryCrossentropy(Loss):
    """-mean(y log p + (1-y) log(1-p)); targets in [0, 1]."""

    name = "binary_crossentropy"

    def __init__(self, from_logits: bool = False) -> None:
        self.from_logits = from_logits

    def compute(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        if self.from_logits:
            return F.binary_cross_entropy_with_logits(y_pred, y_true)
        return F.binary_cross_entropy(y_pred.clamp(EPSILON, 1 - EPSILON), y_true)


def check_label_smoothing(label_smoothing: float) -> float:
    """``label_smoothing`` as a float if it is a number in [0, 1), else ``ConfigError``."""
    if (
        isinstance(label_smoothing, bool)
        or not isinstance(label_smoothing, int | float)
        or not 0 <= label_smoothing < 1
    ):
        raise ConfigError(f"label_smoothing must be a number in [0, 1), got {label_smoothing!r}")
    return float(label_smoothing)


class CategoricalCrossentropy(Loss):
    """-mean over samples of Σ_c y_c log p_c; one-hot (or soft) targets, classes on the last axis.

    ``label_smoothing`` ε (as Keras's): the targets become ``(1 - ε) y + ε / C`` over C classes.
    """

    name = "categorical_crossentropy"

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0) -> None:
        self.from_logits = from_logits
        self.label_smoothing = check_label_smoothing(label_smoothing)

    def compute(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        if self.from_logits:
            log_p = torch.log_softmax(y_pred, dim=-1)
        else:
            p = y_pred / y_pred.sum(dim=-1, keepdim=True)
            log_p = p.clamp(EPSILON, 1 - EPSILON).log()
        if self.label_smoothing:
            y_true = y_true * (1 - self.label_smoothing) + self.label_smoothing / y_pred.shape[-1]
        return -(y_true * log_p).sum(dim=-1).mean()


class SparseCategoricalCrossentropy(Loss):
    """Categorical cross-entropy with integer class targets: ``y_true`` has one axis less than ``y_pred``.

    ``ignore_class`` (as Keras's): targets with this id (e.g. padding 0) count for nothing; the mean is
    over the other targets. ``label_smoothing`` ε (as PyTorch's ``cross_entropy``): the target for class
    ``y`` is ``1 - ε + ε / C`` on ``y`` and ``ε / C`` on each other class, so the loss is
    ``(1 - ε) · (-log p_y) + ε · mean_c(-log p_c)``; it keeps a classifier (or a translator) from
    pushing its probabilities to 0 and 1 on a small training set.
    """

    name = "sparse_categorical_crossentropy"

    def __init__(
        self, from_logits: bool = False, ignore_class: int | None = None, label_smoothing: float = 0.0
    ) -> None:
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.label_smoothing = check_label_smoothing(label_smoothing)

    def __call__(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        if y_true.dim() == y_pred.dim() and y_true.shape[-1] == 1:
            y_true = y_true.squeeze(-1)
        if y_true.shape != y_pred.shape[:-1]:
            raise ShapeError(
                f"{self.name}: expected integer targets of shape {tuple(y_pred.shape[:-1])}, got {tuple(y_true.shape)}"
            )
        classes = y_pred.shape[-1]
        labels = y_true.long()
        counted = labels if self.ignore_class is None else labels[labels != self.ignore_class]
        if counted.numel() and (int(counted.min()) < 0 or int(counted.max()) >= classes):
            raise ShapeError(
                f"{self.name}: class ids must be in [0, {classes}), got ids in [{int(counted.min())}, {int(counted.max())}]"
            )
        logits = y_pred if self.from_logits else y_pred.clamp(EPSILON, 1 - EPSILON).log()
        ignore = -100 if self.ignore_class is None else self.ignore_class
        return F.cross_entropy(
            logits.reshape(-1, classes), labels.reshape(-1), ignore_index=ignore, label_smoothing=self.label_smoothing
        )


class CTC(Loss):
    """Connectionist temporal classification (Graves et al. 2006): ``-log Σ_π p(π)`` over every frame-level
    path π that reads as the target once repeats are merged and blanks dropped; mean over the batch of
    the loss divided by each target's length (PyTorch's ``reduction='mean'``).

    ``y_true`` ``(B, L)`` label ids ≥ 1, right-padded with 0 (the blank, never a label); ``y_pred``
    ``(B, T, C)`` per-frame log-probabilities (``rnnkit.layers.CTCOutput``: padded frames emit the blank
    with probability 1, so they change nothing). A target that cannot fit its frames costs 0 (PyTorch's
    ``zero_infinity``) instead of infinity.
    """

    name = "ctc"

    def __call__(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        if y_pred.dim() != 3 or y_true.dim() != 2 or len(y_true) != len(y_pred):
            raise ShapeError(
                f"ctc: expected targets (batch, labels) and log-probabilities (batch, frames, classes), got "
                f"{tuple(y_true.shape)} and {tuple(y_pred.shape)}"
            )
        labels = y_true.long()
        target_lengths = (labels != 0).sum(1)
        input_lengths = torch.full((len(y_pred),), y_pred.shape[1], dtype=torch.long, device=y_pred.device)
        return F.ctc_loss(
            y_pred.transpose(0, 1), labels, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=True
        )


class _Distributional(Loss):
    """A loss whose prediction carries ``K`` numbers per target in a last axis: ``y_pred (..., K)``,
    ``y_true (...)``."""

    width = 1

    def __call__(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        if y_pred.shape[:-1] != y_true.shape or y_pred.shape[-1] != self.width:
            raise ShapeError(
                f"{self.name}: targets (...) need predictions (..., {self.width}); got targets of shape "
                f"{tuple(y_true.shape)} and predictions of shape {tuple(y_pred.shape)}"
            )
        return self.compute(y_true, y_pred)


class GaussianNLL(_Distributional):
    """Negative log-likelihood of ``y`` under ``N(μ, σ²)`` with ``y_pred[..., 0] = μ`` and
    ``σ = softplus(y_pred[..., 1]) + 1e-4`` (any real output is a valid scale), without the constant:
    ``mean(log σ + (y − μ)² / 2σ²)``. Minimised by the true mean and standard deviation."""

    name = "gaussian_nll"
    width = 2

    def compute(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        mu, sigma = gaussian_parameters(y_pred)
        return (sigma.log() + 0.5 * ((y_true - mu) / sigma) ** 2).mean()


def gaussian_parameters(y_pred: Tensor) -> tuple[Tensor, Tensor]:
    """``(μ, σ)`` from the ``(..., 2)`` output of a network trained with ``GaussianNLL``."""
    return y_pred[..., 0], F.softplus(y_pred[..., 1]) + 1e-4


class Quantile(_Distributional):
    """Pinball loss averaged over the quantiles ``q`` (one network output each, in a last axis):
    ``mean(max(q·e, (q − 1)·e))`` with ``e = y − ŷ_q``. Its minimiser for each output is the q-quantile
    of ``y``, so the outputs for q = 0.1 and 0.9 bound an 80 % interval."""

    name = "quantile"

    def __init__(self, quantiles: tuple[float, ...] | list[float] = (0.1, 0.5, 0.9)) -> None:
        if not quantiles or any(not 0 < q < 1 for q in quantiles) or list(quantiles) != sorted(set(quantiles)):
            raise ConfigError(f"quantiles must be increasing and inside (0, 1), got {list(quantiles)}")
        self.quantiles = [float(q) for q in quantiles]
        self.width = len(self.quantiles)

    def compute(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        q = torch.tensor(self.quantiles, dtype=y_pred.dtype, device=y_pred.device)
        e = y_true.unsqueeze(-1) - y_pred
        return torch.maximum(q * e, (q - 1) * e).mean()

    def get_config(self) -> dict[str, Any]:
        return {"quantiles": self.quantiles}


class SummedOverGroups(Loss):
    """A loss summed over the independent groups of ``rnnkit.layers.grouped`` (one small model per series,
    or the members of an ensemble): targets and outputs ``(B, S, ...)``, loss ``Σ_s L(y[:, s], ŷ[:, s])``.
    Every loss here averages over all its entries, so that sum is ``S · L(y, ŷ)``, and the gradient that
    reaches group ``s`` is the one its own loss gives it: each group trains as if it were alone.

    Example:
        >>> y, p = torch.zeros(4, 2, 3), torch.ones(4, 2, 3)
        >>> float(SummedOverGroups("mse", groups=2)(y, p))  # each group's MSE is 1
        2.0
    """

    name = "summed_over_groups"

    def __init__(self, loss: str | dict[str, Any] | Loss = "mse", groups: int = 1) -> None:
        base = get_loss(loss)
        if not isinstance(base, (MeanSquaredError, MeanAbsoluteError, Huber, GaussianNLL, Quantile)):
            raise ConfigError(f"summed_over_groups takes a regression loss, got {loss!r}")
        if not is_count(groups):
            raise ConfigError(f"groups must be a positive integer, got {groups!r}")
        self.base, self.groups = base, groups

    def __call__(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        if y_pred.dim() < 2 or y_pred.shape[1] != self.groups:
            raise ShapeError(
                f"{self.name}: predictions must be (batch, {self.groups} groups, ...), got {tuple(y_pred.shape)}"
            )
        return self.groups * self.base(y_true, y_pred)

    def get_config(self) -> dict[str, Any]:
        return {"loss": serialize_loss(self.base), "groups": self.groups}


losses: Registry[Callable[[], Loss]] = Registry("loss")
for _names, _cls in [
    (("mse", "mean_squared_error"), MeanSquaredError),
    (("mae", "mean_absolute_error"), MeanAbsoluteError),
    (("huber",), Huber),
    (("binary_crossentropy", "bce"), BinaryCrossentropy),
    (("categorical_crossentropy",), CategoricalCrossentropy),
    (("sparse_categorical_crossentropy",), SparseCategoricalCrossentropy),
    (("ctc",), CTC),
    (("gaussian_nll",), GaussianNLL),
    (("quantile", "pinball"), Quantile),
]:
    for _n in _names:
        losses.register(_n, _cls)


class OutputsLoss(Loss):
    """The loss of a model with several outputs: ``Σ_k w_k · L_k(y_k, ŷ_k)``, one loss and weight per
    output (Keras's ``compile(loss=[...], loss_weights=[...])``); targets and predictions are lists.

    Example:
        >>> y, p = [torch.zeros(2, 1), torch.zeros(2, 3)], [torch.ones(2, 1), torch.full((2, 3), 2.0)]
        >>> float(OutputsLoss(["mse", "mae"], weights=[1.0, 0.5])(y, p))  # 1 + 0.5 · 2
        2.0
    """

    name = "outputs_loss"

    def __init__(self, losses: list[Any], weights: list[float] | None = None) -> None:
        self.losses = [get_loss(spec) for spec in losses]
        self.weights = [1.0] * len(self.losses) if weights is None else [float(w) for w in weights]
        if not self.losses or len(self.weights) != len(self.losses):
            raise ConfigError(f"one loss and one weight per output: got {len(self.losses)} and {len(self.weights)}")

    def __call__(self, y_true: Any, y_pred: Any) -> Tensor:
        count = len(self.losses)
        if not (isinstance(y_true, list | tuple) and isinstance(y_pred, list | tuple) and len(y_true) == len(y_pred) == count):
            raise ShapeError(f"{self.name}: the model has {count} outputs: give {count} targets (a list), one per output")
        return cast(Tensor, sum(w * loss(t, p) for w, loss, t, p in zip(self.weights, self.losses, y_true, y_pred)))

    def get_config(self) -> dict[str, Any]:
        saved = [serialize_loss(loss) for loss in self.losses]
        if any(s is None for s in saved):
            return {}
        return {"losses": saved, "weights": self.weights}


def _all_subclasses(cls: type[Loss]) -> list[type[Loss]]:
    return [c for sub in cls.__subclasses__() for c in (sub, *_all_subclasses(sub)) if not c.__name__.startswith("_")]


def serialize_loss(spec: Any) -> str | dict[str, Any] | None:
    """A name stays a name; an rnnkit ``Loss`` becomes ``{"class_name", "config"}``; other callables: None."""
    if isinstance(spec, str):
        return spec
    if isinstance(spec, Loss):
        return {"class_name": type(spec).__name__, "config": spec.get_config()}
    return None


def get_loss(spec: str | dict[str, Any] | Callable[[Tensor, Tensor], Tensor]) -> Callable[[Tensor, Tensor], Tensor]:
    """A loss name, a saved ``{"class_name", "config"}``, a ``Loss`` instance, or any ``fn(y_true, y_pred)``."""
    if isinstance(spec, str):
        return losses.get(spec)()
    if isinstance(spec, dict):
        classes = {c.__name__: c for c in _all_subclasses(Loss)}
        cls = classes.get(str(spec.get("class_name")))
        if cls is None:
            raise UnknownNameError(
                f"unknown loss class {spec.get('class_name')!r}; expected one of: {', '.join(sorted(classes))}"
            )
        return cls(**dict(spec.get("config") or {}))
    if callable(spec):
        return spec
    raise UnknownNameError(
        f"loss must be a name ({', '.join(losses.names())}) or a callable, got {type(spec).__name__}"
    )
