"""``CSVLogger``: one CSV row per epoch."""

from __future__ import annotations

import csv
import os
from pathlib import Path

from rnnkit.train.callbacks.callback import Callback, Logs

__all__ = ["CSVLogger"]


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
