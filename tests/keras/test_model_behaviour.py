"""What a Keras user expects of a model and a layer: built by the first call, inference mode outside fit,
``training=`` on any call, and the small conveniences (1-D token ids, ``reset_state``, models without
trainable weights)."""

import numpy as np
import pytest
import torch

from rnnkit.errors import ConfigError, ShapeError
from rnnkit.keras import layers as L
from rnnkit.layers import LSTM, Dense, Dropout, Embedding, Masking, RepeatVector
from rnnkit.models import Sequential, load_model


def test_the_first_call_builds_the_model_so_it_can_be_saved(tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = Sequential([LSTM(3), Dense(1)])
    x = np.random.rand(2, 4, 2).astype(np.float32)
    y = model(x)
    assert model.built and tuple(y.shape) == (2, 1)
    model.save(tmp_path / "m")
    np.testing.assert_allclose(load_model(tmp_path / "m").predict(x, verbose=0), y.detach().numpy(), atol=1e-6)


def test_outside_fit_a_model_runs_in_inference_mode_unless_told() -> None:
    torch.manual_seed(0)
    model = Sequential([Dense(8, input_shape=(4,)), Dropout(0.5), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x = torch.ones(3, 4)
    assert torch.equal(model(x), model(x))  # no dropout: Keras's default outside fit
    model.fit(np.ones((8, 4), np.float32), np.ones((8, 1), np.float32), epochs=1, verbose=0)
    assert not model.training and torch.equal(model(x), model(x))
    assert not torch.equal(model(x, training=True), model(x, training=True))  # dropout on for these calls
    assert not model.training  # and the model's mode as it was after them


def test_training_argument_on_a_layer_call_sets_the_mode_for_that_call_only() -> None:
    torch.manual_seed(0)
    layer = Dropout(0.5)
    layer.eval()
    x = torch.ones(1000)
    assert torch.equal(layer(x), x)
    dropped = layer(x, training=True)
    assert 0.3 < float((dropped == 0).float().mean()) < 0.7 and not layer.training


def test_small_conveniences() -> None:
    ids = Sequential([Embedding(10, 4), Dense(2)])
    assert ids.predict(np.array([1, 2, 3]), verbose=0).shape == (3, 2)  # (B,) token ids
    stateful = Sequential([LSTM(2, stateful=True, input_shape=(3, 1))])
    stateful.predict(np.ones((1, 3, 1), np.float32), verbose=0)
    assert stateful.layers[0].states is not None
    stateful.reset_state()  # Keras 3's name
    assert stateful.layers[0].states is None
    with pytest.raises(ConfigError, match="positive integer"):
        RepeatVector(2.5)  # type: ignore[arg-type]


def test_a_model_without_trainable_weights_fits_and_changes_nothing() -> None:
    model = Sequential([Masking(input_shape=(3, 2))])
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(np.ones((4, 3, 2), np.float32), np.zeros((4, 3, 2), np.float32), epochs=2, verbose=0)
    assert history.history["loss"] == [1.0, 1.0]


def test_several_outputs_train_on_the_weighted_sum_of_their_losses(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from rnnkit.errors import ShapeError
    from rnnkit.layers import Input
    from rnnkit.models import Model

    torch.manual_seed(0)
    series = Input(shape=(None, 2))
    last = LSTM(6)(series)
    model = Model(series, [Dense(1, name="now")(last), Dense(3, activation="softmax", name="kind")(last)])
    assert model.output_names() == ["now", "kind"]
    model.compile(optimizer="adam", loss={"now": "mse", "kind": "sparse_categorical_crossentropy"},
                  loss_weights=[1.0, 0.5], metrics=["accuracy"])  # fmt: skip
    x = np.random.default_rng(0).random((32, 5, 2)).astype(np.float32)
    amount, kind = x.sum(axis=(1, 2))[:, None], (x[:, 0, 0] * 3).astype(np.int64)
    now_pred, kind_pred = (torch.from_numpy(p) for p in model.predict(x, verbose=0))
    by_hand = float(((now_pred - torch.from_numpy(amount)) ** 2).mean()) + 0.5 * float(
        torch.nn.functional.nll_loss(kind_pred.clamp(1e-7, 1 - 1e-7).log(), torch.from_numpy(kind))
    )
    loss, now_acc, kind_acc = model.evaluate(x, {"now": amount, "kind": kind}, verbose=0)
    assert loss == pytest.approx(by_hand, rel=1e-5)
    assert kind_acc == pytest.approx(float((kind_pred.argmax(-1).numpy() == kind).mean()))
    history = model.fit(x, [amount, kind], epochs=3, verbose=0, validation_split=0.25)
    assert set(history.history) == {"loss", "now_accuracy", "kind_accuracy", "val_loss", "val_now_accuracy", "val_kind_accuracy"}
    model.save(tmp_path / "m")
    again = load_model(tmp_path / "m")
    assert again.evaluate(x, [amount, kind], verbose=0) == pytest.approx(model.evaluate(x, [amount, kind], verbose=0))
    with pytest.raises(ShapeError, match="2 targets"):
        model.fit(x, amount, epochs=1, verbose=0)


def test_a_model_written_the_keras_subclassing_way_builds_trains_and_gets_training() -> None:
    from rnnkit.keras import Model
    from rnnkit.optimizers import Adam

    seen: list[bool] = []

    class Recorder(Dense):
        def call(self, x, mask=None):  # type: ignore[no-untyped-def]
            seen.append(self.training)
            return super().call(x, mask)

    class Forecaster(Model):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = LSTM(8)
            self.drop = Dropout(0.5)
            self.out = Recorder(1)

        def call(self, inputs, training=None):  # type: ignore[no-untyped-def]
            return self.out(self.drop(self.lstm(inputs), training=training))

    torch.manual_seed(0)
    model = Forecaster()
    model.compile(optimizer=Adam(learning_rate=0.01), loss="mse")
    x = np.random.default_rng(1).random((64, 5, 2)).astype(np.float32)
    y = 4 * x.mean(axis=(1, 2))[:, None] - 2
    before = model.evaluate(x, y, verbose=0)
    history = model.fit(x, y, epochs=30, verbose=0)
    assert history.history["loss"][-1] < before / 2 and True in seen
    seen.clear()
    np.testing.assert_allclose(model.predict(x[:3], verbose=0), model(torch.from_numpy(x[:3])).detach().numpy(), atol=1e-6)
    assert seen and not any(seen)  # predict and a direct call run in inference mode
    assert [layer.name for layer in model.layers] == ["lstm", "dropout", "recorder"]
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    assert "lstm (LSTM)" in lines[0] and "?" in lines[0]


def test_a_registered_subclassed_model_saves_and_loads(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from rnnkit.errors import ConfigError
    from rnnkit.keras import Model
    from rnnkit.keras.saving import register_keras_serializable

    @register_keras_serializable(package="Tests")
    class Small(Model):
        def __init__(self, units: int = 4, name: str | None = None) -> None:
            super().__init__(name=name)
            self.units = units
            self.lstm, self.out = LSTM(units), Dense(1)

        def call(self, inputs):  # type: ignore[no-untyped-def]
            return self.out(self.lstm(inputs))

        def get_config(self):  # type: ignore[no-untyped-def]
            return {"units": self.units, "name": self.name}

    class Unsavable(Small):
        def get_config(self):  # type: ignore[no-untyped-def]
            return Model.get_config(self)

    x = np.random.default_rng(2).random((4, 6, 3)).astype(np.float32)
    model = Small(5)
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, np.zeros((4, 1), np.float32), epochs=1, verbose=0)
    model.save(tmp_path / "small")
    again = load_model(tmp_path / "small")
    assert type(again) is Small and again.units == 5
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    other = Unsavable()
    other(x)
    with pytest.raises(ConfigError, match="get_config"):
        other.save(tmp_path / "nope")


@pytest.mark.parametrize(
    "layer, cell, options",
    [("LSTM", "LSTMCell", {}), ("GRU", "GRUCell", {}), ("GRU", "GRUCell", {"reset_after": False}),
     ("SimpleRNN", "SimpleRNNCell", {}), ("LSTM", "LSTMCell", {"use_bias": False})],
)  # fmt: skip
def test_a_layer_and_rnn_of_its_cell_take_each_others_weights(layer: str, cell: str, options: dict) -> None:
    # the Keras guide's cuDNN section: noncudnn_model.set_weights(model.get_weights())
    torch.manual_seed(0)
    x = np.random.default_rng(0).random((3, 5, 4)).astype(np.float32)
    ours = Sequential([getattr(L, layer)(6, input_shape=(None, 4), **options), Dense(2)])
    theirs = Sequential([L.RNN(getattr(L, cell)(6, **options), input_shape=(None, 4)), Dense(2)])
    theirs.build((None, 5, 4))
    assert [w.shape for w in theirs.get_weights()] == [w.shape for w in ours.get_weights()]
    assert not np.allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0))
    theirs.set_weights(ours.get_weights())
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), atol=1e-6)
    with pytest.raises(ShapeError, match="expected Keras shape"):
        theirs.layers[0].set_weights([w.T for w in ours.layers[0].get_weights()])


