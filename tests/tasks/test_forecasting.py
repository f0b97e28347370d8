"""Forecaster: beats the seasonal naive forecast on a trending seasonal series, historical forecasts use
only the past, saved models forecast the same, and bad series get one clear error."""

from __future__ import annotations

import warnings
from dataclasses import asdict

import numpy as np
import pytest
import torch

import rnnkit
from rnnkit import native
from rnnkit.errors import ConfigError, DataError, DataWarning, ShapeError
from rnnkit.tasks.forecast_baselines import seasonal_naive
from rnnkit.tasks.forecast_metrics import mape
from rnnkit.tasks.forecasting import Forecaster, windows
from rnnkit.train.native_step import fused_backprop


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
    with pytest.raises(DataError, match="must hold real numbers only; found str"):
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


def test_a_backtest_scores_the_intervals_of_each_fold_beside_seasonal_naive() -> None:
    series = _noisy_season(150, noise=0.5, seed=3)
    rnnkit.seed(0)
    report = Forecaster(lookback=12, horizon=3, epochs=20, units=8, likelihood="gaussian").backtest(series, folds=2)
    for fold in report.folds:
        assert set(fold.scores["model"]) >= {"coverage-80", "msis-80", "coverage-95", "msis-95"}
        assert "coverage-80" in fold.scores["seasonal_naive"] and "coverage-80" not in fold.scores["naive"]
        assert fold.scores["model"]["msis-80"] > 0
    means = report.mean()
    assert 0 <= means["model"]["coverage-95"] <= 1 and means["model"]["mae"] > 0
    text = report.table()
    assert "intervals" in text and "coverage-95" in text.splitlines()[-3]


def _noisy_season(n: int, noise: float, seed: int) -> np.ndarray:
    """A 12-step season around 10 with Gaussian noise of a known size (original scale, no trend)."""
    t = np.arange(n)
    return 10 + 2 * np.sin(2 * np.pi * t / 12) + np.random.default_rng(seed).normal(0, noise, n)


@pytest.mark.parametrize("strategy", ["seq2seq", "recursive"])
def test_seq2seq_and_recursive_beat_seasonal_naive(strategy: str) -> None:
    rnnkit.seed(0)
    series = _trend_season()
    # 200 epochs: the default weight averaging spans the last quarter, past the steep part of training
    model = Forecaster(lookback=24, horizon=6, epochs=200, strategy=strategy).fit(series[:120])
    forecasts = model.historical_forecasts(series, start=120)
    actual = np.stack([series[t : t + 6] for t in range(120, 145)])
    naive = np.stack([seasonal_naive(series[:t], 6, m=12) for t in range(120, 145)])
    assert forecasts.shape == (25, 6)
    assert mape(actual, forecasts) < 0.7 * mape(actual, naive)


def test_recursive_forecasts_feed_back_their_own_values() -> None:
    rnnkit.seed(0)
    series = _trend_season(80)
    model = Forecaster(lookback=12, horizon=3, epochs=3, strategy="recursive").fit(series)
    f = model.predict(series)
    np.testing.assert_allclose(f[1], model.predict(np.append(series, f[0]))[0], rtol=1e-9)
    np.testing.assert_allclose(f[2], model.predict(np.append(series, f[:2]))[0], rtol=1e-9)
    with pytest.raises(ConfigError, match="covariates' future"):
        Forecaster(strategy="recursive").fit(np.stack([series, series], axis=1))
    with pytest.raises(ConfigError, match="feeds back values, not quantiles"):
        Forecaster(strategy="recursive", likelihood="quantile")


