"""What a Keras user expects of a model and a layer: built by the first call, inference mode outside fit,
``training=`` on any call, and the small conveniences (1-D token ids, ``reset_state``, models without
trainable weights)."""

import numpy as np
import pytest
import torch

from rnnkit.errors import ConfigError
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
