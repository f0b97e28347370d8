"""``rnnkit forecast fit | predict | backtest``: forecast a series in a CSV file (or the built-in AirPassengers).

``fit`` trains on all but the last ``--test`` values, forecasts from every origin in that held-out part
(no refit) and prints the errors beside the naive baselines on the same origins, saying plainly when the
model does not beat the best of them. ``backtest`` refits at ``--folds`` rolling origins instead.
"""

from __future__ import annotations

import argparse
from typing import Any


def register(commands: Any) -> None:
    forecast = commands.add_parser(
        "forecast",
        help="time-series forecasting (fit, predict, backtest)",
        description="Forecast a series from its past with a recurrent network, beside naive baselines.",
    )
    sub = forecast.add_subparsers(dest="forecast_command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "fit",
        help="train on a CSV column (or, with no file, on the built-in airline passengers series)",
        description="Chronological split: the last --test values are held out and forecast from every "
        "origin without refitting; the report compares the model with naive, seasonal naive, drift and "
        "mean forecasts on the same origins.",
    )
    _series_and_model_arguments(p)
    p.add_argument("--out", required=True, help="model folder to write")
    p.add_argument("--test", type=int, help="values held out at the end (default: 2 × lookback or a quarter)")
    p.add_argument("--plot", help="PNG of the test-part forecasts against the actual series")
    p.set_defaults(handler=fit)

    p = sub.add_parser(
        "backtest",
        help="rolling-origin backtest with a refit per fold",
        description="Refit at --folds origins (the last folds × horizon values, one horizon each), "
        "forecast what follows each origin, and print per-fold and mean errors beside the baselines.",
    )
    _series_and_model_arguments(p)
    p.add_argument("--folds", type=int, default=4, help="origins (default 4)")
    p.add_argument("--window", choices=["expanding", "sliding"], default="expanding")
    p.add_argument("--train-size", type=int, help="values per fit with --window sliding")
    p.add_argument("--plot", help="PNG of each fold's forecasts and errors")
    p.set_defaults(handler=backtest)

    p = sub.add_parser("predict", help="forecast the steps after a series", description="Write the forecast as CSV.")
    p.add_argument("model", help="model folder written by 'rnnkit forecast fit'")
    p.add_argument("--data", help="newer CSV with the same columns (default: the series the model was fitted on)")
    p.add_argument("--target", help="target column of --data (default: the one used in fit)")
    p.add_argument("--covariates", help="covariate columns of --data (default: those used in fit)")
    p.add_argument("--output", help="CSV file to write (default: standard output)")
    p.set_defaults(handler=predict)


def _series_and_model_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("data", nargs="?", help="CSV/TSV file, rows in time order (default: AirPassengers 1949-1960)")
    p.add_argument("--target", help="column to forecast (required with a file)")
    p.add_argument("--date", help="date column, checked to increase row by row")
    p.add_argument("--covariates", help="comma-separated past-covariate columns")
    p.add_argument("--lookback", type=int, default=24, help="past values the model reads (default 24)")
    p.add_argument("--horizon", type=int, default=6, help="steps forecast at once (default 6)")
    p.add_argument("--season", type=int, help="season length for the baselines and MASE (default: detected)")
    p.add_argument("--cell", choices=["gru", "lstm", "rnn"], default="gru")
    p.add_argument("--units", type=int, default=32)
    p.add_argument("--layers", type=int, default=1)
    p.add_argument("--epochs", type=int, default=300)
    p.add_argument("--transform", choices=["auto", "log", "none"], default="auto")
    p.add_argument("--seed", type=int, default=0)


def _load(args: argparse.Namespace) -> tuple[Any, list[str] | None, str]:
    """The series ``(T, C)``, its dates (or None) and a name for it, from ``args``."""
    from rnnkit.datasets import airline_passengers
    from rnnkit.errors import ConfigError

    covariates = [c.strip() for c in (args.covariates or "").split(",") if c.strip()]
    if args.data is None:
        if args.target or covariates:
            raise ConfigError("--target/--covariates need a data file")
        series = airline_passengers()
        return series.values[:, None], series.dates, "AirPassengers 1949-1960 (built in)"
    if not args.target:
        raise ConfigError("give --target COLUMN: the column to forecast")
    data, dates = _read_series(args.data, args.target, covariates, args.date)
    return data, dates, args.data


