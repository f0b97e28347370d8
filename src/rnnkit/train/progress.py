"""Keras-style progress: ``25/25 ━━━━━━━━━━━━━━━━━━━━ 0s 1ms/step - loss: 0.0840``.

``verbose``: 0 silent; 1 a live bar in a terminal (one final line per epoch when output goes to a file
or pipe); 2 one short line per epoch; ``'auto'`` means 1.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from typing import TextIO

from rnnkit.errors import ConfigError

__all__ = ["ProgressBar", "resolve_verbose"]

BAR_WIDTH = 20
REFRESH_S = 0.1


def resolve_verbose(verbose: int | str) -> int:
    if verbose == "auto":
        return 1
    if verbose in (0, 1, 2):
        return int(verbose)
    raise ConfigError(f"verbose must be 'auto', 0, 1 or 2, got {verbose!r}")


def format_logs(logs: Mapping[str, float]) -> str:
    return "".join(f" - {k}: {v:.4f}" if abs(v) >= 1e-3 or v == 0 else f" - {k}: {v:.4e}" for k, v in logs.items())


def _per_step(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.0f}s/step"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/step"
    return f"{seconds * 1e6:.0f}us/step"


class ProgressBar:
    """One epoch's progress line; ``update(step, logs)`` per batch, ``finish(logs)`` at the end."""

    def __init__(self, total: int, verbose: int, stream: TextIO | None = None) -> None:
        self.total, self.verbose = total, verbose
        self.stream = stream or sys.stdout
        self.live = verbose == 1 and self.stream.isatty()
        self.start = time.perf_counter()
        self._last_draw = 0.0

    def wants_update(self) -> bool:
        """True when a live bar is due for a redraw (callers then compute the logs to show)."""
        return self.live and time.perf_counter() - self._last_draw >= REFRESH_S

    def update(self, step: int, logs: Mapping[str, float]) -> None:
        self._last_draw = time.perf_counter()
        self.stream.write("\r" + self._line(step, logs))
        self.stream.flush()

    def finish(self, logs: Mapping[str, float]) -> None:
        if self.verbose == 0:
            return
        if self.verbose == 2:
            elapsed = time.perf_counter() - self.start
            line = f"{self.total}/{self.total} - {elapsed:.0f}s - {_per_step(elapsed / max(self.total, 1))}{format_logs(logs)}"
        else:
            line = self._line(self.total, logs)
        self.stream.write(("\r" if self.live else "") + line + "\n")
        self.stream.flush()

    def _line(self, step: int, logs: Mapping[str, float]) -> str:
        elapsed = time.perf_counter() - self.start
        filled = BAR_WIDTH * step // max(self.total, 1)
        bar = "━" * filled + (
            "\x1b[2m" + "━" * (BAR_WIDTH - filled) + "\x1b[0m"
            if self.live and filled < BAR_WIDTH
            else "━" * (BAR_WIDTH - filled)
        )
        width = len(str(self.total))
        timing = f"{elapsed:.0f}s {_per_step(elapsed / max(step, 1))}"
        return f"{step:>{width}}/{self.total} {bar} {timing}{format_logs(logs)}"
