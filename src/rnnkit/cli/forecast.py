"""``rnnkit forecast fit | predict | backtest``: forecast a series in a CSV or Parquet file (or a built-in
series), or many series at once (``--id-column``: one global model).

``fit`` trains on all but the last ``--test`` values (of each series), forecasts from every origin in
that held-out part (no refit) and prints the errors beside the naive baselines on the same origins,
saying plainly when the model does not beat the best of them; with intervals (``--intervals conformal``
or a ``--likelihood``), the coverage and scaled interval score of each of ``--levels`` beside the
seasonal naive interval's. ``backtest`` refits at ``--folds`` rolling origins instead. ``predict`` writes
the forecast with a ``lo-80``/``hi-80`` pair of columns per level, as statsforecast names them.
"""

from __future__ import annotations

import argparse
from typing import Any

from rnnkit.cli.backup import add_resume_flag, backup_callbacks

# rnnkit's library parts are imported inside the commands, for start-up time: `rnnkit --help` loads no torch.


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
    p.add_argument("--id-column", help="series-id column: one global model over every series in the file")
    p.add_argument("--per-series", action="store_true",
                   help="with --id-column: one small model per series instead, all trained at once")  # fmt: skip
    p.add_argument("--skip-short", action="store_true",
                   help="with --id-column: leave out (and list) the series too short for a training window and "
                   "the test part, instead of refusing the file")  # fmt: skip
    p.add_argument("--out", required=True, help="model folder to write")
    p.add_argument("--test", type=int, help="values held out at the end (default: 2 × lookback or a quarter)")
    p.add_argument("--plot", help="PNG of the test-part forecasts (and intervals) against the actual series")
    p.add_argument("--curves", help="PNG of the training loss per epoch")
    add_resume_flag(p)
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
    p.add_argument("--id-column", help="series-id column of --data: a forecast for each series")
    p.add_argument("--fill", choices=FILL, default="error", help="missing values in --data (default: error)")
    p.add_argument("--levels", type=_percent, nargs="+",
                   help="interval levels in percent, e.g. 80 95 (default: the model's levels)")  # fmt: skip
    p.add_argument("--output", help="CSV file to write (default: standard output)")
    p.set_defaults(handler=predict)


FILL = ["error", "ffill", "interpolate", "drop"]
BUILT_IN = ["airline_passengers", "sunspots", "ibm_close"]


def _series_and_model_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("data", nargs="?", help="CSV/TSV/Parquet file, rows in time order (default: --series)")
    p.add_argument("--series", choices=BUILT_IN, default="airline_passengers",
                   help="built-in series used when no file is given (default: airline_passengers)")  # fmt: skip
    p.add_argument("--target", help="column to forecast (required with a file)")
    p.add_argument("--date", help="date column, checked to increase row by row")
    p.add_argument("--covariates", help="comma-separated past-covariate columns")
    p.add_argument("--fill", choices=FILL, default="error", help="missing values: an error (default) or a policy")
    p.add_argument("--lookback", type=int, default=24, help="past values the model reads (default 24)")
    p.add_argument("--horizon", type=int, default=6, help="steps forecast at once (default 6)")
    p.add_argument("--season", type=int, help="season length for the baselines and MASE (default: detected)")
    p.add_argument("--cell", choices=["gru", "lstm", "rnn", "mingru", "minlstm", "lru"], default="gru")
    p.add_argument("--units", type=int, default=32)
    p.add_argument("--layers", type=int, default=1)
    p.add_argument("--epochs", type=int, default=400)
    p.add_argument("--transform", choices=["auto", "log", "none"], default="auto")
    p.add_argument("--difference", action="store_true",
                   help="model the changes between steps and sum the forecasts back (point forecasts only)")  # fmt: skip
    p.add_argument(
        "--strategy",
        choices=["direct", "seq2seq", "recursive"],
        default="direct",
        help="multi-step head: direct (default), encoder-decoder, or a one-step model fed back",
    )
    p.add_argument(
        "--likelihood",
        choices=["gaussian", "quantile"],
        help="probabilistic forecasts with intervals (default: point forecasts)",
    )
    p.add_argument("--quantiles", default="0.1,0.5,0.9", help="with --likelihood quantile (default 0.1,0.5,0.9)")
    p.add_argument("--intervals", choices=["model", "conformal"],
                   help="prediction intervals: conformal, calibrated on the model's misses over the end of the "
                   "training data (the default with --likelihood), or the likelihood's own (model)")  # fmt: skip
    p.add_argument("--calibration", type=int,
                   help="values held out at the end of each training series to calibrate conformal intervals on "
                   "(default: horizon + 19, twenty forecasts)")  # fmt: skip
    p.add_argument("--levels", type=_percent, nargs="+", default=[80.0, 95.0],
                   help="interval levels in percent (default: 80 95)")  # fmt: skip
    p.add_argument(
        "--ensemble",
        type=int,
        help="networks trained side by side, forecasts averaged (default: 2 for one-layer direct or "
        "recursive models, else 1)",
    )
    p.add_argument(
        "--swa-start",
        type=_share_or_off,
        default=0.75,
        help="average the weights from this share of the epochs on (default 0.75), or 'off'",
    )
    p.add_argument("--seed", type=int, default=0)  # fmt: skip


