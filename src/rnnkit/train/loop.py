"""The training loop: forward → loss → backward (BPTT) → clip → step → callbacks, for any ``nn.Module``.

Faster ways through the same update, each used only where it computes the same:
- on the CPU, for the Sequential models whose whole graph rnnkit's native kernels know, forward, loss
  and backward are one native call (``rnnkit.train.native_step``); everything after them is the same;
  with Adam and nothing to do between batches (no metrics, clipping or per-batch callbacks), the whole
  epoch is one native call (``AdamPass``: each batch's step and its update, in order);
- on a GPU, with Adam, the whole update is recorded once as a CUDA graph and replayed for each batch
  (``rnnkit.train.cuda_graph``).

Diagnostics, logging and early stopping are callbacks; the loop has no branches for them. On a GPU the
running sums stay on the device (no host sync per batch) and become floats once per epoch; on the CPU,
where each loss is read for the NaN check anyway, the loss sum is a number.
"""

from __future__ import annotations

import contextlib
import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any, cast

import torch
from torch import Tensor, nn

from rnnkit.data.batching import Batches, Inputs, rows
from rnnkit.errors import DivergedError
from rnnkit.train.bptt import TruncatedBPTT
from rnnkit.train.callbacks import Callback
from rnnkit.train.cuda_graph import graphed_update
from rnnkit.train.distributed import average_gradients, reduce_sums
from rnnkit.train.metrics import Metric
from rnnkit.train.native_step import AdamPass, adam_pass, fused_backprop
from rnnkit.train.optimizers import Optimizer
from rnnkit.train.progress import ProgressBar
from rnnkit.train.resume import ResumePoint, carried_states, set_carried_states

__all__ = ["train_epoch", "evaluate_batches", "clip_gradients", "global_norm", "CallbackList"]

LossFn = Callable[[Tensor, Tensor], Tensor]

#: most batches, and most bytes of batches, an epoch may have to run as one native call (``AdamPass``): the
#: call holds them all at once (a copy of the epoch's data), and a Ctrl-C is seen only after it
MAX_NATIVE_PASS = 256
MAX_NATIVE_PASS_BYTES = 64 * 2**20


class CallbackList:
    """Calls each hook on every callback that overrides it."""

    def __init__(self, callbacks: Sequence[Callback], model: nn.Module) -> None:
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            cb.set_model(model)

    def set_params(self, params: dict[str, object]) -> None:
        for cb in self.callbacks:
            cb.set_params(params)
        self.batch_hooks = [  # a subclass's own on_batch_end, or a LambdaCallback's
            cb
            for cb in self.callbacks
            if type(cb).on_batch_end is not Callback.on_batch_end or "on_batch_end" in vars(cb)
        ]

    def states(self) -> dict[str, dict[str, Any]]:
        """Each callback's ``get_state()``, keyed ``Class#n`` (its n-th of that class): what a backup saves."""
        return {key: state for key, cb in self._keyed() if (state := cb.get_state())}

    def set_states(self, states: dict[str, dict[str, Any]]) -> None:
        """Give each callback back its state from ``states()`` (a callback not found there keeps its own)."""
        for key, cb in self._keyed():
            if key in states:
                cb.set_state(states[key])

    def _keyed(self) -> list[tuple[str, Callback]]:
        seen: dict[str, int] = {}
        keyed = []
        for cb in self.callbacks:
            name = type(cb).__name__
            keyed.append((f"{name}#{seen.get(name, 0)}", cb))
            seen[name] = seen.get(name, 0) + 1
        return keyed

    def __getattr__(self, hook: str) -> Callable[..., None]:
        def call(*args: object) -> None:
            for cb in self.callbacks:
                getattr(cb, hook)(*args)

        return call


@torch.no_grad()
def global_norm(tensors: Sequence[Tensor]) -> Tensor:
    """The L2 norm of all ``tensors`` taken together, as a 0-dim tensor (no host sync)."""
    return torch.linalg.vector_norm(torch.stack(torch._foreach_norm(list(tensors))))


