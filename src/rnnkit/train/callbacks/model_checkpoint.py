"""``ModelCheckpoint``: save the model after each epoch, or when it improves."""

from __future__ import annotations

import os

from rnnkit.train.callbacks.callback import Logs
from rnnkit.train.callbacks.monitor import MonitorCallback

__all__ = ["ModelCheckpoint"]


class ModelCheckpoint(MonitorCallback):
    """Save the model (a folder, see ``Model.save``) after each epoch, or only when ``monitor`` improves.

    ``filepath`` may hold ``{epoch}`` and logged names: ``'ckpt/epoch{epoch:02d}-{val_loss:.3f}'``.
    Saving is atomic: a crash mid-save never leaves a broken model where a good one was.
    """

    rank_zero_only = True  # writes or prints: only rank 0 runs it in data-parallel training

    def __init__(
        self,
        filepath: str | os.PathLike[str],
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: str = "auto",
    ) -> None:
        super().__init__(monitor, mode, 0.0)
        self.verbose = verbose
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
        if self.verbose:
            print(f"Epoch {epoch + 1}: saving model to {path}")
