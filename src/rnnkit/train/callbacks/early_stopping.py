"""``EarlyStopping``: stop when a logged quantity stops improving."""

from __future__ import annotations

import math
from typing import Any

import torch

from rnnkit.train.callbacks.callback import Logs
from rnnkit.train.callbacks.monitor import MonitorCallback

__all__ = ["EarlyStopping"]


class EarlyStopping(MonitorCallback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    ``restore_best_weights=True`` puts back the weights of the best epoch when training stops.
    ``baseline``: the value to beat; until ``monitor`` beats it, epochs count as not improving.
    ``verbose=1`` says when and where it stopped (as Keras).
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
        self.best = math.inf if self.baseline is None else self.sign * self.baseline
        self.wait, self.stopped_epoch = 0, 0
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
            if self.verbose:
                print(f"Epoch {epoch + 1}: early stopping")

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
