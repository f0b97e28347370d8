"""``Callback``: the base class, and the contract every callback keeps.

Hooks: ``on_train_begin(logs)``, ``on_epoch_begin(epoch, logs)``, ``on_batch_end(batch, logs)``,
``on_epoch_end(epoch, logs)``, ``on_train_end(logs)``, and ``on_train_interrupted(logs)`` when Ctrl-C
stopped training (``logs["resume"]`` says where). A callback reaches the model only through
``self.model`` (set by ``fit``): ``self.model.stop_training = True`` stops after the current epoch, and
saving or restoring goes through the model's own ``save`` and ``restore``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Callback", "Logs"]

Logs = dict[str, Any]  # epoch logs hold floats; batch logs hold 0-dim tensors (float() them)


class Callback:
    """Base class; every hook does nothing."""

    model: Any = None
    #: set by ``fit``: ``epochs``, ``steps`` (batches per epoch), ``verbose``, ``sample``, the first
    #: training samples ``(x, y)`` as tensors (for callbacks that measure the model on data), and
    #: ``callbacks``, the run's ``CallbackList``
    params: dict[str, Any] = {}

    def set_model(self, model: Any) -> None:
        self.model = model

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params

    def on_train_begin(self, logs: Logs | None = None) -> None: ...
    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None: ...
    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None: ...
    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None: ...
    def on_train_end(self, logs: Logs | None = None) -> None: ...
    def on_train_interrupted(self, logs: Logs | None = None) -> None: ...

    def get_state(self) -> dict[str, Any]:
        """What this callback has learned during the run (numbers, or tensors), for ``BackupAndRestore``
        to save; empty for callbacks that keep nothing."""
        return {}

    def set_state(self, state: dict[str, Any]) -> None:
        """Put back what ``get_state`` returned (a resumed run, before its first epoch)."""
