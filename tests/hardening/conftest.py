"""Tiny trained models of every kind, saved once per session, for the fuzz tests to damage copies of."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

import rnnkit
from rnnkit.datasets.dates import date_pairs
from rnnkit.layers import Dense, SimpleRNN
from rnnkit.models import Sequential, load_model
from rnnkit.tasks.classification import SequenceClassifier
from rnnkit.tasks.forecast_local import LocalForecasters
from rnnkit.tasks.forecasting import Forecaster
from rnnkit.tasks.generation import TextGenerator
from rnnkit.tasks.transcription import Transcriber
from rnnkit.tasks.translation import Translator
from tests.tasks.test_transcription import tone_utterances

# every fuzz test: reproducible in CI (derandomized), no example database written into the repository
FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
#: and beside that fixed corpus, new cases every run, drawn from ``FUZZ_SEED`` (tests/conftest.py prints it
#: after the run; ``RNNKIT_FUZZ_SEED=<seed> make test`` replays a run)
FRESH = settings(FUZZ, derandomize=False)


class Hang(AssertionError):
    """A fuzzed call ran past its time limit."""


@contextlib.contextmanager
def no_hang(seconds: float = 20.0) -> Iterator[None]:
    """Fail with ``Hang`` if the block runs longer than ``seconds`` (a real timer signal, main thread)."""

    def expire(signum: int, frame: Any) -> None:
        raise Hang(f"still running after {seconds} s: a hang")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _series() -> np.ndarray:
    t = np.arange(80.0)
    return 10 + t + np.sin(t)


def _save_all(root: Path) -> dict[str, Path]:
    rnnkit.seed(0)
    s = _series()
    folders = {k: root / k for k in ("forecast", "local", "text", "classify", "translate", "transcribe", "sequential")}
    Forecaster(lookback=8, horizon=2, epochs=2, units=8).fit(s).save(folders["forecast"])
    LocalForecasters(lookback=8, horizon=2, epochs=2, units=8).fit({"a": s, "b": 2 * s}).save(folders["local"])
    text = TextGenerator(units=8, layers=1, embedding=4, batch=4, bptt=10)
    text.fit("hello world. " * 40, epochs=1, echo=None)
    text.save(folders["text"])
    classifier = SequenceClassifier(units=8)
    classifier.fit(["good movie", "bad film", "good good", "bad bad"] * 5, ["pos", "neg", "pos", "neg"] * 5, epochs=1)
    classifier.save(folders["classify"])
    sources, targets = date_pairs(64, seed=0)
    translator = Translator(units=8, target_tokens="char", batch_size=16, beam_width=1)
    translator.fit(sources, targets, epochs=1)
    translator.save(folders["translate"])
    transcriber = Transcriber(units=8, layers=1, batch_size=8)
    transcriber.fit(tone_utterances(16, 0), epochs=1)
    transcriber.save(folders["transcribe"])
    model = Sequential([SimpleRNN(4, input_shape=(5, 1)), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.random.default_rng(0).random((16, 5, 1)), np.zeros((16, 1)), epochs=1, verbose=0)
    model.save(folders["sequential"])
    return folders


@pytest.fixture(scope="session")
def saved_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Folders of one tiny model per task, and a plain Sequential one."""
    return _save_all(tmp_path_factory.mktemp("saved"))


def _uses() -> dict[str, Callable[[Path], Any]]:
    """How each kind of folder is loaded and used: what a fuzzed folder must survive or be refused by."""
    utterances = tone_utterances(2, 1)
    return {
        "forecast": lambda p: Forecaster.load(p).predict(),
        "local": lambda p: LocalForecasters.load(p).predict(),
        "text": lambda p: TextGenerator.load(p).generate("hel", 5, seed=1),
        "classify": lambda p: SequenceClassifier.load(p).predict(["good film"]),
        "translate": lambda p: Translator.load(p).translate(["march 3, 2001"]),
        "transcribe": lambda p: Transcriber.load(p).transcribe(utterances),
        "sequential": lambda p: load_model(p).predict(np.ones((2, 5, 1)), verbose=0),
    }


@pytest.fixture(scope="session")
def uses() -> dict[str, Callable[[Path], Any]]:
    return _uses()
