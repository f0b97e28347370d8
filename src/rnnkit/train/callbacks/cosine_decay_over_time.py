"""``CosineDecayOverTime``: cosine learning-rate decay over a time budget."""

from __future__ import annotations

import math
import time
from typing import Any

from rnnkit.errors import ConfigError
from rnnkit.train.callbacks.callback import Callback, Logs

__all__ = ["CosineDecayOverTime"]


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
