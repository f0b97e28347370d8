"""Callbacks: code that observes training and may stop it, never a branch inside the loop.

Write your own by subclassing ``Callback`` and overriding any hook, or with ``LambdaCallback``::

    >>> printer = LambdaCallback(on_epoch_end=lambda epoch, logs: None)

A callback that keeps something across epochs (a best value, a patience count) returns it from
``get_state`` and takes it back in ``set_state``, so that a run resumed by ``BackupAndRestore`` goes on
as if never stopped.

Hooks: ``on_train_begin(logs)``, ``on_epoch_begin(epoch, logs)``, ``on_batch_end(batch, logs)``,
``on_epoch_end(epoch, logs)``, ``on_train_end(logs)``, and ``on_train_interrupted(logs)`` when Ctrl-C
stopped training (``logs["resume"]`` says where). ``on_train_begin`` may put a ``ResumePoint`` in
``logs["resume"]`` to make ``fit`` continue from it. ``self.model`` is the model being trained; set
``self.model.stop_training = True`` to stop after the current epoch.
"""

from __future__ import annotations

import csv
import json
import math
import os
import shutil
import sys
import time
import warnings
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import torch

from rnnkit.errors import ConfigError, ModelFileError
from rnnkit.train.resume import ResumePoint

__all__ = [
    "Callback",
    "History",
    "LambdaCallback",
    "EarlyStopping",
    "ModelCheckpoint",
    "SaveBest",
    "EpochLog",
    "ReduceLROnPlateau",
    "CSVLogger",
    "JSONLinesLogger",
    "TensorBoard",
    "TerminateOnNaN",
    "BackupAndRestore",
    "TimeLimit",
    "CosineDecayOverTime",
    "StochasticWeightAveraging",
]

Logs = dict[str, Any]  # epoch logs hold floats; batch logs hold 0-dim tensors (float() them)


class Callback:
    """Base class; every hook does nothing."""

    model: Any = None
    #: set by ``fit``: ``epochs``, ``steps`` (batches per epoch), ``verbose``, ``sample``, the first
    #: training samples ``(x, y)`` as tensors (for callbacks that measure the model on data), and
    #: ``callbacks``, the run's ``CallbackList``
    params: dict[str, Any] = {}

    def set_model(self, model: Any) -> None:
        self.model = model

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params

    def on_train_begin(self, logs: Logs | None = None) -> None: ...
    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None: ...
    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None: ...
    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None: ...
    def on_train_end(self, logs: Logs | None = None) -> None: ...
    def on_train_interrupted(self, logs: Logs | None = None) -> None: ...

    def get_state(self) -> dict[str, Any]:
        """What this callback has learned during the run (numbers, or tensors), for ``BackupAndRestore``
        to save; empty for callbacks that keep nothing."""
        return {}

    def set_state(self, state: dict[str, Any]) -> None:
        """Put back what ``get_state`` returned (a resumed run, before its first epoch)."""


class History(Callback):
    """What ``fit`` returns: ``history.history['loss']`` is the list of epoch losses, ``history.epoch`` the epochs."""

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)


class LambdaCallback(Callback):
    """A callback from plain functions: ``LambdaCallback(on_epoch_end=lambda epoch, logs: print(logs))``."""

    def __init__(self, **hooks: Callable[..., None]) -> None:
        unknown = set(hooks) - {
            "on_train_begin",
            "on_epoch_begin",
            "on_batch_end",
            "on_epoch_end",
            "on_train_end",
            "on_train_interrupted",
        }
        if unknown:
            raise ConfigError(f"LambdaCallback got unknown hooks {sorted(unknown)}")
        for name, fn in hooks.items():
            setattr(self, name, fn)


