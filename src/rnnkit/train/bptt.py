"""Truncated backpropagation through time (Williams & Peng 1990; the min-char-rnn recipe).

A long batch ``(B, T, F)`` is cut into chunks of ``k`` steps. The model reads the chunks in order; its
recurrent layers carry their final state from one chunk into the next, detached from the graph, so the
gradient flows back at most ``k`` steps and the memory held for backpropagation is that of ``k`` steps,
whatever T is. Each chunk with targets is one optimizer step.

Targets decide what each chunk learns from:
* per-step targets (``y`` of shape ``(B, T, ...)``, its first two axes equal to ``x``'s) are cut with
  the inputs: every chunk has a loss;
* per-sequence targets (``y`` of shape ``(B, ...)``) belong to the last chunk; earlier chunks come
  with ``None`` and only advance the state (the loop runs them without building a graph).

Layers that are already ``stateful`` keep their Keras meaning (row i continues across batches); the
others carry state only across the chunks of one batch and start each batch from zeros.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import TracebackType
from typing import Any

from torch import Tensor, nn

from rnnkit.errors import ConfigError

__all__ = ["TruncatedBPTT"]


class TruncatedBPTT:
    """Context manager that makes a model carry state between chunks, and cuts batches into chunks.

    Example::

        with TruncatedBPTT(model, steps=50) as tbptt:
            for xb, yb in batches:
                for x_chunk, y_chunk in tbptt.chunks(xb, yb):
                    ...  # forward, loss (when y_chunk is not None), backward, step
    """

    def __init__(self, model: nn.Module, steps: int) -> None:
        if not isinstance(steps, int) or steps < 1:
            raise ConfigError(f"bptt_steps must be a positive integer (steps per chunk), got {steps!r}")
        self.steps = steps
        # recurrent layers, found by what they do (training code does not import layers)
        self.layers: list[Any] = [m for m in model.modules() if hasattr(m, "stateful") and hasattr(m, "reset_states")]
        if not self.layers:
            raise ConfigError("bptt_steps needs a model with a recurrent layer; this one has none")
        backwards = [m for m in self.layers if getattr(m, "go_backwards", False)]
        if backwards:
            raise ConfigError(
                f"truncated BPTT reads sequences forwards in chunks; layer {getattr(backwards[0], 'name', '?')!r} "
                "reads backwards (go_backwards or Bidirectional)"
            )
        self.borrowed: list[Any] = []

    def __enter__(self) -> TruncatedBPTT:
        self.borrowed = [m for m in self.layers if not m.stateful]
        for m in self.borrowed:
            m.stateful = True
            m.reset_states()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        for m in self.borrowed:
            m.stateful = False
            m.reset_states()

    def chunks(self, x: Tensor, y: Tensor | None) -> Iterator[tuple[Tensor, Tensor | None]]:
        """``(x_chunk, y_chunk)`` in time order; ``y_chunk`` is None for chunks without targets."""
        for m in self.borrowed:
            m.reset_states()
        T = x.shape[1]
        per_step = y is not None and y.dim() >= 2 and y.shape[:2] == x.shape[:2]
        for start in range(0, T, self.steps):
            stop = min(start + self.steps, T)
            if per_step:
                yield x[:, start:stop], y[:, start:stop]  # type: ignore[index]
            else:
                yield x[:, start:stop], (y if stop == T else None)
