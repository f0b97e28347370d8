"""``GradientMonitor``: records the gradient flow during ``fit`` and says, once, when it goes wrong."""

from __future__ import annotations

import math
import statistics
import warnings
from typing import Any

import numpy as np

from rnnkit.diagnostics.flow import GradientFlow, gradient_flow, recurrent_layers
from rnnkit.diagnostics.report import steps_to_fraction
from rnnkit.errors import ConfigError, GradientWarning
from rnnkit.train.callbacks import Callback, Logs
from rnnkit.train.loop import global_norm

__all__ = ["GradientMonitor"]


class GradientMonitor(Callback):
    """Watch the gradient through time while training.

    Every ``every`` epochs it measures ``gradient_flow`` on a fixed probe batch (``x``, ``y``, or the
    first ``samples`` training samples) and keeps it in ``records`` as ``(epoch, GradientFlow)``. After
    every batch it reads the global gradient norm into ``batch_norms``. It warns once
    (``GradientWarning``) when

    * gradients vanish: ‖∂L/∂h_1‖ < ``vanish_ratio`` · ‖∂L/∂h_T‖ in a recurrent layer, or
    * gradients explode: the global norm is not finite, or exceeds ``spike_factor`` times the median so far,

    with advice measured from the run (a ``clipnorm`` value from the observed norms, how many steps back
    the gradient survives).

    Example::

        monitor = GradientMonitor(every=5)
        model.fit(x, y, epochs=50, callbacks=[monitor])
        plot_gradient_heatmap(monitor.records, "heatmap.png")
    """

    def __init__(
        self,
        x: Any = None,
        y: Any = None,
        every: int = 1,
        vanish_ratio: float = 1e-3,
        spike_factor: float = 10.0,
        samples: int = 256,
    ) -> None:
        if every < 1 or samples < 1 or not 0 < vanish_ratio < 1 or spike_factor <= 1:
            raise ConfigError(
                "GradientMonitor needs every >= 1, samples >= 1, 0 < vanish_ratio < 1 and spike_factor > 1"
            )
        self.x, self.y = x, y
        self.every, self.vanish_ratio, self.spike_factor, self.samples = every, vanish_ratio, spike_factor, samples
        self.records: list[tuple[int, GradientFlow]] = []
        self.batch_norms: list[float] = []
        self.warned: set[str] = set()

    def on_train_begin(self, logs: Logs | None = None) -> None:
        if not recurrent_layers(self.model):
            raise ConfigError("GradientMonitor needs a model with a recurrent layer")
        if self.x is None:
            x, y = self.params["sample"]
            self.x, self.y = x[: self.samples], y[: self.samples]
        self.epoch = 0

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        self.epoch = epoch

    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        grads = [p.grad for p in self.model.parameters() if p.grad is not None]
        if not grads:
            return
        norm = float(global_norm(grads))
        history = self.batch_norms
        if not math.isfinite(norm):
            self._explode(f"the global gradient norm became {norm} at epoch {self.epoch + 1}, batch {batch + 1}")
        elif len(history) >= 20 and norm > self.spike_factor * statistics.median(history):
            self._explode(
                f"the global gradient norm jumped to {norm:.3g} at epoch {self.epoch + 1}, batch {batch + 1} "
                f"({norm / statistics.median(history):.0f}x the median {statistics.median(history):.3g} so far)"
            )
        history.append(norm)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        if epoch % self.every:
            return
        flow = gradient_flow(self.model, self.x, self.y)
        self.records.append((epoch, flow))
        if "explode" in self.warned:  # weights thrown far away saturate the cells; the explosion is the news
            return
        for name, norms in flow.hidden.items():
            ratio = flow.ratio(name)
            if ratio < self.vanish_ratio:
                self._vanish(name, flow, norms, ratio, epoch)

    def _warn(self, key: str, message: str) -> None:
        if key not in self.warned:
            self.warned.add(key)
            warnings.warn(message, GradientWarning, stacklevel=3)

    def _explode(self, what: str) -> None:
        finite = [n for n in self.batch_norms if math.isfinite(n)]
        clip = (
            f"compile(clipnorm={np.percentile(finite, 50):.3g}) (the median gradient norm seen so far)"
            if finite
            else "compile(clipnorm=1.0)"
        )
        self._warn(
            "explode",
            f"Exploding gradients: {what}. Clip them with {clip}, lower the learning rate, "
            "or shorten the span gradients travel with fit(bptt_steps=...).",
        )

    def _vanish(self, name: str, flow: GradientFlow, norms: list[float], ratio: float, epoch: int) -> None:
        layer = next(m for m in recurrent_layers(self.model) if m.name == name)
        survive = steps_to_fraction(norms)
        advice = []
        if flow.kinds.get(name) == "SimpleRNN":
            advice.append("switch SimpleRNN to LSTM or GRU (their gates carry the gradient across long spans)")
            init = getattr(layer, "cell_options", {}).get("recurrent_initializer")
            init_name = str(
                init
                if isinstance(init, str)
                else init.get("class_name")
                if isinstance(init, dict)
                else type(init).__name__
            ).lower()
            if init_name not in ("orthogonal", "identity"):
                advice.append("use recurrent_initializer='orthogonal'")
            if getattr(layer, "activation", None) == "relu" and init_name != "identity":
                advice.append("or recurrent_initializer='identity' with relu (an IRNN)")
        advice.append("or ask for less memory: train on shorter spans with fit(bptt_steps=...)")
        self._warn(
            f"vanish:{name}",
            f"Vanishing gradients in {name!r} at epoch {epoch + 1}: ‖∂L/∂h_1‖ is {ratio:.1e} of ‖∂L/∂h_T‖ over "
            f"{len(norms)} steps"
            + (
                f"; it falls below 1% of its last value {survive} step(s) back from the loss"
                if survive is not None
                else ""
            )
            + ", so the earliest steps barely learn. Try: "
            + "; ".join(advice)
            + ".",
        )
