"""Keras's Functional API: symbolic inputs, a graph of layer calls, several inputs and outputs, shared
layers, sub-models that share weights, masks, saving, and the summary's "Connected to"."""

import numpy as np
import pytest
import torch

import rnnkit
from rnnkit.errors import ConfigError, ShapeError
from rnnkit.layers import GRU, LSTM, Add, Concatenate, Dense, Dot, Embedding, Input, Subtract
from rnnkit.models import Functional, Model, Sequential, load_model


def test_model_of_inputs_and_outputs_is_functional_and_equals_the_sequential_model() -> None:
    rnnkit.seed(0)
    inputs = Input(shape=(None, 3))
    model = Model(inputs, Dense(2)(GRU(5)(inputs)))
    assert isinstance(model, Functional) and model.count_params() == 3 * (3 * 5 + 5 * 5 + 2 * 5) + 5 * 2 + 2
    seq = Sequential([GRU(5, input_shape=(None, 3)), Dense(2)])
    seq.build((None, None, 3))
    seq.set_weights(model.get_weights())
    x = np.random.rand(4, 7, 3).astype(np.float32)
    np.testing.assert_allclose(model.predict(x, verbose=0), seq.predict(x, verbose=0), atol=1e-6)


def test_symbolic_shapes_keep_the_unknown_sizes() -> None:
    inputs = Input(shape=(None, 4))
    seq, h, c = LSTM(6, return_sequences=True, return_state=True)(inputs)
    assert (inputs.keras_tensor.shape, seq.shape, h.shape, c.shape) == ((None, None, 4), (None, None, 6), (None, 6), (None, 6))
    ids = Input(shape=(7,), dtype="int32")
    assert Embedding(10, 3)(ids).shape == (None, 7, 3)


def _seq2seq(latent: int = 8, ne: int = 5, nd: int = 6) -> Model:
    enc_in = Input(shape=(None, ne))
    _, h, c = LSTM(latent, return_state=True)(enc_in)
    dec_in = Input(shape=(None, nd))
    dec, _, _ = LSTM(latent, return_sequences=True, return_state=True)(dec_in, initial_state=[h, c])
    return Model([enc_in, dec_in], Dense(nd, activation="softmax")(dec))


