"""Options Keras users set on recurrent layers, held to Keras's equations and shapes."""

import numpy as np
import pytest
import torch

from rnnkit.errors import ConfigError
from rnnkit.layers import GRU, LSTM, SimpleRNN
from rnnkit.models import Sequential, load_model


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-a))


def test_gru_reset_before_follows_kerass_equations() -> None:
    rng = np.random.default_rng(0)
    layer = GRU(3, reset_after=False, return_sequences=True)
    x = rng.normal(size=(2, 4, 2)).astype(np.float32)
    layer(torch.from_numpy(x))
    kernel, recurrent, bias = (rng.normal(size=w.shape).astype(np.float32) for w in layer.get_weights())
    assert bias.shape == (9,)  # Keras's one bias vector for reset_after=False
    layer.set_weights([kernel, recurrent, bias])
    h = np.zeros((2, 3), np.float32)
    expected = []
    for t in range(4):  # Keras's GRUCell with reset_after=False; gates in Keras's order z, r, h
        xz, xr, xh = np.split(x[:, t] @ kernel + bias, 3, axis=1)
        z = _sigmoid(xz + h @ recurrent[:, :3])
        r = _sigmoid(xr + h @ recurrent[:, 3:6])
        hh = np.tanh(xh + (r * h) @ recurrent[:, 6:])
        h = z * h + (1 - z) * hh
        expected.append(h)
    np.testing.assert_allclose(layer(torch.from_numpy(x)).detach().numpy(), np.stack(expected, 1), atol=1e-5)
    assert sum(p.numel() for p in layer.parameters()) == 3 * (2 * 3 + 3 * 3 + 3)


@pytest.mark.parametrize("kind,params", [(SimpleRNN, 2 * 4 + 4 * 4), (LSTM, 4 * (2 * 4 + 4 * 4)), (GRU, 3 * (2 * 4 + 4 * 4))])
def test_use_bias_false_has_no_bias_and_trains_through_autograd(kind, params: int, tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = Sequential([kind(4, use_bias=False, input_shape=(5, 2))])
    model.compile(optimizer="adam", loss="mse")
    x, y = np.ones((8, 5, 2), np.float32), np.ones((8, 4), np.float32)
    model.fit(x, y, epochs=2, verbose=0)
    layer = model.layers[0]
    assert model.count_params() == params and len(layer.get_weights()) == 2
    assert not bool(layer.cell.bias_ih.abs().sum())  # still zero after training: there is no bias
    model.save(tmp_path / "m")
    np.testing.assert_allclose(load_model(tmp_path / "m").predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


def test_zero_output_for_mask_zeroes_masked_steps_and_keras_modes_are_accepted() -> None:
    x = torch.randn(2, 5, 3)
    mask = torch.tensor([[True, True, True, False, False], [True] * 5])
    carried = LSTM(4, return_sequences=True)
    zeroed = LSTM(4, return_sequences=True, zero_output_for_mask=True, implementation=2, use_cudnn="auto")
    carried(x)
    zeroed(x)
    zeroed.set_weights(carried.get_weights())
    a, b = carried(x, mask=mask), zeroed(x, mask=mask)
    torch.testing.assert_close(a[0, 3:], a[0, 2:3].expand(2, 4))  # Keras's default: the last output carried on
    assert bool((b[0, 3:] == 0).all()) and torch.equal(a[:, :3], b[:, :3]) and torch.equal(a[1], b[1])
    assert LSTM(2, implementation=0).implementation == "auto" and LSTM(2, use_cudnn=True).implementation == "fused"
    with pytest.raises(ConfigError, match="use_cudnn"):
        LSTM(2, use_cudnn="yes")
