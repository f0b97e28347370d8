"""Metrics by name. Each returns a per-sample tensor ``(B,)`` so an epoch's value is the exact mean over
samples however the batches fall (Keras's averaging), accumulated without host syncs.

``'accuracy'`` picks its form from the loss, as Keras does: binary (threshold 0.5) for
``binary_crossentropy``, sparse for ``sparse_categorical_crossentropy``, categorical otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from torch import Tensor

from rnnkit.errors import UnknownNameError
from rnnkit.registry import Registry

__all__ = [
    "BinaryAccuracy",
    "CategoricalAccuracy",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanSquaredError",
    "Metric",
    "RootMeanSquaredError",
    "SparseCategoricalAccuracy",
    "get_metric",
    "metrics",
]

MetricFn = Callable[[Tensor, Tensor], Tensor]


def _per_sample(values: Tensor) -> Tensor:
    return values.reshape(values.shape[0], -1).mean(dim=1)


def _align(y_true: Tensor, y_pred: Tensor) -> Tensor:
    return y_true.unsqueeze(-1) if y_true.dim() == y_pred.dim() - 1 and y_pred.shape[-1] == 1 else y_true


def mse(y_true: Tensor, y_pred: Tensor) -> Tensor:
    return _per_sample((_align(y_true, y_pred) - y_pred) ** 2)


def mae(y_true: Tensor, y_pred: Tensor) -> Tensor:
    return _per_sample((_align(y_true, y_pred) - y_pred).abs())


def mape(y_true: Tensor, y_pred: Tensor) -> Tensor:
    """100 · |y − ŷ| / max(|y|, ε), as Keras's ``mean_absolute_percentage_error``."""
    y = _align(y_true, y_pred).to(y_pred.dtype)
    return _per_sample(100 * (y - y_pred).abs() / y.abs().clamp_min(1e-7))


def binary_accuracy(y_true: Tensor, y_pred: Tensor, threshold: float = 0.5) -> Tensor:
    return _per_sample(((y_pred > threshold).to(y_pred.dtype) == _align(y_true, y_pred)).float())


def categorical_accuracy(y_true: Tensor, y_pred: Tensor) -> Tensor:
    return _per_sample((y_pred.argmax(-1) == y_true.argmax(-1)).float())


def sparse_categorical_accuracy(y_true: Tensor, y_pred: Tensor) -> Tensor:
    if y_true.dim() == y_pred.dim():
        y_true = y_true.squeeze(-1)
    return _per_sample((y_pred.argmax(-1) == y_true.long()).float())


class Metric:
    """A named metric: ``fn(y_true, y_pred)`` gives one value per sample ``(B,)``; the epoch's value is
    ``finish`` of their mean (the mean itself for most; its square root for a root-mean-square)."""

    def __init__(self, name: str, fn: MetricFn, finish: Callable[[float], float] = float) -> None:
        self.name, self.fn, self.finish = name, fn, finish

    def __call__(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        return self.fn(y_true, y_pred)


class MeanSquaredError(Metric):
    """Keras's metric object ``MeanSquaredError()``: the mean of ``(y − ŷ)²``."""

    def __init__(self, name: str = "mean_squared_error") -> None:
        super().__init__(name, mse)


class RootMeanSquaredError(Metric):
    """Keras's ``RootMeanSquaredError()``: ``sqrt(mean((y − ŷ)²))`` over every sample of the epoch (the
    root of the epoch's mean, not a mean of per-batch roots)."""

    def __init__(self, name: str = "root_mean_squared_error") -> None:
        super().__init__(name, mse, math.sqrt)


class MeanAbsoluteError(Metric):
    """Keras's ``MeanAbsoluteError()``: the mean of ``|y − ŷ|``."""

    def __init__(self, name: str = "mean_absolute_error") -> None:
        super().__init__(name, mae)


class MeanAbsolutePercentageError(Metric):
    """Keras's ``MeanAbsolutePercentageError()``: the mean of ``100 · |y − ŷ| / |y|``."""

    def __init__(self, name: str = "mean_absolute_percentage_error") -> None:
        super().__init__(name, mape)


class BinaryAccuracy(Metric):
    """Keras's ``BinaryAccuracy(threshold=0.5)``: the share of predictions on the label's side of it."""

    def __init__(self, name: str = "binary_accuracy", threshold: float = 0.5) -> None:
        super().__init__(name, lambda y_true, y_pred: binary_accuracy(y_true, y_pred, threshold))


class CategoricalAccuracy(Metric):
    """Keras's ``CategoricalAccuracy()``: one-hot targets, the largest prediction right."""

    def __init__(self, name: str = "categorical_accuracy") -> None:
        super().__init__(name, categorical_accuracy)


class SparseCategoricalAccuracy(Metric):
    """Keras's ``SparseCategoricalAccuracy()``: class-id targets, the largest prediction right."""

    def __init__(self, name: str = "sparse_categorical_accuracy") -> None:
        super().__init__(name, sparse_categorical_accuracy)


def for_output(metric: Metric, index: int, output: str) -> Metric:
    """``metric`` on output ``index`` of a model with several outputs, named ``<output>_<metric>`` (Keras's)."""
    return Metric(
        f"{output}_{metric.name}", lambda y_true, y_pred: metric(y_true[index], y_pred[index]), metric.finish
    )


metrics: Registry[MetricFn] = Registry("metric")
for _names, _fn in [
    (("mse", "mean_squared_error"), mse),
    (("mae", "mean_absolute_error"), mae),
    (("mape", "mean_absolute_percentage_error"), mape),
    (("binary_accuracy",), binary_accuracy),
    (("categorical_accuracy",), categorical_accuracy),
    (("sparse_categorical_accuracy",), sparse_categorical_accuracy),
]:
    for _n in _names:
        metrics.register(_n, _fn)


def get_metric(spec: str | MetricFn, loss_name: str = "") -> Metric:
    """Resolve a metric name (``'accuracy'``/``'acc'`` by the loss), or wrap ``fn(y_true, y_pred) -> (B,)``."""
    if isinstance(spec, str):
        name = spec.lower()
        if name in ("accuracy", "acc"):
            kind = {
                "binary_crossentropy": binary_accuracy,
                "bce": binary_accuracy,
                "sparse_categorical_crossentropy": sparse_categorical_accuracy,
            }
            return Metric(spec, kind.get(loss_name, categorical_accuracy))
        if name in ("rmse", "root_mean_squared_error"):
            return RootMeanSquaredError(spec)
        return Metric(spec, metrics.get(name))
    if isinstance(spec, Metric):
        return spec
    if callable(spec):
        return Metric(getattr(spec, "__name__", "metric"), spec)
    raise UnknownNameError(
        f"metric must be a name ({', '.join(metrics.names())}, accuracy, rmse) or a callable"
    )