def test_inference_sub_models_of_a_loaded_seq2seq_reproduce_its_outputs(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rnnkit.seed(1)
    model = _seq2seq()
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy")
    x1 = np.eye(5)[np.random.randint(0, 5, (16, 4))].astype(np.float32)
    x2 = np.eye(6)[np.random.randint(0, 6, (16, 3))].astype(np.float32)
    y = np.eye(6)[np.random.randint(0, 6, (16, 3))].astype(np.float32)
    model.fit([x1, x2], y, epochs=2, verbose=0)
    model.save(tmp_path / "s2s")
    model = load_model(tmp_path / "s2s")
    assert [type(layer).__name__ for layer in model.layers] == ["Input", "Input", "LSTM", "LSTM", "Dense"]
    # the Keras example's inference models, built from the loaded model's layers
    _, h, c = model.layers[2].output
    encoder = Model(model.input[0], [h, c])
    state_in = [Input(shape=(8,)), Input(shape=(8,))]
    dec, h2, c2 = model.layers[3](model.input[1], initial_state=state_in)
    decoder = Model([model.input[1], *state_in], [model.layers[4](dec), h2, c2])
    assert decoder.layers[-1] is model.layers[4]  # the same layer: the weights are shared
    states = encoder.predict(x1, verbose=0)
    steps = []
    for t in range(x2.shape[1]):
        out, *states = decoder.predict([x2[:, t : t + 1], *states], verbose=0)
        steps.append(out[:, 0])
    np.testing.assert_allclose(np.stack(steps, axis=1), model.predict([x1, x2], verbose=0), atol=1e-6)


def test_a_shared_layer_has_one_set_of_weights_used_by_every_call() -> None:
    a, b = Input(shape=(3,)), Input(shape=(3,))
    shared = Dense(2)
    model = Model([a, b], Subtract()([shared(a), shared(b)]))
    assert model.count_params() == 8 and len(model.layers) == 4
    xa, xb = torch.randn(5, 3), torch.randn(5, 3)
    expected = (xa - xb) @ shared.weight.T  # the biases cancel
    torch.testing.assert_close(model(xa, xb), expected)
    model(xa, xb).sum().backward()
    torch.testing.assert_close(shared.weight.grad, torch.ones(2, 1) * (xa - xb).sum(0))


def test_masks_travel_through_the_graph_so_padding_changes_nothing() -> None:
    rnnkit.seed(2)
    ids = Input(shape=(None,), dtype="int32")
    model = Model(ids, Dense(1)(LSTM(4)(Embedding(12, 3, mask_zero=True)(ids))))
    short = np.array([[3, 4, 5]])
    padded = np.array([[3, 4, 5, 0, 0, 0]])
    np.testing.assert_allclose(model.predict(short, verbose=0), model.predict(padded, verbose=0), atol=1e-6)


def test_several_outputs_predict_a_list_and_the_summary_shows_the_connections() -> None:
    x = Input(shape=(None, 2), name="series")
    seq = LSTM(3, return_sequences=True)(x)
    last = LSTM(3)(seq)
    model = Model(x, [Dense(1, name="now")(last), Dense(2, name="later")(last)])
    out = model.predict(np.zeros((4, 5, 2), np.float32), verbose=0)
    assert [o.shape for o in out] == [(4, 1), (4, 2)]
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    table = lines[0]
    assert "Connected to" in table and "series[0][0]" in table and "lstm_1[0][0]" in table
    assert "(None, None, 3)" in table


def test_dot_add_and_concatenate_compute_what_keras_documents() -> None:
    a, b = torch.randn(2, 4, 3), torch.randn(2, 5, 3)
    torch.testing.assert_close(Dot(axes=2)([a, b]), a @ b.transpose(1, 2))  # (B, 4, 5) scores
    u, v = torch.randn(6, 3), torch.randn(6, 3)
    torch.testing.assert_close(Dot(axes=1)([u, v]), (u * v).sum(1, keepdim=True))
    cosine = Dot(axes=1, normalize=True)([u, v])[:, 0]
    torch.testing.assert_close(cosine, torch.nn.functional.cosine_similarity(u, v))
    torch.testing.assert_close(Add()([u, v, u]), 2 * u + v)
    assert Concatenate(axis=1)([a, b]).shape == (2, 9, 3)
    with pytest.raises(ShapeError, match="exactly 2"):
        Subtract()([u, v, u])
    with pytest.raises(ShapeError, match="cannot merge"):
        Concatenate()([a, b])


def test_mistakes_get_clear_errors() -> None:
    x, y = Input(shape=(None, 3)), Input(shape=(4,))
    out = Dense(1)(LSTM(2)(x))
    with pytest.raises(ConfigError, match="graph disconnected"):
        Model(y, out)
    with pytest.raises(ConfigError, match="must be Input tensors"):
        Model(LSTM(2, return_sequences=True)(x), out)
    with pytest.raises(ShapeError, match="cannot take inputs of shape"):
        LSTM(2)(y)  # (batch, 4) is not a sequence
    with pytest.raises(ShapeError, match="takes 2 inputs"):
        Model([x, y], Concatenate()([LSTM(2)(x), y]))(torch.zeros(1, 2, 3))


def test_a_functional_model_trains_and_beats_the_mean() -> None:
    rnnkit.seed(3)
    t = np.linspace(0, 20, 400)
    wave = np.sin(t).astype(np.float32)
    x = np.stack([wave[i : i + 10] for i in range(380)])[:, :, None]
    y = wave[10:390, None]
    a = Input(shape=(10, 1))
    model = Model(a, Add()([Dense(1)(GRU(8)(a)), Dense(1)(GRU(4)(a))]))  # two branches, summed
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=20, batch_size=32, verbose=0)
    assert model.evaluate(x, y, verbose=0) < 0.1 * float(np.var(y))


def test_a_model_called_on_symbolic_tensors_is_a_layer_of_the_outer_model(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rnnkit.seed(4)
    inner_in = Input(shape=(None, 3))
    encoder = Model(inner_in, LSTM(4)(inner_in), name="encoder")
    head = Sequential([Dense(2)])
    outer_in = Input(shape=(None, 3))
    model = Model(outer_in, head(encoder(outer_in)))
    assert [type(layer).__name__ for layer in model.layers] == ["Input", "Functional", "Sequential"]
    x = torch.randn(2, 5, 3)
    torch.testing.assert_close(model(x), head(encoder(x)))  # the same weights, shared
    model.save(tmp_path / "nested")
    again = load_model(tmp_path / "nested")
    np.testing.assert_allclose(again.predict(x.numpy(), verbose=0), model.predict(x.numpy(), verbose=0), atol=1e-6)
