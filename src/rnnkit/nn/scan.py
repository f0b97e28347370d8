"""The gated linear scan of MinGRU and MinLSTM on any device: the native pass where it runs, else a chunked
scan in PyTorch ops (a GPU, no kernels built).

The recurrence ``h_t = h_{t−1} + u_t ⊙ (v_t − h_{t−1}) = a_t ⊙ h_{t−1} + w_t`` with ``a_t = 1 − u_t`` and
``w_t = u_t ⊙ v_t``. Within a chunk of L steps, with ``S_t = Σ_{τ ≤ t} log a_τ`` (from the chunk's start)::

    h_t = Σ_{s ≤ t} exp(S_t − S_s) ⊙ w_s + exp(S_t) ⊙ h_start

Every factor ``exp(S_t − S_s)`` is a product of gates in [0, 1], computed as one difference of sums (never
``exp(S_t) / exp(S_s)``, which overflows), so the chunk is an ``(L × L)`` weighted sum per channel: no step
waits on the one before. One step per chunk then carries ``h`` from chunk to chunk. A gate of exactly 1 (a
saturated σ) has ``log a = −∞``: −80 stands in (``a`` = 1.8e-35), and its gradient through ``a`` is 0, which
through ``σ′ = u (1 − u) = 0`` is what reaches the gate's pre-activation anyway. Work O(B·T·L·H), memory the same: L shrinks
for large tensors. Autograd gives the backward.

Example:
    >>> u, v = torch.full((1, 3, 1), 0.5), torch.ones(1, 3, 1)
    >>> [round(x, 4) for x in chunked_gated_scan(u, v, torch.zeros(1, 1))[0, :, 0].tolist()]
    [0.5, 0.75, 0.875]
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

from rnnkit.native import gated_scan as native_gated_scan

# Loops over time for export only, run as TorchScript (``scripted``): ONNX has no operator for these scans,
# and a scripted loop becomes an ONNX ``Loop`` whose length is the input's (a traced one would freeze the
# example's length). Everywhere else the scans here run, and the one loop of ``rnnkit.nn.recurrent`` steps
# the cells.


@functools.cache
def scripted(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` compiled by TorchScript, once (PyTorch's deprecation notice of ``torch.jit.script`` silenced:
    the TorchScript-based ONNX exporter is the one that exports recurrent loops with a free length)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        return torch.jit.script(fn)  # type: ignore[no-any-return]


def gated_loop(u: Tensor, v: Tensor, h: Tensor) -> Tensor:
    """``h_t = h_{t−1} + u_t ⊙ (v_t − h_{t−1})`` step by step: ``(B, T, H)`` states."""
    states: list[Tensor] = []
    for t in range(u.size(1)):
        h = h + u[:, t] * (v[:, t] - h)
        states.append(h)
    return torch.stack(states, dim=1)


def diagonal_loop(br: Tensor, bi: Tensor, lam_re: Tensor, lam_im: Tensor, re: Tensor, im: Tensor) -> tuple[Tensor, Tensor]:
    """``x_t = λ ⊙ x_{t−1} + b_t`` on real pairs step by step: the ``(B, T, N)`` real and imaginary parts."""
    res: list[Tensor] = []
    ims: list[Tensor] = []
    for t in range(br.size(1)):
        re, im = lam_re * re - lam_im * im + br[:, t], lam_re * im + lam_im * re + bi[:, t]
        res.append(re)
        ims.append(im)
    return torch.stack(res, dim=1), torch.stack(ims, dim=1)

__all__ = ["carry_through_chunks", "chunked_gated_scan", "diagonal_loop", "gated_loop", "gated_scan", "scripted"]

#: the chunk's ``(B, T, L, H)`` weights stay under this many elements (L shrinks, down to 1)
_BUDGET = 2**26


def chunked_gated_scan(u: Tensor, v: Tensor, h0: Tensor, chunk: int = 16) -> Tensor:
    """All states ``(B, T, H)`` of ``h_t = h_{t−1} + u_t ⊙ (v_t − h_{t−1})`` from ``u``, ``v`` ``(B, T, H)``
    and ``h0`` ``(B, H)``, in PyTorch ops (see the module)."""
    B, T, H = u.shape
    L = max(1, min(chunk, T, _BUDGET // max(1, B * T * H)))
    C = -(-T // L)
    pad = C * L - T
    live = u < 1.0 - 1e-30  # a gate of exactly 1 (a saturated σ) has log a = −∞: −80 stands in, gradient 0
    log_a = torch.where(live, torch.log1p(-torch.where(live, u, torch.zeros_like(u))), torch.full_like(u, -80.0))
    w = u * v
    if pad:  # steps past the end: a = 1, w = 0, which keep the state
        log_a = torch.nn.functional.pad(log_a, (0, 0, 0, pad))
        w = torch.nn.functional.pad(w, (0, 0, 0, pad))
    S = log_a.view(B, C, L, H).cumsum(dim=2)  # (B, C, L, H)
    later = torch.ones(L, L, dtype=torch.bool, device=u.device).triu(1)  # s > t: no weight
    gaps = (S.unsqueeze(3) - S.unsqueeze(2)).masked_fill(later[:, :, None], float("-inf"))  # (B, C, t, s, H)
    local = torch.einsum("bctsh,bcsh->bcth", torch.exp(gaps), w.view(B, C, L, H))
    hs = carry_through_chunks(local, torch.exp(S), h0)  # exp(S_t): what is left of the chunk's start at t
    return hs.reshape(B, C * L, H)[:, :T]


def carry_through_chunks(local: Tensor, growth: Tensor, start: Tensor) -> Tensor:
    """The states of a chunked linear scan: each chunk's own states ``local`` ``(B, C, L, H)`` (from a zero
    start) plus what the state entering the chunk has become, ``growth`` ⊙ that state, with ``growth``
    (broadcastable to ``local``) the product of the chunk's factors up to each step. One step per chunk
    carries the state from ``start`` ``(B, H)`` through the chunks' ends."""
    growth = growth.expand_as(local)
    carries, carry = [], start
    for k in range(local.shape[1]):
        carries.append(carry)
        carry = local[:, k, -1] + growth[:, k, -1] * carry
    return local + growth * torch.stack(carries, dim=1).unsqueeze(2)


def gated_scan(u: Tensor, v: Tensor, h0: Tensor) -> Tensor:
    """The scan's states: one native pass forward and one backward on CPU float tensors when the kernels
    are built (``rnnkit.native.gated_scan``), else ``chunked_gated_scan``: the same numbers."""
    hs = native_gated_scan(u, v, h0)
    return hs if hs is not None else chunked_gated_scan(u, v, h0)