@torch.no_grad()
def clip_gradients(params: Sequence[Tensor], clipnorm: float | None, clipvalue: float | None) -> Tensor:
    """Clip gradients in place: each entry to ``[-clipvalue, clipvalue]``, then the global L2 norm to ``clipnorm``.

    Returns a 0-dim tensor, 1.0 when anything was clipped and 0.0 otherwise (no host sync).
    """
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return torch.zeros(())
    clipped = torch.zeros((), device=grads[0].device)
    if clipvalue is not None:
        clipped = torch.stack([g.abs().max() for g in grads]).max().gt(clipvalue).float()
        torch._foreach_clamp_min_(grads, -clipvalue)
        torch._foreach_clamp_max_(grads, clipvalue)
    if clipnorm is not None:
        total = global_norm(grads)
        torch._foreach_mul_(grads, (clipnorm / (total + 1e-6)).clamp(max=1.0))
        clipped = torch.maximum(clipped, total.gt(clipnorm).float())
    return clipped


def train_epoch(
    model: nn.Module,
    batches: Batches,
    loss_fn: LossFn,
    optimizer: Optimizer,
    metrics: Sequence[Metric] = (),
    callbacks: CallbackList | None = None,
    progress: ProgressBar | None = None,
    clipnorm: float | None = None,
    clipvalue: float | None = None,
    bptt_steps: int | None = None,
    distributed: bool = False,
    resume: ResumePoint | None = None,
) -> tuple[dict[str, float], ResumePoint | None]:
    """One pass over ``batches``: the sample-weighted mean loss and metrics, and where it stopped early.

    With ``bptt_steps`` each batch is cut into chunks of that many steps (``TruncatedBPTT``), one
    optimizer step per chunk with targets. With clipping, ``clipped`` is the fraction of steps clipped.
    ``distributed``: ``batches`` are this rank's shards; gradients are averaged over the ranks before
    each step and the returned means are over every rank's samples (``rnnkit.train.distributed``).
    A NaN or infinite loss raises ``DivergedError`` (its ``batch`` says where) before that update.

    ``resume`` (a mid-epoch ``ResumePoint``): skip the batches and chunks it says were trained, then
    restore its random and carried state; the logs then cover the rest of the epoch. When
    ``model.interrupted`` is set (Ctrl-C, see ``rnnkit.train.resume``) the pass stops after the update in
    progress and returns where it stopped (a ``ResumePoint`` whose ``epoch`` the caller sets); otherwise None.
    """
    model.train()
    device = next(iter(optimizer.params), torch.zeros(())).device  # the sums stay where the loss is
    sums = torch.zeros(1 + len(metrics), device=device)
    clipped, updates, seen = torch.zeros((), device=device), 0, 0
    loss_total = 0.0  # on the CPU the loss sum is a number (each loss is read anyway); elsewhere it is sums[0]
    tbptt = TruncatedBPTT(model, bptt_steps) if bptt_steps is not None else None
    skip = (resume.batch, resume.chunk) if resume is not None and resume.mid_epoch else None
    # a non-finite loss stops training: checked at every update on the CPU (where reading it costs ~1 µs);
    # on a GPU, where it would stall the queue, and across ranks, which must stop together: once an epoch
    on_cpu = device.type == "cpu" and not distributed
    stopped: ResumePoint | None = None
    clipping = clipnorm is not None or clipvalue is not None
    clip = (lambda: clip_gradients(optimizer.params, clipnorm, clipvalue)) if clipping else None
    # the faster paths take whole batches on one process: forward, loss and BPTT in one native call when the
    # model's graph is one it knows (rnnkit.train.native_step); on a GPU the whole update, clipping included,
    # replayed as one CUDA graph (rnnkit.train.cuda_graph)
    whole = tbptt is None and not distributed
    # Keras's regularizers (module.losses, added to the loss) and constraints (after each update)
    penalized: list[Any] = [
        m for m in model.modules() if getattr(m, "regularizers", None) or getattr(m, "activity_regularizer", None)
    ]
    constrained: list[Any] = [m for m in model.modules() if getattr(m, "constraints", None)]
    fused = fused_backprop(model, loss_fn) if whole else None
    graphed = graphed_update(model, loss_fn, optimizer, clip, eligible=whole and not penalized and not constrained)
    # nothing to do between two batches: the whole epoch as one native call, when every batch fits it
    quiet = not metrics and clip is None and skip is None and not (callbacks is not None and callbacks.batch_hooks)
    one_call = adam_pass(fused, optimizer) if quiet and len(batches) <= MAX_NATIVE_PASS else None
    if one_call is not None:
        rest = iter(batches)
        drawn = list(itertools.islice(rest, 1))  # the first batch tells the size of them all
        if drawn and _bytes(drawn[0]) * len(batches) <= MAX_NATIVE_PASS_BYTES:
            drawn += list(rest)
            if all(isinstance(xb, Tensor) and yb is not None and one_call.fused.fits(xb, yb) for xb, yb in drawn):
                return _native_epoch(model, one_call, cast(list[tuple[Tensor, Tensor]], drawn))
        batches = cast(Batches, itertools.chain(drawn, rest))  # drawn already (the shuffle): the loop takes them
    with tbptt if tbptt is not None else contextlib.nullcontext():
        for step, (xb, y_batch) in enumerate(batches):
            if skip is not None and step < skip[0]:
                continue  # trained before the run was stopped; drawn again only to repeat the shuffle
            yb = cast(Tensor, y_batch)  # training batches always carry targets
            chunks = tbptt.chunks(cast(Tensor, xb), yb) if tbptt is not None else [(xb, yb)]
            for chunk, (xc, yc) in enumerate(chunks):
                if skip is not None:
                    if (step, chunk) < skip:
                        continue
                    _restore(model, cast(ResumePoint, resume), mid_batch=(step, chunk) == skip and chunk > 0)
                    skip = None
                if yc is None:  # an early chunk of a many-to-one batch: only the state moves on
                    with torch.no_grad():
                        model(xc)
                    continue
                if graphed is not None and isinstance(xc, Tensor) and isinstance(yc, Tensor) and graphed.fits(xc, yc):
                    loss, y_pred, clip_flag = graphed(xc, yc)  # the whole update, one CUDA graph replay
                    clipped += clip_flag
                else:
                    if fused is not None and isinstance(xc, Tensor) and isinstance(yc, Tensor) and fused.fits(xc, yc):
                        loss, y_pred = fused(xc, yc)
                    else:
                        y_pred = _forward(model, xc)
                        loss = loss_fn(yc, y_pred)
                        for module in penalized:
                            loss = loss + sum(module.losses)
                        optimizer.zero_grad()
                        if loss.requires_grad:  # a model with no trainable weights has nothing to learn
                            loss.backward()
                    if on_cpu:  # the loss read once: for this check and for the epoch's sum
                        loss_value = loss.item()
                        if not math.isfinite(loss_value):  # before the update: the weights stay good
                            raise DivergedError(f"the loss is {loss_value}", batch=step)
                    if distributed:
                        average_gradients(optimizer.params, rows(yc))
                    if clip is not None:
                        clipped += clip()
                    optimizer.step()
                    for module in constrained:
                        module.apply_constraints()
                updates += 1
                n = rows(yc)
                seen += n
                with torch.no_grad():
                    if on_cpu:
                        loss_total += loss_value * n
                    else:
                        sums[0] += loss.detach() * n
                    for i, metric in enumerate(metrics, start=1):
                        sums[i] += metric(yc, cast(Tensor, _detached(y_pred))).sum()
                if getattr(model, "interrupted", False):
                    at = (step, chunk + 1) if tbptt is not None else (step + 1, 0)
                    stopped = ResumePoint(-1, *at, rng=torch.get_rng_state(), states=carried_states(model))
                    break
            if stopped is not None:
                break
            if callbacks is not None and callbacks.batch_hooks:
                for cb in callbacks.batch_hooks:
                    cb.on_batch_end(step, {"loss": loss.detach()})
                if getattr(model, "stop_training", False):
                    break
            if progress is not None and progress.wants_update():
                progress.update(step + 1, _logs(sums, seen, metrics, loss_total))
    if skip is not None:  # the stopped run had finished this epoch's last update
        _restore(model, cast(ResumePoint, resume), mid_batch=False)
    sums[0] += loss_total
    if distributed:
        totals = reduce_sums(torch.cat([sums, sums.new_tensor([float(seen)])]))
        sums, seen = totals[:-1], int(totals[-1])
    if not bool(torch.isfinite(sums[0])):
        raise DivergedError(f"the epoch's mean loss is {float(sums[0])}")
    logs = _logs(sums, seen, metrics)
    if clipping:
        logs["clipped"] = float(clipped) / max(updates, 1)
    return logs, stopped


