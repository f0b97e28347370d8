"""``Translator``: sentence pairs in, a sequence-to-sequence model with attention out.

Data flow: pairs → normalised tokens (lowercase, accents stripped, punctuation split off: the same on
both sides) → ids (``<pad>`` 0, ``<sos>`` 1, ``<eos>`` 2, ``<unk>`` 3 on the target side; ``<pad>``,
``<unk>`` on the source side) → length-bucketed batches → ``EncoderDecoder`` trained with teacher forcing
(cross-entropy that ignores padding) → greedy or beam-search translations. The model with the best
validation loss is kept. Sentences longer than ``max_length`` tokens are truncated, with a warning;
source words never seen in training become ``<unk>`` and are counted.

Example::

    translator = Translator(units=256, attention="additive")
    translator.fit(english, french, minutes=15)
    translator.translate(["I am cold."])            # ['j ai froid .']
    translator.evaluate(test_english, test_french)  # {'bleu': ..., 'chrf': ..., 'exact': ...}
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch

from rnnkit.callbacks import (
    BackupAndRestore,
    Callback,
    CosineDecayOverTime,
    EarlyStopping,
    EpochLog,
    SaveBest,
    TimeLimit,
)
from rnnkit.data.batching import SequencePairBatches
from rnnkit.data.pairs import split_by_source
from rnnkit.data.words import WordTokenizer, pad_sequences
from rnnkit.errors import ConfigError, DataError, ModelFileError
from rnnkit.models import EncoderDecoder, Ensemble, load_metadata, load_model
from rnnkit.models.ensemble import MAX_MEMBERS
from rnnkit.models.model import check_mixed_precision
from rnnkit.models.saving import MALFORMED
from rnnkit.models.seq2seq import EOS, SOS
from rnnkit.nn.attention import check_style
from rnnkit.nn.decoding import check_beam_width, check_length_penalty
from rnnkit.optimizers import Adam
from rnnkit.tasks.translation_metrics import chrf, corpus_bleu, exact_match
from rnnkit.train.losses import SparseCategoricalCrossentropy, check_label_smoothing
from rnnkit.validation import check_field_types

__all__ = ["TranslatorConfig", "Translator"]

TASK = "translation"
SOURCE_SPECIALS = ("<pad>", "<unk>")
TARGET_SPECIALS = ("<pad>", "<sos>", "<eos>", "<unk>")


@dataclass(frozen=True)
class TranslatorConfig:
    """Settings of a ``Translator`` (saved with the model).

    Network: ``cell``, ``units``, ``embedding_dim`` (None: units), ``encoder_layers``, ``bidirectional``,
    ``attention`` (None, 'additive', 'dot', 'general'), ``attention_style`` ('bahdanau': attend before the
    decoder's cell; 'luong': after it, faster to train), ``dropout``, ``teacher_forcing``.
    Text: ``source_tokens``/``target_tokens`` ('word' or 'char'), ``lower``, ``accents`` (False strips
    them), ``token_pattern`` (a word token; by default apostrophes stand alone: ``j ' ai``), ``max_words``
    per side, ``min_count``, ``max_length`` (tokens per sentence).
    Training: ``epochs``, ``batch_size``, ``learning_rate``, ``clipnorm``, ``label_smoothing`` (ε of the
    cross-entropy), ``mixed_precision`` (None or 'bf16': training's forward pass under bfloat16
    autocast), ``validation`` (fraction held out when no validation pairs are given), ``patience``
    (epochs without a better validation loss), ``ensemble`` (networks trained one after another from
    different random starts, each with an equal share of the time budget; they translate together,
    averaging their next-word probabilities: ``rnnkit.models.Ensemble``).
    Decoding: ``beam_width`` (1: greedy), ``length_penalty``.
    """

    cell: str = "gru"
    units: int = 256
    embedding_dim: int | None = None
    encoder_layers: int = 1
    bidirectional: bool = True
    attention: str | None = "additive"
    attention_style: str = "bahdanau"
    dropout: float = 0.4
    teacher_forcing: float = 1.0
    source_tokens: str = "word"
    target_tokens: str = "word"
    lower: bool = True
    accents: bool = False
    token_pattern: str = r"\w+|[^\w\s]"
    max_words: int | None = 30_000
    min_count: int = 1
    max_length: int = 50
    epochs: int = 40
    batch_size: int = 64
    learning_rate: float = 3e-3
    clipnorm: float = 1.0
    label_smoothing: float = 0.1
    mixed_precision: str | None = None
    ensemble: int = 1
    validation: float = 0.05
    patience: int = 5
    beam_width: int = 5
    length_penalty: float = 1.0

    def __post_init__(self) -> None:
        check_field_types(self)
        for side in ("source_tokens", "target_tokens"):
            if getattr(self, side) not in ("word", "char"):
                raise ConfigError(f"{side} must be 'word' or 'char', got {getattr(self, side)!r}")
        for name in ("units", "encoder_layers", "max_length", "epochs", "batch_size", "ensemble"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name} must be a positive integer, got {value!r}")
        if not 0.0 < self.validation < 0.5:
            raise ConfigError(f"validation must be a fraction in (0, 0.5), got {self.validation}")
        if not self.learning_rate > 0 or not self.clipnorm > 0:
            raise ConfigError("learning_rate and clipnorm must be > 0")
        check_style(self.attention_style)
        check_mixed_precision(self.mixed_precision)
        if self.ensemble > MAX_MEMBERS:
            raise ConfigError(f"ensemble must be at most {MAX_MEMBERS} networks, got {self.ensemble}")
        check_label_smoothing(self.label_smoothing)
        check_length_penalty(self.length_penalty)
        check_beam_width(self.beam_width)


class Translator:
    """Translate sentences with an ``EncoderDecoder``; options are ``TranslatorConfig``'s fields."""

    def __init__(self, **options: Any) -> None:
        self.config = TranslatorConfig(**options)
        self.source_tokenizer: WordTokenizer | None = None
        self.target_tokenizer: WordTokenizer | None = None
        self.model: EncoderDecoder | Ensemble | None = None
        self.unknown_words = 0  # source tokens mapped to <unk> by the last encode
        self.seconds = 0.0  # training time of the last fit

    # --- text ↔ ids -----------------------------------------------------------------------------
    def _tokenizer(self, side: str, specials: tuple[str, ...]) -> WordTokenizer:
        c = self.config
        char = getattr(c, f"{side}_tokens") == "char"
        return WordTokenizer(c.max_words, c.min_count, c.lower, char, c.accents, specials, c.token_pattern)

    def _ready(self) -> tuple[EncoderDecoder | Ensemble, WordTokenizer, WordTokenizer]:
        source, target = self._tokenizers()
        if self.model is None:
            raise ConfigError("the translator is not trained yet: call fit() or load()")
        return self.model, source, target

    def _tokenizers(self) -> tuple[WordTokenizer, WordTokenizer]:
        if self.source_tokenizer is None or self.target_tokenizer is None:
            raise ConfigError("the translator is not trained yet: call fit() or load()")
        return self.source_tokenizer, self.target_tokenizer

    def _truncate(self, rows: list[list[int]], side: str) -> list[list[int]]:
        limit = self.config.max_length
        long = sum(len(r) > limit for r in rows)
        if long:
            warnings.warn(
                f"{long} {side} sentence(s) longer than max_length={limit} tokens were truncated", stacklevel=3
            )
        return [r[:limit] for r in rows]

    def encode_sources(self, sentences: Sequence[str]) -> np.ndarray:
        """``(N, S)`` source ids, right-padded; counts unknown words in ``unknown_words``."""
        source, _ = self._tokenizers()
        rows = self._truncate(source.encode(_texts(sentences, "sentences")), "source")
        self.unknown_words = sum(r.count(source.oov) for r in rows)
        return pad_sequences([r or [source.oov] for r in rows], padding="post")

    def _encode_targets(self, sentences: Sequence[str]) -> np.ndarray:
        """``(N, T + 2)`` ids ``<sos> … <eos>``, right-padded."""
        _, target = self._tokenizers()
        rows = self._truncate(target.encode(sentences), "target")
        return pad_sequences([[SOS, *r, EOS] for r in rows], padding="post")

    def _detokenize(self, ids: list[int]) -> str:
        _, target = self._tokenizers()
        return target.decode(ids)

    def reference_tokens(self, sentences: Sequence[str]) -> list[str]:
        """References normalised and split as the target side is (what BLEU compares against)."""
        _, target = self._tokenizers()
        joiner = "" if target.char_level else " "
        return [joiner.join(target.split(s)) for s in sentences]

    # --- training -------------------------------------------------------------------------------
    def fit(
        self,
        sources: Sequence[str],
        targets: Sequence[str],
        validation: tuple[Sequence[str], Sequence[str]] | None = None,
        epochs: int | None = None,
        minutes: float | None = None,
        checkpoint: str | os.PathLike[str] | None = None,
        echo: Callable[[str], None] | None = None,
        seed: int = 0,
        callbacks: Sequence[Callback] = (),
    ) -> Translator:
        """Learn vocabularies and the network from ``sources[i] → targets[i]``.

        Without ``validation`` pairs a seeded ``config.validation`` fraction of the distinct source
        sentences is held out, each with all its translations (``rnnkit.data.pairs.split_by_source``). Training stops
        after ``epochs`` (default ``config.epochs``), after ``patience`` epochs without a better
        validation loss, or within ``minutes`` (with a cosine learning-rate decay over that time); the
        weights of the best validation loss are kept (and saved to ``checkpoint`` as they improve). With
        ``ensemble=M`` the M networks share the vocabularies, the validation pairs and the budget, and
        network m starts from ``seed + m``.
        """
        c = self.config
        sources, targets = _texts(sources, "sources"), _texts(targets, "targets")
        if len(sources) != len(targets):
            raise DataError(f"need one target per source, got {len(sources)} sources and {len(targets)} targets")
        if validation is None:
            if len(sources) < 20:
                raise DataError(f"need at least 20 sentence pairs to hold some out for validation, got {len(sources)}")
            kept, held = split_by_source(sources, c.validation, seed)
            if not kept:
                raise DataError("every pair has the same source sentence: nothing is left to hold out for validation")
            validation = ([sources[i] for i in held], [targets[i] for i in held])
            sources, targets = [sources[i] for i in kept], [targets[i] for i in kept]
        if c.ensemble > 1 and any(isinstance(cb, BackupAndRestore) for cb in callbacks):
            raise ConfigError(
                "BackupAndRestore resumes one network, and an ensemble trains several one after another: "
                "train with ensemble=1 to be able to resume"
            )
        self.source_tokenizer = self._tokenizer("source", SOURCE_SPECIALS).fit(sources)
        self.target_tokenizer = self._tokenizer("target", TARGET_SPECIALS).fit(targets)
        train = SequencePairBatches(
            torch.from_numpy(self.encode_sources(sources)), torch.from_numpy(self._encode_targets(targets)),
            c.batch_size, shuffle=True,
        )  # fmt: skip
        val = SequencePairBatches(
            torch.from_numpy(self.encode_sources(validation[0])),
            torch.from_numpy(self._encode_targets(_texts(validation[1], "validation targets"))), 256,
        )  # fmt: skip
        start = time.perf_counter()
        members: list[EncoderDecoder] = []
        for m in range(c.ensemble):
            torch.manual_seed(seed + m)
            member = self._network(f"member_{m}" if c.ensemble > 1 else None)
            self.model = member if c.ensemble == 1 else Ensemble([*members, member])
            say = echo if echo is None or c.ensemble == 1 else _prefixed(echo, f"network {m + 1}/{c.ensemble}: ")
            self._fit_network(member, train, val, epochs, None if minutes is None else minutes / c.ensemble,
                              checkpoint, say, callbacks)  # fmt: skip
            members.append(member)
        self.seconds = time.perf_counter() - start
        return self

    def _network(self, name: str | None) -> EncoderDecoder:
        c = self.config
        source, target = self._tokenizers()
        network = EncoderDecoder(
            source.vocabulary_size, target.vocabulary_size, c.units, c.embedding_dim,
            c.cell, c.encoder_layers, c.bidirectional, c.attention, c.dropout, c.teacher_forcing, name=name,
            attention_style=c.attention_style,
        )  # fmt: skip
        network.compile(
            Adam(c.learning_rate),
            SparseCategoricalCrossentropy(from_logits=True, ignore_class=0, label_smoothing=c.label_smoothing),
            clipnorm=c.clipnorm,
            mixed_precision=c.mixed_precision,
        )
        return network

    def _fit_network(
        self,
        network: EncoderDecoder,
        train: SequencePairBatches,
        val: SequencePairBatches,
        epochs: int | None,
        minutes: float | None,
        checkpoint: str | os.PathLike[str] | None,
        echo: Callable[[str], None] | None,
        callbacks: Sequence[Callback],
    ) -> None:
        """Teacher-forced training of one network, stopped early on the validation loss."""
        c = self.config
        hooks: list[Callback] = [EarlyStopping("val_loss", patience=c.patience, restore_best_weights=True)]
        if echo is not None:
            hooks.append(EpochLog(echo, "loss {loss:.4f}, validation loss {val_loss:.4f}"))
        if minutes is not None:
            hooks += [TimeLimit(minutes), CosineDecayOverTime(minutes)]
        if checkpoint is not None:
            hooks.append(SaveBest(lambda _: self.save(checkpoint), monitor="val_loss"))
        limit = epochs if epochs is not None else (c.epochs if minutes is None else 1_000_000)
        network.fit(train, epochs=limit, validation_data=val, callbacks=[*hooks, *callbacks], verbose=0)

    # --- using it -------------------------------------------------------------------------------
    def translate(
        self, sentences: Sequence[str] | str, beam_width: int | None = None, max_length: int | None = None
    ) -> list[str]:
        """Translations (normalised target tokens joined by spaces, or characters for 'char' targets)."""
        model, _, _ = self._ready()
        if isinstance(sentences, str):
            sentences = [sentences]
        source = self.encode_sources(sentences)
        out = model.generate(
            source,
            max_length=max_length or self.config.max_length + 1,
            beam_width=beam_width or self.config.beam_width,
            length_penalty=self.config.length_penalty,
        )
        return [self._detokenize(ids) for ids in out]

    def evaluate(
        self, sources: Sequence[str], references: Sequence[str | Sequence[str]], beam_width: int | None = None
    ) -> dict[str, float]:
        """BLEU and chrF (sacreBLEU's definitions, on the normalised tokens), exact-match percentage,
        and the number of unknown source words. Each source has one reference, or a list of them."""
        refs = [[r] if isinstance(r, str) else _texts(r, "references") for r in _texts_or_lists(references)]
        hypotheses = self.translate(sources, beam_width=beam_width)
        unknown = self.unknown_words
        _, _, target = self._ready()
        tokenized = [self.reference_tokens(rs) for rs in refs]
        if target.char_level:  # score characters as tokens
            hyps = [" ".join(h) for h in hypotheses]
            tokenized = [[" ".join(r) for r in rs] for rs in tokenized]
        else:
            hyps = hypotheses
        return {
            "bleu": corpus_bleu(hyps, tokenized),
            "chrf": chrf(hyps, tokenized),
            "exact": exact_match(hyps, tokenized),
            "unknown_words": float(unknown),
            "sentences": float(len(hyps)),
        }

    def attention(self, sentence: str, beam_width: int = 1) -> tuple[list[str], list[str], np.ndarray]:
        """Source tokens, translated tokens (``<eos>`` last) and the attention weights ``(T, S)`` between them."""
        model, source_tok, target_tok = self._ready()
        source = self.encode_sources([sentence])
        out = model.generate(source, max_length=self.config.max_length + 1, beam_width=beam_width)[0]
        target_in = np.array([[SOS, *out]])
        weights = model.attention_weights(source, target_in)[0]  # (T, S)
        return source_tok.tokens(source[0]), [*target_tok.tokens(out), "<eos>"], weights

    # --- saving ---------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> None:
        model, source, target = self._ready()
        metadata = {"task": TASK, "config": asdict(self.config), "source": source.to_dict(), "target": target.to_dict()}
        model.save(path, metadata=metadata)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Translator:
        metadata = load_metadata(path, task=TASK)
        try:
            translator = cls(**metadata["config"])
            translator.source_tokenizer = WordTokenizer.from_dict(metadata["source"])
            translator.target_tokenizer = WordTokenizer.from_dict(metadata["target"])
        except MALFORMED as exc:
            raise ModelFileError(f"{path}: the translator settings are malformed: {exc}") from exc
        model = load_model(path)
        if not isinstance(model, EncoderDecoder | Ensemble):
            raise ModelFileError(f"{path} holds a {type(model).__name__}, not an encoder-decoder")
        networks = len(model.members) if isinstance(model, Ensemble) else 1
        if networks != translator.config.ensemble:
            raise ModelFileError(
                f"{path}: the settings name an ensemble of {translator.config.ensemble}, the model has {networks}"
            )
        sizes = (translator.source_tokenizer.vocabulary_size, translator.target_tokenizer.vocabulary_size)
        if sizes != (model.options.get("source_vocab"), model.options.get("target_vocab")):
            raise ModelFileError(f"{path}: the vocabularies ({sizes[0]}, {sizes[1]} ids) do not fit the network")
        translator.model = model
        return translator


def _prefixed(echo: Callable[[str], None], prefix: str) -> Callable[[str], None]:
    return lambda line: echo(prefix + line)


def _texts_or_lists(values: Sequence[str | Sequence[str]]) -> list[str | Sequence[str]]:
    if isinstance(values, str) or not len(values):
        raise DataError("references must be a non-empty list (one reference, or a list of them, per source)")
    return list(values)


def _texts(values: Sequence[str], name: str) -> list[str]:
    """``values`` as a list of non-empty strings, or a ``DataError`` naming the first bad one."""
    if isinstance(values, str):
        raise DataError(f"{name} must be a list of sentences, got one string")
    try:
        texts = list(values)
    except TypeError:
        raise DataError(f"{name} must be a list of sentences, got {type(values).__name__}") from None
    if not texts:
        raise DataError(f"{name} is empty: give at least one sentence")
    for i, text in enumerate(texts):
        if not isinstance(text, str) or not text.strip():
            raise DataError(f"{name}[{i}] must be a non-empty sentence, got {text!r}")
    return texts
