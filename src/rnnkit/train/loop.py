"""The training loop: forward → loss → backward → clip → step → callbacks, for any ``nn.Module``.

Diagnostics, logging and early stopping are callbacks; the loop has no branches for them. Running
sums stay on the device (no host sync per batch) and become floats once per epoch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import cast

import torch
from torch import Tensor, nn

from rnnkit.data.batching import ArrayBatches
from rnnkit.train.callbacks import Callback
from rnnkit.train.metrics import Metric
from rnnkit.train.optimizers import Optimizer
from rnnkit.train.progress import ProgressBar

__all__ = ["train_epoch", "evaluate_batches", "clip_gradients", "CallbackList"]

LossFn = Callable[[Tensor, Tensor], Tensor]


class CallbackList:
    """Calls each hook on every callback that overrides it."""

    def __init__(self, callbacks: Sequence[Callback], model: nn.Module) -> None:
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            cb.set_model(model)
        self.batch_hooks = [cb for cb in self.callbacks if type(cb).on_batch_end is not Callback.on_batch_end]

    def __getattr__(self, hook: str) -> Callable[..., None]:
        def call(*args: object) -> None:
            for cb in self.callbacks:
                getattr(cb, hook)(*args)

        return call


@torch.no_grad()
def clip_gradients(params: Sequence[Tensor], clipnorm: float | None, clipvalue: float | None) -> None:
    """Clip gradients in place: each entry to ``[-clipvalue, clipvalue]``, then the global L2 norm to ``clipnorm``."""
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return
    if clipvalue is not None:
        torch._foreach_clamp_min_(grads, -clipvalue)
        torch._foreach_clamp_max_(grads, clipvalue)
    if clipnorm is not None:
        total = torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)))
        torch._foreach_mul_(grads, (clipnorm / (total + 1e-6)).clamp(max=1.0))


def train_epoch(
    model: nn.Module,
    batches: ArrayBatches,
    loss_fn: LossFn,
    optimizer: Optimizer,
    metrics: Sequence[Metric] = (),
    callbacks: CallbackList | None = None,
    progress: ProgressBar | None = None,
    clipnorm: float | None = None,
    clipvalue: float | None = None,
) -> dict[str, float]:
    """One pass over ``batches``; returns the sample-weighted mean loss and metrics."""
    model.train()
    sums = torch.zeros(1 + len(metrics))
    seen = 0
    for step, (xb, y_batch) in enumerate(batches):
        yb = cast(Tensor, y_batch)  # training batches always carry targets
        y_pred = model(xb)
        loss = loss_fn(yb, y_pred)
        optimizer.zero_grad()
        loss.backward()
        if clipnorm is not None or clipvalue is not None:
            clip_gradients(optimizer.params, clipnorm, clipvalue)
        optimizer.step()
        n = len(xb)
        seen += n
        with torch.no_grad():
            sums[0] += loss.detach() * n
            for i, metric in enumerate(metrics, start=1):
                sums[i] += metric(yb, y_pred.detach()).sum()
        if callbacks is not None and callbacks.batch_hooks:
            for cb in callbacks.batch_hooks:
                cb.on_batch_end(step, {"loss": loss.detach()})
            if getattr(model, "stop_training", False):
                break
        if progress is not None and progress.wants_update():
            progress.update(step + 1, _logs(sums, seen, metrics))
    return _logs(sums, seen, metrics)


@torch.no_grad()
def evaluate_batches(
    model: nn.Module,
    batches: Iterable[tuple[Tensor, Tensor | None]],
    loss_fn: LossFn,
    metrics: Sequence[Metric] = (),
) -> dict[str, float]:
    """Mean loss and metrics over ``batches`` in inference mode."""
    model.eval()
    sums = torch.zeros(1 + len(metrics))
    seen = 0
    for xb, y_batch in batches:
        yb = cast(Tensor, y_batch)  # evaluation batches always carry targets
        y_pred = model(xb)
        n = len(xb)
        seen += n
        sums[0] += loss_fn(yb, y_pred) * n
        for i, metric in enumerate(metrics, start=1):
            sums[i] += metric(yb, y_pred).sum()
    return _logs(sums, seen, metrics)


def _logs(sums: Tensor, seen: int, metrics: Sequence[Metric]) -> dict[str, float]:
    values = (sums / max(seen, 1)).tolist()
    return dict(zip(["loss", *(m.name for m in metrics)], values))
