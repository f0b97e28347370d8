"""Forecast errors, named as forecasters name them. ``y`` actual, ``f`` forecast, ``n`` points:

* MAE = mean |y − f|;  RMSE = √mean (y − f)²
* MAPE = 100 · mean |y − f| / |y|  (undefined where y = 0)
* sMAPE = 100 · mean 2|y − f| / (|y| + |f|)
* MASE = MAE / (mean |x_t − x_{t−m}| over the training series x): below 1 beats the in-sample seasonal
  naive forecast (m = season, 1 without one)
* coverage = fraction of actual values inside their prediction interval ``[l, u]``
* interval score (Gneiting & Raftery 2007) of a central ``level`` interval, ``α = 1 − level``:
  mean of ``(u − l) + (2/α)(l − y)·[y < l] + (2/α)(y − u)·[y > u]``: the width, plus a penalty for each
  miss that grows with the miss; lower is better, and no interval can lower it by being wrong on purpose
* MSIS = interval score / the MASE scale (the M4 competition's scaled interval score)

Example:
    >>> y, f = [100.0, 200.0], [110.0, 190.0]
    >>> mae(y, f), round(mape(y, f), 2), round(smape(y, f), 3)
    (10.0, 7.5, 7.326)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rnnkit.errors import DataError, ShapeError

__all__ = ["mae", "rmse", "mape", "smape", "mase", "coverage", "interval_score", "msis", "level_name", "METRICS"]

Values = Sequence[float] | np.ndarray


def _pair(y: Values, f: Values) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(y, dtype=np.float64), np.asarray(f, dtype=np.float64)
    if a.shape != b.shape or a.size == 0:
        raise ShapeError(f"actual and forecast must have the same non-empty shape, got {a.shape} and {b.shape}")
    return a, b


def mae(y: Values, f: Values) -> float:
    a, b = _pair(y, f)
    return float(np.abs(a - b).mean())


def rmse(y: Values, f: Values) -> float:
    a, b = _pair(y, f)
    return float(np.sqrt(np.square(a - b).mean()))


def mape(y: Values, f: Values) -> float:
    a, b = _pair(y, f)
    if (a == 0).any():
        raise DataError("MAPE is undefined when an actual value is 0; use sMAPE or MASE")
    return float(100 * (np.abs(a - b) / np.abs(a)).mean())


def smape(y: Values, f: Values) -> float:
    a, b = _pair(y, f)
    denominator = np.abs(a) + np.abs(b)
    ratio = np.divide(2 * np.abs(a - b), denominator, out=np.zeros_like(a), where=denominator > 0)
    return float(100 * ratio.mean())


def _seasonal_scale(insample: Values, m: int) -> float:
    """Mean absolute seasonal difference ``mean |x_t − x_{t−m}|`` of the training series: MASE's scale."""
    x = np.asarray(insample, dtype=np.float64)
    if len(x) <= m:
        raise DataError(f"MASE needs a training series longer than the season m={m}, got {len(x)} values")
    scale = float(np.abs(x[m:] - x[:-m]).mean())
    if scale == 0:
        raise DataError("MASE is undefined for a training series whose seasonal differences are all 0")
    return scale


def mase(y: Values, f: Values, insample: Values, m: int = 1) -> float:
    return mae(y, f) / _seasonal_scale(insample, m)


def coverage(y: Values, lower: Values, upper: Values) -> float:
    a, lo = _pair(y, lower)
    _, hi = _pair(y, upper)
    return float(((a >= lo) & (a <= hi)).mean())


def interval_score(y: Values, lower: Values, upper: Values, level: float) -> float:
    a, lo = _pair(y, lower)
    _, hi = _pair(y, upper)
    if not 0 < level < 1:
        raise DataError(f"level must be inside (0, 1), got {level}")
    alpha = 1 - level
    score = (hi - lo) + (2 / alpha) * np.clip(lo - a, 0, None) + (2 / alpha) * np.clip(a - hi, 0, None)
    return float(score.mean())


def msis(y: Values, lower: Values, upper: Values, level: float, insample: Values, m: int = 1) -> float:
    return interval_score(y, lower, upper, level) / _seasonal_scale(insample, m)


def level_name(level: float) -> str:
    """A level as the percentage that names its columns and metrics: 0.8 → ``'80'``, 0.975 → ``'97.5'``."""
    return f"{100 * level:.10g}"


#: metrics of (actual, forecast) alone, by name
METRICS = {"mae": mae, "rmse": rmse, "mape": mape, "smape": smape}
