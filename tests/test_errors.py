"""Bad input gets an rnnkit error naming what was expected and what was given."""

from __future__ import annotations

import numpy as np
import pytest

from rnnkit.errors import ConfigError, DataError, NotBuiltError, NotCompiledError, ShapeError, UnknownNameError
from rnnkit.layers import Dense, SimpleRNN
from rnnkit.models import Sequential


def _model(compiled: bool = True) -> Sequential:
    model = Sequential([SimpleRNN(4, input_shape=(10, 1)), Dense(1)])
    if compiled:
        model.compile(optimizer="adam", loss="mse")
    return model


X, Y = np.random.rand(8, 10, 1), np.random.rand(8, 1)


@pytest.mark.parametrize(
    "x,y,error,message",
    [
        (np.random.rand(8, 10), Y, ShapeError, r"per-sample shape \(10,\); the model expects \('time', 1\)"),
        (np.random.rand(8, 10, 3), Y, ShapeError, r"expects \('time', 1\)"),
        (np.full((8, 10, 1), np.nan), Y, DataError, "80 NaN or infinite"),
        (X, np.array([[np.inf]] * 8), DataError, "y contains 8 NaN or infinite"),
        (X, Y[:5], ShapeError, "same number of samples, got 8 and 5"),
        (np.zeros((0, 10, 1)), np.zeros((0, 1)), DataError, "x is empty"),
        (np.array([["a"] * 10] * 8), Y, DataError, "must be numeric"),
        (np.random.rand(8), Y, ShapeError, "at least 2 dimensions"),
    ],
)
def test_fit_rejects_bad_arrays(x, y, error, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=message):
        _model().fit(x, y, verbose=0)


def test_errors_are_also_builtin_exceptions() -> None:
    with pytest.raises(ValueError):
        _model().fit(X, Y[:3], verbose=0)


def test_fit_before_compile() -> None:
    with pytest.raises(NotCompiledError, match=r"compile\(optimizer=..., loss=...\) before fit"):
        _model(compiled=False).fit(X, Y)


def test_unknown_names_list_the_known_ones() -> None:
    with pytest.raises(UnknownNameError, match="unknown optimizer 'adamm'; expected one of: adam, adamw"):
        _model(compiled=False).compile(optimizer="adamm", loss="mse")
    with pytest.raises(UnknownNameError, match="unknown loss 'msee'"):
        _model(compiled=False).compile(optimizer="adam", loss="msee")
    with pytest.raises(UnknownNameError, match="unknown activation 'relu6x'.*tanh"):
        SimpleRNN(3, activation="relu6x")(np.zeros((1, 2, 1)))
    with pytest.raises(UnknownNameError, match="unknown metric"):
        _model(compiled=False).compile(optimizer="adam", loss="mse", metrics=["f1score"])


def test_an_unbuilt_model_says_so_and_how_to_build_it(capsys: pytest.CaptureFixture[str]) -> None:
    model = Sequential([SimpleRNN(3), Dense(1)])
    model.summary()  # as Keras 3: the table, with the layers unbuilt
    assert capsys.readouterr().out.count("0 (unbuilt)") == 2
    with pytest.raises(NotBuiltError, match="input_shape"):
        model.get_weights()


def test_bad_fit_arguments() -> None:
    with pytest.raises(ConfigError, match="validation_split"):
        _model().fit(X, Y, validation_split=1.5, verbose=0)
    with pytest.raises(ConfigError, match="batch_size"):
        _model().fit(X, Y, batch_size=0, verbose=0)
    with pytest.raises(ConfigError, match="verbose"):
        _model().fit(X, Y, verbose=3)