class _Monitor(Callback):
    """Shared logic of callbacks that watch one logged quantity for improvement."""

    def __init__(self, monitor: str, mode: str, min_delta: float) -> None:
        if mode not in ("auto", "min", "max"):
            raise ConfigError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
        self.monitor = monitor
        if mode == "auto":
            mode = "max" if any(k in monitor for k in ("acc", "auc", "precision", "recall")) else "min"
        self.sign = 1.0 if mode == "min" else -1.0
        self.min_delta = abs(min_delta)
        self.best = math.inf
        self._warned = False

    def current(self, logs: Logs | None) -> float | None:
        value = (logs or {}).get(self.monitor)
        if value is None and not self._warned:
            self._warned = True
            warnings.warn(
                f"{type(self).__name__} watches {self.monitor!r}, which is not logged; logged: {sorted(logs or {})}",
                stacklevel=2,
            )
        return value

    def improved(self, value: float) -> bool:
        return self.sign * value < self.best - self.min_delta

    def get_state(self) -> dict[str, Any]:
        return {"best": self.best}

    def set_state(self, state: dict[str, Any]) -> None:
        self.best = float(state["best"])


class EarlyStopping(_Monitor):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    ``restore_best_weights=True`` puts back the weights of the best epoch when training stops.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0.0,
        patience: int = 0,
        mode: str = "auto",
        restore_best_weights: bool = False,
        start_from_epoch: int = 0,
    ) -> None:
        super().__init__(monitor, mode, min_delta)
        self.patience = patience
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.best, self.wait, self.stopped_epoch = math.inf, 0, 0
        self.best_state: dict[str, torch.Tensor] | None = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        value = self.current(logs)
        if value is None or epoch < self.start_from_epoch:
            return
        if self.improved(value):
            self.best, self.best_epoch, self.wait = self.sign * value, epoch, 0
            if self.restore_best_weights:
                self.best_state = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
            return
        self.wait += 1
        if self.wait > self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs: Logs | None = None) -> None:
        if self.restore_best_weights and self.best_state is not None:
            self.model.load_state_dict(self.best_state)

    def get_state(self) -> dict[str, Any]:
        weights = {f"best_state.{k}": v for k, v in (self.best_state or {}).items()}
        return {**super().get_state(), "wait": self.wait, "best_epoch": self.best_epoch, **weights}

    def set_state(self, state: dict[str, Any]) -> None:
        super().set_state(state)
        self.wait, self.best_epoch = int(state["wait"]), int(state["best_epoch"])
        weights = {k.split(".", 1)[1]: v for k, v in state.items() if k.startswith("best_state.")}
        self.best_state = weights or None


