"""Character-level text generation, char-rnn style.

Training reads the corpus as ``batch`` parallel streams (``rnnkit.data.text.parallel_streams``) in
chunks of ``bptt`` characters with the recurrent state carried from chunk to chunk (truncated BPTT,
``rnnkit.train.bptt``). The last ``validation`` fraction of the corpus is held out and scored as one
stream with the state carried. Losses are in nats per character (÷ ln 2 for bits).

Generation warms the state up on the priming text, then samples one character at a time and feeds it
back (``Sequential.step``), with temperature, top-k and top-p.

Example::

    gen = TextGenerator(units=256, layers=2)
    gen.fit(text, minutes=10, checkpoint="shakespeare_model")
    print(gen.generate("ROMEO:", length=300, temperature=0.8, seed=1))
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import torch

from rnnkit.callbacks import Callback, CosineDecayOverTime, SaveBest, TimeLimit
from rnnkit.data.text import CharVocabulary, parallel_streams
from rnnkit.errors import ConfigError, DataError, ModelFileError
from rnnkit.initializers import RandomNormal
from rnnkit.layers import Dense, Dropout, Embedding, LayerNormalization, Residual
from rnnkit.layers.min_rnn import CELL_LAYERS
from rnnkit.models import Sequential, load_metadata, load_model
from rnnkit.models.saving import MALFORMED
from rnnkit.optimizers import Adam
from rnnkit.train.losses import SparseCategoricalCrossentropy
from rnnkit.validation import check_field_types

__all__ = ["TextGeneratorConfig", "TextGenerator", "check_sampling", "sample_next"]

TASK = "text_generation"
CELLS = CELL_LAYERS


@dataclass(frozen=True)
class TextGeneratorConfig:
    """Everything that defines a text generator's network and training.

    ``residual=True`` builds the language model of the minGRU paper instead of a plain stack: the
    embedding ``units`` wide, then per layer a pre-norm residual block around the recurrent layer and
    one around a feed-forward network (``Dense(feed_forward·units, gelu) → Dense(units)``;
    ``rnnkit.layers.Residual``), and a ``LayerNormalization`` before the logits. ``embedding`` is then
    unused; ``feed_forward=0`` leaves the feed-forward blocks out.
    """

    cell: str = "lstm"
    units: int = 256
    layers: int = 2
    embedding: int = 64
    dropout: float = 0.0
    bptt: int = 100
    batch: int = 64
    learning_rate: float = 2e-3
    clipnorm: float = 5.0
    validation: float = 0.1
    residual: bool = False
    feed_forward: int = 4

    def __post_init__(self) -> None:
        check_field_types(self)
        if self.cell not in CELLS:
            raise ConfigError(f"cell must be one of {sorted(CELLS)}, got {self.cell!r}")
        for name in ("units", "layers", "embedding", "bptt", "batch"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be a positive integer, got {getattr(self, name)}")
        if not 0 <= self.feed_forward <= 16:
            raise ConfigError(f"feed_forward must be a multiple of units from 0 to 16, got {self.feed_forward}")
        if not 0 <= self.dropout < 1 or not 0 < self.validation < 0.5:
            raise ConfigError("dropout must be in [0, 1) and validation in (0, 0.5)")


def check_sampling(temperature: float, top_k: int | None, top_p: float | None) -> None:
    """Refuse sampling options outside their ranges, naming the option."""
    if not temperature > 0:
        raise ConfigError(f"temperature must be > 0, got {temperature}")
    if top_k is not None and top_k < 1:
        raise ConfigError(f"top_k must be at least 1, got {top_k}")
    if top_p is not None and not 0 < top_p <= 1:
        raise ConfigError(f"top_p must be in (0, 1], got {top_p}")


def sample_next(
    logits: torch.Tensor,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    generator: torch.Generator | None = None,
) -> int:
    """Draw one id from ``softmax(logits / temperature)``, keeping the ``top_k`` most likely ids and the
    smallest set whose probability reaches ``top_p`` (nucleus sampling)."""
    check_sampling(temperature, top_k, top_p)
    scaled = logits.double() / temperature  # (V,)
    if top_k is not None and top_k < scaled.numel():
        cutoff = torch.topk(scaled, top_k).values[-1]
        scaled = scaled.masked_fill(scaled < cutoff, -math.inf)
    probs = torch.softmax(scaled, dim=-1)
    if top_p is not None and top_p < 1:
        sorted_probs, order = torch.sort(probs, descending=True)
        outside = sorted_probs.cumsum(0) - sorted_probs >= top_p  # ids after the nucleus is full
        probs = probs.scatter(0, order[outside], 0.0)
    return int(torch.multinomial(probs, 1, generator=generator))


class _Report(Callback):
    """One line per epoch in nats and bits per character, and characters per second."""

    def __init__(self, chars_per_epoch: int, echo: Callable[[str], None]) -> None:
        self.chars, self.echo = chars_per_epoch, echo

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        speed = self.chars / max(time.perf_counter() - self.start, 1e-9)
        val = logs.get("val_loss", math.nan)
        self.echo(
            f"epoch {epoch + 1}: train {logs.get('loss', math.nan):.4f} nats/char, validation {val:.4f} nats/char "
            f"({val / math.log(2):.3f} bits/char), {speed:,.0f} chars/s"
        )


class TextGenerator:
    """A character-level language model: Embedding → ``layers`` × LSTM/GRU/RNN → Dense(vocabulary)."""

    def __init__(self, **options: Any) -> None:
        self.config = TextGeneratorConfig(**options)
        self.vocab: CharVocabulary | None = None
        self.model: Sequential | None = None
        self.best_val_loss = math.inf

    # --- building and training ------------------------------------------------------------------
    def _build(self, vocab: CharVocabulary) -> Sequential:
        c = self.config
        # unit-scale character vectors, like char-rnn's one-hot inputs; Keras's ±0.05 default starts slowly
        # (tiny-shakespeare, 2x256, 3 minutes: 1.70 nats/char with it, 1.55 with this)
        width = c.units if c.residual else c.embedding
        layers: list[Any] = [Embedding(len(vocab), width, embeddings_initializer=RandomNormal(stddev=1.0))]

        def dropout() -> list[Any]:  # a new layer each time: a layer object sits at one place in a model
            return [Dropout(c.dropout)] if c.dropout > 0 else []

        for i in range(c.layers):
            cell = CELLS[c.cell](c.units, return_sequences=True, name=f"{c.cell}_{i + 1}")
            if c.residual:
                layers.append(Residual([cell, *dropout()]))
                if c.feed_forward:
                    layers.append(Residual([Dense(c.feed_forward * c.units, activation="gelu"), Dense(c.units), *dropout()]))
            else:
                layers += [cell, *dropout()]
        if c.residual:
            layers.append(LayerNormalization(epsilon=1e-5))
        layers.append(Dense(len(vocab), name="logits"))
        model = Sequential(layers, name="char_" + c.cell)
        model.compile(
            optimizer=Adam(learning_rate=c.learning_rate),
            loss=SparseCategoricalCrossentropy(from_logits=True),
            clipnorm=c.clipnorm,
        )
        model.build((None, None))
        return model

    def split(self, text: str) -> tuple[str, str]:
        """Training and validation text: the last ``validation`` fraction is held out."""
        cut = int(len(text) * (1 - self.config.validation))
        return text[:cut], text[cut:]

    def fit(
        self,
        text: str,
        epochs: int | None = None,
        minutes: float | None = None,
        checkpoint: str | os.PathLike[str] | None = None,
        echo: Callable[[str], None] | None = print,
        callbacks: Sequence[Callback] = (),
    ) -> dict[str, list[float]]:
        """Train on ``text`` for ``epochs`` passes or within ``minutes`` (at least one epoch).

        With ``minutes`` the learning rate follows a cosine decay over the budget (to 10 %), and training
        stops when another epoch would overrun it.

        ``checkpoint``: a folder that always holds the generator with the best validation loss so far
        (better than ``best_val_loss``, which a loaded or resumed generator keeps).
        Returns the history (``loss``, ``val_loss`` in nats/char).
        """
        if epochs is None and minutes is None:
            raise ConfigError("give epochs= or minutes=")
        c = self.config
        if not text:
            raise DataError("the corpus is empty")
        train, val = self.split(text)
        need = c.batch * c.bptt + 1
        if len(train) < need or len(val) < 2:
            raise DataError(
                f"a corpus of {len(text):,} characters is too short: training needs at least batch × bptt + 1 = "
                f"{need:,} characters ({c.batch} streams of {c.bptt}) plus a validation part; lower batch or bptt"
            )
        if self.vocab is None:
            self.vocab = CharVocabulary.from_text(text)
        self.model = self.model or self._build(self.vocab)
        self.model.optimizer.learning_rate = c.learning_rate  # type: ignore[union-attr]  # a resumed run starts afresh
        x, y = parallel_streams(self.vocab.encode(train), c.batch)  # (B, L) each
        val_ids = self.vocab.encode(val)
        x_val, y_val = val_ids[None, :-1], val_ids[None, 1:]  # one stream, state carried through it
        hooks: list[Callback] = []
        if echo is not None:
            hooks.append(_Report(x.size, echo))
        if minutes is not None:  # finish within the budget, the learning rate decaying over it
            hooks += [TimeLimit(minutes), CosineDecayOverTime(minutes)]
        if checkpoint is not None:
            hooks.append(
                SaveBest(
                    lambda loss: self._save_best(loss, checkpoint),
                    "val_loss",
                    initial_value_threshold=self.best_val_loss,
                )
            )
        history = self.model.fit(
            x, y, batch_size=c.batch, epochs=epochs if epochs is not None else 1_000_000, shuffle=False,
            bptt_steps=c.bptt, validation_data=(x_val, y_val), callbacks=[*hooks, *callbacks], verbose=0,
        )  # fmt: skip
        self.best_val_loss = min(self.best_val_loss, *history.history["val_loss"])
        return history.history

    def evaluate(self, text: str) -> float:
        """Loss in nats per character on ``text``, read as one stream with the state carried."""
        model, vocab = self._ready()
        ids = vocab.encode(text)
        if len(ids) < 2:
            raise DataError("evaluation text needs at least 2 characters")
        return float(model.evaluate(ids[None, :-1], ids[None, 1:], verbose=0))  # type: ignore[arg-type]

    # --- generation -----------------------------------------------------------------------------
    def stream(
        self,
        prime: str = "",
        length: int = 500,
        temperature: float = 1.0,
        top_k: int | None = None,
        top_p: float | None = None,
        seed: int | None = None,
    ) -> Iterator[str]:
        """Yield ``length`` generated characters one at a time, after warming up on ``prime``."""
        model, vocab = self._ready()
        if length < 0:
            raise ConfigError(f"length must be >= 0, got {length}")
        check_sampling(temperature, top_k, top_p)
        generator = torch.Generator().manual_seed(seed) if seed is not None else None
        start = prime or ("\n" if "\n" in vocab.chars else vocab.chars[0])
        ids = vocab.encode(start)
        state = model.initial_state(1)
        for i in ids[:-1]:  # warm the state up on the priming text
            _, state = model.step(torch.tensor([i]), state)
        last = int(ids[-1])
        for _ in range(length):
            logits, state = model.step(torch.tensor([last]), state)  # (1, V)
            last = sample_next(logits[0], temperature, top_k, top_p, generator)
            yield vocab.chars[last]

    def generate(self, prime: str = "", length: int = 500, **sampling: Any) -> str:
        """``prime`` followed by ``length`` generated characters."""
        return prime + "".join(self.stream(prime, length, **sampling))

    # --- saving ---------------------------------------------------------------------------------
    def _save_best(self, val_loss: float, path: str | os.PathLike[str]) -> None:
        self.best_val_loss = val_loss
        self.save(path)

    def save(self, path: str | os.PathLike[str]) -> None:
        model, vocab = self._ready()
        model.save(
            path,
            metadata={"task": TASK, "vocabulary": vocab.to_dict(), "config": asdict(self.config),
                      "best_val_loss": self.best_val_loss if math.isfinite(self.best_val_loss) else None},
        )  # fmt: skip

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> TextGenerator:
        metadata = load_metadata(path, task=TASK)
        try:
            generator = cls(**metadata["config"])
            generator.vocab = CharVocabulary.from_dict(metadata["vocabulary"])
        except MALFORMED as exc:
            raise ModelFileError(f"{path}: the text generator settings are malformed: {exc}") from exc
        generator.model = load_model(path)
        best = metadata.get("best_val_loss")
        generator.best_val_loss = float(best) if isinstance(best, int | float) else math.inf
        return generator

    def _ready(self) -> tuple[Sequential, CharVocabulary]:
        if self.model is None or self.vocab is None:
            raise ConfigError("the text generator is not trained yet: call fit() or load()")
        return self.model, self.vocab
