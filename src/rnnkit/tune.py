"""Hyperparameter search with Optuna: ``rnnkit tune forecast | classify`` and ``tune_forecaster``,
``tune_classifier``.

Each trial draws a setting — cell, units, layers, lookback, learning rate — from the search space, trains
a ``Forecaster`` on the series without its last ``validation`` values and scores it by MASE on forecasts
from every origin of that held-out tail (no refit), the metric every forecast report here uses. Every
``report_every`` epochs the trial reports its validation MASE so far, and Optuna's median pruner stops
trials that trail the median of earlier ones at the same epoch. The sampler is TPE, seeded. For
classifiers the trials draw cell, units, layers, pooling and learning rate, the score is validation
accuracy (maximised; reported every epoch for pruning) on the classifier's own held-out fraction, and
each trial keeps its best epoch (early stopping). Text generators, translators and transcribers are
scored by their best validation loss (nats per character; cross-entropy per target token; CTC loss),
reported every epoch; give them ``epochs`` or ``minutes`` per trial. Needs ``pip install rnnkit[tune]``.

Example::

    result = tune_forecaster(series, validation=24, trials=20, horizon=6)
    result.best_params                  # {'cell': 'gru', 'units': 32, 'layers': 1, 'lookback': 24, ...}
    print(result.table())               # every trial: its setting, validation MASE, complete or pruned
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from rnnkit import seed as seed_everything
from rnnkit.errors import ConfigError, DataError
from rnnkit.tasks.classification import SequenceClassifier
from rnnkit.tasks.forecast_config import ForecasterConfig
from rnnkit.tasks.forecast_series import as_series
from rnnkit.tasks.forecasting import Forecaster
from rnnkit.tasks.generation import TextGenerator
from rnnkit.tasks.transcription import Transcriber
from rnnkit.tasks.translation import Translator
from rnnkit.train.callbacks import Callback

__all__ = [
    "TuneResult",
    "tune_forecaster",
    "tune_classifier",
    "tune_generator",
    "tune_translator",
    "tune_transcriber",
    "PruneOnValidation",
    "PruneOnLogs",
]


@dataclass
class TuneResult:
    """The finished study: the best setting, its validation score, and every trial."""

    best_params: dict[str, Any]
    best_score: float
    trials: list[dict[str, Any]]  # params, score (or None), state, epochs
    metric: str = "mase"

    def table(self) -> str:
        keys = list(self.best_params)
        lines = [" ".join(f"{k:>13}" for k in ["trial", *keys, self.metric.upper(), "state"])]
        for i, t in enumerate(self.trials):
            score = f"{t['score']:.4f}" if t["score"] is not None else "-"
            lines.append(
                " ".join(f"{v!s:>13}" for v in [i, *(_short(t["params"].get(k)) for k in keys), score, t["state"]])
            )
        lines.append(f"best: {self.best_params} ({self.metric.upper()} {self.best_score:.4f} on the validation part)")
        return "\n".join(lines)


def _short(v: Any) -> Any:
    return f"{v:.2g}" if isinstance(v, float) else v


class PruneOnValidation(Callback):
    """Every ``every`` epochs: score the forecaster on the validation tail, report it to the Optuna
    ``trial``, and stop training when the pruner says so (``pruned`` is then True)."""

    def __init__(self, trial: Any, forecaster: Any, series: np.ndarray, start: int, every: int) -> None:
        self.trial, self.forecaster, self.series, self.start, self.every = trial, forecaster, series, start, every
        self.pruned = False

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if (epoch + 1) % self.every:
            return
        score = self.forecaster.evaluate(self.series, self.start)["model"]["mase"]
        self.trial.report(score, epoch + 1)
        if self.trial.should_prune():
            self.pruned = True
            self.model.stop_training = True


class PruneOnLogs(Callback):
    """Report ``logs[key]`` to the Optuna ``trial`` each epoch; stop training when it says prune."""

    def __init__(self, trial: Any, key: str) -> None:
        self.trial, self.key = trial, key
        self.pruned = False

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.trial.report(float((logs or {})[self.key]), epoch + 1)
        if self.trial.should_prune():
            self.pruned = True
            self.model.stop_training = True


def _study(direction: Literal["minimize", "maximize"], seed: int, warmup: int) -> Any:
    import optuna  # optional and heavy: imported when a search runs (``_optuna`` said if it is missing)

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna.create_study(
        direction=direction, sampler=optuna.samplers.TPESampler(seed=seed),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=warmup),
    )  # fmt: skip


def _optuna() -> Any:
    try:
        import optuna  # optional and heavy: imported when a search runs
    except ImportError as exc:
        raise ConfigError("rnnkit tune needs Optuna: pip install 'rnnkit[tune]'") from exc
    return optuna


def tune_forecaster(
    series: Any,
    validation: int,
    trials: int = 20,
    timeout: float | None = None,
    seed: int = 0,
    report_every: int = 50,
    lookbacks: tuple[int, int] = (8, 48),
    **fixed: Any,
) -> TuneResult:
    """Search cell, units, layers, lookback and learning rate for a ``Forecaster`` (other settings:
    ``fixed``, e.g. ``horizon=6, epochs=300``) by validation MASE on the last ``validation`` values."""
    _optuna()  # a missing Optuna is said before anything about the data
    data = as_series(series)
    horizon = int(fixed.get("horizon", ForecasterConfig.horizon))
    if validation < horizon:
        raise ConfigError(f"validation must hold at least one forecast of horizon {horizon}, got {validation}")
    start = len(data) - validation
    if start < lookbacks[1] + horizon:
        raise DataError(
            f"{len(data)} values leave {start} to train on before the validation part; the largest lookback "
            f"tried ({lookbacks[1]}) + horizon needs {lookbacks[1] + horizon}: shorten --validation or the lookbacks"
        )

    def space(trial: Any) -> dict[str, Any]:
        return {
            "cell": trial.suggest_categorical("cell", ["gru", "lstm", "rnn"]),
            "units": trial.suggest_categorical("units", [16, 32, 64]),
            "layers": trial.suggest_int("layers", 1, 2),
            "lookback": trial.suggest_int("lookback", *lookbacks),
            "learning_rate": trial.suggest_float("learning_rate", 1e-3, 2e-2, log=True),
        }

    def run(model: Any, trial: Any) -> tuple[bool, float | None, int]:
        probe = PruneOnValidation(trial, model, data, start, report_every)
        model.fit(data[:start], callbacks=[probe])
        score = None if probe.pruned else float(model.evaluate(data, start)["model"]["mase"])
        return probe.pruned, score, len(model.losses)

    return _search(lambda **p: Forecaster(**{**fixed, **p}), space, run, trials, timeout, seed, "minimize",
                   report_every, "mase")  # fmt: skip


def tune_classifier(
    x: Any, y: Any, trials: int = 20, timeout: float | None = None, seed: int = 0, epochs: int = 10, **fixed: Any
) -> TuneResult:
    """Search cell, units, layers, pooling and learning rate for a ``SequenceClassifier`` (other
    settings: ``fixed``) by validation accuracy on its held-out fraction; ``best_score`` is that accuracy."""
    def space(trial: Any) -> dict[str, Any]:
        return {
            "cell": trial.suggest_categorical("cell", ["lstm", "gru"]),
            "units": trial.suggest_categorical("units", [32, 64, 128]),
            "layers": trial.suggest_int("layers", 1, 2),
            "pooling": trial.suggest_categorical("pooling", ["max", "mean", "last", "attention"]),
            "learning_rate": trial.suggest_float("learning_rate", 3e-4, 3e-3, log=True),
        }

    def fit(model: Any, probe: Callback) -> list[float]:
        history = model.fit(x, y, epochs=epochs, echo=None, callbacks=[probe])
        return [float(v) for v in history["val_accuracy"]]  # early stopping keeps the best epoch

    return _tune_by_logs(lambda **p: SequenceClassifier(**{**fixed, **p}), fit, space, trials, timeout, seed,
                         "val_accuracy", "maximize", "accuracy")  # fmt: skip


def _tune_by_logs(
    make: Any, fit: Any, space: Any, trials: int, timeout: float | None, seed: int, key: str = "val_loss",
    direction: Literal["minimize", "maximize"] = "minimize", metric: str = "val_loss",
) -> TuneResult:  # fmt: skip
    """``_search`` scored by the best epoch value of ``logs[key]`` — ``fit(model, probe)`` returns them
    per epoch — each epoch's value reported for pruning."""

    def run(model: Any, trial: Any) -> tuple[bool, float | None, int]:
        probe = PruneOnLogs(trial, key)
        values = fit(model, probe)
        score = None if probe.pruned else float(min(values) if direction == "minimize" else max(values))
        return probe.pruned, score, len(values)

    return _search(make, space, run, trials, timeout, seed, direction, 1, metric)


