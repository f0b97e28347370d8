"""``MonitorCallback``: the base of the callbacks that watch one logged quantity for improvement."""

from __future__ import annotations

import math
import warnings
from typing import Any

from rnnkit.errors import ConfigError
from rnnkit.train.callbacks.callback import Callback, Logs

__all__ = ["MonitorCallback"]


class MonitorCallback(Callback):
    """Shared logic of callbacks that watch one logged quantity for improvement."""

    def __init__(self, monitor: str, mode: str, min_delta: float) -> None:
        if mode not in ("auto", "min", "max"):
            raise ConfigError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
        self.monitor = monitor
        if mode == "auto":
            mode = "max" if any(k in monitor for k in ("acc", "auc", "precision", "recall")) else "min"
        self.sign = 1.0 if mode == "min" else -1.0
        self.min_delta = abs(min_delta)
        self.best = math.inf
        self._warned = False

    def current(self, logs: Logs | None) -> float | None:
        value = (logs or {}).get(self.monitor)
        if value is None and not self._warned:
            self._warned = True
            warnings.warn(
                f"{type(self).__name__} watches {self.monitor!r}, which is not logged; logged: {sorted(logs or {})}",
                stacklevel=2,
            )
        return value

    def improved(self, value: float) -> bool:
        """Whether ``value`` beats the best so far by more than ``min_delta``."""
        return self.sign * value < self.best - self.min_delta

    def improves_on(self, value: float, reference: float) -> bool:
        """Whether ``value`` beats ``reference`` (a value as logged: a baseline, a threshold) by more than
        ``min_delta``."""
        return self.sign * value < self.sign * reference - self.min_delta

    def get_state(self) -> dict[str, Any]:
        return {"best": self.best}

    def set_state(self, state: dict[str, Any]) -> None:
        self.best = float(state["best"])
