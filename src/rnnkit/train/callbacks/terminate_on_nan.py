"""``TerminateOnNaN``: meet a diverged loss by stopping quietly, as Keras does."""

from __future__ import annotations

from rnnkit.train.callbacks.callback import Callback

__all__ = ["TerminateOnNaN"]


class TerminateOnNaN(Callback):
    """Keras's way of meeting a NaN or infinite loss: stop training quietly and return.

    ``fit`` always stops at a non-finite loss (before the update that would spread it), puts back the
    weights and optimizer state of the last finished epoch and raises ``DivergedError``, whose message
    says which epoch and batch and what usually causes it. With this callback it prints that message
    and returns the history instead of raising, as Keras programs expect.
    """
