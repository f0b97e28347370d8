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


def test_regularizers_add_their_penalty_to_the_loss_and_constraints_hold_after_each_update(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from rnnkit.layers import Dense
    from rnnkit.regularizers import L2

    torch.manual_seed(0)
    model = Sequential([LSTM(4, input_shape=(5, 2), kernel_regularizer="l2", recurrent_constraint="max_norm"),
                        Dense(1, kernel_constraint="non_neg", activity_regularizer=L2(0.1))])  # fmt: skip
    model.compile(optimizer="adam", loss="mse")
    x, y = np.random.default_rng(0).random((16, 5, 2), np.float32), np.zeros((16, 1), np.float32)
    lstm, dense = model.layers
    with torch.no_grad():
        out = model(torch.from_numpy(x))
        data_loss = float(((out - 0) ** 2).mean())
        expected = data_loss + 0.01 * float(lstm.cell.weight_ih.square().sum()) + 0.1 * float(out.square().sum())
    assert model.evaluate(x, y, verbose=0) == pytest.approx(data_loss, rel=1e-5)  # evaluation: the data loss
    history = model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    assert history.history["loss"][0] == pytest.approx(expected, rel=1e-4)  # training: plus the penalties
    assert float(dense.weight.detach().min()) >= 0  # NonNeg after the update
    assert float(lstm.cell.weight_hh.detach().t().norm(dim=0).max()) <= 2.0 + 1e-5  # MaxNorm(2) per unit, Keras's axis 0
    model.save(tmp_path / "m")
    again = load_model(tmp_path / "m")
    assert repr(again.layers[0].regularizers["kernel"]) == "L2(l2=0.01)" and repr(again.layers[1].activity_regularizer) == "L2(l2=0.1)"


def test_bidirectional_merge_mode_none_and_a_given_backward_layer(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from rnnkit.layers import Bidirectional
    from rnnkit.layers.serialization import deserialize, serialize

    x = torch.randn(2, 5, 3)
    both = Bidirectional(LSTM(4, return_sequences=True), merge_mode=None)
    forward, backward = both(x)
    assert forward.shape == backward.shape == (2, 5, 4)
    mixed = Bidirectional(LSTM(4), backward_layer=GRU(6, go_backwards=True))
    assert mixed(x).shape == (2, 10)
    copy = deserialize(serialize(mixed))
    assert isinstance(copy.backward_layer, GRU) and copy.backward_layer.units == 6
    with pytest.raises(ConfigError, match="backward_layer"):
        Bidirectional(LSTM(4), backward_layer=LSTM(4))  # reads the same way


def test_compute_output_shape_compute_mask_and_seeded_initializers() -> None:
    from rnnkit.initializers import GlorotUniform, Orthogonal
    from rnnkit.layers import Concatenate, Embedding

    assert LSTM(4, return_sequences=True).compute_output_shape((None, None, 3)) == (None, None, 4)
    assert Concatenate().compute_output_shape([(None, 3), (None, 4)]) == (None, 7)
    assert Embedding(5, 2, mask_zero=True).compute_mask(torch.tensor([[1, 0]])).tolist() == [[True, False]]
    seeded = [LSTM(3, kernel_initializer=GlorotUniform(seed=1), recurrent_initializer=Orthogonal(seed=1)) for _ in range(2)]
    x = torch.ones(1, 2, 2)
    torch.testing.assert_close(seeded[0](x), seeded[1](x))
    state = torch.random.get_rng_state()
    GlorotUniform(seed=7)(torch.empty(3, 3))
    assert torch.equal(state, torch.random.get_rng_state())  # a seeded draw leaves the global generator alone
