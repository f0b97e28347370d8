"""``rnnkit tune forecast``: search a forecaster's settings with Optuna (``rnnkit.tune``), then train the
best on the whole series."""

from __future__ import annotations

import argparse
from typing import Any


def register(commands: Any) -> None:
    tune = commands.add_parser(
        "tune",
        help="hyperparameter search with Optuna (forecast)",
        description="Optuna's TPE sampler with median pruning over cell, units, layers, lookback and "
        "learning rate, scored on a held-out tail. Needs Optuna (pip install 'rnnkit[tune]').",
    )
    sub = tune.add_subparsers(dest="tune_command", metavar="TASK", required=True)
    p = sub.add_parser("forecast", help="tune a Forecaster on a series (CSV/Parquet or built in)")
    p.add_argument("data", nargs="?", help="CSV/TSV/Parquet file, rows in time order (default: --series)")
    p.add_argument("--series", choices=["airline_passengers", "sunspots", "ibm_close"], default="airline_passengers")
    p.add_argument("--target", help="column to forecast (required with a file)")
    p.add_argument("--date", help="date column, checked to increase row by row")
    p.add_argument("--covariates", help="comma-separated past-covariate columns")
    p.add_argument("--fill", choices=["error", "ffill", "interpolate", "drop"], default="error")
    p.add_argument("--horizon", type=int, default=6)
    p.add_argument("--epochs", type=int, default=300, help="epochs per trial (default 300)")
    p.add_argument("--validation", type=int, help="values held out for scoring (default: 2 × horizon or a fifth)")
    p.add_argument("--trials", type=int, default=20)
    p.add_argument("--timeout", type=float, help="stop starting trials after this many seconds")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", help="train the best setting on the whole series and save it here")
    p.set_defaults(handler=forecast, id_column=None)


def forecast(args: argparse.Namespace) -> int:
    import rnnkit
    from rnnkit.cli.forecast import _load
    from rnnkit.tasks.forecasting import Forecaster
    from rnnkit.tune import tune_forecaster

    data, _, source = _load(args)
    validation = args.validation or max(2 * args.horizon, len(data) // 5)
    print(f"series: {source}, {len(data)} values; {args.trials} trials, each scored on the last {validation}")
    result = tune_forecaster(data, validation, trials=args.trials, timeout=args.timeout, seed=args.seed,
                             horizon=args.horizon, epochs=args.epochs)  # fmt: skip
    print(result.table())
    if args.out:
        rnnkit.seed(args.seed)
        Forecaster(horizon=args.horizon, epochs=args.epochs, **result.best_params).fit(data).save(args.out)
        print(f"the best setting, trained on all {len(data)} values, saved in {args.out}")
    return 0
