"""``TensorBoard``: scalars for TensorBoard."""

from __future__ import annotations

import os
from typing import Any

from rnnkit.errors import ConfigError
from rnnkit.train.callbacks.callback import Callback, Logs

__all__ = ["TensorBoard"]


class TensorBoard(Callback):
    """Scalars for TensorBoard (``tensorboard --logdir LOG_DIR``): every epoch log (``loss``,
    ``val_loss``, metrics, ``lr`` when logged) at its epoch, and with ``update_freq="batch"`` the
    training loss of every batch (tag ``batch/loss``). Needs the ``tensorboard`` package."""

    rank_zero_only = True  # writes or prints: only rank 0 runs it in data-parallel training

    def __init__(self, log_dir: str | os.PathLike[str] = "logs", update_freq: str = "epoch") -> None:
        if update_freq not in ("epoch", "batch"):
            raise ConfigError(f"update_freq must be 'epoch' or 'batch', got {update_freq!r}")
        self.log_dir, self.update_freq = str(log_dir), update_freq
        self._writer: Any = None
        self._step = 0

    def on_train_begin(self, logs: Logs | None = None) -> None:
        try:
            from torch.utils.tensorboard import SummaryWriter  # optional: pip install tensorboard
        except ImportError as exc:
            raise ConfigError(
                "the TensorBoard callback needs the tensorboard package: pip install tensorboard"
            ) from exc
        self._writer = SummaryWriter(self.log_dir)

    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        self._step += 1
        if self.update_freq == "batch" and logs and "loss" in logs:
            self._writer.add_scalar("batch/loss", float(logs["loss"]), self._step)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        for key, value in (logs or {}).items():
            self._writer.add_scalar(key, float(value), epoch)
        self._writer.flush()

    def on_train_end(self, logs: Logs | None = None) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
