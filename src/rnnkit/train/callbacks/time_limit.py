"""``TimeLimit``: end training within a time budget."""

from __future__ import annotations

import time
from typing import Any

from rnnkit.errors import ConfigError
from rnnkit.train.callbacks.callback import Callback, Logs

__all__ = ["TimeLimit"]


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
