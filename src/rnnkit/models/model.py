"""``Model``: the Keras workflow (``compile`` / ``fit`` / ``evaluate`` / ``predict`` / ``save``) on a
``torch.nn.Module``.

Data flows one way: NumPy arrays → checked tensors (``rnnkit.data.arrays``) → batches → ``forward`` →
loss → backward (BPTT through the recurrent layers) → clip → optimizer step → callbacks
(``rnnkit.train.loop``). Subclasses define ``forward`` and ``layers``; ``Sequential`` is the common one.
"""

from __future__ import annotations

import inspect
import os
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, cast

import numpy as np
import torch
from torch import Tensor, nn

from rnnkit.data.arrays import check_same_length, to_tensor
from rnnkit.data.batching import (
    ArrayBatches,
    Batches,
    BucketedBatches,
    Inputs,
    SequencePairBatches,
    is_batches,
    rows,
    take,
)
from rnnkit.data.sources import SourceBatches
from rnnkit.errors import ConfigError, DivergedError, NotBuiltError, NotCompiledError, ShapeError
from rnnkit.layers.base import Layer, freeze_untrainable, in_mode
from rnnkit.layers.core import Embedding
from rnnkit.layers.symbolic import is_symbolic, symbolic_call
from rnnkit.models.saving import load_weights_into, restore_into, save_model
from rnnkit.models.summary import summary_table
from rnnkit.registry import MODELS
from rnnkit.train.callbacks import Callback, History, TerminateOnNaN, epoch_record
from rnnkit.train.distributed import (
    ShardedBatches,
    broadcast_weights,
    is_rank_zero,
    join,
    launched,
    local_gpu,
    rank_zero_callbacks,
)
from rnnkit.train.loop import CallbackList, evaluate_batches, train_epoch
from rnnkit.train.losses import OutputsLoss, get_loss, serialize_loss
from rnnkit.train.metrics import Metric, for_output, get_metric
from rnnkit.train.native_step import fused_predict
from rnnkit.train.optimizers import Optimizer, get_optimizer
from rnnkit.train.progress import ProgressBar, resolve_verbose
from rnnkit.train.resume import ResumePoint, stop_on_interrupt

__all__ = ["Model"]


def check_mixed_precision(mixed_precision: str | None) -> str | None:
    """``mixed_precision`` if it is None or ``'bf16'``, else ``ConfigError``."""
    if mixed_precision not in (None, "bf16"):
        raise ConfigError(f"mixed_precision must be None or 'bf16', got {mixed_precision!r}")
    return mixed_precision


