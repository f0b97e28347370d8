"""Each cell computes exactly the step of its ``torch.nn`` counterpart, given the same weights."""

from __future__ import annotations

import pytest
import torch

from rnnkit.nn import GRUCell, LSTMCell, SimpleRNNCell


def _copy(ours, theirs) -> None:  # type: ignore[no-untyped-def]
    with torch.no_grad():
        theirs.weight_ih.copy_(ours.weight_ih)
        theirs.weight_hh.copy_(ours.weight_hh)
        theirs.bias_ih.copy_(ours.bias_ih)
        theirs.bias_hh.copy_(ours.bias_hh)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_simple_rnn_cell_matches_torch(activation: str) -> None:
    ours = SimpleRNNCell(3, 5, activation=activation)
    theirs = torch.nn.RNNCell(3, 5, nonlinearity=activation)
    _copy(ours, theirs)
    x, h = torch.randn(4, 3), torch.randn(4, 5)
    y, (h1,) = ours(x, (h,))
    torch.testing.assert_close(h1, theirs(x, h), rtol=0, atol=1e-6)
    assert torch.equal(y, h1)


def test_lstm_cell_matches_torch() -> None:
    ours, theirs = LSTMCell(3, 5), torch.nn.LSTMCell(3, 5)
    _copy(ours, theirs)
    x, h, c = torch.randn(4, 3), torch.randn(4, 5), torch.randn(4, 5)
    _, state = ours(x, (h, c))
    h_ref, c_ref = theirs(x, (h, c))
    torch.testing.assert_close(state.h, h_ref, rtol=0, atol=1e-6)
    torch.testing.assert_close(state.c, c_ref, rtol=0, atol=1e-6)


def test_gru_cell_matches_torch() -> None:
    ours, theirs = GRUCell(3, 5), torch.nn.GRUCell(3, 5)
    with torch.no_grad():
        ours.bias_hh.normal_()
        ours.bias_ih.normal_()
    _copy(ours, theirs)
    x, h = torch.randn(4, 3), torch.randn(4, 5)
    _, (h1,) = ours(x, (h,))
    torch.testing.assert_close(h1, theirs(x, h), rtol=0, atol=1e-6)


def test_keras_default_initializers() -> None:
    cell = LSTMCell(3, 6)
    w_hh = cell.weight_hh.detach()  # (4H, H): orthonormal columns
    torch.testing.assert_close(w_hh.T @ w_hh, torch.eye(6), rtol=0, atol=1e-5)
    assert torch.equal(cell.bias_ih[6:12], torch.ones(6))  # forget gate
    assert torch.equal(cell.bias_ih[:6], torch.zeros(6))
    limit = (6 / (3 + 24)) ** 0.5
    assert cell.weight_ih.abs().max() <= limit


def test_identity_recurrent_initializer() -> None:
    cell = SimpleRNNCell(2, 4, activation="relu", recurrent_initializer="identity")
    assert torch.equal(cell.weight_hh.detach(), torch.eye(4))


def test_parameter_counts_are_kerass() -> None:
    def count(c) -> int:  # type: ignore[no-untyped-def]
        return sum(p.numel() for p in c.parameters())

    assert count(SimpleRNNCell(1, 32)) == 1088
    assert count(LSTMCell(1, 32)) == 4 * 1088
    assert count(GRUCell(1, 32)) == 3 * (32 + 32 * 32 + 2 * 32)
