"""``rnnkit classify fit | predict | evaluate``: sequence classification from CSV/TSV or ``.ts`` files.

Texts come from one column (``--text-column``). Numeric sequences come in one of three layouts:

- a ``.ts`` file of the UEA/UCR archive (variable lengths, several dimensions, ``?`` for missing values);
- wide (``--wide``): one series per row, the label in the first column (or ``--label-column``);
- long: one row per time step, ``--id-column`` naming the sequence a row belongs to and
  ``--feature-columns`` its values (rows of a sequence in time order); the label is read from its rows.

Missing values inside a ``.ts`` or wide series are interpolated (``--missing``).
"""

from __future__ import annotations

import argparse
from typing import Any

from rnnkit.cli.backup import add_resume_flag, backup_callbacks

# rnnkit's library parts are imported inside the commands, for start-up time: `rnnkit --help` loads no torch.


def _steps(text: str) -> int | None:
    """``--max-steps``: a positive integer, or 'none'."""
    if text.lower() == "none":
        return None
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer or 'none', got {text!r}")
    return int(text)


def _data_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--text-column", default="text", help="column holding the text (default 'text')")
    p.add_argument(
        "--label-column",
        help="column holding the label (default 'label'; with --wide: the first column when fitting or "
        "evaluating, none when predicting)",
    )
    p.add_argument("--id-column", help="numeric sequences in long format: the column naming each row's sequence")
    p.add_argument("--feature-columns", help="numeric sequences in long format: comma-separated value columns")
    p.add_argument("--wide", action="store_true", help="numeric sequences, one per row (a .ts file needs no flag)")
    p.add_argument("--missing", choices=["interpolate", "keep", "error"], default="interpolate",
                   help=".ts and --wide files: what to do with missing values inside a series (default interpolate)")  # fmt: skip
    p.add_argument("--no-header", action="store_true", help="the file has no header; name columns by 0-based position")


