"""rnnkit's native kernels: the whole loop over time, forward and backward, in one C++ call per layer.

PyTorch runs a SimpleRNN or GRU on the CPU as a dozen operators per time step, each recorded for
autograd, and its backward as as many again; at 32 units that overhead, not arithmetic, is the cost.
``recurrent.cpp`` runs the loop in C++: per step one matrix product and one fused loop over the gate
values, and for BPTT the same backwards, with the weight gradients as one product each over all steps.
Autograd sees one node per layer (a ``torch.autograd.Function`` here). The math is that of
``rnnkit.nn.functional``; tests hold outputs and every gradient equal to PyTorch's kernels.

The kernels are compiled once per machine with PyTorch's C++ extension tooling (a C++ compiler and
``ninja``, a dependency of rnnkit): by the first call that wants them (one line on stderr says so; see
``rnnkit.native.building``), or ahead with ``rnnkit native build`` (``make`` runs it). Without a compiler,
with ``RNNKIT_NATIVE=0``, or for inputs they do not cover (GPU tensors, half precision, padded batches),
rnnkit uses PyTorch's kernels — the same numbers, only slower.

Example::

    $ rnnkit native build          # a minute or two, once
    $ rnnkit native status
    native kernels: built and in use (…/rnnkit/native/…/rnnkit_native.so)
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import torch
from torch import Tensor

from rnnkit.native.building import (
    FLAGS,
    HEADERS,
    SOURCES,
    build_directory,
    build_once,
    compile_kernels,
    module_file,
    unavailable_reason,
)

__all__ = [
    "FLAGS",
    "HEADERS",
    "SOURCES",
    "available",
    "build",
    "build_directory",
    "diagonal_scan",
    "gate_scan",
    "gated_scan",
    "kernels",
    "module_file",
    "run_sequence",
    "switched_off",
    "unavailable_reason",
]

_loaded: ModuleType | None = None
_tried = False
_off = 0  # > 0 inside ``switched_off()``


def build(verbose: bool = False) -> Path:
    """Compile the kernels for this machine (``-O3 -march=native``), load them, and return the module file."""
    global _loaded, _tried
    _loaded, _tried = compile_kernels(verbose), True
    path = module_file()
    assert path is not None
    return path


def _load(path: Path) -> ModuleType | None:
    spec = importlib.util.spec_from_file_location("rnnkit_native", path)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def kernels() -> ModuleType | None:
    """The compiled module (not with ``RNNKIT_NATIVE=0``), else None. The first call in a process loads the
    build for this machine, or compiles it once when there is none (``building.build_once``)."""
    global _loaded, _tried
    if _off or os.environ.get("RNNKIT_NATIVE", "1") == "0":
        return None
    if not _tried:
        _tried = True
        path = module_file()
        _loaded = _load(path) if path is not None else build_once(_load)
    return _loaded


def available() -> bool:
    return kernels() is not None


@contextmanager
def switched_off() -> Iterator[None]:
    """PyTorch's kernels inside this block (e.g. while tracing a model for export)."""
    global _off
    _off += 1
    try:
        yield
    finally:
        _off -= 1


class _RNN(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: Tensor, h0: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor, b_hh: Tensor,
                relu: bool) -> tuple[Tensor, Tensor]:  # fmt: skip
        k = kernels()
        assert k is not None
        hs, x_tm = k.rnn_forward(x, h0, w_ih, w_hh, b_ih + b_hh, relu)  # (T, B, H), (T, B, F)
        ctx.save_for_backward(x_tm, h0, w_ih, w_hh, hs)
        ctx.relu = relu
        return hs.transpose(0, 1), hs[-1]

    @staticmethod
    def backward(ctx: Any, grad_out: Tensor, grad_hn: Tensor) -> tuple[Tensor | None, ...]:
        x_tm, h0, w_ih, w_hh, hs = ctx.saved_tensors
        k = kernels()
        assert k is not None
        dx, dh0, dw_ih, dw_hh, db = k.rnn_backward(_outputs_grad(grad_out, hs), _dense(grad_hn, h0), x_tm, h0,
                                                   w_ih, w_hh, hs, ctx.relu, ctx.needs_input_grad[0])  # fmt: skip
        return dx, dh0, dw_ih, dw_hh, db, db, None


class _LSTM(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: Tensor, h0: Tensor, c0: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor,
                b_hh: Tensor) -> tuple[Tensor, Tensor, Tensor]:  # fmt: skip
        k = kernels()
        assert k is not None
        hs, cs, gates, x_tm = k.lstm_forward(x, h0, c0, w_ih, w_hh, b_ih + b_hh)
        ctx.save_for_backward(x_tm, h0, c0, w_ih, w_hh, hs, cs, gates)
        return hs.transpose(0, 1), hs[-1], cs[-1]

    @staticmethod
    def backward(ctx: Any, grad_out: Tensor, grad_hn: Tensor, grad_cn: Tensor) -> tuple[Tensor | None, ...]:
        x_tm, h0, c0, w_ih, w_hh, hs, cs, gates = ctx.saved_tensors
        k = kernels()
        assert k is not None
        dx, dh0, dc0, dw_ih, dw_hh, db = k.lstm_backward(
            _outputs_grad(grad_out, hs),
            _dense(grad_hn, h0),
            _dense(grad_cn, c0),
            x_tm,
            h0,
            c0,
            w_ih,
            w_hh,
            hs,
            cs,
            gates,
            ctx.needs_input_grad[0],
        )
        return dx, dh0, dc0, dw_ih, dw_hh, db, db


