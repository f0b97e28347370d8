"""One training update on a GPU as a replayed CUDA graph: for models too small to keep a GPU busy.

A tutorial-size step (SimpleRNN(32) + Dense(1), batch 32) is a few dozen kernels of microseconds each;
launched one by one from Python the GPU waits on the CPU, and an epoch took 33.9 ms on an H200 against
4.1 ms on its host's CPU. ``GraphedUpdate`` records the whole update once — forward, loss, BPTT,
clipping and the Adam step — with ``torch.cuda.graph`` on static input buffers, then each batch of the
same shape is copied into those buffers and the graph replayed: one launch per update.

What changes from step to step outside the graph is filled in before each replay: the batch, and
Adam's step size (``Adam.rate``, a device tensor the captured update reads). The first few batches run
as usual (PyTorch's recipe: lazy initialisations happen before capture), and a batch of another shape
(the last, partial one) runs as usual too, and so does everything when the step cannot be captured
(it waits on the host somewhere). Covered: CUDA models trained by ``Adam`` with no stateful
layers, one input tensor, no truncated BPTT and no data parallelism; anything else runs step by step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor, nn

from rnnkit.train.optimizers import Adam

__all__ = ["GraphedUpdate", "graphed_update"]

#: ordinary steps before the capture (PyTorch's examples use a few)
WARMUP = 3
#: False: every update runs step by step (for comparisons)
enabled = True


class GraphedUpdate:
    """``(x, y) -> (loss, prediction, clipped)`` that also updates the weights, like the loop's steps."""

    def __init__(self, model: nn.Module, loss_fn: Callable[[Tensor, Tensor], Tensor], optimizer: Adam,
                 clip: Callable[[], Tensor] | None) -> None:  # fmt: skip
        self.model, self.loss_fn, self.optimizer, self.clip = model, loss_fn, optimizer, clip
        self.params = [id(p) for p in model.parameters()]
        self.graph: Any = None
        self.warmed = 0
        self.disabled = False  # set when the step could not be captured; it then runs step by step
        self.static: tuple[Tensor, Tensor, Tensor, Tensor, Tensor] | None = None  # x, y, loss, y_pred, clipped
        optimizer.rate = torch.zeros((), device=next(model.parameters()).device)

    def fits(self, x: Tensor, y: Tensor) -> bool:
        """A batch the graph can replay (the shape and type it was captured with; any before the capture)."""
        if self.static is None:
            return True
        sx, sy = self.static[0], self.static[1]
        return x.shape == sx.shape and y.shape == sy.shape and x.dtype == sx.dtype and y.dtype == sy.dtype

    def _eager(self, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        y_pred = self.model(x)
        loss = self.loss_fn(y, y_pred)
        self.optimizer.zero_grad()
        loss.backward()
        clipped = self.clip() if self.clip is not None else torch.zeros((), device=loss.device)
        self.optimizer.step()
        # values only: a loss kept with its graph would hold autograd nodes of the stream it ran on
        return loss.detach(), y_pred.detach(), clipped

    def __call__(self, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        if self.graph is None and self.warmed < WARMUP:
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):
                out = self._eager(x, y)
            torch.cuda.current_stream().wait_stream(side)
            self.warmed += 1
            return out
        if self.graph is None:
            return self._capture(x, y)
        if not self.fits(x, y):
            return self._eager(x, y)
        sx, sy, loss, y_pred, clipped = self.static  # type: ignore[misc]
        sx.copy_(x)
        sy.copy_(y)
        self.optimizer.iterations += 1
        assert self.optimizer.rate is not None
        self.optimizer.rate.fill_(-self.optimizer.step_size(self.optimizer.iterations))
        self.graph.replay()
        return loss, y_pred, clipped

    def _capture(self, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Record one update on copies of this batch, then replay it for this batch."""
        sx, sy = x.clone(), y.clone()
        rate = self.optimizer.rate
        assert rate is not None
        rate.fill_(-self.optimizer.step_size(self.optimizer.iterations + 1))  # the step the capture records
        self.optimizer.zero_grad()  # the captured backward allocates the gradients in the graph's memory
        graph = torch.cuda.CUDAGraph()
        try:
            with torch.cuda.graph(graph):
                loss, y_pred, clipped = self._eager(sx, sy)  # recorded, not run; counts the update once
        except RuntimeError:  # the step waits on the host somewhere (a loss checking class ids, say)
            self.disabled = True
            return self._eager(x, y)
        self.graph, self.static = graph, (sx, sy, loss, y_pred, clipped)
        graph.replay()
        return loss, y_pred, clipped


def graphed_update(
    model: nn.Module,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    optimizer: Any,
    clip: Callable[[], Tensor] | None,
    eligible: bool,
) -> GraphedUpdate | None:
    """The model's ``GraphedUpdate`` (kept on the model across epochs), or None when it does not apply:
    not ``eligible`` (the loop's own conditions), not on a CUDA device, not ``Adam``, or stateful layers."""
    first = next(model.parameters(), None)
    if not enabled or not eligible or first is None or first.device.type != "cuda" or type(optimizer) is not Adam:
        return None
    if any(getattr(m, "stateful", False) for m in model.modules()):
        return None
    kept: GraphedUpdate | None = getattr(model, "_graphed_update", None)
    if (
        kept is None
        or kept.optimizer is not optimizer
        or kept.loss_fn is not loss_fn
        or kept.params != [id(p) for p in model.parameters()]
    ):
        kept = GraphedUpdate(model, loss_fn, optimizer, clip)
        model._graphed_update = kept  # type: ignore[assignment]
    kept.clip = clip
    return None if kept.disabled else kept