def register(commands: Any) -> None:
    classify = commands.add_parser(
        "classify",
        help="sequence and sentiment classification (fit, predict, evaluate)",
        description="Classify texts or numeric sequences with a recurrent network, beside simple baselines.",
    )
    sub = classify.add_subparsers(dest="classify_command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "fit",
        help="train a classifier on a labelled CSV/TSV file",
        description="Train Embedding → (bi)LSTM/GRU → pooling → classes; a seeded --validation fraction "
        "(or --validation-file) picks the best epoch; the report puts the model beside a majority-class "
        "and a bag-of-words (or sequence-summary) logistic regression on the same split.",
    )
    p.add_argument("data", help="CSV or TSV file (.tsv/.txt: tab-separated), or a .ts file (UEA/UCR archive)")
    _data_arguments(p)
    p.add_argument("--validation-file", help="labelled file for validation (default: hold out --validation)")
    p.add_argument("--out", required=True, help="model folder to write")
    p.add_argument("--tokens", choices=["word", "char"], default="word", help="text tokens (default word)")
    p.add_argument("--cell", choices=["lstm", "gru", "rnn", "mingru", "minlstm", "lru"], default="lstm")
    p.add_argument("--units", type=int, default=128, help="units per direction (default 128)")
    p.add_argument("--layers", type=int, default=2, help="recurrent layers (default 2)")
    p.add_argument("--unidirectional", action="store_true", help="one direction instead of a bidirectional layer")
    p.add_argument("--pooling", choices=["last", "mean", "max", "attention"], default="max")
    p.add_argument("--frontend", choices=["conv"],
                   help="numeric sequences: three Conv1D-BatchNorm-ReLU blocks before the recurrent layers")  # fmt: skip
    p.add_argument("--filters", type=int, default=64, help="filters per block of --frontend conv (default 64)")
    p.add_argument("--scaling", choices=["series", "global"], default="series",
                   help="numeric sequences: scale each series on its own, or all with the training set's mean and "
                   "deviation (default series)")  # fmt: skip
    p.add_argument("--max-steps", type=_steps, default=128,
                   help="numeric sequences: series longer than this are read in windows of mean, min and max "
                   "(default 128; 'none': every step)")  # fmt: skip
    p.add_argument("--refit", action=argparse.BooleanOptionalAction, default=False,
                   help="after the held-out part picks the best epoch, train a fresh network on every sample for "
                   "that many epochs (default off)")  # fmt: skip
    p.add_argument("--embedding", type=int, default=128)
    p.add_argument("--dropout", type=float, default=0.3)
    p.add_argument("--max-words", type=int, default=20_000, help="vocabulary size limit (default 20000)")
    p.add_argument("--min-count", type=int, default=1, help="drop tokens seen fewer times (default 1)")
    p.add_argument("--max-length", type=int, help="tokens/steps kept per sequence (default: all; a warning counts those cut)")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate (default 0.001)")
    p.add_argument("--validation", type=float, default=0.1, help="held-out fraction (default 0.1)")
    p.add_argument("--epochs", type=int,
                   help="epochs (default: at least 1000 updates, 10 to 1000 epochs, unless early stopping ends it)")  # fmt: skip
    p.add_argument("--minutes", type=float, help="training time budget")
    p.add_argument("--patience", type=int,
                   help="stop after this many epochs without improvement (default: 3, or 100 updates where epochs are "
                   "shorter)")  # fmt: skip
    p.add_argument("--monitor", choices=["val_loss", "val_accuracy"], default="val_loss",
                   help="what early stopping and the best epoch follow (default val_loss)")  # fmt: skip
    p.add_argument("--min-delta", type=float, default=0.0, help="smallest change that counts as an improvement")
    p.add_argument("--keep-last", action="store_true", help="keep the last epoch's weights, not the best epoch's")
    p.add_argument("--seed", type=int, default=0)
    add_resume_flag(p)
    p.set_defaults(handler=fit)

    p = sub.add_parser("predict", help="label new data", description="Write labels and class probabilities as CSV.")
    p.add_argument("model", help="model folder written by 'rnnkit classify fit'")
    p.add_argument("data", help="CSV or TSV file with the same columns as the training data (labels not needed)")
    _data_arguments(p)
    p.add_argument("--output", help="CSV file to write (default: standard output)")
    p.set_defaults(handler=predict)

    p = sub.add_parser(
        "evaluate",
        help="score a classifier on labelled data",
        description="Accuracy, macro-F1, per-class report and confusion matrix, beside the saved baselines.",
    )
    p.add_argument("model", help="model folder written by 'rnnkit classify fit'")
    p.add_argument("data", help="labelled CSV or TSV file")
    _data_arguments(p)
    p.set_defaults(handler=evaluate)


def load_examples(args: argparse.Namespace, labels: bool) -> tuple[Any, list[str] | None, list[str]]:
    """``(inputs, labels or None, row names)`` from the file ``args.data``, texts or numeric sequences."""
    from pathlib import Path

    from rnnkit.data.series_files import read_series_file
    from rnnkit.data.tables import read_columns, sequences_from_rows
    from rnnkit.errors import ConfigError, DataError

    header = not args.no_header
    if args.wide or Path(args.data).suffix.lower() == ".ts":
        column = args.label_column
        position = int(column) if column is not None and column.isdigit() else column
        data = read_series_file(
            args.data, position if position is not None else (0 if labels else None),
            False if args.no_header else None, args.missing,
        )  # fmt: skip
        if labels and data.labels is None:
            raise DataError(f"{args.data}: the file has no class labels (a .ts file needs @classLabel true)")
        if data.filled:
            print(f"{args.data}: {data.filled:,} missing values interpolated (--missing)")
        return data.sequences, data.labels, [str(i) for i in range(len(data.sequences))]
    label_column = [args.label_column or "label"] if labels else []
    if args.id_column is None and args.feature_columns is None:
        columns = read_columns(args.data, [args.text_column, *label_column], header=header)
        return columns[0], (columns[1] if labels else None), [str(i) for i in range(len(columns[0]))]
    if args.id_column is None or args.feature_columns is None:
        raise ConfigError("numeric sequences need both --id-column and --feature-columns")
    features = [c.strip() for c in args.feature_columns.split(",") if c.strip()]
    columns = read_columns(args.data, [args.id_column, *features, *label_column], header=header)
    ids, values = columns[0], columns[1 : 1 + len(features)]
    names, sequences, sequence_labels = sequences_from_rows(ids, values, columns[-1] if labels else None, features)
    return sequences, sequence_labels, names


