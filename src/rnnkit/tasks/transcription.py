"""``Transcriber``: speech to text with a bidirectional recurrent acoustic model and CTC.

Data flow: audio (any rate) → resampled to ``rate`` → log-mel frames normalised per utterance, stacked
``stack`` at a time (``rnnkit.data.audio.features``) → right-padded batches of similar length
(``BucketedBatches``, padding masked) → Masking → ``layers`` × Bidirectional(LSTM/GRU) → Dense →
``CTCOutput`` (per-frame log-probabilities over blank + alphabet) → CTC loss → BPTT → Adam. Decoding is
greedy (best class per frame, repeats merged, blanks dropped) or CTC prefix beam search.

The alphabet is every character of the training transcripts; a transcript with other characters, or an
utterance with too few frames for its transcript (CTC needs one frame per character, plus one between
repeated characters), gets a clear error.

Example::

    transcriber = Transcriber(units=128)
    transcriber.fit(train_utterances, minutes=15)
    transcriber.transcribe([Utterance(samples, 8000, "")])   # ['4071']
    transcriber.evaluate(test_utterances)                    # {'cer': ..., 'wer': ..., 'exact': ...}
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch

from rnnkit.callbacks import Callback, CosineDecayOverTime, EarlyStopping, EpochLog, TimeLimit
from rnnkit.data.arrays import real_array
from rnnkit.data.audio import change_speed, features, resample
from rnnkit.data.batching import BucketedBatches
from rnnkit.data.speech import Utterance
from rnnkit.errors import ConfigError, DataError, ModelFileError, ShapeError
from rnnkit.layers import (
    Bidirectional,
    Conv1D,
    CTCOutput,
    Dense,
    Dropout,
    Masking,
    SpecAugment,
    TimeDistributed,
)
from rnnkit.layers.base import Layer
from rnnkit.layers.min_rnn import CELL_LAYERS
from rnnkit.models import Sequential, load_metadata, load_model
from rnnkit.models.saving import MALFORMED, output_width
from rnnkit.nn.decoding import ctc_beam_search, ctc_greedy
from rnnkit.optimizers import Adam
from rnnkit.tasks.transcription_metrics import cer, wer
from rnnkit.validation import check_field_types

__all__ = ["TranscriberConfig", "Transcriber"]

TASK = "transcription"
PAD_VALUE = -1e9  # padded frames (masked); real features are normalised, far from it
_CELLS = {name: CELL_LAYERS[name] for name in ("lstm", "gru", "mingru", "minlstm", "lru")}


#: the lowest rate taken: 10 ms hops of 10 samples (telephone speech is 8,000 Hz)
MIN_RATE = 1000


@dataclass(frozen=True)
class TranscriberConfig:
    """Settings of a ``Transcriber`` (saved with the model).

    Features: ``rate`` (Hz every input is resampled to), ``bands`` (mel bands), ``stack`` (frames of 10 ms
    per model step). Network: ``cell`` ('lstm', 'gru', 'mingru', 'minlstm' or 'lru'), ``units`` per direction, ``layers``,
    ``dropout`` between layers, ``conv`` (filters of a Conv1D front end over 5 steps; 0: none),
    ``spec_augment`` (time and frequency masking while training), ``speeds`` (speed perturbation, Ko et al.
    2015: each training utterance also at these speeds, e.g. ``(0.9, 1.0, 1.1)``; 1.1 is 10 % faster and
    higher-pitched, as a shorter vocal tract would sound). ``normalize``: ``'utterance'`` (each
    utterance's bands to zero mean, unit variance) or ``'global'`` (peak-scaled audio, bands standardised
    with the training set's statistics, saved with the model). Training: ``epochs``, ``batch_size``, ``learning_rate``, ``clipnorm``,
    ``validation`` (held-out fraction when no validation set is given), ``patience``.
    Decoding: ``beam_width`` (1: greedy).
    """

    rate: int = 8000
    bands: int = 40
    stack: int = 3
    cell: str = "lstm"
    units: int = 128
    layers: int = 2
    dropout: float = 0.1
    conv: int = 0
    spec_augment: bool = False
    speeds: tuple[float, ...] = (1.0,)
    normalize: str = "global"
    epochs: int = 40
    batch_size: int = 32
    learning_rate: float = 2e-3
    clipnorm: float = 5.0
    validation: float = 0.1
    patience: int = 5
    beam_width: int = 1

    def __post_init__(self) -> None:
        check_field_types(self)
        if self.cell not in _CELLS:
            raise ConfigError(f"cell must be one of {', '.join(_CELLS)}, got {self.cell!r}")
        for name in ("rate", "bands", "stack", "units", "layers", "epochs", "batch_size", "beam_width"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name} must be a positive integer, got {value!r}")
        if self.rate < MIN_RATE:
            raise ConfigError(f"rate must be at least {MIN_RATE} Hz (speech is sampled at 8,000 or 16,000), got {self.rate}")
        if self.normalize not in ("utterance", "global"):
            raise ConfigError(f"normalize must be 'utterance' or 'global', got {self.normalize!r}")
        if not self.speeds or not all(0.5 <= f <= 2.0 for f in self.speeds):
            raise ConfigError(f"speeds must be factors between 0.5 and 2.0, got {self.speeds!r}")
        if not isinstance(self.conv, int) or self.conv < 0:
            raise ConfigError(f"conv must be a number of filters >= 0, got {self.conv!r}")
        if not 0.0 < self.validation < 0.5 or not 0.0 <= self.dropout < 1.0:
            raise ConfigError("validation must be in (0, 0.5) and dropout in [0, 1)")


#: the longest utterance taken, in seconds: longer audio is most likely a wrong rate
MAX_SECONDS = 600


def checked_utterances(utterances: Any) -> list[Utterance]:
    """``utterances`` as a list of ``Utterance`` with 1-D, finite, real, non-empty samples (as float32), a
    positive integer rate and a text, at most ``MAX_SECONDS`` long; the first
    one that is not gets a ``DataError`` that names it."""
    if isinstance(utterances, str | bytes | Utterance) or not isinstance(utterances, Sequence):
        raise DataError(f"expected a list of Utterance(samples, rate, text), got {type(utterances).__name__}")
    if not utterances:
        raise DataError("no utterances given")
    out = []
    for i, u in enumerate(utterances):
        if not isinstance(u, Utterance):
            raise DataError(f"utterance {i}: expected an Utterance(samples, rate, text), got {type(u).__name__}")
        samples = real_array(f"utterance {i}'s samples", u.samples)
        if samples.ndim != 1 or samples.size == 0:
            raise ShapeError(f"utterance {i}: expected mono samples, a non-empty 1-D array; got shape {samples.shape}")
        if not np.isfinite(samples).all():
            raise DataError(f"utterance {i}: the samples hold NaN or infinite values")
        if not isinstance(u.rate, int | np.integer) or isinstance(u.rate, bool) or u.rate < 1:
            raise DataError(f"utterance {i}: the sample rate must be a positive integer (Hz), got {u.rate!r}")
        if len(samples) / u.rate > MAX_SECONDS:
            raise DataError(f"utterance {i}: {len(samples):,} samples at {u.rate} Hz last {len(samples) / u.rate:,.0f} s, "
                            f"more than {MAX_SECONDS} s; is the rate right?")  # fmt: skip
        if not isinstance(u.text, str):
            raise DataError(f"utterance {i}: the transcript must be a string, got {type(u.text).__name__}")
        out.append(Utterance(samples.astype(np.float32), int(u.rate), u.text, u.speaker))
    return out


def _min_frames(text: str) -> int:
    """Frames CTC needs for ``text``: one per character, plus a blank between equal neighbours."""
    return len(text) + sum(a == b for a, b in zip(text, text[1:]))


class Transcriber:
    """Speech → text; options are ``TranscriberConfig``'s fields."""

    def __init__(self, **options: Any) -> None:
        self.config = TranscriberConfig(**options)
        self.alphabet: list[str] = []
        self.model: Sequential | None = None
        self.most_common = ""  # the most frequent training transcript: the trivial baseline
        self.feature_mean: np.ndarray | None = None  # normalize='global': training-set statistics
        self.feature_std: np.ndarray | None = None
        self.seconds = 0.0

    # --- audio → arrays -------------------------------------------------------------------------
    def _frames(self, utterances: Sequence[Utterance]) -> list[np.ndarray]:
        """Each utterance's stacked log-mel frames, before any training-set standardisation."""
        c = self.config
        per_utterance = c.normalize == "utterance"
        return [
            features(resample(u.samples, u.rate, c.rate), c.rate, c.bands, c.stack, per_utterance)
            for u in checked_utterances(utterances)
        ]

    def features(
        self, utterances: Sequence[Utterance], frames: list[np.ndarray] | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Padded features ``(N, T, stack · bands)`` and the real steps per utterance ``(N,)``
        (``frames``: the utterances' ``_frames``, when already computed)."""
        c = self.config
        frames = self._frames(utterances) if frames is None else frames
        if c.normalize == "global":
            if self.feature_mean is None or self.feature_std is None:
                raise ConfigError("the transcriber is not trained yet: call fit() or load()")
            frames = [((f - self.feature_mean) / self.feature_std).astype(np.float32) for f in frames]
        lengths = torch.tensor([len(f) for f in frames])
        x = torch.full((len(frames), int(lengths.max()), c.bands * c.stack), PAD_VALUE)
        for i, f in enumerate(frames):
            x[i, : len(f)] = torch.from_numpy(f)
        return x, lengths

    def _labels(self, utterances: Sequence[Utterance], lengths: torch.Tensor) -> torch.Tensor:
        """Targets ``(N, L)``: alphabet ids from 1, padded with 0 (the blank)."""
        index = {ch: i + 1 for i, ch in enumerate(self.alphabet)}
        width = max(len(u.text) for u in utterances)
        y = torch.zeros(len(utterances), max(width, 1), dtype=torch.long)
        for i, (u, steps) in enumerate(zip(utterances, lengths.tolist())):
            unknown = sorted(set(u.text) - set(index))
            if unknown:
                raise DataError(f"transcript {i} ({u.text!r}) has characters outside the alphabet: {unknown}")
            if steps < _min_frames(u.text):
                raise DataError(
                    f"utterance {i} has {steps} steps of {10 * self.config.stack} ms, too few for its "
                    f"{len(u.text)}-character transcript {u.text!r} under CTC"
                )
            y[i, : len(u.text)] = torch.tensor([index[ch] for ch in u.text])
        return y

    def _perturbed(self, utterances: list[Utterance]) -> tuple[list[Utterance], list[np.ndarray]]:
        """Every training utterance at each of ``speeds`` and its frames (the validation part stays as
        recorded); a copy sped up beyond the frames CTC needs for its transcript is left out."""
        c = self.config
        copies = [
            Utterance(change_speed(u.samples, f), u.rate, u.text, u.speaker) for f in c.speeds for u in utterances
        ]
        faster = [f > 1.0 for f in c.speeds for _ in utterances]
        frames = self._frames(copies)
        keep = [i for i, u in enumerate(copies) if not faster[i] or len(frames[i]) >= _min_frames(u.text)]
        return [copies[i] for i in keep], [frames[i] for i in keep]

    def _build(self) -> Sequential:
        c = self.config
        stack: list[Layer] = [Masking(PAD_VALUE, input_shape=(None, c.bands * c.stack))]
        if c.spec_augment:
            stack.append(SpecAugment(time_masks=2, time_width=4, freq_masks=2, freq_width=6, bands=c.bands))
        if c.conv:
            stack.append(Conv1D(c.conv, 5, padding="same", activation="relu"))
        for i in range(c.layers):
            if i and c.dropout:
                stack.append(Dropout(c.dropout))
            stack.append(Bidirectional(_CELLS[c.cell](c.units, return_sequences=True)))
        stack += [TimeDistributed(Dense(len(self.alphabet) + 1)), CTCOutput()]
        model = Sequential(stack, name="transcriber")
        model.compile(Adam(c.learning_rate), "ctc", clipnorm=c.clipnorm)
        return model

    # --- training -------------------------------------------------------------------------------
    def fit(
        self,
        utterances: Sequence[Utterance],
        validation: Sequence[Utterance] | None = None,
        epochs: int | None = None,
        minutes: float | None = None,
        echo: Callable[[str], None] | None = None,
        seed: int = 0,
        callbacks: Sequence[Callback] = (),
    ) -> Transcriber:
        """Learn the alphabet and the network; keeps the weights of the best validation CTC loss."""
        c = self.config
        utterances = checked_utterances(utterances)
        if validation is not None:
            validation = checked_utterances(validation)
        if any(not u.text for u in utterances):
            raise DataError("every training utterance needs a non-empty transcript")
        if validation is None:
            if len(utterances) < 10:
                raise DataError(f"need at least 10 utterances to hold some out for validation, got {len(utterances)}")
            order = np.random.default_rng(seed).permutation(len(utterances))
            cut = max(1, int(len(utterances) * c.validation))
            validation = [utterances[i] for i in order[:cut]]
            utterances = [utterances[i] for i in order[cut:]]
        self.alphabet = sorted({ch for u in utterances for ch in u.text})
        self.most_common = Counter(u.text for u in utterances).most_common(1)[0][0]
        torch.manual_seed(seed)
        self.model = self._build()
        utterances, frames = self._perturbed(utterances)
        self.feature_mean = self.feature_std = None
        if c.normalize == "global":  # statistics of the training set, kept with the model
            every = np.concatenate(frames)
            self.feature_mean, self.feature_std = every.mean(0), every.std(0) + 1e-5
        x, lengths = self.features(utterances, frames)
        xv, lengths_v = self.features(validation)
        train = BucketedBatches(x, self._labels(utterances, lengths), lengths, c.batch_size, shuffle=True)
        val = BucketedBatches(xv, self._labels(validation, lengths_v), lengths_v, 64)
        hooks: list[Callback] = [EarlyStopping("val_loss", patience=c.patience, restore_best_weights=True)]
        if echo is not None:
            hooks.append(EpochLog(echo, "CTC loss {loss:.4f}, validation {val_loss:.4f}"))
        if minutes is not None:
            hooks += [TimeLimit(minutes), CosineDecayOverTime(minutes)]
        start = time.perf_counter()
        limit = epochs if epochs is not None else (c.epochs if minutes is None else 1_000_000)
        self.model.fit(train, epochs=limit, validation_data=val, callbacks=[*hooks, *callbacks], verbose=0)
        self.seconds = time.perf_counter() - start
        return self

    # --- using it -------------------------------------------------------------------------------
    def _ready(self) -> Sequential:
        if self.model is None or not self.alphabet:
            raise ConfigError("the transcriber is not trained yet: call fit() or load()")
        return self.model

    @torch.no_grad()
    def log_probs(self, utterances: Sequence[Utterance]) -> list[torch.Tensor]:
        """Per-frame log-probabilities ``(T_i, C)`` of each utterance (class 0 the blank)."""
        model = self._ready()
        model.eval()
        x, lengths = self.features(utterances)
        result: list[torch.Tensor] = [torch.empty(0)] * len(utterances)
        for index in BucketedBatches(x, None, lengths, 64).batch_indices():  # similar lengths together
            scores = model(x[index, : int(lengths[index].max())])  # (b, T, C)
            for row, i in enumerate(index.tolist()):
                result[i] = scores[row, : int(lengths[i])]
        return result

    def transcribe(self, utterances: Sequence[Utterance], beam_width: int | None = None) -> list[str]:
        """The text of each utterance (greedy CTC decoding, or prefix beam search)."""
        width = beam_width or self.config.beam_width
        decode = ctc_greedy if width == 1 else (lambda lp: ctc_beam_search(lp, width))
        return ["".join(self.alphabet[c - 1] for c in decode(lp)) for lp in self.log_probs(utterances)]

    def evaluate(self, utterances: Sequence[Utterance], beam_width: int | None = None) -> dict[str, float]:
        """CER and WER (fractions), whole-transcript accuracy, and the same for the trivial baseline that
        always answers the most frequent training transcript."""
        utterances = checked_utterances(utterances)
        truth = [u.text for u in utterances]
        said = self.transcribe(utterances, beam_width)
        baseline = [self.most_common] * len(truth)
        return {
            "cer": cer(said, truth),
            "wer": wer(said, truth),
            "exact": float(np.mean([s == t for s, t in zip(said, truth)])),
            "baseline_cer": cer(baseline, truth),
            "baseline_exact": float(np.mean([b == t for b, t in zip(baseline, truth)])),
            "utterances": float(len(truth)),
        }

    # --- saving ---------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> None:
        model = self._ready()
        metadata: dict[str, Any] = {
            "task": TASK,
            "config": asdict(self.config),
            "alphabet": self.alphabet,
            "most_common": self.most_common,
        }
        if self.feature_mean is not None and self.feature_std is not None:
            metadata["feature_mean"], metadata["feature_std"] = self.feature_mean.tolist(), self.feature_std.tolist()
        model.save(path, metadata=metadata)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Transcriber:
        metadata = load_metadata(path, task=TASK)
        try:
            transcriber = cls(**metadata["config"])
            alphabet = metadata["alphabet"]
            if not (isinstance(alphabet, list) and alphabet and all(isinstance(a, str) and len(a) == 1 for a in alphabet)
                    and len(set(alphabet)) == len(alphabet)):  # fmt: skip
                raise DataError("the alphabet must be a list of distinct single characters")
            transcriber.alphabet = alphabet
            transcriber.most_common = str(metadata.get("most_common", ""))
            if transcriber.config.normalize == "global":
                width = transcriber.config.bands * transcriber.config.stack
                mean = np.asarray(metadata["feature_mean"], dtype=np.float32)
                std = np.asarray(metadata["feature_std"], dtype=np.float32)
                if mean.shape != (width,) or std.shape != (width,) or not (std > 0).all():
                    raise DataError(f"feature statistics must be {width} numbers each, with std > 0")
                transcriber.feature_mean, transcriber.feature_std = mean, std
        except MALFORMED as exc:
            raise ModelFileError(f"{path}: the transcriber settings are malformed: {exc}") from exc
        model = load_model(path)
        if not isinstance(model, Sequential) or output_width(model) != len(transcriber.alphabet) + 1:
            raise ModelFileError(
                f"{path} does not hold a transcriber network for its {len(transcriber.alphabet)}-character alphabet"
            )
        transcriber.model = model
        return transcriber