class ModelCheckpoint(_Monitor):
    """Save the model (a folder, see ``Model.save``) after each epoch, or only when ``monitor`` improves.

    ``filepath`` may hold ``{epoch}`` and logged names: ``'ckpt/epoch{epoch:02d}-{val_loss:.3f}'``.
    Saving is atomic: a crash mid-save never leaves a broken model where a good one was.
    """

    rank_zero_only = True  # writes or prints: only rank 0 runs it in data-parallel training

    def __init__(
        self,
        filepath: str | os.PathLike[str],
        monitor: str = "val_loss",
        save_best_only: bool = False,
        mode: str = "auto",
        save_weights_only: bool = False,
    ) -> None:
        super().__init__(monitor, mode, 0.0)
        self.filepath = str(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        if self.save_best_only:
            value = self.current(logs)
            if value is None or not self.improved(value):
                return
            self.best = self.sign * value
        path = self.filepath.format(epoch=epoch + 1, **(logs or {}))
        self.model.save(path, include_optimizer=not self.save_weights_only)


class SaveBest(_Monitor):
    """Call ``save(value)`` whenever ``monitor`` reaches a new best: for tasks that save more than the
    network (a vocabulary, baselines) with their own atomic ``save``.

    Example::

        SaveBest(lambda loss: translator.save("best_model"), monitor="val_loss")
    """

    rank_zero_only = True  # writes or prints: only rank 0 runs it in data-parallel training

    def __init__(
        self,
        save: Callable[[float], None],
        monitor: str = "val_loss",
        mode: str = "auto",
        initial_value_threshold: float | None = None,
    ) -> None:
        super().__init__(monitor, mode, 0.0)
        self.save, self.initial = save, initial_value_threshold

    def on_train_begin(self, logs: Logs | None = None) -> None:
        # as Keras's ModelCheckpoint: only a value better than initial_value_threshold is saved
        self.best = math.inf if self.initial is None else self.sign * self.initial

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        value = self.current(logs)
        if value is not None and self.improved(value):
            self.best = self.sign * value
            self.save(value)


class EpochLog(Callback):
    """One line per epoch through ``echo``: ``"epoch N: " + template + " (S s)"``, where ``template`` is a
    ``str.format`` pattern over the epoch's logs (a name not logged reads as nan).

    Example::

        EpochLog(print, "loss {loss:.4f}, validation loss {val_loss:.4f}")
    """

    rank_zero_only = True  # writes or prints: only rank 0 runs it in data-parallel training

    def __init__(self, echo: Callable[[str], None], template: str) -> None:
        self.echo, self.template = echo, template

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        values = defaultdict(lambda: math.nan, logs or {})
        self.echo(f"epoch {epoch + 1}: {self.template.format_map(values)} ({time.perf_counter() - self.start:.1f} s)")


class ReduceLROnPlateau(_Monitor):
    """Multiply the learning rate by ``factor`` when ``monitor`` stalls for ``patience`` epochs."""

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        mode: str = "auto",
        min_delta: float = 1e-4,
        cooldown: int = 0,
        min_lr: float = 0.0,
        verbose: int = 0,
    ) -> None:
        if not 0.0 < factor < 1.0:
            raise ConfigError(f"ReduceLROnPlateau factor must be in (0, 1), got {factor}")
        super().__init__(monitor, mode, min_delta)
        self.factor, self.patience, self.cooldown, self.min_lr, self.verbose = (
            factor,
            patience,
            cooldown,
            min_lr,
            verbose,
        )

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.best, self.wait, self.cooldown_left = math.inf, 0, 0

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        optimizer = self.model.optimizer
        if logs is not None:
            logs["learning_rate"] = optimizer.learning_rate
        value = self.current(logs)
        if value is None:
            return
        if self.cooldown_left > 0:
            self.cooldown_left -= 1
            self.wait = 0
        if self.improved(value):
            self.best, self.wait = self.sign * value, 0
        elif self.cooldown_left == 0:
            self.wait += 1
            if self.wait >= self.patience and optimizer.learning_rate > self.min_lr:
                optimizer.learning_rate = max(optimizer.learning_rate * self.factor, self.min_lr)
                if self.verbose:
                    print(
                        f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {optimizer.learning_rate:.4g}."
                    )
                self.cooldown_left, self.wait = self.cooldown, 0

    def get_state(self) -> dict[str, Any]:
        return {**super().get_state(), "wait": self.wait, "cooldown_left": self.cooldown_left}

    def set_state(self, state: dict[str, Any]) -> None:
        super().set_state(state)
        self.wait, self.cooldown_left = int(state["wait"]), int(state["cooldown_left"])


class CSVLogger(Callback):
    """Append one row per epoch (``epoch`` and every logged value) to a CSV file."""

    rank_zero_only = True  # writes or prints: only rank 0 runs it in data-parallel training

    def __init__(self, filename: str | os.PathLike[str], separator: str = ",", append: bool = False) -> None:
        self.filename, self.separator, self.append = Path(filename), separator, append
        self._keys: list[str] | None = None

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self._keys = None
        if not self.append and self.filename.exists():
            self.filename.unlink()

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        new_file = not self.filename.exists() or self.filename.stat().st_size == 0
        if self._keys is None:
            self._keys = sorted(logs)
        with self.filename.open("a", newline="") as f:
            writer = csv.writer(f, delimiter=self.separator)
            if new_file:
                writer.writerow(["epoch", *self._keys])
            writer.writerow([epoch, *(logs.get(k, "") for k in self._keys)])


