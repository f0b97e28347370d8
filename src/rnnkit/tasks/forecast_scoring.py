"""Scoring forecasts beside the baselines: every metric of ``forecast_metrics`` for the model and for each
baseline of ``forecast_baselines``, forecasting the same steps from the same past.

Example:
    >>> actual = np.array([[3.0, 4.0]])
    >>> scores = score_rows(actual, {"model": np.array([[3.0, 5.0]])}, np.arange(1.0, 4.0), None)
    >>> round(scores["model"]["mae"], 2), round(scores["model"]["mase"], 2)
    (0.5, 0.5)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rnnkit.errors import ConfigError
from rnnkit.tasks.forecast_baselines import BASELINES, detect_season, seasonal_naive_interval
from rnnkit.tasks.forecast_config import Forecast
from rnnkit.tasks.forecast_metrics import METRICS, coverage, level_name, mase, msis

__all__ = ["add_interval_scores", "mean_scores", "score_forecasts", "score_rows"]


def score_rows(
    actual: np.ndarray, forecasts: dict[str, np.ndarray], history: np.ndarray, season: int | None
) -> dict[str, dict[str, float]]:
    """``{name: {metric: value}}`` for each forecast ``(N, H)`` of ``actual`` ``(N, H)``: every metric (MAPE
    only when no actual value is 0) and MASE, scaled by the seasonal naive errors on ``history``."""
    scores = {}
    for name, f in forecasts.items():
        row = {metric: fn(actual, f) for metric, fn in METRICS.items() if metric != "mape" or (actual != 0).all()}
        row["mase"] = mase(actual, f, history, season or 1)
        scores[name] = row
    return scores


def score_forecasts(
    data: np.ndarray, start: int, point: np.ndarray, season: int | None = None, intervals: Sequence[Forecast] = ()
) -> dict[str, dict[str, float]]:
    """Errors of the forecasts ``point`` ``(N, H)`` from origins ``start .. start + N − 1`` of the ``(T, C)``
    series ``data`` and of every baseline from the same origins: ``{name: {metric: value}}``. Each interval
    forecast of ``intervals`` (one per level) adds ``coverage-<level>`` and ``msis-<level>`` to the model's
    row, and the same for the seasonal naive interval to that baseline's row."""
    target, h = data[:, 0], point.shape[1]
    origins = range(start, start + len(point))
    m = season if season is not None else detect_season(target[:start])
    forecasts = {"model": point}
    for name, baseline in BASELINES.items():
        forecasts[name] = np.stack([baseline(target[:t], h, m) for t in origins])
    actual = np.stack([target[t : t + h] for t in origins])
    scores = score_rows(actual, forecasts, target[:start], m)
    for f in intervals:
        if f.lower is None or f.upper is None or f.level is None:
            raise ConfigError("score_forecasts takes interval forecasts with bounds and a level")
        naive = np.stack([np.stack(seasonal_naive_interval(target[:t], h, m, f.level)[1:]) for t in origins])
        bounds = {"model": (f.lower, f.upper), "seasonal_naive": (naive[:, 0], naive[:, 1])}
        add_interval_scores(scores, actual, f.level, bounds, target[:start], m)
    return scores


def add_interval_scores(
    scores: dict[str, dict[str, float]], actual: np.ndarray, level: float,
    bounds: dict[str, tuple[np.ndarray, np.ndarray]], history: np.ndarray, season: int | None,
) -> None:  # fmt: skip
    """Add ``coverage-<level>`` and ``msis-<level>`` to the row of each name in ``bounds`` (its lower and
    upper bounds of ``actual``), MSIS scaled by the seasonal naive errors on ``history``."""
    for name, (lower, upper) in bounds.items():
        scores[name][f"coverage-{level_name(level)}"] = coverage(actual, lower, upper)
        scores[name][f"msis-{level_name(level)}"] = msis(actual, lower, upper, level, history, season or 1)


def mean_scores(scores: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    """Each name's metrics averaged over several series' ``score_forecasts``."""
    return {n: {m: float(np.mean([s[n][m] for s in scores])) for m in scores[0][n]} for n in scores[0]}
