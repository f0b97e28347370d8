"""Optimizers with Keras's names, arguments, defaults and update rules, on ``torch._foreach`` kernels.

Adam and RMSprop run as one native loop per tensor when rnnkit's kernels are built (on contiguous CPU
tensors), else as ``torch._foreach`` calls: the same update, held equal by tests.

They are plain classes, not ``torch.optim.Optimizer`` subclasses: the first ``torch.optim`` optimizer
in a process pulls in ``torch._dynamo`` and sympy (about 1 s of imports), which a 2-second tutorial
run cannot afford. Any ``torch.optim`` optimizer can still be given to ``compile``.

Every optimizer is built lazily on the model's parameters (``build(params)``), as in Keras, because
layer weights exist only after the first batch.

Example:
    >>> import torch
    >>> w = torch.nn.Parameter(torch.tensor([1.0]))
    >>> opt = SGD(learning_rate=0.1)
    >>> opt.build([w])
    >>> w.grad = torch.tensor([2.0])
    >>> opt.step()
    >>> round(w.item(), 6)
    0.8
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch import Tensor

from rnnkit.errors import ConfigError, UnknownNameError
from rnnkit.native import kernels
from rnnkit.registry import Registry

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "TorchOptimizer", "get_optimizer", "optimizers"]


class Optimizer:
    """Base: holds parameters, per-parameter slot tensors and the step count.

    Subclasses name their slots in ``slot_names`` and implement ``update(params, grads, slots)``.
    """

    slot_names: tuple[str, ...] = ()

    def __init__(self, learning_rate: float) -> None:
        if not learning_rate > 0:
            raise ConfigError(f"learning_rate must be > 0, got {learning_rate}")
        self.learning_rate = float(learning_rate)
        self.iterations = 0
        self.params: list[Tensor] = []
        self.slots: dict[str, list[Tensor]] = {}
        #: the update may run as rnnkit's native loop (``fusable``), decided when the parameters are known
        self.fused = False

    def build(self, params: Iterable[Tensor]) -> None:
        self.params = [p for p in params if p.requires_grad]
        self.slots = {name: [torch.zeros_like(p) for p in self.params] for name in self.slot_names}
        self.fused = fusable(self.params)

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        grads = [p.grad for p in self.params]
        if grads and all(g is not None for g in grads):  # the usual case: every parameter got a gradient
            self.iterations += 1
            self.update(self.params, grads, self.slots)  # type: ignore[arg-type]
            return
        live = [i for i, g in enumerate(grads) if g is not None]
        if not live:
            return
        self.iterations += 1
        slots = {name: [s[i] for i in live] for name, s in self.slots.items()}
        self.update([self.params[i] for i in live], [grads[i] for i in live], slots)  # type: ignore[misc]

    def update(self, params: list[Tensor], grads: list[Tensor], slots: dict[str, list[Tensor]]) -> None:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {"learning_rate": self.learning_rate}

    def state_tensors(self) -> dict[str, Tensor]:
        """Slot tensors by ``slot/index`` (for safetensors)."""
        return {f"{name}/{i}": t for name, ts in self.slots.items() for i, t in enumerate(ts)}

    def load_state_tensors(self, tensors: dict[str, Tensor], iterations: int) -> None:
        for name, ts in self.slots.items():
            for i, t in enumerate(ts):
                key = f"{name}/{i}"
                if key not in tensors or tensors[key].shape != t.shape:
                    raise ConfigError(f"optimizer state {key!r} is missing or has the wrong shape")
                t.copy_(tensors[key])
        self.iterations = iterations


class SGD(Optimizer):
    """``v = momentum·v - lr·g``; ``w += v`` (Nesterov: ``w += momentum·v - lr·g``); plain SGD if momentum=0."""

    slot_names: tuple[str, ...] = ("momentum",)

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.0, nesterov: bool = False) -> None:
        super().__init__(learning_rate)
        if not 0.0 <= momentum < 1.0:
            raise ConfigError(f"momentum must be in [0, 1), got {momentum}")
        self.momentum = momentum
        self.nesterov = nesterov
        if momentum == 0:
            self.slot_names = ()

    def update(self, params: list[Tensor], grads: list[Tensor], slots: dict[str, list[Tensor]]) -> None:
        lr = self.learning_rate
        if self.momentum == 0:
            torch._foreach_add_(params, grads, alpha=-lr)
            return
        v = slots["momentum"]
        torch._foreach_mul_(v, self.momentum)
        torch._foreach_add_(v, grads, alpha=-lr)
        if self.nesterov:
            torch._foreach_add_(params, v, alpha=self.momentum)
            torch._foreach_add_(params, grads, alpha=-lr)
        else:
            torch._foreach_add_(params, v)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015) in Keras's form::

    m ← β₁ m + (1-β₁) g          v ← β₂ v + (1-β₂) g²
    w ← w - lr·√(1-β₂ᵗ)/(1-β₁ᵗ) · m / (√v + ε)
    """

    slot_names = ("m", "v")

    def __init__(
        self, learning_rate: float = 0.001, beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7
    ) -> None:
        super().__init__(learning_rate)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        #: -step size on the device, when a CUDA graph replays the update (``rnnkit.train.cuda_graph``): the
        #: update reads it instead of a Python number, and it is filled before every step
        self.rate: Tensor | None = None

    def step_size(self, t: int) -> float:
        """``lr·√(1-β₂ᵗ)/(1-β₁ᵗ)``, the size of update ``t`` (counted from 1)."""
        return self.learning_rate * math.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)

    def update(self, params: list[Tensor], grads: list[Tensor], slots: dict[str, list[Tensor]]) -> None:
        alpha = self.step_size(self.iterations)
        m, v = slots["m"], slots["v"]
        native = kernels() if self.fused else None
        if native is not None:
            native.adam_update(params, grads, m, v, alpha, self.beta_1, self.beta_2, self.epsilon)
            return
        torch._foreach_lerp_(m, grads, 1 - self.beta_1)
        torch._foreach_mul_(v, self.beta_2)
        torch._foreach_addcmul_(v, grads, grads, value=1 - self.beta_2)
        denom = torch._foreach_sqrt(v)
        torch._foreach_add_(denom, self.epsilon)
        if self.rate is None:
            torch._foreach_addcdiv_(params, m, denom, value=-alpha)
            return
        capturing = self.rate.is_cuda and torch.cuda.is_current_stream_capturing()
        if not capturing:  # a captured graph's replays get theirs from the caller
            self.rate.fill_(-alpha)
        steps = torch._foreach_div(m, denom)
        torch._foreach_mul_(steps, self.rate)
        torch._foreach_add_(params, steps)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter 2019): ``w ← w - lr·wd·w`` before the step."""

    def __init__(self, learning_rate: float = 0.001, weight_decay: float = 0.004, **kwargs: float) -> None:
        super().__init__(learning_rate, **kwargs)
        self.weight_decay = weight_decay

    def update(self, params: list[Tensor], grads: list[Tensor], slots: dict[str, list[Tensor]]) -> None:
        torch._foreach_mul_(params, 1 - self.learning_rate * self.weight_decay)
        super().update(params, grads, slots)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "weight_decay": self.weight_decay}


class RMSprop(Optimizer):
    """RMSprop (Hinton 2012), Keras's form: ``v ← ρ v + (1-ρ) g²``; ``w ← w - lr·g / √(v + ε)``."""

    slot_names = ("velocity",)

    def __init__(self, learning_rate: float = 0.001, rho: float = 0.9, epsilon: float = 1e-7) -> None:
        super().__init__(learning_rate)
        self.rho, self.epsilon = rho, epsilon

    def update(self, params: list[Tensor], grads: list[Tensor], slots: dict[str, list[Tensor]]) -> None:
        v = slots["velocity"]
        native = kernels() if self.fused else None
        if native is not None:
            native.rmsprop_update(params, grads, v, self.learning_rate, self.rho, self.epsilon)
            return
        torch._foreach_mul_(v, self.rho)
        torch._foreach_addcmul_(v, grads, grads, value=1 - self.rho)
        denom = torch._foreach_add(v, self.epsilon)
        torch._foreach_sqrt_(denom)
        torch._foreach_addcdiv_(params, grads, denom, value=-self.learning_rate)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}


