"""The four input/output shapes of recurrent networks, one builder each (plus the unaligned one).

==================  ==========================================  ==========================================
builder             in → out                                    for
==================  ==========================================  ==========================================
``one_to_one``      vector ``(B, F)`` → ``(B, O)``              a plain network: no time axis at all
``one_to_many``     vector ``(B, F)`` → tokens ``(B, T)``       captioning: an image's name, letter by letter
``many_to_one``     sequence ``(B, T, F)`` → ``(B, O)``         forecasting the next value, sentiment
``many_to_many``    sequence ``(B, T, F)`` → ``(B, T, O)``      tagging every step (aligned)
``encoder_decoder`` tokens ``(B, S)`` → tokens ``(B, T)``       translation (unaligned, other lengths)
==================  ==========================================  ==========================================

All of them train with ``compile`` / ``fit`` / ``evaluate`` / ``predict``; the two that emit tokens
train with teacher forcing (``fit([x, target_in], target_out)``) and write with ``generate``.

Example:
    >>> model = many_to_one((10, 1), units=32, outputs=1, cell="rnn")
    >>> [type(layer).__name__ for layer in model.layers]
    ['SimpleRNN', 'Dense']
"""

from __future__ import annotations

from collections.abc import Sequence

from rnnkit.errors import ConfigError
from rnnkit.layers import Bidirectional, Dense, Masking, TimeDistributed
from rnnkit.layers.base import Layer
from rnnkit.layers.min_rnn import CELL_LAYERS
from rnnkit.layers.recurrent import RNN
from rnnkit.models.seq2seq import EncoderDecoder, VectorToSequence
from rnnkit.models.sequential import Sequential

__all__ = ["one_to_one", "one_to_many", "many_to_one", "many_to_many", "encoder_decoder"]

_CELLS = CELL_LAYERS


def _recurrent(cell: str, units: int, **options: object) -> RNN:
    if cell not in _CELLS:
        raise ConfigError(f"cell must be one of {', '.join(_CELLS)}, got {cell!r}")
    return _CELLS[cell](units, **options)


def one_to_one(input_dim: int, units: int, outputs: int, activation: str | None = None) -> Sequential:
    """``Dense(units, relu) → Dense(outputs, activation)``: one input vector, one output."""
    return Sequential(
        [Dense(units, activation="relu", input_shape=(input_dim,)), Dense(outputs, activation=activation)]
    )


def one_to_many(
    input_dim: int, target_vocab: int, units: int = 64, cell: str = "gru", dropout: float = 0.0
) -> VectorToSequence:
    """A vector sets the decoder's first state; the decoder writes tokens until ``<eos>``."""
    return VectorToSequence(input_dim, target_vocab, units=units, cell=cell, dropout=dropout)


def many_to_one(
    input_shape: Sequence[int],
    units: int,
    outputs: int,
    cell: str = "lstm",
    activation: str | None = None,
    bidirectional: bool = False,
) -> Sequential:
    """``RNN(units) → Dense(outputs)``: the last state summarises the sequence."""
    recurrent: Layer = _recurrent(cell, units, input_shape=tuple(input_shape))
    if bidirectional:
        recurrent = Bidirectional(recurrent)  # type: ignore[arg-type]
    return Sequential([recurrent, Dense(outputs, activation=activation)])


def many_to_many(
    input_shape: Sequence[int | None],
    units: int,
    outputs: int,
    cell: str = "lstm",
    activation: str | None = None,
    bidirectional: bool = False,
    mask_value: float | None = None,
) -> Sequential:
    """``RNN(units, return_sequences) → TimeDistributed(Dense(outputs))``: one output per input step.

    ``mask_value``: steps whose features all equal it are padding (``Masking``); they change no real
    step's output. ``bidirectional`` lets each step's output see the steps after it too.
    """
    stack: list[Layer] = []
    if mask_value is not None:
        stack.append(Masking(mask_value, input_shape=tuple(input_shape)))  # type: ignore[arg-type]
    shape = {} if mask_value is not None else {"input_shape": tuple(input_shape)}
    recurrent: Layer = _recurrent(cell, units, return_sequences=True, **shape)
    if bidirectional:
        recurrent = Bidirectional(recurrent)  # type: ignore[arg-type]
    return Sequential([*stack, recurrent, TimeDistributed(Dense(outputs, activation=activation))])


def encoder_decoder(
    source_vocab: int,
    target_vocab: int,
    units: int = 128,
    cell: str = "gru",
    attention: str | None = "additive",
    bidirectional: bool = True,
    dropout: float = 0.0,
) -> EncoderDecoder:
    """A recurrent encoder reads the source; a decoder attending over it writes the target."""
    return EncoderDecoder(
        source_vocab, target_vocab, units=units, cell=cell, attention=attention, bidirectional=bidirectional,
        dropout=dropout,
    )  # fmt: skip