class Model(nn.Module):
    """Base class with the Keras training API. ``forward(x)`` maps a batch to predictions.

    ``Model(inputs, outputs)``, as in Keras, makes a ``Functional`` model: the graph of layer calls
    between ``Input``s and outputs (``rnnkit.models.functional``).
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> Model:
        if cls is Model and (len(args) >= 2 or "inputs" in kwargs or "outputs" in kwargs):
            cls = MODELS.get("Functional")  # registered by rnnkit.models.functional, which builds on Model
        return cast(Model, super().__new__(cls))

    def __init__(self, name: str | None = None) -> None:
        super().__init__()
        self.name = name or "model"
        self.optimizer: Optimizer | None = None
        self.loss: Any = None
        self.compiled_metrics: list[Metric] = []
        self.compile_config: dict[str, Any] = {}
        self.clipnorm: float | None = None
        self.clipvalue: float | None = None
        self.stop_training = False
        self.built = False
        self.build_input_shape: tuple[int | None, ...] | None = None
        self.declared_input_shape: tuple[int | None, ...] | None = None
        self.target_device: torch.device | None = None  # from compile(device=)
        self.mixed_precision: str | None = None  # from compile(mixed_precision=)
        #: one record per epoch of every fit (epoch, seconds, logs), saved as training_log.jsonl
        self.training_log: list[dict[str, Any]] = []
        self.history: History | None = None

    # --- compile --------------------------------------------------------------------------------
    def compile(
        self,
        optimizer: str | Optimizer | Any = "rmsprop",
        loss: str | dict[str, Any] | Callable[[Tensor, Tensor], Tensor] | None = None,
        metrics: Sequence[str | Callable[[Tensor, Tensor], Tensor]] | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        device: str | None = None,
        mixed_precision: str | None = None,
        loss_weights: list[float] | dict[str, float] | None = None,
    ) -> None:
        """Choose the optimizer, loss and metrics (and where and in what precision to run).

        Args:
            optimizer: ``'adam'``, ``'sgd'``, ``'rmsprop'``, ``'adamw'``, an ``rnnkit.optimizers`` object,
                or a ``torch.optim`` optimizer already bound to ``model.parameters()``.
            loss: a name from ``rnnkit.losses`` or ``fn(y_true, y_pred) -> scalar``.
            metrics: names (``'mae'``, ``'accuracy'``, ...) or ``fn(y_true, y_pred) -> (B,)``.
            clipnorm: clip the global L2 norm of all gradients to this value (as
                ``torch.nn.utils.clip_grad_norm_``; Keras's ``global_clipnorm``).
            clipvalue: clip every gradient entry to ``[-clipvalue, clipvalue]``.
            device: ``'auto'`` (a CUDA GPU when PyTorch sees one, else the CPU), ``'cpu'``, ``'cuda'`` or
                ``'cuda:N'``; None leaves the model where it is. Data follow the model.
            mixed_precision: ``'bf16'`` runs the forward pass under ``torch.autocast`` in bfloat16
                (matrix products in bf16, the loss and the weights in float32); None: float32 throughout.
            loss_weights: for a model with several outputs, the weight of each output's loss (a list, or
                a dict by output name); ``loss`` may then be one loss for every output, or a list or dict
                of them, and each metric is reported per output (``<output>_<metric>``), as in Keras.
        """
        if loss is None:
            raise ConfigError("compile() needs a loss, e.g. loss='mse'")
        self.mixed_precision = check_mixed_precision(mixed_precision)
        if device is not None:
            self.target_device = resolve_device(device)
            if self.built:
                self.to(self.target_device)
        for arg, value in (("clipnorm", clipnorm), ("clipvalue", clipvalue)):
            if value is not None and not value > 0:
                raise ConfigError(f"{arg} must be > 0, got {value}")
        self.optimizer = get_optimizer(optimizer)
        outputs = self.output_names()
        if isinstance(loss, dict) and loss.get("class_name") == OutputsLoss.__name__:
            loss = get_loss(loss)  # a saved model's losses per output
        if len(outputs) > 1:
            if not isinstance(loss, OutputsLoss):
                weights = _per_output("loss_weights", loss_weights, outputs) if loss_weights is not None else None
                loss = OutputsLoss(_per_output("loss", loss, outputs), weights)
            self.loss = loss
            kinds = [str(getattr(part, "name", "")).lower() for part in loss.losses]  # 'accuracy' follows the loss
            self.compiled_metrics = [
                for_output(get_metric(m, kind), i, name)
                for i, (name, kind) in enumerate(zip(outputs, kinds))
                for m in (metrics or [])
            ]
        else:
            self.loss = get_loss(loss)
            loss_name = loss if isinstance(loss, str) else str(getattr(loss, "name", ""))
            self.compiled_metrics = [get_metric(m, loss_name.lower()) for m in (metrics or [])]
        self.clipnorm, self.clipvalue = clipnorm, clipvalue
        self.compile_config = {
            "optimizer": {"class_name": type(self.optimizer).__name__, "config": self.optimizer.get_config()}
            if not hasattr(self.optimizer, "torch_optimizer")
            else None,
            "loss": serialize_loss(self.loss if isinstance(self.loss, OutputsLoss) else loss),
            "metrics": [m for m in (metrics or []) if isinstance(m, str)],
            "clipnorm": clipnorm,
            "clipvalue": clipvalue,
        }
        if self.built:
            freeze_untrainable(self)
            self.optimizer.build(self.parameters())

    # --- building -------------------------------------------------------------------------------
    def build(self, input_shape: Sequence[int | None]) -> None:
        """Create all weights for inputs of ``input_shape`` (batch axis first, ``None`` where any size goes).

        Subclasses create the weights and then call ``_built()``. A model written the Keras subclassing
        way (layers made in ``__init__``, the computation in ``call``) is built by its first batch, or here
        by a batch of zeros of that shape (``None`` sizes taken as 1).
        """
        with torch.no_grad():
            nn.Module.__call__(self, torch.zeros([1 if d is None else int(d) for d in input_shape]))
        self._built(tuple(input_shape))

    def get_config(self) -> dict[str, Any]:
        """The arguments that rebuild the model; a model written the Keras subclassing way defines it (and
        registers its class with ``rnnkit.keras.saving.register_keras_serializable``) to be saved."""
        raise ConfigError(
            f"{type(self).__name__} has no get_config(): to save a subclassed model, define get_config() "
            "(its constructor's arguments) and register the class with register_keras_serializable"
        )

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Model:
        return cls(**config)

    # --- Keras's subclassing API -------------------------------------------------------------------
    def call(self, *args: Any, **kwargs: Any) -> Any:
        """The computation of a model written the Keras way: subclass ``Model``, make the layers in
        ``__init__`` and use them here (``call(inputs, training=None)``); PyTorch users define
        ``forward`` instead."""
        raise NotImplementedError(f"{type(self).__name__} defines neither call() (Keras) nor forward() (PyTorch)")

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        if "training" in inspect.signature(self.call).parameters:
            kwargs.setdefault("training", self.training)
        return self.call(*args, **kwargs)

    def _built(self, input_shape: tuple[int | None, ...]) -> None:
        """Mark the model built; a compiled optimizer now gets the (new) parameters."""
        self.build_input_shape = input_shape
        self.built = True
        self.eval()  # Keras's default: inference mode outside fit
        if self.target_device is not None:
            self.to(self.target_device)
        freeze_untrainable(self)
        if self.optimizer is not None:
            self.optimizer.build(self.parameters())

    def _ensure_built(self, x: Inputs) -> None:
        if self.built:
            return
        first = x[0] if isinstance(x, tuple) else x
        # (B, T, F) data: build for any length (a dummy of one step, not the T steps of this data)
        inferred = (None, None, *first.shape[2:]) if first.dim() >= 3 else (None, *first.shape[1:])
        if type(self).build is Model.build:  # subclassed the Keras way: its first sample builds it
            with torch.no_grad():
                nn.Module.__call__(self, *take(x, slice(0, 1))) if isinstance(x, tuple) else nn.Module.__call__(self, x[:1])
            self._built(inferred)
            return
        if isinstance(x, tuple):
            raise NotBuiltError("a model with several inputs builds its weights itself; call build() first")
        self.build(self.declared_input_shape or inferred)

    def _require_compiled(self, what: str) -> tuple[Optimizer, Callable[[Tensor, Tensor], Tensor]]:
        """The compiled optimizer and loss, or a clear error when ``compile`` has not run."""
        if self.optimizer is None or self.loss is None:
            raise NotCompiledError(f"call compile(optimizer=..., loss=...) before {what}()")
        return self.optimizer, self.loss

    # --- data checks ----------------------------------------------------------------------------
    def _check_x(self, x: Any, name: str = "x") -> Inputs:
        """Convert and check ``x``; the time axis (first per-sample axis) may differ from the build shape.

        A list or tuple of arrays is several inputs (Keras's ``fit([a, b], y)``), one tensor each.
        """
        ids = self._reads_ids()
        if _is_several(x):
            inputs = tuple(to_tensor(f"{name}[{i}]", part, min_rank=1, integer_ok=ids) for i, part in enumerate(x))
            for i, t in enumerate(inputs[1:], start=1):
                if len(t) != len(inputs[0]):
                    raise ShapeError(
                        f"every input needs the same number of samples: {name}[0] has {len(inputs[0])}, {name}[{i}] has {len(t)}"
                    )
            return tuple(self._to_model(t) for t in inputs)
        expected = self.expected_input_shape()
        t = to_tensor(name, x, min_rank=1 if expected == () or self._takes_ids() else 2, integer_ok=ids)  # (B,): ids
        if expected is not None:
            got = tuple(t.shape[1:])
            if len(got) != len(expected) or any(e is not None and e != g for e, g in zip(expected[1:], got[1:])):
                shown = ("time", *("None" if e is None else e for e in expected[1:]))
                raise ShapeError(
                    f"{name} has per-sample shape {got}; the model expects {shown} "
                    f"(arrays are (samples, time steps, features))"
                )
        return self._to_model(t)

    def _batches(self, source: Any, targets: bool = True) -> Batches:
        """A batch source as ``Batches`` of tensors on the model's device and float type; rnnkit's own
        batches (already such tensors) as they are."""
        if isinstance(source, ArrayBatches | BucketedBatches | SequencePairBatches | SourceBatches):
            return cast(Batches, source)
        convert = partial(self._convert_input, ids=self._reads_ids())  # asked once per source, not per batch
        return SourceBatches(source, convert, targets, convert_targets=self._convert_target)

    def _convert_input(self, name: str, part: Any, ids: bool) -> Tensor:
        """One input of a batch from a source: checked (``to_tensor``, unless already a tensor) and on the
        model's device, in its float type; integers stay ids only where a layer reads ids (``ids``)."""
        if not isinstance(part, Tensor):
            return self._to_model(to_tensor(name, part, min_rank=1, integer_ok=ids))
        numbers = not (part.is_floating_point() or part.is_complex() or ids)
        return self._to_model(part.float() if numbers else part)

    def _convert_target(self, name: str, part: Any) -> Tensor:
        """One target of a batch from a source: as an input, but integer targets stay integers (class
        labels for a sparse loss)."""
        return self._to_model(part if isinstance(part, Tensor) else to_tensor(name, part, min_rank=1))

    def _reads_ids(self) -> bool:
        """Whether some layer reads token ids (an ``Embedding``); elsewhere integers are numbers, as in Keras."""
        return any(isinstance(m, Embedding) for m in self.modules())

    def _takes_ids(self) -> bool:
        """Whether the first layer reads token ids (an ``Embedding``: ``(B,)`` ids are a batch too)."""
        first = next(iter(self.layers), None)
        return isinstance(first, Embedding)

    def _device(self) -> torch.device:
        """Where the weights live, or will (data is moved there once, before batching)."""
        if self.target_device is not None:
            return self.target_device
        first = next(self.parameters(), None)
        return first.device if first is not None else torch.device("cpu")

    def _to_model(self, t: Tensor) -> Tensor:
        """``t`` on the model's device; float data in the weights' float type (a ``model.double()`` trains
        in float64 on the float32 arrays data arrive as)."""
        first = next(self.parameters(), None)
        dtype = first.dtype if first is not None and first.is_floating_point() and t.is_floating_point() else None
        return t.to(self._device(), dtype=dtype)

    def expected_input_shape(self) -> tuple[int | None, ...] | None:
        """Shape of one sample the model accepts (no batch axis), when known."""
        shape = self.build_input_shape or self.declared_input_shape
        return tuple(shape[1:]) if shape is not None else None

    def _check_xy(self, x: Any, y: Any, prefix: str = "") -> tuple[Inputs, Inputs]:
        xt = self._check_x(x, prefix + "x")
        outputs = self.output_names()
        if isinstance(y, dict) and len(outputs) > 1:  # targets by output name, as Keras takes them
            y = _per_output("y", y, outputs)
        if _is_several(y) and len(outputs) > 1:
            yt: Any = tuple(self._to_model(to_tensor(f"{prefix}y[{i}]", part, min_rank=1)) for i, part in enumerate(y))
        else:
            yt = self._to_model(to_tensor(prefix + "y", y, min_rank=1))
        check_same_length(rows(xt), rows(yt))
        return xt, yt

    def output_names(self) -> list[str]:
        """The names of the model's outputs when it has several (Keras's ``output_names``); [] otherwise."""
        return []

    # --- fit / evaluate / predict ---------------------------------------------------------------
    def fit(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        epochs: int = 1,
        verbose: int | str = "auto",
        callbacks: Sequence[Callback] | None = None,
        validation_split: float = 0.0,
        validation_data: tuple[Any, Any] | Batches | None = None,
        shuffle: bool = True,
        initial_epoch: int = 0,
        bptt_steps: int | None = None,
        distributed: bool | None = None,
    ) -> History:
        """Train for ``epochs`` passes over ``(x, y)``; returns a ``History``.

        ``x`` may instead be a ``Batches`` object (``y`` None), e.g. ``rnnkit.data.BucketedBatches`` for
        variable-length sequences; ``validation_data`` may be one too.

        ``validation_split`` holds out the last fraction of the samples (before shuffling), as Keras does.
        ``bptt_steps=k`` trains with truncated BPTT: each batch is read in chunks of k steps, the state
        carried (detached) from chunk to chunk, one update per chunk (see ``rnnkit.train.bptt``).
        With ``clipnorm``/``clipvalue``, ``history.history['clipped']`` is the fraction of updates clipped.
        ``distributed`` (default: when torchrun started several processes): data-parallel training,
        ``batch_size`` samples per process (``rnnkit.train.distributed``).
        """
        optimizer, loss = self._require_compiled("fit")
        verbose = resolve_verbose(verbose)
        if bptt_steps is not None and (not isinstance(bptt_steps, int) or bptt_steps < 1):
            raise ConfigError(f"bptt_steps must be a positive integer (steps per chunk), got {bptt_steps!r}")
        if bptt_steps is not None and _is_several(x):
            raise ConfigError("bptt_steps works on single-input sequence models, not on a model with several inputs")
        batch_size = 32 if batch_size is None else batch_size
        if not 0.0 <= validation_split < 1.0:
            raise ConfigError(f"validation_split must be in [0, 1), got {validation_split}")
        distributed = launched() if distributed is None else distributed
        ranks = join() if distributed else 1
        global_batch = batch_size * ranks if not is_batches(x) else batch_size  # a batch source keeps its own
        train, val, (xt, yt) = self._fit_batches(x, y, global_batch, shuffle, validation_split, validation_data)
        self._ensure_built(xt)
        if distributed:
            broadcast_weights(self)
            train = ShardedBatches(train)
            callbacks = rank_zero_callbacks(callbacks or [])
            verbose = verbose if is_rank_zero() else 0

        history = History()
        record = _TrainingRecord(self.training_log)
        # last, as Keras: they record what the others add
        cbs = CallbackList([*(callbacks or []), history, record], self)
        cbs.set_params(
            {"epochs": epochs, "steps": len(train), "verbose": verbose, "sample": (xt, yt), "callbacks": cbs}
        )
        self.stop_training = False
        begin: dict[str, Any] = {}
        cbs.on_train_begin(begin)
        resume: ResumePoint | None = begin.get("resume")  # set by BackupAndRestore when it has a backup
        if resume is not None:
            cbs.set_states(resume.callbacks)
        start = resume.epoch if resume is not None else initial_epoch
        with stop_on_interrupt(self):
            for epoch in range(start, epochs):
                if verbose:
                    print(f"Epoch {epoch + 1}/{epochs}")
                good = _snapshot(self, optimizer)  # the last finished epoch's, put back if this one diverges
                cbs.on_epoch_begin(epoch, {})
                resuming = resume if epoch == start else None
                if resuming is not None and resuming.epoch_rng is not None:
                    torch.set_rng_state(resuming.epoch_rng)  # the stopped run's shuffle of this epoch
                epoch_rng = torch.get_rng_state()
                bar = ProgressBar(len(train), verbose) if verbose else None
                try:
                    logs, stopped = train_epoch(
                        self, train, loss, optimizer, self.compiled_metrics, cbs, bar, self.clipnorm, self.clipvalue,
                        bptt_steps, distributed, resuming,
                    )  # fmt: skip
                except DivergedError as exc:
                    _put_back(self, optimizer, good)
                    if any(isinstance(cb, TerminateOnNaN) for cb in cbs.callbacks):  # Keras: stop, no error
                        print(diverged_message(exc, epoch, optimizer))
                        break
                    raise DivergedError(diverged_message(exc, epoch, optimizer), epoch, exc.batch) from None
                if stopped is not None:  # Ctrl-C: the update in progress finished, nothing is half-done
                    stopped.epoch, stopped.epoch_rng, stopped.callbacks = epoch, epoch_rng, cbs.states()
                    cbs.on_train_interrupted({"resume": stopped})
                    raise KeyboardInterrupt
                if val is not None:
                    val_logs = evaluate_batches(self, val, loss, self.compiled_metrics)
                    logs.update({f"val_{k}": v for k, v in val_logs.items()})
                if bar is not None:
                    bar.finish(logs)
                cbs.on_epoch_end(epoch, logs)
                if self.stop_training:
                    break
        cbs.on_train_end({})
        self.eval()  # inference mode again, as outside every fit
        self.history = history
        return history

    def _fit_batches(
        self,
        x: Any,
        y: Any,
        batch_size: int,
        shuffle: bool,
        validation_split: float,
        validation_data: Any,
    ) -> tuple[Batches, Batches | None, tuple[Inputs, Inputs]]:
        """Training batches, validation batches and a sample ``(x, y)`` (builds the model, feeds callbacks)."""
        if is_batches(x):
            if y is not None or validation_split:
                raise ConfigError(
                    "with a dataset or Batches object as x, the targets come in its batches: give no y and no "
                    "validation_split (use validation_data=)"
                )
            train: Batches = self._batches(x)
            xt, yb = next(iter(train))
            if yb is None:
                raise ConfigError("the training batches carry no targets: each must be a pair (x_batch, y_batch)")
            sample = (xt, yb)
        else:
            xt, yt = self._check_xy(x, y)
            if validation_split > 0 and validation_data is None:
                n = rows(xt)
                cut = int(n * (1 - validation_split))
                if cut == 0 or cut == n:
                    raise ConfigError(f"validation_split={validation_split} leaves no samples on one side of {n}")
                validation_data = ArrayBatches(take(xt, slice(cut, None)), take(yt, slice(cut, None)), batch_size)
                xt, yt = take(xt, slice(None, cut)), take(yt, slice(None, cut))
            train = ArrayBatches(xt, yt, batch_size, shuffle=shuffle)
            sample = (take(xt, slice(None, 1024)), cast(Tensor, take(yt, slice(None, 1024))))
        if validation_data is None or is_batches(validation_data):
            return train, (self._batches(validation_data) if validation_data is not None else None), sample
        if len(validation_data) != 2:
            raise ConfigError("validation_data must be a pair (x_val, y_val) or a Batches object")
        xv, yv = self._check_xy(validation_data[0], validation_data[1], prefix="val_")
        return train, ArrayBatches(xv, yv, batch_size), sample

    def evaluate(
        self, x: Any = None, y: Any = None, batch_size: int | None = None, verbose: int | str = "auto"
    ) -> float | list[float]:
        """Loss on ``(x, y)`` (or on the batches of a dataset ``x``); ``[loss, *metrics]`` when metrics were
        compiled (as Keras)."""
        _, loss = self._require_compiled("evaluate")
        batches: Batches
        if is_batches(x):
            if y is not None:
                raise ConfigError("with a dataset as x, the targets come in its batches: give no y")
            batches = self._batches(x)
            self._ensure_built(next(iter(batches))[0])
        else:
            xt, yt = self._check_xy(x, y)
            self._ensure_built(xt)
            batches = ArrayBatches(xt, yt, 32 if batch_size is None else batch_size)
        bar = ProgressBar(len(batches), resolve_verbose(verbose))
        logs = evaluate_batches(self, batches, loss, self.compiled_metrics)
        bar.finish(logs)
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    @torch.no_grad()
    def predict(self, x: Any, batch_size: int | None = None, verbose: int | str = "auto") -> Any:
        """Predictions for ``x`` as a NumPy array (``x`` may be NumPy, a tensor or nested lists); a list of
        arrays, one per output, for a model with several outputs."""
        batches: Batches
        if is_batches(x):
            batches = self._batches(x, targets=False)
            self._ensure_built(next(iter(batches))[0])
        else:
            xt = self._check_x(x)
            self._ensure_built(xt)
            batches = ArrayBatches(xt, None, 32 if batch_size is None else batch_size)
        if self.training:  # eval() walks every module: ~20 us a call, a tenth of a one-sequence predict
            self.eval()
        bar = ProgressBar(len(batches), resolve_verbose(verbose))
        forward = fused_predict(self) or self  # one native call per batch for the models it covers
        outputs = [self(*xb) if isinstance(xb, tuple) else forward(xb) for xb, _ in batches]
        bar.finish({})
        if isinstance(outputs[0], list | tuple):  # several outputs: one array each
            return [torch.cat([o[i] for o in outputs]).cpu().numpy() for i in range(len(outputs[0]))]
        out = outputs[0] if len(outputs) == 1 else torch.cat(outputs)
        return out.cpu().numpy()

    def train_on_batch(self, x: Any, y: Any) -> float | list[float]:
        """One update on the batch ``(x, y)``; its loss, or ``[loss, *metrics]`` with metrics (as Keras)."""
        optimizer, loss = self._require_compiled("train_on_batch")
        xt, yt = self._check_xy(x, y)
        self._ensure_built(xt)
        one = ArrayBatches(xt, yt, rows(xt))
        logs, _ = train_epoch(
            self, one, loss, optimizer, self.compiled_metrics, clipnorm=self.clipnorm, clipvalue=self.clipvalue
        )
        self.eval()
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def test_on_batch(self, x: Any, y: Any) -> float | list[float]:
        """``evaluate`` on one batch (as Keras)."""
        xt = self._check_x(x)  # converted once: evaluate takes it as it is
        return self.evaluate(xt, y, batch_size=rows(xt), verbose=0)

    def predict_on_batch(self, x: Any) -> Any:
        """``predict`` on one batch (as Keras)."""
        xt = self._check_x(x)  # converted once: predict takes it as it is
        return self.predict(xt, batch_size=rows(xt), verbose=0)

    def __call__(self, *args: Any, training: bool | None = None, **kwargs: Any) -> Any:
        """``model(x)``: the output for ``x`` (NumPy arrays are converted); the first call builds an
        unbuilt model, as in Keras. Outside ``fit`` a model runs in inference mode (no dropout) unless
        ``training=True`` or ``model.train()`` says otherwise. On symbolic tensors a model acts as a layer
        of a functional model (Keras's nested models)."""
        if args and not isinstance(args[0], Tensor) and is_symbolic(args, kwargs):
            return symbolic_call(self, args, {**kwargs, **({} if training is None else {"training": training})})
        if args and not isinstance(args[0], Tensor):
            args = (self._check_x(args[0]), *args[1:])
        if not self.built and args and isinstance(args[0], Tensor | tuple):
            self._ensure_built(args[0])
        if training is not None:  # this call in the mode asked for; the usual call skips the switch
            with in_mode(self, training):
                return self.__call__(*args, **kwargs)
        if self.mixed_precision is None:
            return super().__call__(*args, **kwargs)
        with torch.autocast(self._device().type, dtype=torch.bfloat16):
            out = super().__call__(*args, **kwargs)
        return out.float() if isinstance(out, Tensor) and out.is_floating_point() else out

    def __getstate__(self) -> dict[str, Any]:
        """For ``copy.deepcopy`` and pickling: without the CUDA graph a GPU ``fit`` keeps (it belongs to this
        process and its memory; a copy records its own)."""
        state = dict(super().__getstate__())
        state.pop("_graphed_update", None)
        return state

    # --- weights --------------------------------------------------------------------------------
    @property
    def layers(self) -> list[nn.Module]:
        """The layers the model holds (its direct children that are layers), in the order they were set."""
        return [m for m in self.children() if isinstance(m, Layer)]

    @property
    def losses(self) -> list[Tensor]:
        """Keras's ``model.losses``: every layer's regularization penalties (``Layer.losses``)."""
        return [loss for m in self.modules() if isinstance(m, Layer) for loss in m.losses]

    def chained_layers(self) -> list[Layer] | None:
        """The layers the forward pass runs one after another, each feeding the next and nothing else,
        when that is all it does (``Sequential``); None for other models. The native training step
        (``rnnkit.train.native_step``) asks for it."""
        return None

    def _build_if_declared(self) -> None:
        """Build an unbuilt model from its first layer's declared ``input_shape``, when it has one."""
        if not self.built and self.declared_input_shape is not None:
            self.build(self.declared_input_shape)

    def _require_built(self) -> None:
        """Build from the declared input shape if there is one; fail clearly if there is none."""
        self._build_if_declared()
        if not self.built:
            raise NotBuiltError(
                "the model has no weights yet: give the first layer input_shape=, call build(), or fit it"
            )

    def get_weights(self) -> list[np.ndarray]:
        """All layers' weights in Keras's order and shapes."""
        self._require_built()
        return [w for layer in self.layers for w in layer.get_weights()]  # type: ignore[operator]

    def set_weights(self, weights: Sequence[np.ndarray]) -> None:
        """Set all weights from a list in Keras's order and shapes (as ``get_weights`` returns)."""
        self._require_built()
        weights = list(weights)
        counts = [len(layer.get_weights()) for layer in self.layers]  # type: ignore[operator]
        if len(weights) != sum(counts):
            raise ShapeError(f"set_weights expects {sum(counts)} arrays, got {len(weights)}")
        for layer, n in zip(self.layers, counts):
            layer.set_weights(weights[:n])  # type: ignore[operator]
            weights = weights[n:]

    def count_params(self) -> int:
        self._require_built()
        return sum(p.numel() for p in self.parameters())

    def reset_state(self, rows: Tensor | Sequence[int] | None = None) -> None:
        """Keras 3's name for ``reset_states``."""
        self.reset_states(rows)

    def reset_states(self, rows: Tensor | Sequence[int] | None = None) -> None:
        """Zero the carried state of every stateful recurrent layer (or only batch ``rows`` of it)."""
        for module in self.layers:
            reset = getattr(module, "reset_states", None)
            if reset is not None:
                reset(rows)

    # --- saving ---------------------------------------------------------------------------------
    def save(
        self,
        path: str | os.PathLike[str],
        include_optimizer: bool = True,
        metadata: dict[str, Any] | None = None,
        extra_tensors: dict[str, Tensor] | None = None,
    ) -> None:
        """Write a folder with ``config.json`` and ``model.safetensors`` (and the optimizer state), atomically.

        ``metadata`` (JSON) and ``extra_tensors`` are for tasks that keep more than the network.
        """
        if not is_rank_zero():  # data-parallel training: rank 0 writes, the others hold the same weights
            return

        self._require_built()
        save_model(self, path, include_optimizer=include_optimizer, metadata=metadata, extra_tensors=extra_tensors)

    def save_weights(self, path: str | os.PathLike[str]) -> None:
        """Keras's ``save_weights``: the model folder without the optimizer state (``path`` may end in
        ``.weights.h5`` as Keras's does; the folder holds safetensors, not HDF5)."""
        self.save(path, include_optimizer=False)

    def load_weights(self, path: str | os.PathLike[str]) -> None:
        """Keras's ``load_weights``: the weights saved at ``path`` (by ``save``, ``save_weights`` or a
        ``ModelCheckpoint``) into this built model of the same network; the optimizer is untouched."""
        self._require_built()
        load_weights_into(self, path)

    def restore(self, path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, Tensor]]:
        """Load the weights and optimizer state that ``save`` wrote to ``path`` into this built, compiled
        model (the same network: every tensor is checked against it); returns the saved ``metadata`` and
        ``extra_tensors``. What ``BackupAndRestore`` resumes a run from."""
        self._require_built()
        return restore_into(self, path)

    def summary(self, print_fn: Callable[[str], None] | None = None) -> None:
        """Print a table of layers, output shapes and parameter counts (as Keras's ``summary()``). A
        model not yet built from its first layer's ``input_shape`` is built now; any other unbuilt
        model's shapes are ``?``."""
        self._build_if_declared()
        (print_fn or print)(summary_table(self))


