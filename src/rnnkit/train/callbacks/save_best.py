"""``SaveBest``: call a task's own ``save`` at each new best."""

from __future__ import annotations

import math
from collections.abc import Callable

from rnnkit.train.callbacks.callback import Logs
from rnnkit.train.callbacks.monitor import MonitorCallback

__all__ = ["SaveBest"]


class SaveBest(MonitorCallback):
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
