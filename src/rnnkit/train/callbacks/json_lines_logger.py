"""``JSONLinesLogger``: one JSON record per epoch, streamed; ``epoch_record`` makes the record."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from rnnkit.train.callbacks.callback import Callback, Logs

__all__ = ["JSONLinesLogger", "epoch_record"]


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