class JSONLinesLogger(Callback):
    """One JSON object per epoch, appended and flushed as the epoch ends (``tail -f`` follows a run):
    ``{"epoch": 3, "seconds": 1.92, "loss": 0.084, "val_loss": 0.091, ...}``, ``seconds`` counted from
    the start of ``fit``. Every model keeps the same records and writes them to ``training_log.jsonl``
    in the folder it is saved to; this callback streams them during training."""

    rank_zero_only = True  # writes or prints: only rank 0 runs it in data-parallel training

    def __init__(self, filename: str | os.PathLike[str], append: bool = False) -> None:
        self.filename, self.append = Path(filename), append

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self._start = time.perf_counter()
        self.filename.parent.mkdir(parents=True, exist_ok=True)
        if not self.append:
            self.filename.write_text("")

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        with self.filename.open("a") as f:
            f.write(json.dumps(epoch_record(epoch, self._start, logs)) + "\n")


def epoch_record(epoch: int, start: float, logs: Logs | None) -> dict[str, float | int]:
    """The JSON record of one epoch: its number, seconds since ``start``, and its logs as numbers."""
    return {
        "epoch": epoch,
        "seconds": round(time.perf_counter() - start, 4),
        **{k: float(v) for k, v in (logs or {}).items()},
    }


class TensorBoard(Callback):
    """Scalars for TensorBoard (``tensorboard --logdir LOG_DIR``): every epoch log (``loss``,
    ``val_loss``, metrics, ``lr`` when logged) at its epoch, and with ``update_freq="batch"`` the
    training loss of every batch (tag ``batch/loss``). Needs the ``tensorboard`` package."""

    rank_zero_only = True  # writes or prints: only rank 0 runs it in data-parallel training

    def __init__(self, log_dir: str | os.PathLike[str] = "logs", update_freq: str = "epoch") -> None:
        if update_freq not in ("epoch", "batch"):
            raise ConfigError(f"update_freq must be 'epoch' or 'batch', got {update_freq!r}")
        self.log_dir, self.update_freq = str(log_dir), update_freq
        self._writer: Any = None
        self._step = 0

    def on_train_begin(self, logs: Logs | None = None) -> None:
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError as exc:
            raise ConfigError(
                "the TensorBoard callback needs the tensorboard package: pip install tensorboard"
            ) from exc
        self._writer = SummaryWriter(self.log_dir)

    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        self._step += 1
        if self.update_freq == "batch" and logs and "loss" in logs:
            self._writer.add_scalar("batch/loss", float(logs["loss"]), self._step)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        for key, value in (logs or {}).items():
            self._writer.add_scalar(key, float(value), epoch)
        self._writer.flush()

    def on_train_end(self, logs: Logs | None = None) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


class TerminateOnNaN(Callback):
    """Keras's way of meeting a NaN or infinite loss: stop training quietly and return.

    ``fit`` always stops at a non-finite loss (before the update that would spread it), puts back the
    weights and optimizer state of the last finished epoch and raises ``DivergedError``, whose message
    says which epoch and batch and what usually causes it. With this callback it prints that message
    and returns the history instead of raising, as Keras programs expect.
    """


