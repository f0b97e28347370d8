"""Forecast metrics and baselines against hand-computed values; the shipped series loads offline."""

from __future__ import annotations

import numpy as np
import pytest

from rnnkit.datasets import airline_passengers, load
from rnnkit.errors import DataError, ShapeError, UnknownNameError
from rnnkit.tasks.forecast_baselines import detect_season, drift, mean, naive, seasonal_naive, seasonal_naive_interval
from rnnkit.tasks.forecast_metrics import coverage, interval_score, level_name, mae, mape, mase, msis, rmse, smape


def test_metrics_by_hand() -> None:
    y, f = [2.0, 4.0, 8.0], [1.0, 4.0, 10.0]
    assert mae(y, f) == pytest.approx(1.0)
    assert rmse(y, f) == pytest.approx(np.sqrt(5 / 3))
    assert mape(y, f) == pytest.approx(100 * (0.5 + 0 + 0.25) / 3)
    assert smape(y, f) == pytest.approx(100 * (2 / 3 + 0 + 4 / 18) / 3)
    # in-sample seasonal (m=2) differences of [1, 2, 4, 7]: |4-1|, |7-2| -> mean 4
    assert mase(y, f, [1.0, 2.0, 4.0, 7.0], m=2) == pytest.approx(1.0 / 4)
    assert coverage(y, [0, 5, 7], [3, 6, 9]) == pytest.approx(2 / 3)
    # 80 % intervals (α = 0.2, penalty 2/α = 10 per unit missed): widths 3, 1, 2; y=4 misses [5, 6] by 1
    assert interval_score(y, [0, 5, 7], [3, 6, 9], 0.8) == pytest.approx((3 + (1 + 10 * 1) + 2) / 3)
    assert msis(y, [0, 5, 7], [3, 6, 9], 0.8, [1.0, 2.0, 4.0, 7.0], m=2) == pytest.approx(16 / 3 / 4)
    assert [level_name(v) for v in (0.8, 0.95, 0.975)] == ["80", "95", "97.5"]


def test_metric_errors() -> None:
    with pytest.raises(DataError, match="MAPE is undefined"):
        mape([0.0, 1.0], [1.0, 1.0])
    with pytest.raises(ShapeError, match="same non-empty shape"):
        mae([1.0], [1.0, 2.0])
    with pytest.raises(DataError, match="seasonal differences are all 0"):
        mase([1.0], [1.0], [3.0, 3.0, 3.0])


def test_baselines_by_hand() -> None:
    x = np.array([10.0, 20.0, 30.0, 12.0, 22.0, 32.0])
    assert naive(x, 2).tolist() == [32.0, 32.0]
    assert seasonal_naive(x, 4, m=3).tolist() == [12.0, 22.0, 32.0, 12.0]
    assert drift(x, 2).tolist() == pytest.approx([32 + 22 / 5, 32 + 44 / 5])
    assert mean(x, 1).tolist() == [21.0]
    # seasonal errors x_t − x_{t−3}: 2, 2, 2 → σ = 2; steps 1-3 are one season ahead, step 4 two: σ·√2
    point, lower, upper = seasonal_naive_interval(x, 4, 3, 0.95)
    assert point.tolist() == [12.0, 22.0, 32.0, 12.0]
    np.testing.assert_allclose(upper - point, 1.959964 * 2 * np.array([1, 1, 1, np.sqrt(2)]), rtol=1e-6)
    np.testing.assert_allclose(point - lower, upper - point)
    _, lower, upper = seasonal_naive_interval(np.array([1.0, 3.0, 2.0]), 2, None, 0.8)  # naive: σ·√h
    np.testing.assert_allclose(upper - 2.0, 1.281552 * np.sqrt(2.5) * np.sqrt([1, 2]), rtol=1e-6)


def test_airline_passengers_is_shipped_and_its_season_is_found() -> None:
    series = airline_passengers()
    assert len(series) == 144 and series.values.sum() == 40363 and series.dates[-1] == "1960-12"
    assert detect_season(series.values) == 12 == series.period
    assert all(detect_season(np.random.default_rng(s).normal(size=200).cumsum()) is None for s in range(10))
    t = np.arange(200)
    assert detect_season(np.sin(2 * np.pi * t / 7) + np.random.default_rng(0).normal(0, 0.3, 200)) == 7
    with pytest.raises(UnknownNameError, match="airline_passengers, ibm_close, sunspots"):
        load("lynx")


def test_sunspots_and_ibm_prices_are_shipped() -> None:
    sun, ibm = load("sunspots"), load("ibm_close")
    assert len(sun) == 309 and sun.dates[0] == "1700" and sun.values.sum() == pytest.approx(15373.4)
    assert len(ibm) == 369 and ibm.values.sum() == 176555 and ibm.values[:3].tolist() == [460.0, 457.0, 452.0]
    # the solar cycle: the strongest autocorrelation peak of the yearly numbers is near 11 years
    assert detect_season(sun.values) in (10, 11)
    # a price series: tomorrow's price is best guessed as today's (naive beats the mean by far)
    x = ibm.values
    assert np.abs(np.diff(x)).mean() < 0.1 * np.abs(x - x.mean()).mean()
