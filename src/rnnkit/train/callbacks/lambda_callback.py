"""``LambdaCallback``: a callback made of plain functions."""

from __future__ import annotations

from collections.abc import Callable

from rnnkit.errors import ConfigError
from rnnkit.train.callbacks.callback import Callback

__all__ = ["LambdaCallback"]


class LambdaCallback(Callback):
    """A callback from plain functions: ``LambdaCallback(on_epoch_end=lambda epoch, logs: print(logs))``."""

    def __init__(self, **hooks: Callable[..., None]) -> None:
        unknown = set(hooks) - {
            "on_train_begin",
            "on_epoch_begin",
            "on_batch_end",
            "on_epoch_end",
            "on_train_end",
            "on_train_interrupted",
        }
        if unknown:
            raise ConfigError(f"LambdaCallback got unknown hooks {sorted(unknown)}")
        for name, fn in hooks.items():
            setattr(self, name, fn)
