"""One small forecaster per series, all trained at once: ``LocalForecasters``.

Darts calls these local models: each series gets its own network (no pooling across series, unlike the
global ``Forecaster`` fitted on many series). Fitting them one by one is a Python loop over fits; here
they are the groups of one network (``rnnkit.layers.grouped``): sample ``b`` holds window ``b`` of every
series, ``(B, S, L, C)``, and every layer keeps the groups apart. Series with fewer windows repeat theirs
to fill the rows. The loss is the sum of the per-series losses, so each group's gradient (and its Adam
update) is the one it would get alone. The windows, transforms and heads are the ``Forecaster``'s
(``strategy`` ``'direct'`` or ``'recursive'``, one recurrent layer, any ``likelihood``).

Example::

    series = {name: values for name, values in ...}          # S series, any lengths ≥ lookback + horizon
    models = LocalForecasters(lookback=24, horizon=6).fit(series)
    models.predict()                                         # (S, 6): each series' own model
    models.evaluate(series_with_test_part, test=24)          # mean errors beside the baselines
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import Any

import numpy as np
import torch

from rnnkit.errors import ConfigError, DataError, DataWarning, ShapeError
from rnnkit.tasks.forecast_config import Forecast
from rnnkit.tasks.forecast_scoring import mean_scores, score_forecasts
from rnnkit.tasks.forecast_series import as_many_series, stack_windows
from rnnkit.tasks.forecasting import FEW_WINDOWS, Forecaster, few_windows_message

__all__ = ["LocalForecasters"]


class LocalForecasters(Forecaster):
    """One network per series, trained together; forecasts always cover all the series, in fit order."""

    task = "forecasting_local"

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        c = self.config
        if c.strategy == "seq2seq" or c.layers != 1:
            raise ConfigError("per-series models have one recurrent layer and a direct or recursive head")
        if options.get("ensemble") not in (None, 1):
            raise ConfigError(
                f"per-series models are one network per series; ensemble must be 1, got {options['ensemble']}"
            )
        if options.get("intervals") == "conformal":
            raise ConfigError("per-series models give their likelihood's own intervals (intervals='model'); "
                              "a global Forecaster calibrates conformal ones")  # fmt: skip
        self.config = replace(c, ensemble=1, intervals="model" if c.likelihood else None)

    def fit(
        self, series: Any, verbose: int = 0, callbacks: list[Any] | None = None, skip_short: bool = False
    ) -> LocalForecasters:
        """Train one model per series of ``series`` (a list or dict of series). Every series needs its own
        windows, so none can be skipped (``skip_short=True`` is refused: use a global ``Forecaster``)."""
        if skip_short:
            raise ConfigError("per-series models train on every series; a global Forecaster can skip short ones")
        if as_many_series(series) is None:
            raise DataError("per-series models need several series: a list or dict of them")
        data, _ = self._prepare(series)
        pairs = [self._training_windows(d, i) for i, d in enumerate(data)]
        fewest = min(len(x) for x, _ in pairs)
        if fewest < FEW_WINDOWS:
            warnings.warn(few_windows_message(fewest, [min(len(d) for d in data)], self.config.lookback, self._steps())
                          + " (the shortest series; each model sees only its own)", DataWarning, stacklevel=2)  # fmt: skip
        rows = max(len(x) for x, _ in pairs)
        x = np.stack([x[np.arange(rows) % len(x)] for x, _ in pairs], axis=1)  # (N, S, L, C)
        y = np.stack([y[np.arange(rows) % len(y)] for _, y in pairs], axis=1)  # (N, S, steps)
        self.model = self._build_grouped(len(data), data[0].shape[1])
        record = self.model.fit(
            x.astype(np.float32), y.astype(np.float32), batch_size=self.config.batch, epochs=self.config.epochs,
            verbose=verbose, callbacks=self._callbacks(callbacks),
        )  # fmt: skip
        self._remember(series, data, record.history["loss"])
        return self

    @torch.no_grad()
    def _outputs(self, x_rel: np.ndarray) -> torch.Tensor:
        """Rows ``s·N .. (s+1)·N − 1`` of ``x_rel`` are series ``s``'s windows; each goes to its own model:
        ``(S·N, 1, steps, K)``, one member per series."""
        groups = len(self.history)
        if len(x_rel) % groups:
            raise ShapeError(
                f"these {groups} models forecast the {groups} series they were fitted on, together: pass a list "
                f"of {groups} series"
            )
        n = len(x_rel) // groups
        grouped = x_rel.reshape(groups, n, *x_rel.shape[1:]).swapaxes(0, 1)  # (N, S, L, C)
        out = torch.from_numpy(self._ready().predict(grouped.astype(np.float32), batch_size=1024, verbose=0))
        by_series = out.double().reshape(n, groups, -1).transpose(0, 1)  # (S, N, steps·K)
        return by_series.reshape(groups * n, 1, -1, self.config.outputs_per_step)  # one member each

    def _inputs(self, series: Any) -> tuple[np.ndarray, np.ndarray | None, bool]:
        x, last, _ = super()._inputs(series)
        return x, last, True

    def historical_forecasts(self, series: Any, test: int) -> np.ndarray:  # type: ignore[override]
        """Forecasts from every origin in the last ``test`` values of each series (no refit):
        ``(S, test − horizon + 1, horizon)``."""
        return self._historical(series, test, None, bounds=False).point

    def historical_intervals(self, series: Any, test: int, level: float | None = None) -> Forecast:  # type: ignore[override]
        """``historical_forecasts`` with interval bounds, each ``(S, N, horizon)``."""
        self._require_intervals()
        return self._historical(series, test, level)

    def _historical(self, series: Any, test: int, level: float | None, bounds: bool = True) -> Forecast:
        data = self._all(series)
        x, last = stack_windows([self._origins(d, len(d) - test) for d in data])
        f = self._forecast_windows(x, level, last, bounds)
        shape = (len(data), -1, self.config.horizon)
        return Forecast(
            f.point.reshape(shape),
            None if f.lower is None else f.lower.reshape(shape),
            None if f.upper is None else f.upper.reshape(shape),
            f.level,
        )

    def evaluate(self, series: Any, test: int, season: int | None = None) -> dict[str, dict[str, float]]:  # type: ignore[override]
        """Errors over the last ``test`` values of every series beside the baselines, averaged over the
        series (``score_forecasts`` per series, then ``mean_scores``)."""
        data = self._all(series)
        point = self._historical(data, test, None, bounds=False).point
        intervals = [self._historical(data, test, level) for level in self.interval_levels]
        per = []
        for i, d in enumerate(data):
            own = [Forecast(f.point[i], f.lower[i], f.upper[i], f.level) for f in intervals]  # type: ignore[index]
            per.append(score_forecasts(d, len(d) - test, point[i], season, own))
        return mean_scores(per)

    def _all(self, series: Any) -> list[np.ndarray]:
        many = as_many_series(series)
        if many is None or len(many) != len(self.history):
            raise ShapeError(f"give the {len(self.history)} series these models were fitted on, as a list or dict")
        return many
