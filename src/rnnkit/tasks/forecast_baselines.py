"""The forecasts a forecaster checks first; a model that does not beat them has learned nothing useful.

For a training series ``x_1..x_T`` and steps ``h = 1..H`` ahead:

* naive: ``x_T`` (for daily stock prices, the one to beat: prices are close to a random walk)
* seasonal naive: ``x_{T − m + ((h − 1) mod m) + 1}``, the value one season ago
* drift: ``x_T + h · (x_T − x_1) / (T − 1)``, the line through the first and last values
* mean: the training mean

The seasonal naive forecast also has an interval (Hyndman & Athanasopoulos, *Forecasting: Principles and
Practice*, 5.5): with ``σ`` the root mean square of its in-sample errors ``x_t − x_{t−m}`` and
``k = ⌊(h − 1)/m⌋`` whole seasons ahead, ``ŷ_h ± z·σ·√(k + 1)``, ``z`` the normal quantile of the level
(``m`` = 1, no season: the naive forecast's ``ŷ ± z·σ·√h``).

Example:
    >>> x = np.array([1.0, 2.0, 3.0, 4.0])
    >>> naive(x, 2).tolist(), drift(x, 2).tolist(), seasonal_naive(x, 3, m=2).tolist()
    ([4.0, 4.0], [5.0, 6.0], [3.0, 4.0, 3.0])
"""

from __future__ import annotations

from collections.abc import Callable
from statistics import NormalDist

import numpy as np

from rnnkit.errors import DataError

__all__ = ["naive", "seasonal_naive", "seasonal_naive_interval", "drift", "mean", "detect_season", "BASELINES"]


def naive(x: np.ndarray, horizon: int, m: int | None = None) -> np.ndarray:
    return np.full(horizon, float(x[-1]))


def seasonal_naive(x: np.ndarray, horizon: int, m: int | None = None) -> np.ndarray:
    if m is None or m < 2:
        return naive(x, horizon)
    if len(x) < m:
        raise DataError(f"seasonal naive needs at least one season ({m} values), got {len(x)}")
    last = x[-m:]
    return np.array([last[h % m] for h in range(horizon)], dtype=np.float64)


def seasonal_naive_interval(
    x: np.ndarray, horizon: int, m: int | None, level: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The seasonal naive forecast and its central ``level`` interval: ``(point, lower, upper)``, each
    ``(horizon,)``."""
    season = m if m is not None and m >= 2 else 1
    if len(x) <= season:
        raise DataError(f"a seasonal naive interval needs more than one season ({season} values), got {len(x)}")
    sigma = float(np.sqrt(np.mean(np.square(x[season:] - x[:-season]))))
    h = np.arange(1, horizon + 1)
    steps = (h - 1) // season + 1 if season > 1 else h  # whole seasons ahead + 1, or steps ahead
    half = float(NormalDist().inv_cdf(0.5 + level / 2)) * sigma * np.sqrt(steps)
    point = seasonal_naive(x, horizon, m)
    return point, point - half, point + half


def drift(x: np.ndarray, horizon: int, m: int | None = None) -> np.ndarray:
    slope = (x[-1] - x[0]) / max(len(x) - 1, 1)
    return x[-1] + slope * np.arange(1, horizon + 1)


def mean(x: np.ndarray, horizon: int, m: int | None = None) -> np.ndarray:
    return np.full(horizon, float(np.mean(x)))


def detect_season(x: np.ndarray, max_period: int = 366) -> int | None:
    """The season ``m ≥ 2`` of a series, or None: the shortest lag where the autocorrelation ``r`` of the
    differenced series has a local maximum within 80 % of the highest one (so a multiple of the season
    is not taken for it), accepted when it clears 3 standard errors of Bartlett's formula
    ``√((1 + 2 Σ_{k<m} r_k²) / n)`` (3, not 2: many lags are tried)."""
    d = np.diff(np.asarray(x, dtype=np.float64))
    d = d - d.mean()
    denominator = float((d * d).sum())
    top = min(max_period, len(d) // 2)
    if top < 3 or denominator == 0:
        return None
    r = np.array([1.0] + [float((d[k:] * d[:-k]).sum()) / denominator for k in range(1, top + 2)])
    peaks = [m for m in range(2, top + 1) if r[m] > r[m - 1] and r[m] >= r[m + 1]]
    if not peaks:
        return None
    best = min(m for m in peaks if r[m] >= 0.8 * max(r[p] for p in peaks))
    bound = 3 * np.sqrt((1 + 2 * np.sum(r[1:best] ** 2)) / len(d))
    return best if r[best] > bound else None


#: baseline forecasts by name: ``fn(training series, horizon, season) -> (horizon,)``
BASELINES: dict[str, Callable[[np.ndarray, int, int | None], np.ndarray]] = {
    "naive": naive,
    "seasonal_naive": seasonal_naive,
    "drift": drift,
    "mean": mean,
}
