"""Sequential + compile/fit/evaluate/predict/summary, as the Keras tutorial uses them."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import rnnkit
from rnnkit.data.synthetic import periodic_series_windows
from rnnkit.layers import GRU, LSTM, Bidirectional, Dense, Embedding, Input, MinGRU, SimpleRNN
from rnnkit.models import Sequential, load_model
from rnnkit.optimizers import Adam


def _tutorial_model() -> Sequential:
    model = Sequential()
    model.add(SimpleRNN(32, input_shape=(10, 1), activation="relu"))
    model.add(Dense(1))
    model.compile(optimizer="adam", loss="mse")
    return model


def test_tutorial_model_summary_matches_keras(capsys: pytest.CaptureFixture[str]) -> None:
    _tutorial_model().summary()
    out = capsys.readouterr().out
    assert "simple_rnn (SimpleRNN)" in out and "(None, 32)" in out and "1,088" in out
    assert "dense (Dense)" in out and "(None, 1)" in out and "33" in out
    assert "Total params: 1,121 (4.38 KB)" in out


def test_summary_keeps_an_unknown_length_unknown(capsys: pytest.CaptureFixture[str]) -> None:
    """As Keras prints it: a layer over a sequence of any length outputs (None, None, units)."""
    model = Sequential([LSTM(8, return_sequences=True, input_shape=(None, 3)), Dense(2)])
    model.summary()
    out = capsys.readouterr().out
    assert "(None, None, 8)" in out and "(None, None, 2)" in out
    fixed = Sequential([LSTM(8, return_sequences=True, input_shape=(12, 3)), Dense(2)])
    fixed.summary()
    assert "(None, 12, 8)" in capsys.readouterr().out


def test_fit_beats_the_mean_baseline_on_a_learnable_series() -> None:
    x, y = periodic_series_windows(400, 10, seed=1)
    model = _tutorial_model()
    history = model.fit(x[:320], y[:320], epochs=15, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    test_mse = model.evaluate(x[320:], y[320:], verbose=0)
    baseline = float(np.mean((y[320:] - y[:320].mean()) ** 2))
    assert isinstance(test_mse, float)
    assert test_mse < baseline / 5


def test_evaluate_returns_list_with_metrics_and_predict_returns_numpy() -> None:
    x, y = periodic_series_windows(64, 10)
    model = Sequential([Input((10, 1)), GRU(4), Dense(1)])
    model.compile(optimizer="rmsprop", loss="mae", metrics=["mse"])
    loss, mse = model.evaluate(x, y, verbose=0)
    pred = model.predict(x, verbose=0)
    assert isinstance(pred, np.ndarray) and pred.shape == (64, 1)
    assert mse == pytest.approx(float(np.mean((pred - y) ** 2)), rel=1e-5)
    assert loss == pytest.approx(float(np.mean(np.abs(pred - y))), rel=1e-5)
    torch.testing.assert_close(
        torch.from_numpy(model.predict(torch.from_numpy(x).float(), verbose=0)), torch.from_numpy(pred)
    )


def test_input_shape_inferred_from_first_batch() -> None:
    model = Sequential([LSTM(4), Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x = np.random.rand(20, 6, 3)
    y = (x[:, :, 0].mean(1) > 0.5).astype(int)
    history = model.fit(x, y, epochs=2, verbose=0)
    assert set(history.history) == {"loss", "accuracy"}
    assert model.count_params() == 4 * (4 * 3 + 16 + 4) + 10


def test_same_seed_same_weights_same_losses() -> None:
    x, y = periodic_series_windows(96, 10)

    def run() -> tuple[list[np.ndarray], list[float]]:
        rnnkit.seed(7)
        model = _tutorial_model()
        weights = model.get_weights()
        return weights, model.fit(x, y, epochs=3, verbose=0).history["loss"]

    (w1, l1), (w2, l2) = run(), run()
    for a, b in zip(w1, w2):
        np.testing.assert_array_equal(a, b)
    assert l1 == l2


def test_validation_split_holds_out_the_last_samples() -> None:
    x, y = periodic_series_windows(100, 10)
    model = _tutorial_model()
    history = model.fit(x, y, epochs=2, validation_split=0.2, verbose=0)
    assert len(history.history["val_loss"]) == 2
    assert history.history["val_loss"][-1] == pytest.approx(model.evaluate(x[80:], y[80:], verbose=0), rel=1e-6)


def test_model_weights_round_trip_in_keras_order() -> None:
    model = Sequential([Input((5, 2)), Bidirectional(LSTM(3, return_sequences=True)), GRU(2), Dense(1)])
    weights = model.get_weights()
    assert [w.shape for w in weights] == [
        (2, 12),
        (3, 12),
        (12,),
        (2, 12),
        (3, 12),
        (12,),
        (6, 6),
        (2, 6),
        (2, 6),
        (2, 1),
        (1,),
    ]
    other = Sequential([Input((5, 2)), Bidirectional(LSTM(3, return_sequences=True)), GRU(2), Dense(1)])
    other.set_weights(weights)
    x = np.random.rand(3, 5, 2)
    np.testing.assert_allclose(other.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


def test_get_weights_gives_copies_as_keras_does() -> None:
    """Weights handed to another framework must not follow later training: JAX on CPU keeps a NumPy array
    it is given without copying, so Keras (JAX backend) once trained from weights rnnkit's fit was still
    changing."""
    model = Sequential(
        [Input((6, 2)), SimpleRNN(4, return_sequences=True), MinGRU(3, return_sequences=True), LSTM(3), Dense(1)]
    )
    model.compile(optimizer="adam", loss="mse")
    taken = model.get_weights()
    kept = [w.copy() for w in taken]
    x, y = np.random.rand(16, 6, 2), np.random.rand(16, 1)
    before = model.predict(x, verbose=0)
    for w in taken:
        w += 1.0  # changing the arrays leaves the model alone
    np.testing.assert_array_equal(model.predict(x, verbose=0), before)
    for w, k in zip(taken, kept):
        w[...] = k
    model.fit(x, y, epochs=2, verbose=0)  # training leaves the arrays alone
    for w, k in zip(taken, kept):
        np.testing.assert_array_equal(w, k)
    assert any(not np.allclose(w, k) for w, k in zip(model.get_weights(), kept))


def test_masked_text_model_trains_and_ignores_padding() -> None:
    model = Sequential([Embedding(20, 8, mask_zero=True), LSTM(8), Dense(1, activation="sigmoid")])
    model.compile(optimizer=Adam(learning_rate=0.01), loss="binary_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    ids = rng.integers(1, 20, size=(64, 7))
    ids[::2, 4:] = 0
    labels = (ids[:, 0] > 10).astype(np.float32)
    model.fit(ids, labels, epochs=30, batch_size=16, verbose=0)
    loss, acc = model.evaluate(ids, labels, verbose=0)
    assert acc > 0.9
    np.testing.assert_allclose(model.predict(ids[:1], verbose=0), model.predict(ids[:1, :4], verbose=0), atol=1e-6)


def test_progress_lines_look_like_keras(capsys: pytest.CaptureFixture[str]) -> None:
    x, y = periodic_series_windows(64, 10)
    model = _tutorial_model()
    model.fit(x, y, epochs=2, batch_size=32, verbose=1)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2"
    assert lines[1].startswith("2/2 ━━━━━━━━━━━━━━━━━━━━ ") and "/step - loss: " in lines[1]
    model.fit(x, y, epochs=1, verbose=2)
    assert " - loss: " in capsys.readouterr().out
    model.fit(x, y, epochs=1, verbose=0)
    assert capsys.readouterr().out == ""


def test_build_after_compile_gives_the_optimizer_the_weights() -> None:
    model = Sequential([LSTM(4), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.build((None, None, 2))
    before = [w.copy() for w in model.get_weights()]
    model.fit(np.random.rand(16, 5, 2), np.random.rand(16, 1), epochs=1, verbose=0)
    assert all(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


@pytest.mark.parametrize("when", ["before build", "after build"])
def test_a_frozen_layer_keeps_its_weights_through_fit_save_and_load(when: str, tmp_path) -> None:
    x, y = periodic_series_windows(96, 10)
    rnnkit.seed(0)
    encoder = Bidirectional(GRU(4, return_sequences=True), input_shape=(10, 1))
    model = Sequential([encoder, LSTM(3), Dense(1)])
    if when == "after build":
        model.build((None, 10, 1))
    encoder.trainable = False  # Keras's flag, for the wrapper and the layers inside it
    model.compile(optimizer="adam", loss="mse")
    before = [w.copy() for w in model.get_weights()]  # copies: some arrays share the weights' memory
    model.fit(x, y, epochs=2, batch_size=32, verbose=0)
    after = model.get_weights()
    frozen = len(encoder.get_weights())  # both directions' GRU weights
    assert frozen == 6 and all(np.array_equal(a, b) for a, b in zip(before[:frozen], after[:frozen]))
    assert not any(np.array_equal(a, b) for a, b in zip(before[frozen:], after[frozen:]))  # the rest trained
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    frozen_count = sum(p.numel() for p in encoder.parameters())
    assert any(f"Non-trainable params: {frozen_count:,}" in line for line in lines)
    model.save(tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    assert not loaded.layers[0].trainable and loaded.layers[1].trainable
    assert [p.requires_grad for p in loaded.parameters()] == [p.requires_grad for p in model.parameters()]


def test_a_layer_unfrozen_trains_from_the_next_compile() -> None:
    x, y = periodic_series_windows(64, 10)
    head = Dense(1)
    model = Sequential([SimpleRNN(4, input_shape=(10, 1)), head])
    head.trainable = False
    model.compile(optimizer="adam", loss="mse")
    model.build((None, 10, 1))
    start = [w.copy() for w in head.get_weights()]
    model.fit(x, y, epochs=1, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(start, head.get_weights()))
    head.trainable = True
    model.compile(optimizer="adam", loss="mse")
    before = [w.copy() for w in head.get_weights()]
    model.fit(x, y, epochs=1, verbose=0)
    assert not any(np.array_equal(a, b) for a, b in zip(before, head.get_weights()))


def test_a_layer_entry_with_a_trainable_flag_that_is_not_a_boolean_is_refused() -> None:
    from rnnkit.errors import ModelFileError
    from rnnkit.layers.serialization import deserialize

    assert not deserialize({"class_name": "Dense", "config": {"units": 2, "trainable": False}}).trainable
    with pytest.raises(ModelFileError, match="'trainable' must be true or false"):
        deserialize({"class_name": "Dense", "config": {"units": 2, "trainable": "no"}})


def test_integer_arrays_are_numbers_where_no_layer_reads_ids() -> None:
    """A fresh fuzz draw found int8 input raising a raw dtype error in the first matmul (Keras casts)."""
    torch.manual_seed(0)
    model = Sequential([SimpleRNN(3), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x = np.array([[[0, 1], [2, -1]], [[1, 1], [0, 3]]], dtype=np.int8)
    np.testing.assert_allclose(model.predict(x, verbose=0), model.predict(x.astype(np.float32), verbose=0))
    model.fit(x, np.zeros((2, 1)), epochs=1, verbose=0)
    assert np.isfinite(model.evaluate(x, np.zeros((2, 1)), verbose=0))


class _Source:
    """A batch source as Keras's ``PyDataset`` is one: a length and batches by index."""

    def __init__(self, batches: list) -> None:
        self.batches = batches

    def __len__(self) -> int:
        return len(self.batches)

    def __getitem__(self, i: int) -> object:
        return self.batches[i]


