"""``EpochLog``: one formatted line per epoch."""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable

from rnnkit.train.callbacks.callback import Callback, Logs

__all__ = ["EpochLog"]


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