class BackupAndRestore(Callback):
    """Keras's ``BackupAndRestore``: keep a checkpoint of the run in ``backup_dir`` so that the same
    ``fit`` call, run again after a crash, ``kill -9`` or Ctrl-C, continues where the run stood and ends
    with the weights of a run never stopped (same seed; see ``rnnkit.train.resume``).

    The checkpoint (a model folder, written atomically) is saved after every epoch (once every callback
    has seen it) and, on Ctrl-C, after the update in progress; it holds the weights, the optimizer state
    and learning rate, the position in the epoch, PyTorch's random states, the state carried between
    truncated-BPTT chunks and what the other callbacks keep (``Callback.get_state``: early stopping's
    best weights and patience, the best value saved so far, the time a budget has used). It is deleted
    when training ends normally (``delete_checkpoint``).

    Example::

        model.fit(x, y, epochs=100, callbacks=[BackupAndRestore("run.backup")])
    """

    rank_zero_only = True  # writes or prints: only rank 0 runs it in data-parallel training

    def __init__(self, backup_dir: str | os.PathLike[str], delete_checkpoint: bool = True) -> None:
        self.folder, self.delete_checkpoint = Path(backup_dir), delete_checkpoint
        self._pending: ResumePoint | None = None  # an epoch's end, saved when the next epoch begins

    def on_train_begin(self, logs: Logs | None = None) -> None:
        from rnnkit.models.saving import restore_into

        if not (self.folder / "config.json").is_file():
            return
        metadata, extras = restore_into(self.model, self.folder)
        where = metadata.get("resume")
        if not (isinstance(where, dict) and all(isinstance(where.get(k), int) for k in ("epoch", "batch", "chunk"))):
            raise ModelFileError(f"{self.folder} is not a training backup (no resume position in its metadata)")
        saved = where.get("callbacks")
        states: dict[str, dict[str, Any]] = {k: dict(v) for k, v in saved.items()} if isinstance(saved, dict) else {}
        for name, tensor in extras.items():  # callback tensors: "callback.<key>.<name>"
            if name.startswith("callback."):
                key, entry = name[len("callback.") :].split(".", 1)
                states.setdefault(key, {})[entry] = tensor
        resume = ResumePoint(
            where["epoch"], where["batch"], where["chunk"], extras.get("rng.epoch"), extras.get("rng.now"),
            {k.split(".", 1)[1]: v for k, v in extras.items() if k.startswith("state.")}, states,
        )  # fmt: skip
        if isinstance(where.get("learning_rate"), float):  # as a schedule had set it (compile saved the first)
            self.model.optimizer.learning_rate = where["learning_rate"]
        if logs is not None:
            logs["resume"] = resume
        print(f"resuming from {self.folder}: epoch {resume.epoch + 1}, batch {resume.batch}", file=sys.stderr)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        now = torch.get_rng_state()
        # saved last of the epoch's callbacks' states: those listed after this one have not seen the epoch
        # yet, so they are asked for theirs when the next epoch begins (below) and the backup rewritten
        self._pending = ResumePoint(epoch + 1, epoch_rng=now, rng=now.clone())

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        self._flush()

    def _flush(self) -> None:
        if self._pending is not None:
            self._pending.callbacks = self.params["callbacks"].states()
            self._save(self._pending)
            self._pending = None

    def on_train_interrupted(self, logs: Logs | None = None) -> None:
        resume: ResumePoint = (logs or {})["resume"]
        self._save(resume)
        print(
            f"saved the run in {self.folder} (epoch {resume.epoch + 1}, after batch {resume.batch}); "
            "run the same command again to continue",
            file=sys.stderr,
        )

    def on_train_end(self, logs: Logs | None = None) -> None:
        self._pending = None
        if self.delete_checkpoint:
            shutil.rmtree(self.folder, ignore_errors=True)

    def _save(self, at: ResumePoint) -> None:
        extras = {f"state.{k}": v for k, v in at.states.items()}
        extras.update({"rng.epoch": cast(torch.Tensor, at.epoch_rng), "rng.now": cast(torch.Tensor, at.rng)})
        numbers: dict[str, dict[str, Any]] = {}
        for key, state in at.callbacks.items():
            for name, value in state.items():
                if isinstance(value, torch.Tensor):
                    extras[f"callback.{key}.{name}"] = value
                else:
                    numbers.setdefault(key, {})[name] = value
        where = {"epoch": at.epoch, "batch": at.batch, "chunk": at.chunk, "callbacks": numbers,
                 "learning_rate": getattr(self.model.optimizer, "learning_rate", None)}  # fmt: skip
        self.model.save(self.folder, metadata={"resume": where}, extra_tensors=extras)