def _forecaster(args: argparse.Namespace) -> Any:
    from rnnkit.tasks.forecasting import Forecaster

    return Forecaster(lookback=args.lookback, horizon=args.horizon, cell=args.cell, units=args.units,
                      layers=args.layers, epochs=args.epochs, transform=args.transform)  # fmt: skip


def _read_series(path: str, target: str, covariates: list[str], date: str | None) -> tuple[Any, list[str] | None]:
    from rnnkit.data.tables import read_columns, to_numbers
    from rnnkit.errors import DataError

    columns = read_columns(path, [target, *covariates, *([date] if date else [])])
    data = to_numbers(columns[: 1 + len(covariates)], [target, *covariates])  # (T, C)
    dates = columns[-1] if date else None
    if dates is not None and any(b <= a for a, b in zip(dates, dates[1:])):
        first = next(i for i, (a, b) in enumerate(zip(dates, dates[1:])) if b <= a)
        raise DataError(f"{path}: dates must increase row by row; row {first + 2} ({dates[first + 1]!r}) does not")
    return data, dates


def fit(args: argparse.Namespace) -> int:
    import rnnkit
    from rnnkit.errors import DataError

    data, dates, source = _load(args)
    test = args.test if args.test is not None else max(2 * args.lookback, len(data) // 4)
    start = len(data) - test
    if test < args.horizon or start < args.lookback + args.horizon:
        raise DataError(
            f"{len(data)} values cannot hold a training part of at least lookback + horizon = "
            f"{args.lookback + args.horizon} and a test part of --test {test} ≥ horizon {args.horizon}"
        )
    rnnkit.seed(args.seed)
    model = _forecaster(args)
    print(f"series: {source}, {len(data)} values; training on the first {start}, testing on the last {test}")
    model.fit(data[:start])
    scores = model.evaluate(data, start, season=args.season)
    _print_scores(scores)
    model.save(args.out)
    if args.plot:
        from rnnkit.tasks.forecast_plots import plot_forecasts

        plot_forecasts(data[:, 0], start, model.historical_forecasts(data, start), args.plot, dates, source)
        print(f"plot written to {args.plot}")
    print(f"model in {args.out} (trained on the first {start} values; predict reads the series it was fitted on)")
    return 0


def backtest(args: argparse.Namespace) -> int:
    import rnnkit

    data, dates, source = _load(args)
    rnnkit.seed(args.seed)
    model = _forecaster(args)
    print(f"series: {source}, {len(data)} values; {args.folds} folds of {args.horizon} steps, {args.window} window")
    report = model.backtest(data, args.folds, args.window, args.train_size, args.season)
    print(report.table())
    if args.plot:
        from rnnkit.tasks.forecast_plots import plot_backtest

        plot_backtest(data[:, 0], report, args.plot, dates=dates)
        print(f"plot written to {args.plot}")
    return 0


def _print_scores(scores: dict[str, dict[str, float]]) -> None:
    metrics = list(next(iter(scores.values())))
    print(f"{'':<16}" + "".join(f"{m.upper():>10}" for m in metrics))
    for name, row in scores.items():
        print(f"{name.replace('_', ' '):<16}" + "".join(f"{row[m]:>10.4g}" for m in metrics))
    key = "mape" if "mape" in metrics else "mae"
    best = min((n for n in scores if n != "model"), key=lambda n: scores[n][key])
    if scores["model"][key] < scores[best][key]:
        print(f"the model beats the best baseline ({best.replace('_', ' ')}) on {key.upper()}")
    else:
        print(f"the model does NOT beat the best baseline ({best.replace('_', ' ')}) on {key.upper()}")


def predict(args: argparse.Namespace) -> int:
    import sys

    from rnnkit.data.tables import write_rows
    from rnnkit.errors import ConfigError
    from rnnkit.tasks.forecasting import Forecaster

    model = Forecaster.load(args.model)
    series = None
    if args.data is not None:
        if not args.target:
            raise ConfigError("give --target COLUMN for --data")
        covariates = [c.strip() for c in (args.covariates or "").split(",") if c.strip()]
        series, _ = _read_series(args.data, args.target, covariates, None)
    forecast = model.predict(series)
    rows = [[step, f"{value:.6g}"] for step, value in enumerate(forecast, start=1)]
    text = write_rows(args.output, ["step", "forecast"], rows)
    if args.output is None:
        sys.stdout.write(text)
    else:
        print(f"{len(rows)} forecast steps written to {args.output}")
    return 0
