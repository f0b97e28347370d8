"""Training that survives being stopped: a clean stop on Ctrl-C and an exact resume from a checkpoint.

Where training stands is a ``ResumePoint``: the epoch, the batches and truncated-BPTT chunks of that
epoch already trained, PyTorch's random state at the start of the epoch (which decides the shuffle) and
at the stop (which decides dropout from there on), the state recurrent layers carry from chunk to
chunk, and what the callbacks keep (best values, patience counts: ``Callback.get_state``). ``train_epoch`` given a resume point draws the same shuffle, skips what was trained, puts the
random state and the carried state back and goes on, so a run stopped anywhere and resumed ends with
the weights of a run never stopped (same seed, deterministic CPU kernels).

Ctrl-C during ``fit`` (``stop_on_interrupt``) asks the loop to stop after the update in progress, so
weights and optimizer are never half-updated; a second Ctrl-C aborts at once.

Example::

    model.fit(x, y, epochs=50, callbacks=[BackupAndRestore("run.backup")])
    # killed, or stopped with Ctrl-C, then the same line again: it continues where the backup stands
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from torch import Tensor, nn

__all__ = ["ResumePoint", "carried_states", "set_carried_states", "stop_on_interrupt"]


@dataclass
class ResumePoint:
    """Where a stopped run stands; see the module docstring."""

    epoch: int
    batch: int = 0
    chunk: int = 0
    epoch_rng: Tensor | None = None
    rng: Tensor | None = None
    states: dict[str, Tensor] = field(default_factory=dict)
    callbacks: dict[str, dict[str, Any]] = field(default_factory=dict)  # each callback's get_state(), by key

    @property
    def mid_epoch(self) -> bool:
        return self.batch > 0 or self.chunk > 0


def _recurrent(model: nn.Module) -> list[tuple[str, Any]]:
    return [(n, m) for n, m in model.named_modules() if hasattr(m, "stateful") and hasattr(m, "reset_states")]


def carried_states(model: nn.Module) -> dict[str, Tensor]:
    """The state each recurrent layer carries into the next chunk, by ``layer_name.i``."""
    return {
        f"{name}.{i}": s.detach().clone()
        for name, layer in _recurrent(model)
        for i, s in enumerate(getattr(layer, "states", None) or ())
    }


def set_carried_states(model: nn.Module, states: dict[str, Tensor]) -> None:
    """Put back states taken by ``carried_states`` (layers missing from ``states`` start from zeros)."""
    for name, layer in _recurrent(model):
        parts = [states[k] for k in sorted(states, key=_index) if k.rsplit(".", 1)[0] == name]
        layer.states = tuple(parts) if parts else None


def _index(key: str) -> int:
    return int(key.rsplit(".", 1)[1])


@contextlib.contextmanager
def stop_on_interrupt(model: nn.Module) -> Iterator[None]:
    """While active, the first Ctrl-C sets ``model.interrupted`` (the loop stops after the current update);
    a second one raises ``KeyboardInterrupt`` at once. Outside the main thread it does nothing."""
    model.interrupted = False  # type: ignore[assignment]
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handle(signum: int, frame: Any) -> None:
        if model.interrupted:
            raise KeyboardInterrupt
        model.interrupted = True  # type: ignore[assignment]
        print("\nstopping after this update (Ctrl-C again to abort now)", file=sys.stderr, flush=True)

    previous = signal.signal(signal.SIGINT, handle)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