def test_integer_batches_from_a_source_are_numbers_and_integer_targets_stay_labels() -> None:
    """The batch-source path (a generator, PyDataset or DataLoader) reads integers as the array path does:
    numbers for a model without an Embedding, ids for one with it; integer targets stay class labels."""
    torch.manual_seed(0)
    x = np.array([[[0, 1], [2, -1]], [[1, 1], [0, 3]]], dtype=np.int8)
    labels = np.array([0, 1])
    model = Sequential([SimpleRNN(3), Dense(2)])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    as_array = model.predict(x.astype(np.float32), verbose=0)
    np.testing.assert_allclose(model.predict(_Source([x]), verbose=0), as_array)
    np.testing.assert_allclose(model.predict(_Source([torch.from_numpy(x)]), verbose=0), as_array)
    assert np.isfinite(model.fit(_Source([(x, labels)]), epochs=1, verbose=0).history["loss"][0])
    assert np.isfinite(model.evaluate(_Source([(torch.from_numpy(x), torch.from_numpy(labels))]), verbose=0))

    ids = np.array([[1, 2, 3], [3, 2, 0]], dtype=np.int64)
    text = Sequential([Embedding(4, 2, mask_zero=True), SimpleRNN(3), Dense(2)])
    text.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    np.testing.assert_allclose(text.predict(_Source([ids]), verbose=0), text.predict(ids, verbose=0))
    assert np.isfinite(text.fit(_Source([(ids, labels)]), epochs=1, verbose=0).history["loss"][0])
