"""Bad options, fuzzed: any value of any type for any field of each task's settings (the forecaster,
the classifier, the text generator, the translator and the transcriber), then a one-epoch fit on tiny
data and a prediction. The constructor refuses what it cannot use with an ``rnnkit.errors`` exception;
what it takes must train and predict, or be refused by ``fit`` with one. A torch or Python exception
from deep inside a fit (a dropout of 5, a pattern that is not a regular expression) fails the test.

Big integers (> 64) are checked by the constructor only: a model of 16 million units is a valid
request that no test machine can fit. As in ``test_fuzz_inputs``, each case runs on the fixed corpus
and on fresh draws from the run's printed seed."""

from __future__ import annotations

import dataclasses
import functools
import typing
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import event, given, seed, settings
from hypothesis import strategies as st

from rnnkit.datasets.dates import date_pairs
from rnnkit.errors import RnnkitError
from rnnkit.tasks.classification import SequenceClassifier
from rnnkit.tasks.forecasting import Forecaster
from rnnkit.tasks.generation import TextGenerator
from rnnkit.tasks.transcription import Transcriber
from rnnkit.tasks.translation import Translator
from tests.conftest import FUZZ_SEED
from tests.hardening.conftest import FRESH, FUZZ, no_hang
from tests.tasks.test_transcription import tone_utterances

#: names any of the tasks take somewhere (cells, poolings, strategies…), and some none takes
NAMES = st.sampled_from([
    "gru", "lstm", "rnn", "mingru", "minlstm", "lru", "max", "mean", "last", "attention", "word", "char",
    "auto", "log", "none", "direct", "seq2seq", "recursive", "gaussian", "quantile", "conformal", "global",
    "utterance", "series", "conv", "val_loss", "val_accuracy", "loss", "additive", "dot", "general",
    "bahdanau", "luong", "bf16", "fp16", "(", "", "x",
])  # fmt: skip
VALUES = st.one_of(
    st.integers(-2, 6),
    st.integers(-(2**40), 2**40),
    st.floats(-1.0, 2.0),
    st.floats(allow_nan=True, allow_infinity=True),
    NAMES,
    st.text(max_size=3),
    st.none(),
    st.booleans(),
    st.lists(st.one_of(st.floats(-1.0, 2.0), st.integers(-1, 3), st.text(max_size=1)), max_size=3),
)


def _tiny_data() -> dict[str, Any]:
    t = np.arange(80.0)
    sources, targets = date_pairs(24, seed=0)
    return {
        "forecast": 10 + t + np.sin(t),
        "classify": (["good movie", "bad film", "good good", "bad bad"] * 4, ["pos", "neg", "pos", "neg"] * 4),
        "text": "hello world. " * 30,
        "translate": (sources, targets),
        "transcribe": tone_utterances(12, 0),
    }


DATA = _tiny_data()
#: per task: its class, options that keep a fit tiny (drawn options replace them), a fit, and a use
TASKS: dict[str, tuple[type, dict[str, Any], Callable[[Any], Any], Callable[[Any], Any]]] = {
    "forecast": (Forecaster, {"lookback": 6, "horizon": 2, "units": 4, "epochs": 1},
                 lambda m: m.fit(DATA["forecast"]), lambda m: m.predict()),
    "classify": (SequenceClassifier, {"units": 4, "layers": 1, "embedding": 4},
                 lambda m: m.fit(*DATA["classify"], epochs=1, echo=None), lambda m: m.predict(["good film"])),
    "text": (TextGenerator, {"units": 4, "layers": 1, "embedding": 4, "batch": 2, "bptt": 8},
             lambda m: m.fit(DATA["text"], epochs=1, echo=None), lambda m: m.generate("hel", 5, seed=0)),
    "translate": (Translator, {"units": 4, "embedding_dim": 4, "batch_size": 8, "beam_width": 2, "max_length": 12,
                               "epochs": 1}, lambda m: m.fit(*DATA["translate"]), lambda m: m.translate(["may 1, 2001"])),
    "transcribe": (Transcriber, {"units": 4, "layers": 1, "bands": 8, "epochs": 1, "batch_size": 4},
                   lambda m: m.fit(DATA["transcribe"]), lambda m: m.transcribe(DATA["transcribe"][:2])),
}  # fmt: skip


def _typed(annotation: Any) -> st.SearchStrategy[Any]:
    """Values of the annotated type, in and out of range: what gets past the type check to the range checks
    and into the fit."""
    args = typing.get_args(annotation)
    if args and typing.get_origin(annotation) is not tuple:  # Optional[...] / X | None
        return st.one_of(*[_typed(a) for a in args])
    if typing.get_origin(annotation) is tuple:
        return st.lists(st.floats(-1.0, 2.0) | st.sampled_from([0.0, 0.5, 1.0]), max_size=4)
    return {
        int: st.integers(-2, 6) | st.sampled_from([0, 1, 2**24]),
        float: st.floats(-1.0, 2.0) | st.sampled_from([0.0, 1e-9, 0.5, 1.0, 1e9]),
        bool: st.booleans(),
        str: NAMES,
        type(None): st.none(),
    }.get(annotation, VALUES)


@functools.cache
def _fields(task: str) -> dict[str, st.SearchStrategy[Any]]:
    """Each settings field and its values: well typed most of the time, anything the rest."""
    config = TASKS[task][0]().config
    hints = typing.get_type_hints(type(config))
    return {f.name: st.one_of(*[_typed(hints[f.name])] * 3, VALUES) for f in dataclasses.fields(config)}


def _big(value: Any) -> bool:
    numbers = value if isinstance(value, list) else [value]
    return any(isinstance(v, int) and not isinstance(v, bool) and abs(v) > 64 for v in numbers)


def _any_options_into_a_task(task: str, data: st.DataObject) -> None:
    cls, tiny, fit, use = TASKS[task]
    fields = _fields(task)
    names = data.draw(st.lists(st.sampled_from(sorted(fields)), min_size=1, max_size=3, unique=True), label="fields")
    drawn = {name: data.draw(fields[name], label=name) for name in names}
    try:
        model = cls(**{**tiny, **drawn})
    except RnnkitError as exc:
        event(f"{task} options: {type(exc).__name__}")
        return
    if any(_big(v) for v in drawn.values()):
        event(f"{task} options: taken (big sizes: not fitted)")
        return
    try:
        with no_hang(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # too few windows, truncated sentences: warned, not refused
            fit(model)
            use(model)
    except RnnkitError as exc:
        event(f"{task} fit: {type(exc).__name__}")
        return
    event(f"{task}: trained and predicted")


TASK_NAMES = list(TASKS)
test_any_options_into_a_task = pytest.mark.parametrize("task", TASK_NAMES)(
    settings(FUZZ, max_examples=40)(given(data=st.data())(_any_options_into_a_task))
)
test_fresh_any_options_into_a_task = pytest.mark.parametrize("task", TASK_NAMES)(
    seed(FUZZ_SEED)(settings(FRESH, max_examples=10)(given(data=st.data())(_any_options_into_a_task)))
)
