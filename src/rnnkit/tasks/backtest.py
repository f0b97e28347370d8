"""Rolling-origin backtests: refit at each of K origins, forecast the next ``horizon`` values, score them
beside the baselines.

Fold k (of K) has its origin at ``t_k = T − (K − k) · horizon``: the model (a fresh forecaster from
``make()``, e.g. a ``Forecaster`` with the same settings) is fitted on ``series[:t_k]`` (``window='expanding'``) or on the last ``train_size`` values
before ``t_k`` (``'sliding'``), then forecasts ``series[t_k : t_k + horizon]``, which it never saw. The
baselines of ``forecast_baselines`` forecast the same steps from the same past. Nothing after an origin
reaches a fit (tests check the data each fold's model saw).

Example::

    report = backtest(airline_passengers().values, folds=4, make=lambda: Forecaster(horizon=6, epochs=300))
    print(report.table())            # per fold and mean: MAE, RMSE, MAPE, sMAPE, MASE; model vs baselines
                                     # (and, with intervals, their coverage and MSIS beside seasonal naive's)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from rnnkit.errors import ConfigError, DataError
from rnnkit.tasks.forecast_baselines import BASELINES, detect_season, seasonal_naive_interval
from rnnkit.tasks.forecast_scoring import add_interval_scores, score_rows
from rnnkit.tasks.forecast_series import as_series

__all__ = ["Fold", "BacktestReport", "backtest"]


class Refittable(Protocol):
    """What a backtest needs of a forecaster: its settings' ``horizon`` and ``lookback``, ``fit`` on a
    series and ``predict`` the ``horizon`` values after a series. One with ``interval_levels`` (a
    ``Forecaster`` with intervals) has each level's ``predict_interval`` scored too."""

    config: Any

    def fit(self, series: Any) -> Refittable: ...

    def predict(self, series: Any) -> np.ndarray: ...


@dataclass(frozen=True)
class Fold:
    """One origin: trained on ``series[train_start:origin]``, scored on ``series[origin:origin + horizon]``."""

    origin: int
    train_start: int
    actual: np.ndarray
    forecasts: dict[str, np.ndarray]  # name → (horizon,)
    scores: dict[str, dict[str, float]]  # name → metric → value


@dataclass
class BacktestReport:
    """Per-fold and mean errors of the model and each baseline."""

    folds: list[Fold]
    season: int | None
    names: list[str] = field(default_factory=list)

    def mean(self) -> dict[str, dict[str, float]]:
        """Each name's metrics averaged over the folds (interval metrics only for the model and seasonal naive)."""
        return {n: {m: float(np.mean([f.scores[n][m] for f in self.folds])) for m in self.folds[0].scores[n]}
                for n in self.names}  # fmt: skip

    def best_baseline(self, metric: str = "mase") -> str:
        means = self.mean()
        return min((n for n in self.names if n != "model"), key=lambda n: means[n][metric])

    def model_wins(self, metric: str = "mase") -> bool:
        means = self.mean()
        return means["model"][metric] < means[self.best_baseline(metric)][metric]

    def table(self, metric: str = "mase") -> str:
        """Text table: ``metric`` per fold and the mean of every metric, with a one-line verdict."""
        means = self.mean()
        metrics = [m for m in means["model"] if m in means["naive"]]  # the point metrics every row has
        lines = [
            f"{'':<16}"
            + "".join(f"{'fold ' + str(i + 1):>10}" for i in range(len(self.folds)))
            + f"   ({metric.upper()})"
        ]
        for name in self.names:
            lines.append(
                f"{name.replace('_', ' '):<16}" + "".join(f"{f.scores[name][metric]:>10.4g}" for f in self.folds)
            )
        lines.append("")
        lines.append(f"{'mean':<16}" + "".join(f"{m.upper():>10}" for m in metrics))
        for name in self.names:
            lines.append(f"{name.replace('_', ' '):<16}" + "".join(f"{means[name][m]:>10.4g}" for m in metrics))
        best = self.best_baseline(metric)
        verdict = "beats" if self.model_wins(metric) else "does NOT beat"
        lines.append(f"the model {verdict} the best baseline ({best.replace('_', ' ')}) on mean {metric.upper()}")
        interval = [m for m in means["model"] if m not in means["naive"]]
        if interval:
            lines += ["", f"{'intervals':<16}" + "".join(f"{m:>14}" for m in interval)]
            for name in ("model", "seasonal_naive"):
                lines.append(f"{name.replace('_', ' '):<16}" + "".join(f"{means[name][m]:>14.4g}" for m in interval))
        return "\n".join(lines)


def backtest(
    series: Any,
    folds: int = 4,
    window: str = "expanding",
    train_size: int | None = None,
    season: int | None = None,
    *,
    make: Callable[[], Refittable],
) -> BacktestReport:
    """Refit a new forecaster from ``make()`` at each of ``folds`` origins and score each ``horizon``-step
    forecast beside the baselines; ``season`` is detected from the first fold's training part when not
    given. (``Forecaster.backtest`` calls this with a forecaster of its own settings.)"""
    if window not in ("expanding", "sliding"):
        raise ConfigError(f"window must be 'expanding' or 'sliding', got {window!r}")
    if not isinstance(folds, int) or folds < 1:
        raise ConfigError(f"folds must be a positive integer, got {folds!r}")
    data = as_series(series)
    settings = make().config
    horizon, lookback = settings.horizon, settings.lookback
    first = len(data) - folds * horizon
    if window == "sliding" and (train_size is None or train_size < lookback + horizon):
        raise ConfigError(f"a sliding window needs train_size of at least lookback + horizon = {lookback + horizon}")
    need = train_size if window == "sliding" and train_size is not None else lookback + horizon
    if first < need:
        raise DataError(
            f"{folds} folds of {horizon} steps leave {first} values before the first origin; "
            f"the model needs at least {need} to train"
        )
    target = data[:, 0]
    m = season if season is not None else detect_season(target[:first])
    out: list[Fold] = []
    for k in range(folds):
        origin = first + k * horizon
        start = origin - train_size if window == "sliding" and train_size is not None else 0
        model = make().fit(data[start:origin])
        actual = target[origin : origin + horizon]
        forecasts = {"model": model.predict(data[start:origin])}
        for name, baseline in BASELINES.items():
            forecasts[name] = baseline(target[start:origin], horizon, m)
        scores = score_rows(actual[None], {name: f[None] for name, f in forecasts.items()}, target[start:origin], m)
        probabilistic: Any = model  # Refittable asks only fit and predict; a Forecaster with intervals has more
        for level in getattr(model, "interval_levels", ()):  # its intervals beside the seasonal naive one
            f = probabilistic.predict_interval(data[start:origin], level)
            _, lower, upper = seasonal_naive_interval(target[start:origin], horizon, m, level)
            bounds = {"model": (f.lower, f.upper), "seasonal_naive": (lower, upper)}
            add_interval_scores(scores, actual, level, bounds, target[start:origin], m)
        out.append(Fold(origin, start, actual, forecasts, scores))
    return BacktestReport(out, m, names=["model", *BASELINES])
