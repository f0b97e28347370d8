"""Models that emit a token sequence: ``EncoderDecoder`` (sequence → sequence) and ``VectorToSequence``
(one vector → sequence, e.g. a caption for an image).

Both train with Keras's teacher-forcing call, ``model.fit([inputs, target_in], target_out)``, where
``target_in = <sos> y_1 … y_n`` and ``target_out = y_1 … y_n <eos>`` (id 0 pads both, and the loss
``SparseCategoricalCrossentropy(from_logits=True, ignore_class=0)`` skips it), and both write new
sequences with ``generate`` (greedy, or beam search with ``beam_width > 1``).

``EncoderDecoder``: Embedding → (bi)directional recurrent encoder → memory ``(B, S, H)`` and a final
state that starts the ``Decoder`` (both directions summed), which attends over the memory when
``attention`` is set. ``VectorToSequence``: ``tanh(Dense(x))`` is the decoder's first state.

Example:
    >>> import torch
    >>> model = EncoderDecoder(source_vocab=12, target_vocab=9, units=16, attention="additive")
    >>> source, target_in = torch.randint(3, 12, (4, 7)), torch.randint(3, 9, (4, 5))
    >>> tuple(model(source, target_in).shape)                          # logits per target step
    (4, 5, 9)
    >>> len(model.generate(source, max_length=6, beam_width=3))
    4
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from rnnkit.data.arrays import to_tensor
from rnnkit.errors import ConfigError, ShapeError
from rnnkit.layers.core import Dense, Embedding
from rnnkit.layers.decoder import CELLS, Decoder
from rnnkit.layers.min_rnn import CELL_LAYERS
from rnnkit.layers.recurrent import Bidirectional
from rnnkit.models.model import Model
from rnnkit.nn.decoding import StepFn, beam_search, check_beam_width, greedy_search
from rnnkit.registry import MODELS
from rnnkit.validation import is_count

__all__ = ["EncoderDecoder", "VectorToSequence", "PAD", "SOS", "EOS"]

#: Reserved target ids: padding, start and end of sequence.
PAD, SOS, EOS = 0, 1, 2

_LAYERS = CELL_LAYERS


def _check_ids(name: str, ids: Any, vocab: int) -> Tensor:
    t = to_tensor(name, ids, min_rank=2)
    if t.dtype.is_floating_point:
        raise ShapeError(f"{name} must hold integer token ids, got floats")
    if int(t.min()) < 0 or int(t.max()) >= vocab:
        raise ShapeError(f"{name} holds ids in [{int(t.min())}, {int(t.max())}]; the vocabulary has ids 0..{vocab - 1}")
    return t


def _check_decoder_options(cell: str, target_vocab: int) -> None:
    if cell not in CELLS:
        raise ConfigError(f"cell must be one of {', '.join(CELLS)}, got {cell!r}")
    if target_vocab <= EOS:
        raise ConfigError(f"target_vocab must hold <pad>, <sos>, <eos> and at least one token, got {target_vocab}")


class _Generates(Model):
    """What both sequence-emitting models share: a decoder, generation and the summary's layer list."""

    decoder: Decoder
    teacher_forcing: float
    options: dict[str, Any]  # the constructor's arguments (what get_config saves)

    def _start(self, x: Tensor) -> tuple[tuple[Tensor, ...], Tensor | None, Tensor | None]:
        """Decoder start state, memory and memory mask for inputs ``x``."""
        raise NotImplementedError

    def _inputs(self, x: Any) -> Tensor:
        raise NotImplementedError

    def forward(self, x: Tensor, target_in: Tensor) -> Tensor:  # type: ignore[override]
        state, memory, mask = self._start(x)
        return self.decoder(target_in, state, memory, mask, teacher_forcing=self.teacher_forcing)  # (B, T, V)

    def build(self, input_shape: Any = None) -> None:
        """The weights exist from the constructor on (the vocabularies fix every size)."""
        self.output_shapes: dict[str, Any] = {}
        self._built((None, None))

    @torch.no_grad()
    def generate(
        self, x: Any, max_length: int = 50, beam_width: int = 1, length_penalty: float = 1.0, batch_size: int = 64
    ) -> list[list[int]]:
        """Output ids for each input (``<eos>`` and what follows dropped): greedy, or beam search."""
        if not is_count(max_length):
            raise ConfigError(f"max_length must be a positive integer, got {max_length!r}")
        check_beam_width(beam_width)
        xt = self._inputs(x).to(self._device())
        self.eval()
        out: list[list[int]] = []
        for start in range(0, len(xt), batch_size):
            chunk = xt[start : start + batch_size]
            step, state = self.search_start(chunk, beam_width)
            if beam_width == 1:
                out += greedy_search(step, state, SOS, EOS, max_length)
            else:
                out += beam_search(step, state, len(chunk), beam_width, SOS, EOS, max_length, length_penalty)
        return out

    def search_start(self, x: Tensor, rows_per_input: int = 1) -> tuple[StepFn, tuple[Tensor, ...]]:
        """The one-step function of the decoder over inputs ``x`` and its start state, every input's
        rows repeated ``rows_per_input`` times (one per beam) for greedy or beam search."""
        state, memory, mask = self._start(x)
        if rows_per_input > 1:
            grow = lambda t: None if t is None else t.repeat_interleave(rows_per_input, dim=0)  # noqa: E731
            memory, mask = grow(memory), grow(mask)
            state = tuple(s.repeat_interleave(rows_per_input, dim=0) for s in state)
        return self.decoder.stepper(memory, mask), state

    @torch.no_grad()
    def attention_weights(self, x: Any, target_in: Any) -> np.ndarray:
        """Attention of each target step over the source steps, ``(B, T, S)`` (needs ``attention``)."""
        if self.decoder.attention is None:
            raise ConfigError("this model has no attention (attention=None): there are no weights to show")
        self.eval()
        xt = self._inputs(x).to(self._device())
        tin = _check_ids("target_in", target_in, self.decoder.vocab_size).to(self._device())
        state, memory, mask = self._start(xt)
        record: list[Tensor] = []
        self.decoder(tin, state, memory, mask, record=record)
        return torch.stack(record, dim=1).cpu().numpy()


