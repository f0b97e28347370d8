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

Intervals (``--part intervals``): on every built-in series (airline passengers, sunspots, the IBM stock
series) and on ``forecast_many.py``'s 40 generated series (one global model), each forecaster is fitted
on all but the last part of each series and forecasts 6 steps from every origin in that part without
refitting; the table gives the coverage of its 80 % and 95 % intervals (mean and [min-max] over the
seeds) and their MSIS, beside the seasonal naive interval on the same origins. The calibration defaults
were chosen on other series (``forecast_calibration.py``). Writes ``results/forecast.json`` and
``results/forecast_coverage.json``.

    python benchmarks/forecast.py [--seeds 5] [--part darts|intervals|all]
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
from forecast_many import make_series
from results import Table, markdown_table, write_record

import rnnkit
from rnnkit.datasets import airline_passengers, load
from rnnkit.errors import DataWarning
from rnnkit.tasks.forecast_baselines import naive, seasonal_naive
from rnnkit.tasks.forecast_metrics import mape
from rnnkit.tasks.forecast_scoring import mean_scores
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


#: interval benchmark series: (name, values, held-out test values per series)
def interval_series() -> list[tuple[str, dict[str, np.ndarray], int]]:
    built_in = [(name, {name: load(name).values}, test)
                for name, test in (("airline_passengers", 24), ("sunspots", 60), ("ibm_close", 90))]  # fmt: skip
    return [*built_in, ("40 generated series (forecast_many.py, seed 0)", make_series(40), 24)]


INTERVAL_ROWS: dict[str, dict] = {
    "Forecaster(intervals='conformal')": {"intervals": "conformal"},
    "Forecaster(likelihood='gaussian'): conformal (the default)": {"likelihood": "gaussian"},
    "Forecaster(likelihood='gaussian', intervals='model'): its own": {"likelihood": "gaussian", "intervals": "model"},
}


def coverage_runs(seeds: int) -> list[Table]:
    """Coverage and MSIS of each forecaster's 80 % and 95 % intervals on every interval series."""
    tables = []
    columns = ["forecaster", "coverage 80 %", "coverage 95 %", "MSIS 80 %", "MSIS 95 %", "MASE", "fit s"]
    for title, series, test in interval_series():
        table = Table(f"{title}: last {test} values held out, 6 steps from every origin; mean [min-max] over "
                      f"{seeds} seeds", columns)  # fmt: skip
        baseline: dict[str, float] = {}
        for name, options in INTERVAL_ROWS.items():
            runs: dict[str, list[float]] = {}
            for seed in range(seeds):
                rnnkit.seed(seed)
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", DataWarning)
                    model = Forecaster(lookback=24, horizon=H, **options).fit({k: v[:-test] for k, v in series.items()})
                runs.setdefault("fit s", []).append(time.perf_counter() - start)
                scores = mean_scores([model.evaluate(v, len(v) - test) for v in series.values()])
                for key in ("coverage-80", "coverage-95", "msis-80", "msis-95", "mase"):
                    runs.setdefault(key, []).append(scores["model"][key])
                baseline = scores["seasonal_naive"]
            table.rows.append([name, *(_mean_range(runs[k], 100 if k.startswith("coverage") else 1)
                                       for k in ("coverage-80", "coverage-95", "msis-80", "msis-95", "mase", "fit s"))])  # fmt: skip
        table.rows.append(["seasonal naive interval (Hyndman & Athanasopoulos 5.5)",
                           f"{100 * baseline['coverage-80']:.1f}", f"{100 * baseline['coverage-95']:.1f}",
                           f"{baseline['msis-80']:.2f}", f"{baseline['msis-95']:.2f}", f"{baseline['mase']:.3f}", "0"])  # fmt: skip
        print(f"\n{table.title}\n| " + " | ".join(columns) + " |")
        for row in table.rows:
            print("| " + " | ".join(str(c) for c in row) + " |", flush=True)
        tables.append(table)
    return tables


def _mean_range(values: list[float], scale: float) -> str:
    v = np.asarray(values) * scale
    digits = 1 if scale == 100 else 2
    return f"{v.mean():.{digits}f} [{v.min():.{digits}f}-{v.max():.{digits}f}]"


def darts_protocol(seeds: int) -> Table:
    columns = ["method", "A: MAPE %, last point of 6-step forecasts (median [min-max] over seeds)",
               "B: MAPE %, last 24 months", "fit s"]  # fmt: skip
    table = Table(f"AirPassengers, Darts' protocol, {seeds} seeds", columns)
    series = airline_passengers().values
    for name, options in RNNKIT_ROWS.items():
        a, b, fits = rnnkit_runs(seeds, options)
        table.rows.append([name, spread(a), spread(b), spread(fits)])
    hw = holt_winters()
    if hw is None:
        table.rows.append(["Holt-Winters", "skipped: statsmodels is not importable", "", ""])
    else:
        table.rows.append(["Holt-Winters (additive trend, multiplicative season 12)", f"{hw[0]:.2f}", f"{hw[1]:.2f}",
                           f"{hw[2]:.2f}"])  # fmt: skip
    darts = darts_runs(seeds)
    if darts is None:
        table.rows.append(["Darts RNNModel (its example's config)", "skipped: darts is not importable", "", ""])
    else:
        table.rows.append(["Darts RNNModel (its example's config)", spread(darts[0]), "", spread(darts[1])])
    sn_a = protocol_a(lambda x: seasonal_naive(x, H, m=12))
    nv_a = protocol_a(lambda x: naive(x, H))
    sn_b = mape(series[-24:], seasonal_naive(series[:-24], 24, m=12))
    nv_b = mape(series[-24:], naive(series[:-24], 24))
    table.rows.append(["seasonal naive", f"{sn_a:.2f}", f"{sn_b:.2f}", "0"])
    table.rows.append(["naive", f"{nv_a:.2f}", f"{nv_b:.2f}", "0"])
    print(markdown_table(columns, table.rows))
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--part", choices=["darts", "intervals", "all"], default="all")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, {torch.get_num_threads()} threads"
    )
    if args.part in ("darts", "all"):
        write_record("forecast", "Forecasting AirPassengers: Darts' RNN example protocol", [darts_protocol(args.seeds)])
    if args.part in ("intervals", "all"):
        write_record("forecast_coverage", "Forecast intervals: coverage on held-out values", coverage_runs(args.seeds),
                     notes=["coverage: the share of held-out values inside the intervals (goal: within 5 points "
                            "of the level); MSIS: the interval score scaled like MASE, lower is better",
                            "calibration defaults chosen on other series: forecast_calibration.py"])  # fmt: skip


if __name__ == "__main__":
    main()
