"""The Keras guide "Working with RNNs", cell by cell, with its imports pointed at rnnkit (MNIST replaced
by random digits, sizes cut): each cell runs, and where the guide shows numbers (parameter counts in its
summaries) they are Keras's."""

import numpy as np

from rnnkit import keras
from rnnkit.keras import layers


def _summary(model) -> str:  # type: ignore[no-untyped-def]
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    return "\n".join(lines)


def test_the_built_in_layers_cells() -> None:
    model = keras.Sequential()
    model.add(layers.Embedding(input_dim=1000, output_dim=64))
    model.add(layers.LSTM(128))
    model.add(layers.Dense(10))
    assert _summary(model).count("0 (unbuilt)") == 3  # Keras 3 prints the unbuilt model so
    model.build((None, 7))
    assert model.count_params() == 64_000 + 98_816 + 1_290  # Keras's counts in the guide's output


def test_outputs_and_states_cell() -> None:
    encoder_input = layers.Input(shape=(None,))
    encoder_embedded = layers.Embedding(input_dim=1000, output_dim=64)(encoder_input)
    output, state_h, state_c = layers.LSTM(64, return_state=True, name="encoder")(encoder_embedded)
    decoder_input = layers.Input(shape=(None,))
    decoder_embedded = layers.Embedding(input_dim=2000, output_dim=64)(decoder_input)
    decoder_output = layers.LSTM(64, name="decoder")(decoder_embedded, initial_state=[state_h, state_c])
    model = keras.Model([encoder_input, decoder_input], layers.Dense(10)(decoder_output))
    assert "Total params: 258,698" in _summary(model)  # the guide's number


def test_cross_batch_statefulness_and_state_reuse_cells() -> None:
    paragraphs = [np.random.random((20, 10, 50)).astype(np.float32) for _ in range(3)]
    lstm_layer = layers.LSTM(64, stateful=True)
    lstm_layer(paragraphs[0])
    second = lstm_layer(paragraphs[1])
    existing_state = lstm_layer.states
    new_lstm_layer = layers.LSTM(64)
    new_lstm_layer(paragraphs[2])
    new_lstm_layer.set_weights(lstm_layer.get_weights())
    resumed = new_lstm_layer(paragraphs[2], initial_state=existing_state)
    np.testing.assert_allclose(resumed.detach().numpy(), lstm_layer(paragraphs[2]).detach().numpy(), atol=1e-6)
    lstm_layer.reset_states()
    assert not np.allclose(lstm_layer(paragraphs[1]).detach().numpy(), second.detach().numpy())


def test_bidirectional_cell() -> None:
    model = keras.Sequential()
    model.add(layers.Bidirectional(layers.LSTM(64, return_sequences=True), input_shape=(5, 10)))
    model.add(layers.Bidirectional(layers.LSTM(32)))
    model.add(layers.Dense(10))
    text = _summary(model)
    assert "(None, 5, 128)" in text and "38,400" in text and "41,216" in text and "Total params: 80,266" in text


def test_the_cudnn_cells_train_and_share_weights_between_lstm_and_rnn_of_its_cell() -> None:
    def build_model(allow_cudnn_kernel: bool = True):  # type: ignore[no-untyped-def]
        if allow_cudnn_kernel:
            lstm_layer = keras.layers.LSTM(16, input_shape=(None, 28))
        else:
            lstm_layer = keras.layers.RNN(keras.layers.LSTMCell(16), input_shape=(None, 28))
        return keras.models.Sequential([lstm_layer, keras.layers.BatchNormalization(), keras.layers.Dense(10)])

    rng = np.random.default_rng(0)
    x_train, y_train = rng.integers(0, 256, (128, 28, 28)) / 255.0, rng.integers(0, 10, 128)
    model = build_model(allow_cudnn_kernel=True)
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), optimizer="sgd",
                  metrics=["accuracy"])  # fmt: skip
    model.fit(x_train, y_train, validation_data=(x_train[:32], y_train[:32]), batch_size=64, epochs=1, verbose=0)
    noncudnn_model = build_model(allow_cudnn_kernel=False)
    noncudnn_model.set_weights(model.get_weights())
    np.testing.assert_allclose(noncudnn_model.predict(x_train, verbose=0), model.predict(x_train, verbose=0), atol=1e-5)
    cpu_model = build_model(allow_cudnn_kernel=True)
    cpu_model.set_weights(model.get_weights())
    result = np.argmax(cpu_model.predict_on_batch(np.expand_dims(x_train[0], 0)), axis=1)
    assert result.tolist() == [int(model.predict(x_train[:1], verbose=0).argmax())]
