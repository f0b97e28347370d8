"""The hand-derived NumPy BPTT equals autograd on the rnnkit SimpleRNN layer, on both execution paths."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnkit.layers import SimpleRNN
from rnnkit.reference import rnn_backward, rnn_forward


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("implementation", ["fused", "unrolled"])
def test_numpy_bptt_equals_autograd(activation: str, implementation: str) -> None:
    torch.set_default_dtype(torch.float64)
    try:
        layer = SimpleRNN(5, activation=activation, return_sequences=True, implementation=implementation)
        x = torch.randn(3, 8, 2, requires_grad=True)
        h0 = torch.randn(3, 5, requires_grad=True)
        y = layer(x, initial_state=[h0])
        upstream = torch.randn_like(y)  # an arbitrary ∂L/∂h_t at every step
        (y * upstream).sum().backward()
    finally:
        torch.set_default_dtype(torch.float32)
    cell = layer.cell
    w_ih, w_hh, b = (p.detach().numpy() for p in (cell.weight_ih, cell.weight_hh, cell.bias_ih))
    hs, pre = rnn_forward(x.detach().numpy(), h0.detach().numpy(), w_ih, w_hh, b, activation)
    np.testing.assert_allclose(hs, y.detach().numpy(), atol=1e-12)
    grads = rnn_backward(x.detach().numpy(), h0.detach().numpy(), hs, pre, w_ih, w_hh, upstream.numpy(), activation)
    np.testing.assert_allclose(grads.w_ih, cell.weight_ih.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(grads.w_hh, cell.weight_hh.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(grads.b, cell.bias_ih.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(grads.x, x.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(grads.h0, h0.grad.numpy(), atol=1e-10)


def test_gradient_is_a_sum_over_time_steps() -> None:
    """Shared weights: the full gradient is the sum of what each step contributes."""
    rng = np.random.default_rng(1)
    x, h0 = rng.normal(size=(2, 5, 3)), rng.normal(size=(2, 4))
    w_ih, w_hh, b = rng.normal(size=(4, 3)), rng.normal(size=(4, 4)) * 0.5, rng.normal(size=4)
    hs, pre = rnn_forward(x, h0, w_ih, w_hh, b)
    total = np.zeros_like(w_hh)
    for t in range(5):  # a loss on h_t alone
        d = np.zeros_like(hs)
        d[:, t] = 1.0
        total += rnn_backward(x, h0, hs, pre, w_ih, w_hh, d).w_hh
    np.testing.assert_allclose(total, rnn_backward(x, h0, hs, pre, w_ih, w_hh, np.ones_like(hs)).w_hh, atol=1e-12)
