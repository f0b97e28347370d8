"""``EarlyStopping``: stop when a logged quantity stops improving."""

from __future__ import annotations

import math
from typing import Any

import torch

from rnnkit.train.callbacks.callback import Logs
from rnnkit.train.callbacks.monitor import MonitorCallback

__all__ = ["EarlyStopping"]


class EarlyStopping(MonitorCallback):
    """Stop after ``patience`` epochs in a row without ``monitor`` improving by more than ``min_delta``,
    as Keras 3 does.

    Each epoch counts one more epoch of waiting; an epoch that improves on the best so far resets the
    count, unless ``baseline`` is given and not yet beaten. Training stops at an epoch that does not
    improve once the count reaches ``patience`` (never at the first epoch). ``restore_best_weights=True``
    puts back the weights of the best epoch when training ends (those of the first epoch watched, when
    none improved). ``start_from_epoch``: epochs before it are not watched. ``verbose=1`` says when it
    stopped (as Keras).

    Example:
        >>> stop = EarlyStopping(monitor="loss", patience=2)
        >>> stop.set_model(type("Model", (), {"stop_training": False})())
        >>> stop.on_train_begin()
        >>> for epoch, loss in enumerate([1.0, 0.8, 0.9, 0.85, 0.7]):
        ...     stop.on_epoch_end(epoch, {"loss": loss})
        ...     if stop.model.stop_training:
        ...         break
        >>> stop.stopped_epoch, stop.best_epoch  # two epochs without beating 0.8: stops at the fourth
        (3, 1)
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0.0,
        patience: int = 0,
        verbose: int = 0,
        mode: str = "auto",
        baseline: float | None = None,
        restore_best_weights: bool = False,
        start_from_epoch: int = 0,
    ) -> None:
        super().__init__(monitor, mode, min_delta)
        self.patience, self.verbose, self.baseline = patience, verbose, baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.best = math.inf
        self.wait, self.stopped_epoch = 0, 0
        self.best_state: dict[str, torch.Tensor] | None = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        value = self.current(logs)
        if value is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_state is None:
            self.best_epoch, self.best_state = epoch, self._snapshot()
        self.wait += 1
        if self.improved(value):
            self.best, self.best_epoch = self.sign * value, epoch
            if self.restore_best_weights:
                self.best_state = self._snapshot()
            if self.baseline is None or self.improves_on(value, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.verbose:
                print(f"Epoch {epoch + 1}: early stopping")

    def _snapshot(self) -> dict[str, torch.Tensor]:
        return {k: v.detach().clone() for k, v in self.model.state_dict().items()}

    def on_train_end(self, logs: Logs | None = None) -> None:
        if self.restore_best_weights and self.best_state is not None:
            self.model.load_state_dict(self.best_state)
            if self.verbose:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")

    def get_state(self) -> dict[str, Any]:
        weights = {f"best_state.{k}": v for k, v in (self.best_state or {}).items()}
        return {**super().get_state(), "wait": self.wait, "best_epoch": self.best_epoch, **weights}

    def set_state(self, state: dict[str, Any]) -> None:
        super().set_state(state)
        self.wait, self.best_epoch = int(state["wait"]), int(state["best_epoch"])
        weights = {k.split(".", 1)[1]: v for k, v in state.items() if k.startswith("best_state.")}
        self.best_state = weights or None
