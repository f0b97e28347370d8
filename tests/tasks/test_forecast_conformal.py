"""Conformal forecast intervals: the calibration scores are the copy's misses recomputed by hand, the
forecaster's own forecasts do not change, the quantile rule is the finite-sample one, and saved models
keep their intervals."""

from __future__ import annotations

import numpy as np
import pytest

import rnnkit
from rnnkit.errors import ConfigError, DataError, DataWarning
from rnnkit.tasks.forecast_conformal import Calibration, default_calibration
from rnnkit.tasks.forecast_local import LocalForecasters
from rnnkit.tasks.forecasting import Forecaster


def _series(n: int = 140, seed: int = 0) -> np.ndarray:
    t = np.arange(n)
    rng = np.random.default_rng(seed)
    return (100 + t) * (1 + 0.2 * np.sin(2 * np.pi * t / 12)) * np.exp(rng.normal(0, 0.05, n))


OPTIONS = {"lookback": 12, "horizon": 3, "epochs": 20, "units": 8}


def test_quantile_is_the_finite_sample_rank() -> None:
    scores = np.stack([np.arange(1.0, 11.0), np.arange(10.0, 0.0, -1.0) * 2], axis=1)  # 10 origins, 2 steps
    c = Calibration(scores)
    # ⌈11 · 0.5⌉ = 6th smallest of each column
    np.testing.assert_array_equal(c.quantile(0.5), [6.0, 12.0])
    np.testing.assert_array_equal(c.quantile(0.9), [10.0, 20.0])  # ⌈9.9⌉ = 10: the largest
    with pytest.warns(DataWarning, match="10 calibration forecasts cannot bound a 95% interval .that takes at least 19"):
        np.testing.assert_array_equal(c.quantile(0.95), [10.0, 20.0])
    with pytest.raises(ConfigError, match="non-empty finite"):
        Calibration(np.array([[np.nan]]))


def test_scores_are_the_copys_misses_and_the_forecasts_stay_the_same() -> None:
    series = _series()
    size = default_calibration(3)
    rnnkit.seed(0)
    conformal = Forecaster(intervals="conformal", **OPTIONS).fit(series)
    rnnkit.seed(0)
    plain = Forecaster(**OPTIONS).fit(series)
    np.testing.assert_allclose(conformal.predict(), plain.predict(), rtol=1e-6)  # calibration has its own RNG
    rnnkit.seed(0)
    copy = Forecaster(**OPTIONS).fit(series[:-size])  # what the calibration fitted, from the same state
    forecasts = copy.historical_forecasts(series, start=len(series) - size)  # (size − H + 1, H)
    actual = np.stack([series[t : t + 3] for t in range(len(series) - size, len(series) - 2)])
    # a positive series is modelled on the log scale, where the window's spread is 1: score = |log y − log ŷ|
    np.testing.assert_allclose(conformal.calibration.scores, np.abs(np.log(actual) - np.log(forecasts)), rtol=1e-5)
    assert conformal.calibration.scores.shape == (20, 3)
    f = conformal.predict_interval(level=0.8)
    q = conformal.calibration.quantile(0.8)
    np.testing.assert_allclose(f.lower, f.point * np.exp(-q), rtol=1e-9)
    np.testing.assert_allclose(f.upper, f.point * np.exp(q), rtol=1e-9)
    wide = conformal.predict_interval(level=0.95)
    assert (wide.lower <= f.lower).all() and (f.upper <= wide.upper).all()


def test_saved_conformal_forecaster_keeps_its_intervals(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rnnkit.seed(0)
    series = {"a": _series(seed=1), "b": 3 * _series(seed=2)}
    model = Forecaster(likelihood="gaussian", **OPTIONS).fit(series)
    assert model.config.intervals == "conformal"
    assert model.calibration.scores.shape == (40, 3)  # 20 origins of each series
    model.save(tmp_path / "m")
    same = Forecaster.load(tmp_path / "m")
    np.testing.assert_array_equal(same.calibration.scores, model.calibration.scores)
    for level in (0.8, 0.95):
        a, b = model.predict_interval(level=level), same.predict_interval(level=level)
        for x, y in [(a.point, b.point), (a.lower, b.lower), (a.upper, b.upper)]:
            np.testing.assert_allclose(x, y, rtol=1e-6)


def test_series_too_short_to_calibrate_get_a_clear_error() -> None:
    with pytest.raises(DataError, match="hold out the last 22 values .* no series has lookback \\+ horizon = 15"):
        Forecaster(intervals="conformal", **OPTIONS).fit(_series(30))
    rnnkit.seed(0)
    with pytest.warns(DataWarning):  # 14 windows; the 5 values held out make 3 calibration forecasts
        model = Forecaster(intervals="conformal", calibration=5, **OPTIONS).fit(_series(30))
    assert model.calibration.scores.shape == (3, 3)
    with pytest.raises(ConfigError, match="a global Forecaster calibrates conformal ones"):
        LocalForecasters(intervals="conformal")
    assert LocalForecasters(likelihood="gaussian").config.intervals == "model"