class TorchOptimizer(Optimizer):
    """Adapter for a ready ``torch.optim.Optimizer`` (its parameters are already bound)."""

    def __init__(self, optimizer: Any) -> None:
        self.torch_optimizer = optimizer
        self.iterations = 0
        self.slots = {}
        self.params = [p for g in optimizer.param_groups for p in g["params"]]

    @property  # type: ignore[override]
    def learning_rate(self) -> float:
        return float(self.torch_optimizer.param_groups[0]["lr"])

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        for group in self.torch_optimizer.param_groups:
            group["lr"] = value

    def build(self, params: Iterable[Tensor]) -> None:
        pass

    def zero_grad(self) -> None:
        self.torch_optimizer.zero_grad(set_to_none=True)

    def step(self) -> None:
        self.iterations += 1
        self.torch_optimizer.step()


def fusable(params: list[Tensor]) -> bool:
    """Whether updates of ``params`` can run as rnnkit's native loop per tensor (``adam_update``,
    ``rmsprop_update`` in ``rnnkit/native/sequential.cpp``): contiguous CPU tensors of one float dtype.
    Otherwise the ``torch._foreach`` kernels run: the same math, and tests hold the two equal."""
    dtype = params[0].dtype if params else None
    return dtype in (torch.float32, torch.float64) and all(
        p.dtype == dtype and p.device.type == "cpu" and p.is_contiguous() and p.layout == torch.strided for p in params
    )


optimizers: Registry[Callable[..., Optimizer]] = Registry("optimizer")
for _cls in (SGD, Adam, AdamW, RMSprop):
    optimizers.register(_cls.__name__, _cls)


def get_optimizer(spec: str | Optimizer | Any) -> Optimizer:
    """``'adam'`` → ``Adam()``; an rnnkit optimizer passes through; a ``torch.optim`` one is adapted."""
    if isinstance(spec, Optimizer):
        return spec
    if isinstance(spec, str):
        return optimizers.get(spec)()
    if hasattr(spec, "param_groups") and hasattr(spec, "step"):
        return TorchOptimizer(spec)
    raise UnknownNameError(
        f"optimizer must be a name ({', '.join(optimizers.names())}), an rnnkit optimizer or a "
        f"torch.optim optimizer, got {type(spec).__name__}"
    )