class _GRU(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: Tensor, h0: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor,
                b_hh: Tensor) -> tuple[Tensor, Tensor]:  # fmt: skip
        k = kernels()
        assert k is not None
        hs, rzn, gh, x_tm = k.gru_forward(x, h0, w_ih, w_hh, b_ih, b_hh)
        ctx.save_for_backward(x_tm, h0, w_ih, w_hh, hs, rzn, gh)
        return hs.transpose(0, 1), hs[-1]

    @staticmethod
    def backward(ctx: Any, grad_out: Tensor, grad_hn: Tensor) -> tuple[Tensor | None, ...]:
        x_tm, h0, w_ih, w_hh, hs, rzn, gh = ctx.saved_tensors
        k = kernels()
        assert k is not None
        dx, dh0, dw_ih, dw_hh, db_ih, db_hh = k.gru_backward(
            _outputs_grad(grad_out, hs), _dense(grad_hn, h0), x_tm, h0, w_ih, w_hh, hs, rzn, gh, ctx.needs_input_grad[0]
        )
        return dx, dh0, dw_ih, dw_hh, db_ih, db_hh


def _dense(grad: Tensor | None, like: Tensor) -> Tensor:
    """A gradient autograd left out (an unused output) as zeros of the output's shape."""
    return grad if grad is not None else torch.zeros_like(like)


def _outputs_grad(grad: Tensor | None, hs: Tensor) -> Tensor:
    """The gradient of the (B, T, H) outputs; when autograd left it out (only the last state was used),
    zeros laid out time-major as the kernels read them, so they take them without a copy."""
    return grad if grad is not None else hs.new_zeros(hs.shape).transpose(0, 1)


#: Largest layer (units) each kernel runs natively; above it PyTorch's kernels are faster. Training steps,
#: batch 64, against PyTorch's kernels alternating in one process (two runs each): at 512 units and 200
#: steps SimpleRNN 1.15-1.16x, GRU 1.13-1.22x, LSTM 1.04-1.05x (oneDNN); at 1024 units and 50 steps
#: SimpleRNN 1.11x, GRU 1.09x, but LSTM 0.91x.
MAX_UNITS = {"rnn_tanh": 1024, "rnn_relu": 1024, "gru": 1024, "lstm": 512}


def run_sequence(mode: str, x: Tensor, state: tuple[Tensor, ...], weights: list[Tensor]) -> tuple[Tensor, ...] | None:
    """Outputs ``(B, T, H)`` and the final state tensors for PyTorch kernel ``mode`` (``'rnn_tanh'``,
    ``'rnn_relu'``, ``'lstm'``, ``'gru'``) on ``x`` ``(B, T, F)`` and ``weights`` ``[w_ih, w_hh, b_ih, b_hh]``;
    None when the native kernels are not built, do not cover these inputs, or are not faster for this size
    (then PyTorch's run)."""
    hidden = weights[1].shape[1]
    if hidden > MAX_UNITS.get(mode, 0):
        return None
    if (
        x.device.type != "cpu"
        or torch.is_autocast_enabled("cpu")  # mixed precision: PyTorch's kernels follow autocast's rules
        or x.dtype not in (torch.float32, torch.float64)
        or any(t.dtype != x.dtype or t.device != x.device for t in (*state, *weights))
        or kernels() is None
    ):
        return None
    x = x.contiguous()
    if mode == "lstm":
        return _LSTM.apply(x, state[0], state[1], *weights)  # type: ignore[no-any-return]
    if mode == "gru":
        return _GRU.apply(x, state[0], *weights)  # type: ignore[no-any-return]
    return _RNN.apply(x, state[0], *weights, mode == "rnn_relu")  # type: ignore[no-any-return]


