"""``History``: the per-epoch logs ``fit`` returns."""

from __future__ import annotations

from rnnkit.train.callbacks.callback import Callback, Logs

__all__ = ["History"]


class History(Callback):
    """What ``fit`` returns: ``history.history['loss']`` is the list of epoch losses, ``history.epoch`` the epochs."""

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
