"""A SimpleRNN forward pass and backpropagation through time in NumPy, derived by hand.

This is the readable explanation of BPTT and the oracle the tests hold autograd to.

Forward, for t = 1..T (one weight set shared by every step)::

    a_t = W_ih x_t + W_hh h_{t-1} + b        pre-activation     (B, H)
    h_t = act(a_t)                                              (B, H)

Backward. Let g_t = ∂L/∂h_t arriving from the outputs at step t (zero where step t has no output),
and δ_t the total gradient reaching h_t. Because h_t also feeds h_{t+1}::

    δ_T = g_T
    δ_t = g_t + W_hhᵀ-applied (δ_{t+1} ⊙ act'(a_{t+1}))          (the recurrence: gradient flows back in time)

With e_t = δ_t ⊙ act'(a_t), the shared weights collect one term per time step::

    ∂L/∂W_ih = Σ_t e_tᵀ x_t     ∂L/∂W_hh = Σ_t e_tᵀ h_{t-1}     ∂L/∂b = Σ_t Σ_batch e_t
    ∂L/∂x_t  = e_t W_ih         ∂L/∂h_0  = e_1 W_hh

The product of T Jacobians ``diag(act'(a)) W_hh`` inside δ_1 is why gradients vanish or explode
over long sequences.

Legend: B batch, T time, F features, H hidden units. Weights in rnnkit's (PyTorch's) layout:
``W_ih (H, F)``, ``W_hh (H, H)``, ``b (H,)``.

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x, h0 = rng.normal(size=(2, 4, 3)), np.zeros((2, 5))
    >>> w_ih, w_hh, b = rng.normal(size=(5, 3)), rng.normal(size=(5, 5)) * 0.3, np.zeros(5)
    >>> hs, pre = rnn_forward(x, h0, w_ih, w_hh, b)
    >>> grads = rnn_backward(x, h0, hs, pre, w_ih, w_hh, np.ones_like(hs))
    >>> grads.w_hh.shape
    (5, 5)
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import numpy as np

__all__ = ["RNNGradients", "rnn_forward", "rnn_backward"]

Activation = Literal["tanh", "relu"]


class RNNGradients(NamedTuple):
    """∂L/∂ of every input of ``rnn_forward``."""

    x: np.ndarray  # (B, T, F)
    h: np.ndarray  # (B, T, H): δ_t, the whole gradient reaching each hidden state
    h0: np.ndarray  # (B, H)
    w_ih: np.ndarray  # (H, F)
    w_hh: np.ndarray  # (H, H)
    b: np.ndarray  # (H,)


def _act(a: np.ndarray, activation: Activation) -> np.ndarray:
    return np.tanh(a) if activation == "tanh" else np.maximum(a, 0.0)


def _act_grad(a: np.ndarray, h: np.ndarray, activation: Activation) -> np.ndarray:
    """act'(a): 1 - tanh² = 1 - h², or the ReLU step."""
    return 1.0 - h**2 if activation == "tanh" else (a > 0).astype(a.dtype)


def rnn_forward(
    x: np.ndarray,
    h0: np.ndarray,
    w_ih: np.ndarray,
    w_hh: np.ndarray,
    b: np.ndarray,
    activation: Activation = "tanh",
) -> tuple[np.ndarray, np.ndarray]:
    """Hidden states ``hs (B, T, H)`` and pre-activations ``a (B, T, H)``."""
    B, T, _ = x.shape
    H = w_hh.shape[0]
    hs = np.zeros((B, T, H))
    pre = np.zeros((B, T, H))
    h = h0
    for t in range(T):
        pre[:, t] = x[:, t] @ w_ih.T + h @ w_hh.T + b
        h = hs[:, t] = _act(pre[:, t], activation)
    return hs, pre


def rnn_backward(
    x: np.ndarray,
    h0: np.ndarray,
    hs: np.ndarray,
    pre: np.ndarray,
    w_ih: np.ndarray,
    w_hh: np.ndarray,
    dhs: np.ndarray,
    activation: Activation = "tanh",
) -> RNNGradients:
    """Backpropagate ``dhs = ∂L/∂h_t (B, T, H)`` through time; returns every gradient.

    The loop runs from the last step to the first, carrying ``delta_next = e_{t+1} W_hh`` back.
    """
    B, T, _ = x.shape
    dx = np.zeros_like(x)
    deltas = np.zeros_like(hs)
    dw_ih, dw_hh, db = np.zeros_like(w_ih), np.zeros_like(w_hh), np.zeros(w_hh.shape[0])
    delta_next = np.zeros_like(h0)  # gradient reaching h_t from step t+1
    for t in reversed(range(T)):
        delta = deltas[:, t] = dhs[:, t] + delta_next  # δ_t
        e = delta * _act_grad(pre[:, t], hs[:, t], activation)  # (B, H)
        h_prev = hs[:, t - 1] if t > 0 else h0
        dw_ih += e.T @ x[:, t]
        dw_hh += e.T @ h_prev
        db += e.sum(axis=0)
        dx[:, t] = e @ w_ih
        delta_next = e @ w_hh
    return RNNGradients(dx, deltas, delta_next, dw_ih, dw_hh, db)
