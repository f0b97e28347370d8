"""Sequence classification (many-to-one): a label for each text or numeric sequence, e.g. sentiment.

Data flow: texts → tokens → ids (``WordTokenizer``, word or character level; id 0 is padding) or
numeric sequences → each series scaled on its own, long ones read in windows (mean, min, max) →
standardised features → right-padded ``(N, T[, F])`` arrays and lengths →
length-bucketed batches (``BucketedBatches``) → Embedding/Masking → (bi)LSTM/GRU/RNN stack → pooling
over time (last state, mean, max or attention; padding masked) → Dense logits → softmax.

Padding never changes a prediction: every layer ignores masked steps, so a sequence scored alone and
inside a padded batch gets the same probabilities. Every fit also trains the baselines on the same
split (majority class, and bag-of-words or order-free-summary logistic regression), so reports show
what the recurrent network adds.

Example::

    clf = SequenceClassifier(cell="lstm", units=64, pooling="max")
    clf.fit(texts, labels, epochs=5)
    clf.predict(["what a great film"])          # -> array(['pos'], dtype=object)
    print(clf.evaluate(test_texts, test_labels)["model"].format())
"""

from __future__ import annotations

import math
import os
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch

from rnnkit.callbacks import Callback, EarlyStopping, EpochLog, SaveBest, TimeLimit
from rnnkit.data.arrays import real_array
from rnnkit.data.batching import BucketedBatches
from rnnkit.data.words import WordTokenizer, pad_sequences
from rnnkit.errors import ConfigError, DataError, DataWarning, ModelFileError, ShapeError
from rnnkit.layers import (
    AttentionPooling,
    BatchNormalization,
    Bidirectional,
    Conv1D,
    Dense,
    Dropout,
    Embedding,
    GlobalAveragePooling1D,
    GlobalMaxPooling1D,
    Masking,
    ReLU,
)
from rnnkit.layers.base import Layer
from rnnkit.layers.min_rnn import CELL_LAYERS
from rnnkit.models import Sequential, load_extra_tensors, load_metadata, load_model
from rnnkit.models.saving import MALFORMED, output_width
from rnnkit.optimizers import Adam
from rnnkit.tasks.baselines import BASELINES, BagOfWords, MajorityClass, SequenceSummary
from rnnkit.tasks.classification_report import ClassificationReport
from rnnkit.train.losses import SparseCategoricalCrossentropy
from rnnkit.validation import check_field_types

__all__ = ["SequenceClassifierConfig", "SequenceClassifier", "auto_epochs", "auto_patience"]

TASK = "sequence_classification"
CELLS = CELL_LAYERS
POOLINGS: dict[str, type[Layer] | None] = {
    "last": None,
    "mean": GlobalAveragePooling1D,
    "max": GlobalMaxPooling1D,
    "attention": AttentionPooling,
}
MONITORS = ("val_loss", "val_accuracy")
#: ``fit(epochs=None)``: train for at least this many updates, in whole epochs (10 to 1000), unless
#: early stopping ends it sooner. A small numeric training set holds one or two batches, and ten epochs
#: of it were a dozen updates: the networks stopped near chance (see ``benchmarks/classify_archive.py``)
AUTO_STEPS = 1000
AUTO_EPOCHS = (10, 1000)
#: ``patience=None``: stop after at least this many updates without improvement (3 epochs at least)
PATIENCE_STEPS = 100
FRONTENDS = (None, "conv")
SCALINGS = ("series", "global")
#: what a model saved before ``scaling`` and ``max_steps`` existed did: the loader fills them in
SAVED_BEFORE = {"scaling": "global", "max_steps": None}


def auto_epochs(batches: int) -> int:
    """Epochs of ``batches`` updates each that make at least ``AUTO_STEPS`` updates (10 to 1000).

    Example:
        >>> auto_epochs(1), auto_epochs(3), auto_epochs(2_000)  # 18 series, 90 series, 64,000 texts
        (1000, 334, 10)
    """
    return min(AUTO_EPOCHS[1], max(AUTO_EPOCHS[0], math.ceil(AUTO_STEPS / batches)))


def auto_patience(batches: int) -> int:
    """Epochs without improvement before stopping: 3, or ``PATIENCE_STEPS`` updates where epochs are shorter.

    Example:
        >>> auto_patience(1), auto_patience(3), auto_patience(2_000)
        (100, 34, 3)
    """
    return max(3, math.ceil(PATIENCE_STEPS / batches))
