"""``rnnkit tune forecast | classify | text | translate | transcribe``: search a task's settings with
Optuna (``rnnkit.tune``); forecast and classify then train the best on all the data."""

from __future__ import annotations

import argparse
from typing import Any

# rnnkit's library parts are imported inside the commands, for start-up time: `rnnkit --help` loads no torch.


def register(commands: Any) -> None:
    tune = commands.add_parser(
        "tune",
        help="hyperparameter search with Optuna (forecast, classify, text, translate, transcribe)",
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

    p = sub.add_parser("classify", help="tune a SequenceClassifier on a CSV of texts (or numeric sequences)")
    p.add_argument("data", help="CSV/TSV file with a text (or id + feature) column and a label column")
    from rnnkit.cli.classify import _data_arguments

    _data_arguments(p)
    p.add_argument("--epochs", type=int, default=10, help="epochs per trial (early stopping keeps the best)")
    p.add_argument("--trials", type=int, default=20)
    p.add_argument("--timeout", type=float, help="stop starting trials after this many seconds")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", help="train the best setting again (same seed) and save it here")
    p.set_defaults(handler=classify)

    for name, what in (("text", "a TextGenerator on a corpus (default: the built-in one)"),
                       ("translate", "a Translator on sentence pairs (default: the dates task)")):  # fmt: skip
        p = sub.add_parser(name, help=f"tune {what}, scored by validation loss")
        p.add_argument("data", nargs="?", help="corpus (.txt) or pairs (.tsv/.zip); default: built in")
        p.add_argument("--epochs", type=int, help="epochs per trial")
        p.add_argument("--minutes", type=float, help="minutes per trial (default 2 without --epochs)")
        p.add_argument("--trials", type=int, default=10)
        p.add_argument("--timeout", type=float, help="stop starting trials after this many seconds")
        p.add_argument("--seed", type=int, default=0)
        p.set_defaults(handler=text if name == "text" else translate)

    p = sub.add_parser("transcribe", help="tune a Transcriber (manifest or FSDD digit strings), by validation CTC loss")
    from rnnkit.cli.transcribe import _source_arguments

    _source_arguments(p)
    p.add_argument("--strings", type=int, default=1000, help="with --fsdd: digit strings to build (default 1000)")
    p.add_argument("--epochs", type=int, help="epochs per trial")
    p.add_argument("--minutes", type=float, help="minutes per trial (default 2 without --epochs)")
    p.add_argument("--trials", type=int, default=10)
    p.add_argument("--timeout", type=float, help="stop starting trials after this many seconds")
    p.set_defaults(handler=transcribe)


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


def classify(args: argparse.Namespace) -> int:
    import rnnkit
    from rnnkit.cli.classify import load_examples
    from rnnkit.tasks.classification import SequenceClassifier
    from rnnkit.tune import tune_classifier

    x, y, _ = load_examples(args, labels=True)
    print(f"data: {args.data}, {len(x):,} samples; {args.trials} trials, each scored by validation accuracy")
    result = tune_classifier(x, y or [], trials=args.trials, timeout=args.timeout, seed=args.seed, epochs=args.epochs)
    print(result.table())
    if args.out:
        number = next(i for i, t in enumerate(result.trials) if t["score"] == result.best_score)
        rnnkit.seed(args.seed + number)
        SequenceClassifier(**result.best_params).fit(x, y or [], epochs=args.epochs, checkpoint=args.out, echo=None)
        print(f"the best setting, trained again the same way, saved in {args.out}")
    return 0


def _budget(args: argparse.Namespace) -> tuple[int | None, float | None]:
    return args.epochs, (args.minutes if args.minutes is not None or args.epochs is not None else 2.0)


def text(args: argparse.Namespace) -> int:
    from rnnkit.data.text import builtin_corpus, read_corpus
    from rnnkit.tune import tune_generator

    corpus = read_corpus(args.data) if args.data else builtin_corpus()
    epochs, minutes = _budget(args)
    print(f"corpus: {args.data or 'built in'}, {len(corpus):,} characters; {args.trials} trials")
    print(tune_generator(corpus, args.trials, args.timeout, args.seed, epochs, minutes).table())
    return 0


def translate(args: argparse.Namespace) -> int:
    from rnnkit.cli.translate import _pairs
    from rnnkit.tune import tune_translator

    sources, targets = _pairs(args.data, None)
    epochs, minutes = _budget(args)
    print(f"pairs: {args.data or 'the dates task'}, {len(sources):,}; {args.trials} trials")
    print(tune_translator(sources, targets, args.trials, args.timeout, args.seed, epochs, minutes).table())
    return 0


def transcribe(args: argparse.Namespace) -> int:
    from rnnkit.cli.transcribe import _utterances
    from rnnkit.tune import tune_transcriber

    utterances = _utterances(args, args.strings, False)
    epochs, minutes = _budget(args)
    print(f"data: {len(utterances):,} utterances; {args.trials} trials")
    print(tune_transcriber(utterances, args.trials, args.timeout, args.seed, epochs, minutes).table())
    return 0