def _search(
    make: Any, space: Any, run: Any, trials: int, timeout: float | None, seed: int,
    direction: Literal["minimize", "maximize"], warmup: int, metric: str,
) -> TuneResult:  # fmt: skip
    """The one study loop: each trial draws ``space(trial)``, seeds ``seed + trial number``, builds
    ``make(**params)`` and trains it with ``run(model, trial) -> (pruned, score, epochs)``; every trial is
    recorded, pruned or complete, and the best complete one is the result."""
    optuna = _optuna()
    records: list[dict[str, Any]] = []

    def objective(trial: Any) -> float:
        params = space(trial)
        seed_everything(seed + trial.number)
        pruned, score, epochs = run(make(**params), trial)
        records.append({"params": params, "score": score, "state": "pruned" if pruned else "complete",
                        "epochs": epochs})  # fmt: skip
        if pruned:
            raise optuna.TrialPruned()
        return float(score)

    _study(direction, seed, warmup).optimize(objective, n_trials=trials, timeout=timeout)
    done = [r for r in records if r["state"] == "complete"]
    if not done:
        raise DataError("no trial finished: give more trials or a longer timeout")
    pick = min if direction == "minimize" else max
    best = pick(done, key=lambda r: r["score"])
    return TuneResult(best["params"], best["score"], records, metric=metric)