def _load(args: argparse.Namespace) -> tuple[Any, list[str] | None, str]:
    """The series ``(T, C)`` (or, with ``--id-column``, a dict of them), its dates (or None) and a name."""
    from rnnkit.datasets import load
    from rnnkit.errors import ConfigError

    covariates = _names(args.covariates)
    if args.data is None:
        if args.target or covariates or getattr(args, "id_column", None):
            raise ConfigError("--target/--covariates/--id-column need a data file")
        series = load(args.series)
        return series.values[:, None], series.dates, f"{args.series} (built in, {series.dates[0]}..{series.dates[-1]})"
    if not args.target:
        raise ConfigError("give --target COLUMN: the column to forecast")
    data, dates = _read_series(args.data, args.target, covariates, args.date, getattr(args, "id_column", None),
                               args.fill)  # fmt: skip
    return data, dates, args.data


def _share_or_off(text: str) -> float | None:
    """``--swa-start``: a number, or ``off``."""
    if text.strip().lower() == "off":
        return None
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a share of the epochs such as 0.75, or 'off'; got {text!r}"
        ) from None


def _percent(text: str) -> float:
    """``--levels``: a level in percent, strictly between 0 and 100."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < 100:
        raise argparse.ArgumentTypeError(f"expected a level in percent between 0 and 100, such as 80; got {text!r}")
    return value


def _names(text: str | None) -> list[str]:
    return [c.strip() for c in (text or "").split(",") if c.strip()]


def _forecaster(args: argparse.Namespace) -> Any:
    from rnnkit.errors import ConfigError
    from rnnkit.tasks.forecast_local import LocalForecasters
    from rnnkit.tasks.forecasting import Forecaster

    try:
        quantiles = tuple(float(q) for q in _names(args.quantiles))
    except ValueError as exc:
        raise ConfigError(f"--quantiles must be numbers separated by commas, got {args.quantiles!r}") from exc
    if getattr(args, "per_series", False) and not args.id_column:
        raise ConfigError("--per-series needs --id-column: the column that tells the series apart")
    kind = LocalForecasters if getattr(args, "per_series", False) else Forecaster
    return kind(lookback=args.lookback, horizon=args.horizon, cell=args.cell, units=args.units,
                layers=args.layers, epochs=args.epochs, transform=args.transform, difference=args.difference,
                strategy=args.strategy, likelihood=args.likelihood, quantiles=quantiles,
                ensemble=args.ensemble, swa_start=args.swa_start, intervals=args.intervals,
                calibration=args.calibration, levels=tuple(v / 100 for v in sorted(set(args.levels))))  # fmt: skip


def _read_series(
    path: str, target: str, covariates: list[str], date: str | None, id_column: str | None, fill: str
) -> tuple[Any, list[str] | None]:
    from rnnkit.data.tables import read_columns, to_numbers
    from rnnkit.errors import DataError
    from rnnkit.tasks.forecast_series import fill_missing

    extra = [*([date] if date else []), *([id_column] if id_column else [])]
    columns = read_columns(path, [target, *covariates, *extra])
    data = to_numbers(columns[: 1 + len(covariates)], [target, *covariates])  # (T, C)
    dates = columns[1 + len(covariates)] if date else None
    ids = columns[-1] if id_column else None
    groups = (
        {k: [i for i, v in enumerate(ids) if v == k] for k in dict.fromkeys(ids)}
        if ids
        else {"": list(range(len(data)))}
    )
    out = {}
    for key, rows in groups.items():
        if dates is not None:
            seen = [dates[r] for r in rows]
            keys = _order_keys(seen)
            bad = next((i for i, (a, b) in enumerate(zip(keys, keys[1:])) if b <= a), None)
            if bad is not None:
                where = f" (series {key!r})" if id_column else ""
                raise DataError(
                    f"{path}: dates must increase row by row{where}; row {rows[bad + 1] + 2} ({seen[bad + 1]!r}) does not"
                )
        try:
            out[key] = fill_missing(data[rows], fill)
        except DataError as exc:
            where = f"series {key!r}: " if id_column else ""
            raise DataError(f"{path}: {where}{exc} (--fill)") from exc
    if id_column:
        return out, None
    return out[""], dates


def _test_forecasts(model: Any, data: Any, start: int, test: int) -> Any:
    """The forecasts from every origin of the test part: a Forecast per interval level when the model has
    intervals, else the point forecasts; for per-series models, those of the first series."""
    from rnnkit.tasks.forecast_config import Forecast
    from rnnkit.tasks.forecast_local import LocalForecasters

    local = isinstance(model, LocalForecasters)
    origin = test if local else start
    if not model.interval_levels:
        point = model.historical_forecasts(data, origin)
        return point[0] if local else point
    bands = [model.historical_intervals(data, origin, level) for level in model.interval_levels]
    if local:
        bands = [Forecast(f.point[0], f.lower[0], f.upper[0], f.level) for f in bands]
    return bands


def _order_keys(dates: list[str]) -> list[Any]:
    """Dates compared as numbers when they all are (day 9 before day 10), else as text (ISO dates)."""
    try:
        return [float(d) for d in dates]
    except ValueError:
        return dates


def _without_short_series(args: argparse.Namespace, data: Any) -> tuple[Any, int]:
    """The collection less its series too short for one training window and the test part (``--test``, by
    default sized on the longest series), named on standard output, and that test part; a global model
    forecasts the series left out later."""
    from rnnkit.errors import ConfigError, DataError

    if not isinstance(data, dict) or args.per_series:
        raise ConfigError("--skip-short needs --id-column and one global model (not --per-series)")
    longest = max(len(d) for d in data.values())
    test = args.test if args.test is not None else max(2 * args.lookback, longest // 4)
    need = test + args.lookback + args.horizon
    short = [k for k, d in data.items() if len(d) < need]
    if len(short) == len(data):
        raise DataError(f"every series is shorter than {need} values (lookback + horizon + a test part of {test})")
    if short:
        names = ", ".join(map(str, short[:10])) + (f" and {len(short) - 10} more" if len(short) > 10 else "")
        print(f"skipped {len(short)} series shorter than {need} values (lookback + horizon + test): {names}")
    return {k: d for k, d in data.items() if k not in short}, test


def fit(args: argparse.Namespace) -> int:
    import rnnkit
    from rnnkit.errors import DataError
    from rnnkit.tasks.forecast_scoring import mean_scores

    data, dates, source = _load(args)
    many = isinstance(data, dict)
    test = args.test
    if args.skip_short:
        data, test = _without_short_series(args, data)
    shortest = min(len(d) for d in data.values()) if many else len(data)
    if test is None:
        test = max(2 * args.lookback, shortest // 4)
    if test < args.horizon or shortest - test < args.lookback + args.horizon:
        raise DataError(
            f"{shortest} values cannot hold a training part of at least lookback + horizon = "
            f"{args.lookback + args.horizon} and a test part of --test {test} ≥ horizon {args.horizon}"
        )
    rnnkit.seed(args.seed)
    model = _forecaster(args)
    if many:
        kind = "one model per series, trained at once" if args.per_series else "one global model"
        print(f"series: {source}, {len(data)} series ({shortest}..{max(len(d) for d in data.values())} values); "
              f"{kind}, testing on the last {test} of each")  # fmt: skip
        model.fit({k: d[: len(d) - test] for k, d in data.items()}, callbacks=backup_callbacks(args))
        if args.per_series:
            scores = model.evaluate(data, test, season=args.season)
        else:
            scores = mean_scores([model.evaluate(d, len(d) - test, season=args.season) for d in data.values()])
        print("mean over the series:")
    else:
        start = len(data) - test
        print(f"series: {source}, {len(data)} values; training on the first {start}, testing on the last {test}")
        model.fit(data[:start], callbacks=backup_callbacks(args))
        scores = model.evaluate(data, start, season=args.season)
    _print_scores(scores)
    model.save(args.out)
    if args.plot:
        from rnnkit.tasks.forecast_plots import plot_forecasts

        first = next(iter(data.values())) if many else data
        start = len(first) - test
        f = _test_forecasts(model, data if args.per_series else first, start, test)
        title = f"{source}, series {next(iter(data))!r}" if many else source
        plot_forecasts(first[:, 0], start, f, args.plot, None if many else dates, title)
        print(f"plot written to {args.plot}")
    if args.curves:
        from rnnkit.tasks.forecast_plots import plot_training_curve

        plot_training_curve(model.losses, args.curves, f"{model.config.cell.upper()} forecaster on {source}")
        print(f"training curve written to {args.curves}")
    print(f"model in {args.out} (trained on all but the last {test} values; predict reads the series it was fitted on)")
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
    metrics = list(scores["naive"])  # the model's and seasonal naive rows may add interval metrics
    print(f"{'':<16}" + "".join(f"{m.upper():>10}" for m in metrics))
    for name, row in scores.items():
        print(f"{name.replace('_', ' '):<16}" + "".join(f"{row[m]:>10.4g}" for m in metrics))
    key = "mape" if "mape" in metrics else "mae"
    best = min((n for n in scores if n != "model"), key=lambda n: scores[n][key])
    if scores["model"][key] < scores[best][key]:
        print(f"the model beats the best baseline ({best.replace('_', ' ')}) on {key.upper()}")
    else:
        print(f"the model does NOT beat the best baseline ({best.replace('_', ' ')}) on {key.upper()}")
    levels = [m.split("-", 1)[1] for m in scores["model"] if m.startswith("coverage-")]
    if levels:
        print(f"\n{'intervals':<16}" + "".join(f"{'coverage ' + v + '%':>15}{'MSIS ' + v + '%':>12}" for v in levels))
        for name in ("model", "seasonal_naive"):
            row = scores[name]
            print(f"{name.replace('_', ' '):<16}"
                  + "".join(f"{row['coverage-' + v]:>15.1%}{row['msis-' + v]:>12.4g}" for v in levels))  # fmt: skip
        print("coverage: the share of the actual values inside the intervals; MSIS: their width plus the "
              "misses, scaled like MASE (lower is better)")  # fmt: skip


def _load_forecaster(path: str) -> Any:
    from rnnkit.models import load_metadata
    from rnnkit.tasks.forecast_local import LocalForecasters
    from rnnkit.tasks.forecasting import Forecaster

    local = load_metadata(path).get("task") == LocalForecasters.task
    return LocalForecasters.load(path) if local else Forecaster.load(path)


def predict(args: argparse.Namespace) -> int:
    import sys

    from rnnkit.data.tables import write_rows
    from rnnkit.errors import ConfigError
    from rnnkit.tasks.forecast_metrics import level_name

    model = _load_forecaster(args.model)
    if args.data is not None:
        if not args.target:
            raise ConfigError("give --target COLUMN for --data")
        series, _ = _read_series(args.data, args.target, _names(args.covariates), None, args.id_column, args.fill)
        named = series if isinstance(series, dict) else {"": series}
    else:
        named = dict(zip(model.names, model.history))
    levels = [v / 100 for v in sorted(set(args.levels))] if args.levels else list(model.interval_levels)
    if args.levels and not model.interval_levels:
        raise ConfigError("--levels: this model gives point forecasts only (fit it with --intervals conformal)")
    header = ["series", "step", "forecast"] if len(named) > 1 or args.id_column else ["step", "forecast"]
    for level in levels:
        header += [f"lo-{level_name(level)}", f"hi-{level_name(level)}"]
    rows = []
    many = len(named) > 1
    inputs = list(named.values()) if many else next(iter(named.values()))
    tables = [model.predict(inputs)]
    for level in levels:
        f = model.predict_interval(inputs, level)
        tables += [f.lower, f.upper]
    for i, key in enumerate(named):
        columns = [t[i] if many else t for t in tables]
        for step, values in enumerate(zip(*columns), start=1):
            rows.append([*([key] if header[0] == "series" else []), step, *(f"{v:.6g}" for v in values)])
    text = write_rows(args.output, header, rows)
    if args.output is None:
        sys.stdout.write(text)
    else:
        print(f"{len(rows)} forecast steps written to {args.output}")
    return 0