def fit(args: argparse.Namespace) -> int:
    import rnnkit
    from rnnkit.tasks.classification import SequenceClassifier

    x, y, _ = load_examples(args, labels=True)
    validation = None
    if args.validation_file:
        validation_args = argparse.Namespace(**{**vars(args), "data": args.validation_file})
        xv, yv, _ = load_examples(validation_args, labels=True)
        validation = (xv, yv or [])
    rnnkit.seed(args.seed)
    classifier = SequenceClassifier(
        cell=args.cell, units=args.units, layers=args.layers, bidirectional=not args.unidirectional,
        pooling=args.pooling, embedding=args.embedding, dropout=args.dropout, tokens=args.tokens,
        max_words=args.max_words, min_count=args.min_count, max_length=args.max_length, batch=args.batch,
        learning_rate=args.lr, validation=args.validation, patience=args.patience, monitor=args.monitor,
        min_delta=args.min_delta, restore_best=not args.keep_last, frontend=args.frontend, filters=args.filters,
        scaling=args.scaling, max_steps=args.max_steps, refit=args.refit,
    )  # fmt: skip
    kind = "texts" if isinstance(x[0], str) else "numeric sequences"
    print(f"data: {args.data}, {len(x):,} {kind}, {len(set(y or []))} classes")
    classifier.fit(
        x,
        y or [],
        validation_data=validation,
        epochs=args.epochs,
        minutes=args.minutes,
        checkpoint=args.out,
        callbacks=backup_callbacks(args),
    )
    print(f"validation accuracy (best epoch): {_beside(classifier.validation_scores)}")
    print(
        f"trained in {classifier.seconds['network']:.1f} s (baselines {classifier.seconds['baselines']:.1f} s); model in {args.out}"
    )
    return 0


def _beside(scores: dict[str, float]) -> str:
    text = ", ".join(f"{name.replace('_', ' ')} {value:.4f}" for name, value in scores.items())
    best = max((v for k, v in scores.items() if k != "model"), default=None)
    if best is not None and scores.get("model", 0.0) <= best:
        text += " (the network does not beat the best baseline)"
    return text


def predict(args: argparse.Namespace) -> int:
    import sys

    from rnnkit.data.tables import write_rows
    from rnnkit.tasks.classification import SequenceClassifier

    classifier = SequenceClassifier.load(args.model)
    x, _, names = load_examples(args, labels=False)
    probabilities = classifier.predict_proba(x)
    rows = [
        [name, classifier.classes[int(p.argmax())], *(f"{v:.6f}" for v in p)] for name, p in zip(names, probabilities)
    ]
    header = ["row" if args.id_column is None else args.id_column, "label", *(f"p_{c}" for c in classifier.classes)]
    text = write_rows(args.output, header, rows)
    if args.output is None:
        sys.stdout.write(text)
    else:
        print(f"{len(rows):,} predictions written to {args.output}")
    return 0


def evaluate(args: argparse.Namespace) -> int:
    from rnnkit.tasks.classification import SequenceClassifier

    classifier = SequenceClassifier.load(args.model)
    x, y, _ = load_examples(args, labels=True)
    reports = classifier.evaluate(x, y or [])
    print(f"{'':<18}accuracy  macro-F1")
    for name, report in reports.items():
        print(f"{name.replace('_', ' '):<18}{report.accuracy:8.4f}  {report.macro_f1:8.4f}")
    print(f"the network {'beats' if _model_wins(reports) else 'does not beat'} the best baseline on accuracy")
    print()
    print(reports["model"].format())
    return 0


def _model_wins(reports: dict[str, Any]) -> bool:
    return all(reports["model"].accuracy > r.accuracy for name, r in reports.items() if name != "model")