@MODELS.add
class EncoderDecoder(_Generates):
    """Sequence to sequence with an optional attention mechanism (translation, dates, spelling…).

    Args:
        source_vocab: source vocabulary size (id 0 is padding).
        target_vocab: target vocabulary size (id 0 is padding; 1 = ``<sos>``, 2 = ``<eos>``).
        units: H, hidden units of the encoder (each direction) and the decoder.
        embedding_dim: E for both sides (default H).
        cell: ``'gru'``, ``'lstm'``, ``'rnn'``, ``'mingru'``, ``'minlstm'`` or ``'lru'``.
        encoder_layers: stacked encoder layers.
        bidirectional: read the source both ways (directions summed, so the memory has H features).
        attention: None, ``'additive'`` (Bahdanau), ``'dot'`` or ``'general'`` (Luong): the score.
        attention_style: ``'bahdanau'`` (attend with the decoder's previous state, before its cell) or
            ``'luong'`` (with its new state, after the cell: teacher-forced training runs the cell on the
            fused kernel and attends for all steps at once). See ``rnnkit.layers.decoder``.
        dropout: on embeddings and decoder outputs while training.
        teacher_forcing: probability of feeding the true previous token while training (1.0: always).

    Shapes: source ``(B, S)`` ids, target_in ``(B, T)`` ids → logits ``(B, T, V)``.
    """

    def __init__(
        self,
        source_vocab: int,
        target_vocab: int,
        units: int = 128,
        embedding_dim: int | None = None,
        cell: str = "gru",
        encoder_layers: int = 1,
        bidirectional: bool = True,
        attention: str | None = "additive",
        dropout: float = 0.0,
        teacher_forcing: float = 1.0,
        name: str | None = None,
        attention_style: str = "bahdanau",
    ) -> None:
        super().__init__(name=name or "encoder_decoder")
        _check_decoder_options(cell, target_vocab)
        if not 0.0 <= teacher_forcing <= 1.0:
            raise ConfigError(f"teacher_forcing is a probability in [0, 1], got {teacher_forcing}")
        if encoder_layers < 1:
            raise ConfigError(f"encoder_layers must be >= 1, got {encoder_layers}")
        self.source_vocab = source_vocab
        self.options: dict[str, Any] = {
            "source_vocab": source_vocab,
            "target_vocab": target_vocab,
            "units": units,
            "embedding_dim": embedding_dim,
            "cell": cell,
            "encoder_layers": encoder_layers,
            "bidirectional": bidirectional,
            "attention": attention,
            "dropout": dropout,
            "teacher_forcing": teacher_forcing,
            "attention_style": attention_style,
        }
        self.teacher_forcing, self.dropout = teacher_forcing, dropout
        E = embedding_dim or units
        self.source_embedding = Embedding(source_vocab, E, mask_zero=True, name="source_embedding")
        self.encoder = nn.ModuleList()
        for i in range(encoder_layers):
            layer = _LAYERS[cell](units, return_sequences=True, return_state=True, name=f"encoder_{i}")
            self.encoder.append(Bidirectional(layer, merge_mode="sum", name=f"encoder_{i}") if bidirectional else layer)
        self.decoder = Decoder(target_vocab, units, E, cell, attention, units, dropout, attention_style, name="decoder")
        with torch.no_grad():  # create the encoder's weights (the decoder has its own already)
            self._start(torch.ones(1, 1, dtype=torch.long))
        self.build()

    @property
    def layers(self) -> list[nn.Module]:
        return [self.source_embedding, *self.encoder, self.decoder]

    def _inputs(self, x: Any) -> Tensor:
        return _check_ids("source", x, self.source_vocab)

    def _start(self, x: Tensor) -> tuple[tuple[Tensor, ...], Tensor | None, Tensor | None]:
        mask = x != 0  # (B, S)
        if not bool(mask.any(dim=1).all()):
            raise ShapeError("every source sequence needs at least one token (a row is all padding)")
        y = self.source_embedding(x)  # (B, S, E)
        if self.dropout:
            y = nn.functional.dropout(y, self.dropout, self.training)
        states: list[Tensor] = []
        for layer in self.encoder:
            y, *states = layer(y, mask=mask)  # (B, S, H)
        n = len(self.decoder.state_size)
        if len(states) == 2 * n:  # both directions: sum their final states
            states = [f + b for f, b in zip(states[:n], states[n:])]
        return tuple(states), y, mask

    def get_config(self) -> dict[str, Any]:
        return {**self.options, "name": self.name}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> EncoderDecoder:
        return cls(**config)