class TimeLimit(Callback):
    """Stop training so that it ends within ``minutes``: after each epoch, stop when one more epoch of
    the mean length so far would overrun the budget (the first epoch always runs)."""

    def __init__(self, minutes: float) -> None:
        if not minutes > 0:
            raise ConfigError(f"TimeLimit needs a positive number of minutes, got {minutes}")
        self.seconds = minutes * 60.0

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.start = time.perf_counter()
        self.epochs = 0

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        self.epochs += 1
        elapsed = time.perf_counter() - self.start
        if elapsed + elapsed / self.epochs > self.seconds:
            self.model.stop_training = True

    def get_state(self) -> dict[str, Any]:  # a resumed run spends what is left of the budget
        return {"elapsed": time.perf_counter() - self.start, "epochs": self.epochs}

    def set_state(self, state: dict[str, Any]) -> None:
        self.start, self.epochs = time.perf_counter() - float(state["elapsed"]), int(state["epochs"])


class CosineDecayOverTime(Callback):
    """Cosine learning-rate decay over a time budget, set at the start of each epoch:

    ``lr = lr₀ · (floor + (1 − floor) · (1 + cos(π · min(1, elapsed / budget))) / 2)``

    The time-based twin of Keras's ``CosineDecay`` (which counts steps) for training given in minutes.
    ``lr₀`` is the optimizer's learning rate when training begins.
    """

    def __init__(self, minutes: float, floor: float = 0.1) -> None:
        if not minutes > 0 or not 0 <= floor <= 1:
            raise ConfigError(f"CosineDecayOverTime needs minutes > 0 and floor in [0, 1], got {minutes}, {floor}")
        self.seconds, self.floor = minutes * 60.0, floor

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.start = time.perf_counter()
        self.initial = self.model.optimizer.learning_rate

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        progress = min(1.0, (time.perf_counter() - self.start) / self.seconds)
        scale = self.floor + (1 - self.floor) * (1 + math.cos(math.pi * progress)) / 2
        self.model.optimizer.learning_rate = self.initial * scale

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        if logs is not None:
            logs["learning_rate"] = self.model.optimizer.learning_rate

    def get_state(self) -> dict[str, Any]:
        return {"elapsed": time.perf_counter() - self.start, "initial": self.initial}

    def set_state(self, state: dict[str, Any]) -> None:
        self.start, self.initial = time.perf_counter() - float(state["elapsed"]), float(state["initial"])


class StochasticWeightAveraging(Callback):
    """Leave in the model the average of its weights over the last epochs (SWA, Izmailov et al. 2018, at
    the optimizer's own learning rate; PyTorch Lightning's callback of the same name).

    From epoch ``first = ⌊start · epochs⌋`` on, after each epoch ``w̄ ← w̄ + (w − w̄) / n`` (n epochs
    averaged so far); when training ends the model's weights become ``w̄``. A constant learning rate keeps
    the weights moving about a minimum; their average sits nearer its middle, so runs that differ only
    in their seed end closer together.

    Example:
        >>> swa = StochasticWeightAveraging(start=0.75)  # model.fit(..., epochs=400, callbacks=[swa])
    """

    def __init__(self, start: float = 0.75) -> None:
        if isinstance(start, bool) or not isinstance(start, (int, float)) or not 0 <= start < 1:
            raise ConfigError(f"StochasticWeightAveraging needs start in [0, 1), got {start!r}")
        self.start = float(start)
        self.count = 0
        self.average: dict[str, torch.Tensor] = {}

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.count, self.average = 0, {}

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        if epoch < int(self.start * self.params["epochs"]):
            return
        self.count += 1
        with torch.no_grad():
            for name, p in self.model.named_parameters():
                if name in self.average:
                    self.average[name] += (p.detach() - self.average[name]) / self.count
                else:
                    self.average[name] = p.detach().clone()

    def on_train_end(self, logs: Logs | None = None) -> None:
        if not self.count:
            return
        with torch.no_grad():  # in place: optimizers and native views keep pointing at the same tensors
            for name, p in self.model.named_parameters():
                p.copy_(self.average[name])

    def get_state(self) -> dict[str, Any]:
        return {"count": self.count, **{f"average.{k}": v for k, v in self.average.items()}}

    def set_state(self, state: dict[str, Any]) -> None:
        self.count = int(state["count"])
        self.average = {k.split(".", 1)[1]: v.clone() for k, v in state.items() if k.startswith("average.")}
