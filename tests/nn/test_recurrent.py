"""The fused path and the unrolled loop compute the same outputs and gradients; padding changes nothing."""

from __future__ import annotations

import pytest
import torch

from rnnkit.errors import ConfigError, ShapeError
from rnnkit.nn import GRUCell, LSTMCell, SimpleRNNCell, run_recurrent, unroll

CELLS = [
    ("rnn_tanh", lambda: SimpleRNNCell(3, 6, activation="tanh")),
    ("rnn_relu", lambda: SimpleRNNCell(3, 6, activation="relu")),
    ("lstm", lambda: LSTMCell(3, 6)),
    ("gru", lambda: GRUCell(3, 6)),
]


def _mask() -> torch.Tensor:
    lengths = torch.tensor([7, 3, 5, 1])
    return torch.arange(7).unsqueeze(0) < lengths.unsqueeze(1)  # (4, 7), right-padded


def _outputs_and_grads(cell, x, mask, go_backwards, implementation):  # type: ignore[no-untyped-def]
    x = x.clone().requires_grad_(True)
    h0 = tuple(torch.randn(4, n, generator=torch.Generator().manual_seed(1)) for n in cell.state_size)
    y, state = run_recurrent(cell, x, h0, mask=mask, go_backwards=go_backwards, implementation=implementation)
    loss = (y * torch.linspace(-1, 1, y.numel()).reshape(y.shape)).sum() + sum(s.pow(2).sum() for s in state)
    grads = torch.autograd.grad(loss, [x, *cell.parameters()])
    return y.detach(), [s.detach() for s in state], grads


@pytest.mark.parametrize("name,make", CELLS, ids=[c[0] for c in CELLS])
@pytest.mark.parametrize("masked", [False, True], ids=["dense", "padded"])
@pytest.mark.parametrize("go_backwards", [False, True], ids=["forward", "backward"])
def test_fused_equals_unrolled(name: str, make, masked: bool, go_backwards: bool) -> None:  # type: ignore[no-untyped-def]
    cell = make()
    x = torch.randn(4, 7, 3)
    mask = _mask() if masked else None
    fused = _outputs_and_grads(cell, x, mask, go_backwards, "auto")
    loop = _outputs_and_grads(cell, x, mask, go_backwards, "unrolled")
    torch.testing.assert_close(fused[0], loop[0], rtol=0, atol=1e-5)
    for a, b in zip(fused[1], loop[1]):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-5)
    for a, b in zip(fused[2], loop[2]):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-5)


@pytest.mark.parametrize("name,make", CELLS, ids=[c[0] for c in CELLS])
def test_padding_never_changes_a_result(name: str, make) -> None:  # type: ignore[no-untyped-def]
    cell = make()
    alone = torch.randn(1, 4, 3)
    batch = torch.randn(3, 9, 3)  # longer neighbours, junk in the padding
    batch[1, :4] = alone[0]
    mask = torch.ones(3, 9, dtype=torch.bool)
    mask[1, 4:] = False
    mask[2, 6:] = False
    for implementation in ("auto", "unrolled"):
        y_alone, s_alone = run_recurrent(cell, alone, implementation=implementation)
        y_batch, s_batch = run_recurrent(cell, batch, mask=mask, implementation=implementation)
        torch.testing.assert_close(y_batch[1, :4], y_alone[0], rtol=0, atol=1e-6)
        torch.testing.assert_close(y_batch[1, 4:], y_alone[0, -1].expand(5, -1), rtol=0, atol=1e-6)
        for a, b in zip(s_batch, s_alone):
            torch.testing.assert_close(a[1], b[0], rtol=0, atol=1e-6)


def test_matches_torch_nn_lstm_over_a_sequence() -> None:
    cell = LSTMCell(3, 6)
    ref = torch.nn.LSTM(3, 6, batch_first=True)
    with torch.no_grad():
        ref.weight_ih_l0.copy_(cell.weight_ih)
        ref.weight_hh_l0.copy_(cell.weight_hh)
        ref.bias_ih_l0.copy_(cell.bias_ih)
        ref.bias_hh_l0.zero_()
    x = torch.randn(2, 5, 3)
    y, state = unroll(cell, x)
    y_ref, (h_ref, c_ref) = ref(x)
    torch.testing.assert_close(y, y_ref, rtol=0, atol=1e-6)
    torch.testing.assert_close(state.c, c_ref[0], rtol=0, atol=1e-6)


def test_custom_cell_runs_in_the_same_loop() -> None:
    class Accumulator(torch.nn.Module):
        """h_t = h_{t-1} + x_t: the loop must carry state and stop at padding."""

        state_size = (2,)
        output_size = 2

        def forward(self, x, state):  # type: ignore[no-untyped-def]
            h = state[0] + x
            return h, (h,)

    x = torch.arange(12.0).reshape(2, 3, 2)
    mask = torch.tensor([[True, True, True], [True, False, False]])
    y, (h,) = run_recurrent(Accumulator(), x, mask=mask)
    torch.testing.assert_close(h, torch.stack([x[0].sum(0), x[1, 0]]))
    torch.testing.assert_close(y[:, -1], h)
    with pytest.raises(ConfigError, match="no PyTorch kernel"):
        run_recurrent(Accumulator(), x, implementation="fused")


def test_recurrent_dropout_mask_reaches_the_cell() -> None:
    cell = SimpleRNNCell(2, 3)
    x = torch.randn(2, 4, 2)
    zero = torch.zeros(2, 3)
    y, _ = run_recurrent(cell, x, h_mask=zero)
    # with the recurrent path cut, every step sees only its own input
    expected = torch.tanh(x @ cell.weight_ih.T + cell.bias_ih)
    torch.testing.assert_close(y, expected.detach(), rtol=0, atol=1e-6)


def test_bad_shapes_are_named() -> None:
    with pytest.raises(ShapeError, match=r"\(batch, time, features\)"):
        run_recurrent(SimpleRNNCell(2, 3), torch.zeros(4, 2))
    with pytest.raises(ShapeError, match="at least one time step"):
        run_recurrent(SimpleRNNCell(2, 3), torch.zeros(4, 0, 2))