def resolve_device(name: str) -> torch.device:
    """``'auto'``, ``'cpu'``, ``'cuda'``, ``'cuda:N'`` → a ``torch.device`` that exists here, or a clear
    ``ConfigError``. Under torchrun, ``'auto'`` and ``'cuda'`` name each process's own GPU
    (``rnnkit.train.distributed.local_gpu``)."""
    if name in ("auto", "cuda") and torch.cuda.is_available() and launched():
        return torch.device("cuda", local_gpu())
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError as exc:
        raise ConfigError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {name!r}") from exc
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"device={name!r}, but PyTorch sees no CUDA GPU here; use device='auto' or 'cpu'")
    if device.type not in ("cpu", "cuda"):
        raise ConfigError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {name!r}")
    return device


def _snapshot(model: nn.Module, optimizer: Any) -> tuple[dict[str, Tensor], dict[str, Tensor], int]:
    """Copies of the weights and the optimizer state, to put back if the coming epoch diverges."""
    slots = optimizer.state_tensors() if hasattr(optimizer, "state_tensors") else {}
    return (
        {k: v.detach().clone() for k, v in model.state_dict().items()},
        {k: v.detach().clone() for k, v in slots.items()},
        getattr(optimizer, "iterations", 0),
    )


@torch.no_grad()
def _put_back(model: nn.Module, optimizer: Any, snapshot: tuple[dict[str, Tensor], dict[str, Tensor], int]) -> None:
    weights, slots, iterations = snapshot
    model.load_state_dict(weights)
    if slots:
        optimizer.load_state_tensors(slots, iterations)