def test_stacked_cells_give_and_take_every_cells_weights() -> None:
    x = np.random.default_rng(1).random((2, 4, 3)).astype(np.float32)
    stacked = L.RNN([L.LSTMCell(5), L.GRUCell(2)])
    layers = Sequential([L.LSTM(5, return_sequences=True), L.GRU(2)])
    stacked(x), layers(x)
    stacked.set_weights(layers.get_weights())
    np.testing.assert_allclose(stacked(x).detach().numpy(), layers(x).detach().numpy(), atol=1e-6)
    with pytest.raises(ShapeError, match="more than its cells take"):
        stacked.set_weights([*layers.get_weights(), np.zeros(2)])


def test_the_on_batch_methods_train_evaluate_and_predict_one_batch() -> None:
    torch.manual_seed(0)
    model = Sequential([LSTM(4, input_shape=(5, 2)), Dense(1)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    x = np.random.default_rng(0).random((8, 5, 2)).astype(np.float32)
    y = x.sum(axis=(1, 2))[:, None]
    before = model.test_on_batch(x, y)
    loss, mae = model.train_on_batch(x, y)
    assert loss == pytest.approx(before[0], rel=1e-5) and mae == pytest.approx(before[1], rel=1e-5)
    for _ in range(20):
        model.train_on_batch(x, y)
    assert model.test_on_batch(x, y)[0] < before[0]  # the updates happened
    assert not model.training
    np.testing.assert_allclose(model.predict_on_batch(x), model.predict(x, verbose=0), atol=1e-6)


def test_summary_of_an_unbuilt_model_shows_unbuilt_layers_as_keras_3_does() -> None:
    lines: list[str] = []
    Sequential([Embedding(1000, 64), LSTM(128), Dense(10)]).summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert text.count("│ ?") == 3 and text.count("0 (unbuilt)") == 3 and "Total params: 0 (0.00 B)" in text
    lines.clear()
    Sequential([LSTM(64, input_shape=(5, 10)), Dense(10)]).summary(print_fn=lines.append)  # built from it
    text = "\n".join(lines)
    assert "(None, 64)" in text and "19,200" in text and "unbuilt" not in text