@pytest.mark.parametrize(
    "options",
    [{"likelihood": "gaussian"}, {"likelihood": "quantile"}, {"likelihood": "gaussian", "strategy": "recursive"},
     {"intervals": "conformal"}, {"likelihood": "gaussian", "intervals": "model"}],
)  # fmt: skip
def test_intervals_cover_what_they_claim(options: dict) -> None:
    series = _noisy_season(400, noise=0.5, seed=1)
    rnnkit.seed(0)
    model = Forecaster(lookback=24, horizon=3, epochs=30, units=16, **options).fit(series[:300])
    f = model.historical_intervals(series, start=300)
    assert f.level == pytest.approx(0.8)
    assert (f.lower <= f.point).all() and (f.point <= f.upper).all()
    scores = model.evaluate(series, start=300)
    # 80 % intervals hold 65-95 % of the 291 held-out values, 95 % ones 85-100 %; the noise (σ 0.5) sets
    # their width
    assert 0.65 <= scores["model"]["coverage-80"] <= 0.95, scores["model"]
    assert 0.85 <= scores["model"]["coverage-95"], scores["model"]
    assert scores["model"]["msis-80"] < scores["model"]["msis-95"]
    width = float(np.mean(f.upper - f.lower))
    assert 0.6 * 0.64 < width / 2 < 1.6 * 0.64, width  # half-width near z(0.9)·σ = 1.28 · 0.5
    assert scores["model"]["mae"] < scores["seasonal_naive"]["mae"]
    assert scores["model"]["msis-80"] < scores["seasonal_naive"]["msis-80"]


def test_interval_errors() -> None:
    rnnkit.seed(0)
    series = _noisy_season(80, noise=0.5, seed=0)
    with pytest.raises(ConfigError, match="point forecasts only"):
        Forecaster(lookback=12, horizon=2, epochs=1).fit(series).predict_interval()
    quantile = Forecaster(lookback=12, horizon=2, epochs=1, likelihood="quantile", quantiles=(0.05, 0.5, 0.95),
                          intervals="model")  # fmt: skip
    quantile.fit(series)
    assert quantile.predict_interval().level == pytest.approx(0.9)
    assert quantile.interval_levels == pytest.approx((0.9,))
    with pytest.raises(ConfigError, match="ask for level=0.9"):
        quantile.predict_interval(level=0.8)
    with pytest.raises(ConfigError, match="increasing and inside"):
        Forecaster(likelihood="quantile", quantiles=(0.9, 0.1))
    with pytest.raises(ConfigError, match="intervals='model' takes a likelihood"):
        Forecaster(intervals="model")
    with pytest.raises(ConfigError, match="intervals must be None, 'model' or 'conformal'"):
        Forecaster(intervals="bootstrap")
    with pytest.raises(ConfigError, match="levels must be increasing shares"):
        Forecaster(levels=(0.95, 0.8))
    with pytest.raises(ConfigError, match="levels must be increasing shares"):
        Forecaster(levels=(80,))
    with pytest.raises(ConfigError, match="at least one forecast: horizon=6"):
        Forecaster(intervals="conformal", calibration=3)