def diverged_message(exc: DivergedError, epoch: int, optimizer: Any) -> str:
    """Where the loss became NaN or infinite, what was put back, and what usually causes it."""
    where = f"epoch {epoch + 1}" + (f", batch {exc.batch + 1}" if exc.batch is not None else "")
    kept = f"the weights at the end of epoch {epoch}" if epoch else "the weights it started from"
    rate = getattr(optimizer, "learning_rate", None)
    return (
        f"{where}: {exc} (not finite); training stopped and {kept} were put back. Usual causes: a learning "
        f"rate too high{f' ({rate:g}; try one 10x lower)' if rate else ''}, exploding gradients (compile with "
        "clipnorm=1.0), or inputs with extreme values (scale them)"
    )


class _TrainingRecord(Callback):
    """Appends each epoch's record (``epoch_record``) to the model's ``training_log``."""

    def __init__(self, log: list[dict[str, Any]]) -> None:
        self.log = log

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.log.append(epoch_record(epoch, self._start, logs))


def _per_output(what: str, value: Any, outputs: list[str]) -> list[Any]:
    """``value`` for each of ``outputs``: one value for all, a list in output order, or a dict by name."""
    if isinstance(value, dict) and not (what == "loss" and "class_name" in value):
        missing = [name for name in outputs if name not in value]
        if missing:
            raise ConfigError(f"{what} has no entry for the outputs {missing}; the outputs are {outputs}")
        return [value[name] for name in outputs]
    if isinstance(value, list | tuple):
        if len(value) != len(outputs):
            raise ConfigError(f"{what} needs one entry per output ({len(outputs)}: {outputs}), got {len(value)}")
        return list(value)
    return [value] * len(outputs)


def _is_several(x: Any) -> bool:
    """A list or tuple of arrays/tensors: several model inputs (not one array given as nested lists)."""
    return isinstance(x, list | tuple) and len(x) > 0 and all(isinstance(p, np.ndarray | Tensor) for p in x)