class _GatedScan(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, u: Tensor, v: Tensor, h0: Tensor) -> Tensor:
        k = kernels()
        assert k is not None
        hs = k.gated_scan_forward(u, v, h0)
        ctx.save_for_backward(u, v, hs, h0)
        return hs  # type: ignore[no-any-return]

    @staticmethod
    def backward(ctx: Any, grad_hs: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        u, v, hs, h0 = ctx.saved_tensors
        k = kernels()
        assert k is not None
        du, dv, dh0 = k.gated_scan_backward(grad_hs, u, v, hs, h0)
        return du, dv, dh0


def _scans_here(*tensors: Tensor) -> bool:
    """Whether the native scans take these tensors: CPU, one float dtype (32 or 64 bits), no autocast,
    the kernels built."""
    first = tensors[0]
    return (
        all(t.device.type == "cpu" and t.dtype == first.dtype for t in tensors)
        and first.dtype in (torch.float32, torch.float64)
        and not torch.is_autocast_enabled("cpu")
        and kernels() is not None
    )


def gated_scan(u: Tensor, v: Tensor, h0: Tensor) -> Tensor | None:
    """Every state of the gated linear recurrence ``h_t = h_{t−1} + u_t ⊙ (v_t − h_{t−1})``: ``u``, ``v``
    ``(B, T, H)`` and ``h0`` ``(B, H)`` → ``(B, T, H)``. One native pass forward and one backward on CPU
    float tensors (``scan.cpp`` derives the backward); None when the kernels do not run here (then
    ``rnnkit.nn.scan`` scans in PyTorch).

    Example:
        >>> u, v = torch.full((1, 3, 1), 0.5), torch.ones(1, 3, 1)
        >>> hs = gated_scan(u, v, torch.zeros(1, 1))
        >>> hs is None or hs[0, :, 0].tolist() == [0.5, 0.75, 0.875]
        True
    """
    if not _scans_here(u, v, h0):
        return None
    return _GatedScan.apply(u.contiguous(), v.contiguous(), h0.contiguous())  # type: ignore[no-any-return]


class _GateScan(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, pre: Tensor, h0: Tensor, keep: Tensor, mode: int) -> Tensor:
        k = kernels()
        assert k is not None
        hs = k.gate_scan_forward(pre, h0, keep, mode)
        ctx.save_for_backward(pre, hs, h0, keep)
        ctx.mode = mode
        return hs  # type: ignore[no-any-return]

    @staticmethod
    def backward(ctx: Any, grad_hs: Tensor) -> tuple[Tensor | None, ...]:
        pre, hs, h0, keep = ctx.saved_tensors
        k = kernels()
        assert k is not None
        dpre, dh0 = k.gate_scan_backward(grad_hs, pre, hs, h0, keep, ctx.mode)
        return dpre, dh0, None, None


#: the gate functions ``gate_scan`` runs natively, by the width of the projection in units of H
GATE_MODES = {"min_gru": 0, "min_lstm": 1}


def gate_scan(pre: Tensor, h0: Tensor, keep: Tensor | None, gates: str) -> Tensor | None:
    """``gated_scan`` with the gate computed inside the same pass from the projection ``pre`` ``(B, T, G·H)``
    (``gates``: ``'min_gru'``, G = 2, or ``'min_lstm'``, G = 3; ``rnnkit.nn.functional.min_gru_gates`` and
    ``min_lstm_gates`` give the math); ``keep`` ``(B, T)`` is 0 at padded steps (their gate is 0) or None.
    The gradient of ``pre`` comes back in one backward pass. None when the kernels do not run these inputs
    (then the caller computes the gates and calls ``gated_scan``)."""
    if not _scans_here(pre, h0):
        return None
    mask = keep.to(pre.dtype) if keep is not None else pre.new_empty(0)
    return _GateScan.apply(pre.contiguous(), h0.contiguous(), mask, GATE_MODES[gates])  # type: ignore[no-any-return]


class _DiagonalScan(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, b: Tensor, lam: Tensor, x0: Tensor, keep: Tensor) -> Tensor:
        k = kernels()
        assert k is not None
        xs = k.diagonal_scan_forward(b, lam, x0, keep)
        ctx.save_for_backward(lam, xs, x0, keep)
        return xs  # type: ignore[no-any-return]

    @staticmethod
    def backward(ctx: Any, grad_xs: Tensor) -> tuple[Tensor | None, ...]:
        lam, xs, x0, keep = ctx.saved_tensors
        k = kernels()
        assert k is not None
        db, dlam, dx0 = k.diagonal_scan_backward(grad_xs.contiguous(), lam, xs, x0, keep)
        return db, dlam, dx0, None


def diagonal_scan(b: Tensor, lam: Tensor, x0: Tensor, keep: Tensor | None) -> Tensor | None:
    """Every state of the diagonal complex recurrence ``x_t = λ ⊙ x_{t−1} + b_t`` on real pairs (the LRU's
    scan, ``diagonal_scan.cpp``): ``b`` ``(B, T, N, 2)`` (re, im), ``lam`` ``(N, 2)``, ``x0`` ``(B, N, 2)``,
    ``keep`` ``(B, T)`` (a step with False keeps the state) or None. One native pass forward and one
    backward on CPU float tensors; None when the kernels do not run here (the caller has a PyTorch path).

    Example:
        >>> lam = torch.tensor([[0.0, 1.0]])  # λ = i: a quarter turn per step
        >>> b = torch.zeros(1, 2, 1, 2)
        >>> xs = diagonal_scan(b, lam, torch.tensor([[[1.0, 0.0]]]), None)
        >>> xs is None or xs[0, :, 0].tolist() == [[0.0, 1.0], [-1.0, 0.0]]
        True
    """
    if not _scans_here(b, lam, x0):
        return None
    flags = keep.contiguous() if keep is not None else torch.empty(0, dtype=torch.bool)
    return _DiagonalScan.apply(b.contiguous(), lam.contiguous(), x0.contiguous(), flags)  # type: ignore[no-any-return]
