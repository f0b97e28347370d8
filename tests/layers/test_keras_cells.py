"""Keras's cell API: cell layers, stacked cells, cells written the Keras way, and their numbers."""

import numpy as np
import pytest
import torch

import rnnkit
from rnnkit.errors import ConfigError
from rnnkit.initializers import Constant
from rnnkit.keras.saving import register_keras_serializable
from rnnkit.layers import GRU, LSTM, RNN, Dense, GRUCell, Layer, LSTMCell, SimpleRNNCell, StackedRNNCells
from rnnkit.models import Sequential, load_model


def test_a_cell_in_rnn_equals_its_layer_and_stacked_cells_equal_stacked_layers() -> None:
    rnnkit.seed(0)
    x = torch.randn(3, 6, 2)
    stacked = RNN([LSTMCell(5), GRUCell(4)], return_sequences=True, return_state=True)
    y, h1, c1, h2 = stacked(x)
    first, second = LSTM(5, return_sequences=True, return_state=True), GRU(4, return_sequences=True)
    first(x)
    second(first(x)[0])
    cells = stacked.cell.cell.cells
    first.cell.load_state_dict(cells[0].cell.state_dict())
    second.cell.load_state_dict(cells[1].cell.state_dict())
    out1, h, c = first(x)
    torch.testing.assert_close(second(out1), y)
    torch.testing.assert_close((h1, c1, h2), (h, c, y[:, -1]))
    assert stacked.cell.state_size == (5, 5, 4) and StackedRNNCells([LSTMCell(2), GRUCell(3)]).state_size == [[2, 2], 3]


def test_cell_layers_follow_kerass_equations_with_constant_weights() -> None:
    x = torch.ones(1, 2)
    init = {"kernel_initializer": Constant(0.1), "recurrent_initializer": Constant(0.2)}
    h, [state] = SimpleRNNCell(3, **init)(x, [torch.full((1, 3), 0.5)])
    np.testing.assert_allclose(h.detach().numpy(), np.tanh(0.1 * 2 + 0.2 * 0.5 * 3) * np.ones((1, 3)), rtol=1e-6)
    h, (h2, c) = LSTMCell(2, **init)(x, [torch.zeros(1, 2), torch.ones(1, 2)])
    z = 0.1 * 2  # every gate's pre-activation (h = 0); the forget gate adds its bias 1 (unit_forget_bias)
    sig = 1 / (1 + np.exp(-z))
    c_expected = 1 / (1 + np.exp(-(z + 1))) * 1.0 + sig * np.tanh(z)
    np.testing.assert_allclose(c.detach().numpy(), np.full((1, 2), c_expected), rtol=1e-6)
    np.testing.assert_allclose(h.detach().numpy(), np.full((1, 2), sig * np.tanh(c_expected)), rtol=1e-6)


@register_keras_serializable(package="Tests")
class MinimalRNNCell(Layer):
    """The custom cell of Keras's RNN documentation: ``h_t = x_t K + h_{t−1} U``, ``state_size`` an int."""

    def __init__(self, units: int, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units
        self.trainings: list[bool] = []

    def build(self, input_shape) -> None:  # type: ignore[no-untyped-def]
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="uniform", name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), initializer="uniform", name="recurrent_kernel")

    def call(self, inputs, states, training=None):  # type: ignore[no-untyped-def]
        self.trainings.append(bool(training))
        output = inputs @ self.kernel + states[0] @ self.recurrent_kernel
        return output, [output]

    def get_config(self):  # type: ignore[no-untyped-def]
        return {"units": self.units, **super().get_config()}


def test_a_keras_style_custom_cell_trains_saves_and_loads(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rnnkit.seed(1)
    cell = MinimalRNNCell(4)
    model = Sequential([RNN(cell, input_shape=(None, 3)), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).random((8, 5, 3)).astype(np.float32)
    model.fit(x, x.sum(axis=(1, 2))[:, None], epochs=2, verbose=0)
    assert any(cell.trainings) and [n for n, _ in cell.named_parameters()] == ["kernel", "recurrent_kernel"]
    cell.trainings.clear()
    expected = model.predict(x, verbose=0)
    assert not any(cell.trainings)  # predict runs the cell with training=False
    h = np.zeros((8, 4), np.float32)
    k, u = cell.kernel.detach().numpy(), cell.recurrent_kernel.detach().numpy()
    for t in range(5):
        h = x[:, t] @ k + h @ u
    np.testing.assert_allclose(model.layers[0](torch.from_numpy(x)).detach().numpy(), h, rtol=1e-5, atol=1e-6)
    model.save(tmp_path / "m")
    np.testing.assert_allclose(load_model(tmp_path / "m").predict(x, verbose=0), expected, atol=1e-6)


def test_cell_dropout_keeps_one_mask_per_sequence_and_only_in_training() -> None:
    torch.manual_seed(0)
    layer = RNN(SimpleRNNCell(4, dropout=0.5, recurrent_dropout=0.5))
    x = torch.ones(6, 5, 3)
    layer.train()
    layer(x)
    masks = layer.cell.cell._masks
    assert masks is not None and masks[0].shape == (6, 3) and masks[1].shape == (6, 4)
    layer(x)
    assert not torch.equal(layer.cell.cell._masks[0], masks[0])  # a new mask for each call's sequences
    layer.eval()
    torch.testing.assert_close(layer(x), layer(x))


def test_rnn_options_for_cells() -> None:
    assert RNN(SimpleRNNCell(2), unroll=True).implementation == "unrolled"
    with pytest.raises(ConfigError, match="list of cells"):
        StackedRNNCells([])