@MODELS.add
class VectorToSequence(_Generates):
    """One vector in, a token sequence out (one-to-many): e.g. an image's caption.

    ``tanh(Dense(x))`` gives the decoder's first state (both ``h`` and ``c`` for an LSTM); the decoder
    then writes ``<sos> → y_1 → … → <eos>`` conditioned on nothing else.

    Args:
        input_dim: F, features of the input vector.
        target_vocab: V (0 padding, 1 ``<sos>``, 2 ``<eos>``).
        units: as ``EncoderDecoder``.
        embedding_dim: as ``EncoderDecoder``.
        cell: as ``EncoderDecoder``.
        dropout: as ``EncoderDecoder``.
        teacher_forcing: as ``EncoderDecoder``.

    Shapes: x ``(B, F)``, target_in ``(B, T)`` ids → logits ``(B, T, V)``.
    """

    def __init__(
        self,
        input_dim: int,
        target_vocab: int,
        units: int = 64,
        embedding_dim: int | None = None,
        cell: str = "gru",
        dropout: float = 0.0,
        teacher_forcing: float = 1.0,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name or "vector_to_sequence")
        _check_decoder_options(cell, target_vocab)
        self.options: dict[str, Any] = {
            "input_dim": input_dim,
            "target_vocab": target_vocab,
            "units": units,
            "embedding_dim": embedding_dim,
            "cell": cell,
            "dropout": dropout,
            "teacher_forcing": teacher_forcing,
        }
        self.teacher_forcing = teacher_forcing
        self.decoder = Decoder(target_vocab, units, embedding_dim, cell, None, None, dropout, name="decoder")
        n = len(self.decoder.state_size)
        self.bridge = Dense(n * units, activation="tanh", name="initial_state")
        self.bridge.build((None, input_dim))
        self.bridge.built = True
        self.build()

    @property
    def layers(self) -> list[nn.Module]:
        return [self.bridge, self.decoder]

    def _inputs(self, x: Any) -> Tensor:
        t = to_tensor("x", x, min_rank=2, integer_ok=False)
        if t.dim() != 2 or t.shape[1] != self.options["input_dim"]:
            raise ShapeError(f"x must be (samples, {self.options['input_dim']}) vectors, got {tuple(t.shape)}")
        return t

    def _start(self, x: Tensor) -> tuple[tuple[Tensor, ...], Tensor | None, Tensor | None]:
        first = self.bridge(x)  # (B, n·H)
        return tuple(first.chunk(len(self.decoder.state_size), dim=-1)), None, None

    def get_config(self) -> dict[str, Any]:
        return {**self.options, "name": self.name}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> VectorToSequence:
        return cls(**config)