CONV_KERNELS = (7, 5, 3)  # the conv front end's blocks, as FCN (Wang et al. 2017) stacks them
PAD_VALUE = -1e9  # fills padded steps of numeric sequences; Masking hides them (exact in float32)


@dataclass(frozen=True)
class SequenceClassifierConfig:
    """Everything that defines a classifier's network, its input encoding and its training.

    ``max_length``: tokens or steps kept per sequence (``None``: all; when a limit cuts sequences, a
    :class:`DataWarning` says how many). ``validation``: the fraction held out when no validation data
    is given, drawn per class (stratified, at least one sample of each class that has two). Training
    stops when ``monitor`` (``'val_loss'`` or ``'val_accuracy'``) has not improved by more than
    ``min_delta`` for ``patience`` epochs (None: 3 epochs, or ``PATIENCE_STEPS`` updates where epochs
    are shorter); ``restore_best`` keeps the weights of the best epoch.
    Numeric sequences: ``scaling='series'`` scales each series on its own (every channel to mean 0,
    deviation 1), ``'global'`` all of them with the training set's mean and deviation; series longer
    than ``max_steps`` (in the training set) are read in windows of mean, minimum and maximum, so the
    recurrent layers see at most ``max_steps`` steps (``None``: every step).
    ``refit=True``: once the held-out part has chosen the best epoch, a fresh network trains on all of
    ``x`` for that many epochs (the validation scores stay those of the first network, which did not see
    the held-out part; skipped when ``validation_data`` is given; with ``minutes``, the refit has a
    budget of its own, so a fit takes up to twice as long).
    ``frontend='conv'`` (numeric sequences): three blocks of Conv1D(``filters``, kernel 7, 5, 3,
    'same') → BatchNormalization → ReLU before the recurrent layers, as the FCN half of LSTM-FCN
    (Karim et al. 2018); padded steps stay out of the convolutions and the batch statistics.
    """

    cell: str = "lstm"
    units: int = 128
    layers: int = 2
    bidirectional: bool = True
    pooling: str = "max"
    embedding: int = 128
    dropout: float = 0.3
    tokens: str = "word"
    max_words: int | None = 20_000
    min_count: int = 1
    lower: bool = True
    max_length: int | None = None
    batch: int = 32
    learning_rate: float = 1e-3
    clipnorm: float = 5.0
    validation: float = 0.1
    patience: int | None = None
    monitor: str = "val_loss"
    min_delta: float = 0.0
    restore_best: bool = True
    frontend: str | None = None
    filters: int = 64
    scaling: str = "series"
    max_steps: int | None = 128
    refit: bool = False

    def __post_init__(self) -> None:
        check_field_types(self)
        for name, known in (("cell", CELLS), ("pooling", POOLINGS), ("tokens", ("word", "char"))):
            if getattr(self, name) not in known:
                raise ConfigError(f"{name} must be one of {sorted(known)}, got {getattr(self, name)!r}")
        if self.scaling not in SCALINGS:
            raise ConfigError(f"scaling must be one of {list(SCALINGS)}, got {self.scaling!r}")
        if self.max_steps is not None and self.max_steps < 1:
            raise ConfigError(f"max_steps must be a positive integer or None, got {self.max_steps}")
        if self.frontend not in FRONTENDS:
            raise ConfigError(f"frontend must be None or 'conv', got {self.frontend!r}")
        if self.monitor not in MONITORS:
            raise ConfigError(f"monitor must be one of {list(MONITORS)}, got {self.monitor!r}")
        if self.min_delta < 0 or (self.patience is not None and self.patience < 0):
            raise ConfigError(f"min_delta and patience must be >= 0, got {self.min_delta} and {self.patience}")
        if self.max_length is not None and self.max_length < 1:
            raise ConfigError(f"max_length must be a positive integer or None, got {self.max_length}")
        for name in ("units", "layers", "embedding", "batch", "min_count", "filters"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be a positive integer, got {getattr(self, name)}")
        if not 0 <= self.dropout < 1 or not 0 < self.validation < 0.5:
            raise ConfigError(
                f"dropout must be in [0, 1) and validation in (0, 0.5), got {self.dropout}, {self.validation}"
            )


# --- inputs: texts or numeric sequences → right-padded arrays and lengths ---------------------------


def _is_text(x: Any) -> bool:
    return isinstance(x, Sequence) and not isinstance(x, str) and len(x) > 0 and isinstance(x[0], str)


def _as_sequences(x: Any) -> list[np.ndarray]:
    """Numeric input as a list of ``(T_i, F)`` float arrays: a ``(N, T, F)`` / ``(N, T)`` array or a list."""
    items = list(x) if not isinstance(x, np.ndarray) else list(x) if x.ndim >= 2 else None
    if not items:
        raise DataError("expected texts (a list of strings) or numeric sequences ((N, T, F) array or list of (T, F))")
    out = []
    for i, item in enumerate(items):
        if isinstance(item, str):
            raise DataError(f"sequence {i}: expected numbers, got the text {item!r:.40} (mixed with numeric sequences)")
        a = real_array(f"sequence {i}", item)
        if a.ndim not in (1, 2) or a.shape[0] == 0:
            raise ShapeError(f"sequence {i}: expected a non-empty (T,) or (T, F) array of numbers, got {item!r:.60}")
        if not np.isfinite(a).all():
            raise DataError(f"sequence {i} contains NaN or infinite values")
        out.append(a[:, None] if a.ndim == 1 else a)
    features = {a.shape[1] for a in out}
    if len(features) != 1:
        raise ShapeError(f"all sequences need the same number of features, got {sorted(features)}")
    return out


def _cut(rows: list[Any], max_length: int | None, unit: str, warn: bool) -> list[Any]:
    """``rows`` cut to ``max_length``; ``warn``: a :class:`DataWarning` counts the rows cut."""
    if max_length is None:
        return rows
    cut = sum(len(r) > max_length for r in rows)
    if cut and warn:
        longest = max(len(r) for r in rows)
        warnings.warn(
            f"{cut} of {len(rows)} sequences are longer than max_length={max_length} {unit} (the longest: "
            f"{longest}) and lose their ends; pass max_length=None to keep them whole",
            DataWarning,
            stacklevel=3,
        )
    return [r[:max_length] for r in rows]


class _TextEncoder:
    """Texts → right-padded token ids ``(N, T)`` (0 = padding), at most ``max_length`` tokens each."""

    kind = "text"

    def __init__(self, config: SequenceClassifierConfig) -> None:
        self.max_length = config.max_length
        self.tokenizer = WordTokenizer(config.max_words, config.min_count, config.lower, config.tokens == "char")

    def fit(self, texts: Sequence[str]) -> _TextEncoder:
        self.tokenizer.fit(texts)
        return self

    def encode(self, texts: Any, warn: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
        if not _is_text(texts) or not all(isinstance(t, str) for t in texts):
            raise DataError("this classifier reads texts: give a non-empty list of strings")
        ids = _cut(self.tokenizer.encode(texts), self.max_length, "tokens", warn)
        empty = [i for i, row in enumerate(ids) if not row]
        if empty:
            raise DataError(f"{len(empty)} text(s) have no tokens (rows {empty[:5]}, 0-based); remove empty texts")
        x = torch.from_numpy(pad_sequences(ids, padding="post"))  # (N, T), 0 = padding
        return x, torch.tensor([len(r) for r in ids])

    def describe(self) -> str | None:
        """Nothing to say about texts (their length limit warns on its own)."""
        return None

    def input_layer(self, config: SequenceClassifierConfig) -> Layer:
        return Embedding(self.tokenizer.vocabulary_size, config.embedding, mask_zero=True)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "tokenizer": self.tokenizer.to_dict()}


class _SequenceEncoder:
    """Numeric sequences → scaled, windowed, right-padded ``(N, T', F')`` floats (padding = ``PAD_VALUE``).

    Each series is first scaled on its own when ``scaling='series'`` (every channel to mean 0 and
    standard deviation 1, as the UCR/UEA archive stores its series). When the training set's longest
    series has more than ``max_steps`` steps, every series is then read in windows of
    ``w = ⌈longest / max_steps⌉`` steps (the last one repeats its final step), each window summarised
    by its mean, minimum and maximum per channel: ``(T, F)`` → ``(⌈T / w⌉, 3F)``. Last, every feature
    is standardised with the training set's mean and standard deviation. Each step depends on its own
    series only, so padding never changes what a series becomes.
    """

    kind = "numeric"

    def __init__(self, config: SequenceClassifierConfig) -> None:
        self.max_length, self.scaling, self.max_steps = config.max_length, config.scaling, config.max_steps
        self.window, self.longest = 1, 0

    def fit(self, sequences: Sequence[np.ndarray]) -> _SequenceEncoder:
        self.longest = max(len(s) for s in sequences)
        if self.max_steps is not None and self.longest > self.max_steps:
            self.window = math.ceil(self.longest / self.max_steps)
        self.features = sequences[0].shape[1]
        steps = np.concatenate([self._shape(s) for s in sequences])  # (ΣT', F')
        self.mean, self.std = steps.mean(0), np.maximum(steps.std(0), 1e-8)
        return self

    def describe(self) -> str | None:
        """One line on the windows the fitted encoder reads series in; None when it reads every step."""
        if self.window == 1:
            return None
        return (f"series of up to {self.longest} steps are read in windows of {self.window} steps (mean, min and "
                f"max of each): up to {math.ceil(self.longest / self.window)} steps; max_steps=None keeps every step")  # fmt: skip

    def _shape(self, s: np.ndarray) -> np.ndarray:
        """One ``(T, F)`` series scaled and windowed, before the training set's standardisation."""
        if self.scaling == "series":
            s = (s - s.mean(0)) / np.maximum(s.std(0), 1e-8)
        if self.window == 1:
            return s
        w = self.window
        n = math.ceil(len(s) / w)
        padded = np.concatenate([s, np.repeat(s[-1:], n * w - len(s), axis=0)]).reshape(n, w, -1)
        return np.concatenate([padded.mean(1), padded.min(1), padded.max(1)], axis=1)

    def encode(self, x: Any, warn: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
        sequences = _cut(_as_sequences(x), self.max_length, "steps", warn)
        if sequences[0].shape[1] != self.features:
            raise ShapeError(
                f"sequences have {sequences[0].shape[1]} features; the model was fitted on {self.features}"
            )
        shaped = [self._shape(s) for s in sequences]
        lengths = torch.tensor([len(s) for s in shaped])
        out = np.full((len(shaped), int(lengths.max()), len(self.mean)), PAD_VALUE, dtype=np.float32)
        for i, s in enumerate(shaped):
            out[i, : len(s)] = (s - self.mean) / self.std
        if (out[np.arange(out.shape[1]) < lengths.numpy()[:, None]] == PAD_VALUE).all(-1).any():
            raise DataError(f"a real time step equals the padding value {PAD_VALUE} in every feature after scaling")
        return torch.from_numpy(out), lengths

    def input_layer(self, config: SequenceClassifierConfig) -> Layer:
        return Masking(PAD_VALUE)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "mean": self.mean.tolist(), "std": self.std.tolist(), "window": self.window,
                "features": self.features}  # fmt: skip


Encoder = _TextEncoder | _SequenceEncoder


def _encoder_from_dict(data: dict[str, Any], config: SequenceClassifierConfig) -> Encoder:
    if not isinstance(data, dict):
        raise DataError(f"the saved input encoder must be a JSON object, got {data!r:.40}")
    if data.get("kind") == "text":
        text = _TextEncoder(config)
        text.tokenizer = WordTokenizer.from_dict(data["tokenizer"])
        return text
    if data.get("kind") == "numeric":
        numeric = _SequenceEncoder(config)
        numeric.mean, numeric.std = (
            np.asarray(data["mean"], dtype=np.float64),
            np.asarray(data["std"], dtype=np.float64),
        )
        if numeric.mean.ndim != 1 or numeric.mean.shape != numeric.std.shape or not (numeric.std > 0).all():
            raise DataError("the saved feature scaling must be two equal lists of numbers, std > 0")
        numeric.window = data.get("window", 1)  # saved before windows: every step
        numeric.features = data.get("features", len(numeric.mean))
        if not all(type(v) is int and v >= 1 for v in (numeric.window, numeric.features)) or len(numeric.mean) != (
            numeric.features * (1 if numeric.window == 1 else 3)
        ):
            raise DataError(
                f"the saved window and features must be positive integers that match {len(numeric.mean)} scaled "
                f"features, got {numeric.window!r:.20} and {numeric.features!r:.20}"
            )
        return numeric
    raise DataError(f"unknown input kind {data.get('kind')!r}")


# --- training callbacks ---------------------------------------------------------------------------


class SequenceClassifier:
    """Embedding (or Masking) → ``layers`` × (bi)LSTM/GRU/RNN → pooling → Dropout → Dense(classes)."""

    def __init__(self, **options: Any) -> None:
        self.config = SequenceClassifierConfig(**options)
        self.classes: list[Any] = []
        self.encoder: Encoder | None = None
        self.model: Sequential | None = None
        self.baselines: dict[str, Any] = {}
        self.validation_scores: dict[str, float] = {}
        self.seconds: dict[str, float] = {}  # training time of the last fit: 'network', 'baselines'

    # --- building -------------------------------------------------------------------------------
    def _build(self, encoder: Encoder, n_classes: int) -> Sequential:
        c = self.config
        layers: list[Layer] = [encoder.input_layer(c)]
        if c.dropout > 0 and encoder.kind == "text":
            layers.append(Dropout(c.dropout))
        if c.frontend == "conv" and encoder.kind == "numeric":
            for i, kernel in enumerate(CONV_KERNELS):
                layers += [Conv1D(c.filters, kernel, padding="same", name=f"conv_{i + 1}"),
                           BatchNormalization(momentum=0.9, name=f"conv_norm_{i + 1}"), ReLU(name=f"conv_relu_{i + 1}")]  # fmt: skip
        pooling = POOLINGS[c.pooling]
        for i in range(c.layers):
            sequences = i < c.layers - 1 or pooling is not None
            rnn = CELLS[c.cell](c.units, return_sequences=sequences, name=f"{c.cell}_{i + 1}")
            layers.append(Bidirectional(rnn) if c.bidirectional else rnn)
        if pooling is not None:
            layers.append(pooling())
        if c.dropout > 0:
            layers.append(Dropout(c.dropout))
        layers.append(Dense(n_classes, name="logits"))
        model = Sequential(layers, name=f"{c.cell}_classifier")
        model.compile(
            optimizer=Adam(learning_rate=c.learning_rate),
            loss=SparseCategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"],
            clipnorm=c.clipnorm,
        )
        return model

    def _label_ids(self, y: Any) -> np.ndarray:
        index = {c: i for i, c in enumerate(self.classes)}
        labels = list(y)
        unknown = sorted({repr(v) for v in labels if v not in index})
        if unknown:
            raise DataError(f"unknown labels {', '.join(unknown[:5])}; the classifier knows {self.classes}")
        return np.array([index[v] for v in labels], dtype=np.int64)

    def split(self, labels: Sequence[Any], seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Training and validation rows, stratified: a seeded random ``validation`` fraction of each
        class is held out, at least one sample of every class that has two or more."""
        rng = np.random.default_rng(seed)
        by_class: dict[Any, list[int]] = {}
        for i, label in enumerate(labels):
            by_class.setdefault(label, []).append(i)
        held: list[int] = []
        for rows in by_class.values():
            order = rng.permutation(rows)
            take = max(1, int(round(len(rows) * self.config.validation))) if len(rows) > 1 else 0
            held.extend(order[:take].tolist())
        if not held:  # every class has one sample: hold out one row all the same
            held = [int(rng.integers(len(labels)))]
        val = np.sort(np.array(held, dtype=np.int64))
        return np.setdiff1d(np.arange(len(labels)), val), val

    # --- training -------------------------------------------------------------------------------
    def fit(
        self,
        x: Any,
        y: Sequence[Any],
        validation_data: tuple[Any, Sequence[Any]] | None = None,
        epochs: int | None = None,
        minutes: float | None = None,
        checkpoint: str | os.PathLike[str] | None = None,
        echo: Callable[[str], None] | None = print,
        callbacks: Sequence[Callback] = (),
    ) -> dict[str, list[float]]:
        """Train on texts (or numeric sequences) ``x`` with labels ``y``.

        Without ``validation_data`` a seeded ``validation`` fraction of each class of ``x`` is held out.
        Training stops after ``epochs``, after ``minutes``, or when ``monitor`` (validation loss by
        default) has not improved by ``min_delta`` for ``patience`` epochs; with ``restore_best`` the
        weights of the best epoch are kept. Neither ``epochs`` nor ``minutes`` (the default): at least
        ``AUTO_STEPS`` updates in whole epochs (10 to 1000 epochs). ``checkpoint``: a folder that always
        holds the classifier of the best epoch so far. ``callbacks`` join the network's ``fit`` (each
        epoch's logs hold ``val_accuracy``). Returns the history.
        """
        c = self.config
        samples = list(x) if _is_text(x) else _as_sequences(x)
        labels, total = list(y), len(samples)
        if total != len(labels):
            raise ShapeError(f"x and y must have the same number of samples, got {total} and {len(labels)}")
        if validation_data is None:
            train_rows, val_rows = self.split(labels)
            x_val, y_val = [samples[i] for i in val_rows], [labels[i] for i in val_rows]
            samples, labels = [samples[i] for i in train_rows], [labels[i] for i in train_rows]
        else:
            x_val, y_val = list(validation_data[0]), list(validation_data[1])
        if self.model is None:
            classes = sorted(set(labels), key=lambda v: (str(type(v)), v))
            if not classes:
                raise DataError(f"{total} sample(s) leave nothing to train on after holding out validation")
            if len(classes) < 2:
                raise DataError(f"the labels hold only one class ({classes[0]!r}); a classifier needs at least two")
            self.classes = classes
            self.encoder = (_TextEncoder(c) if _is_text(samples) else _SequenceEncoder(c)).fit(samples)  # type: ignore[arg-type]
            self.model = self._build(self.encoder, len(classes))
            note = self.encoder.describe()
            if note is not None and echo is not None:
                echo(note)
        model, encoder = self._ready()
        y_train, y_val_ids = self._label_ids(labels), self._label_ids(y_val)
        x_train, len_train = encoder.encode(samples)
        x_valid, len_valid = encoder.encode(x_val, warn=False)  # the training set's warning covers it
        train = BucketedBatches(x_train, torch.from_numpy(y_train), len_train, c.batch, shuffle=True)
        val = BucketedBatches(x_valid, torch.from_numpy(y_val_ids), len_valid, 256)
        given = list(callbacks)
        if epochs is None and minutes is None:
            epochs = auto_epochs(len(train))
        patience = c.patience if c.patience is not None else auto_patience(len(train))
        stopping = EarlyStopping(c.monitor, min_delta=c.min_delta, patience=patience,
                                 restore_best_weights=c.restore_best)  # fmt: skip
        callbacks = [stopping, *given]
        if echo is not None:
            callbacks.append(
                EpochLog(
                    echo,
                    "loss {loss:.4f}, accuracy {accuracy:.4f}; validation loss {val_loss:.4f}, accuracy {val_accuracy:.4f}",
                )
            )
        if minutes is not None:
            callbacks.append(TimeLimit(minutes))
        if checkpoint is not None:
            callbacks.append(SaveBest(lambda _: self.save(checkpoint), monitor=c.monitor))
        start = time.perf_counter()
        self._fit_baselines(samples, y_train)
        self.seconds = {"baselines": time.perf_counter() - start}
        start = time.perf_counter()
        history = model.fit(
            train, epochs=epochs if epochs is not None else 1_000_000, validation_data=val, callbacks=callbacks,
            verbose=0,
        )  # fmt: skip
        self.seconds["network"] = time.perf_counter() - start
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)  # said once above, for the training set
            self.validation_scores = {name: r.accuracy for name, r in self.evaluate(x_val, y_val).items()}
        if c.refit and validation_data is None:
            best = stopping.best_epoch + 1 if c.restore_best and stopping.best_state is not None else None
            self._refit(samples + x_val, labels + y_val, best or len(history.history["loss"]), echo, minutes)
        if checkpoint is not None:
            self.save(checkpoint)  # the best epoch's weights, now with the validation scores
        return history.history

    def _refit(self, x: list[Any], y: list[Any], epochs: int, echo: Callable[[str], None] | None,
               minutes: float | None) -> None:  # fmt: skip
        """A fresh network (and baselines) trained on ``x`` for ``epochs`` epochs, replacing the first."""
        _, encoder = self._ready()
        if echo is not None:
            echo(f"refit: a fresh network on all {len(x)} samples for {epochs} epochs (the best epoch held out)")
        ids = self._label_ids(y)
        inputs, lengths = encoder.encode(x, warn=False)
        batches = BucketedBatches(inputs, torch.from_numpy(ids), lengths, self.config.batch, shuffle=True)
        callbacks: list[Callback] = [TimeLimit(minutes)] if minutes is not None else []
        if echo is not None:
            callbacks.append(EpochLog(echo, "loss {loss:.4f}, accuracy {accuracy:.4f}"))
        start = time.perf_counter()
        fresh = self._build(encoder, len(self.classes))
        fresh.fit(batches, epochs=epochs, callbacks=callbacks, verbose=0)
        self.model = fresh
        self._fit_baselines(x, ids)
        self.seconds["refit"] = time.perf_counter() - start

    def _fit_baselines(self, samples: list[Any], y: np.ndarray) -> None:
        k = len(self.classes)
        self.baselines = {"majority": MajorityClass().fit(y, k)}
        if _is_text(samples):
            self.baselines["bag_of_words"] = BagOfWords(min_count=1 if len(samples) < 1000 else 2).fit(samples, y, k)
        else:
            self.baselines["sequence_summary"] = SequenceSummary().fit(samples, y, k)

    # --- prediction -----------------------------------------------------------------------------
    @torch.no_grad()
    def predict_proba(self, x: Any, batch_size: int = 256) -> np.ndarray:
        """Class probabilities ``(N, K)``, columns in the order of ``classes``."""
        model, encoder = self._ready()
        xt, lengths = encoder.encode(x)
        batches = BucketedBatches(xt, None, lengths, batch_size)
        out = torch.empty(len(xt), len(self.classes))
        model.eval()
        for rows, (xb, _) in zip(batches.batch_indices(), batches):
            out[rows] = torch.softmax(model(xb), dim=-1)
        return out.numpy()

    def predict(self, x: Any) -> np.ndarray:
        """The most likely class of each sample."""
        return np.array(self.classes, dtype=object)[self.predict_proba(x).argmax(1)]

    def evaluate(self, x: Any, y: Sequence[Any]) -> dict[str, ClassificationReport]:
        """Reports for the model and each baseline on the same data: ``{'model': ..., 'majority': ...}``."""
        labels = list(y)
        samples = list(x) if _is_text(x) else _as_sequences(x)
        if len(samples) != len(labels):
            raise ShapeError(f"x and y must have the same number of samples, got {len(samples)} and {len(labels)}")
        truth = self._label_ids(labels)
        predictions = {"model": self.predict_proba(samples).argmax(1)}
        for name, baseline in self.baselines.items():
            predictions[name] = baseline.predict(samples)
        return {
            name: ClassificationReport.from_labels(
                [self.classes[i] for i in truth], [self.classes[i] for i in pred], self.classes
            )
            for name, pred in predictions.items()
        }

    # --- saving ---------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> None:
        model, encoder = self._ready()
        metadata: dict[str, Any] = {
            "task": TASK,
            "config": asdict(self.config),
            "classes": self.classes,
            "encoder": encoder.to_dict(),
            "validation_accuracy": self.validation_scores,
        }
        tensors: dict[str, torch.Tensor] = {}
        metadata["baselines"] = {}
        for name, baseline in self.baselines.items():
            settings, weights = baseline.state()
            metadata["baselines"][name] = settings
            tensors.update({f"{name}.{k}": v for k, v in weights.items()})
        model.save(path, metadata=metadata, extra_tensors=tensors)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SequenceClassifier:
        metadata = load_metadata(path, task=TASK)
        try:
            classifier = cls(**{**SAVED_BEFORE, **metadata["config"]})
            classifier.classes = list(metadata["classes"])
            classifier.encoder = _encoder_from_dict(metadata["encoder"], classifier.config)
            classifier.validation_scores = dict(metadata.get("validation_accuracy") or {})
            tensors = load_extra_tensors(path)
            for name, settings in (metadata.get("baselines") or {}).items():
                if name not in BASELINES:
                    raise DataError(f"unknown baseline {name!r}")
                own = {k.split(".", 1)[1]: v for k, v in tensors.items() if k.startswith(name + ".")}
                classifier.baselines[name] = BASELINES[name].from_state(settings, own)
            classes = classifier.classes
            if len(classes) < 2 or len(set(map(str, classes))) != len(classes):
                raise DataError(f"classes must be at least two distinct labels, got {classes!r:.80}")
        except MALFORMED as exc:
            raise ModelFileError(f"{path}: the classifier settings are malformed: {exc}") from exc
        classifier.model = load_model(path)
        if output_width(classifier.model) != len(classifier.classes):
            raise ModelFileError(
                f"{path}: the network scores {output_width(classifier.model)} classes, the settings name {len(classifier.classes)}"
            )
        return classifier

    def _ready(self) -> tuple[Sequential, Encoder]:
        if self.model is None or self.encoder is None:
            raise ConfigError("the classifier is not trained yet: call fit() or load()")
        return self.model, self.encoder
