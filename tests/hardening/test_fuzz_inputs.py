"""Bad input, fuzzed: arrays of any shape, dtype and NaN pattern, ragged and odd texts, and files of any
bytes, into every public entry point that reads user data. Each call either works or raises an
``rnnkit.errors`` exception; through the CLI, it exits non-zero with one ``rnnkit: error:`` line.

Each case runs twice: on the fixed corpus (derandomized, the same every run) and on fresh draws from
the seed the run prints at its end (``test_fresh_*``; ``RNNKIT_FUZZ_SEED=<seed>`` replays them).
``--hypothesis-show-statistics`` counts, per entry point, the calls that worked and each error raised."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import event, given, seed, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rnnkit.cli import main
from rnnkit.data.audio import read_wav
from rnnkit.data.pairs import read_pairs
from rnnkit.data.series_files import read_ts, read_wide_csv
from rnnkit.data.speech import Utterance, read_manifest
from rnnkit.data.tables import read_columns
from rnnkit.data.text import read_corpus
from rnnkit.datasets.dates import date_pairs
from rnnkit.errors import RnnkitError
from rnnkit.layers import Dense, SimpleRNN
from rnnkit.models import Sequential
from rnnkit.tasks.classification import SequenceClassifier
from rnnkit.tasks.forecasting import Forecaster
from rnnkit.tasks.generation import TextGenerator
from rnnkit.tasks.transcription import Transcriber
from rnnkit.tasks.translation import Translator
from tests.conftest import FUZZ_SEED
from tests.hardening.conftest import FRESH, FUZZ, no_hang


def twice(examples: int, fresh: int, **strategies: Any) -> Any:
    """The case ``fn`` as two tests: ``examples`` from the fixed corpus, ``fresh`` new ones from the run's
    seed. ``test_x, test_fresh_x = twice(60, 20, a=...)(case)``."""

    def make(fn: Any) -> tuple[Any, Any]:
        fixed = settings(FUZZ, max_examples=examples)(given(**strategies)(fn))
        new = seed(FUZZ_SEED)(settings(FRESH, max_examples=fresh)(given(**strategies)(fn)))
        return fixed, new

    return make


DTYPES = st.sampled_from(["float32", "float64", "float16", "int8", "int64", "uint8", "bool", "complex64", "U3", "O"])
FLOATS = st.floats(allow_nan=True, allow_infinity=True, width=32) | st.sampled_from([1e30, -1e30, 0.0])


@st.composite
def any_array(draw: st.DrawFn, near: tuple[int, ...] | None = None) -> Any:
    """Arrays of any rank 0–4 (sides 0–5) and dtype, NaN and inf included, or ragged nested lists; with
    ``near``, half of them float arrays of that shape after the first axis (what the model takes)."""
    if near is not None and draw(st.booleans()):
        shape = (draw(st.integers(1, 6)), *near)
        finite = st.floats(-1e3, 1e3, width=32)
        return draw(hnp.arrays("float32", shape, elements=finite | FLOATS if draw(st.booleans()) else finite))
    if draw(st.integers(0, 9)) == 0:
        return draw(st.lists(st.lists(FLOATS, max_size=3), max_size=4))  # ragged
    dtype = draw(DTYPES)
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5))
    if dtype == "O":
        return np.array(draw(st.lists(st.one_of(st.none(), FLOATS, st.text(max_size=2)), min_size=1, max_size=6)),
                        dtype=object)  # fmt: skip
    elements = FLOATS if dtype.startswith("float") else None
    return draw(hnp.arrays(dtype, shape, elements=elements))


def _call(fn: Any, *args: Any, **kwargs: Any) -> bool:
    """Run ``fn``: success or an rnnkit error are both fine; anything else fails the test with its input.
    Returns whether it worked (hypothesis's statistics show how often: ``--hypothesis-show-statistics``)."""
    try:
        with no_hang():
            fn(*args, **kwargs)
    except RnnkitError as exc:
        event(f"{getattr(fn, '__name__', fn)}: {type(exc).__name__}")
        return False
    event(f"{getattr(fn, '__name__', fn)}: worked")
    return True


@pytest.fixture(scope="module")
def model() -> Sequential:
    m = Sequential([SimpleRNN(3, input_shape=(4, 2)), Dense(1)])
    m.compile(optimizer="adam", loss="mse")
    m.build((None, 4, 2))
    return m


def _any_array_into_predict_evaluate_fit(model: Sequential, x: Any, y: Any, which: str) -> None:
    if which == "predict":
        _call(model.predict, x, verbose=0)
    elif which == "evaluate":
        _call(model.evaluate, x, y, verbose=0)
    else:
        _call(model.fit, x, y, epochs=1, verbose=0)


test_any_array_into_predict_evaluate_fit, test_fresh_any_array_into_predict_evaluate_fit = twice(
    150, 37, x=any_array(near=(4, 2)), y=any_array(near=(1,)), which=st.sampled_from(["predict", "evaluate", "fit"])
)(_any_array_into_predict_evaluate_fit)


SERIES = (
    any_array(near=())
    | any_array(near=(2,))
    | st.lists(st.one_of(FLOATS, st.none(), st.text(max_size=2)), max_size=40)
    | st.dictionaries(st.text(max_size=3), any_array(), max_size=3)
)


def _any_series_into_the_forecaster(series: Any, later: Any, conformal: bool) -> None:
    options = {"intervals": "conformal", "calibration": 3} if conformal else {}
    forecaster = Forecaster(lookback=3, horizon=2, units=4, epochs=1, **options)
    if not _call(forecaster.fit, series):
        return
    _call(forecaster.predict, later)
    _call(forecaster.evaluate, later, start=5)
    if conformal:
        _call(forecaster.predict_interval, later, level=0.9)


test_any_series_into_the_forecaster, test_fresh_any_series_into_the_forecaster = twice(
    60, 15, series=SERIES, later=SERIES, conformal=st.booleans()
)(_any_series_into_the_forecaster)


SEQUENCES = (
    any_array(near=(6, 2))
    | st.lists(any_array(near=(2,)), max_size=6)
    | st.lists(st.lists(st.one_of(FLOATS, st.none(), st.text(max_size=2)), max_size=8), max_size=6)
)


def _any_numeric_sequences_into_the_classifier(x: Any, labels: Any, later: Any) -> None:
    n = len(x) if isinstance(x, list) or getattr(x, "ndim", 0) > 0 else 0
    classifier = SequenceClassifier(units=4, layers=1)
    if not _call(classifier.fit, x, [labels[i % len(labels)] for i in range(n)] if labels else [], epochs=1,
                 echo=None):  # fmt: skip
        return
    _call(classifier.predict, later)
    _call(classifier.evaluate, later, labels)


test_any_numeric_sequences_into_the_classifier, test_fresh_any_numeric_sequences_into_the_classifier = twice(
    40, 10, x=SEQUENCES, labels=st.lists(st.sampled_from(["up", "down", 3]), max_size=4), later=SEQUENCES
)(_any_numeric_sequences_into_the_classifier)


WORDS = st.lists(st.sampled_from(["good", "bad", "film", "é", "!", "the"]), min_size=1, max_size=5).map(" ".join)
JUNK = st.one_of(st.text(max_size=12), st.none(), st.integers(), st.just(""))
TEXTS = st.lists(WORDS, max_size=12) | st.lists(st.one_of(WORDS, JUNK), max_size=12)


def _any_texts_and_labels_into_the_classifier(texts: Any, labels: Any, later: Any, aligned: bool) -> None:
    if aligned:  # as many labels as texts, half the time: the paths past the first checks
        labels = [labels[i % len(labels)] if labels else "pos" for i in range(len(texts))]
    classifier = SequenceClassifier(units=4, embedding=4)
    if not _call(classifier.fit, texts, labels, epochs=1, echo=None):
        return
    _call(classifier.predict, later)
    _call(classifier.evaluate, later, labels)


test_any_texts_and_labels_into_the_classifier, test_fresh_any_texts_and_labels_into_the_classifier = twice(
    40,
    10,
    texts=TEXTS,
    labels=st.lists(st.one_of(st.sampled_from(["pos", "neg"]), st.integers(0, 2), st.none()), max_size=12),
    later=TEXTS,
    aligned=st.booleans(),
)(_any_texts_and_labels_into_the_classifier)


def _any_corpus_and_sampling_into_the_text_generator(text: str, prime: str, temperature: float, top_k: Any,
                                                          top_p: Any) -> None:  # fmt: skip
    generator = TextGenerator(units=4, layers=1, embedding=4, batch=2, bptt=5)
    if not _call(generator.fit, text * 3, epochs=1, echo=None):
        return
    _call(generator.generate, prime, 5, temperature=temperature, top_k=top_k, top_p=top_p, seed=0)


test_any_corpus_and_sampling_into_the_text_generator, test_fresh_any_corpus_and_sampling_into_the_text_generator = (
    twice(
        30,
        8,
        text=st.text(max_size=400),
        prime=st.text(max_size=5),
        temperature=FLOATS,
        top_k=st.one_of(st.none(), st.integers(-2, 50)),
        top_p=st.one_of(st.none(), FLOATS),
    )(_any_corpus_and_sampling_into_the_text_generator)
)


def _any_sentence_pairs_into_the_translator(sources: Any, targets: Any, later: Any, aligned: bool) -> None:
    if aligned:
        targets = [targets[i % len(targets)] if targets else "bon" for i in range(len(sources))]
    translator = Translator(units=4, embedding_dim=4, batch_size=4, beam_width=2, max_length=6)
    if not _call(translator.fit, sources, targets, epochs=1):
        return
    _call(translator.translate, later)


@pytest.fixture(scope="module")
def translator() -> Translator:
    """A translator fitted one epoch on 32 date pairs, character targets: what later calls meet."""
    sources, targets = date_pairs(32, seed=0)
    options = {"units": 4, "embedding_dim": 4, "target_tokens": "char", "batch_size": 8, "beam_width": 2}
    return Translator(**options, max_length=12, epochs=1).fit(sources, targets)


WIDTHS = st.one_of(st.none(), st.integers(-2, 6), st.sampled_from([0.5, float("nan"), True, "3", 2**40]))
LENGTHS = st.one_of(st.none(), st.integers(-2, 40), st.sampled_from([0.5, float("inf"), False, "5"]))
REFERENCES = st.lists(st.one_of(WORDS, st.lists(st.one_of(WORDS, JUNK), max_size=3), JUNK), max_size=8)


def _any_calls_into_a_fitted_translator(translator: Translator, sentences: Any, references: Any, beam: Any,
                                        length: Any, aligned: bool) -> None:  # fmt: skip
    if aligned and isinstance(sentences, list):  # as many references as sentences: past the first checks
        references = [references[i % len(references)] if references else "un" for i in range(len(sentences))]
    _call(translator.translate, sentences, beam_width=beam, max_length=length)
    _call(translator.evaluate, sentences, references, beam_width=beam)
    first = sentences[0] if isinstance(sentences, list) and sentences else sentences
    _call(translator.attention, first, beam_width=beam)


test_any_calls_into_a_fitted_translator, test_fresh_any_calls_into_a_fitted_translator = twice(
    60, 15, sentences=TEXTS | JUNK | st.text(max_size=20), references=REFERENCES, beam=WIDTHS, length=LENGTHS,
    aligned=st.booleans()
)(_any_calls_into_a_fitted_translator)


@st.composite
def any_utterance(draw: st.DrawFn) -> Any:
    """Mostly an ``Utterance`` of random samples, rate and text; sometimes something else."""
    if draw(st.integers(0, 14)) == 0:
        return draw(st.one_of(st.none(), st.text(max_size=3), any_array()))
    tone = np.sin(np.arange(draw(st.integers(1, 1200))) / 3.0)
    samples = tone if draw(st.booleans()) else draw(any_array(near=()))
    rate = draw(st.one_of(st.sampled_from([8000, 8000, 16000, 4000]), st.integers(-2, 60), st.floats(1, 9000),
                          st.none()))  # fmt: skip
    text = draw(st.one_of(st.sampled_from(["1", "23", "7 7"]), st.text(max_size=4), st.none()))
    return Utterance(samples, rate, text)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def transcriber() -> Transcriber:
    """A transcriber fitted on twelve tones (one epoch): what later calls meet."""
    tones = [Utterance(np.sin(np.arange(4000) * (0.05 + 0.01 * i)), 8000, str(i % 3)) for i in range(12)]
    return Transcriber(units=4, layers=1, bands=8, epochs=1, batch_size=4).fit(tones)


def _any_utterances_into_the_transcriber(transcriber: Transcriber, train: Any, later: Any, normalize: str) -> None:
    fresh = Transcriber(units=4, layers=1, bands=8, epochs=1, batch_size=4, normalize=normalize)
    validation = train[:2] if isinstance(train, list) and len(train) > 2 else None
    _call(fresh.fit, train, validation)
    _call(transcriber.transcribe, later)
    _call(transcriber.evaluate, later)


GOOD_UTTERANCE = st.builds(lambda n, text: Utterance(np.sin(np.arange(n) / 3.0), 8000, text),
                           st.integers(400, 4000), st.sampled_from(["0", "1", "2", "12"]))  # fmt: skip
UTTERANCES = st.one_of(st.lists(st.one_of(GOOD_UTTERANCE, GOOD_UTTERANCE, GOOD_UTTERANCE, any_utterance()),
                                max_size=12), st.text(max_size=3), any_array())  # fmt: skip
test_any_utterances_into_the_transcriber, test_fresh_any_utterances_into_the_transcriber = twice(
    40, 10, train=UTTERANCES, later=UTTERANCES, normalize=st.sampled_from(["global", "utterance"])
)(_any_utterances_into_the_transcriber)


# --- files ----------------------------------------------------------------------------------------


test_any_sentence_pairs_into_the_translator, test_fresh_any_sentence_pairs_into_the_translator = twice(
    30, 8, sources=TEXTS, targets=TEXTS, later=TEXTS, aligned=st.booleans()
)(_any_sentence_pairs_into_the_translator)


CELLS = st.one_of(st.sampled_from(["", "1.5", "nan", "inf", "-3", "x", "1e400", "2020-01-01", '"q,"', "é"]),
                  st.text(max_size=4))  # fmt: skip


@st.composite
def file_bytes(draw: st.DrawFn) -> bytes:
    """A CSV/TSV of random cells and ragged rows, or raw bytes (binary, non-UTF-8, empty)."""
    if draw(st.integers(0, 3)) == 0:
        return draw(st.binary(max_size=200))
    sep = draw(st.sampled_from([",", ",", "\t", ";"]))
    well_formed = st.lists(st.sampled_from(["1.5", "2", "-3", "4e2", "good film", "bad", "pos", "neg"]),
                           min_size=2, max_size=2)  # fmt: skip
    rows = draw(st.lists(st.lists(CELLS, min_size=0, max_size=4) | well_formed, max_size=30))
    header = draw(st.sampled_from([["value", "label"], ["text", "label"], ["path", "text"], ["a"], []]))
    lines = [sep.join(header)] + [sep.join(r) for r in rows]
    return "\n".join(lines).encode(draw(st.sampled_from(["utf-8", "utf-8", "utf-16", "latin-1"])), errors="replace")


def _any_file_into_every_reader(tmp_path_factory: pytest.TempPathFactory, data: bytes, suffix: str) -> None:
    path = tmp_path_factory.mktemp("f") / f"input{suffix}"
    path.write_bytes(data)
    _call(read_columns, path, ["value", "label"])
    _call(read_columns, path, [0], header=False)
    _call(read_pairs, path)
    _call(read_corpus, path)
    _call(read_manifest, path)
    _call(read_wav, path)
    _call(read_ts, path)
    _call(read_wide_csv, path)


test_any_file_into_every_reader, test_fresh_any_file_into_every_reader = twice(
    80, 20, data=file_bytes(), suffix=st.sampled_from([".csv", ".tsv", ".txt", ".parquet", ".wav", ".zip", ".ts"])
)(_any_file_into_every_reader)


def _cli(argv: list[str]) -> None:
    """``main(argv)`` returns 0, or non-zero with exactly one ``rnnkit: error:`` line; never raises."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()), no_hang():
        try:
            code = main(argv)
        except SystemExit as exit_:  # argparse: a usage error
            code = int(exit_.code or 0)
            assert code == 2, err.getvalue()
            event(f"{argv[0]} {argv[1]}: usage error")
            return
    lines = err.getvalue().strip().splitlines()
    event(f"{argv[0]} {argv[1]}: {'worked' if code == 0 else lines[-1][:40]}")
    assert code == 0 or (code == 1 and lines[-1].startswith("rnnkit: error:")), (code, err.getvalue())


def _any_file_into_every_command_that_reads_one(
    tmp_path_factory: pytest.TempPathFactory, saved_models: dict[str, Path], data: bytes, command: int
) -> None:
    folder = tmp_path_factory.mktemp("cli")
    path = folder / "input.csv"
    path.write_bytes(data)
    out = str(folder / "out")
    tiny = ["--epochs", "1", "--units", "4"]
    commands = [
        ["forecast", "fit", str(path), "--target", "value", "--lookback", "2", "--horizon", "1", "--out", out, *tiny],
        ["forecast", "predict", str(saved_models["forecast"]), "--data", str(path), "--target", "value"],
        ["classify", "fit", str(path), "--text-column", "text", "--label-column", "label", "--out", out, *tiny],
        ["classify", "predict", str(saved_models["classify"]), str(path), "--text-column", "text"],
        ["classify", "evaluate", str(saved_models["classify"]), str(path), "--text-column", "text"],
        ["translate", "evaluate", str(saved_models["translate"]), str(path)],
        ["translate", "fit", str(path), "--out", out, *tiny],
        ["predict", str(saved_models["sequential"]), str(path)],
        ["transcribe", str(saved_models["transcribe"]), str(path)],
    ]
    _cli(commands[command])


test_any_file_into_every_command_that_reads_one, test_fresh_any_file_into_every_command_that_reads_one = twice(
    80, 20, data=file_bytes(), command=st.integers(0, 8)
)(_any_file_into_every_command_that_reads_one)