def test_one_global_model_for_series_of_any_size(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rnnkit.seed(0)
    shapes = [_trend_season(150, seed=s) for s in range(3)]
    scaled = {"small": shapes[0] / 50, "medium": shapes[1], "large": shapes[2] * 1000}
    model = Forecaster(lookback=24, horizon=6, epochs=40, transform="none").fit({k: v[:120] for k, v in scaled.items()})
    assert model.predict().shape == (3, 6)  # one forecast per training series
    for series in scaled.values():
        forecasts = model.historical_forecasts(series, start=120)
        actual = np.stack([series[t : t + 6] for t in range(120, 145)])
        naive = np.stack([seasonal_naive(series[:t], 6, m=12) for t in range(120, 145)])
        assert mape(actual, forecasts) < 0.7 * mape(actual, naive)
    model.save(tmp_path / "global")
    np.testing.assert_allclose(Forecaster.load(tmp_path / "global").predict(), model.predict(), rtol=1e-6)
    with pytest.raises(DataError, match="series 1: a series of 10 values is too short"):
        Forecaster(lookback=24, horizon=6).fit([shapes[0], shapes[1][:10]])
    with pytest.raises(ShapeError, match="same columns"):
        Forecaster().fit([shapes[0], np.stack([shapes[1], shapes[1]], axis=1)])


def test_probabilistic_seq2seq_is_saved_and_loaded(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rnnkit.seed(0)
    series = _noisy_season(80, noise=0.5, seed=0)
    model = Forecaster(lookback=12, horizon=4, epochs=2, strategy="seq2seq", likelihood="quantile").fit(series)
    model.save(tmp_path / "q")
    same = Forecaster.load(tmp_path / "q")
    a, b = model.predict_interval(), same.predict_interval()
    for x, y in [(a.point, b.point), (a.lower, b.lower), (a.upper, b.upper)]:
        np.testing.assert_allclose(x, y, rtol=1e-6)
    assert a.point.shape == (4,) and same.config.strategy == "seq2seq"


def test_fill_policies_and_frames() -> None:
    from rnnkit.tasks.forecasting import fill_missing, from_frame

    gaps = np.array([[np.nan, 1.0], [2.0, np.nan], [np.nan, 3.0], [6.0, 4.0]])
    np.testing.assert_array_equal(fill_missing(gaps, "ffill"), [[2, 1], [2, 1], [2, 3], [6, 4]])
    np.testing.assert_array_equal(fill_missing(gaps, "interpolate"), [[2, 1], [2, 2], [4, 3], [6, 4]])
    np.testing.assert_array_equal(fill_missing(gaps, "drop"), [[6, 4]])
    with pytest.raises(DataError, match="3 missing values \\(first at row 0\\)"):
        fill_missing(gaps)
    table = {"id": ["a", "a", "b"], "y": [1, 2, 3], "x": [0.5, 0.5, 0.5]}
    frames = from_frame(table, "y", ["x"], id_column="id")
    assert list(frames) == ["a", "b"] and frames["a"].tolist() == [[1, 0.5], [2, 0.5]]
    with pytest.raises(DataError, match="no column 'z'"):
        from_frame(table, "z")


def test_local_forecasters_fit_one_model_per_series_at_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from rnnkit.tasks.forecast_local import LocalForecasters

    t = np.arange(140)
    rng = np.random.default_rng(0)
    series = {
        f"p{p}": (50 + p * t / 10) * (1 + 0.2 * np.sin(2 * np.pi * t / p)) * np.exp(rng.normal(0, 0.01, 140))
        for p in (6, 12, 4)
    }
    series["p4"] = series["p4"][20:]  # lengths may differ
    rnnkit.seed(0)
    models = LocalForecasters(lookback=24, horizon=3, epochs=100, units=16).fit({k: v[:-20] for k, v in series.items()})
    assert models.predict().shape == (3, 3) and models.historical_forecasts(series, test=20).shape == (3, 18, 3)
    scores = models.evaluate(series, test=20)
    assert scores["model"]["mase"] < 0.75 * scores["seasonal_naive"]["mase"], scores
    models.save(tmp_path / "local")
    same = LocalForecasters.load(tmp_path / "local")
    np.testing.assert_allclose(same.predict(), models.predict(), rtol=1e-6)
    with pytest.raises(ShapeError, match="pass a list of 3 series"):
        models.predict(series["p6"])
    with pytest.raises(DataError, match="several series"):
        LocalForecasters().fit(series["p6"])


def test_difference_forecasts_sum_back_onto_the_last_value(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    rnnkit.seed(0)
    series = np.cumsum(np.random.default_rng(0).normal(0.5, 1.0, 80)) + 100
    model = Forecaster(lookback=6, horizon=3, epochs=1, difference=True, transform="none").fit(series)
    # a network that outputs 0 forecasts each difference as the window's mean difference (its level)
    monkeypatch.setattr(model, "_outputs", lambda x_rel: torch.zeros(len(x_rel), 1, 3, 1, dtype=torch.float64))
    diffs = np.diff(series[-7:])  # the 6 differences the last window holds
    expected = series[-1] + diffs.mean() * np.arange(1, 4)
    np.testing.assert_allclose(model.predict(), expected, rtol=1e-12)
    past = model.historical_forecasts(series, start=60)  # from origin 60: series[53:60] → 6 differences
    np.testing.assert_allclose(past[0], series[59] + np.diff(series[53:60]).mean() * np.arange(1, 4), rtol=1e-12)
    with pytest.raises(ConfigError, match="point forecasts only"):
        Forecaster(difference=True, likelihood="gaussian")


def test_differenced_forecaster_uses_the_momentum_of_an_integrated_process() -> None:
    rng = np.random.default_rng(3)
    steps = np.zeros(400)
    for t in range(1, 400):  # the changes follow an AR(1): today's change predicts tomorrow's
        steps[t] = 0.8 * steps[t - 1] + rng.normal(0, 1)
    series = 100 + np.cumsum(steps)
    rnnkit.seed(0)
    model = Forecaster(lookback=20, horizon=5, epochs=30, units=16, difference=True, transform="none")
    scores = model.fit(series[:300]).evaluate(series, start=300)
    assert scores["model"]["mae"] < 0.97 * scores["naive"]["mae"], scores  # naive ignores the momentum


def _member(ensemble: Forecaster, s: int) -> Forecaster:
    """Member ``s`` of an ensemble as a forecaster of its own: a plain network holding its weights."""
    alone = Forecaster(**{**asdict(ensemble.config), "ensemble": 1})
    alone.log, alone.history = ensemble.log, ensemble.history
    alone.covariate_mean, alone.covariate_std = ensemble.covariate_mean, ensemble.covariate_std
    alone.model = alone._build(1, ensemble.config.horizon)
    alone.model.build((None, ensemble.config.lookback, 1))
    recurrent, dense = ensemble.model.layers[0], ensemble.model.layers[1]
    layers = alone.model.layers
    with torch.no_grad():
        for name, p in layers[0].cell.named_parameters():
            p.copy_(recurrent.cell.weights[name][s])
        layers[1].weight.copy_(dense.weight[s])
        layers[1].bias.copy_(dense.bias[s])
    return alone


@pytest.mark.parametrize("options", [{}, {"likelihood": "quantile"}])
def test_an_ensemble_forecasts_the_average_of_its_members(options: dict, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rnnkit.seed(0)
    series = _trend_season()
    model = Forecaster(lookback=24, horizon=6, epochs=30, ensemble=2, **options).fit(series[:120])
    assert len(model.model.layers[0].cell.weights["weight_hh"]) == 2
    members = [_member(model, s).historical_forecasts(series, start=120) for s in range(2)]
    assert not np.allclose(members[0], members[1], rtol=1e-3)  # two networks, not one twice
    # the members' outputs are averaged on the log scale: the forecast is their geometric mean (their
    # arithmetic mean differs from it by up to 4e-5 here)
    np.testing.assert_allclose(model.historical_forecasts(series, start=120), np.sqrt(members[0] * members[1]),
                               rtol=2e-6)  # fmt: skip
    if native.available() and not options:  # both members train in one native call per batch
        assert fused_backprop(model.model, model.model.loss) is not None
    model.save(tmp_path / "ensemble")
    same = Forecaster.load(tmp_path / "ensemble")
    assert same.config.ensemble == 2
    np.testing.assert_allclose(same.predict(), model.predict(), rtol=1e-6)


def test_gaussian_members_form_a_mixture() -> None:
    mu, sigma = torch.tensor([[0.0, 2.0]]), torch.tensor([[1.0, 3.0]])
    raw = torch.log(torch.expm1(sigma - 1e-4))  # the network output whose softplus (+1e-4) is σ
    mean, sd = Forecaster._mixture(torch.stack([mu, raw], dim=-1))
    # mixture of N(0, 1) and N(2, 9): mean 1, variance (1 + 0 + 9 + 4)/2 − 1 = 6
    torch.testing.assert_close(mean, torch.tensor([1.0]))
    torch.testing.assert_close(sd, torch.tensor([6.0]).sqrt())
    rnnkit.seed(0)
    model = Forecaster(lookback=12, horizon=3, epochs=5, ensemble=3, likelihood="gaussian").fit(_trend_season(60))
    f = model.predict_interval(level=0.8)
    assert f.point.shape == (3,) and bool(np.all(f.lower < f.point)) and bool(np.all(f.point < f.upper))


def test_ensemble_settings_are_checked() -> None:
    from rnnkit.tasks.forecast_local import LocalForecasters

    for bad in (0, 17):
        with pytest.raises(ConfigError, match="ensemble must be 1 to 16"):
            Forecaster(ensemble=bad)
    with pytest.raises(ConfigError, match="one-layer direct or recursive"):
        Forecaster(ensemble=2, strategy="seq2seq")
    with pytest.raises(ConfigError, match="one-layer direct or recursive"):
        Forecaster(ensemble=2, layers=2)
    with pytest.raises(ConfigError, match="one network per series"):
        LocalForecasters(ensemble=2)


def test_defaults_average_two_networks_and_their_last_weights() -> None:
    from rnnkit.callbacks import LambdaCallback

    assert Forecaster().config.ensemble == 2 and Forecaster().config.swa_start == 0.75
    assert Forecaster(strategy="seq2seq").config.ensemble == 1 and Forecaster(layers=2).config.ensemble == 1
    rnnkit.seed(0)
    model = Forecaster(lookback=12, horizon=3, epochs=8, swa_start=0.5)
    seen: list[list[np.ndarray]] = []
    snapshot = LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append([w.copy() for w in model.model.get_weights()])
    )
    model.fit(_trend_season(60), callbacks=[snapshot])
    for got, *epochs in zip(model.model.get_weights(), *seen[4:]):  # the weights of epochs 4..7, averaged
        np.testing.assert_allclose(got, np.mean(epochs, axis=0), rtol=1e-5, atol=1e-6)
    with pytest.raises(ConfigError, match="swa_start must be in \\[0, 1\\)"):
        Forecaster(swa_start=1.0)


def test_too_few_windows_warn_and_say_how_to_get_more() -> None:
    series = 100 + 10 * np.sin(np.arange(30) / 3)  # 30 values: lookback 24 + horizon 6 make one window
    with pytest.warns(DataWarning, match=r"training on 1 window\(s\) only \(30 values, lookback 24 \+ 6"):
        Forecaster(epochs=1).fit(series)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)  # 30 values, lookback 6 + horizon 3: 22 windows, no warning
        Forecaster(lookback=6, horizon=3, epochs=1).fit(series)


def test_a_collection_can_skip_series_too_short_to_train_on_and_still_forecast_them() -> None:
    rng = np.random.default_rng(0)
    t = np.arange(80)
    long = {f"s{i}": 50 + 5 * np.sin(t / 4 + i) + rng.normal(0, 0.2, 80) for i in range(3)}
    many = {**long, "young": 50 + 5 * np.sin(np.arange(14) / 4)}  # 14 values: fewer than 12 + 4 = 16
    with pytest.raises(DataError, match="series 3: a series of 14 values is too short"):
        Forecaster(lookback=12, horizon=4, epochs=1).fit(many)
    model = Forecaster(lookback=12, horizon=4, epochs=2).fit(many, skip_short=True)
    assert model.skipped == ["young"]
    forecasts = model.predict()  # every series, the skipped one included: it holds lookback values
    assert forecasts.shape == (4, 4) and np.isfinite(forecasts).all()
    rnnkit.seed(0)
    model = Forecaster(lookback=12, horizon=4, epochs=2).fit(many, skip_short=True)
    rnnkit.seed(0)
    trained = Forecaster(lookback=12, horizon=4, epochs=2).fit(long)  # skipping trains as leaving it out
    np.testing.assert_allclose(model.predict(long), trained.predict(long), rtol=1e-6)
    with pytest.raises(DataError, match="every series is shorter than lookback \\+ horizon = 16"):
        Forecaster(lookback=12, horizon=4).fit({"a": np.arange(10.0) + 1, "b": np.arange(12.0) + 1}, skip_short=True)
    few = {"a": long["s0"][:20], "young": many["young"]}  # 5 windows from "a" alone
    with pytest.warns(DataWarning, match="training on 5 window.s. only .20 values,"):  # the skipped series uncounted
        Forecaster(lookback=12, horizon=4, epochs=1).fit(few, skip_short=True)


@pytest.mark.parametrize(
    ("series", "message"),
    [
        (np.array([1 + 2j, 3 + 1j] * 20), "real-valued, got complex"),
        (np.arange(40.0).astype(object), "object array"),
        ([1.0, 2.0, "3"] * 10, r"found str \('3'\) at position 2"),
        ([1.0, None, 3.0] * 10, "found NoneType"),
        (np.array(["1", "2"] * 20), "dtype <U1"),
    ],
)
def test_complex_object_and_mixed_series_are_refused_not_cast(series: object, message: str) -> None:
    with pytest.raises(DataError, match=message):
        Forecaster(lookback=3, horizon=1, epochs=1).fit(series)
