"""``rnnkit.keras``: Keras programs' names on rnnkit, and dataset inputs to fit, evaluate and predict."""

import numpy as np
import pytest
import torch

from rnnkit import keras
from rnnkit.errors import DataError


def test_the_namespace_has_what_keras_programs_import() -> None:
    assert keras.layers.InputLayer is keras.Input and keras.models.Model is keras.Model
    inputs = keras.Input(shape=(None, 3))
    assert isinstance(inputs.keras_tensor, keras.KerasTensor)
    model = keras.Model(inputs=inputs, outputs=keras.layers.Dense(2)(keras.layers.GRU(4)(inputs)))
    assert isinstance(model, keras.models.Functional)
    assert keras.utils.to_categorical([1, 0, 3]).tolist()[2] == [0.0, 0.0, 0.0, 1.0]
    assert keras.utils.pad_sequences([[1, 2], [3]], maxlen=3).tolist() == [[0, 1, 2], [0, 0, 3]]


class _Windows(keras.utils.PyDataset):
    """Batches by index, shuffled at every epoch's end (as a Keras PyDataset does)."""

    def __init__(self, x: np.ndarray, y: np.ndarray, batch: int) -> None:
        super().__init__()
        self.x, self.y, self.batch, self.epochs = x, y, batch, 0

    def __len__(self) -> int:
        return -(-len(self.x) // self.batch)

    def __getitem__(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        part = slice(i * self.batch, (i + 1) * self.batch)
        return self.x[part], self.y[part]

    def on_epoch_end(self) -> None:
        self.epochs += 1


def _model() -> keras.Model:
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(6, 1))
    model = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.LSTM(8)(inputs)))
    model.compile(optimizer="adam", loss="mse")
    return model


def test_fit_evaluate_and_predict_read_a_py_dataset_as_they_read_the_arrays() -> None:
    x = np.random.default_rng(0).normal(size=(40, 6, 1)).astype(np.float32)
    y = x.sum(axis=1)
    from_arrays, from_dataset = _model(), _model()
    from_arrays.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    data = _Windows(x, y, 16)
    from_dataset.fit(data, epochs=3, verbose=0)
    assert data.epochs == 3
    for a, b in zip(from_arrays.get_weights(), from_dataset.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)
    assert from_dataset.evaluate(data, verbose=0) == pytest.approx(from_arrays.evaluate(x, y, verbose=0), rel=1e-5)
    np.testing.assert_allclose(from_dataset.predict(data, verbose=0), from_arrays.predict(x, verbose=0), atol=1e-6)


def test_a_dataloader_and_a_timeseries_dataset_train_a_model() -> None:
    x, y = torch.randn(32, 6, 1), torch.randn(32, 1)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=8)
    model = _model()
    assert len(model.fit(loader, epochs=2, verbose=0).history["loss"]) == 2
    series = np.sin(np.arange(200) / 4.0).astype(np.float32)[:, None]
    windows = keras.utils.timeseries_dataset_from_array(series[:-6], series[6:, 0], sequence_length=6, batch_size=32)
    before = model.evaluate(windows, verbose=0)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse")
    model.fit(windows, epochs=30, verbose=0)
    assert model.evaluate(windows, verbose=0) < before / 4
    assert model.predict(windows, verbose=0).shape == (len(series) - 11, 1)
    (first_x, first_y), *_ = windows.take(1)  # tf.data's idiom in Keras's weather example
    assert first_x.numpy().shape == (32, 6, 1) and len(windows.take(2)) == 2 and len(windows.take(-1)) == len(windows)
    torch.testing.assert_close(first_y, torch.from_numpy(series[6:38, 0]))


def test_a_batch_that_is_not_a_pair_is_refused_with_its_number() -> None:
    model = _model()
    with pytest.raises(DataError, match="batch 0 has three parts"):
        model.fit(_Triples(), epochs=1, verbose=0)


class _Triples(keras.utils.PyDataset):
    def __len__(self) -> int:
        return 1

    def __getitem__(self, i: int) -> tuple[np.ndarray, ...]:
        return np.zeros((2, 6, 1)), np.zeros((2, 1)), np.ones(2)


def test_binary_crossentropy_and_accuracy_take_integer_labels() -> None:
    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(inputs))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    x = np.random.default_rng(0).random((20, 3)).astype(np.float32)
    labels = (x[:, 0] > 0.5).astype(np.int64)
    loss_int, acc_int = model.evaluate(x, labels, verbose=0)
    loss_float, acc_float = model.evaluate(x, labels.astype(np.float32), verbose=0)
    assert loss_int == pytest.approx(loss_float) and acc_int == pytest.approx(acc_float)


def test_timeseries_generator_batches_as_keras_documents_and_trains_a_model() -> None:
    gen = keras.utils.TimeseriesGenerator(np.arange(20), np.arange(20) * 10, length=4, sampling_rate=2, stride=3,
                                          batch_size=2, reverse=True)  # fmt: skip
    x, y = gen[0]
    assert x.tolist() == [[2, 0], [5, 3]] and y.tolist() == [40, 70]  # steps j-4, j-2 before j = 4, 7; reversed
    assert len(gen) == 3  # j = 4, 7, 10, 13, 16, 19 in batches of 2
    series = np.sin(np.arange(300) / 5.0).astype(np.float32)[:, None]
    model = _model()
    windows = keras.utils.TimeseriesGenerator(series, series[:, 0], length=6, batch_size=32)
    before = model.evaluate(windows, verbose=0)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse")
    model.fit(windows, epochs=10, verbose=0)
    assert model.evaluate(windows, verbose=0) < before / 4


def test_time_distributed_checks_its_mask_and_hands_each_step_its_part() -> None:
    from rnnkit.errors import ShapeError
    from rnnkit.layers import CTCOutput, TimeDistributed

    layer = TimeDistributed(CTCOutput())
    x = torch.zeros(2, 3, 4)
    mask = torch.tensor([[True, True, False], [True, False, False]])
    out = layer(x, mask=mask)
    assert bool((out[~mask].argmax(-1) == 0).all())  # padded steps emit the blank: the mask reached each step
    with pytest.raises(ShapeError, match="mask of shape"):
        layer(x, mask=torch.ones(2, 4, dtype=torch.bool))
