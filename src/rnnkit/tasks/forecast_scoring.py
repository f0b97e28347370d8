"""Scoring forecasts beside the baselines: every metric of ``forecast_metrics`` for the model and for each
baseline of ``forecast_baselines``, forecasting the same steps from the same past.

Example:
    >>> actual = np.array([[3.0, 4.0]])
    >>> scores = score_rows(actual, {"model": np.array([[3.0, 5.0]])}, np.arange(1.0, 4.0), None)
    >>> round(scores["model"]["mae"], 2), round(scores["model"]["mase"], 2)
    (0.5, 0.5)
"""

from __future__ import annotations

import numpy as np

from rnnkit.tasks.forecast_baselines import BASELINES, detect_season
from rnnkit.tasks.forecast_config import Forecast
from rnnkit.tasks.forecast_metrics import METRICS, coverage, mase

__all__ = ["mean_scores", "score_forecasts", "score_rows"]


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
    data: np.ndarray, start: int, model: Forecast, season: int | None = None
) -> dict[str, dict[str, float]]:
    """Errors of ``model`` (forecasts ``(N, H)`` from origins ``start .. start + N − 1`` of the ``(T, C)``
    series ``data``) and of every baseline from the same origins: ``{name: {metric: value}}``; a
    probabilistic forecast adds ``coverage`` and ``level`` to the model's row."""
    target, h = data[:, 0], model.point.shape[1]
    origins = range(start, start + len(model.point))
    m = season if season is not None else detect_season(target[:start])
    forecasts = {"model": model.point}
    for name, baseline in BASELINES.items():
        forecasts[name] = np.stack([baseline(target[:t], h, m) for t in origins])
    actual = np.stack([target[t : t + h] for t in origins])
    scores = score_rows(actual, forecasts, target[:start], m)
    if model.lower is not None and model.upper is not None and model.level is not None:
        scores["model"]["coverage"] = coverage(actual, model.lower, model.upper)
        scores["model"]["level"] = model.level
    return scores


def mean_scores(scores: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    """Each name's metrics averaged over several series' ``score_forecasts``."""
    return {n: {m: float(np.mean([s[n][m] for s in scores])) for m in scores[0][n]} for n in scores[0]}
