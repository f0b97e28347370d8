"""One time step of each recurrent cell, as pure functions of tensors.

The equations are written here once; ``cells.py`` owns the weights and calls these, the fused path
(``fused.py``) runs PyTorch's kernels on the same weights, and tests hold the two equal.

Legend: B batch, F input features, H hidden units. Weights use PyTorch's layout and gate order:
``w_ih`` is ``(G·H, F)``, ``w_hh`` is ``(G·H, H)``, gates stacked as LSTM ``i, f, g, o`` and
GRU ``r, z, n``. ``h_rec`` is the hidden state as seen by the recurrent matmul; it differs from ``h``
only under recurrent dropout.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

__all__ = ["simple_rnn_step", "lstm_step", "gru_step"]


def simple_rnn_step(
    x: Tensor,
    h: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b: Tensor,
    activation: Callable[[Tensor], Tensor] = torch.tanh,
    h_rec: Tensor | None = None,
) -> Tensor:
    """Elman step: ``h_t = act(W_ih x_t + W_hh h_{t-1} + b)``.

    Shapes: x ``(B, F)``, h ``(B, H)`` → ``(B, H)``.

    Example:
        >>> import torch
        >>> h = simple_rnn_step(torch.ones(2, 3), torch.zeros(2, 4), torch.zeros(4, 3),
        ...                     torch.zeros(4, 4), torch.zeros(4))
        >>> tuple(h.shape)
        (2, 4)
    """
    h_rec = h if h_rec is None else h_rec
    return activation(torch.addmm(b, x, w_ih.t()) + h_rec @ w_hh.t())


def lstm_step(
    x: Tensor,
    h: Tensor,
    c: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b: Tensor,
    h_rec: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """LSTM step (Hochreiter & Schmidhuber 1997, with forget gate)::

        i = σ(W_ii x + W_hi h + b_i)      input gate
        f = σ(W_if x + W_hf h + b_f)      forget gate
        g = tanh(W_ig x + W_hg h + b_g)   candidate cell
        o = σ(W_io x + W_ho h + b_o)      output gate
        c' = f ⊙ c + i ⊙ g
        h' = o ⊙ tanh(c')

    Shapes: x ``(B, F)``, h and c ``(B, H)`` → ``(h', c')`` each ``(B, H)``.
    """
    h_rec = h if h_rec is None else h_rec
    return lstm_gates(torch.addmm(b, x, w_ih.t()) + h_rec @ w_hh.t(), c)  # gates (B, 4H)


def lstm_gates(gates: Tensor, c: Tensor) -> tuple[Tensor, Tensor]:
    """The LSTM step after its matmuls: ``gates = W_ih x + W_hh h + b`` ``(..., 4H)`` (blocks i, f, g, o)
    and ``c`` ``(..., H)`` → ``(h', c')``."""
    i, f, g, o = gates.chunk(4, dim=-1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def gru_step(
    x: Tensor,
    h: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor,
    b_hh: Tensor,
    h_rec: Tensor | None = None,
) -> Tensor:
    """GRU step (Cho et al. 2014) with the reset gate applied after the matmul (Keras ``reset_after=True``,
    the form PyTorch and cuDNN use)::

        r = σ(W_ir x + b_ir + W_hr h + b_hr)           reset gate
        z = σ(W_iz x + b_iz + W_hz h + b_hz)           update gate
        n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))  candidate
        h' = (1 - z) ⊙ n + z ⊙ h

    Shapes: x ``(B, F)``, h ``(B, H)`` → ``(B, H)``.
    """
    h_rec = h if h_rec is None else h_rec
    return gru_gates(torch.addmm(b_ih, x, w_ih.t()), torch.addmm(b_hh, h_rec, w_hh.t()), h)  # gi, gh (B, 3H)


def gru_step_reset_before(
    x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor, h_rec: Tensor | None = None
) -> Tensor:
    """GRU step with the reset gate applied to the state before its matmul (Keras ``reset_after=False``,
    the original form of Cho et al. 2014; one bias)::

        r = σ(W_ir x + W_hr h + b_r)
        z = σ(W_iz x + W_hz h + b_z)
        n = tanh(W_in x + W_hn (r ⊙ h) + b_n)
        h' = (1 - z) ⊙ n + z ⊙ h

    Shapes: x ``(B, F)``, h ``(B, H)`` → ``(B, H)``; ``w_hh`` ``(3H, H)`` in the blocks r, z, n.
    """
    h_rec = h if h_rec is None else h_rec
    H = h.shape[-1]
    i_r, i_z, i_n = torch.addmm(b_ih, x, w_ih.t()).chunk(3, dim=-1)
    h_r, h_z = (h_rec @ w_hh[: 2 * H].t()).chunk(2, dim=-1)
    r = torch.sigmoid(i_r + h_r)
    z = torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + (r * h_rec) @ w_hh[2 * H :].t())
    return (1 - z) * n + z * h


def min_gru_gates(pre: Tensor) -> tuple[Tensor, Tensor]:
    """minGRU's gate and candidate (Feng et al. 2024) from the input's projection ``pre = W x + b``
    ``(..., 2H)`` (blocks z, h̃)::

        z = σ(W_z x + b_z)      update gate, from the input alone
        h̃ = W_h x + b_h         candidate
        h' = (1 − z) ⊙ h + z ⊙ h̃ = h + z ⊙ (h̃ − h)

    Returns ``(u, v) = (z, h̃)``, each ``(..., H)``, for ``h' = h + u ⊙ (v − h)``.
    """
    z, candidate = pre.chunk(2, dim=-1)
    return torch.sigmoid(z), candidate


def min_lstm_gates(pre: Tensor) -> tuple[Tensor, Tensor]:
    """minLSTM's gates and candidate (Feng et al. 2024) from ``pre = W x + b`` ``(..., 3H)`` (blocks f, i,
    h̃), with the paper's normalised gates, so that they sum to 1 and the state stays bounded::

        f = σ(W_f x + b_f),  i = σ(W_i x + b_i),  f' = f / (f + i),  i' = i / (f + i)
        h' = f' ⊙ h + i' ⊙ h̃ = h + i' ⊙ (h̃ − h)

    Returns ``(u, v) = (i', h̃)``.
    """
    f, i, candidate = pre.chunk(3, dim=-1)
    f, i = torch.sigmoid(f), torch.sigmoid(i)
    return i / (f + i), candidate


def gru_gates(gi: Tensor, gh: Tensor, h: Tensor) -> Tensor:
    """The GRU step after its matmuls: ``gi = W_ih x + b_ih`` and ``gh = W_hh h + b_hh`` ``(..., 3H)``
    (blocks r, z, n) and ``h`` ``(..., H)`` → ``h'``."""
    i_r, i_z, i_n = gi.chunk(3, dim=-1)
    h_r, h_z, h_n = gh.chunk(3, dim=-1)
    r = torch.sigmoid(i_r + h_r)
    z = torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)
    return (1 - z) * n + z * h
