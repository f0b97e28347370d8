"""``ModelCheckpoint``: save the model after each epoch, or when it improves."""

from __future__ import annotations

import os
from typing import Any, cast

import torch

from rnnkit.errors import ConfigError
from rnnkit.train.callbacks.callback import Logs
from rnnkit.train.callbacks.monitor import MonitorCallback
from rnnkit.validation import is_count

__all__ = ["ModelCheckpoint"]


class ModelCheckpoint(MonitorCallback):
    """Save the model (a folder, see ``Model.save``) after each epoch, or only when ``monitor`` improves.

    ``filepath`` may hold ``{epoch}`` and logged names: ``'ckpt/epoch{epoch:02d}-{val_loss:.3f}'``.
    ``save_freq``: ``"epoch"``, or save every that many batches (then ``{batch}`` is the batch within the
    epoch, from 1, and ``monitor`` is read from the batch's logs: ``"loss"``), as Keras does.
    ``initial_value_threshold``: with ``save_best_only``, the value the first save must beat.
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
        save_freq: str | int = "epoch",
        initial_value_threshold: float | None = None,
    ) -> None:
        super().__init__(monitor, mode, 0.0)
        if save_freq != "epoch" and not is_count(save_freq):
            raise ConfigError(f"save_freq must be 'epoch' or a positive number of batches, got {save_freq!r}")
        self.verbose = verbose
        self.filepath = str(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        if initial_value_threshold is not None:
            self.best = self.sign * float(initial_value_threshold)
        self.epoch, self.batches_since_saved = 0, 0
        if save_freq != "epoch":  # a batch hook only when it needs one: without, an epoch may run natively
            self.on_batch_end = self._count_batch  # type: ignore[method-assign]

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        self.epoch = epoch

    def _count_batch(self, batch: int, logs: Logs | None = None) -> None:
        self.batches_since_saved += 1
        if self.batches_since_saved >= cast(int, self.save_freq):
            self.batches_since_saved = 0
            self._save(self.epoch, batch, logs)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        if self.save_freq == "epoch":
            self._save(epoch, None, logs)

    def _save(self, epoch: int, batch: int | None, logs: Logs | None) -> None:
        """Save when due: always, or with ``save_best_only`` when ``monitor`` improved (Keras's messages)."""
        logs = {k: float(v) if isinstance(v, torch.Tensor) else v for k, v in (logs or {}).items()}
        try:
            path = self.filepath.format(epoch=epoch + 1, **({} if batch is None else {"batch": batch + 1}), **logs)
        except (KeyError, IndexError, ValueError) as exc:
            raise ConfigError(f"ModelCheckpoint cannot fill in filepath {self.filepath!r}: {exc!r} (logged: {sorted(logs)})") from None
        if self.save_best_only:
            value = self.current(logs)
            if value is None:
                return
            if not self.improved(value):
                if self.verbose:
                    print(f"Epoch {epoch + 1}: {self.monitor} did not improve from {self.sign * self.best:.5f}")
                return
            if self.verbose:
                print(f"Epoch {epoch + 1}: {self.monitor} improved from {self.sign * self.best:.5f} to {value:.5f}, "
                      f"saving model to {path}")  # fmt: skip
            self.best = self.sign * value
        elif self.verbose:
            print(f"Epoch {epoch + 1}: saving model to {path}")
        self.model.save(path, include_optimizer=not self.save_weights_only)

    def get_state(self) -> dict[str, Any]:
        return {**super().get_state(), "batches_since_saved": self.batches_since_saved}

    def set_state(self, state: dict[str, Any]) -> None:
        super().set_state(state)
        self.batches_since_saved = int(state.get("batches_since_saved", 0))