def _bytes(batch: tuple[Inputs, Tensor | None]) -> int:
    """The bytes of one batch's tensors."""
    tensors = [t for part in batch for t in (part if isinstance(part, tuple) else (part,)) if isinstance(t, Tensor)]
    return sum(t.numel() * t.element_size() for t in tensors)


def _native_epoch(
    model: nn.Module, one_call: AdamPass, batches: list[tuple[Tensor, Tensor]]
) -> tuple[dict[str, float], ResumePoint | None]:
    """``train_epoch`` for an epoch that runs as one native call: the same updates, losses and logs (a
    progress bar shows the epoch when it ends)."""
    losses = one_call(batches)
    for step, value in enumerate(losses):
        if not math.isfinite(value):  # the pass stopped before this batch's update: the weights stay good
            raise DivergedError(f"the loss is {value}", batch=step)
    sums = torch.zeros(1)
    sums[0] += sum(value * len(yb) for value, (_, yb) in zip(losses, batches))
    logs = _logs(sums, sum(len(yb) for _, yb in batches), ())
    stopped = None
    if getattr(model, "interrupted", False):  # Ctrl-C during the call: stop after it
        stopped = ResumePoint(-1, len(batches), 0, rng=torch.get_rng_state(), states=carried_states(model))
    return logs, stopped


