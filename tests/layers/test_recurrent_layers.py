"""Keras-style recurrent layers: shapes, options, parameter counts, weights in Keras's layout."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnkit.errors import ConfigError, ShapeError
from rnnkit.layers import GRU, LSTM, RNN, Bidirectional, SimpleRNN


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-a))


@pytest.mark.parametrize(
    "layer,params",
    [(SimpleRNN(32), 1088), (LSTM(32), 4352), (GRU(32), 3360), (Bidirectional(LSTM(8)), 2 * 4 * (8 + 64 + 8))],
)
def test_parameter_counts_equal_keras(layer, params: int) -> None:  # type: ignore[no-untyped-def]
    layer(torch.zeros(2, 10, 1))
    assert sum(p.numel() for p in layer.parameters()) == params


def test_output_shapes_and_states() -> None:
    x = torch.randn(4, 6, 3)
    assert SimpleRNN(5)(x).shape == (4, 5)
    assert SimpleRNN(5, return_sequences=True)(x).shape == (4, 6, 5)
    y, h, c = LSTM(5, return_state=True)(x)
    assert y.shape == h.shape == c.shape == (4, 5)
    torch.testing.assert_close(y, h)
    y, h = GRU(5, return_sequences=True, return_state=True)(x)
    torch.testing.assert_close(y[:, -1], h)


def test_go_backwards_reads_the_reversed_sequence() -> None:
    fwd = SimpleRNN(4, return_sequences=True)
    x = torch.randn(2, 5, 3)
    fwd(x)
    bwd = SimpleRNN(4, return_sequences=True, go_backwards=True)
    bwd(x)
    bwd.load_state_dict(fwd.state_dict())
    torch.testing.assert_close(bwd(x), fwd(x.flip(1)))


def test_stateful_continues_rows_and_resets() -> None:
    layer = LSTM(4, stateful=True)
    x = torch.randn(3, 8, 2)
    whole = LSTM(4)
    whole(x)
    layer(x[:, :4])
    layer.load_state_dict(whole.state_dict())
    layer.reset_states()
    layer(x[:, :4])
    torch.testing.assert_close(layer(x[:, 4:]), whole(x), rtol=0, atol=1e-6)
    layer.reset_states()
    torch.testing.assert_close(layer(x[:, :4]), whole(x[:, :4]), rtol=0, atol=1e-6)
    with pytest.raises(ShapeError, match="stateful"):
        layer(x[:2, :4])


def test_dropout_only_while_training() -> None:
    layer = GRU(6, dropout=0.5, recurrent_dropout=0.5)
    x = torch.randn(8, 5, 3)
    layer.eval()
    torch.testing.assert_close(layer(x), layer(x))
    layer.train()
    assert not torch.allclose(layer(x), layer(x))


def test_rnn_wraps_a_custom_cell() -> None:
    class Doubler(torch.nn.Module):
        state_size, output_size = (3,), 3

        def forward(self, x, state):  # type: ignore[no-untyped-def]
            h = 2 * state[0] + x
            return h, (h,)

    y = RNN(Doubler())(torch.ones(1, 3, 3))
    torch.testing.assert_close(y, torch.full((1, 3), 7.0))  # 1 → 3 → 7


def test_simple_rnn_weights_round_trip_in_keras_layout() -> None:
    layer = SimpleRNN(4)
    layer(torch.zeros(1, 2, 3))
    kernel, recurrent, bias = layer.get_weights()
    assert kernel.shape == (3, 4) and recurrent.shape == (4, 4) and bias.shape == (4,)
    other = SimpleRNN(4)
    other(torch.zeros(1, 2, 3))
    other.set_weights([kernel, recurrent, bias])
    x = torch.randn(2, 5, 3)
    torch.testing.assert_close(other(x), layer(x))


def test_gru_keras_weights_follow_kerass_equations() -> None:
    """Weights read in Keras's layout (gates z, r, h; bias (2, 3H)) reproduce the output with Keras's math."""
    layer = GRU(4)
    x = torch.randn(2, 3, 2)
    layer(x)
    with torch.no_grad():
        layer.cell.bias_ih.normal_()
        layer.cell.bias_hh.normal_()
    kernel, recurrent, bias = layer.get_weights()
    h = np.zeros((2, 4))
    for t in range(3):  # keras.layers.GRUCell, reset_after=True
        xt = x[:, t].numpy()
        mx = xt @ kernel + bias[0]
        mh = h @ recurrent + bias[1]
        z = _sigmoid(mx[:, :4] + mh[:, :4])
        r = _sigmoid(mx[:, 4:8] + mh[:, 4:8])
        hh = np.tanh(mx[:, 8:] + r * mh[:, 8:])
        h = z * h + (1 - z) * hh
    np.testing.assert_allclose(layer(x).detach().numpy(), h, atol=1e-5)
    with pytest.raises(ShapeError, match=r"\(2, 12\)"):
        layer.set_weights([kernel, recurrent, bias[0]])


def test_lstm_keras_weights_follow_kerass_equations() -> None:
    layer = LSTM(3)
    x = torch.randn(2, 4, 2)
    layer(x)
    kernel, recurrent, bias = layer.get_weights()
    h = c = np.zeros((2, 3))
    for t in range(4):  # keras.layers.LSTMCell: gates i, f, c, o
        z = x[:, t].numpy() @ kernel + h @ recurrent + bias
        i, f, g, o = _sigmoid(z[:, :3]), _sigmoid(z[:, 3:6]), np.tanh(z[:, 6:9]), _sigmoid(z[:, 9:])
        c = f * c + i * g
        h = o * np.tanh(c)
    np.testing.assert_allclose(layer(x).detach().numpy(), h, atol=1e-5)


@pytest.mark.parametrize("mode,features", [("concat", 8), ("sum", 4), ("ave", 4), ("mul", 4)])
def test_bidirectional_merges_both_directions(mode: str, features: int) -> None:
    layer = Bidirectional(SimpleRNN(4, return_sequences=True), merge_mode=mode)
    x = torch.randn(2, 5, 3)
    y = layer(x)
    assert y.shape == (2, 5, features)
    fw = layer.forward_layer(x)
    bw = layer.backward_layer(x).flip(1)
    expected = {"concat": torch.cat([fw, bw], -1), "sum": fw + bw, "ave": (fw + bw) / 2, "mul": fw * bw}[mode]
    torch.testing.assert_close(y, expected)
    # the backward direction at step 0 has read the whole sequence
    torch.testing.assert_close(bw[:, 0], layer.backward_layer.cell(x[:, 0], (bw[:, 1],))[0])


@pytest.mark.parametrize("sequences", [False, True], ids=["last", "sequences"])
@pytest.mark.parametrize("layer_class", [GRU, LSTM, SimpleRNN])
def test_bidirectional_padding_invariance(layer_class, sequences: bool) -> None:  # type: ignore[no-untyped-def]
    layer = Bidirectional(layer_class(3, return_sequences=sequences, return_state=True))
    alone = torch.randn(1, 4, 2)
    batch = torch.randn(3, 7, 2)
    batch[0, :4] = alone[0]
    mask = torch.ones(3, 7, dtype=torch.bool)
    mask[0, 4:] = False
    mask[2, 5:] = False
    padded, unpadded = layer(batch, mask=mask), layer(alone)
    steps = slice(0, 4) if sequences else slice(None)
    torch.testing.assert_close(padded[0][0][steps], unpadded[0][0][steps], rtol=0, atol=1e-6)
    for a, b in zip(padded[1:], unpadded[1:]):  # final states of both directions
        torch.testing.assert_close(a[0], b[0], rtol=0, atol=1e-6)
    if sequences:
        assert torch.equal(padded[0][0, 4:], torch.zeros(3, 6))


def test_bad_arguments_are_named() -> None:
    with pytest.raises(ConfigError, match="units"):
        SimpleRNN(0)
    with pytest.raises(ConfigError, match="dropout"):
        LSTM(3, dropout=1.5)
    with pytest.raises(ConfigError, match=r"GRU\(activation='relu'\) is not supported"):
        GRU(3, activation="relu")
    with pytest.raises(ConfigError, match="recurrent_activation"):
        LSTM(3, recurrent_activation="hard_sigmoid")
    assert SimpleRNN(3, unroll=True).implementation == "unrolled"
    with pytest.raises(ConfigError, match="merge_mode"):
        Bidirectional(LSTM(3), merge_mode="max")
    layer = LSTM(3)
    layer(torch.zeros(1, 2, 4))
    with pytest.raises(ShapeError, match="4 features"):
        layer(torch.zeros(1, 2, 5))


def test_bidirectional_on_right_padded_batches_stays_on_the_fused_kernel(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import rnnkit.nn.recurrent as recurrent

    def no_loop(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the per-step loop ran")

    monkeypatch.setattr(recurrent, "unroll", no_loop)
    mask = torch.ones(3, 6, dtype=torch.bool)
    mask[0, 3:] = False
    assert Bidirectional(LSTM(4, return_sequences=True))(torch.randn(3, 6, 2), mask=mask).shape == (3, 6, 8)
