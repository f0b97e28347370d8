"""Forecaster: beats the seasonal naive forecast on a trending seasonal series, historical forecasts use
only the past, saved models forecast the same, and bad series get one clear error."""

from __future__ import annotations

import numpy as np
import pytest

import rnnkit
from rnnkit.errors import ConfigError, DataError, ShapeError
from rnnkit.tasks.forecast_baselines import seasonal_naive
from rnnkit.tasks.forecast_metrics import mape
from rnnkit.tasks.forecasting import Forecaster, windows


def _trend_season(n: int = 150, seed: int = 0) -> np.ndarray:
    """Growing level with a multiplicative 12-step season and a little noise (like the airline series)."""
    t = np.arange(n)
    rng = np.random.default_rng(seed)
    return (100 + 2 * t) * (1 + 0.2 * np.sin(2 * np.pi * t / 12)) * np.exp(rng.normal(0, 0.01, n))


@pytest.fixture(scope="module")
def fitted() -> tuple[Forecaster, np.ndarray]:
    rnnkit.seed(0)
    series = _trend_season()
    return Forecaster(lookback=24, horizon=6, epochs=60).fit(series[:120]), series


def test_beats_seasonal_naive_on_a_trend_it_extrapolates(fitted) -> None:  # type: ignore[no-untyped-def]
    model, series = fitted
    forecasts = model.historical_forecasts(series, start=120)  # (25, 6)
    actual = np.stack([series[t : t + 6] for t in range(120, 145)])
    naive = np.stack([seasonal_naive(series[:t], 6, m=12) for t in range(120, 145)])
    assert forecasts.shape == (25, 6)
    assert mape(actual, forecasts) < 0.6 * mape(actual, naive)


def test_historical_forecasts_use_only_the_past(fitted) -> None:  # type: ignore[no-untyped-def]
    model, series = fitted
    forecasts = model.historical_forecasts(series, start=130)
    for i in (0, 7):
        np.testing.assert_allclose(forecasts[i], model.predict(series[: 130 + i]), rtol=1e-6)
    changed = series.copy()
    changed[140:] *= 10  # the future changes; forecasts made before it must not
    np.testing.assert_allclose(model.historical_forecasts(changed, start=130)[:5], forecasts[:5], rtol=1e-6)


def test_saved_forecaster_forecasts_the_same(fitted, tmp_path) -> None:  # type: ignore[no-untyped-def]
    model, series = fitted
    model.save(tmp_path / "f")
    same = Forecaster.load(tmp_path / "f")
    np.testing.assert_allclose(same.predict(), model.predict(), rtol=1e-6)
    np.testing.assert_allclose(same.predict(series), model.predict(series), rtol=1e-6)


def test_windows_and_covariates() -> None:
    x, y = windows(np.arange(12.0).reshape(6, 2), lookback=2, horizon=1)
    assert x.shape == (4, 2, 2) and y.tolist() == [[4.0], [6.0], [8.0], [10.0]]
    rnnkit.seed(0)
    series = np.stack([_trend_season(80), np.arange(80.0)], axis=1)  # target + one past covariate
    model = Forecaster(lookback=12, horizon=3, epochs=2).fit(series)
    assert model.predict().shape == (3,)
    with pytest.raises(ShapeError, match="fitted on 2"):
        model.predict(series[:, :1])


def test_bad_series_get_a_clear_error() -> None:
    with pytest.raises(DataError, match="too short for lookback 24"):
        Forecaster().fit(np.arange(1.0, 20.0))
    with pytest.raises(DataError, match="missing or infinite values \\(first at step 3\\)"):
        Forecaster().fit([1.0, 2.0, 3.0, np.nan] * 10)
    with pytest.raises(DataError, match="constant"):
        Forecaster().fit(np.ones(50))
    with pytest.raises(DataError, match="must hold numbers"):
        Forecaster().fit(["a", "b"])
    with pytest.raises(ConfigError, match="not trained"):
        Forecaster().predict(np.ones(30))
    with pytest.raises(ConfigError, match="transform must be"):
        Forecaster(transform="sqrt")
    rnnkit.seed(0)
    with pytest.raises(DataError, match="log transform needs a positive"):
        Forecaster(lookback=4, horizon=1, epochs=1, transform="log").fit(np.arange(1.0, 20.0)).predict(
            np.arange(-5.0, 10.0)
        )


def test_evaluate_puts_the_model_beside_every_baseline(fitted) -> None:  # type: ignore[no-untyped-def]
    model, series = fitted
    scores = model.evaluate(series, start=120)
    assert set(scores) == {"model", "naive", "seasonal_naive", "drift", "mean"}
    assert set(scores["model"]) == {"mae", "rmse", "mape", "smape", "mase"}
    # the seasonal naive row is the seasonal naive forecast from the same origins, season detected as 12
    actual = np.stack([series[t : t + 6] for t in range(120, 145)])
    naive = np.stack([seasonal_naive(series[:t], 6, m=12) for t in range(120, 145)])
    assert scores["seasonal_naive"]["mape"] == pytest.approx(mape(actual, naive))
    assert scores["model"]["mape"] < scores["seasonal_naive"]["mape"]


class _Spy:
    """Records what each fold trains on; forecasts the last value (a naive model)."""

    seen: list[tuple[int, np.ndarray]] = []

    def __init__(self) -> None:
        from rnnkit.tasks.forecasting import ForecasterConfig

        self.config = ForecasterConfig(lookback=6, horizon=3)

    def fit(self, data: np.ndarray) -> _Spy:
        _Spy.seen.append((len(data), data[:, 0].copy()))
        return self

    def predict(self, data: np.ndarray) -> np.ndarray:
        return np.repeat(data[-1, 0], 3)


def test_backtest_refits_on_the_past_only() -> None:
    from rnnkit.tasks.backtest import backtest

    series = np.arange(1.0, 41.0) + np.sin(np.arange(40))
    _Spy.seen = []
    report = backtest(series, folds=4, make=_Spy)
    assert [f.origin for f in report.folds] == [28, 31, 34, 37]
    assert [n for n, _ in _Spy.seen] == [28, 31, 34, 37]  # expanding: everything before the origin
    for (_, seen), fold in zip(_Spy.seen, report.folds):
        np.testing.assert_array_equal(seen, series[: fold.origin])
        np.testing.assert_array_equal(fold.actual, series[fold.origin : fold.origin + 3])
        assert fold.scores["model"]["mae"] == pytest.approx(fold.scores["naive"]["mae"])  # the spy is naive
    _Spy.seen = []
    sliding = backtest(series, folds=2, window="sliding", train_size=12, make=_Spy)
    assert [(f.train_start, f.origin) for f in sliding.folds] == [(22, 34), (25, 37)]
    assert [n for n, _ in _Spy.seen] == [12, 12]
    assert "does NOT beat" in report.table() or "beats" in report.table()
    with pytest.raises(DataError, match="leave 4 values before the first origin"):
        backtest(series[:16], folds=4, make=_Spy)


def test_forecaster_backtest_beats_naive_on_a_seasonal_trend() -> None:
    t = np.arange(96)
    series = 50 + t + 10 * np.sin(2 * np.pi * t / 12)
    rnnkit.seed(0)
    report = Forecaster(lookback=12, horizon=3, epochs=60, units=16).backtest(series, folds=3, season=12)
    means = report.mean()
    assert means["model"]["mae"] < means["naive"]["mae"]
    assert len(report.folds) == 3 and report.season == 12
