"""AirPassengers forecasting, the protocol of Darts' RNN example: rnnkit's Forecaster beside Holt-Winters
(statsmodels), Darts' RNNModel (when importable) and the naive baselines.

Protocol A (Darts' example): train on 1949-01 .. 1958-12 (120 months); from every month 1959-01 .. 1960-07
forecast 6 months ahead without refitting; MAPE on the last point of each forecast (19 points).
Protocol B: train on all but the last 24 months, one 24-step forecast (rnnkit with horizon 24).
Five seeds for every trained model (median [min-max]); fit time in seconds. rnnkit runs with its
defaults (two networks trained side by side, each one's weights averaged over the last quarter of the
epochs), as one network with and without that averaging, as an ensemble of four, and with its defaults
given the month of each value as 12 one-hot covariate columns (Darts' example gives its RNN the month,
one-hot, and the year). Rivals that are not importable are skipped and named (install them in a
benchmark venv, never as rnnkit dependencies).

    python benchmarks/forecast.py [--seeds 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings
from collections.abc import Callable

import numpy as np
import torch

import rnnkit
from rnnkit.datasets import airline_passengers
from rnnkit.tasks.forecast_baselines import naive, seasonal_naive
from rnnkit.tasks.forecast_metrics import mape
from rnnkit.tasks.forecasting import Forecaster

TRAIN, H = 120, 6


def protocol_a(forecast_from: Callable[[np.ndarray], np.ndarray]) -> float:
    """MAPE of the last point of each 6-step forecast made from months 120 .. 138."""
    series = airline_passengers().values
    last = np.array([forecast_from(series[:t])[-1] for t in range(TRAIN, len(series) - H + 1)])
    return mape(series[TRAIN + H - 1 :], last)


MONTHS = "months"  # a row's option: the month of each value as 12 one-hot covariate columns
RNNKIT_ROWS: dict[str, dict] = {
    "rnnkit Forecaster (defaults: 2 networks, weights averaged)": {},
    "rnnkit Forecaster(ensemble=1): one network, weights averaged": {"ensemble": 1},
    "rnnkit Forecaster(ensemble=1, swa_start=None): one network as trained": {"ensemble": 1, "swa_start": None},
    "rnnkit Forecaster(ensemble=4)": {"ensemble": 4},
    "rnnkit Forecaster (defaults) + month one-hot covariates": {MONTHS: True},
}


def rnnkit_runs(seeds: int, options: dict) -> tuple[list[float], list[float], list[float]]:
    series = airline_passengers().values
    options = dict(options)
    data = np.column_stack([series, np.eye(12)[np.arange(len(series)) % 12]]) if options.pop(MONTHS, False) else series
    a, b, fits = [], [], []
    for seed in range(seeds):
        rnnkit.seed(seed)
        start = time.perf_counter()
        model = Forecaster(lookback=24, horizon=H, **options).fit(data[:TRAIN])
        fits.append(time.perf_counter() - start)
        forecasts = model.historical_forecasts(data, start=TRAIN)  # (19, 6), no refit
        a.append(mape(series[TRAIN + H - 1 :], forecasts[:, -1]))
        rnnkit.seed(seed)
        long = Forecaster(lookback=24, horizon=24, **options).fit(data[:-24])
        b.append(mape(series[-24:], long.predict()))
    return a, b, fits


def holt_winters() -> tuple[float, float, float] | None:
    try:
        from statsmodels.tsa.holtwinters import ExponentialSmoothing
    except ImportError:
        return None
    series = airline_passengers().values

    def fit(x: np.ndarray) -> object:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ExponentialSmoothing(x, trend="add", seasonal="mul", seasonal_periods=12).fit()

    start = time.perf_counter()
    fit(series[:TRAIN])
    seconds = time.perf_counter() - start
    a = protocol_a(lambda x: fit(x).forecast(H))  # refit on each origin's past (its parameters are cheap)
    b = mape(series[-24:], fit(series[:-24]).forecast(24))
    return a, b, seconds


def darts_runs(seeds: int) -> tuple[list[float], list[float]] | None:
    try:
        from darts import TimeSeries
        from darts.models import RNNModel

        RNNModel(model="LSTM", input_chunk_length=2)  # raises ImportError when Darts lacks its torch extras
    except ImportError:
        return None
    import pandas as pd
    from darts.dataprocessing.transformers import Scaler
    from darts.utils.timeseries_generation import datetime_attribute_timeseries

    values = airline_passengers().values
    ts = TimeSeries.from_times_and_values(pd.date_range("1949-01-01", periods=len(values), freq="MS"), values)
    scaler = Scaler()
    train = scaler.fit_transform(ts[:TRAIN])
    full = scaler.transform(ts)
    year = datetime_attribute_timeseries(full, attribute="year", one_hot=False)
    month = datetime_attribute_timeseries(full, attribute="month", one_hot=True)
    covariates = Scaler().fit_transform(year.stack(month))
    scores, fits = [], []
    for seed in range(seeds):
        model = RNNModel(model="LSTM", hidden_dim=20, dropout=0, batch_size=16, n_epochs=300,
                         optimizer_kwargs={"lr": 1e-3}, random_state=seed, training_length=20,
                         input_chunk_length=14, force_reset=True, save_checkpoints=False,
                         pl_trainer_kwargs={"enable_progress_bar": False, "logger": False})  # fmt: skip
        start = time.perf_counter()
        model.fit(train, future_covariates=covariates, verbose=False)
        fits.append(time.perf_counter() - start)
        hf = model.historical_forecasts(full, future_covariates=covariates, start=TRAIN, forecast_horizon=H,
                                        retrain=False, last_points_only=True, verbose=False)  # fmt: skip
        predicted = scaler.inverse_transform(hf).values()[:, 0]
        scores.append(mape(values[TRAIN + H - 1 :], predicted))
    return scores, fits


def spread(values: list[float]) -> str:
    return f"{np.median(values):.2f} [{min(values):.2f}-{max(values):.2f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, {torch.get_num_threads()} threads"
    )
    series = airline_passengers().values
    print(
        "| method | A: MAPE %, last point of 6-step forecasts (median [min-max] over seeds) | B: MAPE %, last 24 months | fit s |"
    )
    print("|---|---|---|---|")
    for name, options in RNNKIT_ROWS.items():
        a, b, fits = rnnkit_runs(args.seeds, options)
        print(f"| {name} | {spread(a)} | {spread(b)} | {spread(fits)} |")
    hw = holt_winters()
    if hw is None:
        print("| Holt-Winters | skipped: statsmodels is not importable | | |")
    else:
        print(f"| Holt-Winters (additive trend, multiplicative season 12) | {hw[0]:.2f} | {hw[1]:.2f} | {hw[2]:.2f} |")
    darts = darts_runs(args.seeds)
    if darts is None:
        print("| Darts RNNModel (its example's config) | skipped: darts is not importable | | |")
    else:
        print(f"| Darts RNNModel (its example's config) | {spread(darts[0])} | | {spread(darts[1])} |")
    sn_a = protocol_a(lambda x: seasonal_naive(x, H, m=12))
    nv_a = protocol_a(lambda x: naive(x, H))
    sn_b = mape(series[-24:], seasonal_naive(series[:-24], 24, m=12))
    nv_b = mape(series[-24:], naive(series[:-24], 24))
    print(f"| seasonal naive | {sn_a:.2f} | {sn_b:.2f} | 0 |")
    print(f"| naive | {nv_a:.2f} | {nv_b:.2f} | 0 |")


if __name__ == "__main__":
    main()
