"""The parallel cells (MinGRU, MinLSTM, LRU) wherever the tasks and shape builders take ``cell=``."""

import numpy as np
import pytest

import rnnkit
from rnnkit.datasets.dates import date_pairs
from rnnkit.errors import ConfigError
from rnnkit.layers import LRU, MinGRU, MinLSTM
from rnnkit.models.shapes import many_to_many, many_to_one
from rnnkit.tasks.classification import SequenceClassifier
from rnnkit.tasks.forecasting import Forecaster
from rnnkit.tasks.generation import TextGenerator
from rnnkit.tasks.transcription import Transcriber
from rnnkit.tasks.translation import Translator
from tests.tasks.test_transcription import tone_utterances


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


@pytest.mark.parametrize("cell", ["minlstm", "lru"])
def test_a_translator_of_parallel_cells_learns_dates_and_reloads(cell: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    sources, targets = date_pairs(2300, seed=5)
    translator = Translator(units=48, target_tokens="char", dropout=0.0, batch_size=32, beam_width=1, cell=cell,
                            attention_style="luong")  # fmt: skip
    translator.fit(sources[:2000], targets[:2000], epochs=4, seed=0)
    decoder_cell = translator.model.decoder.cell  # type: ignore[union-attr]
    assert type(decoder_cell).__name__ == {"minlstm": "MinLSTMCell", "lru": "LRUCell"}[cell]
    scores = translator.evaluate(sources[2000:], targets[2000:])
    # untrained (0 epochs) the MinLSTM translator scores chrF 2.1; after 4 epochs 14.7 (MinLSTM), 46.0 (LRU)
    assert scores["chrf"] > 10.0, scores
    translator.save(tmp_path / "t")
    assert Translator.load(tmp_path / "t").translate(sources[2000:2010]) == translator.translate(sources[2000:2010])


def test_a_transcriber_of_mingru_layers_trains_and_keeps_padding_harmless() -> None:
    rnnkit.seed(0)
    transcriber = Transcriber(units=24, layers=1, batch_size=16, learning_rate=5e-3, cell="mingru")
    transcriber.fit(tone_utterances(120, seed=0), epochs=3)
    layers = transcriber.model.layers  # type: ignore[union-attr]
    assert any(isinstance(getattr(layer, "forward_layer", None), MinGRU) for layer in layers)
    scores = transcriber.evaluate(tone_utterances(30, seed=1))
    assert scores["cer"] < scores["baseline_cer"]