def tune_generator(
    text: str, trials: int = 10, timeout: float | None = None, seed: int = 0, epochs: int | None = None,
    minutes: float | None = None, **fixed: Any,
) -> TuneResult:  # fmt: skip
    """Search cell, units, layers, dropout and learning rate for a ``TextGenerator`` by its best
    validation loss (nats/char), each trial trained for ``epochs`` or ``minutes``."""
    def space(trial: Any) -> dict[str, Any]:
        return {
            "cell": trial.suggest_categorical("cell", ["lstm", "gru"]),
            "units": trial.suggest_categorical("units", [128, 256, 512]),
            "layers": trial.suggest_int("layers", 1, 2),
            "dropout": trial.suggest_categorical("dropout", [0.0, 0.2]),
            "learning_rate": trial.suggest_float("learning_rate", 1e-3, 5e-3, log=True),
        }

    def fit(model: Any, probe: Callback) -> list[float]:
        history = model.fit(text, epochs=epochs, minutes=minutes, echo=None, callbacks=[probe])
        return [float(v) for v in history["val_loss"]]

    return _tune_by_logs(lambda **p: TextGenerator(**{**fixed, **p}), fit, space, trials, timeout, seed)


def tune_translator(
    sources: Any, targets: Any, trials: int = 10, timeout: float | None = None, seed: int = 0,
    epochs: int | None = None, minutes: float | None = None, **fixed: Any,
) -> TuneResult:  # fmt: skip
    """Search cell, units, attention, dropout and learning rate for a ``Translator`` by its best
    validation loss (cross-entropy per target token), each trial trained for ``epochs`` or ``minutes``."""
    def space(trial: Any) -> dict[str, Any]:
        return {
            "cell": trial.suggest_categorical("cell", ["gru", "lstm"]),
            "units": trial.suggest_categorical("units", [64, 128, 256]),
            "attention": trial.suggest_categorical("attention", ["additive", "dot", "general"]),
            "dropout": trial.suggest_categorical("dropout", [0.0, 0.3]),
            "learning_rate": trial.suggest_float("learning_rate", 3e-4, 3e-3, log=True),
        }

    def fit(model: Any, probe: Callback) -> list[float]:
        model.fit(sources, targets, epochs=epochs, minutes=minutes, callbacks=[probe], seed=seed)
        history = model.model.history
        return [float(v) for v in history.history["val_loss"]] if history is not None else []

    return _tune_by_logs(lambda **p: Translator(**{**fixed, **p}), fit, space, trials, timeout, seed)


def tune_transcriber(
    utterances: Any, trials: int = 10, timeout: float | None = None, seed: int = 0, epochs: int | None = None,
    minutes: float | None = None, **fixed: Any,
) -> TuneResult:  # fmt: skip
    """Search cell, units, layers, dropout and learning rate for a ``Transcriber`` by its best validation
    CTC loss, each trial trained for ``epochs`` or ``minutes``."""
    def space(trial: Any) -> dict[str, Any]:
        return {
            "cell": trial.suggest_categorical("cell", ["lstm", "gru"]),
            "units": trial.suggest_categorical("units", [64, 128, 256]),
            "layers": trial.suggest_int("layers", 1, 3),
            "dropout": trial.suggest_categorical("dropout", [0.0, 0.1, 0.3]),
            "learning_rate": trial.suggest_float("learning_rate", 5e-4, 5e-3, log=True),
        }

    def fit(model: Any, probe: Callback) -> list[float]:
        model.fit(utterances, epochs=epochs, minutes=minutes, callbacks=[probe], seed=seed)
        history = model.model.history
        return [float(v) for v in history.history["val_loss"]] if history is not None else []

    return _tune_by_logs(lambda **p: Transcriber(**{**fixed, **p}), fit, space, trials, timeout, seed)
