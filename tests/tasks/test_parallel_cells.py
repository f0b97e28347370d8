"""The parallel cells (MinGRU, MinLSTM, LRU) wherever the tasks and shape builders take ``cell=``."""

import numpy as np
import pytest

import rnnkit
from rnnkit.errors import ConfigError
from rnnkit.layers import LRU, MinGRU, MinLSTM
from rnnkit.models.shapes import many_to_many, many_to_one
from rnnkit.tasks.classification import SequenceClassifier
from rnnkit.tasks.forecasting import Forecaster
from rnnkit.tasks.generation import TextGenerator


def test_shape_builders_take_the_parallel_cells() -> None:
    assert isinstance(many_to_one((10, 1), units=8, outputs=1, cell="mingru").layers[0], MinGRU)
    assert isinstance(many_to_many((None, 3), units=8, outputs=2, cell="minlstm").layers[0], MinLSTM)
    assert isinstance(many_to_one((10, 1), units=8, outputs=1, cell="lru").layers[0], LRU)


def test_a_forecaster_of_mingru_trains_alone_and_refuses_an_ensemble() -> None:
    rnnkit.seed(0)
    series = 10 + np.sin(np.arange(80) / 3.0)
    model = Forecaster(cell="mingru", lookback=12, horizon=3, units=8, epochs=20).fit(series)
    assert model.config.members == 1 and isinstance(model.model.layers[0], MinGRU)  # type: ignore[union-attr]
    assert model.predict().shape == (3,)
    with pytest.raises(ConfigError, match="use ensemble=1"):
        Forecaster(cell="minlstm", ensemble=2)


def test_a_classifier_and_a_text_generator_of_parallel_cells_learn_the_obvious() -> None:
    rnnkit.seed(1)
    texts, labels = ["good fun", "bad film", "great movie", "awful boring"] * 10, [1, 0, 1, 0] * 10
    clf = SequenceClassifier(cell="mingru", units=16)
    clf.fit(texts, labels, epochs=5, echo=None)
    assert list(clf.predict(["good movie", "awful film"])) == [1, 0]
    gen = TextGenerator(cell="minlstm", units=32, layers=1, batch=4, bptt=20)
    gen.fit("hello world " * 200, epochs=2, echo=None)
    assert gen.generate("hel", length=8, temperature=0.1) == "hello world"


def test_lru_in_a_forecaster_a_classifier_and_a_text_generator() -> None:
    rnnkit.seed(2)
    series = 10 + np.sin(np.arange(120) / 3.0)
    model = Forecaster(cell="lru", lookback=12, horizon=3, units=8, epochs=30).fit(series[:-3])
    assert isinstance(model.model.layers[0], LRU)  # type: ignore[union-attr]
    naive = np.abs(series[-4] - series[-3:]).mean()  # the last value carried forward
    assert np.abs(model.predict() - series[-3:]).mean() < naive
    texts, labels = ["good fun", "bad film", "great movie", "awful boring"] * 10, [1, 0, 1, 0] * 10
    clf = SequenceClassifier(cell="lru", units=16)
    clf.fit(texts, labels, epochs=5, echo=None)
    assert list(clf.predict(["good movie", "awful film"])) == [1, 0]
    gen = TextGenerator(cell="lru", units=32, layers=1, batch=4, bptt=20)
    gen.fit("hello world " * 200, epochs=2, echo=None)
    assert gen.generate("hel", length=8, temperature=0.1) == "hello world"