def _restore(model: nn.Module, resume: ResumePoint, mid_batch: bool) -> None:
    """At the resume point: the random state of the stopped run, and (between the truncated-BPTT chunks
    of one batch) the state the recurrent layers carried."""
    if resume.rng is not None:
        torch.set_rng_state(resume.rng)
    if mid_batch:
        set_carried_states(model, resume.states)


@torch.no_grad()
def evaluate_batches(
    model: nn.Module,
    batches: Iterable[tuple[Inputs, Tensor | None]],
    loss_fn: LossFn,
    metrics: Sequence[Metric] = (),
) -> dict[str, float]:
    """Mean loss and metrics over ``batches`` in inference mode."""
    model.eval()
    sums: Tensor | None = None
    seen = 0
    for xb, y_batch in batches:
        yb = cast(Tensor, y_batch)  # evaluation batches always carry targets
        if sums is None:  # on the device of the data
            sums = torch.zeros(1 + len(metrics), device=_first(yb).device)
        y_pred = _forward(model, xb)
        n = rows(yb)
        seen += n
        sums[0] += loss_fn(yb, y_pred) * n
        for i, metric in enumerate(metrics, start=1):
            sums[i] += metric(yb, y_pred).sum()
    return _logs(sums if sums is not None else torch.zeros(1 + len(metrics)), seen, metrics)


def _detached(y: Tensor | list[Tensor]) -> Tensor | list[Tensor]:
    return [t.detach() for t in y] if isinstance(y, list | tuple) else y.detach()


def _first(y: Inputs) -> Tensor:
    return y[0] if isinstance(y, tuple) else y


def _forward(model: nn.Module, x: Inputs) -> Tensor:
    """``model(x)``, or ``model(*x)`` for a model with several inputs."""
    return cast(Tensor, model(*x) if isinstance(x, tuple) else model(x))


def _logs(sums: Tensor, seen: int, metrics: Sequence[Metric], loss_total: float = 0.0) -> dict[str, float]:
    values = (sums / max(seen, 1)).tolist()
    values[0] += loss_total / max(seen, 1)
    return {"loss": values[0], **{m.name: m.finish(v) for m, v in zip(metrics, values[1:])}}
